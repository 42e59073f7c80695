"""Duplicate detection: is a finishing document one the organization has sent before?

A document is a duplicate of an earlier one of its organization when

- it is the same file (SHA-256) as a document submitted before it that has not failed or
  been cancelled (decided even while that one is still running: the bytes say it all); or
- its issuer + number + total (``extractions.identity.content_key``, the fields found by
  their meaning in the parser's schema) equal those of a document that completed before it.

It is marked ``duplicate_of`` the first such document (the one that one repeats, if it is
itself a duplicate), processed and charged as usual, and never accepted automatically: it
goes to the review queue. Decided in the transaction that stores the result; two documents
with the same key finishing at once on two workers are serialized by a transaction-level
advisory lock on PostgreSQL, so the second sees the first.
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
    # Status literals, not parameters: constants, and a prepared generic plan can use them.
    live = ", ".join(
        f"'{s}'"
        for s in (DocumentStatus.QUEUED, DocumentStatus.PROCESSING, DocumentStatus.COMPLETED)
    )
    matches = []
    if by_file:
        matches.append(f"(sha256 = %s AND id < %s AND status IN ({live}))")
    if by_key:
        matches.append(f"(duplicate_key = %s AND status = '{DocumentStatus.COMPLETED}')")
    return (
        f"SELECT id, duplicate_of_id, sha256 FROM {table}"
        f" WHERE organization_id = %s AND id <> %s AND ({' OR '.join(matches)})"
        # not one that was marked a duplicate of this very document (its file, earlier run)
        " AND (duplicate_of_id IS NULL OR duplicate_of_id <> %s)"
        " ORDER BY id LIMIT 1"
    )


def find_duplicate(*, document: Document, sha256: str, key: str) -> Duplicate | None:
    """The earlier document ``document`` repeats, or None. Call inside the transaction that
    stores its result (with ``key`` stored in the same write)."""
    if not sha256 and not key:
        return None
    params: list[Any] = [document.organization_id, document.pk]
    if sha256:
        params += [sha256, document.pk]
    if key:
        params.append(key)
    params.append(document.pk)
    with prepared_cursor() as cursor:
        if key and connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [_lock_key(document.organization_id, key)]
            )
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
