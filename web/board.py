"""The class board's door: only the teacher's key opens the board, and a flood of sends gets "busy", not a backlog.

The key comes from ``python app.py --board-key KEY``, or the MNIST_BOARD_KEY environment variable (a
Space's secret), or else a random one made at start-up and printed with the board's address. Keys are
compared in constant time, and a refusal says nothing about the board. Sends are limited for the whole
app, not per address: a class often shares one public address behind the school's router.
"""

import hmac
import os
import secrets
import threading
import time

BOARD_KEY_ENV = "MNIST_BOARD_KEY"
BOARD_PATH = "/board"
KEY_BYTES = 12  # 16 URL-safe characters: too many to guess, few enough to type from the projector
LONGEST_KEY = 256  # a longer "key" is refused before it is compared
REFUSED = "The class board needs the teacher's key."


class BoardKey:
    """The teacher's key: given, from the environment, or made up here (``made_up`` says which)."""

    def __init__(self, given: str | None = None) -> None:
        key = given or os.environ.get(BOARD_KEY_ENV)
        self.made_up = not key
        self._key = (key or secrets.token_urlsafe(KEY_BYTES)).encode()

    def admits(self, key: object) -> bool:
        """Whether ``key`` is the teacher's: compared in constant time; anything not a short string is refused."""
        if not isinstance(key, str) or len(key) > LONGEST_KEY:
            return False
        return hmac.compare_digest(key.encode(), self._key)

    def address(self, base_url: str) -> str:
        """The board's full address under ``base_url``, with the key, for the teacher's terminal."""
        return f"{base_url.rstrip('/')}{BOARD_PATH}?key={self._key.decode()}"


class SendLimit:
    """At most ``burst`` sends at once and ``per_second`` on average, for the whole app (a token bucket)."""

    def __init__(self, per_second: float, burst: int) -> None:
        self.per_second = per_second
        self.burst = burst
        self._tokens = float(burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Whether one more send may go ahead now."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.per_second)
            self._last = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True
