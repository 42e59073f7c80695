"""API shapes of the extractions app. Input validation lives in the services (shared with the
dashboard); these serializers document the request bodies for the OpenAPI schema and build
the response bodies."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from extractions.engine import supported_formats
from extractions.models import (
    Document,
    DocumentStatus,
    DuplicateMatch,
    Extraction,
    ExtractionStatus,
    ReviewSource,
    Triage,
)
from extractions.services.lifecycle import derive_status
from extractions.services.results import _ts, document_summary


class MultipartSubmissionSerializer(serializers.Serializer):
    parser_id = serializers.CharField(required=False, help_text="The parser to run (prs_…).")
    classifier_id = serializers.CharField(
        required=False, help_text="Or a classifier (cls_…) that routes each file to a parser."
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        help_text=f"1 to 50 files: {supported_formats()} (the type is read from the content).",
    )
    pages = serializers.CharField(
        required=False, help_text='Pages of each file, e.g. "1,3,5-7" (default: all).'
    )
    extraction_target = serializers.ChoiceField(
        choices=["per_doc", "per_page", "per_table_row"], required=False
    )
    metadata = serializers.CharField(required=False, help_text="A JSON object, at most 10 KB.")
    webhook_url = serializers.URLField(required=False)


class BatchSubmissionSerializer(serializers.Serializer):
    parser_id = serializers.CharField(required=False)
    classifier_id = serializers.CharField(required=False)
    file_ids = serializers.ListField(
        child=serializers.CharField(), help_text="Up to 10,000 staged file ids (file_…)."
    )
    pages = serializers.CharField(required=False)
    extraction_target = serializers.ChoiceField(
        choices=["per_doc", "per_page", "per_table_row"], required=False
    )
    metadata = serializers.JSONField(required=False)
    webhook_url = serializers.URLField(required=False)


class SyncExtractSerializer(serializers.Serializer):
    parser_id = serializers.CharField(required=False)
    classifier_id = serializers.CharField(required=False)
    file = serializers.FileField(help_text="One PDF or image.")
    pages = serializers.CharField(required=False)
    extraction_target = serializers.ChoiceField(
        choices=["per_doc", "per_page", "per_table_row"], required=False
    )
    metadata = serializers.CharField(required=False)
    timeout = serializers.IntegerField(
        required=False, help_text="Seconds to wait for the result (default and maximum 300)."
    )


class ReviewSerializer(serializers.Serializer):
    output = serializers.JSONField(
        help_text=(
            "The reviewed output, applied as a JSON merge patch to the current output "
            "(a list replaces the whole output for per_page / per_table_row)."
        )
    )


class ValidationResultSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text="The value the rule is about, as a path: total, lines[2].amount, [0].total."
    )
    rule = serializers.CharField(
        help_text="required, format, pattern, enum, minimum, maximum, or a cross-field check: "
        "net_plus_tax_equals_gross, lines_sum_to_total, quantity_times_unit_price, "
        "date_within_range."
    )
    ok = serializers.BooleanField()
    message = serializers.CharField(help_text="What was checked, or why it fails.")
    fields = serializers.ListField(
        child=serializers.CharField(), help_text="Every value the rule compares."
    )


class FlagSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The value's path (a group or list when it is empty).")
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="low_confidence (below the review threshold), or the rules it fails.",
    )
    confidence = serializers.FloatField(allow_null=True)
    messages = serializers.ListField(child=serializers.CharField())


class DocumentEditSerializer(serializers.Serializer):
    path = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    user = serializers.CharField(allow_null=True, help_text="Email of the person.")
    api_key = serializers.CharField(allow_null=True, help_text="Prefix of the API key.")
    source = serializers.ChoiceField(
        choices=["user", "api_key", "support"],
        help_text="Who made the edit: a person of the organization, an API key, or "
        "PerfectParser support (user and api_key are then null).",
    )
    reason = serializers.CharField(
        allow_blank=True, help_text="Why (support's edits give one; empty for yours)."
    )
    created_at = serializers.DateTimeField()


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        "description": "Why the document failed (null unless it failed).",
    }
)
class DocumentErrorField(serializers.JSONField):
    """Inline, not a component: a nullable ``$ref`` (allOf) does not accept null in OAS 3.0."""


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "required": ["document_id", "extraction_id", "match"],
        "properties": {
            "document_id": {"type": "string"},
            "extraction_id": {"type": "string"},
            "match": {"type": "string", "enum": DuplicateMatch.values},
        },
        "description": "The earlier document of the organization this one repeats: the same "
        "file (same_file) or the same issuer, number and total (same_issuer_number_total); "
        "null when it is none's duplicate. A duplicate is processed and charged as usual, "
        "and never accepted automatically.",
    }
)
class DuplicateOfField(serializers.JSONField):
    """Inline, like DocumentErrorField."""


class DocumentResultSerializer(serializers.Serializer):
    """One document's result (GET …/documents/{id}, the review, a synchronous extract)."""

    document_id = serializers.CharField()
    extraction_id = serializers.CharField()
    parser_id = serializers.CharField(allow_null=True)
    parser_version = serializers.IntegerField(allow_null=True)
    classifier_id = serializers.CharField(allow_null=True)
    filename = serializers.CharField()
    media_type = serializers.CharField(allow_blank=True)
    size = serializers.IntegerField()
    status = serializers.ChoiceField(choices=DocumentStatus.values)
    step = serializers.CharField(allow_null=True)
    data = serializers.JSONField(
        allow_null=True, help_text="The reviewed output if reviewed, else the initial one."
    )
    initial_output = serializers.JSONField(allow_null=True)
    reviewed_output = serializers.JSONField(allow_null=True)
    reviewed = serializers.BooleanField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_source = serializers.ChoiceField(
        choices=ReviewSource.values,
        allow_null=True,
        help_text="Who reviewed it: user (a person), api_key, support (PerfectParser support), "
        "auto (accepted by the parser's automation policy); null until reviewed.",
    )
    reviewed_by = serializers.CharField(allow_null=True, help_text="Email of the person.")
    triage = serializers.ChoiceField(
        choices=Triage.values,
        allow_null=True,
        help_text="Where the finished run sent it: review (a flagged value or a duplicate), "
        "sample (would have been accepted; reviewed to measure the error rate), "
        "auto_accepted, not_flagged (automation off); null before it completed.",
    )
    duplicate_of = DuplicateOfField(allow_null=True)
    edited = serializers.BooleanField()
    edits = DocumentEditSerializer(many=True)
    citations = serializers.JSONField(
        allow_null=True, help_text="Leaf path -> {page, bbox (0-1), text, source}."
    )
    confidence = serializers.JSONField(allow_null=True, help_text="Leaf path -> 0..1.")
    min_confidence = serializers.FloatField(allow_null=True)
    classifier_result = serializers.JSONField(allow_null=True)
    validation = ValidationResultSerializer(
        many=True,
        help_text="The parser's validation rules on `data`: every rule that applies, passing "
        "or failing.",
    )
    review_threshold = serializers.FloatField(
        help_text="The parser's review threshold (else the organization's)."
    )
    flagged = FlagSerializer(
        many=True,
        help_text="Values that need a look: below the review threshold (unless a person "
        "changed them), failing a rule, or required and empty; in the output's order.",
    )
    needs_review = serializers.BooleanField(
        help_text="In the review queue: completed, not reviewed, with a flagged value."
    )
    content = serializers.JSONField(allow_null=True, help_text="Text per page.")
    pages = serializers.JSONField(allow_null=True)
    images = serializers.JSONField(allow_null=True)
    page_count = serializers.IntegerField()
    pages_selected = serializers.ListField(child=serializers.IntegerField())
    credits_used = serializers.IntegerField()
    credits_refunded = serializers.IntegerField()
    extraction_time = serializers.FloatField(allow_null=True)
    steps = serializers.JSONField()
    error = DocumentErrorField(allow_null=True)
    metadata = serializers.JSONField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class SubmittedDocumentSerializer(serializers.Serializer):
    document_id = serializers.CharField()
    filename = serializers.CharField()
    page_count = serializers.IntegerField(help_text="Pages selected and charged.")
    credits_used = serializers.IntegerField()
    status = serializers.ChoiceField(choices=DocumentStatus.values)


