"""Run engine work that a web request needs in a forked child with its own memory and time cap.

Celery workers run documents under ``RLIMIT_AS`` and task time limits, but a few endpoints
need the engine synchronously (page images, schema suggestion, the designer's "try it"). Run
in the gunicorn worker itself, a small PDF whose page inflates costs that worker hundreds of
MB per request, and glibc rarely hands the memory back. ``run_limited`` forks, caps the
child's address space and wall time, and sends the result back over a pipe: whatever the
document costs is freed when the child exits, and a document that needs too much fails with
the engine's own error codes instead of exhausting the machine.

The child must not touch the ORM: it shares the parent's database sockets, so a query (or a
close, which sends a terminate message) would corrupt the parent's connection. It leaves with
``os._exit`` so that no atexit handler, finaliser or buffered stream of the parent runs twice.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import resource
import select
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from extractions.engine import EngineError

T = TypeVar("T")

_EXIT_MEMORY = 3
_EXIT_BROKEN = 4
# Signals a gunicorn worker handles in Python; the child must die of them, not run them.
_PARENT_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGHUP", "SIGABRT")


def _address_space_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit_child(memory_mb: int, timeout_seconds: float) -> None:
    for name in _PARENT_SIGNALS:
        with contextlib.suppress(AttributeError, ValueError, OSError):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    # The fork inherits the parent's mappings (shared copy-on-write, not new memory), and a
    # web worker's address space varies with its threads and loaded models: the budget is what
    # the work may add on top of it, so the same setting means the same thing everywhere.
    limit = _address_space_bytes() + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    # Backstop if the parent dies before it can kill the child: CPU time only, so the parent's
    # wall-clock timeout stays the rule.
    cpu = math.ceil(timeout_seconds) + 5
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    if cpu_hard != resource.RLIM_INFINITY:
        cpu = min(cpu, cpu_hard)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu_hard))


def _portable_error(exc: BaseException) -> tuple[Any, ...]:
    """The exception as (class, args, attributes, traceback text), rebuilt without calling
    ``__init__`` (EngineError and APIError take arguments their ``args`` do not hold)."""
    text = "".join(traceback.format_exception(exc))
    state = (type(exc), exc.args, dict(getattr(exc, "__dict__", {})))
    try:
        pickle.loads(pickle.dumps(state))
    except Exception:
        return ("raw", f"{type(exc).__name__}: {exc}", text)
    return ("error", state, text)


def _rebuild_error(payload: tuple[Any, ...]) -> BaseException:
    if payload[0] == "raw":
        exc: BaseException = RuntimeError(payload[1])
    else:
        cls, args, attributes = payload[1]
        exc = cls.__new__(cls)
        exc.args = args
        exc.__dict__.update(attributes)
    exc.add_note("Raised in the engine's child process:\n" + payload[-1])
    return exc


def _child(write_fd: int, func: Callable[..., Any], args: Any, kwargs: Any, limits: Any) -> None:
    status = 0
    try:
        _limit_child(*limits)
        try:
            outcome: tuple[Any, ...] = ("ok", func(*args, **kwargs))
        except MemoryError:
            outcome = ("memory",)
        except BaseException as exc:
            outcome = _portable_error(exc)
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view) :]
    except MemoryError:
        status = _EXIT_MEMORY
    except BaseException:
        status = _EXIT_BROKEN
    finally:
        os._exit(status)


def _too_large(what: str, memory_mb: int) -> EngineError:
    return EngineError(
        "document_too_large",
        f"{what} needs more memory than allowed here ({memory_mb} MB).",
    )


def run_limited(
    func: Callable[..., T],
    /,
    *args: Any,
    memory_mb: int,
    timeout_seconds: float,
    what: str = "The document",
    **kwargs: Any,
) -> T:
    """``func(*args, **kwargs)`` in a forked child whose address space may grow by at most
    ``memory_mb`` MB and which is killed after ``timeout_seconds``. Returns its (picklable)
    result; re-raises its exception (same class, code and message). Raises
    EngineError("document_too_large") when the child runs out of memory or dies of a signal,
    EngineError("extraction_failed") when it runs out of time. Do not touch the ORM in
    ``func``."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns (coverage cannot see it)
        os.close(read_fd)
        _child(write_fd, func, args, kwargs, (memory_mb, timeout_seconds))
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout_seconds
    timed_out = False
    interrupted = True  # until the loop ends by itself (an exception here: the task's time limit)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_fd, 1024 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
        interrupted = False
    finally:
        os.close(read_fd)
        if timed_out or interrupted:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, wait_status = os.waitpid(pid, 0)
    if timed_out:
        raise EngineError(
            "extraction_failed",
            f"{what} took longer than {timeout_seconds:g} s to process.",
        )
    if os.WIFSIGNALED(wait_status):
        if os.WTERMSIG(wait_status) == signal.SIGXCPU:
            raise EngineError(
                "extraction_failed", f"{what} took longer than {timeout_seconds:g} s to process."
            )
        # Under RLIMIT_AS a failed allocation in native code (PDFium, onnxruntime) usually
        # aborts or segfaults rather than raising MemoryError; the OOM killer sends SIGKILL.
        raise _too_large(what, memory_mb)
    code = os.waitstatus_to_exitcode(wait_status)
    if code == _EXIT_MEMORY:
        raise _too_large(what, memory_mb)
    if code != 0 or not chunks:
        raise EngineError("internal_error", f"{what} could not be processed (exit code {code}).")
    outcome = pickle.loads(b"".join(chunks))
    if outcome[0] == "ok":
        return outcome[1]
    if outcome[0] == "memory":
        raise _too_large(what, memory_mb)
    raise _rebuild_error(outcome)
