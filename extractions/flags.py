"""Flagged values and the review queue: the one definition the review page, the queue, the
progress page, the API, the admin (and the model tier, later) all use.

A value is **flagged** when

- its confidence is below the review threshold of the document's parser
  (``Parser.review_confidence_threshold``, else the organization's
  ``review_confidence_threshold``), unless a person has changed it since;
- it fails one of the parser's validation rules (``extractions.validation``: a cross-field
  check flags every value it compares); or
- it is required and empty (the ``required`` rule).

A document **needs review** (is in the review queue) while it is completed, not reviewed and
its results not purged, and its ``review_score`` is below its threshold: the score is the
lowest confidence of its values, or ``FLAGGED_SCORE`` when something flags it whatever the
threshold (a failing rule; also a duplicate, or a sample of the automation policy:
``services.automation``). Kept as a column so the queue is one indexed condition; the
threshold stays a setting read at query time, so changing it changes the queue at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import Organization
from extractions.models import Document, DocumentStatus
from extractions.validation import failures, rule_label
from parsers.models import Parser

LOW_CONFIDENCE = "low_confidence"
FLAGGED_SCORE = -1.0


@dataclass(frozen=True, slots=True)
class Flag:
    field: str  # a value's path: total, lines[2].amount (a group or list when it is empty)
    reasons: tuple[str, ...]  # "low_confidence", or the rules it fails (required, minimum, ...)
    confidence: float | None
    messages: tuple[str, ...]  # for people: "Minimum: 225 is below 500"

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "reasons": list(self.reasons),
            "confidence": self.confidence,
            "messages": list(self.messages),
        }


def review_threshold(*, parser: Parser | None, organization: Organization) -> float:
    if parser is not None and parser.review_confidence_threshold is not None:
        return parser.review_confidence_threshold
    return organization.review_confidence_threshold


def document_threshold(document: Document) -> float:
    """The threshold of the document's parser (the routed one with a classifier)."""
    version = document.parser_version
    return review_threshold(
        parser=version.parser if version is not None else None,
        organization=document.organization,
    )


def flagged_values(
    *,
    confidence: dict[str, float] | None,
    validation: list[dict[str, Any]] | None,
    threshold: float,
    output: Any = None,
    initial_output: Any = None,
) -> list[Flag]:
    """The flagged values, in the output's order (else the confidences', then the rules').

    With ``output`` and ``initial_output`` (a reviewed document), a low-confidence value a
    person has changed is no longer flagged: the confidence was the engine's, not theirs."""
    reasons: dict[str, list[str]] = {}
    messages: dict[str, list[str]] = {}
    edited: set[str] = set()
    from extractions.services.review import diff_leaves, leaves

    if output is not None and initial_output is not None and output is not initial_output:
        edited = {path for path, _, _ in diff_leaves(initial_output, output)}
    for path, value in (confidence or {}).items():
        if value is not None and value < threshold and path not in edited:
            reasons.setdefault(path, []).append(LOW_CONFIDENCE)
            messages.setdefault(path, []).append(f"Confidence {value:.0%}")
    for result in failures(validation):
        text = f"{rule_label(result['rule'])}: {result['message']}"
        for path in result.get("fields") or [result["field"]]:
            if result["rule"] not in reasons.setdefault(path, []):
                reasons[path].append(result["rule"])
            messages.setdefault(path, []).append(text)
    order = {p: i for i, p in enumerate(leaves(output))} if output is not None else {}

    def position(path: str) -> tuple[int, int]:
        if path in order:
            return (0, order[path])
        # A group or list (required and empty) sits where its first value would be.
        inside = [i for p, i in order.items() if p.startswith((f"{path}.", f"{path}["))]
        return (0, min(inside)) if inside else (1, 0)

    ranked = sorted(reasons, key=position)
    return [
        Flag(
            field=path,
            reasons=tuple(reasons[path]),
            confidence=(confidence or {}).get(path),
            messages=tuple(messages.get(path, ())),
        )
        for path in ranked
    ]


def document_flags(document: Document, *, threshold: float | None = None) -> list[Flag]:
    """The document's flagged values now (its current output, its parser's threshold)."""
    from extractions.services.results import validation_of

    if document.status != DocumentStatus.COMPLETED or document.results_purged_at is not None:
        return []
    return flagged_values(
        confidence=document.confidence,
        validation=validation_of(document),
        threshold=document_threshold(document) if threshold is None else threshold,
        output=document.output,
        initial_output=document.initial_output,
    )


def review_score(
    *, min_confidence: float | None, rule_failures: int, whatever_the_threshold: bool = False
) -> float | None:
    """What ``Document.review_score`` stores for a finished run (see the module doc);
    ``whatever_the_threshold``: it goes to the queue anyway (a duplicate, a sample)."""
    if rule_failures or whatever_the_threshold:
        return FLAGGED_SCORE
    return min_confidence


def threshold_expression() -> Coalesce:
    """A document's review threshold, in SQL (its parser's, else its organization's)."""
    return Coalesce(
        F("parser_version__parser__review_confidence_threshold"),
        F("organization__review_confidence_threshold"),
    )


def needs_review_q() -> Q:
    """Documents in the review queue (any organization: scope it with ``for_org``)."""
    return Q(
        status=DocumentStatus.COMPLETED,
        reviewed=False,
        results_purged_at__isnull=True,
        review_score__lt=threshold_expression(),
    )


def needs_review(document: Document, *, threshold: float | None = None) -> bool:
    """``needs_review_q`` for one document already in memory."""
    if (
        document.status != DocumentStatus.COMPLETED
        or document.reviewed
        or document.results_purged_at is not None
        or document.review_score is None
    ):
        return False
    return document.review_score < (
        document_threshold(document) if threshold is None else threshold
    )


def review_queue(*, organization: Organization) -> QuerySet[Document]:
    """The organization's documents that need a person, oldest first (so nothing waits
    forever), with what the queue shows of each."""
    return (
        Document.objects.for_org(organization)
        .filter(needs_review_q())
        .select_related(
            "extraction",
            "extraction__parser",
            "parser_version__parser",
            "organization",
            "duplicate_of__extraction",
        )
        .defer(
            "content",
            "pages",
            "images",
            "citations",
            "initial_output",
            "reviewed_output",
            "steps",
            "classifier_result",
        )
        .order_by("created_at", "id")
    )
