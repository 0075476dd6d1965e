(config) => {
  // The reading, told to a screen reader (web/announce.py says when and why). The Label is where every
  // reader's reading ends up, so this reads the Label as Gradio 6.31 lays it out: the top class in its
  // h2, then a row per class, its name in a dt and its confidence in a dd ("98%").
  const { regionId, emptyPrompt, cleared, runnerUpFrom, settleMs } = config;
  const label = () => document.getElementById("prediction");
  const pad = () => document.getElementById("sketchpad");

  const words = () => {
    const top = label()?.querySelector("h2")?.textContent.trim();
    if (!top) return null;
    if (top === emptyPrompt) return cleared;
    const ranked = Array.from(label().querySelectorAll(".confidence-set"), (row) => ({
      digit: row.querySelector("dt")?.textContent.trim(),
      percent: parseInt(row.querySelector("dd")?.textContent, 10),
    }));
    if (!ranked.length || Number.isNaN(ranked[0].percent)) return null;
    const [first, second] = ranked;
    const runnerUp = second?.percent >= runnerUpFrom ? `, or perhaps ${second.digit}, ${second.percent} percent` : "";
    return `Reads ${first.digit}, ${first.percent} percent sure${runnerUp}`;
  };

  let spoken = cleared;  // the page opens on an empty canvas: nothing to say until there is a reading
  let penDown = false;
  let timer = null;
  const speak = () => {
    const region = document.querySelector(`#${regionId} [aria-live]`);
    const now = words();
    if (penDown || !region || !now || now === spoken) return;
    spoken = now;
    region.textContent = now;
  };
  const settle = () => {
    clearTimeout(timer);
    timer = setTimeout(speak, settleMs);
  };

  // Strokes, and the editor's own buttons: while the pen is down the page reads every frame, and says nothing.
  document.addEventListener("pointerdown", (event) => {
    if (pad()?.contains(event.target)) penDown = true;
  }, true);
  const lift = () => {
    if (!penDown) return;
    penDown = false;
    settle();
  };
  document.addEventListener("pointerup", lift, true);
  document.addEventListener("pointercancel", lift, true);
  // Readings that arrive with the pen up: the server's, Undo, Clear, an uploaded picture.
  new MutationObserver((changes) => {
    if (!penDown && changes.some((change) => label()?.contains(change.target))) settle();
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
}
