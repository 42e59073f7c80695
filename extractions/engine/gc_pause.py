"""Keeping CPython's cyclic garbage collector out of the way of a document's parsing.

Reading a text PDF and filling a schema only allocate: words, lines, segments and values
that all live until the document is done. Each full collection CPython starts meanwhile
re-scans the whole, growing heap and frees nothing; on a long text PDF that cost more than
the parsing itself. So the pipeline pauses the collector for that work and, once done,
breaks the reference cycles of the page analysis (``layout.lines.release_layouts``) so that
reference counting frees it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_GC_LOCK = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


class GcPause:
    """One holder's share of the process-wide pause of the cyclic collector."""

    __slots__ = ("held",)

    def __init__(self) -> None:
        self.held = False

    def enter(self) -> None:
        global _gc_pauses, _gc_was_enabled
        if self.held:
            return
        with _GC_LOCK:
            if _gc_pauses == 0:
                _gc_was_enabled = gc.isenabled()
                gc.disable()
            _gc_pauses += 1
        self.held = True

    def exit(self) -> None:
        global _gc_pauses
        if not self.held:
            return
        self.held = False
        with _GC_LOCK:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@contextmanager
def cyclic_gc_paused() -> Iterator[GcPause]:
    """No cyclic garbage collection while a document's text is read, its pages analysed
    and the schema filled (OCR pages excepted: the holder steps out around them).

    That work only allocates: every word, line, segment and value it builds lives until
    the document is done, so each full collection CPython starts meanwhile re-scans the
    whole (growing) heap for nothing; on long text PDFs that cost more than the parsing
    itself. Reference counting still frees everything as usual. The pause is short
    (CPU-bound, no I/O), nests across threads (the last one out restores the collector)
    and leaves a collector that was already off alone.
    """
    pause = GcPause()
    pause.enter()
    try:
        yield pause
    finally:
        pause.exit()
