"""Exports: documents as a finished run leaves them (no engine: the outputs are the test)."""

from __future__ import annotations

from typing import Any

import pytest

from extractions.models import Document, DocumentStatus, Extraction
from parsers.services import create_parser
from tests.media import _media_in_tmp  # noqa: F401

# An invoice with a nested object and line items: dotted columns, items as rows.
INVOICE = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string"},
        "seller": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "vat_id": {"type": "string"}},
        },
        "total": {"type": "number"},
        "paid": {"type": "boolean"},
        "line_items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "quantity": {"type": "number"},
                    "amount": {"type": "number"},
                },
            },
        },
    },
}
RECEIPT = {
    "type": "object",
    "properties": {"merchant": {"type": "string"}, "total": {"type": "number"}},
}


def invoice(number: str, items: int, *, seller: str = "Acme GmbH") -> dict[str, Any]:
    return {
        "invoice_number": number,
        "seller": {"name": seller, "vat_id": "DE123456789"},
        "total": 10.5 * items,
        "paid": False,
        "line_items": [
            {"description": f"Item {i + 1}", "quantity": i + 1, "amount": 10.5}
            for i in range(items)
        ],
    }


@pytest.fixture
def invoices_a(org_a):
    return create_parser(organization=org_a.organization, name="Invoices", schema=INVOICE)


@pytest.fixture
def receipts_a(org_a):
    return create_parser(organization=org_a.organization, name="Receipts", schema=RECEIPT)


def make_extraction(parser, outputs: list[Any], *, status: str = "completed") -> Extraction:
    """An extraction of ``parser`` with one completed document per output (``None``: failed)."""
    organization = parser.organization
    extraction = Extraction.objects.create(
        organization=organization,
        parser=parser,
        parser_version=parser.current_version,
        status=status,
        file_count=len(outputs),
    )
    Document.objects.bulk_create(
        Document(
            organization=organization,
            extraction=extraction,
            parser_version=parser.current_version,
            position=i,
            filename=f"doc-{i + 1}.pdf",
            status=DocumentStatus.COMPLETED if output is not None else DocumentStatus.FAILED,
            error_code="" if output is not None else "extraction_failed",
            initial_output=output,
        )
        for i, output in enumerate(outputs)
    )
    return extraction
