"""The README's front matter is a Hugging Face Space's configuration: keys Spaces know, and versions that match."""

import re

import yaml

from support import ROOT

# The keys of the Spaces configuration reference (huggingface.co/docs/hub/spaces-config-reference,
# 2026), and `license`, which every Hub repository card may carry.
SPACES_CONFIG_KEYS = {
    "title", "emoji", "colorFrom", "colorTo", "sdk", "python_version", "sdk_version", "suggested_hardware",
    "suggested_storage", "app_file", "app_build_command", "app_port", "base_path", "fullWidth", "header",
    "short_description", "models", "datasets", "tags", "thumbnail", "pinned", "hf_oauth", "hf_oauth_scopes",
    "hf_oauth_expiration_minutes", "hf_oauth_authorized_org", "disable_embedding", "startup_duration_timeout",
    "custom_headers", "preload_from_hub", "license",
}
# ZeroGPU, the free route, runs only these (huggingface.co/docs/hub/spaces-zerogpu, 2026).
ZERO_GPU_PYTHONS = {"3.10.13", "3.12.12"}
CPU_HARDWARE = {"cpu-basic", "cpu-upgrade"}


def front_matter() -> dict:
    text = (ROOT / "README.md").read_text()
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    assert match, "README.md must start with a YAML front matter block"
    return yaml.safe_load(match.group(1))


def pinned_gradio() -> str:
    pins = re.findall(r"^gradio==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert len(pins) == 1, "requirements.txt must pin gradio exactly once"
    return pins[0]


def test_only_keys_spaces_know() -> None:
    assert set(front_matter()) <= SPACES_CONFIG_KEYS, set(front_matter()) - SPACES_CONFIG_KEYS


def test_the_app_file_exists() -> None:
    assert (ROOT / front_matter()["app_file"]).is_file()


def test_the_sdk_is_the_gradio_the_app_is_pinned_to() -> None:
    config = front_matter()
    assert config["sdk"] == "gradio"
    assert str(config["sdk_version"]) == pinned_gradio()


def test_the_python_version_runs_on_every_recommended_hardware() -> None:
    config = front_matter()
    assert isinstance(config["python_version"], str), "quote it: YAML reads 3.10 as the number 3.1"
    assert config["python_version"] in ZERO_GPU_PYTHONS
    assert config["suggested_hardware"] in CPU_HARDWARE


def test_the_page_is_rendered_in_the_browser_even_on_a_space(monkeypatch) -> None:
    """Spaces turn server-side rendering on by default; assets/gradio_fixes.js patches the client, so it stays off."""
    import app

    monkeypatch.setenv("GRADIO_SSR_MODE", "true")
    assert app.launch_options()["ssr_mode"] is False


def requirements(name: str) -> list[str]:
    """The lines of a requirements file, without comments."""
    lines = (re.sub(r"#.*", "", line).strip() for line in (ROOT / name).read_text().splitlines())
    return [line for line in lines if line]


def test_the_space_installs_no_tensorflow() -> None:
    """The app reads with LiteRT: TensorFlow and Keras (about 2 GB) are for training only."""
    packages = {re.split(r"[=<>~\[ ]", line)[0].lower() for line in requirements("requirements.txt")}
    assert not packages & {"tensorflow", "tensorflow-cpu", "keras", "tf-keras"}
    assert {"gradio", "ai-edge-litert", "numpy", "pillow"} <= packages


def test_training_and_the_tests_add_to_the_apps_requirements() -> None:
    train = requirements("requirements-train.txt")
    assert train[0] == "-r requirements.txt" and {line.split("==")[0] for line in train[1:]} == {"tensorflow", "keras"}
    assert requirements("requirements-dev.txt")[0] == "-r requirements-train.txt"
