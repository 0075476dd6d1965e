(config) => {
  // The Prediction tab reads the drawing in this page, as it is drawn: at most once an animation
  // frame while the pen moves, and once more when it lifts, with assets/reader.js and the weights
  // train.py exports. The Inside tab, and any page where this cannot run, reads on the server.
  //
  // Gradio's editor keeps its stroke layer on the GPU, out of reach, so this keeps its own copy:
  // it draws each stroke again as the editor does (a row of discs of the brush's radius along the
  // pointer's path, fitted to the view as the editor fits it) and follows undo, redo and clear.
  // After any other tool (the eraser, the image tool), a pinch or zooming the copy may no longer
  // match: the server reads from then until the canvas is cleared.
  //
  // With the compare switch on, the tutorial's model reads the same 28x28 image beside the shipped
  // one; its weights are fetched the first time the switch is turned on, not before.
  // editorPadding, readSketch and readInPage come from web/gradio_fixes.py (fixes 2 and 5).
  const { weightsUrl, comparedWeightsUrl, kernelsWasm, canvasSize, brushRadius, emptyPrompt, topClasses,
    previewSide, editorPadding, readSketch, readInPage } = config;
  const IN_PAGE = "Read in this page, as you draw.";
  const FORCE_SERVER = new URLSearchParams(location.search).get("reader") === "server";

  const state = { reader: "server", network: null, lastOutputs: null, diverged: false, compare: false,
    compared: null };
  const shadow = document.createElement("canvas");
  shadow.width = shadow.height = canvasSize;
  const ink = shadow.getContext("2d", { willReadFrequently: true });
  let strokes = [];  // each a list of [x, y] in canvas pixels
  let undone = [];
  let current = null;
  let frameRequested = false;  // a reading was made this animation frame
  let trailingRead = false;

  const pad = () => document.getElementById("sketchpad");
  const insideShowing = () => Boolean(document.getElementById("inside-tab")?.offsetParent);
  const setLine = (text) => {
    const line = document.querySelector("#reader-in-use .reader-in-use");
    if (line) line.textContent = text;
  };
  const useServer = (why) => {
    state.reader = "server";
    console.warn(`MNIST Sketchpad reads on the server: ${why}`);
    setLine(`Read on the server (${why}).`);
  };

  // --- Drawing the copy of the stroke layer --------------------------------------------------

  const toCanvas = (event) => {
    const view = event.target.getBoundingClientRect();
    const scale = Math.min((view.width - 2 * editorPadding) / canvasSize,
      (view.height - 2 * editorPadding) / canvasSize);
    const left = (view.width - canvasSize * scale) / 2, top = (view.height - canvasSize * scale) / 2;
    return [(event.clientX - view.left - left) / scale, (event.clientY - view.top - top) / scale];
  };
  const disc = ([x, y]) => {
    ink.moveTo(x + brushRadius, y);
    ink.arc(x, y, brushRadius, 0, 2 * Math.PI);
  };
  // As the editor's render_segment_to_graphics: discs at most a third of the radius apart.
  const segment = (from, to) => {
    ink.beginPath();
    const length = Math.hypot(to[0] - from[0], to[1] - from[1]);
    if (length < 0.1) {
      disc(from);
    } else {
      const steps = Math.max(Math.ceil(length / Math.max(brushRadius / 3, 2)), 2);
      for (let i = 0; i < steps; i++) {
        const t = i / (steps - 1);
        disc([from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t]);
      }
    }
    ink.fill();
  };
  const drawStroke = (points) => points.forEach((point, i) => segment(points[Math.max(0, i - 1)], point));
  const redraw = () => {
    ink.clearRect(0, 0, canvasSize, canvasSize);
    strokes.forEach(drawStroke);
  };

  // The editor's layer has no anti-aliasing: a pixel is ink or not, as its centre falls.
  const layerPixels = () => {
    const pixels = ink.getImageData(0, 0, canvasSize, canvasSize).data;
    for (let i = 3; i < pixels.length; i += 4) {
      if (pixels[i] >= 128) pixels[i] = 255;
      else pixels[i - 3] = pixels[i - 2] = pixels[i - 1] = pixels[i] = 0;
    }
    return pixels;
  };

  // --- Reading ---------------------------------------------------------------------------------

  const previewHtml = (seen) => {
    const picture = document.createElement("canvas");
    picture.width = picture.height = state.network.preprocess.image_side;
    const context = picture.getContext("2d");
    const image = context.createImageData(picture.width, picture.height);
    seen.forEach((value, i) => {
      const grey = Math.round(value * 255);
      image.data.set([grey, grey, grey, 255], i * 4);
    });
    context.putImageData(image, 0, 0);
    return `<img src="${picture.toDataURL("image/png")}" width="${previewSide}" height="${previewSide}" ` +
      `alt="The ${picture.width} by ${picture.height} pixel image the network reads">`;
  };

  // A Label's value, as the server's classify gives it.
  const labelFor = (probabilities) => {
    const ranked = Array.from(probabilities, (confidence, digit) => ({ label: String(digit), confidence }))
      .sort((a, b) => b.confidence - a.confidence).slice(0, topClasses);
    return { label: ranked[0].label, confidences: ranked };
  };
  // The Label's, the preview's and the compared Label's values, as the server's read_compared gives them.
  const outputsFor = ({ seen, probabilities }) => {
    const blank = !seen.some((value) => value !== 0);
    const compared = blank || !state.compared ? { label: emptyPrompt }
      : labelFor(MnistReader.predict(state.compared, seen));
    return blank ? [{ label: emptyPrompt }, null, compared] : [labelFor(probabilities), previewHtml(seen), compared];
  };

  const inPage = () => state.reader === "page" && !state.diverged;
  const readNow = () => {
    if (!inPage() || insideShowing()) return;
    try {
      state.lastOutputs = outputsFor(MnistReader.read(state.network, layerPixels(), canvasSize, canvasSize));
    } catch (error) {
      useServer(`the page's reader failed: ${error.message}`);
      document.getElementById(readSketch)?.click();
      return;
    }
    document.getElementById(readInPage)?.click();  // its js hands lastOutputs to the Label and preview
  };
  // At most one reading an animation frame: the first move in a frame reads at once, later ones once after.
  const readSoon = () => {
    if (frameRequested) {
      trailingRead = true;
      return;
    }
    readNow();
    frameRequested = true;
    requestAnimationFrame(endFrame);
  };
  const endFrame = () => {
    frameRequested = false;
    if (trailingRead) {
      trailingRead = false;
      readSoon();
    }
  };

  // --- Following the pen, undo, redo and clear --------------------------------------------------

  const onCanvas = (event) => event.target instanceof HTMLCanvasElement && pad()?.contains(event.target);
  const brushSelected = () => pad()?.querySelector(".toolbar-wrap button")?.classList.contains("highlight");

  // The copy cannot follow what other tools, a second finger (a pinch) or zooming do to the layer or the view.
  const diverge = () => {
    if (inPage()) setLine("Read on the server until the canvas is cleared (changed other than with the brush).");
    state.diverged = true;
    current = null;
  };
  document.addEventListener("wheel", (event) => {
    if (onCanvas(event)) diverge();
  }, true);
  document.addEventListener("pointerdown", (event) => {
    if (!onCanvas(event) || event.button !== 0) return;
    if (!brushSelected() || !event.isPrimary || current !== null) {
      diverge();
      return;
    }
    current = [toCanvas(event)];
    current.pointer = event.pointerId;
    strokes.push(current);
    undone = [];
    segment(current[0], current[0]);
    readSoon();
  }, true);
  document.addEventListener("pointermove", (event) => {
    if (current === null || event.pointerId !== current.pointer) return;
    const point = toCanvas(event);
    segment(current[current.length - 1], point);
    current.push(point);
    readSoon();
  }, true);
  document.addEventListener("pointerup", (event) => {
    if (current === null || event.pointerId !== current.pointer) return;
    current = null;
    readNow();  // once more as the stroke ends, whatever was read this frame
  }, true);

  document.addEventListener("click", (event) => {
    const button = event.target.closest?.("#sketchpad button[aria-label]");
    if (!button) return;
    const action = button.getAttribute("aria-label");
    if (action === "Undo" && strokes.length) undone.push(strokes.pop());
    else if (action === "Redo" && undone.length) strokes.push(undone.pop());
    else if (action === "Clear canvas") {
      strokes = [];
      undone = [];
      if (state.diverged && state.reader === "page") setLine(IN_PAGE);
      state.diverged = false;
    } else return;
    redraw();
    if (action !== "Clear canvas") readNow();  // clearing, the server's clear event shows the prompt
  }, true);

  // --- Which reader: this page's when it can, else the server's ------------------------------------

  // Each network runs in an instance of the kernels of its own: they keep its weights in their memory.
  const newKernels = async () => {
    const bytes = Uint8Array.from(atob(kernelsWasm), (character) => character.charCodeAt(0));
    return (await WebAssembly.instantiate(bytes)).instance.exports;
  };
  const loadNetwork = async (url, kernels) => {
    const reply = await fetch(url);
    if (!reply.ok) throw new Error(`the weights answered ${reply.status}`);
    return MnistReader.parseWeights(await reply.arrayBuffer(), kernels);
  };

  // The compare switch: the tutorial's model reads beside the shipped one, here or, failing that, on the server.
  const compare = async (on) => {
    state.compare = on;
    if (on && inPage() && !state.compared) {
      try {
        state.compared = await loadNetwork(comparedWeightsUrl, await newKernels());
        console.info("MNIST Sketchpad compares in the page, with the weights from", comparedWeightsUrl);
      } catch (error) {
        useServer(`the tutorial's model could not be loaded: ${error.message}`);
      }
    }
    if (!on || !state.compare) return;
    if (inPage()) readNow();
    else document.getElementById(readSketch)?.click();
  };

  globalThis.liveReading = {
    // Whether the Prediction tab reads in this page (assets/gradio_fixes.js then leaves it alone).
    active: inPage,
    outputs: () => state.lastOutputs,
    compare,
  };
  const start = async () => {
    if (FORCE_SERVER) return useServer("asked for by ?reader=server");
    if (typeof MnistReader === "undefined") return useServer("assets/reader.js did not load");
    let kernels;
    try {
      kernels = await newKernels();
    } catch (error) {
      return useServer(`this browser cannot run the reader's WebAssembly SIMD kernels (${error.message})`);
    }
    state.network = await loadNetwork(weightsUrl, kernels);
    state.reader = "page";
    setLine(IN_PAGE);
    console.info("MNIST Sketchpad reads in the page, with the weights from", weightsUrl);
  };
  start().catch((error) => useServer(`the weights could not be loaded: ${error.message}`));
}
