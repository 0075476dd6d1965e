"""The errors the project raises for things a user can fix; each message says what is wrong and what to do."""

from model.constants import REBUILD_COMMAND


class DataError(Exception):
    """MNIST could not be loaded; the message says why and what to do."""


class ModelError(Exception):
    """The trained model could not be loaded; the message names the file and the fix."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem} Rebuild it with: {REBUILD_COMMAND}")


class RecordError(Exception):
    """A saved record (metrics.json) exists but cannot be read; the message says which and what to do."""
