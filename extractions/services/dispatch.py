"""Fair dispatch: which queued documents get a Celery task, and claiming one to run.

An organization has ``max_concurrent_documents`` slots. A document holds a slot from the
moment it is handed to the broker (``enqueued_at`` set, still ``queued``) until it finishes.
``dispatch_org`` fills the free slots with the oldest waiting documents (``queued`` and
``enqueued_at`` null) under a lock on the organization row, and publishes their tasks after
commit. It runs after a submission, after every finished document and from the sweeper, so a
10,000-document batch costs the broker 8 messages at a time and never delays another
organization: their documents sit in the same broker queue, interleaved, not behind it.

If publishing fails (broker down), the documents go back to waiting and the sweeper
dispatches them again: nothing is lost between the database commit and the broker.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import Organization
from config.db import prepared_cursor, prepared_update
from extractions.models import (
    Document,
    DocumentStatus,
    Extraction,
    ExtractionStatus,
    StoredFile,
    WebhookEndpoint,
)
from parsers.models import Parser, ParserVersion

logger = logging.getLogger(__name__)


def _status(value: str) -> str:
    """A document status as an SQL literal, not a parameter: these statements run prepared,
    and only a literal lets a generic plan use the partial indexes on status (a waiting
    organization's 10,000 documents are then read in order, not sorted per hand-out)."""
    assert value in DocumentStatus.values
    return f"'{value}'"


def _waiting_sql() -> str:
    """The oldest waiting documents of an organization, as many as it has free slots: its
    cap minus the slot holders (``processing``, or ``queued`` and already handed to the
    broker), computed inside the LIMIT. Plain SQL that PostgreSQL and SQLite both run; the
    ORM cannot express a computed LIMIT, and this runs after every finished document."""
    table = connection.ops.quote_name(Document._meta.db_table)
    queued, processing = _status(DocumentStatus.QUEUED), _status(DocumentStatus.PROCESSING)
    return (
        f"SELECT id FROM {table}"
        f" WHERE organization_id = %s AND status = {queued} AND enqueued_at IS NULL"
        " ORDER BY id"
        " LIMIT (SELECT CASE WHEN n > 0 THEN n ELSE 0 END FROM ("
        f"  SELECT %s - COUNT(*) AS n FROM {table}"
        "   WHERE organization_id = %s"
        f"    AND (status = {processing} OR (status = {queued} AND enqueued_at IS NOT NULL)))"
        "  AS free)"
    )


def _hand_out_sql() -> str:
    """One statement: mark the waiting documents that fit the free slots as handed to the
    broker (SQLite 3.35+ has RETURNING too)."""
    table = connection.ops.quote_name(Document._meta.db_table)
    return f"UPDATE {table} SET enqueued_at = %s WHERE id IN ({_waiting_sql()}) RETURNING id"


def _lock_organization_sql() -> str:
    table = connection.ops.quote_name(Organization._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return f"SELECT max_concurrent_documents FROM {table} WHERE id = %s{lock}"


def dispatch_org(*, organization_id: int) -> list[int]:
    """Hand the organization's next waiting documents to the broker, up to its free slots.
    Returns their ids (published after the surrounding transaction commits)."""
    # savepoint=False: inside a caller's transaction (submission, a finishing document) this
    # costs no extra round trips; alone it is its own transaction.
    with transaction.atomic(savepoint=False):
        # The lock serializes dispatchers of one organization; the count of slot holders
        # must come from a statement after it (a fresh snapshot), hence two statements.
        current = _continuation_to_fill()
        now = timezone.now()
        with prepared_cursor() as cursor:
            cursor.execute(_lock_organization_sql(), [organization_id])
            row = cursor.fetchone()
            if row is None:
                return []
            cap = row[0]
            if current is None:
                at = connection.ops.adapt_datetimefield_value(now)
                cursor.execute(_hand_out_sql(), [at, organization_id, cap, organization_id])
            else:
                cursor.execute(_waiting_sql(), [organization_id, cap, organization_id])
            ids = sorted(row[0] for row in cursor.fetchall())
        if current is not None and ids:
            # The organization row is locked already: the claim adds no transaction. It
            # takes the document straight from waiting (setting its enqueued_at), not after
            # a hand-out UPDATE: a row updated twice in one transaction makes PostgreSQL
            # re-check its foreign keys at commit (KEY SHARE on its extraction), which
            # deadlocked against a worker finishing another document of that extraction.
            current.pending = True
            kept = _claim_in_transaction(
                document_id=ids[0], hostname=current.hostname, task_id=current.task_id
            )
            rest = ids[1:]
            if rest:
                Document.objects.filter(
                    pk__in=rest, status=DocumentStatus.QUEUED, enqueued_at__isnull=True
                ).update(enqueued_at=now)
            transaction.on_commit(lambda: _keep_for_continuation(current, kept, rest))
        elif ids:
            transaction.on_commit(lambda: publish(ids))
    return ids


class Continuation:
    """A task's offer to run the next document it hands out itself (see ``continuation``)."""

    __slots__ = ("claim", "hostname", "open", "pending", "task_id")

    def __init__(self, *, open: bool, hostname: str = "", task_id: str = "") -> None:
        self.open = open
        self.hostname = hostname
        self.task_id = task_id
        self.claim: Claim | None = None  # the kept document, claimed for this task
        self.pending = False  # claimed in a transaction that has not committed yet

    @property
    def taken(self) -> int | None:
        return self.claim.document.pk if self.claim and self.claim.document else None


_continuations = threading.local()


@contextmanager
def continuation(*, open: bool, hostname: str = "", task_id: str = "") -> Iterator[Continuation]:
    """While open, the first document ``dispatch_org`` hands out is claimed for the caller
    (in the same transaction) instead of published: the task that just finished a document
    runs the organization's next one itself.

    A message per document costs a broker round trip and Celery's own per-task work, and a
    claim of its own costs a transaction: for a one-page text PDF as much as the engine. The
    kept document holds its slot exactly as a published one would, so the per-organization
    cap and the sweeper's recovery of lost work apply unchanged. If the caller fails before
    running it, the kept document is given back and published after all.
    """
    outer = getattr(_continuations, "current", None)
    current = Continuation(open=open, hostname=hostname, task_id=task_id)
    _continuations.current = current
    try:
        yield current
    except BaseException:
        current.open = False
        kept, current.claim = current.claim, None
        if kept is not None:
            hand_back(claim=kept)
        raise
    finally:
        _continuations.current = outer


def hand_back(*, claim: Claim) -> None:
    """Give a claimed document that this task will not run back to the queue, and publish it
    for its own message (normal retries). If that fails, the sweeper recovers it once its
    heartbeat is stale."""
    if claim.document is None:
        return
    try:
        release_claim(document_id=claim.document.pk, token=claim.token)
        publish([claim.document.pk])
    except Exception:
        logger.exception("Could not give back document %s", claim.document.pk)


def _continuation_to_fill() -> Continuation | None:
    current = getattr(_continuations, "current", None)
    if current is None or not current.open or current.claim is not None or current.pending:
        return None
    return current


def _keep_for_continuation(current: Continuation, kept: Claim, rest: list[int]) -> None:
    """After the commit that claimed it: the task runs ``kept``; the rest go to the broker."""
    current.pending = False
    if kept.outcome == "claimed":
        current.claim = kept
    publish(rest)


def publish(document_ids: list[int]) -> None:
    """Send one task per document; on a broker error put the rest back to waiting."""
    from extractions.tasks import process_document

    for position, document_id in enumerate(document_ids):
        try:
            # The queue is read at call time so that tests can point it at their own worker.
            process_document.apply_async(
                args=[document_id], queue=settings.CELERY_TASK_DEFAULT_QUEUE
            )
        except Exception:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise
            logger.exception("Could not publish document tasks; the sweeper will retry them")
            Document.objects.filter(
                pk__in=document_ids[position:], status=DocumentStatus.QUEUED
            ).update(enqueued_at=None)
            return


# --------------------------------------------------------------------------- claiming


@dataclass(frozen=True, slots=True)
class Claim:
    outcome: str  # "claimed", "no_slot", "gone" (not ours to run)
    token: str = ""
    # The claimed document, as the claim left it, with its extraction, stored file, parser
    # version and organization (read in the claim's first statement: no second read).
    document: Document | None = None


def worker_token(*, hostname: str, task_id: str) -> str:
    """Who runs a document: host, process and the task message."""
    return f"{hostname}/{os.getpid()}/{task_id}"[:200]


def _quoted(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# The models a claim reads in one statement: (model, table alias, relation from the document;
# "a.b": relation b of the object read for a).
_CLAIM_READ = (
    (Document, "d", ""),
    (Organization, "o", "organization"),
    (Extraction, "e", "extraction"),
    (StoredFile, "s", "stored_file"),
    (ParserVersion, "p", "parser_version"),
    (Parser, "pp", "parser_version.parser"),
)
# Of the parser, what a finished run decides with (its review threshold and automation
# policy: services.automation); not its texts.
_CLAIM_PARSER_FIELDS = frozenset(
    [
        "id",
        "public_id",
        "organization",
        "review_confidence_threshold",
        "auto_accept",
        "auto_accept_sample_share",
    ]
)
_claim_read_plans: dict[str, tuple[str, list[tuple[Any, str, list[str], list[Any]]]]] = {}


def _claim_read_plan() -> tuple[str, list[tuple[Any, str, list[str], list[Any]]]]:
    """The SQL of ``_read_locking_organization`` and, per model, its field names and each
    field's converters (what the ORM applies to a row: JSON, SQLite dates), built once."""
    plan = _claim_read_plans.get(connection.vendor)
    if plan is not None:
        return plan
    q = connection.ops.quote_name
    columns: list[str] = []
    parts = []
    for model, alias, relation in _CLAIM_READ:
        # Not the extraction's stored 202 body: for a 10,000-file batch it is a megabyte.
        fields = [
            f
            for f in model._meta.concrete_fields
            if not (model is Extraction and f.name == "response_body")
            and (model is not Parser or f.name in _CLAIM_PARSER_FIELDS)
        ]
        converters = []
        for f in fields:
            col = f.get_col(alias)
            converters.append(
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            )
        columns += [f"{alias}.{q(f.column)}" for f in fields]
        parts.append((model, relation, [f.attname for f in fields], converters))
    if connection.features.has_select_for_update_of:
        lock = " FOR UPDATE OF o"
    else:  # SQLite: no row locks (a write transaction takes the whole database)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {', '.join(columns)}, EXISTS (SELECT 1 FROM {_quoted(WebhookEndpoint)} w"
        "  WHERE w.organization_id = d.organization_id AND w.active)"
        f" FROM {_quoted(Document)} d"
        f" JOIN {_quoted(Organization)} o ON o.id = d.organization_id"
        f" JOIN {_quoted(Extraction)} e ON e.id = d.extraction_id"
        f" LEFT JOIN {_quoted(StoredFile)} s ON s.id = d.stored_file_id"
        f" LEFT JOIN {_quoted(ParserVersion)} p ON p.id = d.parser_version_id"
        f" LEFT JOIN {_quoted(Parser)} pp ON pp.id = p.parser_id"
        f" WHERE d.id = %s{lock}"
    )
    plan = _claim_read_plans[connection.vendor] = (sql, parts)
    return plan


def _read_locking_organization(document_id: int) -> Document | None:
    """The document with its organization (row locked), extraction, stored file, parser
    version and its parser (policy fields only), as ``select_related`` +
    ``select_for_update(of=organization)`` would read them,
    and the extraction's ``has_webhook_endpoints`` (see ``lifecycle.wants_webhooks``).
    Plain SQL and ``Model.from_db``: the ORM spent 1.5 ms of CPU compiling and building this
    one-row read, four times what it costs this way, on every document."""
    sql, parts = _claim_read_plan()
    with prepared_cursor() as cursor:
        cursor.execute(sql, [document_id])
        row = cursor.fetchone()
    if row is None:
        return None
    objects: dict[str, Any] = {}
    start = 0
    for model, relation, names, converters in parts:
        values = list(row[start : start + len(names)])
        start += len(names)
        for i, (col, field_converters) in enumerate(converters):
            for convert in field_converters:
                values[i] = convert(values[i], col, connection)
        # A document without a stored file or parser version: that side of the join is NULL.
        objects[relation] = (
            None if values[0] is None else model.from_db(connection.alias, names, values)
        )
    document = objects.pop("")
    for relation, obj in objects.items():
        owner_name, _, name = relation.rpartition(".")
        owner = objects[owner_name] if owner_name else document
        if owner is not None:
            setattr(owner, name, obj)
    document.extraction.has_webhook_endpoints = bool(row[-1])
    return document


def _conditional_claim(
    *, document: Document, token: str, now: datetime, stale_before: datetime, cap: int
) -> bool:
    """The claim itself: one UPDATE that matches only if the document is still as read
    (queued, or processing by the same dead run) and its organization runs fewer than
    ``cap`` other documents (with a live heartbeat). Plain SQL: the ORM spent more CPU
    compiling this statement than the database spent running it."""
    at = connection.ops.adapt_datetimefield_value
    table = _quoted(Document)
    same_run = " AND worker = %s" if document.status == DocumentStatus.PROCESSING else ""
    params: list[Any] = [token, at(now), at(now), "intake", at(now), at(now), document.pk]
    if same_run:
        params.append(document.worker)
    params += [document.organization_id, at(stale_before), document.pk, cap]
    processing = _status(DocumentStatus.PROCESSING)
    with prepared_cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = {processing}, attempts = attempts + 1, worker = %s,"
            " heartbeat_at = %s, started_at = %s, step = %s, updated_at = %s,"
            " enqueued_at = COALESCE(enqueued_at, %s)"
            f" WHERE id = %s AND status = {_status(document.status)}{same_run}"
            f" AND (SELECT COUNT(*) FROM {table} r WHERE r.organization_id = %s"
            f"  AND r.status = {processing} AND r.heartbeat_at >= %s AND r.id <> %s) < %s",
            params,
        )
        return cursor.rowcount == 1


def claim_document(*, document_id: int, hostname: str, task_id: str) -> Claim:
    """Take the document from ``queued`` to ``processing`` with a conditional UPDATE.

    Also reclaims a document left ``processing`` by a run that is known to be dead: the same
    task message redelivered after its worker was killed (acks_late + reject_on_worker_lost:
    the message is only redelivered once that run is gone), or a heartbeat older than the
    visibility timeout. A second delivery of a finished document is a no-op.

    Three statements in a transaction of its own (``_claim_in_transaction``): lock the
    organization row while reading the document (with everything its run needs), the
    conditional UPDATE that also checks the organization's running count (a statement after
    the lock, so it counts what committed runs left), and the extraction's queued →
    processing when it still is queued.
    """
    with transaction.atomic():
        return _claim_in_transaction(document_id=document_id, hostname=hostname, task_id=task_id)


def _claim_in_transaction(*, document_id: int, hostname: str, task_id: str) -> Claim:
    token = worker_token(hostname=hostname, task_id=task_id)
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.PP_DOCUMENT_VISIBILITY_TIMEOUT)
    document = _read_locking_organization(document_id)
    if document is None:
        return Claim("gone")
    if document.status == DocumentStatus.PROCESSING:
        redelivered = task_id and document.worker.endswith(f"/{task_id}")
        heartbeat = document.heartbeat_at
        if not (redelivered or heartbeat is None or heartbeat < stale_before):
            return Claim("gone")
    elif document.status != DocumentStatus.QUEUED:
        return Claim("gone")
    cap = document.organization.max_concurrent_documents
    claimed = _conditional_claim(
        document=document, token=token, now=now, stale_before=stale_before, cap=cap
    )
    if not claimed:
        running = Document.objects.filter(
            organization_id=document.organization_id,
            status=DocumentStatus.PROCESSING,
            heartbeat_at__gte=stale_before,
        ).exclude(pk=document_id)
        if running.count() < cap:
            return Claim("gone")  # someone else's run took it since it was read
        # Back to waiting: the next document of this organization to finish dispatches it.
        Document.objects.filter(pk=document_id, status=DocumentStatus.QUEUED).update(
            enqueued_at=None
        )
        return Claim("no_slot")
    if document.extraction.status == ExtractionStatus.QUEUED:
        prepared_update(
            Extraction,
            values={"status": ExtractionStatus.PROCESSING, "updated_at": now},
            where="id = %s AND status = %s",
            params=[document.extraction_id, ExtractionStatus.QUEUED],
        )
        document.extraction.status = ExtractionStatus.PROCESSING
    # What the UPDATE wrote. attempts is the read value + 1: exact unless the row changed
    # between the read and the UPDATE (another run claimed it and gave it back in those
    # milliseconds), when the max-attempts check is one short for this run.
    document.status = DocumentStatus.PROCESSING
    document.attempts += 1
    document.worker = token
    document.heartbeat_at = document.started_at = document.updated_at = now
    document.step = "intake"
    return Claim("claimed", token, document)


def release_claim(*, document_id: int, token: str) -> None:
    """Give a claimed document back to the queue (before a retry of a transient error). A
    claim given back does not use up an attempt: attempts count runs that were lost."""
    Document.objects.filter(pk=document_id, status=DocumentStatus.PROCESSING, worker=token).update(
        status=DocumentStatus.QUEUED,
        worker="",
        step="",
        attempts=Greatest(F("attempts") - 1, 0),
        updated_at=timezone.now(),
    )
