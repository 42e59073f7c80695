"""extractions.sandbox.run_limited: engine work in a forked child with a memory and time cap."""

from __future__ import annotations

import os
import time

import pytest
from django.db import connection

from config.errors import APIError
from extractions.engine import EngineError
from extractions.sandbox import run_limited

LIMITS = {"memory_mb": 256, "timeout_seconds": 10.0}


def _add(a: int, b: int, *, times: int = 1) -> dict[str, object]:
    return {"sum": (a + b) * times, "pid": os.getpid(), "blob": b"\x00" * 3_000_000}


def _engine_fails() -> None:
    raise EngineError("encrypted_document", "The PDF is password-protected.", {"why": "test"})


def _api_fails() -> None:
    raise APIError("PAGE_NOT_FOUND", "No page 9.", status_code=404)


def _hog() -> bytes:
    chunks = []
    for _ in range(64):  # 64 × 16 MB = 1 GB, far above the 256 MB cap
        chunks.append(bytearray(16 * 1024 * 1024))
    return b"unreachable"


def _sleeper() -> None:
    time.sleep(30)


def _dies() -> None:
    os.abort()


def test_the_result_comes_back_from_a_child_process():
    result = run_limited(_add, 2, 3, times=2, **LIMITS)
    assert result["sum"] == 10
    assert result["pid"] != os.getpid()
    assert len(result["blob"]) == 3_000_000  # larger than a pipe buffer


def test_an_engine_error_is_re_raised_with_its_code_message_and_details():
    with pytest.raises(EngineError) as caught:
        run_limited(_engine_fails, **LIMITS)
    assert caught.value.code == "encrypted_document"
    assert caught.value.message == "The PDF is password-protected."
    assert caught.value.details == {"why": "test"}


def test_an_api_error_keeps_its_code_and_status():
    with pytest.raises(APIError) as caught:
        run_limited(_api_fails, **LIMITS)
    assert (caught.value.code, caught.value.status_code) == ("PAGE_NOT_FOUND", 404)
    assert caught.value.message == "No page 9."


def test_a_memory_hog_is_refused_as_document_too_large():
    with pytest.raises(EngineError) as caught:
        run_limited(_hog, what="The sample", **LIMITS)
    assert caught.value.code == "document_too_large"
    assert "needs more memory than allowed" in caught.value.message
    assert "256 MB" in caught.value.message


def test_a_child_killed_by_a_signal_counts_as_too_large():
    with pytest.raises(EngineError) as caught:
        run_limited(_dies, **LIMITS)
    assert caught.value.code == "document_too_large"


def test_a_slow_child_is_killed_after_the_timeout():
    started = time.monotonic()
    with pytest.raises(EngineError) as caught:
        run_limited(_sleeper, memory_mb=256, timeout_seconds=1.0)
    elapsed = time.monotonic() - started
    assert caught.value.code == "extraction_failed"
    assert "took longer than 1 s" in caught.value.message
    assert elapsed < 5


@pytest.mark.django_db
def test_the_parents_database_connection_survives_children(org_a):
    from accounts.models import Organization

    run_limited(_add, 1, 1, **LIMITS)
    with pytest.raises(EngineError):
        run_limited(_hog, **LIMITS)
    with pytest.raises(EngineError):
        run_limited(_sleeper, memory_mb=256, timeout_seconds=0.5)
    assert Organization.objects.filter(pk=org_a.organization.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
