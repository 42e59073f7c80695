"""The evidence the confidence calibrator reads for form pairs and line-item cells: a pair's
key and value leaves share what the pairing looks like (the key as a printed label, the value
as an answer, their gap and OCR), and a cell sees its column (header, type, fullness)."""

from __future__ import annotations

import pytest

from extractions.engine.confidence.features import FEATURE_NAMES, leaf_features
from extractions.engine.types import Citation, PageContent, Word

PAIRS_SCHEMA = {
    "type": "object",
    "properties": {
        "pairs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "value": {"type": ["string", "null"]}},
            },
        }
    },
}


def _form() -> PageContent:
    words = [
        Word("Date:", 1, 0.10, 0.10, 0.16, 0.12, confidence=0.95, source="ocr"),
        Word("9/3/92", 1, 0.18, 0.10, 0.26, 0.12, confidence=0.6, source="ocr"),
        Word("the", 1, 0.10, 0.30, 0.14, 0.32, confidence=0.9, source="ocr"),
        Word("attached", 1, 0.15, 0.30, 0.25, 0.32, confidence=0.9, source="ocr"),
        Word("REMARKS", 1, 0.70, 0.60, 0.82, 0.62, confidence=0.9, source="ocr"),
    ]
    return PageContent(1, 600, 800, words=words, source="ocr")


def _pair_features() -> dict[str, dict[str, float]]:
    data = {
        "pairs": [
            {"key": "Date", "value": "9/3/92"},
            {"key": "the attached", "value": "REMARKS"},
            {"key": "REMARKS", "value": None},
        ]
    }
    cits = {
        "pairs[0].key": Citation(1, (0.10, 0.10, 0.16, 0.12), "Date"),
        "pairs[0].value": Citation(1, (0.18, 0.10, 0.26, 0.12), "9/3/92"),
        "pairs[1].key": Citation(1, (0.10, 0.30, 0.25, 0.32), "the attached"),
        "pairs[1].value": Citation(1, (0.70, 0.60, 0.82, 0.62), "REMARKS"),
        "pairs[2].key": Citation(1, (0.70, 0.60, 0.82, 0.62), "REMARKS"),
    }
    leaves, rows = leaf_features(
        schema=PAIRS_SCHEMA,
        data=data,
        citations=cits,
        raw_confidence=dict.fromkeys(cits, 0.5),
        cited_by_parser=set(cits),
        pages=[_form()],
    )
    return {lf.path: dict(zip(FEATURE_NAMES, row, strict=True)) for lf, row in zip(leaves, rows)}


def test_a_pair_key_and_its_value_share_the_pairs_evidence() -> None:
    f = _pair_features()
    key, value = f["pairs[0].key"], f["pairs[0].value"]
    for name in ("key_printed_colon", "value_date", "pair_gap_x", "value_ocr_min", "key_ocr_min"):
        assert key[name] == value[name], name
    # the colon OCR read is evidence though the key's text drops it
    assert key["key_printed_colon"] == 1.0 and f["pairs[1].key"]["key_printed_colon"] == 0.0
    assert key["value_date"] == 1.0 and key["key_label_words"] == 1.0
    assert key["value_ocr_min"] == pytest.approx(0.6) and key["key_ocr_min"] == pytest.approx(0.95)
    assert key["pair_same_line"] == 1.0 and key["pair_gap_x"] == pytest.approx(1.0)


def test_a_value_that_looks_like_a_label_far_from_its_key_is_told() -> None:
    f = _pair_features()
    odd = f["pairs[1].value"]
    assert odd["value_label_like"] == 1.0 and odd["value_looks_value"] == 0.0
    assert odd["pair_same_line"] == 0.0 and odd["pair_gap_y"] > 10
    assert f["pairs[0].value"]["value_label_like"] == 0.0
    # the value is printed as another pair's key: a label taken for an answer
    assert odd["value_is_a_key"] == 1.0 and f["pairs[0].value"]["value_is_a_key"] == 0.0
    assert f["pairs[2].key"]["key_is_a_value"] == 1.0
    assert f["pairs[0].key"]["key_is_a_value"] == 0.0
    # a key without a value: no value evidence, and the list's share of empty fields
    empty = f["pairs[2].key"]
    assert empty["pair_has_value"] == 0.0 and empty["value_chars"] == -1.0
    assert empty["pairs_null_share"] == pytest.approx(1 / 3)
    # other leaves carry none of it
    assert all(v["cell_header_match"] == -1.0 for v in f.values())


def test_a_cell_sees_its_column_header_and_type() -> None:
    schema = {
        "type": "object",
        "properties": {
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"description": {"type": "string"}, "amount": {"type": "number"}},
                },
            }
        },
    }
    words = [
        Word("Description", 1, 0.10, 0.10, 0.25, 0.12),
        Word("Amount", 1, 0.60, 0.10, 0.70, 0.12),
        Word("Widget", 1, 0.10, 0.14, 0.20, 0.16),
        Word("5.00", 1, 0.62, 0.14, 0.70, 0.16),
        Word("Bolt", 1, 0.10, 0.18, 0.20, 0.20),
        Word("oops", 1, 0.62, 0.18, 0.70, 0.20),
    ]
    data = {
        "lines": [
            {"description": "Widget", "amount": 5.0},
            {"description": "Bolt", "amount": "oops"},
        ]
    }
    cits = {
        "lines[0].description": Citation(1, (0.10, 0.14, 0.20, 0.16), "Widget"),
        "lines[0].amount": Citation(1, (0.62, 0.14, 0.70, 0.16), "5.00"),
        "lines[1].description": Citation(1, (0.10, 0.18, 0.20, 0.20), "Bolt"),
        "lines[1].amount": Citation(1, (0.62, 0.18, 0.70, 0.20), "oops"),
    }
    leaves, rows = leaf_features(
        schema=schema,
        data=data,
        citations=cits,
        raw_confidence=dict.fromkeys(cits, 0.9),
        cited_by_parser=set(cits),
        pages=[PageContent(1, 600, 800, words=words, source="text")],
    )
    f = {lf.path: dict(zip(FEATURE_NAMES, row, strict=True)) for lf, row in zip(leaves, rows)}
    assert f["lines[0].amount"]["cell_header_match"] == 1.0
    assert f["lines[0].description"]["cell_header_match"] == 1.0
    # half the amount column holds numbers: the number agrees with it as much as the text
    assert f["lines[0].amount"]["cell_column_agrees"] == pytest.approx(0.5)
    assert f["lines[0].description"]["cell_column_agrees"] == 1.0
    assert f["lines[0].amount"]["cell_rows_after"] == 1.0
    assert f["lines[1].amount"]["cell_rows_after"] == 0.0
    assert f["lines[0].amount"]["key_words"] == -1.0  # no pair evidence on a cell
