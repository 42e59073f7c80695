"""Review at speed, in a real browser: a 20-field invoice reviewed by keyboard alone (every
flagged field reached and corrected, approved, the next document of the queue open) within 40
key presses, counted; undo; and the page image's zoom, fit, rotate, pan and the selected
field's box brought into view at a readable size."""

from __future__ import annotations

import copy
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from docgen import INVOICE_SCHEMA, invoice_pdf
from extractions.models import Document, DocumentEdit
from parsers.services import create_parser
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD, api_client_for_key
from tests.worker import eager_celery  # noqa: F401  (fixture)

KEY_BUDGET = 40
# 8 header fields and 3 line items of 4 columns: 20 fields.
SCHEMA = copy.deepcopy(INVOICE_SCHEMA)
del SCHEMA["properties"]["customer"]
SCHEMA["required"] = ["invoice_number", "date", "due_date", "total"]


class Keys:
    """Playwright's keyboard, counting every key pressed (a chord counts each of its keys)."""

    def __init__(self, page) -> None:
        self.page = page
        self.count = 0

    def press(self, chord: str) -> None:
        self.count += len(chord.split("+"))
        self.page.keyboard.press(chord)

    def type(self, text: str) -> None:
        self.count += len(text)
        self.page.keyboard.type(text)


def _field(page, path: str):
    return page.locator(f'[name="f:{path}"]')


@pytest.fixture
def queue(page, org_a, eager_celery):  # noqa: F811
    """Two invoices of org A in the review queue; the first one's output is the truth with four
    values spoiled: a required date left empty and three wrong values of low confidence."""
    parser = create_parser(organization=org_a.organization, name="Invoices", schema=SCHEMA)
    files, truths = [], []
    for seed, name in ((3, "first.pdf"), (4, "second.pdf")):
        pdf, truth = invoice_pdf(seed=seed, rows_per_page=3)
        del truth["customer"]
        files.append(SimpleUploadedFile(name, pdf, "application/pdf"))
        truths.append(truth)
    submitted = api_client_for_key(org_a.api_key_secret).post(
        "/v1/extractions",
        {"parser_id": parser.public_id, "files": files},
        format="multipart",
    )
    assert submitted.status_code == 202, submitted.content
    first, second = Document.objects.order_by("filename")
    truth = truths[0]
    spoiled = copy.deepcopy(truth)
    spoiled["due_date"] = None
    spoiled["currency"] = "FUR"
    spoiled["tax"] = round(truth["tax"] + 90, 2)
    spoiled["lines"][1]["quantity"] = truth["lines"][1]["quantity"] + 30
    confidence = {path: 0.99 for path in (first.confidence or {})}
    confidence |= {"currency": 0.31, "tax": 0.42, "lines[1].quantity": 0.38}
    confidence.pop("due_date", None)
    Document.objects.filter(pk=first.pk).update(
        initial_output=spoiled,
        reviewed_output=None,
        confidence=confidence,
        validation=None,  # worked out again from the spoiled output (the required date)
        review_score=0.31,
        created_at=first.created_at - timedelta(seconds=5),
    )
    Document.objects.filter(pk=second.pk).update(review_score=0.2)
    page.goto("/login/")
    page.get_by_label("Email").fill(org_a.member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("home-balance")).to_be_visible()
    first.refresh_from_db()
    return first, second, truth


