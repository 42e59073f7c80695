"""Submitting documents: ``submit_extraction`` (multipart files or staged file ids).

Order of work, so that a rejected request leaves nothing behind:
1. validate the payload; hash the uploads (streamed);
2. Idempotency-Key seen within 24 h → replay the stored 202 body, or 409 if the payload differs;
3. resolve the parser / classifier (404 / 400), count pages of every upload (400s);
4. fail fast with 402 if the balance is already too low (nothing stored yet);
5. write the uploads to storage (outside any transaction: it may be S3);
6. one transaction: free an expired key, insert the extraction (the unique constraint on
   (organization, idempotency_key) decides between concurrent requests with one key),
   bulk-insert files and documents, one ledger charge under the account lock (402 rolls all
   of it back), store the 202 body, hand the first documents to the dispatcher;
7. after commit the dispatcher publishes the Celery tasks; a failed publish leaves the
   documents waiting for the sweeper, never lost.
Any failure after step 5 deletes what was written to storage.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import APIKey, Organization, User
from billing.services import charge_credits, credit_count, get_balance, insufficient_credits
from config import json_input
from config.errors import APIError
from config.ids import new_file_id
from extractions import storage
from extractions.engine.read.intake import SUPPORTED_MEDIA_TYPES
from extractions.files.selectors import staged_files_by_id
from extractions.models import Document, DocumentStatus, Extraction, StoredFile
from extractions.selectors import has_nul
from extractions.services.dispatch import dispatch_org
from extractions.services.resolve import Target, resolve_target
from extractions.services.uploads import (
    CheckedUpload,
    describe_uploads,
    inspect_uploads,
    select_pages,
    validate_page_spec,
)
from extractions.webhooks.services import validate_webhook_url

EXTRACTION_TARGETS = ("per_doc", "per_page", "per_table_row")
MAX_IDEMPOTENCY_KEY_LENGTH = 255


class Actor(Protocol):
    """Who submits: a TenantContext, or anything with ``user`` and ``api_key``."""

    user: User | None
    api_key: APIKey | None


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    extraction: Extraction
    body: dict[str, Any]  # the 202 body: {"extraction": {...}}
    replayed: bool = False


# --------------------------------------------------------------------------- validation


def _invalid(field: str, message: str) -> APIError:
    return APIError(
        "INVALID_PAYLOAD", f"{field}: {message}", details={"fields": {field: [message]}}
    )


def parse_metadata(raw: Any) -> dict[str, Any]:
    """An object of at most PP_MAX_METADATA_BYTES of JSON; a string is parsed as JSON."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str | bytes):
        try:
            raw = json_input.loads(raw)
        except json_input.JSONTooDeep as exc:
            raise _invalid("metadata", str(exc)) from None
        except ValueError:
            raise _invalid("metadata", "Must be a JSON object.") from None
    if not isinstance(raw, dict):
        raise _invalid("metadata", "Must be a JSON object.")
    if has_nul(raw):
        raise _invalid("metadata", "Must not contain NUL characters.")
    size = len(json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode())
    if size > settings.PP_MAX_METADATA_BYTES:
        raise _invalid(
            "metadata", f"Is {size} bytes of JSON; the limit is {settings.PP_MAX_METADATA_BYTES}."
        )
    return raw


def _clean_webhook_url(url: str | None) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise _invalid("webhook_url", "Must be an http(s) URL.") from None
    # Resolved and vetted as a registered endpoint's URL is (unresolvable, or any address
    # not public: 400); delivery vets it again before every send.
    return validate_webhook_url(url, field="webhook_url")


def _clean_target(target: str | None) -> str | None:
    if target in (None, ""):
        return None
    if target not in EXTRACTION_TARGETS:
        raise _invalid("extraction_target", f"One of {', '.join(EXTRACTION_TARGETS)}.")
    return target


def _clean_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key:
        return None
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise APIError(
            "INVALID_PAYLOAD",
            f"Idempotency-Key: at most {MAX_IDEMPOTENCY_KEY_LENGTH} characters.",
        )
    return key


