// The page's reader (assets/reader.js) in Node.js, without a browser, for tests/test_reader_contract.py:
//     node tests/read_goldens.mjs WEIGHTS GOLDENS
// reads each canvas of GOLDENS (model/goldens.py) with the network in WEIGHTS and prints, as JSON, each
// one's 28x28 image, its five views and its probabilities; or, when the reader refuses the weights, prints
// why and exits 1.
import { readFileSync } from "node:fs";
import { runInThisContext } from "node:vm";
import { inflateSync } from "node:zlib";

const [weightsPath, goldensPath] = process.argv.slice(2);
const assets = new URL("../assets/", import.meta.url);
runInThisContext(readFileSync(new URL("reader.js", assets), "utf8"));
const kernels = (await WebAssembly.instantiate(readFileSync(new URL("wasm/kernels.wasm", assets)))).instance.exports;
const weights = new Uint8Array(readFileSync(weightsPath)).buffer;
let network;
try {
  network = MnistReader.parseWeights(weights, kernels);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const readings = JSON.parse(readFileSync(goldensPath, "utf8")).canvases.map(({ rgba, width, height }) => {
  const pixels = new Uint8ClampedArray(inflateSync(Buffer.from(rgba, "base64")));
  const { seen, probabilities } = MnistReader.read(network, pixels, width, height);
  const views = MnistReader.views(network, seen).map((view) => Array.from(view));
  return { seen: Array.from(seen), views, probabilities: Array.from(probabilities) };
});
process.stdout.write(JSON.stringify(readings));