@pytest.mark.django_db(transaction=True)
def test_a_20_field_invoice_reviewed_by_keyboard_within_40_keys(page, queue) -> None:
    first, second, truth = queue
    page.goto(f"/extractions/{first.extraction.public_id}/documents/{first.public_id}/")
    expect(page.get_by_test_id("review-form")).to_be_visible()
    fields = page.locator("#review-form [data-field-path]")
    assert fields.count() == 20
    expect(page.get_by_test_id("flagged-count")).to_have_text("4 flagged")
    expect(page.get_by_test_id("low-count")).to_contain_text("(3 below")
    # The keys are listed on the page.
    shortcuts = page.get_by_test_id("review-shortcuts")
    for key in ("Enter", "Shift", "Ctrl", "Z"):
        expect(shortcuts).to_contain_text(key)
    expect(page.get_by_test_id("approve-review")).to_have_text("Approve and next")
    # Dates read as stored (ISO), whatever the browser's locale.
    expect(_field(page, "date")).to_have_value(truth["date"])

    keys = Keys(page)
    # The page opens on the first flagged field, in form order: the required, empty date.
    corrections = [
        ("due_date", truth["due_date"]),
        ("currency", truth["currency"]),
        ("tax", f"{truth['tax']:.2f}"),
        ("lines[1].quantity", str(truth["lines"][1]["quantity"])),
    ]
    for n, (path, value) in enumerate(corrections):
        expect(_field(page, path)).to_be_focused()
        keys.type(value)  # the flagged value is selected: typing replaces it
        expect(_field(page, path)).to_have_value(value)
        keys.press("Enter")  # on to the next flagged field (Enter never approves)
        if path == "currency":
            # A corrected value is no longer styled low, and the header counts what is left.
            expect(page.get_by_test_id("low-count")).to_contain_text("(2 below")
            expect(_field(page, "currency")).not_to_have_class(re.compile(r"\blow\b"))
        if n == 1:
            # Shift+Enter goes back; Enter forward again.
            keys.press("Shift+Enter")
            expect(_field(page, "currency")).to_be_focused()
            keys.press("Enter")
    expect(page.get_by_test_id("flagged-count")).to_have_text("0 flagged")
    expect(page.get_by_test_id("low-count")).to_contain_text("(0 below")
    # After the last flagged field comes Approve: Enter on it approves and opens the next one.
    expect(page.get_by_test_id("approve-review")).to_be_focused()
    with page.expect_navigation():
        keys.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(f"/documents/{second.public_id}/?queue=1") + "$"))
    expect(page.get_by_role("heading", name="second.pdf")).to_be_visible()
    print(f"\nreview by keyboard: {keys.count} key presses for {fields.count()} fields")
    assert keys.count <= KEY_BUDGET, keys.count

    first.refresh_from_db()
    assert first.reviewed is True
    assert first.output == {**truth, "tax": truth["tax"]}
    assert {e.path for e in DocumentEdit.objects.filter(document=first)} == {
        "due_date",
        "currency",
        "tax",
        "lines[1].quantity",
    }
    assert not page.js_errors, page.js_errors


@pytest.mark.django_db(transaction=True)
def test_undo_and_ctrl_enter_approve(page, queue) -> None:
    first, second, _ = queue
    page.goto(f"/extractions/{first.extraction.public_id}/documents/{first.public_id}/")
    expect(_field(page, "due_date")).to_be_focused()
    page.keyboard.type("2024-01-01")
    page.keyboard.press("Enter")
    page.keyboard.type("XYZ")
    page.keyboard.press("Enter")
    # Undo: the field being edited first (nothing typed in tax: the last correction, currency).
    page.keyboard.press("Control+z")
    expect(_field(page, "currency")).to_have_value("FUR")
    expect(_field(page, "currency")).to_be_focused()
    expect(page.get_by_test_id("low-count")).to_contain_text("(3 below")
    page.keyboard.press("Control+z")
    expect(_field(page, "due_date")).to_have_value("")
    expect(_field(page, "due_date")).to_be_focused()
    # J / K outside a field, Alt+Down anywhere.
    page.get_by_test_id("viewer-tools").click()
    page.keyboard.press("j")
    expect(_field(page, "due_date")).to_be_focused()
    page.keyboard.press("Alt+ArrowDown")
    expect(_field(page, "currency")).to_be_focused()
    page.keyboard.type("EUR")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    expect(page).to_have_url(re.compile(re.escape(f"/documents/{second.public_id}/?queue=1") + "$"))
    edits = {e.path: e.after for e in DocumentEdit.objects.filter(document=first)}
    assert edits == {"currency": "EUR"}
    # Undo with nothing to undo on the next document: back to the one just approved.
    expect(page.get_by_test_id("back-to-approved")).to_have_text("↶ first.pdf")
    page.get_by_test_id("viewer-tools").click()
    with page.expect_navigation():
        page.keyboard.press("Control+z")
    expect(page.get_by_role("heading", name="first.pdf")).to_be_visible()
    expect(page.get_by_test_id("reviewed-badge")).to_be_visible()
    assert not page.js_errors, page.js_errors


