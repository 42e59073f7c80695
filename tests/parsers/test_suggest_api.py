"""POST /v1/schemas/suggest on generated documents: the proposal, the charge, 402, refunds."""

from __future__ import annotations

from io import BytesIO

import pytest

from billing.models import CreditLedgerEntry
from billing.services import adjust_credits, get_balance
from docgen import build_pdf
from tests.parsers.helpers import error_code

pytestmark = pytest.mark.django_db


def invoice_pdf(*, extra_pages: int = 0) -> bytes:
    """A one-page invoice (plus blank-ish extra pages) with labelled header fields, a line-item
    table and totals."""
    page = [
        (50, 60, "ACME Supplies Ltd", 18),
        (50, 80, "12 Harbour Road, Bristol BS1 4QA", 10),
        (400, 60, "INVOICE", 20),
        (50, 130, "Invoice Number:", 11),
        (160, 130, "INV-2024-0042", 11),
        (50, 148, "Invoice Date:", 11),
        (160, 148, "15/03/2024", 11),
        (50, 166, "Due Date:", 11),
        (160, 166, "14/04/2024", 11),
        (50, 184, "Customer:", 11),
        (160, 184, "Globex Corporation", 11),
        (50, 240, "Description", 11),
        (300, 240, "Qty", 11),
        (370, 240, "Unit Price", 11),
        (470, 240, "Amount", 11),
        (50, 262, "Steel brackets", 11),
        (300, 262, "10", 11),
        (370, 262, "50.00", 11),
        (470, 262, "500.00", 11),
        (50, 280, "Hex bolts (box)", 11),
        (300, 280, "20", 11),
        (370, 280, "35.00", 11),
        (470, 280, "700.00", 11),
        (370, 330, "Subtotal:", 11),
        (470, 330, "1,200.00", 11),
        (370, 348, "VAT 20%:", 11),
        (470, 348, "240.00", 11),
        (370, 366, "Total:", 11),
        (470, 366, "1,440.00", 11),
    ]
    extra = [[(50, 60, f"Terms and conditions, page {i + 2}", 11)] for i in range(extra_pages)]
    return build_pdf([page, *extra])


def _post(client, data: bytes, name: str = "invoice.pdf", **fields):
    upload = BytesIO(data)
    upload.name = name
    return client.post("/v1/schemas/suggest", {"file": upload, **fields}, format="multipart")


def _texts(prop: dict) -> str:
    return " ".join(str(prop.get(k, "")) for k in ("title", "description")).lower()


def test_suggest_on_an_invoice_finds_its_number_and_total(org_a, client_a):
    org = org_a.organization
    before = get_balance(organization=org)
    response = _post(client_a, invoice_pdf())
    assert response.status_code == 200, response.json()
    body = response.json()
    props = body["schema"]["properties"]

    def has(*words):
        return [
            name
            for name, prop in props.items()
            if all(w in f"{name} {_texts(prop)}".lower() for w in words)
        ]

    assert has("invoice", "number"), sorted(props)
    assert has("total"), sorted(props)
    assert body["schema"]["type"] == "object"
    assert body["valid"] is True, body["errors"]
    assert (body["page_count"], body["document_page_count"], body["credits_used"]) == (1, 1, 1)
    assert get_balance(organization=org) == before - 1
    entry = CreditLedgerEntry.objects.filter(organization=org).latest("id")
    assert (entry.kind, entry.delta) == ("charge", -1)
    assert "invoice.pdf" in entry.reason


def test_suggest_reads_at_most_five_pages_and_charges_them(org_a, client_a):
    org = org_a.organization
    before = get_balance(organization=org)
    body = _post(client_a, invoice_pdf(extra_pages=6)).json()
    assert (body["page_count"], body["document_page_count"], body["credits_used"]) == (5, 7, 5)
    body = _post(client_a, invoice_pdf(extra_pages=6), pages="1,7").json()
    assert body["credits_used"] == 2
    assert get_balance(organization=org) == before - 7