class SubmittedExtractionSerializer(serializers.Serializer):
    extraction_id = serializers.CharField()
    parser_id = serializers.CharField(allow_null=True, help_text="Null for a classifier.")
    classifier_id = serializers.CharField(
        required=False, help_text="Only for a submission to a classifier."
    )
    status = serializers.ChoiceField(choices=ExtractionStatus.values)
    file_count = serializers.IntegerField()
    page_count = serializers.IntegerField()
    credits_used = serializers.IntegerField()
    credits_remaining = serializers.IntegerField(help_text="The balance after this charge.")
    documents = SubmittedDocumentSerializer(many=True)


class SubmissionAcceptedSerializer(serializers.Serializer):
    """The 202 body of a submission (PerfectParser's documented shape)."""

    extraction = SubmittedExtractionSerializer()


def extraction_summary(extraction: Extraction) -> dict[str, Any]:
    return {
        "extraction_id": extraction.public_id,
        "parser_id": extraction.parser.public_id if extraction.parser_id else None,
        "parser_version": extraction.parser_version.number
        if extraction.parser_version_id
        else None,
        "classifier_id": extraction.classifier.public_id if extraction.classifier_id else None,
        "status": extraction.status,
        "source": extraction.source,
        "file_count": extraction.file_count,
        "page_count": extraction.page_count,
        "credits_used": extraction.credits_used,
        "metadata": extraction.metadata,
        "created_at": _ts(extraction.created_at),
        "updated_at": _ts(extraction.updated_at),
        "completed_at": _ts(extraction.completed_at),
    }


def extraction_detail(
    extraction: Extraction,
    counts: dict[str, int],
    documents: list[Document],
    next_cursor: str | None,
) -> dict[str, Any]:
    body = extraction_summary(extraction)
    # Derived from the documents at read time, so it can never lag behind them.
    body["status"] = derive_status(counts)
    body["options"] = {
        "pages": (extraction.options or {}).get("pages") or None,
        "extraction_target": (extraction.options or {}).get("extraction_target"),
    }
    body["counts"] = counts
    body["documents"] = [document_summary(d) for d in documents]
    body["next_cursor"] = next_cursor
    return {"extraction": body}
