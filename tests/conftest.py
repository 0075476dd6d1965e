"""Suite-wide guards and the running app, which the API and browser tests share (starting it once saves seconds)."""

import hashlib
import importlib.util
import os
import shutil
from collections.abc import Iterator

import pytest

from support import MNIST_PATH, SHIPPED_MODEL_DIR, SKETCHES_PATH
from testbench.servers import free_port

# The two workers take test files in the order they are collected; the longest first, so neither
# is left running one alone at the end.
LONGEST_FILES = ["test_train.py", "test_phone.py", "test_tablet.py", "test_browser.py", "test_browser_reader.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FILES.index(name) if name in LONGEST_FILES else len(LONGEST_FILES)

    items.sort(key=rank)  # stable: each file's tests keep their order


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI a missing prerequisite fails the run at once; on a laptop its tests skip, saying why."""
    if os.environ.get("CI") != "true":
        return
    missing = [str(path) for path in (MNIST_PATH, SKETCHES_PATH) if not path.is_file()]
    missing += ["Debian's chromium on PATH"] * (shutil.which("chromium") is None)
    missing += ["the playwright package"] * (importlib.util.find_spec("playwright") is None)
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
def app_url() -> Iterator[str]:
    """The real app, served on a free local port as `python app.py` serves it (theme, CSS, JS and all)."""
    import app

    app.demo.launch(**app.launch_options(server_name="127.0.0.1", server_port=free_port()),
                    prevent_thread_lock=True, quiet=True)
    try:
        yield app.demo.local_url
    finally:
        app.demo.close()
