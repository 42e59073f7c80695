"""What PerfectParser support does to a customer's data, each action with its audit line.

Every function takes the staff user and a reason (required), checks the ``support.act``
permission, calls the product's own service (the review service, the billing ledger, the
extraction services) and writes a ``SupportAction`` in the same transaction.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from accounts.models import Organization, User
from billing.services import LedgerResult, adjust_credits, grant_credits
from config.admin_tools import SUPPORT_PERMISSION
from config.errors import APIError
from extractions.models import Document, DocumentEdit
from extractions.services.lifecycle import rerun_document
from extractions.services.review import review_document
from parsers.models import ParserVersion
from support import view_as
from support.models import SupportAction

REASON_MAX = 2000


def can_act(user: Any) -> bool:
    """Staff allowed to change things (the others see the admin read-only)."""
    return bool(
        getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
        and user.has_perm(SUPPORT_PERMISSION)
    )


def _check(staff_user: User, reason: str) -> str:
    if not can_act(staff_user):
        raise PermissionDenied("Only support staff can do this.")
    reason = (reason or "").strip()
    if not reason:
        raise APIError(
            "INVALID_PAYLOAD",
            "A reason is required.",
            details={"errors": [{"path": "reason", "message": "A reason is required."}]},
        )
    return reason[:REASON_MAX]


def record_action(
    *,
    organization: Organization,
    staff_user: User,
    kind: str,
    target: str = "",
    summary: str = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> SupportAction:
    return SupportAction.objects.create(
        organization=organization,
        staff_user=staff_user,
        staff_email=staff_user.email,
        kind=kind,
        target=target,
        summary=summary[:500],
        reason=reason,
        details=details,
    )


def support_review(
    *, document: Document, output: Any, staff_user: User, reason: str, kind: str = "edit"
) -> Document:
    """A correction by support through the review service (the same validation, edits,
    ``document.reviewed`` webhook with ``review_source: "support"``), and its audit line."""
    reason = _check(staff_user, reason)
    with transaction.atomic():
        before = set(DocumentEdit.objects.filter(document=document).values_list("pk", flat=True))
        saved = review_document(
            document=document, output=output, staff_user=staff_user, reason=reason
        )
        paths = list(
            DocumentEdit.objects.filter(document=document)
            .exclude(pk__in=before)
            .order_by("id")
            .values_list("path", flat=True)
        )
        record_action(
            organization=saved.organization,
            staff_user=staff_user,
            kind=kind,
            target=saved.public_id,
            summary=(
                f"{len(paths)} value{'s' if len(paths) != 1 else ''} changed"
                + (f": {', '.join(paths[:10])}" if paths else " (marked reviewed)")
            ),
            reason=reason,
            details={"paths": paths},
        )
    return saved


# --------------------------------------------------------------------------- revert

_TOKEN = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def path_tokens(path: str) -> list[str | int]:
    """``lines[2].amount`` → ``["lines", 2, "amount"]`` (the review service's leaf paths)."""
    tokens: list[str | int] = []
    position = 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if match is None:
            raise ValueError(f"Not a field path: {path!r}")
        index, key = match.groups()
        tokens.append(int(index) if index is not None else key)
        position = match.end()
    return tokens


_MISSING = object()


def value_at(data: Any, path: str) -> Any:
    node = data
    for token in path_tokens(path):
        if isinstance(token, int):
            if not isinstance(node, list) or not 0 <= token < len(node):
                return _MISSING
            node = node[token]
        else:
            if not isinstance(node, dict) or token not in node:
                return _MISSING
            node = node[token]
    return node


def with_value_at(data: Any, path: str, value: Any) -> Any:
    """A copy of ``data`` with the leaf at ``path`` set to ``value`` (it must exist)."""
    out = copy.deepcopy(data)
    tokens = path_tokens(path)
    node = out
    for token in tokens[:-1]:
        node = node[token]
    node[tokens[-1]] = value
    return out


def revert_edit(*, edit: DocumentEdit, staff_user: User, reason: str) -> Document:
    """Put a support edit's value back, as a new support edit (the history keeps both).
    Refused when the value has changed since, or its row is gone: correct it in the form."""
    reason = _check(staff_user, reason)
    if edit.staff_user_id is None:
        raise APIError(
            "EDIT_NOT_REVERTIBLE",
            "Only support's edits are reverted here; a customer's edit is theirs to change.",
            status_code=409,
        )
    document = edit.document
    current = value_at(document.output, edit.path)
    if current is _MISSING or current != edit.after:
        raise APIError(
            "EDIT_NOT_REVERTIBLE",
            f"{edit.path} has changed since this edit: correct it in the form instead.",
            status_code=409,
        )
    output = with_value_at(document.output, edit.path, edit.before)
    return support_review(
        document=document,
        output=output,
        staff_user=staff_user,
        reason=f"Revert of edit #{edit.pk}: {reason}",
        kind=SupportAction.Kind.REVERT,
    )


# --------------------------------------------------------------------------- credits


def change_credits(
    *, organization: Organization, staff_user: User, delta: int, reason: str, grant: bool
) -> LedgerResult:
    """A grant (``grant``, positive) or an adjustment (either sign) through the billing
    ledger, attributed to the staff user, with its audit line."""
    reason = _check(staff_user, reason)
    with transaction.atomic():
        if grant:
            result = grant_credits(
                organization=organization, credits=delta, reason=reason, staff_user=staff_user
            )
        else:
            result = adjust_credits(
                organization=organization, delta=delta, reason=reason, staff_user=staff_user
            )
        entry = result.entry
        record_action(
            organization=organization,
            staff_user=staff_user,
            kind=SupportAction.Kind.GRANT if grant else SupportAction.Kind.ADJUST,
            target=organization.public_id,
            summary=f"{entry.delta:+d} credits (balance {entry.balance_after})",
            reason=reason,
            details={"ledger_entry": entry.public_id, "delta": entry.delta},
        )
    return result


# --------------------------------------------------------------------------- documents


def rerun(
    *,
    document: Document,
    staff_user: User,
    reason: str,
    parser_version: ParserVersion | None = None,
    charge: bool = True,
) -> Document:
    """Run a document again (completed ones too), with its parser version or another of the
    same parser, charged (its pages, as at submission) or free; through the extraction
    services, with the audit line."""
    reason = _check(staff_user, reason)
    old_version = document.parser_version
    with transaction.atomic():
        queued = rerun_document(
            document=document,
            staff_user=staff_user,
            completed=True,
            parser_version=parser_version,
            charge=charge,
            reason=reason,
        )
        version = parser_version or old_version
        record_action(
            organization=document.organization,
            staff_user=staff_user,
            kind=SupportAction.Kind.RERUN,
            target=document.public_id,
            summary=(
                f"Re-run with v{version.number if version else '?'}"
                + (
                    f" (was v{old_version.number})"
                    if old_version and version != old_version
                    else ""
                )
                + (f", charged {queued.credits_used} credits" if charge else ", free of charge")
            ),
            reason=reason,
            details={
                "parser_version": version.number if version else None,
                "charged": charge,
                "credits": queued.credits_used if charge else 0,
            },
        )
    return queued


def record_download(*, document: Document, staff_user: User, reason: str) -> SupportAction:
    """Support opens a customer's original file: allowed with a reason, and logged."""
    reason = _check(staff_user, reason)
    return record_action(
        organization=document.organization,
        staff_user=staff_user,
        kind=SupportAction.Kind.DOWNLOAD,
        target=document.public_id,
        summary=f"Downloaded {document.filename}",
        reason=reason,
    )


def start_view_as(
    *, request: HttpRequest, organization: Organization, staff_user: User, reason: str
) -> SupportAction:
    """Begin a read-only "view as customer" session, with its audit line."""
    reason = _check(staff_user, reason)
    action = record_action(
        organization=organization,
        staff_user=staff_user,
        kind=SupportAction.Kind.VIEW_AS,
        target=organization.public_id,
        summary=f"Viewed the dashboard of {organization.name} (read-only)",
        reason=reason,
    )
    view_as.begin(request, organization=organization)
    return action
