"""The running app, shared by the API and browser tests: starting it once saves seconds per file."""

from collections.abc import Iterator

import pytest

from benchmarks.apps import free_port


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
