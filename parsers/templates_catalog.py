"""Parser templates to start from: a schema per common kind of document.

Each is a JSON file in ``parser_templates/`` (name, description, extraction target, schema),
read once. A template is a starting point, not a link: a parser created from one owns a copy
of its schema. Offered by the dashboard's "New parser" page and ``GET /v1/parser-templates``;
tests check that each is a valid schema and that the engine fills it on documents of its
kind (tests/parsers/test_templates.py).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from config.errors import NotFoundError

TEMPLATES_DIR = Path(__file__).with_name("parser_templates")
# The order they are offered in.
TEMPLATE_IDS: tuple[str, ...] = (
    "invoice",
    "receipt",
    "purchase_order",
    "bank_statement",
    "contract",
    "id_card",
)


@dataclass(frozen=True, slots=True)
class ParserTemplate:
    template_id: str
    name: str
    description: str
    extraction_target: str
    schema: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "template_id": self.template_id,
            "name": self.name,
            "description": self.description,
            "extraction_target": self.extraction_target,
            "schema": copy.deepcopy(self.schema),
            "field_count": len(self.schema.get("properties") or {}),
        }


@cache
def _load(template_id: str) -> ParserTemplate:
    raw = json.loads((TEMPLATES_DIR / f"{template_id}.json").read_text(encoding="utf-8"))
    return ParserTemplate(
        template_id=template_id,
        name=raw["name"],
        description=raw["description"],
        extraction_target=raw.get("extraction_target", "per_doc"),
        schema=raw["schema"],
    )


def list_templates() -> list[ParserTemplate]:
    return [_load(t) for t in TEMPLATE_IDS]


def get_template(template_id: str) -> ParserTemplate:
    """One template by id; ``NotFoundError`` for an id not in the catalog."""
    if template_id not in TEMPLATE_IDS:
        raise NotFoundError("NOT_FOUND", f"No parser template {template_id!r}.")
    return _load(template_id)


def template_schema(template_id: str) -> dict[str, Any]:
    """A copy of a template's schema, for a parser to own."""
    return copy.deepcopy(get_template(template_id).schema)
