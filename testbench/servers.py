"""Serving apps for tests and benchmarks: on free ports of 127.0.0.1 only."""

import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
