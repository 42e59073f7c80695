"""extract(): steps, page selection, classification, images, location; render_page_png."""

from __future__ import annotations

import io

import pytest
from PIL import Image

import docgen
from extractions.engine import (
    ClassifierLabelSpec,
    ExtractionOptions,
    extract,
    read_pages,
    render_page_png,
)
from extractions.engine.location import leaf_paths, locate
from extractions.engine.pipeline import needs_rulings
from extractions.engine.types import (
    STEP_NAMES,
    Citation,
    EngineError,
    FillResult,
    PageContent,
    Word,
)

NUMBER_SCHEMA = {
    "type": "object",
    "properties": {"invoice_number": {"type": "string", "description": "Invoice number"}},
}


def test_extract_runs_every_step_in_order(invoice: tuple[bytes, dict]) -> None:
    data, expected = invoice
    seen: list[str] = []
    result = extract(data, docgen.INVOICE_SCHEMA, ExtractionOptions(on_step=seen.append))
    assert seen == list(STEP_NAMES)
    assert [s.name for s in result.steps] == list(STEP_NAMES)
    assert all(s.seconds >= 0 for s in result.steps)
    assert result.media_type == "application/pdf"
    assert result.page_count == 2
    assert [(p.number, p.source, p.rotation) for p in result.pages] == [
        (1, "text", 0),
        (2, "text", 0),
    ]
    assert result.pages[0].width == pytest.approx(docgen.A4[0], abs=1e-3)
    assert result.data["invoice_number"] == expected["invoice_number"]
    assert len(result.content) == 2
    assert expected["invoice_number"] in result.content[0]
    assert "Page 2 of 2" in result.content[1]
    assert result.classification is None and result.images == []


def test_every_non_null_leaf_is_cited(invoice: tuple[bytes, dict]) -> None:
    data, _ = invoice
    result = extract(data, docgen.INVOICE_SCHEMA)
    leaves = {path for path, _ in leaf_paths(result.data)}
    assert leaves  # something was found
    assert set(result.citations) == leaves
    assert set(result.confidence) == leaves
    for path in leaves:
        cit = result.citations[path]
        assert cit.page in (1, 2)
        assert all(0.0 <= v <= 1.0 for v in cit.bbox)
        assert 0.0 <= result.confidence[path] <= 1.0
    as_dict = result.as_dict()
    assert as_dict["citations"]["invoice_number"]["page"] == 1


def test_page_selection_and_max_pages(three_page_pdf: bytes) -> None:
    result = extract(three_page_pdf, NUMBER_SCHEMA, ExtractionOptions(pages="2-3", max_pages=1))
    assert [p.number for p in result.pages] == [2]
    assert result.content == ["Page 2 of three\nMarker P2"]
    assert result.page_count == 3


def test_bad_page_selection_fails_the_document(three_page_pdf: bytes) -> None:
    with pytest.raises(EngineError) as err:
        extract(three_page_pdf, NUMBER_SCHEMA, ExtractionOptions(pages="4"))
    assert err.value.code == "extraction_failed"
    assert err.value.message == "Page 4 is out of range: the document has 3 pages."


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (docgen.fake_exe, "unsupported_input"),
        (docgen.encrypted_pdf, "encrypted_document"),
        (docgen.corrupted_pdf, "extraction_failed"),
    ],
)
def test_failure_codes(make, code: str) -> None:
    with pytest.raises(EngineError) as err:
        extract(make(), NUMBER_SCHEMA)
    assert err.value.code == code


def test_limits_come_from_options(three_page_pdf: bytes) -> None:
    with pytest.raises(EngineError) as err:
        extract(three_page_pdf, NUMBER_SCHEMA, ExtractionOptions(max_page_count=2))
    assert err.value.code == "page_limit_exceeded"
    with pytest.raises(EngineError) as err:
        extract(three_page_pdf, NUMBER_SCHEMA, ExtractionOptions(max_bytes=100))
    assert err.value.code == "document_too_large"