def test_suggest_on_a_three_page_lease_proposes_at_most_25_valid_fields(org_a, client_a):
    from docgen.business import LEASE_FOOTER_LABELS, german_lease_pdf
    from extractions.engine.parsing.suggest import MAX_PROPERTIES, snake_case

    pdf, values = german_lease_pdf(3)
    body = _post(client_a, pdf, name="mietvertrag.pdf").json()
    props = body["schema"]["properties"]
    assert body["valid"] is True, body["errors"]
    assert body["page_count"] == 3
    assert 0.9 * len(values) <= len(props) <= MAX_PROPERTIES
    assert not {snake_case(label) for label in LEASE_FOOTER_LABELS} & set(props)


def test_insufficient_credits_is_402_before_any_work(org_a, client_a, monkeypatch):
    org = org_a.organization
    adjust_credits(
        organization=org, delta=-get_balance(organization=org), reason="t", staff_user=None
    )

    def must_not_run(*args, **kwargs):
        raise AssertionError("the engine ran although the balance cannot pay")

    monkeypatch.setattr("extractions.engine.read_pages", must_not_run, raising=False)
    response = _post(client_a, invoice_pdf())
    assert response.status_code == 402
    assert error_code(response) == "INSUFFICIENT_CREDITS"
    assert get_balance(organization=org) == 0
    assert not CreditLedgerEntry.objects.filter(organization=org, kind="charge").exists()


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00 this is a windows program", b"just some text, not a document", b""],
)
def test_unsupported_file_by_content_not_name(org_a, client_a, data):
    before = get_balance(organization=org_a.organization)
    response = _post(client_a, data, name="looks-like.pdf")
    assert response.status_code == 400
    assert error_code(response) in {"UNSUPPORTED_FILE_TYPE", "INVALID_PAYLOAD"}
    if data:
        assert error_code(response) == "UNSUPPORTED_FILE_TYPE"
    assert get_balance(organization=org_a.organization) == before


def test_bad_page_selection_is_400_and_free(org_a, client_a):
    before = get_balance(organization=org_a.organization)
    response = _post(client_a, invoice_pdf(), pages="9")
    assert response.status_code == 400
    assert error_code(response) == "INVALID_PAYLOAD"
    assert get_balance(organization=org_a.organization) == before


def test_engine_failure_is_refunded(org_a, client_a, monkeypatch):
    from extractions.engine import EngineError

    def broken(*args, **kwargs):
        raise EngineError("extraction_failed", "Page 1 cannot be read.")

    monkeypatch.setattr("extractions.engine.read_pages", broken, raising=False)
    org = org_a.organization
    before = get_balance(organization=org)
    response = _post(client_a, invoice_pdf())
    assert response.status_code == 400
    assert error_code(response) == "EXTRACTION_FAILED"
    assert get_balance(organization=org) == before
    kinds = list(
        CreditLedgerEntry.objects.filter(organization=org)
        .order_by("id")
        .values_list("kind", "delta")
    )
    assert kinds[-2:] == [("charge", -1), ("refund", 1)]


def test_missing_file(client_a):
    response = client_a.post("/v1/schemas/suggest", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["details"]["fields"]


def test_validate_endpoint(client_a):
    ok = client_a.post(
        "/v1/schemas/validate",
        {"schema": {"type": "object", "properties": {"a": {"type": "string"}}}},
        format="json",
    )
    assert ok.status_code == 200
    assert ok.json() == {"valid": True, "errors": []}
    bad = client_a.post(
        "/v1/schemas/validate",
        {"schema": {"type": "object", "properties": {"a": {"type": "array"}}}},
        format="json",
    )
    assert bad.status_code == 200
    assert bad.json()["valid"] is False
    assert bad.json()["errors"][0]["path"] == "properties.a.items"
    assert client_a.post("/v1/schemas/validate", {}, format="json").status_code == 400


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_suggest_on_an_image_sample(org_a, client_a, fmt):
    """An image sample was read for its page count, which closed the upload; reading it again
    for the suggestion answered 500 (schemathesis found it)."""
    from tests.reliability.mutants import image_bytes

    before = get_balance(organization=org_a.organization)
    response = _post(
        client_a, image_bytes(fmt, (600, 200), "Invoice number: INV-7"), f"scan.{fmt.lower()}"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["page_count"], body["credits_used"]) == (1, 1)
    assert body["schema"]["type"] == "object"
    assert get_balance(organization=org_a.organization) == before - 1
