// The page's own digit reader: model.to_mnist, the five views of model.serving and the documented
// CNN, in JavaScript with the convolutions in WebAssembly SIMD (assets/wasm/kernels.wat), so the
// Prediction tab reads on every pointer move without asking the server. Functions of their inputs
// (the network keeps its scratch memory); the page's wiring is in assets/live_reading.js.
//
// Every step copies what the server's Python does, down to Pillow's fixed-point arithmetic and
// NumPy's rounding, so that the 28x28 image and the probabilities match the server's
// (tests/test_reader_contract.py checks it in Node.js on the golden canvases train.py exports,
// tests/test_browser_reader.py in Chromium on real pen-drawn digits).
//
// The weights file's header is the contract with the Python side: it carries every constant of
// model/preprocess.py and of model/serving.py's views (network.preprocess, network.views), and the
// shape of each layer's output; this file keeps none of them. It knows only the header's version.
globalThis.MnistReader = (() => {
  const WEIGHTS_FORMAT = 2;  // model/export.py's FORMAT_VERSION: what this reader reads

  // NumPy and Python round halves to even.
  const roundHalfEven = (value) => {
    const floor = Math.floor(value);
    const rest = value - floor;
    if (rest !== 0.5) return Math.round(value);
    return floor % 2 === 0 ? floor : floor + 1;
  };

  // --- Preprocessing: model.to_mnist ---------------------------------------------------------

  // rgba: a Uint8ClampedArray or Uint8Array of width x height RGBA pixels, as a canvas gives them.
  // Returns the 28x28 Float32Array the network reads (all zeros when nothing is drawn), made as
  // the network's header says.
  const toMnist = (network, rgba, width, height) => {
    const settings = network.preprocess;
    const ink = extractInk(settings, rgba, width, height);
    const field = new Float32Array(settings.image_side ** 2);
    if (ink === null) return field;
    const digit = centreByMass(settings, fitBox(settings, ink));
    for (let i = 0; i < field.length; i++) field[i] = Math.fround(digit[i] / 255);
    return field;
  };

  const extractInk = (settings, rgba, width, height) => {
    const background = borderColour(rgba, width, height);
    const box = differingBox(rgba, width, height, background);
    if (box === null) return null;
    // Opaque ink on a transparent layer is its alpha; otherwise the colour that differs from the sheet.
    const channels = background[3] < settings.opaque_from ? [3] : [0, 1, 2];
    const crop = shrink(settings, rgba, width, box);
    const contrast = new Int32Array(crop.width * crop.height);
    let strongest = 0;
    for (let i = 0; i < contrast.length; i++) {
      let most = 0;
      for (const c of channels) most = Math.max(most, Math.abs(crop.pixels[i * 4 + c] - background[c]));
      contrast[i] = most;
      strongest = Math.max(strongest, most);
    }
    if (strongest < settings.min_contrast) return null;
    const stretch = 255.0 / strongest;
    const halo = 255 * settings.halo_fraction;
    const ink = new Float64Array(contrast.length);
    for (let i = 0; i < ink.length; i++) {
      const value = contrast[i] * stretch;
      ink[i] = value < halo ? 0 : value;
    }
    const inner = boundingBox(crop.width, crop.height, (x, y) => ink[y * crop.width + x] > 0);
    const [top, bottom, left, right] = inner;
    const out = { width: right - left, height: bottom - top };
    out.pixels = new Uint8Array(out.width * out.height);
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        out.pixels[y * out.width + x] = roundHalfEven(ink[(y + top) * crop.width + x + left]);
      }
    }
    return out;
  };

  // The median of the outermost rows and columns, channel by channel, truncated as NumPy's astype does.
  const borderColour = (rgba, width, height) => {
    const samples = [[], [], [], []];
    const take = (x, y) => {
      for (let c = 0; c < 4; c++) samples[c].push(rgba[(y * width + x) * 4 + c]);
    };
    for (let x = 0; x < width; x++) take(x, 0);
    for (let x = 0; x < width; x++) take(x, height - 1);
    for (let y = 0; y < height; y++) take(0, y);
    for (let y = 0; y < height; y++) take(width - 1, y);
    return samples.map((values) => {
      values.sort((a, b) => a - b);
      const middle = values.length >> 1;
      return values.length % 2 ? values[middle] : Math.trunc((values[middle - 1] + values[middle]) / 2);
    });
  };

  // The box around the pixels that differ from the background at all: one 32-bit comparison a pixel.
  const differingBox = (rgba, width, height, background) => {
    const bytes = rgba.byteOffset % 4 ? rgba.slice() : rgba;
    const pixels = new Uint32Array(bytes.buffer, bytes.byteOffset, width * height);
    const sheet = new Uint32Array(Uint8Array.from(background).buffer)[0];
    let top = -1, bottom = -1, left = width, right = -1;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      let first = -1, last = -1;
      for (let x = 0; x < width; x++) {
        if (pixels[row + x] !== sheet) {
          if (first < 0) first = x;
          last = x;
        }
      }
      if (first < 0) continue;
      if (top < 0) top = y;
      bottom = y;
      left = Math.min(left, first);
      right = Math.max(right, last);
    }
    return top < 0 ? null : [top, bottom + 1, left, right + 1];
  };

  // [top, bottom, left, right) of the pixels where inked(x, y), or null.
  const boundingBox = (width, height, inked) => {
    let top = height, bottom = -1, left = width, right = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!inked(x, y)) continue;
        top = Math.min(top, y);
        bottom = y;
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
    return bottom < 0 ? null : [top, bottom + 1, left, right + 1];
  };

  // The crop, box-filtered to about the working side when it is bigger, as Pillow's reduce does it.
  const shrink = (settings, rgba, width, [top, bottom, left, right]) => {
    const factor = Math.floor(Math.max(bottom - top, right - left) / settings.working_side);
    const scale = factor < 2 ? 1 : factor;
    return reduce(rgba, width, 4, [left, top, right - left, bottom - top], scale, scale);
  };

  // Pillow's ImagingReduce: the rounded mean of each xscale x yscale block of the box [x, y, w, h],
  // partial blocks at the right and bottom edges included, in Pillow's fixed point.
  const reduce = (pixels, width, channels, [boxX, boxY, boxWidth, boxHeight], xscale, yscale) => {
    const outWidth = Math.ceil(boxWidth / xscale);
    const outHeight = Math.ceil(boxHeight / yscale);
    const out = new Uint8Array(outWidth * outHeight * channels);
    for (let y = 0; y < outHeight; y++) {
      const rows = Math.min(yscale, boxHeight - y * yscale);
      for (let x = 0; x < outWidth; x++) {
        const columns = Math.min(xscale, boxWidth - x * xscale);
        const count = rows * columns;
        // division_UINT32: 2^32 / (256 * count), in float32, truncated.
        const multiplier = Math.trunc(Math.fround(4294967296 / Math.fround(256 * count)));
        const amend = count >> 1;
        for (let c = 0; c < channels; c++) {
          let sum = amend;
          for (let dy = 0; dy < rows; dy++) {
            const row = (boxY + y * yscale + dy) * width;
            for (let dx = 0; dx < columns; dx++) sum += pixels[(row + boxX + x * xscale + dx) * channels + c];
          }
          out[(y * outWidth + x) * channels + c] = Math.floor((sum * multiplier) / 16777216);
        }
      }
    }
    return { pixels: out, width: outWidth, height: outHeight };
  };

  // Scale the ink so its longest side fills the box: Pillow's LANCZOS resize with its reducing_gap.
  const fitBox = (settings, ink) => {
    const scale = settings.box / Math.max(ink.height, ink.width);
    const size = [Math.max(1, roundHalfEven(ink.width * scale)), Math.max(1, roundHalfEven(ink.height * scale))];
    if (size[0] === ink.width && size[1] === ink.height) return ink;
    let image = ink;
    let box = [0, 0, ink.width, ink.height];
    const factorX = Math.trunc(ink.width / size[0] / settings.reducing_gap) || 1;
    const factorY = Math.trunc(ink.height / size[1] / settings.reducing_gap) || 1;
    if (factorX > 1 || factorY > 1) {
      image = reduce(ink.pixels, ink.width, 1, box, factorX, factorY);
      box = [0, 0, ink.width / factorX, ink.height / factorY];
    }
    if (image.height > image.width * 100 && size[1] < image.height) {
      const tall = resample(image, [image.width, size[1]], [0, box[1], image.width, box[3]]);
      return resample(tall, size, [box[0], 0, box[2], size[1]]);
    }
    return resample(image, size, box);
  };

  // Pillow's _resize and ImagingResample for 8-bit grey: a crop when nothing is resampled, else
  // a horizontal then a vertical LANCZOS pass with 22-bit fixed-point coefficients.
  const resample = (image, [outWidth, outHeight], box) => {
    box = box.map(Math.fround);  // Pillow takes the box as C floats
    if (box[0] === Math.trunc(box[0]) && box[2] - box[0] === outWidth &&
        box[1] === Math.trunc(box[1]) && box[3] - box[1] === outHeight) {
      return crop(image, box[0], box[1], outWidth, outHeight);
    }
    const needHorizontal = outWidth !== image.width || box[0] !== 0 || box[2] !== outWidth;
    const needVertical = outHeight !== image.height || box[1] !== 0 || box[3] !== outHeight;
    let current = image;
    if (needHorizontal) {
      const [bounds, weights, size] = lanczosCoefficients(image.width, box[0], box[2], outWidth);
      current = pass(current, outWidth, current.height, (x, y, read) => {
        let sum = 1 << (PRECISION_BITS - 1);
        for (let i = 0; i < bounds[x * 2 + 1]; i++) sum += read(bounds[x * 2] + i, y) * weights[x * size + i];
        return sum;
      });
    }
    if (needVertical) {
      const [bounds, weights, size] = lanczosCoefficients(image.height, box[1], box[3], outHeight);
      current = pass(current, current.width, outHeight, (x, y, read) => {
        let sum = 1 << (PRECISION_BITS - 1);
        for (let i = 0; i < bounds[y * 2 + 1]; i++) sum += read(x, bounds[y * 2] + i) * weights[y * size + i];
        return sum;
      });
    }
    return current === image ? crop(image, 0, 0, image.width, image.height) : current;
  };

  const PRECISION_BITS = 32 - 8 - 2;

  const pass = (image, width, height, sumAt) => {
    const pixels = new Uint8Array(width * height);
    const read = (x, y) => image.pixels[y * image.width + x];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        // clip8: the fixed-point sum shifted down, clamped to 0..255 (an arithmetic shift, as in C).
        const value = sumAt(x, y, read) >> PRECISION_BITS;
        pixels[y * width + x] = value < 0 ? 0 : value > 255 ? 255 : value;
      }
    }
    return { pixels, width, height };
  };

  const crop = (image, left, top, width, height) => {
    const pixels = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      const from = (y + top) * image.width + left;
      pixels.set(image.pixels.subarray(from, from + width), y * width);
    }
    return { pixels, width, height };
  };

  const sinc = (x) => {
    if (x === 0.0) return 1.0;
    x *= Math.PI;
    return Math.sin(x) / x;
  };
  const LANCZOS_SUPPORT = 3.0;
  const lanczos = (x) => (-LANCZOS_SUPPORT <= x && x < LANCZOS_SUPPORT ? sinc(x) * sinc(x / LANCZOS_SUPPORT) : 0.0);

  // Pillow's precompute_coeffs and normalize_coeffs_8bpc: for each output pixel, the first input
  // pixel, how many it weighs, and their weights as 22-bit fixed point.
  const lanczosCoefficients = (inSize, in0, in1, outSize) => {
    const scale = Math.fround(in1 - in0) / outSize;
    const filterScale = Math.max(scale, 1.0);
    const support = LANCZOS_SUPPORT * filterScale;
    const size = Math.ceil(support) * 2 + 1;
    const bounds = new Int32Array(outSize * 2);
    const weights = new Int32Array(outSize * size);
    for (let out = 0; out < outSize; out++) {
      const centre = in0 + (out + 0.5) * scale;
      const first = Math.max(0, Math.trunc(centre - support + 0.5));
      const count = Math.min(inSize, Math.trunc(centre + support + 0.5)) - first;
      const raw = [];
      let total = 0.0;
      for (let i = 0; i < count; i++) {
        raw.push(lanczos((i + first - centre + 0.5) * (1.0 / filterScale)));
        total += raw[i];
      }
      for (let i = 0; i < count; i++) {
        const weight = total !== 0.0 ? raw[i] / total : raw[i];
        weights[out * size + i] = Math.trunc(weight < 0 ? -0.5 + weight * (1 << PRECISION_BITS)
          : 0.5 + weight * (1 << PRECISION_BITS));
      }
      bounds[out * 2] = first;
      bounds[out * 2 + 1] = count;
    }
    return [bounds, weights, size];
  };

  // Place the digit in a 28x28 field with its centre of mass at MNIST's.
  const centreByMass = ({ image_side: side, centre }, digit) => {
    let total = 0, rowMoment = 0, columnMoment = 0;
    for (let y = 0; y < digit.height; y++) {
      let rowSum = 0;
      for (let x = 0; x < digit.width; x++) rowSum += digit.pixels[y * digit.width + x];
      rowMoment += rowSum * y;
      total += rowSum;
    }
    for (let x = 0; x < digit.width; x++) {
      let columnSum = 0;
      for (let y = 0; y < digit.height; y++) columnSum += digit.pixels[y * digit.width + x];
      columnMoment += columnSum * x;
    }
    total = total || 1.0;
    const clip = (value, high) => Math.min(Math.max(value, 0), high);
    const top = clip(roundHalfEven(centre[0] - rowMoment / total), side - digit.height);
    const left = clip(roundHalfEven(centre[1] - columnMoment / total), side - digit.width);
    const field = new Uint8Array(side * side);
    for (let y = 0; y < digit.height; y++) {
      field.set(digit.pixels.subarray(y * digit.width, (y + 1) * digit.width), (y + top) * side + left);
    }
    return field;
  };

  // --- The five views: model.serving._views ----------------------------------------------------

  // The views of ``seen`` (from toMnist) that the network's header asks for.
  const views = (network, seen) => {
    const settings = network.views;
    const side = network.preprocess.image_side;
    const turned = settings.turns.map((angle) => rotate(seen, side, angle));
    const heavier = rankFilter(seen, side, settings.stroke_filter_size, Math.max);
    const eroded = rankFilter(seen, side, settings.stroke_filter_size, Math.min);
    // Part of an erosion, as in training: a full one wipes out thin strokes.
    const blend = settings.lighter_blend;
    const lighter = seen.map((value, i) => Math.fround(Math.fround(value * (1 - blend)) + Math.fround(eroded[i] * blend)));
    return [seen, ...turned, heavier, lighter];
  };

  // Pillow's rotate(angle, BILINEAR) of a square float image about its centre, black outside.
  const rotate = (image, side, degrees) => {
    const radians = -degrees * (Math.PI / 180);
    const round15 = (value) => Number(value.toFixed(15));
    const [a, b, d, e] = [round15(Math.cos(radians)), round15(Math.sin(radians)),
      round15(-Math.sin(radians)), round15(Math.cos(radians))];
    const centre = side / 2;
    const c = a * -centre + b * -centre + 0.0 + centre;
    const f = d * -centre + e * -centre + 0.0 + centre;
    const out = new Float32Array(image.length);
    const at = (x, y) => image[y * side + x];
    const clipX = (x) => (x < 0 ? 0 : x < side ? x : side - 1);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        let xin = a * (x + 0.5) + b * (y + 0.5) + c;
        let yin = d * (x + 0.5) + e * (y + 0.5) + f;
        if (xin < 0.0 || xin >= side || yin < 0.0 || yin >= side) continue;
        xin -= 0.5;
        yin -= 0.5;
        const x0 = Math.floor(xin), y0 = Math.floor(yin);
        const dx = xin - x0, dy = yin - y0;
        const left = clipX(x0), right = clipX(x0 + 1);
        const top = clipX(y0);
        const upper = at(left, top) + (at(right, top) - at(left, top)) * dx;
        const lower = y0 + 1 >= 0 && y0 + 1 < side
          ? at(left, y0 + 1) + (at(right, y0 + 1) - at(left, y0 + 1)) * dx : upper;
        out[y * side + x] = upper + (lower - upper) * dy;
      }
    }
    return out;
  };

  // Pillow's MaxFilter(size) / MinFilter(size): each pixel's size x size neighbourhood, the edge repeated outside.
  const rankFilter = (image, side, size, pick) => {
    const reach = size >> 1;
    const out = new Float32Array(image.length);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        let best = image[y * side + x];
        for (let dy = -reach; dy <= reach; dy++) {
          for (let dx = -reach; dx <= reach; dx++) {
            const yy = Math.min(Math.max(y + dy, 0), side - 1);
            const xx = Math.min(Math.max(x + dx, 0), side - 1);
            best = pick(best, image[yy * side + xx]);
          }
        }
        out[y * side + x] = best;
      }
    }
    return out;
  };

  // --- The network -----------------------------------------------------------------------------

  // Conv2D and Dense layers run in assets/wasm/kernels.wat, 32 outputs at a time; the rest here.
  const OUTPUT_BLOCK = 32;
  const FLOAT_BYTES = 4;
  const PAGE_BYTES = 65536;
  const roundUp = (value, step) => Math.ceil(value / step) * step;

  // The kernels' memory, handed out from the start: first the weights, then each reading's activations.
  const arena = (kernels) => {
    let end = 0;
    const take = (floats) => {
      const at = end;
      end += roundUp(floats * FLOAT_BYTES, 16);
      const missing = Math.ceil((end - kernels.memory.buffer.byteLength) / PAGE_BYTES);
      if (missing > 0) kernels.memory.grow(missing);
      return at;
    };
    // Growing the memory detaches earlier views of it, so every view is made when it is needed.
    const floats = (at, count) => new Float32Array(kernels.memory.buffer, at, count);
    const mark = () => end;
    const release = (to) => { end = to; };
    return { take, floats, mark, release };
  };

  // The only resampling filters this reader has, by the names the header gives Pillow's.
  const FILTERS = { resize_filter: "lanczos", turn_filter: "bilinear" };

  // The header's promises that this reader can keep, or an Error saying which it cannot.
  const checkHeader = (header) => {
    if (header.format !== WEIGHTS_FORMAT) {
      throw new Error(`the weights are in format ${header.format}, but this page's reader reads format ` +
        `${WEIGHTS_FORMAT} (re-export them with python train.py --export, or reload the page)`);
    }
    const settings = { ...header.preprocess, ...header.views };
    for (const [name, filter] of Object.entries(FILTERS)) {
      if (settings[name] !== filter) throw new Error(`the weights ask for ${name} ${settings[name]}, not ${filter}`);
    }
    const side = header.preprocess.image_side;
    if (header.input_shape.join() !== [side, side, 1].join()) {
      throw new Error(`the network reads ${header.input_shape}, not ${side}x${side} images`);
    }
    const output = header.layers.at(-1);
    if (output?.kind !== "Dense" || output.output_shape.join() !== [header.num_classes].join()) {
      throw new Error(`the network does not end in a Dense layer of ${header.num_classes} classes`);
    }
  };

  // The weights file train.py writes (model/export.py): a uint32 header length, a JSON header, the tensors.
  // ``kernels`` is the instance of assets/wasm/kernels.wasm the network runs in.
  const parseWeights = (buffer, kernels) => {
    const view = new DataView(buffer);
    const headerLength = view.getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
    checkHeader(header);
    const dataStart = 4 + headerLength;
    const tensor = ({ shape, dtype, offset }) => {
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = (size) => buffer.slice(dataStart + offset, dataStart + offset + size * count);
      if (dtype === "float32") return new Float32Array(bytes(4));
      if (dtype === "float16") return halfToFloat(new Uint16Array(bytes(2)));
      throw new Error(`unsupported dtype ${dtype}`);
    };
    const memory = arena(kernels);
    const layers = header.layers.map((layer) => {
      if (!LAYERS[layer.kind]) throw new Error(`unsupported layer ${layer.kind}`);
      if (layer.activation && !(layer.activation in ACTIVATIONS)) throw new Error(`unsupported activation ${layer.activation}`);
      const weights = Object.fromEntries(layer.tensors.map((t) => [t.name, { shape: t.shape, values: tensor(t) }]));
      return weights.kernel ? { ...layer, ...placeWeights(memory, weights) } : layer;
    });
    layers.forEach((layer, i) => {
      if (layer.kind === "Conv2D" && layer.outputs !== layer.padded) {
        throw new Error(`${layer.name}: ${layer.outputs} channels, not a multiple of ${OUTPUT_BLOCK}`);
      }
      const next = layers[i + 1];
      if (layer.kind === "Conv2D" && next?.kind === "MaxPooling2D") {
        layer.pooledBy = { pool: next.pool_size[0], stride: next.strides[0] };
      }
    });
    return { inputShape: header.input_shape, numClasses: header.num_classes, preprocess: header.preprocess,
      views: header.views, layers, kernels, memory };
  };

  // A kernel [..., outputs] and its bias copied into the kernels' memory, the outputs padded to whole blocks.
  const placeWeights = (memory, { kernel, bias }) => {
    const outputs = kernel.shape[kernel.shape.length - 1];
    const padded = roundUp(outputs, OUTPUT_BLOCK);
    const place = (values) => {
      const rows = values.length / outputs;
      const at = memory.take(rows * padded);
      const placed = memory.floats(at, rows * padded).fill(0);
      for (let row = 0; row < rows; row++) placed.set(values.subarray(row * outputs, (row + 1) * outputs), row * padded);
      return at;
    };
    return { kernelShape: kernel.shape, outputs, padded, kernelAt: place(kernel.values), biasAt: place(bias.values) };
  };

  const halfToFloat = (halves) => {
    const out = new Float32Array(halves.length);
    for (let i = 0; i < halves.length; i++) {
      const h = halves[i];
      const sign = h & 0x8000 ? -1 : 1;
      const exponent = (h >> 10) & 0x1f;
      const fraction = h & 0x3ff;
      out[i] = exponent === 0 ? sign * fraction * 2 ** -24
        : exponent === 31 ? (fraction ? NaN : sign * Infinity)
          : sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
    }
    return out;
  };

  // What follows the kernels' sums: ReLU there, or softmax here. The kernels compute in float32, as LiteRT does.
  const ACTIVATIONS = { relu: true, linear: false, softmax: false };
  const softmax = (values) => {
    const most = Math.max(...values);
    const exps = Array.from(values, (value) => Math.exp(value - most));
    const total = exps.reduce((a, b) => a + b, 0);
    return Float64Array.from(exps, (value) => value / total);
  };

  // A batch of views lies in the kernels' memory, one after another: {at, views, shape: [height, width, channels] or [length]}.
  const size = (shape) => shape.reduce((a, b) => a * b, 1);

  // Each layer maps a batch to the next, in the network's memory.
  const LAYERS = {
    Conv2D: (network, layer, input) => {
      const [kh, kw, channels] = layer.kernelShape;
      const width = input.shape[1];
      const [outHeight, outWidth] = layer.output_shape;
      // A 2x2 pooling after an odd-sized output never reads its last row and column: skip them (a sixth of the work).
      const [rows, columns] = [outHeight, outWidth].map((side) => (layer.pooledBy
        ? Math.floor((side - layer.pooledBy.pool) / layer.pooledBy.stride) * layer.pooledBy.stride + layer.pooledBy.pool
        : side));
      const shape = [outHeight, outWidth, layer.padded];
      const at = network.memory.take(input.views * size(shape));
      for (let v = 0; v < input.views; v++) {
        network.kernels.convolve(input.at + v * size(input.shape) * FLOAT_BYTES, width * channels * FLOAT_BYTES,
          channels * FLOAT_BYTES, kh, kw * channels, layer.kernelAt, layer.biasAt, layer.padded,
          at + v * size(shape) * FLOAT_BYTES, rows, columns, outWidth, ACTIVATIONS[layer.activation]);
      }
      return { at, views: input.views, shape };
    },
    // All the views at once, as the rows of a one-column image: each block of the big kernel is read
    // from memory once, not once a view.
    Dense: (network, layer, input) => {
      const [inputs] = layer.kernelShape;
      const at = network.memory.take(input.views * layer.padded);
      network.kernels.convolve(input.at, size(input.shape) * FLOAT_BYTES, 0, 1, inputs, layer.kernelAt, layer.biasAt,
        layer.padded, at, input.views, 1, 1, ACTIVATIONS[layer.activation]);
      return { at, views: input.views, shape: [layer.padded], used: layer.outputs, activation: layer.activation };
    },
    MaxPooling2D: (network, layer, input) => {
      const [pool] = layer.pool_size, [stride] = layer.strides;
      const [, width, channels] = input.shape;
      const [outHeight, outWidth] = layer.output_shape;
      const shape = [outHeight, outWidth, channels];
      const at = network.memory.take(input.views * size(shape));
      for (let v = 0; v < input.views; v++) {
        const from = network.memory.floats(input.at + v * size(input.shape) * FLOAT_BYTES, size(input.shape));
        const out = network.memory.floats(at + v * size(shape) * FLOAT_BYTES, size(shape)).fill(-Infinity);
        for (let y = 0; y < outHeight; y++) {
          for (let x = 0; x < outWidth; x++) {
            const to = (y * outWidth + x) * channels;
            for (let py = 0; py < pool; py++) {
              for (let px = 0; px < pool; px++) {
                const start = ((y * stride + py) * width + x * stride + px) * channels;
                for (let c = 0; c < channels; c++) out[to + c] = Math.max(out[to + c], from[start + c]);
              }
            }
          }
        }
      }
      return { at, views: input.views, shape };
    },
    Dropout: (network, layer, input) => input,  // the identity when reading
    Flatten: (network, layer, input) => ({ ...input, shape: [size(input.shape)] }),
  };

  // The network's outputs for each of ``images`` (28x28 Float32Arrays): one array of class probabilities a view.
  const forward = (network, images) => {
    const start = network.memory.mark();
    try {
      const input = { at: network.memory.take(images.length * size(network.inputShape)), views: images.length,
        shape: network.inputShape };
      images.forEach((image, v) => network.memory.floats(input.at + v * image.length * FLOAT_BYTES, image.length).set(image));
      const last = network.layers.reduce((data, layer) => LAYERS[layer.kind](network, layer, data), input);
      return images.map((_, v) => {
        const values = network.memory.floats(last.at + v * size(last.shape) * FLOAT_BYTES, last.used);
        return last.activation === "softmax" ? softmax(values) : Float64Array.from(values);
      });
    } finally {
      network.memory.release(start);
    }
  };

  // model.serving.predict_seen for one image: the mean of the five views' probabilities; uniform when blank.
  const predict = (network, seen) => {
    const probabilities = new Float64Array(network.numClasses);
    if (!seen.some((value) => value !== 0)) return probabilities.fill(1 / network.numClasses);
    const readings = forward(network, views(network, seen));
    for (const reading of readings) {
      for (let i = 0; i < network.numClasses; i++) probabilities[i] += reading[i] / readings.length;
    }
    const total = probabilities.reduce((a, b) => a + b, 0);
    return probabilities.map((value) => value / total);
  };

  const read = (network, rgba, width, height) => {
    const seen = toMnist(network, rgba, width, height);
    return { seen, probabilities: predict(network, seen) };
  };

  return { toMnist, views, parseWeights, predict, read };
})();
