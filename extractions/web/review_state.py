"""One document's review form, as both review pages show and save it: the customer's
(dashboard, ``extractions.web.review``) and support's (the admin, ``support.admin_review``).

``document_form`` builds the generated form (``review_form``) with the document's evidence,
flags, rule results, page list and cited boxes (both pages); ``submit_form`` turns a posted
form into an output and saves it with the caller's review service call, answering field
errors (the form's own, and the schema's from ``extractions.services.review``) as
``FormErrors`` (the admin's; the dashboard's view keeps its own flow around the same calls:
its queue and keyboard behaviour live there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpResponse

from config.errors import APIError
from extractions import flags
from extractions.models import Document, DocumentEdit
from extractions.services.results import target_of, validation_of
from extractions.validation import failures_by_field, rule_label
from extractions.web.review_form import (
    Evidence,
    FormErrors,
    Node,
    build_form,
    flatten,
    parse_form,
    walk,
)


@dataclass
class DocumentForm:
    nodes: list[Node]
    boxes: list[dict[str, Any]]
    pages: list[dict[str, Any]]
    threshold: float
    low_count: int
    flagged_count: int
    needs_review: bool
    missing_count: int
    field_count: int
    general_errors: list[str]
    checks: list[dict[str, Any]]
    failed_checks: int
    passed_checks: int
    target: str

    def context(self) -> dict[str, Any]:
        """The template variables of both review pages."""
        return dict(self.__dict__)


def page_numbers(document: Document) -> list[dict[str, Any]]:
    pages = [p for p in (document.pages or []) if isinstance(p, dict) and p.get("number")]
    if not pages:
        numbers = document.pages_selected or list(range(1, (document.page_count or 0) + 1))
        pages = [{"number": n, "width": 0, "height": 0} for n in numbers[:50]]
    return pages


def document_form(
    document: Document,
    *,
    posted: Any = None,
    errors: dict[str, str] | None = None,
    raw_post: Any = None,
) -> DocumentForm:
    """The form filled with the document's output (or what was posted, with its errors)."""
    threshold = flags.document_threshold(document)
    schema = document.parser_version.schema if document.parser_version else {}
    evidence = Evidence(
        confidence=document.confidence or {},
        citations=document.citations or {},
        threshold=threshold,
    )
    nodes = build_form(
        schema=schema,
        target=target_of(document),
        output=posted if posted is not None else document.output,
        evidence=evidence,
    )
    for node in flatten(nodes):
        if errors and node.path in errors:
            node.error = errors[node.path]
        if raw_post is not None and node.input_name in raw_post:
            node.display = raw_post[node.input_name]
    validation = validation_of(document)
    failing = failures_by_field(validation)
    found = flags.flagged_values(
        confidence=document.confidence,
        validation=validation,
        threshold=threshold,
        output=document.output,
        initial_output=document.initial_output,
    )
    flagged = {flag.field: flag for flag in found}
    for node in walk(nodes):
        node.failures = failing.get(node.path, [])
        flag = flagged.get(node.path)
        node.flagged = flag is not None
        node.low = flag is not None and flags.LOW_CONFIDENCE in flag.reasons
    general_errors = [
        f"{path}: {message}"
        for path, message in (errors or {}).items()
        if path not in {n.path for n in flatten(nodes)}
    ]
    boxes = [
        {
            "path": path,
            "page": citation.get("page"),
            "bbox": citation.get("bbox"),
            "low": path in flagged,
        }
        for path, citation in (document.citations or {}).items()
        if isinstance(citation, dict) and citation.get("bbox")
    ]
    leaves = flatten(nodes)
    return DocumentForm(
        nodes=nodes,
        boxes=boxes,
        pages=page_numbers(document),
        threshold=threshold,
        low_count=sum(1 for n in leaves if n.low),
        flagged_count=len(found),
        needs_review=flags.needs_review(document, threshold=threshold),
        missing_count=sum(1 for n in leaves if n.missing),
        field_count=len(leaves),
        general_errors=general_errors,
        checks=[{**r, "label": rule_label(r["rule"])} for r in validation],
        failed_checks=sum(1 for r in validation if not r["ok"]),
        passed_checks=sum(1 for r in validation if r["ok"]),
        target=target_of(document),
    )


class SchemaErrors(FormErrors):
    """Values of the right kind that the schema version refuses (pattern, enum, format)."""


def submit_form(
    *, document: Document, post: Any, mark_only: bool, save: Callable[[Any], Document]
) -> tuple[Document, int]:
    """Save a posted review form with ``save(output)`` (the caller's call of the review
    service); returns the saved document and how many edits it recorded. ``mark_only``:
    reviewed with no edit. Raises ``FormErrors`` (``SchemaErrors`` for the schema's)."""
    if mark_only:
        # An empty merge patch: reviewed, with no edit.
        output: Any = {} if target_of(document) == "per_doc" else document.output
    else:
        schema = document.parser_version.schema if document.parser_version else {}
        output = parse_form(
            schema=schema, target=target_of(document), post=post, current=document.output
        )
    before = DocumentEdit.objects.filter(document=document).count()
    try:
        saved = save(output)
    except APIError as exc:
        if exc.code != "INVALID_PAYLOAD" or not exc.details.get("errors"):
            raise
        raise SchemaErrors({e["path"]: e["message"] for e in exc.details["errors"]}) from None
    return saved, DocumentEdit.objects.filter(document=document).count() - before


# Page images of both review pages: large enough to read a receipt's small print when zoomed.
PAGE_IMAGE_SIDE = 1400


def page_image_response(document: Document, page: int) -> HttpResponse:
    """One page of a document as a PNG for a review page (the caller has checked access);
    404 when the file is purged, the page does not exist or cannot be drawn."""
    from extractions.engine import EngineError  # the engine's reading side: first use only
    from extractions.services.results import ensure_results_available, render_document_page

    ensure_results_available(document)
    stored = document.stored_file
    if stored is None or stored.purged_at is not None or not 1 <= page <= document.page_count:
        raise Http404("No such page.")
    try:
        png = render_document_page(
            document=document, storage_key=stored.storage_key, page=page, max_side=PAGE_IMAGE_SIDE
        )
    except (EngineError, FileNotFoundError):
        raise Http404("This page cannot be shown.") from None
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response