def _fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


# --------------------------------------------------------------------------- idempotency


def _replay(*, organization: Organization, key: str, fingerprint: str) -> SubmissionResult | None:
    """The stored response of a live key, 409 for another payload, None if the key is free."""
    original = (
        Extraction.objects.for_org(organization)
        .filter(idempotency_key=key, idempotency_expires_at__gt=timezone.now())
        .first()
    )
    if original is None:
        return None
    if original.request_fingerprint != fingerprint:
        raise APIError(
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was already used with a different request in the last 24 hours.",
            status_code=409,
            details={"extraction_id": original.public_id},
        )
    return SubmissionResult(extraction=original, body=original.response_body or {}, replayed=True)


# --------------------------------------------------------------------------- body


def response_body(
    extraction: Extraction, documents: list[Document], credits_remaining: int
) -> dict[str, Any]:
    """Exactly the PerfectParser 202 body (+ classifier_id for classifier submissions)."""
    body: dict[str, Any] = {
        "extraction_id": extraction.public_id,
        "parser_id": extraction.parser.public_id if extraction.parser else None,
    }
    if extraction.classifier is not None:
        body["classifier_id"] = extraction.classifier.public_id
    body.update(
        {
            "status": extraction.status,
            "file_count": extraction.file_count,
            "page_count": extraction.page_count,
            "credits_used": extraction.credits_used,
            "credits_remaining": credits_remaining,
            "documents": [
                {
                    "document_id": d.public_id,
                    "filename": d.filename,
                    "page_count": d.page_count,
                    "credits_used": d.credits_used,
                    "status": d.status,
                }
                for d in documents
            ],
        }
    )
    return {"extraction": body}


# --------------------------------------------------------------------------- staged files


def _staged_items(
    *, organization: Organization, file_ids: list[str], pages: str, multiplier: int
) -> list[tuple[StoredFile, list[int], int]]:
    """(file, selected pages, credits) per id, loaded in one query. Files whose pages are
    still unknown (presigned uploads) get no pages and no credits: they are charged when
    they run."""
    bad = [f for f in file_ids if not isinstance(f, str) or not f or "\x00" in f]
    if bad:
        raise _invalid("file_ids", "Must be a list of file ids.")
    # One query; unknown, foreign, purged and expired files are all "not found".
    files = staged_files_by_id(organization=organization, file_ids=file_ids)
    missing = [fid for fid in dict.fromkeys(file_ids) if fid not in files]
    if missing:
        raise APIError(
            "FILE_NOT_FOUND",
            f"{len(missing)} file id(s) not found: {', '.join(missing[:5])}"
            + ("…" if len(missing) > 5 else ""),
            status_code=404,
            details={"file_ids": missing[:100]},
        )
    out = []
    for index, fid in enumerate(file_ids):
        f = files[fid]
        if f.media_type and f.media_type not in SUPPORTED_MEDIA_TYPES:
            raise APIError(
                "UNSUPPORTED_FILE_TYPE",
                f"{f.filename} ({fid}) is not a supported file.",
                details={"filename": f.filename, "file_id": fid, "index": index},
            )
        if f.upload_status == StoredFile.UploadStatus.UPLOADED and f.page_count:
            selected = select_pages(pages, f.page_count)
            if not selected:
                raise APIError(
                    "INVALID_PAYLOAD",
                    f"The page selection {pages!r} picks no page of {f.filename} ({fid}).",
                    details={"filename": f.filename, "file_id": fid, "index": index},
                )
            out.append((f, selected, len(selected) * multiplier))
        else:
            out.append((f, [], 0))
    return out


# --------------------------------------------------------------------------- submit


