"""Issue #19 item 2: a PDF whose drawing never ends or multiplies itself is refused
``document_malformed`` in milliseconds, before PDFium loads a page (extraction and page
images alike). On the old engine PDFium expanded them until the process hit its memory limit:
each check here runs in a forked child limited to +600 MB (extractions.sandbox), so the old
behaviour fails the test as ``document_too_large`` instead of exhausting the machine.
"""

from __future__ import annotations

import time

import pytest

from docgen import SIMPLE_INVOICE_SCHEMA, simple_invoice_pdf
from extractions.engine import EngineError, extract, render_page_png
from extractions.engine.read import pdf_guard
from extractions.engine.types import DOCUMENT_MALFORMED
from extractions.sandbox import run_limited
from tests.reliability.drawing_bombs import RECURSIVE, logo_forms_pdf, self_drawing_form_pdf

SCHEMA = {"type": "object", "properties": {"invoice_number": {"type": "string"}}}


def _limited(func, *args):
    return run_limited(func, *args, memory_mb=600, timeout_seconds=30)


def test_the_self_drawing_form_is_a_few_hundred_bytes():
    data = self_drawing_form_pdf()
    assert data.startswith(b"%PDF-") and len(data) < 1000


@pytest.mark.parametrize("name", sorted(RECURSIVE))
def test_recursive_or_exploding_drawings_fail_document_malformed_at_once(name):
    data = RECURSIVE[name]()
    started = time.monotonic()
    with pytest.raises(EngineError) as caught:
        _limited(extract, data, SCHEMA)
    assert caught.value.code == DOCUMENT_MALFORMED, caught.value.message
    assert time.monotonic() - started < 1.0
    assert "malformed" in caught.value.message


def test_a_page_image_of_a_self_drawing_pdf_is_refused_too():
    with pytest.raises(EngineError) as caught:
        _limited(render_page_png, self_drawing_form_pdf(), 1)
    assert caught.value.code == DOCUMENT_MALFORMED


def test_forms_drawn_many_times_and_shared_resources_are_read_normally():
    """A logo drawn 40 times through a wrapper form, resources naming each other: legitimate
    (nothing draws itself, 41 runs in all)."""
    data = logo_forms_pdf(times=40)
    pdf_guard.check_pdf(data)
    result = _limited(extract, data, SCHEMA)
    assert result.data["invoice_number"] == "INV-77"


def test_ordinary_pdfs_are_passed_on_a_byte_search_without_parsing(tmp_path, monkeypatch):
    """No form, tiling pattern, Type 3 font or object stream written in the file: nothing
    to expand, and nothing is parsed (the guard costs a search of the bytes)."""
    data = simple_invoice_pdf("INV-9")
    path = tmp_path / "invoice.pdf"
    path.write_bytes(data)

    def no_parsing(*_args, **_kwargs):
        raise AssertionError("parsed an ordinary PDF")

    monkeypatch.setattr(pdf_guard._Graph, "check", no_parsing)
    for source in (data, str(path), path.open("rb")):
        pdf_guard.check_pdf(source)
    assert extract(data, SIMPLE_INVOICE_SCHEMA).data["invoice_number"] == "INV-9"


def test_a_deep_page_tree_is_malformed(monkeypatch):
    from tests.reliability.mutants import deep_page_tree_pdf

    data = deep_page_tree_pdf(pdf_guard.MAX_PAGE_TREE_DEPTH + 5).replace(
        b"/Type /Catalog",
        b"/Type /Catalog /Extra /ObjStm",  # makes the byte search look
    )
    with pytest.raises(EngineError) as caught:
        pdf_guard.check_pdf(data)
    assert caught.value.code == DOCUMENT_MALFORMED
    assert "page tree" in caught.value.message


def test_what_pdfminer_cannot_read_is_left_to_pdfium():
    damaged = self_drawing_form_pdf()[:200] + b"/Form garbage"
    pdf_guard.check_pdf(damaged)  # no exception: PDFium decides (and fails it cleanly)
