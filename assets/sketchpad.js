() => {
  // Two fixes for Gradio 6.31's Sketchpad, both keyed on structure, not labels, so they
  // work in every UI language.
  const pad = () => document.getElementById("sketchpad");

  // It opens on its image tool, showing "select the draw tool to start", and goes back to
  // it when cleared; it has no option to open on the brush. Whenever that prompt is
  // showing, press the brush button for the user, so a stroke can start at once.
  const selectBrush = () => {
    const sketchpad = pad();
    if (!sketchpad || !sketchpad.querySelector(".empty.wrap")) return;
    sketchpad.querySelector(".toolbar-wrap button")?.click();
  };
  new MutationObserver(selectBrush).observe(document.body, { childList: true, subtree: true });
  selectBrush();

  // Its change event drops the first stroke after the page loads or the canvas is
  // cleared, at random. So the app reads the sketch when a pointer that went down on the
  // sketchpad (a stroke, undo, redo) comes up, through the hidden #read-sketch button.
  // The short wait lets the editor commit the stroke to its layer first.
  const SETTLE_MS = 60;
  let pressed = false;
  document.addEventListener("pointerdown", (event) => {
    pressed = Boolean(pad()?.contains(event.target));
  }, true);
  document.addEventListener("pointerup", () => {
    if (!pressed) return;
    pressed = false;
    setTimeout(() => document.getElementById("read-sketch")?.click(), SETTLE_MS);
  }, true);
}
