"""validate_schema: the accepted subset, and every rejected construct with its exact path."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from parsers.schema import MAX_DEPTH, MAX_FIELDS, validate_schema

INVOICE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Invoice",
    "type": "object",
    "additionalProperties": False,
    "required": ["invoice_number"],
    "properties": {
        "invoice_number": {
            "type": ["string", "null"],
            "description": "Invoice number as printed.",
            "x-aliases": ["Invoice No.", "Facture n°"],
        },
        "date": {"type": "string", "format": "date"},
        "total": {"type": "number"},
        "quantity": {"type": "integer"},
        "paid": {"type": "boolean"},
        "currency": {"type": "string", "enum": ["EUR", "USD"], "pattern": "^[A-Z]{3}$"},
        "kind": {"enum": ["invoice", "credit_note"]},
        "seller": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "vat_id": {"type": "string"}},
        },
        "tags": {"type": "array", "items": {"type": "string"}},
        "lines": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "properties": {
                    "description": {"type": ["string", "null"]},
                    "amount": {"type": ["number", "null"]},
                },
            },
        },
        "numéro_client": {"type": "string"},
    },
}


def _errors(schema) -> list[tuple[str, str]]:
    return [(e.path, e.message) for e in validate_schema(schema)]


def _paths(schema) -> list[str]:
    return [e.path for e in validate_schema(schema)]


def _with(path: list[str], value, base=None):
    """A copy of ``base`` (the invoice) with the node at ``path`` replaced by ``value``."""
    schema = copy.deepcopy(base or INVOICE)
    node = schema
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return schema


def test_the_supported_subset_is_valid():
    assert _errors(INVOICE) == []


@pytest.mark.parametrize("name", ["invoice", "receipt", "contract", "form"])
def test_corpus_schemas_are_valid(name):
    path = Path(__file__).resolve().parents[3] / "shared/corpus/dev/schemas" / f"{name}.json"
    if not path.exists():
        pytest.skip("corpus not available")
    assert _errors(json.loads(path.read_text())) == []


@pytest.mark.parametrize("root", [[], "object", 3, None, True])
def test_non_object_root(root):
    assert _paths(root) == [""]


def test_root_must_be_an_object_type():
    errors = _errors({"type": "string"})
    assert errors[0][0] == "type"
    assert "root" in errors[0][1]


def test_unknown_type_in_a_nested_line_item():
    schema = _with(["properties", "lines", "items", "properties", "amount"], {"type": "money"})
    errors = _errors(schema)
    assert [p for p, _ in errors] == ["properties.lines.items.properties.amount.type"]
    assert "money" in errors[0][1]


def test_non_json_schema_types_get_a_hint():
    errors = _errors(_with(["properties", "date"], {"type": "date"}))
    assert errors == [
        (
            "properties.date.type",
            'Unknown type "date"; use "type": "string" with "format": "date" for a date.',
        )
    ]


@pytest.mark.parametrize(
    "type_value",
    [[], ["string", "number"], ["null"], ["string", "string"]],
)
def test_bad_type_lists(type_value):
    assert _paths(_with(["properties", "total", "type"], type_value)) == ["properties.total.type"]


def test_missing_type():
    assert _paths(_with(["properties", "total"], {"description": "x"})) == ["properties.total.type"]


@pytest.mark.parametrize("properties", [{}, None])
def test_empty_objects(properties):
    seller = {"type": "object"} if properties is None else {"type": "object", "properties": {}}
    assert _paths(_with(["properties", "seller"], seller)) == ["properties.seller.properties"]
    root = {"type": "object", "properties": {}}
    assert _paths(root) == ["properties"]


def test_empty_line_item_object():
    schema = _with(["properties", "lines", "items", "properties"], {})
    assert _paths(schema) == ["properties.lines.items.properties"]


@pytest.mark.parametrize("name", ["2nd_total", "total-amount", "total amount", "", "a.b", "x" * 65])
def test_invalid_names(name):
    schema = _with(["properties", "seller", "properties", name], {"type": "string"})
    assert _paths(schema) == [f"properties.seller.properties.{name}"]


def test_name_of_64_characters_is_fine():
    assert _errors(_with(["properties", "x" * 64], {"type": "string"})) == []


def test_duplicate_names_ignoring_case():
    schema = _with(["properties", "lines", "items", "properties", "Amount"], {"type": "number"})
    errors = _errors(schema)
    assert [p for p, _ in errors] == ["properties.lines.items.properties.Amount"]
    assert "Duplicate" in errors[0][1]


@pytest.mark.parametrize("values", [[], None, "EUR"])
def test_enum_without_values(values):
    assert _paths(_with(["properties", "currency", "enum"], values)) == ["properties.currency.enum"]


def test_enum_values_must_match_the_type_and_be_unique():
    schema = _with(["properties", "currency", "enum"], ["EUR", 3, "EUR", None])
    assert _paths(schema) == [
        "properties.currency.enum.1",
        "properties.currency.enum.2",
        "properties.currency.enum.3",
    ]
    nullable = _with(
        ["properties", "currency"], {"type": ["string", "null"], "enum": ["EUR", None]}
    )
    assert _errors(nullable) == []


def test_arrays_of_arrays():
    schema = _with(
        ["properties", "tags"],
        {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
    )
    assert _errors(schema) == [
        ("properties.tags.items.type", "Arrays of arrays are not supported.")
    ]


def test_array_without_items():
    assert _paths(_with(["properties", "tags"], {"type": "array"})) == ["properties.tags.items"]


def test_unsupported_keywords_and_formats():
    schema = _with(["properties", "total", "exclusiveMinimum"], 0)
    schema = _with(["properties", "date", "format"], "email", schema)
    schema = _with(["properties", "seller", "properties", "name", "$ref"], "#/x", schema)
    schema = _with(["properties", "paid", "anyOf"], [{"type": "boolean"}], schema)
    assert _paths(schema) == [
        "properties.date.format",
        "properties.total.exclusiveMinimum",
        "properties.paid.anyOf",
        "properties.seller.properties.name.$ref",
    ]


def test_keyword_on_the_wrong_type():
    schema = _with(["properties", "total", "format"], "date")
    schema = _with(["properties", "paid", "properties"], {"a": {"type": "string"}}, schema)
    assert _paths(schema) == ["properties.total.format", "properties.paid.properties"]


def test_required_must_name_properties():
    schema = _with(["required"], ["invoice_number", "nope"])
    assert _paths(schema) == ["required.1"]


def test_bad_annotations():
    schema = _with(["properties", "total", "x-aliases"], ["ok", "", 3])
    schema = _with(["properties", "total", "description"], 5, schema)
    assert _paths(schema) == [
        "properties.total.description",
        "properties.total.x-aliases.1",
        "properties.total.x-aliases.2",
    ]


def _nested(levels: int) -> dict:
    node: dict = {"type": "string"}
    for _ in range(levels - 1):
        node = {"type": "object", "properties": {"a": node}}
    return {"type": "object", "properties": {"a": node}}


def test_depth_limit():
    assert _errors(_nested(MAX_DEPTH)) == []
    too_deep = _nested(MAX_DEPTH + 1)
    expected = ".".join(["properties.a"] * MAX_DEPTH) + ".properties"
    errors = _errors(too_deep)
    assert [p for p, _ in errors] == [expected]
    assert f"{MAX_DEPTH} levels" in errors[0][1]


def test_depth_counts_array_items_with_their_array():
    # lines[].a.a.a.a : the array field is level 1, its items' fields level 2, ...
    inner = _nested(MAX_DEPTH - 1)
    schema = {"type": "object", "properties": {"lines": {"type": "array", "items": inner}}}
    assert _errors(schema) == []


def test_field_count_limit():
    fields = {f"f{i}": {"type": "string"} for i in range(MAX_FIELDS)}
    assert _errors({"type": "object", "properties": fields}) == []
    fields["one_more"] = {"type": "number"}
    errors = _errors({"type": "object", "properties": fields})
    assert errors == [("", f"The schema has {MAX_FIELDS + 1} fields; the limit is {MAX_FIELDS}.")]


def test_nul_characters_are_rejected():
    schema = _with(["properties", "total", "description"], "a\x00b")
    assert _paths(schema) == [""]


def test_root_only_keywords():
    schema = _with(["properties", "total", "$schema"], "x")
    assert _paths(schema) == ["properties.total.$schema"]
