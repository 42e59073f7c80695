"""The review form generated from a schema, and the posted form turned back into an output."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from docgen import LINE_ITEM_INVOICE_SCHEMA
from extractions.services.review import diff_leaves
from extractions.web.review_form import Evidence, FormErrors, build_form, flatten, parse_form

OUTPUT = {
    "invoice_number": "INV-1",
    "invoice_date": "2026-03-14",
    "total": 225.0,
    "line_items": [
        {"description": "Bolts", "quantity": 12.0, "unit_price": 2.5, "amount": 30.0},
        {"description": "Wire", "quantity": 3.0, "unit_price": 45.0, "amount": 135.0},
    ],
}
EVIDENCE = Evidence(
    confidence={"invoice_number": 0.99, "total": 0.5, "line_items[1].amount": 0.7},
    citations={"invoice_number": {"page": 1, "bbox": [0.1, 0.1, 0.2, 0.12], "text": "INV-1"}},
    threshold=0.8,
)


def posted(nodes) -> QueryDict:
    """What the browser sends back for an untouched form."""
    data = QueryDict(mutable=True)
    for node in flatten(nodes):
        data[node.input_name] = node.display
    return data


def test_form_follows_the_schema_with_confidence_and_citations() -> None:
    nodes = build_form(
        schema=LINE_ITEM_INVOICE_SCHEMA, target="per_doc", output=OUTPUT, evidence=EVIDENCE
    )
    assert [n.name for n in nodes] == ["invoice_number", "invoice_date", "total", "line_items"]
    number, date, total, items = nodes
    assert number.cited and number.source_text == "INV-1" and not number.low
    assert total.low and total.display == "225" and total.input_type == "number"
    assert date.input_type == "date"
    assert items.kind == "table" and len(items.children) == 2
    assert [c.name for c in items.columns] == ["description", "quantity", "unit_price", "amount"]
    assert items.children[1].children[3].path == "line_items[1].amount"
    assert items.children[1].children[3].low


def test_unchanged_form_is_the_same_output() -> None:
    nodes = build_form(
        schema=LINE_ITEM_INVOICE_SCHEMA, target="per_doc", output=OUTPUT, evidence=EVIDENCE
    )
    again = parse_form(
        schema=LINE_ITEM_INVOICE_SCHEMA, target="per_doc", post=posted(nodes), current=OUTPUT
    )
    assert again == OUTPUT and diff_leaves(OUTPUT, again) == []


def test_edits_removed_and_added_rows() -> None:
    nodes = build_form(
        schema=LINE_ITEM_INVOICE_SCHEMA, target="per_doc", output=OUTPUT, evidence=EVIDENCE
    )
    data = posted(nodes)
    data["f:total"] = "1,230.50"
    for key in [k for k in data if k.startswith("f:line_items[0].")]:
        del data[key]  # row 0 removed
    data["f:line_items[2].description"] = "Gloves"  # a row added in the browser
    data["f:line_items[2].quantity"] = "4"
    data["f:line_items[3].description"] = ""  # an added row left empty is dropped
    out = parse_form(schema=LINE_ITEM_INVOICE_SCHEMA, target="per_doc", post=data, current=OUTPUT)
    assert out["total"] == 1230.5
    assert out["line_items"] == [
        OUTPUT["line_items"][1],
        {"description": "Gloves", "quantity": 4, "unit_price": None, "amount": None},
    ]


def test_values_of_the_wrong_kind_are_reported_by_path() -> None:
    data = QueryDict(mutable=True)
    data["f:total"] = "abc"
    data["f:line_items[0].quantity"] = "x"
    with pytest.raises(FormErrors) as caught:
        parse_form(schema=LINE_ITEM_INVOICE_SCHEMA, target="per_doc", post=data, current=OUTPUT)
    assert set(caught.value.errors) == {"total", "line_items[0].quantity"}


def test_list_targets_and_choices() -> None:
    schema = {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["a", "b"]},
            "paid": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
    }
    output = [
        {"kind": "a", "paid": True, "tags": ["x", "y"]},
        {"kind": None, "paid": None, "tags": []},
    ]
    nodes = build_form(schema=schema, target="per_page", output=output, evidence=EVIDENCE)
    assert [n.name for n in nodes] == ["Item 1", "Item 2"]
    assert nodes[0].children[0].kind == "choice" and nodes[0].children[1].display == "yes"
    data = posted(nodes)
    data["f:[1].kind"] = "b"
    data["f:[1].paid"] = "no"
    data["f:[1].tags"] = "p\nq"
    out = parse_form(schema=schema, target="per_page", post=data, current=output)
    assert out == [output[0], {"kind": "b", "paid": False, "tags": ["p", "q"]}]
    data["f:[1].kind"] = "zzz"
    with pytest.raises(FormErrors):
        parse_form(schema=schema, target="per_page", post=data, current=output)
