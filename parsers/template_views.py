"""API view of the parser templates (``GET /v1/parser-templates``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import READ, scopes
from parsers.models import ExtractionTarget
from parsers.templates_catalog import list_templates


class ParserTemplateSerializer(serializers.Serializer):
    template_id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    extraction_target = serializers.ChoiceField(choices=ExtractionTarget.values)
    schema = serializers.JSONField(help_text="A JSON Schema to send as a parser's schema.")
    field_count = serializers.IntegerField()


class ParserTemplateListSerializer(serializers.Serializer):
    data = ParserTemplateSerializer(many=True)


class ParserTemplateListView(APIView):
    required_scopes = scopes(get=READ)

    @extend_schema(
        operation_id="parser_templates_list",
        responses={200: ParserTemplateListSerializer},
        description="Schemas to start a parser from (invoice, receipt, purchase order, bank "
        "statement, contract, ID card): send one's `schema` with `POST /v1/parsers`, "
        "changed as you like.",
    )
    def get(self, request: Request) -> Response:
        return Response({"data": [t.as_dict() for t in list_templates()]})
