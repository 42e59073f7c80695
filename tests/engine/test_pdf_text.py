"""The PDF text layer: words, normalised boxes (rotation, crop box), rulings, OCR decision."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from PIL import Image

import docgen
from extractions.engine.pipeline import read_pages
from extractions.engine.read import pages, pdf_text
from extractions.engine.types import ExtractionOptions, Word

W, H = docgen.A4
SIZE = 12
# pdfium's loose character boxes span the font's ascent and descent around the baseline.
ASCENT, DESCENT = 0.945 * SIZE, 0.224 * SIZE


def _words(data: bytes, number: int = 1, **kw) -> tuple[list[Word], pdf_text.TextLayer, object]:
    doc = pdfium.PdfDocument(data)
    page = doc[number - 1]
    try:
        content, layer = pages.read_pdf_page(page, number, **kw)
        return content.words, layer, content
    finally:
        page.close()
        doc.close()


def _expected_box(x: float, baseline: float, text: str) -> tuple[float, float, float, float]:
    width = docgen.string_width(text, SIZE)
    return ((x) / W, (baseline - ASCENT) / H, (x + width) / W, (baseline + DESCENT) / H)


def _assert_box(word: Word, box: tuple[float, float, float, float]) -> None:
    assert word.x0 == pytest.approx(box[0], abs=2e-4)
    assert word.x1 == pytest.approx(box[2], abs=2e-4)
    assert word.y0 == pytest.approx(box[1], abs=1e-3)
    assert word.y1 == pytest.approx(box[3], abs=1e-3)


@pytest.fixture(scope="module")
def simple_pdf() -> bytes:
    return docgen.build_pdf(
        [
            [
                (72, 100, "Invoice INV-001"),
                (300, 400, "Total: 1.234,50 EUR"),
                (72, 700, "Café Müller"),
            ]
        ]
    )


def test_words_and_boxes(simple_pdf: bytes) -> None:
    words, layer, content = _words(simple_pdf)
    assert [w.text for w in words] == [
        "Invoice",
        "INV-001",
        "Total:",
        "1.234,50",
        "EUR",
        "Café",
        "Müller",
    ]
    assert all(w.page == 1 and w.source == "text" and w.confidence == 1.0 for w in words)
    assert content.width == pytest.approx(W, abs=1e-3)
    assert content.height == pytest.approx(H, abs=1e-3)
    assert content.source == "text" and content.rotation == 0
    _assert_box(words[0], _expected_box(72, 100, "Invoice"))
    inv_x = 72 + docgen.string_width("Invoice ", SIZE)
    _assert_box(words[1], _expected_box(inv_x, 100, "INV-001"))
    amount_x = 300 + docgen.string_width("Total: ", SIZE)
    _assert_box(words[3], _expected_box(amount_x, 400, "1.234,50"))
    assert layer.chars == sum(len(w.text) for w in words)
    assert layer.bad_chars == 0 and layer.usable


def _rotated(box: tuple[float, float, float, float], degrees: int) -> tuple[float, ...]:
    """Where a normalised box of the unrotated page lands once the page is turned clockwise."""
    x0, y0, x1, y1 = box
    return {
        90: (1 - y1, x0, 1 - y0, x1),
        180: (1 - x1, 1 - y1, 1 - x0, 1 - y0),
        270: (y0, 1 - x1, y1, 1 - x0),
    }[degrees]


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotated_pages_are_reported_upright(simple_pdf: bytes, degrees: int) -> None:
    rotated = docgen.transform_pdf(simple_pdf, rotation={1: degrees})
    words, _, content = _words(rotated)
    straight, _, _ = _words(simple_pdf)
    assert [w.text for w in words] == [w.text for w in straight]
    if degrees in (90, 270):
        assert (content.width, content.height) == pytest.approx((H, W), abs=1e-3)
    else:
        assert (content.width, content.height) == pytest.approx((W, H), abs=1e-3)
    for got, ref in zip(words, straight, strict=True):
        assert got.bbox == pytest.approx(_rotated(ref.bbox, degrees), abs=1e-4)


def test_crop_box_reframes_and_hides_text_outside(simple_pdf: bytes) -> None:
    # Keep the upper half of the page (PDF space: y from H/2 to H); the bottom line is cut off.
    cropped = docgen.transform_pdf(simple_pdf, cropbox={1: (50, H / 2, W - 50, H)})
    words, _, content = _words(cropped)
    assert [w.text for w in words] == ["Invoice", "INV-001", "Total:", "1.234,50", "EUR"]
    cw, ch = W - 100, H / 2
    assert (content.width, content.height) == pytest.approx((cw, ch), abs=1e-3)
    width = docgen.string_width("Invoice", SIZE)
    assert words[0].x0 == pytest.approx((72 - 50) / cw, abs=2e-4)
    assert words[0].x1 == pytest.approx((72 - 50 + width) / cw, abs=2e-4)
    assert words[0].y0 == pytest.approx((100 - ASCENT) / ch, abs=2e-3)


def test_rulings_of_a_ruled_table() -> None:
    data, _ = docgen.invoice_pdf(1, rows_per_page=3, ruled=True)
    _, _, content = _words(data, rulings=True)
    rulings = content.rulings
    horizontal = sorted((r for r in rulings if r.y0 == r.y1), key=lambda r: r.y0)
    vertical = sorted((r for r in rulings if r.x0 == r.x1), key=lambda r: r.x0)
    # 3 row separators + 2 header rules; 5 column borders.
    assert len(horizontal) == 5 and len(vertical) == 5
    assert len(rulings) == 10
    top = horizontal[0]
    assert (top.x0, top.y0, top.x1) == pytest.approx((45 / W, (160 - 14) / H, 560 / W), abs=1e-4)
    left = vertical[0]
    assert (left.x0, left.y0, left.y1) == pytest.approx(
        (45 / W, 146 / H, (178 + 60 - 15) / H), abs=1e-4
    )
    assert all(r.page == 1 for r in rulings)


def test_rulings_only_when_asked_and_drawn() -> None:
    ruled, _ = docgen.invoice_pdf(1, rows_per_page=3, ruled=True)
    plain, _ = docgen.invoice_pdf(1, rows_per_page=3, ruled=False)
    assert _words(ruled, rulings=False)[2].rulings == []
    assert _words(plain, rulings=True)[2].rulings == []


def test_rectangle_borders_become_rulings() -> None:
    data = docgen.build_pdf(
        [docgen.PageSpec(texts=[(110, 130, "Boxed")], rects=[(100, 100, 200, 50)])]
    )
    rulings = _words(data, rulings=True)[2].rulings
    edges = sorted(
        (round(r.x0 * W), round(r.y0 * H), round(r.x1 * W), round(r.y1 * H)) for r in rulings
    )
    assert edges == [
        (100, 100, 100, 150),
        (100, 100, 300, 100),
        (100, 150, 300, 150),
        (300, 100, 300, 150),
    ]


def test_page_needs_ocr_decisions(simple_pdf: bytes) -> None:
    scan = docgen.scanned_pdf([Image.new("RGB", (300, 400), "white")])
    blank = docgen.build_pdf([[]])
    stamped = docgen.build_pdf(
        [
            docgen.PageSpec(
                texts=[(10, 10, "p.1", 6)], images=[(Image.new("RGB", (50, 50)), 0, 0, W, H)]
            )
        ]
    )
    for data, expected in ((simple_pdf, False), (scan, True), (blank, False), (stamped, True)):
        doc = pdfium.PdfDocument(data)
        page = doc[0]
        _, layer = pages.read_pdf_page(page, 1)
        assert pdf_text.page_needs_ocr(page, layer) is expected
        page.close()
        doc.close()


def test_blank_page_is_empty_and_not_ocred() -> None:
    pages = read_pages(docgen.build_pdf([[(72, 72, "First")], []]))
    assert [p.source for p in pages] == ["text", "empty"]
    assert pages[1].words == []


def test_unreadable_characters_make_the_layer_unusable() -> None:
    layer = pdf_text.TextLayer(words=[], chars=10, bad_chars=5)
    assert not layer.usable
    assert pdf_text.TextLayer(words=[], chars=100, bad_chars=5).usable


def test_multi_page_numbers_and_selection(three_page_pdf: bytes) -> None:
    pages = read_pages(three_page_pdf, ExtractionOptions(pages="1,3"))
    assert [p.number for p in pages] == [1, 3]
    assert [[w.text for w in p.words] for p in pages] == [
        ["Page", "1", "of", "three", "Marker", "P1"],
        ["Page", "3", "of", "three", "Marker", "P3"],
    ]
    assert all(w.page == 3 for w in pages[1].words)


def test_ocr_never_leaves_scans_empty() -> None:
    scan = docgen.scanned_pdf([Image.new("RGB", (300, 400), "white")])
    pages = read_pages(scan, ExtractionOptions(ocr="never"))
    assert pages[0].source == "empty" and pages[0].words == []


def test_rulings_and_images_inside_a_form_xobject_follow_its_matrix() -> None:
    import io

    inner = docgen.build_pdf(
        [
            docgen.PageSpec(
                texts=[(110, 130, "Boxed")],
                rects=[(100, 100, 200, 50)],
                images=[(Image.new("RGB", (40, 40), "red"), 300, 300, 100, 100)],
            )
        ]
    )
    src = pdfium.PdfDocument(inner)
    out = pdfium.PdfDocument.new()
    page = out.new_page(W, H)
    placed = src.page_as_xobject(0, out).as_pageobject()
    placed.transform(pdfium.PdfMatrix().scale(0.5, 0.5).translate(100, 50))  # PDF space
    page.insert_obj(placed)
    page.gen_content()
    buf = io.BytesIO()
    out.save(buf)
    doc = pdfium.PdfDocument(buf.getvalue())
    pg = doc[0]
    objs = pdf_text.page_objects(pg, pdf_text.PageFrame.of(pg), 1, rulings=True, images=True)

    def to_points(box):
        return tuple(round(v * s, 1) for v, s in zip(box, (W, H, W, H), strict=True))

    # x' = x/2 + 100; from the top: y' = H - ((H - y)/2 + 50)
    top, bottom = round(H - ((H - 100) / 2 + 50), 1), round(H - ((H - 150) / 2 + 50), 1)
    edges = sorted(to_points((r.x0, r.y0, r.x1, r.y1)) for r in objs.rulings)
    assert edges == [
        (150.0, top, 150.0, bottom),
        (150.0, top, 250.0, top),
        (150.0, bottom, 250.0, bottom),
        (250.0, top, 250.0, bottom),
    ]
    ((image_box, _),) = objs.images
    img_top, img_bottom = round(H - ((H - 300) / 2 + 50), 1), round(H - ((H - 400) / 2 + 50), 1)
    assert to_points(image_box) == (250.0, img_top, 300.0, img_bottom)
    pg.close()
    doc.close()
