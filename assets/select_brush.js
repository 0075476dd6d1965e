() => {
  // Gradio 6's Sketchpad opens on its image tool, showing "select the draw tool to start",
  // and goes back to it when cleared; it has no option to open on the brush. Whenever that
  // prompt is showing, press the brush button for the user, so a stroke can start at once.
  // Structural selectors, not the button's label, so this works in every UI language.
  const selectBrush = () => {
    const pad = document.getElementById("sketchpad");
    if (!pad || !pad.querySelector(".empty.wrap")) return;
    pad.querySelector(".toolbar-wrap button")?.click();
  };
  new MutationObserver(selectBrush).observe(document.body, { childList: true, subtree: true });
  selectBrush();
}
