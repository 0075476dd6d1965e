"""Writing a set of files safely: all new or all old, never a mix, never a half-written file."""

import json
import os
import stat
from pathlib import Path

import pytest

from model.files import read_json, replacing, write_artifacts, write_json

NAMES = ("model.keras", "model.tflite", "history.json")


def old_set(folder: Path) -> dict[str, bytes]:
    for name in NAMES:
        (folder / name).write_bytes(f"old {name}".encode())
    return {name: (folder / name).read_bytes() for name in NAMES}


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def test_a_set_is_written_whole_with_readable_permissions(tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder"
    write_artifacts(out, {name: lambda path, name=name: path.write_text(f"new {name}") for name in NAMES})
    assert contents(out) == {name: f"new {name}".encode() for name in NAMES}
    assert all(stat.S_IMODE(os.stat(out / name).st_mode) == 0o644 for name in NAMES)


def test_nothing_is_put_in_place_until_every_file_is_written(tmp_path: Path) -> None:
    before = old_set(tmp_path)
    seen_while_writing = []

    def write(path: Path, name: str) -> None:
        # The file is written beside its name under a hidden temporary one, not over the old file.
        assert path.parent == tmp_path and path.name.startswith(".") and path.name != name
        seen_while_writing.append({name: (tmp_path / name).read_bytes() for name in NAMES})
        path.write_text(f"new {name}")

    write_artifacts(tmp_path, {name: lambda path, name=name: write(path, name) for name in NAMES})
    assert seen_while_writing == [before] * len(NAMES)
    assert contents(tmp_path) == {name: f"new {name}".encode() for name in NAMES}


@pytest.mark.parametrize("failure", [OSError("No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "ctrl-c"])
def test_a_failure_while_writing_leaves_the_old_set_and_no_temporaries(tmp_path: Path, failure: BaseException) -> None:
    before = old_set(tmp_path)

    def fail(path: Path) -> None:
        path.write_text("half a file")
        raise failure

    with pytest.raises(type(failure)):
        write_artifacts(tmp_path, {NAMES[0]: lambda path: path.write_text("new"), NAMES[1]: fail,
                                   NAMES[2]: lambda path: path.write_text("never written")})
    assert contents(tmp_path) == before


def test_replacing_one_file_gives_one_temporary_path_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "mnist.npz"
    with replacing(target) as temporaries:
        assert len(temporaries) == 1 and temporaries[0].parent == tmp_path and temporaries[0].suffix == ".npz"
        assert temporaries[0].exists() and not target.exists()
        temporaries[0].write_bytes(b"data")
    assert contents(tmp_path) == {"mnist.npz": b"data"}


def test_json_records_keep_number_lists_on_one_line_and_read_back(tmp_path: Path) -> None:
    record = {"epochs": 2, "loss": [0.5, 0.25], "confusion_matrix": [[1, 0], [0, 1]], "recipe": {"name": "sketch"}}
    write_json(tmp_path / "record.json", record)
    text = (tmp_path / "record.json").read_text()
    assert text == ('{\n  "epochs": 2,\n  "loss": [0.5, 0.25],\n'
                    '  "confusion_matrix": [\n    [1, 0],\n    [0, 1]\n  ],\n'
                    '  "recipe": {\n    "name": "sketch"\n  }\n}\n')
    assert read_json(tmp_path / "record.json") == record == json.loads(text)
