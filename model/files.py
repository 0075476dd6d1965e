"""Reading and writing the project's files safely: a run stopped part-way never leaves a broken or mixed set."""

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

Writer = Callable[[Path], None]  # writes one file to the path it is given

# Lists of plain numbers (per-epoch curves, confusion-matrix rows) read best on one line.
_NUMBER_LIST = re.compile(r"\[\s*([-0-9.,eE+\s]+?)\s*\]")


def write_artifacts(out: Path, writers: dict[str, Writer]) -> None:
    """Write each named file in ``out`` with its writer, and put them in place together.

    Each is written to a temporary file beside its name, and only once all are written are they
    renamed over the old ones, so a run stopped while writing leaves the old set whole, never
    some old files beside some new ones.
    """
    with replacing(*(Path(out) / name for name in writers)) as temporaries:
        for write, temporary in zip(writers.values(), temporaries):
            write(temporary)


@contextmanager
def replacing(*paths: Path) -> Iterator[list[Path]]:
    """Yield a temporary path beside each of ``paths``; once all are written, rename each over its own.

    A rename is atomic on one filesystem, so readers see an old file or a new one, never a
    half-written one. Every file is flushed to disk before the first rename, and the renames
    follow one another with nothing between them; if anything fails or stops the writing
    first, no old file is touched and the temporaries are removed.
    """
    paths = [Path(path) for path in paths]
    temporaries = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Keras insists on the .keras suffix, so the temporary name ends like the real one.
            handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
            os.close(handle)
            temporaries.append(Path(name))
        yield temporaries
        for temporary in temporaries:
            os.chmod(temporary, 0o644)
            with open(temporary, "rb") as file:
                os.fsync(file.fileno())
        for temporary, path in zip(temporaries, paths):
            os.replace(temporary, path)
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


def write_json(path: Path, payload: dict) -> None:
    Path(path).write_text(_NUMBER_LIST.sub(_one_line, json.dumps(payload, indent=2)) + "\n")


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def _one_line(match: re.Match) -> str:
    return "[" + " ".join(match.group(1).split()) + "]"
