"""Hosting on ZeroGPU, the route by which a free Hugging Face account can still host a Gradio Space.

ZeroGPU stops a Space at start-up ("No @spaces.GPU function detected during startup") unless the
app has a function that asks for a GPU: the preinstalled ``spaces`` package counts the functions
decorated with ``@spaces.GPU`` when ``launch()`` runs and reports them to the platform. This app
reads digits with LiteRT on the CPU, and a GPU per stroke would spend a visitor's daily GPU quota
in minutes, so it declares one function it never calls. Anywhere else this does nothing.
"""

import logging
import os

# Set to "true" by Hugging Face on ZeroGPU hardware; read by the spaces package and Gradio too.
ZERO_GPU_ENV = "SPACES_ZERO_GPU"

log = logging.getLogger("zerogpu")


def on_zero_gpu() -> bool:
    return os.environ.get(ZERO_GPU_ENV, "").lower() == "true"


def unused_gpu_function() -> None:
    """Declared to ZeroGPU so the Space may start; nothing calls it."""


def declare_to_zero_gpu() -> None:
    """On ZeroGPU, declare one GPU function before launch(); elsewhere, nothing."""
    if not on_zero_gpu():
        return
    import spaces  # preinstalled on ZeroGPU Spaces; here, not above, as nowhere else has it

    spaces.GPU(unused_gpu_function)
    log.info("ZeroGPU: the app reads digits on the CPU; one unused GPU function declared so the Space starts.")