def submit_extraction(
    *,
    organization: Organization,
    actor: Actor | None,
    parser_id: str | None = None,
    classifier_id: str | None = None,
    uploads: list[storage.UploadedFileLike] | None = None,
    file_ids: list[str] | None = None,
    pages: str | None = None,
    target: str | None = None,
    metadata: Any = None,
    webhook_url: str | None = None,
    idempotency_key: str | None = None,
    source: str = Extraction.Source.API,
) -> SubmissionResult:
    """Create an extraction of ``uploads`` (1-50 files) or staged ``file_ids`` (1-10,000),
    charge its pages and queue its documents. Raises APIError (400/402/404/409)."""
    parser_id = (parser_id or "").strip() or None
    classifier_id = (classifier_id or "").strip() or None
    for name, value in (
        ("parser_id", parser_id),
        ("classifier_id", classifier_id),
        ("pages", pages),
        ("extraction_target", target),
        ("webhook_url", webhook_url),
    ):
        if isinstance(value, str) and "\x00" in value:
            raise _invalid(name, "Invalid characters.")
    if bool(parser_id) == bool(classifier_id):
        raise APIError(
            "INVALID_PAYLOAD",
            "Give exactly one of parser_id or classifier_id.",
            details={"fields": {"parser_id": ["Required (or classifier_id)."]}},
        )
    batch = file_ids is not None
    if batch:
        if uploads:
            raise APIError("INVALID_PAYLOAD", "Give files or file_ids, not both.")
        if not isinstance(file_ids, list) or not file_ids:
            raise _invalid("file_ids", "Give at least one file id.")
        if len(file_ids) > settings.PP_MAX_FILES_PER_BATCH:
            raise _invalid("file_ids", f"At most {settings.PP_MAX_FILES_PER_BATCH} files.")
    else:
        uploads = list(uploads or [])
        if not uploads:
            raise _invalid("files", "Upload at least one file.")
        if len(uploads) > settings.PP_MAX_FILES_PER_SUBMISSION:
            raise _invalid("files", f"At most {settings.PP_MAX_FILES_PER_SUBMISSION} files.")
    pages = validate_page_spec(pages)
    target = _clean_target(target)
    metadata = parse_metadata(metadata)
    webhook_url = _clean_webhook_url(webhook_url)
    key = _clean_key(idempotency_key)

    items = [] if batch else describe_uploads(uploads or [])
    fingerprint = _fingerprint(
        {
            "parser_id": parser_id,
            "classifier_id": classifier_id,
            "pages": pages,
            "target": target,
            "metadata": metadata,
            "webhook_url": webhook_url,
            "files": [[i.filename, i.sha256] for i in items],
            "file_ids": file_ids,
        }
    )
    if key is not None:
        replay = _replay(organization=organization, key=key, fingerprint=fingerprint)
        if replay is not None:
            return replay

    resolved = resolve_target(
        organization=organization, parser_id=parser_id, classifier_id=classifier_id
    )
    pages = pages or resolved.default_pages
    staged: list[tuple[StoredFile, list[int], int]] = []
    if batch:
        staged = _staged_items(
            organization=organization,
            file_ids=file_ids or [],
            pages=pages,
            multiplier=resolved.multiplier,
        )
        total = sum(c for _, _, c in staged)
    else:
        inspect_uploads(items, pages=pages, multiplier=resolved.multiplier)
        total = sum(i.credits for i in items)
    balance = get_balance(organization=organization)
    if total > balance:
        raise insufficient_credits(required=total, available=balance)

    written: list[str] = []
    try:
        for item in items:
            item.storage_key = storage.save(
                storage.storage_key(
                    organization_public_id=organization.public_id,
                    file_public_id=new_file_id(),
                    media_type=item.media_type,
                ),
                item.upload,
            )
            written.append(item.storage_key)
        return _create(
            organization=organization,
            actor=actor,
            resolved=resolved,
            items=items,
            staged=staged,
            total=total,
            pages=pages,
            target=target or resolved.default_target,
            metadata=metadata,
            webhook_url=webhook_url,
            key=key,
            fingerprint=fingerprint,
            source=Extraction.Source.BATCH if batch and source == "api" else source,
        )
    except IntegrityError:
        storage.delete_quietly(written)
        # Lost the race for this Idempotency-Key: answer like the winner did.
        if key is not None:
            replay = _replay(organization=organization, key=key, fingerprint=fingerprint)
            if replay is not None:
                return replay
        raise
    except BaseException:
        storage.delete_quietly(written)
        raise


