"""Model fields shared by the apps."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class OrderedJSONField(models.TextField):
    """JSON kept as text, so that object key order survives a round trip.

    PostgreSQL's jsonb (what ``JSONField`` uses) sorts object keys; for a schema or an extraction
    result the order of fields is meaningful to people (the designer's order, the review form,
    the JSON a customer downloads). These values are never queried by content, so nothing is lost
    by storing them as text.
    """

    description = "JSON (key order preserved)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return self.to_python(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)

    def value_to_string(self, obj: Any) -> str:
        return self.get_prep_value(self.value_from_object(obj)) or ""

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})
