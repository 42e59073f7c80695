"""Human review of a document's output: validation against the schema version it ran with,
one ``DocumentEdit`` per changed leaf.

The body of ``PATCH …/review`` is ``{"output": …}``, applied as a JSON merge patch (RFC 7396)
to the current output (the reviewed output if any, else the initial one): keys sent replace
their value (objects merge recursively, arrays and scalars replace), keys left out keep theirs,
``null`` empties a field. Unknown keys and values of the wrong type are rejected (400), nothing
is stored. For ``per_page`` / ``per_table_row`` extractions the output is a list and replaces
the whole list. Sending the output unchanged (or ``{}``) marks the document reviewed with no
edit.

Types, formats, patterns and enums are hard (400, as above). The parser's other rules
(required, minimum / maximum, the cross-field checks: ``extractions.validation``) are soft:
the review is saved, and their results on the reviewed output are stored with it
(``Document.validation``, kept in the document's history), for the reviewer to see.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import APIKey, User
from config.errors import APIError
from extractions.engine.values import patterns
from extractions.models import (
    PERSON_REVIEW_SOURCES,
    Document,
    DocumentEdit,
    DocumentStatus,
    ReviewSource,
)
from extractions.validation import is_iso_date, stored_results, validate_values


def merge_patch(current: Any, patch: Any) -> Any:
    if not isinstance(patch, dict) or not isinstance(current, dict):
        return patch
    out = dict(current)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_patch(out[key], value)
        else:
            out[key] = value
    return out


def leaves(data: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf path → value, paths like the engine's citations: ``a.b``, ``lines[2].x``, ``[0].y``."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(leaves(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.update(leaves(value, f"{prefix}[{i}]"))
    else:
        out[prefix] = data
    return out


def diff_leaves(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    old, new = leaves(before), leaves(after)
    changes = []
    for path in list(old) + [p for p in new if p not in old]:
        a, b = old.get(path), new.get(path)
        if a != b or type(a) is not type(b):
            changes.append((path, a, b))
    return changes


# --------------------------------------------------------------------------- validation


def _types(node: dict[str, Any]) -> list[str]:
    t = node.get("type")
    if isinstance(t, list):
        return [str(x) for x in t if x != "null"]
    if isinstance(t, str):
        return [] if t == "null" else [t]
    if "properties" in node:
        return ["object"]
    if "items" in node:
        return ["array"]
    return []  # an enum without a type: any of its values


def _check(value: Any, node: Any, path: str, errors: list[dict[str, str]]) -> None:
    if value is None or not isinstance(node, dict):
        return
    where = path or "(root)"
    enum = node.get("enum")
    types = _types(node)
    if enum is not None and value not in enum:
        errors.append({"path": where, "message": f"Must be one of {enum}."})
        return
    if not types:
        return
    for t in types:
        if t == "object" and isinstance(value, dict):
            props = node.get("properties") or {}
            for key, sub in value.items():
                if key not in props:
                    errors.append(
                        {"path": f"{path}.{key}" if path else key, "message": "Unknown field."}
                    )
                else:
                    _check(sub, props[key], f"{path}.{key}" if path else key, errors)
            return
        if t == "array" and isinstance(value, list):
            for i, item in enumerate(value):
                _check(item, node.get("items") or {}, f"{path}[{i}]", errors)
            return
        if t == "string" and isinstance(value, str):
            if node.get("format") == "date" and not is_iso_date(value):
                errors.append({"path": where, "message": "Must be a date (YYYY-MM-DD)."})
            pattern = node.get("pattern")
            if pattern and len(value) > patterns.MAX_MATCHED_LENGTH:
                errors.append(
                    {
                        "path": where,
                        "message": f"At most {patterns.MAX_MATCHED_LENGTH} characters "
                        "(the field has a pattern).",
                    }
                )
            elif pattern and patterns.search(pattern, value) is False:
                errors.append({"path": where, "message": f"Must match {pattern}."})
            return
        if t == "boolean" and isinstance(value, bool):
            return
        if t == "integer" and isinstance(value, int) and not isinstance(value, bool):
            return
        if t == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            return
    errors.append({"path": where, "message": f"Must be {' or '.join(types)} or null."})


def validate_output(output: Any, schema: dict[str, Any], target: str) -> None:
    """400 INVALID_PAYLOAD listing every problem, or nothing."""
    from extractions.selectors import has_nul

    errors: list[dict[str, str]] = []
    if has_nul(output):
        errors.append({"path": "(root)", "message": "Must not contain NUL characters."})
    if target == "per_doc":
        if not isinstance(output, dict):
            errors.append({"path": "(root)", "message": "Must be an object."})
        else:
            _check(output, {**schema, "type": "object"}, "", errors)
    else:
        item = schema
        if target == "per_table_row" and _types(schema) == ["array"]:
            item = schema.get("items") or {}
        if not isinstance(output, list):
            errors.append({"path": "(root)", "message": f"Must be a list ({target})."})
        else:
            for i, row in enumerate(output):
                if not isinstance(row, dict):
                    errors.append({"path": f"[{i}]", "message": "Must be an object."})
                else:
                    _check(row, {**item, "type": "object"}, f"[{i}]", errors)
    if errors:
        raise APIError(
            "INVALID_PAYLOAD",
            f"output: {errors[0]['path']}: {errors[0]['message']}",
            details={"errors": errors[:100]},
        )


# --------------------------------------------------------------------------- service


def review_document(
    *,
    document: Document,
    output: Any,
    user: User | None = None,
    api_key: APIKey | None = None,
    source: str | None = None,
    staff_user: User | None = None,
    reason: str = "",
) -> Document:
    """Store the reviewed output and one edit per changed leaf; marks the document reviewed
    by ``source`` (default: ``api_key`` with a key, else ``user``; ``support`` with a
    ``staff_user``), replacing an automatic acceptance. Raises ``document.reviewed`` after
    commit.

    Support (``staff_user``, through ``support.services``) is recorded apart from the
    customer's people and keys: on the edits' ``staff_user`` with the ``reason``, never as
    ``reviewed_by``, so the customer sees "PerfectParser support" rather than a staff
    address."""
    from extractions.services.automation import corrected_values
    from extractions.services.results import ensure_results_available, target_of

    if source is not None and source not in PERSON_REVIEW_SOURCES:
        raise ValueError(f"Not a person's review source: '{source}'")
    if staff_user is not None:
        if user is not None or api_key is not None:
            raise ValueError("A support review has no customer user nor API key.")
        source = ReviewSource.SUPPORT

    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("parser_version", "extraction")
            .get(pk=document.pk)
        )
        ensure_results_available(document)
        if document.status != DocumentStatus.COMPLETED or document.parser_version is None:
            raise APIError(
                "DOCUMENT_NOT_READY",
                f"Document {document.public_id} is {document.status}; only completed "
                "documents can be reviewed.",
                status_code=409,
            )
        current = document.output
        merged = merge_patch(current, output)
        target = target_of(document)
        schema = document.parser_version.schema or {}
        validate_output(merged, schema, target)
        results = validate_values(schema=schema, output=merged, target=target)
        now = timezone.now()
        DocumentEdit.objects.bulk_create(
            [
                DocumentEdit(
                    organization_id=document.organization_id,
                    document=document,
                    path=path[:500],
                    before=before,
                    after=after,
                    user=user if isinstance(user, User) else None,
                    api_key=api_key,
                    staff_user=staff_user,
                    reason=reason,
                )
                for path, before, after in diff_leaves(current, merged)
            ]
        )
        document.reviewed_output = merged
        document.reviewed = True
        document.reviewed_at = now
        document.reviewed_by = user if isinstance(user, User) else None
        document.review_source = source or (
            ReviewSource.API_KEY if api_key is not None else ReviewSource.USER
        )
        document.corrected_values = corrected_values(
            initial_output=document.initial_output, reviewed_output=merged
        )
        document.validation = stored_results(results)
        document.rule_failures = sum(1 for r in results if not r.ok)
        document.save(
            update_fields=[
                "reviewed_output",
                "reviewed",
                "reviewed_at",
                "reviewed_by",
                "review_source",
                "corrected_values",
                "validation",
                "rule_failures",
                "updated_at",
            ]
        )
        document_id = document.pk
        transaction.on_commit(lambda: _emit_reviewed(document_id))
    return document


def _emit_reviewed(document_id: int) -> None:
    from extractions.webhooks.dispatch import emit_document_event

    emit_document_event(document_id=document_id, event="document.reviewed")
