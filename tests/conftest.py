"""Suite-wide guards, the markers, and what many test files share: the running app, its API client, Chromium,
and the dev sketches (each started or loaded once per test worker)."""

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from support import AXE_PATH, BOARD_KEY, MNIST_PATH, SHIPPED_MODEL_DIR, SKETCHES_PATH
from testbench.servers import free_port

if TYPE_CHECKING:
    import gradio
    import gradio_client
    from playwright.sync_api import Browser

# The two workers take test files in the order they are collected; the longest first, so neither
# is left running one alone at the end.
LONGEST_FILES = ["test_train.py", "test_accessibility.py", "test_phone.py", "test_tablet.py", "test_browser.py",
                 "test_browser_reader.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test that drives Chromium ``browser``, then hand out the longest files first."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FILES.index(name) if name in LONGEST_FILES else len(LONGEST_FILES)

    items.sort(key=rank)  # stable: each file's tests keep their order


def pytest_configure(config: pytest.Config) -> None:
    """Each test worker's apps keep their files in a folder of the worker's own. Gradio names an uploaded file by
    its content and deletes what an app made when the app closes, so apps sharing /tmp/gradio across workers
    delete each other's uploads."""
    os.environ["GRADIO_TEMP_DIR"] = tempfile.mkdtemp(prefix="gradio-tests-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ["GRADIO_TEMP_DIR"], ignore_errors=True)


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI a missing prerequisite fails the run at once; on a laptop its tests skip, saying why."""
    if os.environ.get("CI") != "true":
        return
    missing = [str(path) for path in (MNIST_PATH, SKETCHES_PATH) if not path.is_file()]
    missing += ["Debian's chromium on PATH"] * (shutil.which("chromium") is None)
    missing += ["the playwright package"] * (importlib.util.find_spec("playwright") is None)
    missing += [f"axe-core at {AXE_PATH} (npm ci --prefix tests)"] * (not AXE_PATH.is_file())
    if missing:
        pytest.exit(f"CI=true, but the tests need what is missing here: {', '.join(missing)}", returncode=1)


def fingerprints(folder) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file() and "__pycache__" not in path.parts}


@pytest.fixture(scope="session", autouse=True)
def shipped_model_untouched() -> Iterator[None]:
    """Fail the suite if any test wrote into model/: the shipped model and records are not the tests' to change."""
    before = fingerprints(SHIPPED_MODEL_DIR)
    yield
    after = fingerprints(SHIPPED_MODEL_DIR)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"the tests changed files in {SHIPPED_MODEL_DIR}: {', '.join(changed)}"


@pytest.fixture(scope="session")
def served_app() -> Iterator["gradio.Blocks"]:
    """The real app, served on a free local port as `python app.py --board-key BOARD_KEY` serves it (theme, CSS,
    JS and all)."""
    import app
    from web.board import BoardKey

    demo = app.build(door=BoardKey(BOARD_KEY))
    demo.launch(**app.launch_options(server_name="127.0.0.1", server_port=free_port()), prevent_thread_lock=True,
                quiet=True)
    try:
        yield demo
    finally:
        demo.close()


@pytest.fixture(scope="session")
def app_url(served_app: "gradio.Blocks") -> str:
    return served_app.local_url


@pytest.fixture(scope="session")
def client(app_url: str) -> "gradio_client.Client":
    from gradio_client import Client

    return Client(app_url, verbose=False)


@pytest.fixture(scope="session")
def browser() -> Iterator["Browser"]:
    """Debian's chromium, driven by Playwright; the test skips where either is missing."""
    from pages import CHROMIUM, launch, playwright_api

    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium on PATH (apt-get install chromium); Playwright's own browsers are "
                    "not used")
    with playwright_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def sketches() -> dict[str, list]:
    """Each digit's pen strokes from the dev set (UJI Pen Characters); on CI, where it must be, an error if missing."""
    if not SKETCHES_PATH.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the dev sketches are missing from {SKETCHES_PATH}")
        pytest.skip(f"needs the dev sketches at {SKETCHES_PATH}")
    return json.loads(SKETCHES_PATH.read_text())["rawData"]
