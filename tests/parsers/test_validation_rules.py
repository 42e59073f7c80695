"""Validation rules in a parser schema: per-field keywords (minimum, maximum, pattern, ...) and
the cross-field block ``x-validation``, each mistake reported at its own path."""

from __future__ import annotations

import copy

import pytest

from docgen import INVOICE_SCHEMA
from parsers import rules
from parsers.schema import validate_schema

RULES = {
    "roles": {
        "issuer": "issuer",
        "document_number": "invoice_number",
        "document_date": "date",
        "net": "subtotal",
        "tax": "tax",
        "gross": "total",
    },
    "line_items": {
        "field": "lines",
        "quantity": "quantity",
        "unit_price": "unit_price",
        "amount": "amount",
        "sum_to": "net",
    },
    "date_range": {"fields": ["due_date"], "days_before": 0, "days_after": 60},
}


def invoice(**block) -> dict:
    schema = copy.deepcopy(INVOICE_SCHEMA)
    schema["x-validation"] = copy.deepcopy(block or RULES)
    return schema


def errors(schema) -> list[tuple[str, str]]:
    return [(e.path, e.message) for e in validate_schema(schema)]


def test_a_complete_rule_block_is_valid_and_read_back() -> None:
    schema = invoice()
    schema["properties"]["total"]["minimum"] = 0
    schema["properties"]["lines"]["items"]["properties"]["quantity"]["maximum"] = 10_000
    schema["properties"]["invoice_number"]["pattern"] = "^INV-[0-9]+$"
    assert errors(schema) == []
    read = rules.cross_field_rules(schema)
    assert read.roles["gross"] == "total" and read.roles["document_date"] == "date"
    assert read.line_items == rules.LineItems("lines", "quantity", "unit_price", "amount", "net")
    assert read.date_range == rules.DateRange(("due_date",), 0, 60)


def test_roles_reach_into_groups_by_dotted_paths() -> None:
    schema = {
        "type": "object",
        "properties": {
            "totals": {
                "type": "object",
                "properties": {
                    "net": {"type": "number"},
                    "vat": {"type": "number"},
                    "gross": {"type": "number"},
                },
            }
        },
        "x-validation": {
            "roles": {"net": "totals.net", "tax": "totals.vat", "gross": "totals.gross"}
        },
    }
    assert errors(schema) == []
    assert rules.cross_field_rules(schema).roles["tax"] == "totals.vat"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            {"roles": {"gross": "totl"}},
            [
                (
                    "x-validation.roles.gross",
                    'No field "totl" (a list\'s columns are named under "line_items").',
                )
            ],
        ),
        (
            {"roles": {"net": "customer"}},
            [
                (
                    "x-validation.roles.net",
                    '"customer" is a string; this needs a number or an integer field.',
                )
            ],
        ),
        (
            {"roles": {"document_date": "total"}},
            [("x-validation.roles.document_date", '"total" is a number; this needs a date field.')],
        ),
        (
            {"roles": {"vendor": "issuer"}},
            [
                (
                    "x-validation.roles.vendor",
                    'Unknown role "vendor": use issuer, document_number, document_date, net, '
                    "tax, gross.",
                )
            ],
        ),
        (
            {"roles": {"net": "total", "gross": "total"}},
            [("x-validation.roles.gross", '"total" already plays "net": one role per field.')],
        ),
        (
            {"line_items": {"field": "customer"}},
            [
                (
                    "x-validation.line_items.field",
                    'Name a list of groups (line items), e.g. "lines".',
                )
            ],
        ),
        (
            {"line_items": {"field": "lines", "amount": "price"}},
            [("x-validation.line_items.amount", '"lines" has no column "price".')],
        ),
        (
            {"line_items": {"field": "lines", "amount": "description"}},
            [
                (
                    "x-validation.line_items.amount",
                    'Column "description" must be a number or an integer.',
                )
            ],
        ),
        (
            {"line_items": {"field": "lines", "amount": "amount", "sum_to": "gross"}},
            [("x-validation.line_items.sum_to", 'Name the "gross" field under "roles" first.')],
        ),
        (
            {
                "roles": {"document_date": "date"},
                "date_range": {"fields": ["total"], "days_after": -1},
            },
            [
                (
                    "x-validation.date_range.fields.0",
                    '"total" is a number; this needs a date field.',
                ),
                ("x-validation.date_range.days_after", "A whole number of days from 0 to 3660."),
            ],
        ),
        (
            {"date_range": {"fields": ["due_date"]}},
            [("x-validation.date_range", 'Name the "document_date" field under "roles" first.')],
        ),
        (
            {"checks": ["all"]},
            [("x-validation.checks", 'Unknown key "checks": use roles, line_items, date_range.')],
        ),
    ],
)
def test_each_mistake_is_reported_at_its_path(block, expected) -> None:
    assert errors(invoice(**block)) == expected


def test_the_block_is_only_allowed_at_the_root_and_must_be_an_object() -> None:
    schema = invoice()
    schema["properties"]["lines"]["x-validation"] = {}
    assert (
        "properties.lines.x-validation",
        '"x-validation" is only allowed at the root of the schema.',
    ) in errors(schema)
    assert errors({**INVOICE_SCHEMA, "x-validation": []}) == [
        ("x-validation", '"x-validation" must be a JSON object (roles, line_items, date_range).')
    ]


def test_minimum_and_maximum_on_numbers_only() -> None:
    schema = copy.deepcopy(INVOICE_SCHEMA)
    props = schema["properties"]
    props["total"].update(minimum=10, maximum=5)
    props["tax"]["minimum"] = "0"
    props["currency"]["minimum"] = 0
    props["lines"]["items"]["properties"]["quantity"]["minimum"] = 1
    assert errors(schema) == [
        ("properties.currency.minimum", '"minimum" only applies to "number" and "integer" fields.'),
        ("properties.tax.minimum", '"minimum" must be a number.'),
        ("properties.total.maximum", '"maximum" (5) is below "minimum" (10).'),
    ]


def test_identity_fields_come_from_roles_or_from_names() -> None:
    assert rules.identity_fields(INVOICE_SCHEMA) == {
        "issuer": "issuer",
        "document_number": "invoice_number",
        "total": "total",
    }
    camel = {
        "type": "object",
        "properties": {
            "vendorName": {"type": "string"},
            "vendorAddress": {"type": "string"},
            "orderNumber": {"type": "string"},
            "invoiceNo": {"type": "string"},
            "subTotal": {"type": "number"},
            "totalTax": {"type": "number"},
            "amountDue": {"type": "number"},
        },
    }
    assert rules.identity_fields(camel) == {
        "issuer": "vendorName",
        "document_number": "invoiceNo",
        "total": "amountDue",
    }
    described = {
        "type": "object",
        "properties": {
            "f1": {"type": "string", "description": "Name of the supplier"},
            "f2": {"type": "number", "description": "Grand total"},
        },
    }
    assert rules.identity_fields(described) == {"issuer": "f1", "total": "f2"}
    # the customer's roles win over names
    named = {
        **camel,
        "x-validation": {"roles": {"issuer": "vendorAddress", "gross": "subTotal"}},
    }
    assert rules.identity_fields(named)["issuer"] == "vendorAddress"
    assert rules.identity_fields(named)["total"] == "subTotal"


def test_the_schema_validation_endpoint_reports_rule_errors(client_a) -> None:
    response = client_a.post(
        "/v1/schemas/validate", {"schema": invoice(roles={"gross": "nope"})}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert [e["path"] for e in body["errors"]] == ["x-validation.roles.gross"]