def test_sources_path_and_file_object(tmp_path, three_page_pdf: bytes) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(three_page_pdf)
    by_path = extract(path, NUMBER_SCHEMA)
    with open(path, "rb") as fh:
        by_file = extract(fh, NUMBER_SCHEMA)
    assert by_path.content == by_file.content == extract(three_page_pdf, NUMBER_SCHEMA).content


def test_read_pages_is_intake_text_ocr_only(three_page_pdf: bytes) -> None:
    seen: list[str] = []
    pages = read_pages(three_page_pdf, ExtractionOptions(on_step=seen.append))
    assert seen == ["intake", "text", "ocr"]
    assert [p.number for p in pages] == [1, 2, 3]
    assert all(isinstance(p, PageContent) for p in pages)


LABELS = [
    ClassifierLabelSpec(
        name="invoice",
        description="An invoice: a bill for goods with invoice number, totals and VAT",
        keywords=["invoice", "subtotal", "vat"],
        schema=NUMBER_SCHEMA,
    ),
    ClassifierLabelSpec(
        name="contract",
        description="A legal agreement between parties, with clauses and signatures",
        keywords=["agreement", "party", "governing law"],
        schema={"type": "object", "properties": {"governing_law": {"type": "string"}}},
    ),
]


def test_classifier_picks_the_label_and_its_schema(invoice: tuple[bytes, dict]) -> None:
    data, expected = invoice
    result = extract(data, None, ExtractionOptions(classifier_labels=LABELS))
    assert result.classification is not None
    assert result.classification.label == "invoice"
    assert set(result.classification.scores) == {"invoice", "contract"}
    assert result.data == {"invoice_number": expected["invoice_number"]}


def test_no_label_above_threshold_is_classification_failed(three_page_pdf: bytes) -> None:
    with pytest.raises(EngineError) as err:
        extract(
            three_page_pdf,
            None,
            ExtractionOptions(classifier_labels=LABELS, classification_threshold=0.99),
        )
    assert err.value.code == "classification_failed"
    result = err.value.details["classification"]
    assert result["label"] is None and set(result["scores"]) == {"invoice", "contract"}


def test_images_are_listed_when_asked() -> None:
    picture = Image.new("RGB", (120, 80), "red")
    data = docgen.build_pdf(
        [
            docgen.PageSpec(
                texts=[(50, 50, "A logo below, and enough text to count as a text layer.")],
                images=[(picture, 100, 200, 300, 200)],
            ),
            [(50, 50, "No pictures on this page at all, only text.")],
        ]
    )
    W, H = docgen.A4
    result = extract(data, NUMBER_SCHEMA, ExtractionOptions(include_images=True))
    assert len(result.images) == 1
    img = result.images[0]
    assert (img.page, img.width, img.height) == (1, 120, 80)
    assert img.bbox == pytest.approx((100 / W, 200 / H, 400 / W, 400 / H), abs=1e-4)
    assert extract(data, NUMBER_SCHEMA).images == []


def test_images_collected_while_reading_match_a_separate_walk() -> None:
    """Images come from the text read's walk over page objects; a page read by OCR (here:
    forced) falls back to walking the page again: the same images either way."""
    import pypdfium2 as pdfium

    from extractions.engine.read.images import pdf_page_images

    big, small = Image.new("RGB", (120, 80), "red"), Image.new("RGB", (40, 40), "blue")
    data = docgen.build_pdf(
        [
            docgen.PageSpec(
                texts=[(50, 50, "Two pictures on this page, and enough text to read it.")],
                images=[(small, 50, 600, 80, 80), (big, 100, 200, 300, 200)],
            ),
            docgen.PageSpec(
                texts=[(50, 50, "One picture here, in a form-free page of plain text.")],
                images=[(big, 60, 300, 240, 160)],
            ),
        ]
    )
    pdf = pdfium.PdfDocument(data)
    walked = [img for i in range(len(pdf)) for img in pdf_page_images(pdf[i], i + 1)]
    pdf.close()
    assert len(walked) == 3
    pages = read_pages(data, ExtractionOptions(include_images=True))
    assert [len(p.images or []) for p in pages] == [2, 1]  # no second walk needed
    collected = extract(data, NUMBER_SCHEMA, ExtractionOptions(include_images=True)).images
    assert collected == walked
    forced = ExtractionOptions(include_images=True, ocr="always", pages="2")
    assert extract(data, NUMBER_SCHEMA, forced).images == walked[2:]


