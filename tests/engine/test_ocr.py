"""OCR: words and boxes from RapidOCR, page orientation, EXIF, scans inside PDFs.

Real OCR runs take ~0.3-1 s each on these small images, so there are few of them.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import docgen
from extractions.engine.pipeline import read_pages
from extractions.engine.read import ocr
from extractions.engine.types import DEFAULT_OCR_BACKEND, EngineError, ExtractionOptions


def _texts(words) -> list[str]:
    return [w.text for w in words]


def _word(words, text: str):
    matches = [w for w in words if w.text == text]
    assert matches, f"{text!r} not read; got {_texts(words)}"
    return matches[0]


def _drawn_box(img: docgen.TextImage, line: int, width: int, height: int) -> tuple[float, ...]:
    x0, y0, x1, y1 = img.lines[line][1]
    return (x0 / width, y0 / height, x1 / width, y1 / height)


# The detector's line boxes run ~10 px beyond the glyphs (its "unclip" margin): on
# these ~340 px wide images that is up to 0.04 of the page.
TOL = 0.05


def test_reads_words_with_boxes(receipt_image: docgen.TextImage) -> None:
    page = ocr.ocr_image(receipt_image.image, 1)
    assert _texts(page.words) == ["GROCER", "42", "TOTAL", "18.50"]
    assert page.rotation == 0
    assert (page.width, page.height) == receipt_image.image.size
    w, h = receipt_image.image.size
    # "TOTAL 18.50": the first word starts where the line starts, the last ends where it ends.
    line = _drawn_box(receipt_image, 1, w, h)
    total, amount = _word(page.words, "TOTAL"), _word(page.words, "18.50")
    assert total.x0 == pytest.approx(line[0], abs=TOL)
    assert amount.x1 == pytest.approx(line[2], abs=TOL)
    assert total.x1 < amount.x0
    for word in (total, amount):
        assert word.y0 == pytest.approx(line[1], abs=TOL)
        assert word.y1 == pytest.approx(line[3], abs=TOL)
        assert word.source == "ocr" and word.page == 1
        assert 0.5 <= word.confidence <= 1.0


def test_page_turned_sideways_is_read_upright(receipt_image: docgen.TextImage) -> None:
    # Turned 90 degrees counter-clockwise: the engine turns it 90 degrees clockwise back.
    sideways = receipt_image.image.rotate(90, expand=True)
    page = ocr.ocr_image(sideways, 1)
    assert page.rotation == 90
    assert (page.width, page.height) == receipt_image.image.size
    assert _texts(page.words) == ["GROCER", "42", "TOTAL", "18.50"]
    w, h = receipt_image.image.size
    line = _drawn_box(receipt_image, 1, w, h)
    assert _word(page.words, "TOTAL").x0 == pytest.approx(line[0], abs=TOL)
    assert _word(page.words, "TOTAL").y0 == pytest.approx(line[1], abs=TOL)


def test_exif_orientation_is_applied(receipt_image: docgen.TextImage) -> None:
    data = docgen.with_exif_rotation(receipt_image.image, 6)
    stored = Image.open(__import__("io").BytesIO(data))
    assert stored.size == receipt_image.image.size[::-1]  # stored sideways
    (page,) = read_pages(data)
    assert page.source == "ocr"
    assert page.rotation == 0  # EXIF already turned it upright: OCR had nothing to turn
    assert (page.width, page.height) == receipt_image.image.size
    assert _texts(page.words) == ["GROCER", "42", "TOTAL", "18.50"]


def test_scanned_pdf_page_goes_through_ocr(receipt_image: docgen.TextImage) -> None:
    data = docgen.scanned_pdf([receipt_image.image], dpi=150)
    (page,) = read_pages(data)
    assert page.source == "ocr"
    img_w, img_h = receipt_image.image.size
    assert (page.width, page.height) == pytest.approx(
        (img_w * 72 / 150, img_h * 72 / 150), abs=0.01
    )
    assert _texts(page.words) == ["GROCER", "42", "TOTAL", "18.50"]
    line = _drawn_box(receipt_image, 0, img_w, img_h)
    assert _word(page.words, "GROCER").x0 == pytest.approx(line[0], abs=TOL)


def test_blank_image_has_no_words() -> None:
    (page,) = read_pages(docgen.encode_image(Image.new("RGB", (200, 120), "white"), "PNG"))
    assert page.words == [] and page.source == "empty"


def test_split_line_places_words_by_character_widths() -> None:
    points = np.array([[100, 50], [300, 50], [300, 70], [100, 70]], dtype=np.float32)
    line = ocr.OcrLine("AB CD", 0.9, points)
    words = ocr.split_line(line, 2, 400, 100)
    assert _texts(words) == ["AB", "CD"]
    # Widths: A, B, C, D = 0.65 each, space 0.35; total 2.95.
    assert words[0].bbox == pytest.approx((100 / 400, 0.5, (100 + 200 * 1.3 / 2.95) / 400, 0.7))
    assert words[1].bbox == pytest.approx(((100 + 200 * 1.65 / 2.95) / 400, 0.5, 300 / 400, 0.7))
    assert all(w.page == 2 and w.confidence == 0.9 and w.source == "ocr" for w in words)


def test_a_stray_bracket_in_a_capitalised_word_is_read_as_i() -> None:
    points = np.array([[100, 50], [300, 50], [300, 70], [100, 70]], dtype=np.float32)
    line = ocr.OcrLine("MENTA[ SCTENT]FIC [BWM0034] Agent] QTY|PRICE", 0.9, points)
    words = ocr.split_line(line, 1, 400, 100)
    assert _texts(words) == ["MENTAI", "SCTENTIFIC", "[BWM0034]", "Agent]", "QTY|PRICE"]


def test_a_fill_line_read_against_a_word_is_not_part_of_it() -> None:
    points = np.array([[100, 50], [300, 50], [300, 70], [100, 70]], dtype=np.float32)
    line = ocr.OcrLine("appeared_ _1992 A.D.M.__ john_doe@x.com ____ $_47.50", 0.9, points)
    words = ocr.split_line(line, 1, 400, 100)
    assert _texts(words) == ["appeared", "1992", "A.D.M.", "john_doe@x.com", "____", "$_47.50"]


def test_a_space_read_beside_a_decimal_point_is_dropped() -> None:
    points = np.array([[100, 50], [300, 50], [300, 70], [100, 70]], dtype=np.float32)
    line = ocr.OcrLine("CASH RM152. 00 27 .50 12. 05. 2020 No. 12 1. 00123 2. 500", 0.9, points)
    words = ocr.split_line(line, 1, 400, 100)
    assert _texts(words) == [
        "CASH", "RM152.00", "27.50", "12.", "05.", "2020", "No.", "12", "1.", "00123", "2.", "500",
    ]  # fmt: skip


def test_rotate_image_and_boxes_moves_points_with_pixels() -> None:
    arr = np.zeros((10, 20, 3), dtype=np.uint8)
    arr[2, 5] = 255  # row 2, column 5
    boxes = np.array([[[5, 2], [5, 2], [5, 2], [5, 2]]], dtype=np.float32)
    for degrees in (90, 180, 270):
        out, moved = ocr.rotate_image_and_boxes(arr, boxes, degrees)
        x, y = moved[0, 0]
        assert out[int(y), int(x)].tolist() == [255, 255, 255], degrees


def test_ocr_failure_is_ocr_error(monkeypatch: pytest.MonkeyPatch, receipt_image) -> None:
    class Broken:
        def __call__(self, *args, **kwargs):
            raise RuntimeError("onnxruntime session crashed")

    monkeypatch.setattr(ocr, "_engines", {(1, DEFAULT_OCR_BACKEND, "latin"): Broken()})
    with pytest.raises(EngineError) as err:
        read_pages(docgen.encode_image(receipt_image.image, "PNG"), ExtractionOptions())
    assert err.value.code == "ocr_error"
    assert err.value.message == "OCR failed on page 1 (RuntimeError: onnxruntime session crashed)."


def test_engine_sessions_are_lean() -> None:
    engine = ocr.get_engine(backend="onnxruntime")
    for model in (engine.text_det, engine.text_cls, engine.text_rec):
        options = model.session.session.get_session_options()
        assert options.enable_mem_pattern is False
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_ocr_threads_reach_the_onnx_runtime_sessions(
    monkeypatch: pytest.MonkeyPatch, receipt_image
) -> None:
    engine = ocr.get_engine(2, "onnxruntime")
    assert engine is not ocr.get_engine(1, "onnxruntime")  # one engine per thread count
    for model in (engine.text_det, engine.text_cls, engine.text_rec):
        assert model.session.session.get_session_options().intra_op_num_threads == 2
    one = ocr.get_engine(1, "onnxruntime")
    for model in (one.text_det, one.text_rec):
        assert model.session.session.get_session_options().intra_op_num_threads == 1
    # 0 asks for every core
    assert ocr.session_threads(0) == (os.cpu_count() or 1)
    # the pipeline's option is what picks the engine
    asked: list[int] = []
    real = ocr.get_engine

    def spy(threads: int = 1, backend: str = DEFAULT_OCR_BACKEND, alphabet: str = "latin"):  # type: ignore[no-untyped-def]
        asked.append(threads)
        return real(threads, backend, alphabet)

    monkeypatch.setattr(ocr, "get_engine", spy)
    read_pages(docgen.encode_image(receipt_image.image, "PNG"), ExtractionOptions(ocr_threads=2))
    assert asked == [2]


def test_openvino_backend_reads_the_same_words(receipt_image: docgen.TextImage) -> None:
    onnx = ocr.ocr_image(receipt_image.image, 1, backend="onnxruntime")
    page = ocr.ocr_image(receipt_image.image, 1, backend="openvino")
    assert DEFAULT_OCR_BACKEND == "openvino"
    assert _texts(page.words) == _texts(onnx.words)
    for a, b in zip(page.words, onnx.words, strict=True):
        assert (a.x0, a.y0, a.x1, a.y1) == pytest.approx((b.x0, b.y0, b.x1, b.y1), abs=0.01)
    engine = ocr.get_engine(1, "openvino")
    assert type(engine.text_rec.session).__name__ == "OpenVINOInferSession"
    config = engine.text_det.session.session.get_compiled_model()
    assert int(config.get_property("INFERENCE_NUM_THREADS")) == 1


def test_the_latin_alphabet_cuts_the_recogniser_to_latin_script(
    receipt_image: docgen.TextImage,
) -> None:
    latin = ocr.get_engine(1, "openvino", "latin")._load_rec_model()
    full = ocr.get_engine(1, "openvino", "all")._load_rec_model()
    kept = latin.postprocess_op.character  # blank, the dictionary, space
    everything = full.postprocess_op.character
    assert kept[0] == everything[0] == "blank" and kept[-1] == everything[-1] == " "
    assert len(everything) > 18_000 and 500 < len(kept) < 1_000
    assert set("0123456789AZaz.,:;/-%€£$éèàäöüßñçøłő−×") <= set(kept)
    assert not {"中", "文", "あ", "한", "ب"} & set(kept)
    assert latin.session.model.outputs[0].get_partial_shape()[-1].get_length() == len(kept)
    # the same text from a printed page, whichever alphabet
    cut = ocr.ocr_image(receipt_image.image, 1, backend="openvino", alphabet="latin")
    whole = ocr.ocr_image(receipt_image.image, 1, backend="openvino", alphabet="all")
    assert _texts(cut.words) == _texts(whole.words)
    assert ocr.effective_alphabet("onnxruntime", "latin") == "all"  # ONNX Runtime: the wheel's
    with pytest.raises(EngineError) as err:
        ocr.ocr_image(receipt_image.image, 1, alphabet="klingon")
    assert err.value.code == "ocr_error"


def test_a_recogniser_without_a_dictionary_head_is_not_cut() -> None:
    import openvino
    from openvino import opset13

    from extractions.engine.read.ocr_alphabet import restrict_recogniser

    x = opset13.parameter([1, 4], np.float32)
    model = openvino.Model([opset13.relu(x)], [x])
    model.set_rt_info("a\nb", ["framework", "character"])
    with pytest.raises(ValueError):
        restrict_recogniser(model)


def test_a_process_capped_below_openvinos_address_space_reads_with_onnx_runtime() -> None:
    # a retry's memory-limited child (PP_RETRY_MEMORY_LIMIT_MB=1536): OpenVINO cannot start
    # there, the same models on ONNX Runtime can; in a child process, so the cap stays there
    script = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, resource.RLIM_INFINITY))
import docgen
from extractions.engine.read import ocr
img = docgen.text_image(["GROCER 42", "TOTAL 18.50"], font_size=30, size=(600, 800))
page = ocr.ocr_image(img.image, 1, backend="openvino")
print(ocr.effective_backend("openvino"), " ".join(w.text for w in page.words))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "onnxruntime GROCER 42 TOTAL 18.50"
    assert ocr.effective_backend("openvino") == "openvino"  # this process is not capped


def test_unknown_backend_is_an_ocr_error(receipt_image: docgen.TextImage) -> None:
    with pytest.raises(EngineError) as err:
        ocr.ocr_image(receipt_image.image, 1, backend="tesseract")
    assert err.value.code == "ocr_error"


def _detector_sides(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sides: list[int] = []
    real = ocr._detect_at

    def spy(engine, arr, side):  # type: ignore[no-untyped-def]
        sides.append(side)
        return real(engine, arr, side)

    monkeypatch.setattr(ocr, "_detect_at", spy)
    return sides


def test_large_print_is_detected_once_at_the_fast_size(monkeypatch: pytest.MonkeyPatch) -> None:
    sides = _detector_sides(monkeypatch)
    img = docgen.text_image(["INVOICE 2041", "TOTAL 18.50"], font_size=90, size=(1400, 2000))
    page = ocr.ocr_image(img.image, 1)
    assert _texts(page.words) == ["INVOICE", "2041", "TOTAL", "18.50"]
    assert sides == [ocr.DET_SIDE_FAST]


def test_small_print_is_detected_again_at_full_size(monkeypatch: pytest.MonkeyPatch) -> None:
    # 14 px text: 7 px in the fast pass, too small to trust that no line was missed
    sides = _detector_sides(monkeypatch)
    img = docgen.text_image(["GROCER 42", "TOTAL 18.50"], font_size=14, size=(1000, 1280))
    page = ocr.ocr_image(img.image, 1)
    assert sides == [ocr.DET_SIDE_FAST, ocr.DET_SIDE]
    # the thin default font is found only blurred by the smaller pass: its boxes are kept
    assert _texts(page.words) == ["GROCER", "42", "TOTAL", "18.50"]


def test_small_print_on_a_sideways_page_is_detected_again_at_full_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Turned 90 degrees, lines are vertical boxes as tall as they are long: the print size
    # is their short side, or the fast pass would be trusted with small print.
    sides = _detector_sides(monkeypatch)
    img = docgen.text_image(["GROCER 42", "TOTAL 18.50"], font_size=12, size=(1000, 1280))
    page = ocr.ocr_image(img.image.rotate(90, expand=True), 1)
    assert sides == [ocr.DET_SIDE_FAST, ocr.DET_SIDE]
    assert page.rotation == 90
    assert _texts(page.words) == ["GROCER", "42", "TOTAL", "18.50"]


def test_low_resolution_pages_skip_the_fast_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # a 1000 px page (a 100 dpi scan): shrinking it to 640 px loses detail the detector needs
    sides = _detector_sides(monkeypatch)
    img = docgen.text_image(["TOTAL 18.50"], font_size=60, size=(760, 1000))
    page = ocr.ocr_image(img.image, 1)
    assert _texts(page.words) == ["TOTAL", "18.50"]
    assert sides == [ocr.DET_SIDE]