def _page_box(page):
    return page.locator("[data-slot] .page").first.bounding_box()


@pytest.mark.django_db(transaction=True)
def test_zoom_fit_rotate_pan_and_the_selected_box_readable(page, queue) -> None:
    first, _, _ = queue
    page.goto(f"/extractions/{first.extraction.public_id}/documents/{first.public_id}/")
    viewer = page.get_by_test_id("viewer")
    expect(page.get_by_test_id("page-image").first).to_be_visible()
    # Opening on a field with no box (the empty date): the page fits the viewer's width.
    page.get_by_test_id("viewer-tools").get_by_role("button", name="Fit width").click()
    expect(page.get_by_test_id("zoom-level")).to_have_text("100%")
    inner = viewer.evaluate("v => v.clientWidth")
    fitted = _page_box(page)
    assert inner - 40 <= fitted["width"] <= inner
    assert fitted["height"] > fitted["width"]  # A4 portrait

    page.get_by_role("button", name="Zoom in").click()
    expect(page.get_by_test_id("zoom-level")).to_have_text("125%")
    assert _page_box(page)["width"] == pytest.approx(fitted["width"] * 1.25, rel=0.02)
    # Keys outside a field: − zooms out, + in; Ctrl + wheel zooms in too.
    page.get_by_test_id("viewer-tools").click()
    page.keyboard.press("-")
    expect(page.get_by_test_id("zoom-level")).to_have_text("100%")
    page.keyboard.press("+")
    page.keyboard.press("+")
    expect(page.get_by_test_id("zoom-level")).to_have_text("156%")
    box = viewer.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    expect(page.get_by_test_id("zoom-level")).to_have_text("195%")
    # Pan: dragging the page scrolls the viewer both ways.
    before = viewer.evaluate("v => [v.scrollLeft, v.scrollTop]")
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 120, box["y"] + box["height"] / 2 - 150, steps=5)
    page.mouse.up()
    after = viewer.evaluate("v => [v.scrollLeft, v.scrollTop]")
    assert after[0] > before[0] and after[1] > before[1]
    # Fit width, then a quarter turn: the portrait page lies on its side, as wide as the viewer.
    page.keyboard.press("0")
    page.get_by_role("button", name="Rotate").click()
    turned = _page_box(page)
    assert turned["width"] > turned["height"]
    assert inner - 40 <= turned["width"] <= inner
    page.keyboard.press("r")
    page.keyboard.press("r")
    page.keyboard.press("r")
    expect(viewer).to_have_attribute("data-rotation", "0")

    # Selecting a field with a box: its box is zoomed to a readable size and inside the view.
    page.keyboard.press("0")
    target = page.locator('.box[data-path="invoice_number"]')
    small = target.evaluate("b => b.offsetHeight")
    _field(page, "invoice_number").focus()
    expect(target).to_have_class("box active")
    readable = target.evaluate("b => b.offsetHeight")
    assert readable >= 19 and readable > small
    view, shown = viewer.bounding_box(), target.bounding_box()
    assert view["x"] <= shown["x"] and shown["x"] + shown["width"] <= view["x"] + view["width"]
    assert view["y"] <= shown["y"] and shown["y"] + shown["height"] <= view["y"] + view["height"]
    shoot(page, "review-zoom")
    # A long line-item text wraps in its cell: nothing hidden, the cell grows.
    cell = _field(page, "lines[0].description")
    one_line = cell.evaluate("c => c.offsetHeight")
    cell.fill("Hex head bolts, zinc plated, M8 x 40 mm, DIN 933, box of 200, " * 3)
    size = cell.evaluate("c => [c.scrollWidth, c.clientWidth, c.scrollHeight, c.clientHeight]")
    assert size[0] <= size[1] and size[2] <= size[3] + 1, size
    assert cell.evaluate("c => c.offsetHeight") > 2 * one_line
    page.keyboard.press("Control+z")  # and undo puts the value back
    expect(cell).not_to_have_value(re.compile("Hex head"))
    assert not page.js_errors, page.js_errors