def test_needs_rulings() -> None:
    assert needs_rulings(docgen.INVOICE_SCHEMA, "per_doc")
    assert not needs_rulings(NUMBER_SCHEMA, "per_doc")
    assert needs_rulings(NUMBER_SCHEMA, "per_table_row")
    tags = {
        "type": "object",
        "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
    }
    assert not needs_rulings(tags, "per_doc")  # a list of strings is no table


def _page() -> PageContent:
    words = [
        Word("Order", 1, 0.1, 0.1, 0.2, 0.12),
        Word("AB-12", 1, 0.25, 0.1, 0.35, 0.12),
        Word("Acme", 1, 0.1, 0.2, 0.18, 0.22),
        Word("Corp.", 1, 0.19, 0.2, 0.26, 0.22),
    ]
    return PageContent(number=1, width=100, height=100, words=words)


def test_locate_keeps_given_citations_and_finds_missing_ones() -> None:
    given = Citation(page=1, bbox=(0.25, 0.1, 0.35, 0.12), text="AB-12")
    filled = FillResult(
        data={
            "order": "AB-12",
            "vendor": "ACME CORP",
            "note": "not printed",
            "empty": None,
            "n": [{"x": None}],
        },
        citations={"order": given, "empty": Citation(1, (0, 0, 1, 1), "")},
        confidence={"order": 0.9, "vendor": 0.7},
    )
    citations, confidence = locate(filled, [_page()])
    assert set(citations) == {"order", "vendor", "note"}  # null leaves have none
    assert citations["order"] is given and confidence["order"] == 0.9
    assert citations["vendor"] == Citation(1, (0.1, 0.2, 0.26, 0.22), "Acme Corp.")
    assert confidence["vendor"] == 0.7
    assert citations["note"] == Citation(1, (0.0, 0.0, 1.0, 1.0), "")
    assert confidence["note"] == 0.2


def test_leaf_paths() -> None:
    data = {"a": 1, "b": {"c": None, "d": "x"}, "lines": [{"q": 2}, {"q": None}]}
    assert list(leaf_paths(data)) == [("a", 1), ("b.d", "x"), ("lines[0].q", 2)]
    assert list(leaf_paths([{"t": 5}])) == [("[0].t", 5)]


# --------------------------------------------------------------------------- render


def _png_size(data: bytes) -> tuple[int, int]:
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    return img.size


def test_render_pdf_page(three_page_pdf: bytes) -> None:
    png = render_page_png(three_page_pdf, 2, max_side=800)
    w, h = _png_size(png)
    assert h == 800 and abs(w - 800 * docgen.A4[0] / docgen.A4[1]) <= 1


def test_render_rotated_pdf_page_is_landscape(three_page_pdf: bytes) -> None:
    data = docgen.transform_pdf(three_page_pdf, rotation={1: 90})
    w, h = _png_size(render_page_png(data, 1, max_side=600))
    assert w == 600
    assert abs(h - 600 * docgen.A4[0] / docgen.A4[1]) <= 1  # pdfium rounds the pixel size up


def test_render_image_applies_exif_and_extra_rotation() -> None:
    upright = Image.new("RGB", (400, 200), "white")
    data = docgen.with_exif_rotation(upright, 6)
    assert _png_size(render_page_png(data, 1, max_side=1600)) == (400, 200)
    assert _png_size(render_page_png(data, 1, max_side=100)) == (100, 50)
    assert _png_size(render_page_png(data, 1, rotation=90)) == (200, 400)


