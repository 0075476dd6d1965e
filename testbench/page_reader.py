"""The page's own reader (assets/reader.js, which the app's page loads as MnistReader), run in a browser page on
canvases drawn here, with the weights and kernels the page itself uses."""

import base64
from typing import TYPE_CHECKING

import numpy as np

from model.constants import SHIPPED, ModelFiles
from web.reader import KERNELS_WASM, weights_url

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Each canvas read ``repeats`` times; each reading timed on its own, the last one returned.
READ_CANVASES = """async ([weightsUrl, kernelsWasm, canvases, repeats]) => {
    const bytes = (encoded) => Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    const kernels = (await WebAssembly.instantiate(bytes(kernelsWasm))).instance.exports;
    const network = MnistReader.parseWeights(await (await fetch(weightsUrl)).arrayBuffer(), kernels);
    const times = [];
    const readings = canvases.map(([encoded, width, height]) => {
        const pixels = bytes(encoded);
        let reading;
        for (let i = 0; i < repeats; i++) {
            const started = performance.now();
            reading = MnistReader.read(network, pixels, width, height);
            times.push(performance.now() - started);
        }
        return { seen: Array.from(reading.seen), probabilities: Array.from(reading.probabilities) };
    });
    return { readings, times };
}"""


def read_in_page(page: "Page", canvases: list[np.ndarray], repeats: int = 1,
                 model: ModelFiles = SHIPPED) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[float]]:
    """Each RGBA canvas's (28x28 image, probabilities) as the page's reader gives them, and every reading's ms."""
    encoded = [[base64.b64encode(np.ascontiguousarray(canvas).tobytes()).decode(), canvas.shape[1], canvas.shape[0]]
               for canvas in canvases]
    result = page.evaluate(READ_CANVASES, [weights_url(model), base64.b64encode(KERNELS_WASM.read_bytes()).decode(),
                                           encoded, repeats])
    readings = [(np.array(read["seen"], np.float32).reshape(28, 28), np.array(read["probabilities"]))
                for read in result["readings"]]
    return readings, result["times"]
