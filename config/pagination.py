"""The one list shape of the API: ``{"data": [...], "next_cursor": "..." | null}``.

Cursor pagination (stable under inserts, no COUNT query), newest first on
``(-created_at, -id)``. Query parameters: ``cursor`` (the ``next_cursor`` of the previous page)
and ``limit`` (1-100, default 20). A malformed cursor is a 400 INVALID_CURSOR.

Use it from any view::

    page, paginator = paginate(request, queryset, view=self)
    return paginator.get_paginated_response(MySerializer(page, many=True).data)

or set ``pagination_class = CreatedCursorPagination`` on a generic view. Subclass and set
``ordering`` for another order (the first field must be unique enough and indexed).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import APIError


class CreatedCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100
    cursor_query_param = "cursor"
    cursor_query_description = "The `next_cursor` of the previous page."
    page_size_query_description = "Items per page (1-100, default 20)."

    def encode_cursor(self, cursor: Any) -> str:
        # The bare token, not a URL: clients pass it back as ?cursor=.
        url = super().encode_cursor(cursor)
        from urllib.parse import parse_qs, urlparse

        return parse_qs(urlparse(url).query)[self.cursor_query_param][0]

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise APIError(
                "INVALID_CURSOR",
                "The cursor is invalid; pass the next_cursor of a previous page.",
            ) from None

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise APIError(
                "INVALID_PAYLOAD",
                f"limit: must be an integer between 1 and {self.max_page_size}.",
                details={"fields": {"limit": [f"Between 1 and {self.max_page_size}."]}},
            )
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"data": data, "next_cursor": self.get_next_link()})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["data", "next_cursor"],
            "properties": {
                "data": schema,
                "next_cursor": {
                    "type": "string",
                    "nullable": True,
                    "description": "Pass as ?cursor= for the next page; null on the last page.",
                },
            },
        }


def paginate(
    request: Request,
    queryset: QuerySet,
    *,
    view: Any = None,
    pagination_class: type[CursorPagination] = CreatedCursorPagination,
) -> tuple[list[Any], CursorPagination]:
    """One page of ``queryset`` and the paginator that answers it."""
    paginator = pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return list(page or []), paginator