def test_render_tiff_page_and_out_of_range() -> None:
    pages = [Image.new("RGB", (300, 100)), Image.new("RGB", (100, 300))]
    data = docgen.multipage_tiff(pages)
    assert _png_size(render_page_png(data, 2)) == (100, 300)
    with pytest.raises(EngineError) as err:
        render_page_png(data, 3)
    assert err.value.code == "extraction_failed"
    assert err.value.message == "Page 3 is out of range: the document has 2 pages."


def test_multipage_tiff_pages_are_read_one_by_one() -> None:
    pages = [Image.new("RGB", (300, 100), "white"), Image.new("RGB", (120, 240), "white")]
    data = docgen.multipage_tiff(pages)
    read = read_pages(data, ExtractionOptions(ocr="never", pages="2"))
    assert [(p.number, p.width, p.height, p.source) for p in read] == [(2, 120, 240, "empty")]
    both = read_pages(data, ExtractionOptions(ocr="never"))
    assert [(p.number, p.width, p.height) for p in both] == [(1, 300, 100), (2, 120, 240)]


def test_pdfium_use_from_several_threads_is_serialised(three_page_pdf: bytes) -> None:
    # PDFium is not thread-safe; web threads inspect and render while others extract.
    from concurrent.futures import ThreadPoolExecutor

    from extractions.engine import inspect_document

    def work(i: int) -> tuple:
        info = inspect_document(three_page_pdf)
        png = render_page_png(three_page_pdf, 1 + i % 3, max_side=200)
        pages = read_pages(three_page_pdf, ExtractionOptions(pages=str(1 + i % 3)))
        return info.page_count, len(png) > 100, pages[0].words[-1].text

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(24)))
    assert results == [(3, True, f"P{1 + i % 3}") for i in range(24)]


def test_large_photo_is_decoded_small_but_reported_full_size() -> None:
    from extractions.engine.read import intake

    photo = Image.new("RGB", (6000, 4000), "white")
    data = docgen.encode_image(photo, "JPEG", exif_orientation=6)
    (page,) = read_pages(data, ExtractionOptions(ocr="never"))
    assert (page.width, page.height) == (4000, 6000)  # upright, full resolution
    src = intake.as_source(data)
    img = intake.open_image(src)
    (frame,) = intake.iter_image_pages(img, "image/jpeg", [1], max_side=2000)
    assert frame.size == (4000, 6000)
    assert max(frame.image.size) == 2000 and frame.image.size[0] < frame.image.size[1]
    assert frame.image.mode == "RGB"


def test_bad_calls_fail_before_reading(three_page_pdf: bytes) -> None:
    seen: list[str] = []
    with pytest.raises(EngineError) as err:
        extract(three_page_pdf, None, ExtractionOptions(on_step=seen.append))
    assert err.value.code == "extraction_failed" and seen == []
    with pytest.raises(EngineError) as err:
        extract(three_page_pdf, NUMBER_SCHEMA, ExtractionOptions(target="per_word"))  # type: ignore[arg-type]
    assert err.value.message == (
        "Unknown extraction target 'per_word': use one of per_doc, per_page, per_table_row."
    )


@pytest.mark.parametrize("target", ["per_page", "per_table_row"])
def test_targets_reach_fill_schema(invoice: tuple[bytes, dict], target: str) -> None:
    data, _ = invoice
    result = extract(data, docgen.INVOICE_SCHEMA, ExtractionOptions(target=target))
    assert isinstance(result.data, list)
    if target == "per_page":
        assert len(result.data) == 2
    leaves = {path for path, _ in leaf_paths(result.data)}
    assert set(result.citations) == leaves
    assert all(path.startswith("[") for path in leaves)
