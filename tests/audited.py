"""Run a script as `python SCRIPT ARGS...` (or `python -c CODE`) runs it, reporting each write in one folder.

    python tests/audited.py --watch DIR [--pause NAME] SCRIPT ARGS...

On stderr, for every path in DIR: "writing PATH" when a file is opened for writing, "renaming
SRC -> DST", "copying SRC -> DST" and "truncating PATH". With ``--pause NAME`` (a file's name,
``metrics.json`` say), when the script opens NAME, or a temporary file for NAME, it says "paused
writing PATH" and waits there, as at a debugger's breakpoint, for the test to stop it. Nothing of
the script is replaced: Python's audit hooks see every file it opens, renames or copies.
"""

import os
import runpy
import sys
import time
from pathlib import Path

PAUSE_S = 300  # the test stops the run long before this; the bound keeps a forgotten run from living on
WRITING = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def is_for(path: Path, name: str) -> bool:
    """Whether ``path`` is the artifact ``name`` or a temporary file made for it (".stem.XXXX.tmp.suffix")."""
    stem, suffix = os.path.splitext(name)
    return path.name == name or (path.name.startswith(f".{stem}.") and path.name.endswith(f".tmp{suffix}"))


def main() -> None:
    _, watched, *args = sys.argv[1:]
    pause = None
    if args[0] == "--pause":
        pause, *args = args[1:]
    out = Path(watched).resolve()

    def inside(path: object) -> Path | None:
        """``path`` resolved, if it names something in --out (file descriptors and the like do not)."""
        if not isinstance(path, (str, bytes, os.PathLike)):
            return None
        resolved = Path(os.fsdecode(path)).resolve()
        return resolved if resolved.parent == out else None

    def report(event: str, details: tuple) -> None:
        if event == "open" and details[2] & WRITING and (path := inside(details[0])):
            if pause and is_for(path, pause):
                print(f"paused writing {path}", file=sys.stderr, flush=True)
                time.sleep(PAUSE_S)
            print(f"writing {path}", file=sys.stderr, flush=True)
        elif event in ("os.rename", "shutil.copyfile") and (inside(details[0]) or inside(details[1])):
            verb = "renaming" if event == "os.rename" else "copying"
            print(f"{verb} {Path(os.fsdecode(details[0])).resolve()} -> {Path(os.fsdecode(details[1])).resolve()}",
                  file=sys.stderr, flush=True)
        elif event == "os.truncate" and (path := inside(details[0])):
            print(f"truncating {path}", file=sys.stderr, flush=True)

    sys.addaudithook(report)
    script, *sys.argv[1:] = args
    sys.path[0] = str(Path.cwd())  # as `python SCRIPT` from the project root puts the project first
    if script == "-c":
        sys.argv[0] = "-c"
        exec(compile(sys.argv.pop(1), "<string>", "exec"), {"__name__": "__main__"})
    else:
        sys.argv[0] = script
        runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
