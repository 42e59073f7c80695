"""Run a function in many threads at once, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections


def requires_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Row locks under real concurrency need PostgreSQL (CI sets DATABASE_URL).")


def run_concurrently(func: Callable[[int], Any], threads: int) -> list[Any]:
    """``func(i)`` in ``threads`` threads released together; returns results or exceptions."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = func(i)
        except BaseException as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            # Each thread opened its own connection; close it so the test database can be
            # flushed and dropped.
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool), "a thread hung (deadlock?)"
    return results
