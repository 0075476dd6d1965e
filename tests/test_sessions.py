"""What the server keeps per session (web/gradio_fixes.py, fix 15): no copy of the page, a bounded number of them,
and nothing a student needs, so a student whose session was dropped reads on as before."""

import tracemalloc
from collections.abc import Iterator

import gradio as gr
import httpx
import pytest
from gradio.state_holder import SessionState

import app
from drawings import uploaded_sketch
from testbench.api import ask, call_rest, run, trigger_index
from testbench.servers import free_port
from web import gradio_fixes

SESSIONS_MEASURED = 50


async def inside_tab(http: httpx.AsyncClient, url: str, digit: str, session: str) -> list:
    """What the page gets when a student who drew ``digit`` opens the Inside tab: the Label, preview and Inside view."""
    return await ask(http, url, trigger_index(url, "inside-tab", "select"), [await uploaded_sketch(http, url, digit)],
                     session)


async def classify(http: httpx.AsyncClient, url: str, digit: str) -> str:
    """The label the REST API gives ``digit`` drawn: one new session."""
    return (await call_rest(http, url, "classify", [await uploaded_sketch(http, url, digit)]))[0]["label"]


def kept_per_session(make: type, demo) -> float:
    """Bytes a session of ``demo`` holds, as ``make`` builds it, averaged over SESSIONS_MEASURED of them."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        sessions = [make(demo) for _ in range(SESSIONS_MEASURED)]
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(sessions) == SESSIONS_MEASURED
    return held / SESSIONS_MEASURED


def test_a_session_keeps_a_tenth_of_what_gradio_would() -> None:
    """Gradio copies every block's configuration into each session; ours do not."""
    lean, gradios = (kept_per_session(make, app.demo) for make in (gradio_fixes.SessionWithoutCopies, SessionState))
    assert lean < gradios / 10, f"{lean:.0f} bytes a session, against Gradio's {gradios:.0f}"


def test_the_running_app_keeps_its_sessions_lean_and_bounded(served_app: gr.Blocks) -> None:
    app_url = served_app.local_url
    async def student() -> list:
        async with httpx.AsyncClient(timeout=60) as http:
            return await inside_tab(http, app_url.rstrip("/"), "4", "lean-session")

    label, _, view = run(student())
    assert label["label"] == "4" and view["digit"] == "4"
    sessions = served_app.server_app.state_holder
    assert isinstance(sessions, gradio_fixes.LeanSessions)
    assert sessions.capacity == gradio_fixes.SESSIONS
    # Neither the sketch nor the Inside tab's view stays behind for deep links.
    assert not dict(sessions.session_data["lean-session"].config_values)


@pytest.fixture(scope="module")
def two_session_app() -> Iterator[gr.Blocks]:
    """The app's own Blocks, served keeping at most two sessions."""
    demo = app.build()
    demo.launch(**app.launch_options(server_port=free_port(), state_session_capacity=2), prevent_thread_lock=True,
                quiet=True)
    yield demo
    demo.close()


def test_a_student_whose_session_was_dropped_reads_on(two_session_app: gr.Blocks) -> None:
    """Three API callers push a drawing student's session out; the student's Inside tab still reads right."""
    url, sessions = two_session_app.local_url.rstrip("/"), two_session_app.server_app.state_holder

    async def lecture() -> tuple[list, list[str], bool, list]:
        async with httpx.AsyncClient(timeout=60) as http:
            first = await inside_tab(http, url, "7", "student")
            callers = [await classify(http, url, digit) for digit in "123"]
            dropped = "student" not in sessions.session_data
            return first, callers, dropped, await inside_tab(http, url, "7", "student")

    first, callers, dropped, again = run(lecture())
    assert callers == ["1", "2", "3"]
    assert dropped and len(sessions.session_data) <= 2
    assert first[0]["label"] == again[0]["label"] == "7" and again[2]["digit"] == "7"
