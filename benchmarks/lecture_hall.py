"""A lecture hall: 300 students open the page, draw for a while (read in their browsers), and open the Inside tab.

    python -m benchmarks.lecture_hall [--students 300] [--arrive 30] [--app-cpu 1] [--generator-cpu 0]

Measures the server, not its client: the students are Locust's (headless, one gevent user each;
benchmarks/students.py), and the generator and the app each have a core of their own: the app
runs pinned to one (``taskset --cpu-list 1``), Locust to the other (0). Other processes on the
machine still share both, so note what else runs.

For each app in turn (the app, then the do-nothing app, benchmarks/do_nothing_app.py, with
the same Sketchpad and queue and Gradio's settings), freshly started: one load of its page in
Debian's chromium records what a page load asks of the server (every GET: the HTML, scripts,
styles, fonts, the reader's weights; and the events run on load); then the students arrive over
``--arrive`` seconds, each loading the page so, drawing for 5 to 20 s and opening the Inside tab
once (the do-nothing app's stand-in: its per-stroke reading, the same uploads and one event).
Reports the page loads' and the Inside tabs' p50 and p95, the errors, the server's CPU per
student, and the generator's CPU, and whether Locust warned that it passed 90% of its core at
any moment (then its figures measure the generator, not the server). Locust's own report of
each run is kept in benchmarks/out/.
"""

import argparse
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.apps import APPS
from testbench.api import trigger_index
from testbench.servers import ROOT, running, wait_until_up

OUT = ROOT / "benchmarks" / "out"
STUDENTS = ROOT / "benchmarks" / "students.py"
# The event a student's Inside tab runs: the app's reading of every layer; the do-nothing app's per-stroke reading.
INSIDE = {"MNIST Sketchpad": ("inside-tab", "select"), "do-nothing app": ("read-sketch", "click")}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
READY_TIMEOUT_MS = 120_000
# The page is ready once its Sketchpad shows and, in the app, the page's reader has its weights.
READY = """() => document.querySelector('canvas') !== null
    && (document.querySelector('#reader-in-use')?.textContent.includes('in this page') ?? true)"""
# How long the students may take after the last one arrives, before the run is called off.
GRACE_S = 600
log = logging.getLogger("lecture_hall")


def record_page_load(url: str) -> dict:
    """Load the page once in Debian's chromium; note every same-origin GET, and the events it runs on load: those on
    the queue (their fn_index) and those called directly (their path and body)."""
    from playwright.sync_api import sync_playwright

    paths, events, calls = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page()

        def note(request) -> None:
            if not request.url.startswith(url):
                return
            path = request.url[len(url):] or "/"
            if request.method == "GET" and "/queue/data" not in path and "/heartbeat/" not in path:
                paths.append(path)
            elif request.method == "POST" and "/queue/join" in path:
                events.append(json.loads(request.post_data)["fn_index"])
            elif request.method == "POST" and "/run/" in path:
                calls.append({"path": path, "body": json.loads(request.post_data)})
        page.on("request", note)
        page.goto(url)
        page.wait_for_function(READY, timeout=READY_TIMEOUT_MS)
        page.wait_for_timeout(2000)  # the load events' answers
        browser.close()
    return {"paths": list(dict.fromkeys(paths)), "load_events": events, "load_calls": calls}


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def lecture_hall(name: str, students: int, arrive_s: float, app_cpus: str, generator_cpus: str) -> dict:
    """Run the students against app ``name``; Locust's summary, with the server's CPU seconds added."""
    slug = name.lower().replace(" ", "-")
    page_file, summary_file = OUT / f"lecture-hall-{slug}-page.json", OUT / f"lecture-hall-{slug}.json"
    locust_log = OUT / f"lecture-hall-{slug}-locust.log"
    OUT.mkdir(parents=True, exist_ok=True)
    summary_file.unlink(missing_ok=True)
    with running(APPS[name], cpus=app_cpus) as (url, process):
        wait_until_up(url, process)
        page = record_page_load(url) | {"inside": trigger_index(url, *INSIDE[name])}
        page_file.write_text(json.dumps(page))
        log.info("%s: a page load asks for %d files and runs %d events on the queue and %d directly", name,
                 len(page["paths"]), len(page["load_events"]), len(page["load_calls"]))
        cpu, started = cpu_seconds(process.pid), time.monotonic()
        generator = locust(STUDENTS, url, students, arrive_s, arrive_s + GRACE_S, generator_cpus, locust_log,
                           "--page", str(page_file), "--summary", str(summary_file))
        summary = json.loads(summary_file.read_text()) | generator
        summary["seconds"] = time.monotonic() - started
        summary["server_cpu_s"] = cpu_seconds(process.pid) - cpu
    return summary


