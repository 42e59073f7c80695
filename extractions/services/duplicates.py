"""Duplicate detection: is a finishing document one the organization has sent before?

A document is a duplicate of one of its organization that completed before it when it is the
same file (SHA-256), or when their issuer + number + total are the same
(``extractions.identity.content_key``: the fields found by their meaning in the parser's
schema). It is marked ``duplicate_of`` that document (the original that one repeats, if it is
itself a duplicate), processed and charged as usual, and never accepted automatically: it
goes to the review queue.

Decided in the transaction that stores the result: two copies finishing at once on two
workers are serialized by transaction-level advisory locks on their file hash and key
(PostgreSQL), so the second sees the first. Comparing with completed documents only keeps
the indexes it reads partial: a document enters them when it completes, and the two writes
before (hand-out, claim) do not maintain them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import connection

from config.db import prepared_cursor
from extractions.identity import content_key
from extractions.models import Document, DocumentStatus, DuplicateMatch
from parsers.models import ParserVersion
from parsers.rules import identity_fields

# A parser version's identity fields, worked out once per process (0.1 ms a document
# otherwise): versions are immutable. Keyed by id and creation time, as an id alone can come
# back after a deletion (SQLite reuses row ids).
_FIELDS_BY_VERSION: dict[tuple[int, Any], dict[str, str]] = {}
_MAX_CACHED_VERSIONS = 1024


def identity_fields_of(version: ParserVersion | None) -> dict[str, str]:
    if version is None:
        return {}
    key = (version.pk, version.created_at)
    found = _FIELDS_BY_VERSION.get(key)
    if found is None:
        if len(_FIELDS_BY_VERSION) >= _MAX_CACHED_VERSIONS:
            _FIELDS_BY_VERSION.clear()
        found = _FIELDS_BY_VERSION[key] = identity_fields(version.schema)
    return found


def document_key(*, output: Any, version: ParserVersion | None, target: str) -> str:
    """The content key of a run's output ("" for list targets: no one issuer and total)."""
    if target != "per_doc":
        return ""
    return content_key(output, identity_fields_of(version))


@dataclass(frozen=True, slots=True)
class Duplicate:
    of_id: int
    match: str


def _lock_key(organization_id: int, key: str) -> int:
    digest = hashlib.sha256(f"duplicate:{organization_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lookup_sql(*, by_file: bool, by_key: bool) -> str:
    table = connection.ops.quote_name(Document._meta.db_table)
    done = f"status = '{DocumentStatus.COMPLETED}'"  # a literal: the partial indexes' predicate
    matches = []
    if by_file:
        matches.append(f"(sha256 = %s AND {done})")
    if by_key:
        matches.append(f"(duplicate_key = %s AND {done})")
    return (
        f"SELECT id, duplicate_of_id, sha256 FROM {table}"
        f" WHERE organization_id = %s AND id <> %s AND ({' OR '.join(matches)})"
        # not one that was marked a duplicate of this very document (an earlier run of it)
        " AND (duplicate_of_id IS NULL OR duplicate_of_id <> %s)"
        " ORDER BY id LIMIT 1"
    )


def find_duplicate(*, document: Document, sha256: str, key: str) -> Duplicate | None:
    """The earlier document ``document`` repeats, or None. Call inside the transaction that
    stores its result (with ``key`` stored in the same write)."""
    if not sha256 and not key:
        return None
    params: list[Any] = [document.organization_id, document.pk]
    params += [value for value in (sha256, key) if value]
    params.append(document.pk)
    with prepared_cursor() as cursor:
        if connection.vendor == "postgresql":
            # In one order (sorted) whoever takes them: two transactions never wait on
            # each other's second lock.
            locks = sorted(_lock_key(document.organization_id, v) for v in (sha256, key) if v)
            cursor.execute("SELECT " + ", ".join(["pg_advisory_xact_lock(%s)"] * len(locks)), locks)
        cursor.execute(_lookup_sql(by_file=bool(sha256), by_key=bool(key)), params)
        row = cursor.fetchone()
    if row is None:
        return None
    match_id, its_original, match_sha = row
    same_file = bool(sha256) and match_sha == sha256
    return Duplicate(
        of_id=its_original if its_original not in (None, document.pk) else match_id,
        match=DuplicateMatch.SAME_FILE if same_file else DuplicateMatch.SAME_ISSUER_NUMBER_TOTAL,
    )
