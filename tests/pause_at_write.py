"""Run train.py as `python train.py ARGS...` runs it, but pause it as it starts writing one file.

    python tests/pause_at_write.py NAME ARGS...

NAME is an artifact's file name (``metrics.json``, say). The run announces on stderr each
file it opens for writing in its --out folder ("writing PATH"), and when it opens NAME, or
a temporary file for NAME, it says "paused writing PATH" and waits there, as at a debugger's
breakpoint, for the test to stop it. Nothing of train.py is replaced: Python's audit hooks
see every file opened.
"""

import os
import runpy
import sys
import time
from pathlib import Path

PAUSE_S = 300  # the test stops the run long before this; the bound keeps a forgotten run from living on


def is_for(path: Path, name: str) -> bool:
    """Whether ``path`` is the artifact ``name`` or a temporary file made for it (".stem.XXXX.tmp.suffix")."""
    stem, suffix = os.path.splitext(name)
    return path.name == name or (path.name.startswith(f".{stem}.") and path.name.endswith(f".tmp{suffix}"))


def main() -> None:
    name, *args = sys.argv[1:]
    out = Path(args[args.index("--out") + 1]).resolve()

    def pause_at_write(event: str, details: tuple) -> None:
        if event != "open" or not isinstance(details[0], str) or "w" not in (details[1] or ""):
            return
        path = Path(details[0]).resolve()
        if path.parent != out:
            return
        if not is_for(path, name):
            print(f"writing {path}", file=sys.stderr, flush=True)
            return
        print(f"paused writing {path}", file=sys.stderr, flush=True)
        time.sleep(PAUSE_S)

    sys.addaudithook(pause_at_write)
    sys.argv = ["train.py", *args]
    sys.path[0] = str(Path.cwd())  # as `python train.py` puts the project first
    runpy.run_path("train.py", run_name="__main__")


if __name__ == "__main__":
    main()