def locust(locustfile: Path, url: str, users: int, arrive_s: float, run_time_s: float, cpus: str, output: Path,
           *options: str) -> dict:
    """Run ``locustfile``'s users against ``url``, headless, on the cores ``cpus`` names, its output to ``output``;
    ``options`` go to the locustfile. The generator's CPU seconds, and whether Locust warned that it passed 90% of
    its core (then the figures measure the generator, not the server)."""
    before = children_cpu_seconds()
    with output.open("w") as log_file:
        subprocess.run(["taskset", "--cpu-list", cpus, sys.executable, "-m", "locust", "-f", str(locustfile),
                        "--headless", "--only-summary", "--host", url, "--users", str(users),
                        "--spawn-rate", str(users / arrive_s), "--run-time", f"{run_time_s:.0f}s", *options],
                       cwd=ROOT, check=False, stdout=log_file, stderr=subprocess.STDOUT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    return {"generator_cpu_s": children_cpu_seconds() - before,
            "generator_saturated": "CPU usage above" in output.read_text()}


def children_cpu_seconds() -> float:
    """User and system CPU time this process's finished children have used."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(name: str, summary: dict) -> None:
    timings = {kind: np.array(times) for kind, times in summary["timings_ms"].items()}
    done = len(timings["page load"])
    log.info("%-16s %d students: %d page loads, %d Inside tabs, %d errors; server CPU %.0f s in %.0f s "
             "(%.2f s a student); generator CPU %.0f s%s", name, summary["students"], done,
             len(timings["Inside tab"]), len(summary["failures"]), summary["server_cpu_s"], summary["seconds"],
             summary["server_cpu_s"] / max(summary["students"], 1), summary["generator_cpu_s"],
             generator_note(summary))
    log_timings(timings, summary["failures"])


def generator_note(summary: dict) -> str:
    return ", and it passed 90% of its core" if summary["generator_saturated"] else ", never above 90% of its core"


def log_timings(timings: dict[str, np.ndarray], failures: list[str]) -> None:
    """Each kind of timing's p50 and p95, then a few of the failures."""
    for kind, times in timings.items():
        if len(times):
            p50, p95 = np.percentile(times, [50, 95])
            log.info("    %-12s p50 %6.0f ms, p95 %6.0f ms", kind, p50, p95)
    for failure in sorted(set(failures))[:5]:
        log.info("    e.g. %s", failure)


def class_options(description: str) -> argparse.ArgumentParser:
    """The options every class-sized benchmark takes: how many students, how fast they arrive, and the cores."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--arrive", type=float, default=30, help="seconds over which the students arrive")
    parser.add_argument("--app-cpu", default="1", help="the core(s) the app runs on, as taskset lists them")
    parser.add_argument("--generator-cpu", default="0", help="the core(s) Locust runs on")
    return parser


def start_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    log.info("Load average before: %s", " ".join(f"{load:.2f}" for load in os.getloadavg()))


def main() -> int:
    args = class_options(__doc__).parse_args()
    start_logging()
    for name in APPS:
        report(name, lecture_hall(name, args.students, args.arrive, args.app_cpu, args.generator_cpu))
    return 0


if __name__ == "__main__":
    sys.exit(main())
