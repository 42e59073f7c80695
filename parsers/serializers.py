"""Request and response bodies of the parsers API. Thin: rules live in services.py / schema.py."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from parsers.models import (
    INSTRUCTIONS_HELP,
    Classifier,
    ClassifierLabel,
    ExtractionTarget,
    Parser,
    ParserVersion,
    Tier,
)
from parsers.services import TIER_NOT_OFFERED

# Syntax only ("1,3,5-7", "2-"); services.validate_page_selection checks the numbers.
PAGE_SELECTION_RE = r"^\s*\d+\s*(-\s*\d*\s*)?(,\s*\d+\s*(-\s*\d*\s*)?)*$"

JSON_SCHEMA_FIELD = {
    "type": "object",
    "additionalProperties": True,
    "description": "A JSON Schema object (see POST /v1/schemas/validate for the supported subset).",
}


@extend_schema_field(JSON_SCHEMA_FIELD)
class SchemaField(serializers.JSONField):
    """A JSON Schema object; its content is checked by parsers.schema.validate_schema."""


@extend_schema_field({**JSON_SCHEMA_FIELD, "nullable": True})
class NullableSchemaField(serializers.JSONField):
    pass


class ShareField(serializers.FloatField):
    """A number from 0 to 1; ``true`` is not one (DRF's FloatField would read it as 1.0)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0.0, max_value=1.0, **kwargs)

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- Parsers --------------------------------------------------------------------------------


class ParserSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    configured = serializers.BooleanField(
        source="is_configured",
        read_only=True,
        help_text="False until the parser has a schema; submitting to it answers 400 "
        "PARSER_NOT_CONFIGURED.",
    )
    version = serializers.SerializerMethodField(
        help_text="Number of the current schema version (null when not configured)."
    )
    schema = serializers.SerializerMethodField(help_text="The current schema (null when none).")
    # Plain values (no labels): the same enum as the extractions API's extraction_target.
    extraction_target = serializers.ChoiceField(choices=ExtractionTarget.values, read_only=True)

    class Meta:
        model = Parser
        fields = [
            "id",
            "name",
            "description",
            "extraction_target",
            "default_pages",
            "tier",
            "instructions",
            "review_confidence_threshold",
            "auto_accept",
            "auto_accept_sample_share",
            "configured",
            "version",
            "schema",
            "created_at",
            "updated_at",
            "archived_at",
        ]
        read_only_fields = fields

    def get_version(self, parser: Parser) -> int | None:
        version = parser.current_version
        return version.number if version is not None else None

    @extend_schema_field(NullableSchemaField)
    def get_schema(self, parser: Parser) -> dict[str, Any] | None:
        version = parser.current_version
        return version.schema if version is not None else None


class ParserWriteSerializer(serializers.Serializer):
    """Body of POST (create) and PATCH (update, every field optional)."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    extraction_target = serializers.ChoiceField(choices=ExtractionTarget.values, required=False)
    default_pages = serializers.RegexField(
        PAGE_SELECTION_RE,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text='Page selection used when a submission gives none, e.g. "1-3" or "1,3,5-".',
    )
    tier = serializers.ChoiceField(
        choices=Tier.values,
        required=False,
        help_text="Only standard (1 credit per page) is offered until the model tier exists.",
        error_messages={"invalid_choice": TIER_NOT_OFFERED.replace("{tier}", "{input}")},
    )
    instructions = serializers.CharField(
        required=False, allow_blank=True, max_length=10000, help_text=INSTRUCTIONS_HELP
    )
    review_confidence_threshold = ShareField(
        required=False,
        allow_null=True,
        help_text="Values less confident than this are flagged for review; null: the "
        "organization's threshold.",
    )
    auto_accept = serializers.BooleanField(
        required=False,
        help_text="Automation policy: accept documents with no flagged value (and no "
        "duplicate) without a person; they become reviewed with review_source auto.",
    )
    auto_accept_sample_share = ShareField(
        required=False,
        help_text="Share (0 to 1, default 0.02) of the documents that would be accepted "
        "that go to the review queue instead, as samples measuring the error rate.",
    )
    schema = NullableSchemaField(
        required=False,
        allow_null=True,
        help_text="A schema (creates version 1, or the next version when it changes). "
        "Omit or null at creation for a parser that is not configured yet.",
    )

    def validate_schema(self, value: Any) -> Any:
        if value is None and self.partial:
            raise serializers.ValidationError(
                "A parser's schema cannot be removed; publish another schema instead."
            )
        return value


class ParserVersionSerializer(serializers.ModelSerializer):
    parser_id = serializers.CharField(source="parser.public_id", read_only=True)
    schema = SchemaField(read_only=True)
    current = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField(
        help_text="Email of the user who published it (null for an API key)."
    )

    class Meta:
        model = ParserVersion
        fields = ["parser_id", "number", "current", "schema", "created_by", "created_at"]
        read_only_fields = fields

    def get_current(self, version: ParserVersion) -> bool:
        return version.parser.current_version_id == version.pk

    def get_created_by(self, version: ParserVersion) -> str | None:
        return version.created_by.email if version.created_by_id else None


# --- Schemas --------------------------------------------------------------------------------


class SchemaValidateRequestSerializer(serializers.Serializer):
    schema = serializers.JSONField(help_text="The proposed schema (any JSON value).")


class SchemaErrorSerializer(serializers.Serializer):
    path = serializers.CharField(
        allow_blank=True,
        help_text='Dotted path of the problem, e.g. "properties.lines.items.type" ("" = root).',
    )
    message = serializers.CharField()


class SchemaValidateResponseSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    errors = SchemaErrorSerializer(many=True)


class SchemaSuggestRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A PDF or image (type decided by its content).")
    pages = serializers.RegexField(
        PAGE_SELECTION_RE,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text='Pages to read, e.g. "1-2" (at most 5 are read; default: the first 5).',
    )


class SchemaSuggestResponseSerializer(serializers.Serializer):
    schema = SchemaField()
    page_count = serializers.IntegerField(help_text="Pages read (and charged).")
    document_page_count = serializers.IntegerField()
    credits_used = serializers.IntegerField()
    valid = serializers.BooleanField(
        help_text="Whether the proposal passes validation as is (it may need editing)."
    )
    errors = SchemaErrorSerializer(many=True)


# --- Classifiers ----------------------------------------------------------------------------


class ClassifierLabelSerializer(serializers.ModelSerializer):
    parser_id = serializers.SerializerMethodField()

    class Meta:
        model = ClassifierLabel
        fields = ["name", "description", "keywords", "parser_id"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parser_id(self, label: ClassifierLabel) -> str | None:
        return label.parser.public_id if label.parser_id else None


class ClassifierSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    labels = ClassifierLabelSerializer(many=True, read_only=True)

    class Meta:
        model = Classifier
        fields = [
            "id",
            "name",
            "description",
            "threshold",
            "labels",
            "created_at",
            "updated_at",
            "archived_at",
        ]
        read_only_fields = fields


class ClassifierLabelWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    parser_id = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=40,
        help_text="The parser documents of this label are extracted with (same organization).",
    )


class ClassifierWriteSerializer(serializers.Serializer):
    """Body of POST (create) and PATCH (update; ``labels`` replaces the whole list)."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    threshold = serializers.FloatField(
        required=False,
        min_value=0.0,
        max_value=1.0,
        help_text="Minimum classification score to route a document (0-1, default 0.2).",
    )
    labels = serializers.ListField(
        child=ClassifierLabelWriteSerializer(), min_length=1, max_length=100
    )