def _create(
    *,
    organization: Organization,
    actor: Actor | None,
    resolved: Target,
    items: list[CheckedUpload],
    staged: list[tuple[StoredFile, list[int], int]],
    total: int,
    pages: str,
    target: str,
    metadata: dict[str, Any],
    webhook_url: str,
    key: str | None,
    fingerprint: str,
    source: str,
) -> SubmissionResult:
    now = timezone.now()
    with transaction.atomic():
        if key is not None:
            # A key older than the idempotency window may be used again: release it.
            Extraction.objects.for_org(organization).filter(
                idempotency_key=key, idempotency_expires_at__lte=now
            ).update(idempotency_key=None)
        options: dict[str, Any] = {"pages": pages, "extraction_target": target}
        if resolved.routes:
            options["routes"] = resolved.routes
        extraction = Extraction.objects.create(
            organization=organization,
            parser=resolved.parser,
            parser_version=resolved.version,
            classifier=resolved.classifier,
            source=source,
            created_by=getattr(actor, "user", None),
            api_key=getattr(actor, "api_key", None),
            options=options,
            metadata=metadata,
            webhook_url=webhook_url,
            idempotency_key=key,
            request_fingerprint=fingerprint,
            idempotency_expires_at=(
                now + timedelta(hours=settings.PP_IDEMPOTENCY_TTL_HOURS) if key else None
            ),
            file_count=len(items) or len(staged),
            page_count=(
                sum(i.page_count for i in items)
                if items
                else sum(f.page_count or 0 for f, _, _ in staged)
            ),
            credits_used=total,
        )
        documents: list[Document] = []
        if items:
            files = StoredFile.objects.bulk_create(
                [
                    StoredFile(
                        organization=organization,
                        kind=StoredFile.Kind.SUBMISSION,
                        storage_key=i.storage_key,
                        filename=i.filename,
                        size=i.size,
                        sha256=i.sha256,
                        media_type=i.media_type,
                        page_count=i.page_count,
                        used_at=now,
                    )
                    for i in items
                ]
            )
            for i, f in zip(items, files, strict=True):
                documents.append(
                    _document(extraction, resolved, f, i.filename, i.page_count, i.pages_selected)
                )
                documents[-1].credits_used = i.credits
        else:
            for f, selected, credits in staged:
                doc = _document(extraction, resolved, f, f.filename, f.page_count or 0, selected)
                doc.credits_used = credits
                doc.charge_on_run = not selected
                documents.append(doc)
            StoredFile.objects.filter(pk__in={f.pk for f, _, _ in staged}).update(used_at=now)
        for position, doc in enumerate(documents):
            doc.position = position
        Document.objects.bulk_create(documents, batch_size=2000)

        if total > 0:
            entry = charge_credits(
                organization=organization,
                credits=total,
                cause_key=f"charge:{extraction.public_id}",
                reason=f"{credit_count(total)} for {len(documents)} document(s)",
                extraction=extraction,
            ).entry
            remaining = entry.balance_after
        else:
            remaining = get_balance(organization=organization)
        extraction.response_body = response_body(extraction, documents, remaining)
        # update(), not save(): the stored body is no audit-history change.
        Extraction.objects.filter(pk=extraction.pk).update(response_body=extraction.response_body)
        dispatch_org(organization_id=organization.pk)
    return SubmissionResult(extraction=extraction, body=extraction.response_body)


def _document(
    extraction: Extraction,
    resolved: Target,
    stored: StoredFile,
    filename: str,
    page_count: int,
    selected: list[int],
) -> Document:
    return Document(
        organization_id=extraction.organization_id,
        extraction=extraction,
        stored_file=stored,
        parser_version=resolved.version,
        filename=filename,
        sha256=stored.sha256,
        media_type=stored.media_type,
        size=stored.size,
        page_count=page_count,
        pages_selected=selected,
        status=DocumentStatus.QUEUED,
    )
