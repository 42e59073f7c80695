"""The learned form linker: decoding its scores, its features, and the committed model on a page."""

from __future__ import annotations

import pytest

from extractions.engine import model_store
from extractions.engine.forms import features as ft
from extractions.engine.forms import linker
from extractions.engine.forms import pairs as kv
from extractions.engine.forms.units import Unit
from extractions.engine.types import PageContent, Word

CHAR_W = 0.009
LINE_H = 0.016


def page(*items: tuple[float, float, str]) -> PageContent:
    words = []
    for x, y, text in items:
        for token in text.split():
            w = len(token) * CHAR_W
            words.append(Word(token, 1, x, y, x + w, y + LINE_H, 0.95, "ocr"))
            x += w + CHAR_W
    return PageContent(number=1, width=1000, height=1400, words=words, source="ocr")


def group(x0: float, y0: float, text: str, line: int) -> ft.Group:
    w = Word(text, 1, x0, y0, x0 + len(text) * CHAR_W, y0 + LINE_H)
    return ft.Group([line], [Unit([w], line)])


def test_decode_each_value_takes_its_best_key_and_lone_keys_are_empty_fields() -> None:
    groups = [
        group(0.1, 0.1, "Date:", 0),
        group(0.3, 0.1, "12/04/87", 0),
        group(0.1, 0.2, "Signature:", 1),
        group(0.1, 0.3, "a heading", 2),
    ]
    roles = [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]]
    scores = {(0, 1): 0.9, (2, 1): 0.6, (0, 3): 0.2}
    got = linker.decode(groups, roles, scores, link_threshold=0.5, key_threshold=0.5)
    assert [(k, v) for k, v, _ in got] == [(0, 1), (2, None)]


def test_link_candidates_look_right_and_below_never_above() -> None:
    groups = [
        group(0.1, 0.5, "Date:", 0),
        group(0.1, 0.3, "above", 1),
        group(0.1, 0.53, "below", 2),
    ]
    cands = ft.link_candidates(groups)
    assert (0, 2) in cands
    assert (0, 1) not in cands


def test_merge_candidates_pair_a_line_with_the_one_under_it() -> None:
    p = page((0.1, 0.1, "Comments:"), (0.1, 0.12, "first line of text"), (0.1, 0.14, "second line"))
    pairs, lines, wh = kv.rule_pass(p)
    pu = ft.collect_units(lines, pairs, wh)
    texts = [u.text for u in pu.units]
    cands = {(texts[i], texts[j]) for i, j in ft.merge_candidates(pu)}
    assert ("first line of text", "second line") in cands
    assert len(ft.merge_features(pu, 0, 1)) == len(ft.MERGE_FEATURES)


@pytest.mark.skipif(linker.linker_model() is None, reason="no linker model file")
def test_the_committed_model_links_labels_to_values_right_and_below() -> None:
    p = page(
        (0.10, 0.10, "Date:"),
        (0.25, 0.10, "12/04/1987"),
        (0.55, 0.10, "Fax No.:"),
        (0.70, 0.10, "555-0199"),
        (0.10, 0.20, "Reasons:"),
        (0.10, 0.22, "Adjustment due to timing of projects."),
    )
    got = {(pr.key, pr.value) for pr in kv.extract_pairs([p])}
    assert ("Date", "12/04/1987") in got
    assert ("Fax No.", "555-0199") in got
    assert ("Reasons", "Adjustment due to timing of projects.") in got


def test_without_a_model_file_the_rules_answer(monkeypatch) -> None:
    monkeypatch.setattr(model_store, "MODELS_DIR", model_store.MODELS_DIR / "absent")
    model_store.forget_loaded_models()
    try:
        p = page((0.10, 0.10, "Date: 12/04/1987"), (0.10, 0.30, "Approved By:"))
        assert [(x.key, x.value) for x in kv.extract_pairs([p])] == [
            ("Date", "12/04/1987"),
            ("Approved By", None),
        ]
    finally:
        model_store.forget_loaded_models()
