"""Step and heartbeat of running documents, written by one background thread per process.

The engine reports each step (``Progress.on_step``); nothing is written for it right away.
Every PP_DOCUMENT_HEARTBEAT_SECONDS of a document's run, the heartbeat thread writes the
current step and a heartbeat. A document that runs faster than that (a one-page text PDF
takes ~15 ms) costs no progress write and no thread start; a long step (OCR of a big scan)
still heartbeats, and the sweeper can tell a live run from a dead one.

The thread is started once per process, on its first long document, and sleeps without a
timeout while nothing runs. It has its own database connection, opened by its first write
and closed as soon as no document runs (so an idle worker holds one connection, not two).
Inside a transaction (a caller's, or a test's) a second connection would not see the row,
so then steps are written inline instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from extractions.models import Document, DocumentStatus

logger = logging.getLogger(__name__)

# A run that took longer than this checks its database connection before the outcome write.
RECHECK_CONNECTION_AFTER_SECONDS = 1.0


class _Heartbeats:
    """The process's heartbeat thread and the runs it looks after (one at a time in a worker
    pool process; several in threads of a test or of the eager mode)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.runs: set[Progress] = set()
        self.thread: threading.Thread | None = None
        self.pid = 0
        self.connected = False

    def add(self, run: Progress) -> None:
        with self.cond:
            self.runs.add(run)
            # After a fork (prefork pool) the parent's thread does not exist in the child.
            if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
                self.pid, self.connected = os.getpid(), False
                self.thread = threading.Thread(
                    target=self._loop, name="document-heartbeats", daemon=True
                )
                self.thread.start()
            self.cond.notify_all()

    def remove(self, run: Progress) -> None:
        with self.cond:
            self.runs.discard(run)
            if not self.runs and self.connected:
                # Wait until the thread closed its connection (as the per-document thread
                # used to): a test database can then be dropped right after the last run.
                self.cond.notify_all()
                self.cond.wait_for(
                    lambda: (
                        not self.connected
                        or bool(self.runs)
                        or not (self.thread and self.thread.is_alive())
                    ),
                    timeout=30,
                )

    def _loop(self) -> None:
        interval = settings.PP_DOCUMENT_HEARTBEAT_SECONDS
        with self.cond:
            while True:
                if not self.runs:
                    if self.connected:
                        connection.close()
                        self.connected = False
                        self.cond.notify_all()
                    self.cond.wait()
                    continue
                # Writes are at most a quarter of an interval late.
                self.cond.wait(timeout=interval / 4)
                now = time.monotonic()
                for run in list(self.runs):
                    if now - run.last_write >= interval:
                        run.last_write = now
                        self.connected = True
                        try:
                            run.write()
                        except Exception:  # never let one write end the thread
                            logger.exception("Could not record progress")


_heartbeats = _Heartbeats()


class Progress:
    """Context manager around one document's run, from its claim to its written outcome:
    the heartbeat thread keeps the claim alive all along (reading a big file from storage,
    the engine, retrying an outcome write while the database restarts), so the sweeper never
    takes a live run for a dead one. ``on_step`` is the engine's callback."""

    def __init__(self, document: Document, token: str) -> None:
        self.document = document
        self.token = token
        self.step = "intake"  # what the claim wrote
        self.written = "intake"
        self.inline = transaction.get_connection().in_atomic_block
        self.started = self.last_write = time.monotonic()

    def __enter__(self) -> Progress:
        if not self.inline:
            _heartbeats.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.inline:
            _heartbeats.remove(self)

    def before_outcome(self) -> None:
        """After the engine: a run that took a while checks the database connection it will
        write the outcome on (the database may have restarted meanwhile)."""
        if self.inline:
            return
        if (
            time.monotonic() - self.started >= RECHECK_CONNECTION_AFTER_SECONDS
            and connection.connection is not None
            and not connection.is_usable()
        ):
            # The run's own connection was dropped while the engine ran (database restarted):
            # reconnect for the outcome write rather than fail it and run the document again.
            # (A short run skips the check: a failed outcome write is retried anyway.)
            logger.warning(
                "Transient error on document %s: its database connection was lost while the "
                "engine ran; reconnecting",
                self.document.public_id,
            )
            connection.close()

    def on_step(self, name: str) -> None:
        self.step = name
        if self.inline:
            self.write()
        if settings.PP_TEST_STEP_DELAY_SECONDS:
            time.sleep(settings.PP_TEST_STEP_DELAY_SECONDS)

    def write(self) -> None:
        step, now = self.step, timezone.now()
        changes: dict[str, Any] = {"heartbeat_at": now}
        if step != self.written:
            # A new step is a change pollers should see; a bare heartbeat is not.
            changes.update(step=step, updated_at=now)
        try:
            Document.objects.filter(
                pk=self.document.pk, status=DocumentStatus.PROCESSING, worker=self.token
            ).update(**changes)
            self.written = step
        except DatabaseError:
            # Progress is best effort; the outcome write will retry if the database is down.
            logger.warning("Could not record step %s of %s", step, self.document.public_id)
            # A dropped connection stays broken unless closed: close it so the next write
            # reconnects (never inline: that would end the caller's transaction).
            if not self.inline:
                close_old_connections()
