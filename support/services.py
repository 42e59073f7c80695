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

from accounts.models import Organization, User
from config.admin_tools import SUPPORT_PERMISSION
from config.errors import APIError
from extractions.models import Document, DocumentEdit
from extractions.services.review import review_document
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
