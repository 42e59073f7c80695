"""The OCR cache: a page image read once is not read again, and reads the same from the cache.

Real OCR runs (~0.5 s each on these small images) are counted by wrapping the OCR module's
``_read``; the tests keep them few.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

import docgen
from extractions.engine.pipeline import read_pages
from extractions.engine.read import ocr, ocr_cache
from extractions.engine.read.ocr_cache import DirectoryOcrCache, TallyingOcrCache
from extractions.engine.types import ExtractionOptions


def _summary(pages) -> list[tuple]:
    return [(p.number, p.width, p.height, p.rotation, p.source, p.words) for p in pages]


@pytest.mark.parametrize("kind", ["png", "scanned_pdf"])
def test_second_read_comes_from_the_cache_with_the_same_words(
    tmp_path: Path, receipt_image: docgen.TextImage, ocr_calls: list[int], kind: str
) -> None:
    image = receipt_image.image
    source = docgen.encode_image(image, "PNG") if kind == "png" else docgen.scanned_pdf([image])
    plain = read_pages(source)
    assert len(ocr_calls) == 1
    assert [w.text for w in plain[0].words] == ["GROCER", "42", "TOTAL", "18.50"]

    cache = TallyingOcrCache(DirectoryOcrCache(tmp_path))
    options = ExtractionOptions(ocr_cache=cache)
    first = read_pages(source, options)
    assert len(ocr_calls) == 2 and (cache.hits, cache.misses) == (0, 1)
    assert len(list(tmp_path.glob("*.json"))) == 1
    second = read_pages(source, options)
    assert len(ocr_calls) == 2  # not read again
    assert (cache.hits, cache.misses) == (1, 1)
    assert cache.saved_seconds > 0  # the original read's time, kept in the entry
    assert _summary(first) == _summary(plain)
    assert _summary(second) == _summary(plain)


def test_a_corrupted_entry_is_a_miss_and_is_written_again(
    tmp_path: Path, receipt_image: docgen.TextImage, ocr_calls: list[int]
) -> None:
    source = docgen.encode_image(receipt_image.image, "PNG")
    options = ExtractionOptions(ocr_cache=DirectoryOcrCache(tmp_path))
    first = read_pages(source, options)
    (entry,) = tmp_path.glob("*.json")
    whole = entry.read_text()
    entry.write_text(whole[: len(whole) // 2])  # a write cut short
    again = read_pages(source, options)
    assert len(ocr_calls) == 2
    assert _summary(again) == _summary(first)
    assert ocr_cache.decode(json.loads(entry.read_text())) is not None  # whole again
    read_pages(source, options)
    assert len(ocr_calls) == 2  # the entry written again serves the next read

    # a changed OCR (its version bumped) is another key: read again, not served the old lines
    ocr_calls.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ocr, "OCR_VERSION", ocr.OCR_VERSION + 1)
        read_pages(source, options)
    assert len(ocr_calls) == 1
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_the_key_changes_with_the_pixels_and_with_every_ocr_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, receipt_image: docgen.TextImage
) -> None:
    image = receipt_image.image
    fp = ocr_cache.ocr_fingerprint(backend="onnxruntime")
    key = ocr_cache.page_key(image, fp)
    assert ocr_cache.page_key(image.copy(), fp) == key  # same pixels, same key
    touched = image.copy()
    touched.putpixel((0, 0), (250, 250, 250))
    assert ocr_cache.page_key(touched, fp) != key
    assert ocr_cache.page_key(image.convert("L"), fp) != key
    assert ocr_cache.page_key(image.resize((image.width - 1, image.height)), fp) != key

    others = {
        ocr_cache.ocr_fingerprint(backend="openvino"),
        ocr_cache.ocr_fingerprint(backend="onnxruntime", detect_orientation=False),
        ocr_cache.ocr_fingerprint(backend="openvino", alphabet="all"),
    }
    # ONNX Runtime reads every script whatever is asked: the same lines, the same key
    assert ocr_cache.ocr_fingerprint(backend="onnxruntime", alphabet="all") == fp
    for name, value in [
        ("MAX_SIDE", ocr.MAX_SIDE + 1),
        ("TEXT_SCORE", ocr.TEXT_SCORE + 0.1),
        ("DET_SIDE_FAST", 0),
        ("ENGINE_PARAMS", {**ocr.ENGINE_PARAMS, "Rec.rec_batch_num": 8}),
    ]:
        with monkeypatch.context() as mp:
            mp.setattr(ocr, name, value)
            others.add(ocr_cache.ocr_fingerprint(backend="onnxruntime"))
    # another model file in place of the wheel's (bench/ocr.py --variant)
    model = tmp_path / "det.onnx"
    model.write_bytes(b"not the wheel's model")
    with monkeypatch.context() as mp:
        mp.setattr(ocr, "MODEL_PATHS", {"Det": model})
        others.add(ocr_cache.ocr_fingerprint(backend="onnxruntime"))
        model.write_bytes(b"a retrained model under the same name")
        others.add(ocr_cache.ocr_fingerprint(backend="onnxruntime"))
    assert fp not in others and len(others) == 9
    assert ocr_cache.ocr_fingerprint(backend="onnxruntime") == fp  # settings back: same key


def _page(rotation: int = 0) -> ocr.OcrPage:
    lines = [
        ocr.OcrLine("TOTAL 18.50", 0.9731, np.array([[10.5, 20], [200, 21], [200, 50], [10, 49]])),
        ocr.OcrLine("Merci", 0.61, np.array([[12, 60.25], [90, 60], [90, 80], [12, 80]])),
    ]
    for line in lines:
        line.points = line.points.astype(np.float32)
    words = [w for line in lines for w in ocr.split_line(line, 3, 300, 120)]
    return ocr.OcrPage(words=words, lines=lines, width=300, height=120, rotation=rotation)


def test_payload_is_json_and_rebuilds_the_same_words() -> None:
    page = _page(rotation=90)
    payload = ocr_cache.encode(page, seconds=1.25, cpu_seconds=1.5)
    assert payload is not None
    back = ocr_cache.decode(json.loads(json.dumps(payload)))
    assert back is not None
    assert (back.seconds, back.cpu_seconds, back.rotation) == (1.25, 1.5, 90)
    rebuilt = back.page(3)
    assert rebuilt.words == page.words
    assert (rebuilt.width, rebuilt.height, rebuilt.rotation) == (300, 120, 90)
    for a, b in zip(rebuilt.lines, page.lines, strict=True):
        assert (a.text, a.score) == (b.text, b.score)
        assert np.array_equal(a.points, b.points) and a.points.dtype == np.float32

    # what JSON or PostgreSQL cannot hold faithfully is not cached at all
    page.lines[1].text = "Mer\x00ci"
    assert ocr_cache.encode(page, seconds=1, cpu_seconds=1) is None
    page = _page()
    page.lines[0].points[0, 0] = np.nan
    assert ocr_cache.encode(page, seconds=1, cpu_seconds=1) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda p: None,  # not a payload at all
        lambda p: [p],
        lambda p: {**p, "v": 99},
        lambda p: {k: v for k, v in p.items() if k != "lines"},
        lambda p: {**p, "width": "300"},
        lambda p: {**p, "height": 0},
        lambda p: {**p, "rotation": 45},
        lambda p: {**p, "rotation": 90.0},
        lambda p: {**p, "seconds": None},
        lambda p: {**p, "lines": "TOTAL"},
        lambda p: {**p, "lines": [["TOTAL", 0.9]]},
        lambda p: {**p, "lines": [["TOTAL", 0.9, [1, 2, 3]]]},
        lambda p: {**p, "lines": [["TOTAL", 0.9, [1, 2, 3, 4, 5, 6, 7, "8"]]]},
        lambda p: {**p, "lines": [["", 0.9, [1, 2, 3, 4, 5, 6, 7, 8]]]},
        lambda p: {**p, "lines": [[None, 0.9, [1, 2, 3, 4, 5, 6, 7, 8]]]},
        lambda p: {**p, "lines": [["TOTAL", True, [1, 2, 3, 4, 5, 6, 7, 8]]]},
    ],
)
def test_a_malformed_payload_is_a_miss(change) -> None:
    payload = ocr_cache.encode(_page(), seconds=1.0, cpu_seconds=1.0)
    assert ocr_cache.decode(payload) is not None
    assert ocr_cache.decode(change(payload)) is None


def test_directory_cache_concurrent_puts_of_one_key(tmp_path: Path) -> None:
    cache = DirectoryOcrCache(tmp_path)
    payload = ocr_cache.encode(_page(), seconds=1.0, cpu_seconds=1.0)
    key = "ab" * 32
    errors: list[BaseException] = []

    def put() -> None:
        try:
            for _ in range(20):
                cache.put(key, payload)
        except BaseException as exc:  # pragma: no cover - the failure reported below
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cache.get(key) == payload
    assert [p.name for p in tmp_path.iterdir()] == [f"{key}.json"]  # no temporary file left
    assert cache.get("cd" * 32) is None
    # names outside the folder are never looked up or written
    assert cache.get("../../etc/passwd") is None
    with pytest.raises(ValueError):
        cache.put("../" + "a" * 61, payload)
