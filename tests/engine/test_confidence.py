"""Calibrated confidence: which values are right, the figures, the model and its training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import docgen
from extractions.engine import extract, model_store
from extractions.engine.confidence import calibrate as calibrate_mod
from extractions.engine.confidence.calibrate import (
    Calibrator,
    calibrator_from_json,
    calibrator_to_json,
)
from extractions.engine.confidence.features import FEATURE_NAMES, leaf_features, leaves_of
from extractions.engine.evaluation import calibration, harness
from extractions.engine.evaluation.schema_sets import SchemaSet
from extractions.engine.training import confidence as trainer
from extractions.engine.training.registry import TrainContext
from extractions.engine.types import Citation, PageContent, Word

ROWS_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "parties": {"type": "array", "items": {"type": "string"}},
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"description": {"type": "string"}, "amount": {"type": "number"}},
            },
        },
        "pairs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "value": {"type": "string"}},
            },
        },
    },
}


def test_leaf_truth_judges_scalars_items_cells_and_pairs() -> None:
    data = {
        "number": "INV-1",
        "parties": ["Acme Inc.", "Nobody Ltd"],
        "lines": [
            {"description": "Bolts", "amount": 10.0},
            {"description": "Nuts", "amount": 4.0},  # amount wrong
            {"description": "Ghost row", "amount": 1.0},  # matches no expected row
        ],
        "pairs": [{"key": "Date:", "value": "1/2/99"}, {"key": "Fax", "value": "000"}],
    }
    expected = {
        "number": "inv 1",
        "parties": ["ACME, Inc"],
        "lines": [{"description": "Bolts", "amount": 10}, {"description": "Nuts", "amount": 5}],
        "pairs": [{"key": "Date", "value": "1/2/99"}],
    }
    truth = calibration.leaf_truth(
        data,
        expected=expected,
        scored_fields=["number", "parties", "lines", "pairs"],
        alternatives={},
        schema=ROWS_SCHEMA,
    )
    assert truth["number"] is True
    assert truth["parties[0]"] is True and truth["parties[1]"] is False
    assert truth["lines[0].amount"] is True and truth["lines[1].description"] is True
    assert truth["lines[1].amount"] is False
    assert truth["lines[2].description"] is False and truth["lines[2].amount"] is False
    assert truth["pairs[0].key"] is True and truth["pairs[0].value"] is True
    assert truth["pairs[1].key"] is False


def test_auroc_ece_and_coverage() -> None:
    assert calibration.auroc([False, False, True, True], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert calibration.auroc([True, True, False, False], [0.1, 0.2, 0.8, 0.9]) == 0.0
    assert calibration.auroc([True, False], [0.5, 0.5]) == 0.5
    assert calibration.auroc([True, True], [0.1, 0.9]) is None
    # 0.95 right 100 % (error .05) and 0.15 right 0 % (error .15), equal counts
    ece = calibration.expected_calibration_error(
        [True, True, False, False], [0.95] * 2 + [0.15] * 2
    )
    assert ece == pytest.approx(0.1)
    table = calibration.coverage_table([True, False, True, True], [0.95, 0.92, 0.6, 0.3])
    at_09 = next(r for r in table if r["threshold"] == 0.9)
    assert at_09["share"] == pytest.approx(0.5) and at_09["right"] == pytest.approx(0.5)
    png = calibration.reliability_png([("scalars", [True, False, True], [0.9, 0.2, 0.7])])
    assert png.startswith(b"\x89PNG")


def _page() -> PageContent:
    words = [
        Word("Net", 1, 0.1, 0.1, 0.15, 0.12),
        Word("100.00", 1, 0.6, 0.1, 0.7, 0.12, confidence=0.7, source="ocr"),
        Word("Tax", 1, 0.1, 0.2, 0.15, 0.22),
        Word("20.00", 1, 0.6, 0.2, 0.7, 0.22),
        Word("Total", 1, 0.1, 0.3, 0.15, 0.32),
        Word("120.00", 1, 0.6, 0.3, 0.7, 0.32),
    ]
    return PageContent(1, 600, 800, words=words, source="ocr")


def test_features_see_ocr_confidence_and_arithmetic() -> None:
    schema = {
        "type": "object",
        "properties": {
            "net": {"type": "number"},
            "tax": {"type": "number"},
            "total": {"type": "number"},
            "note": {"type": "string"},
        },
    }
    data = {"net": 100.0, "tax": 20.0, "total": 120.0, "note": "missing text"}
    cits = {
        "net": Citation(1, (0.6, 0.1, 0.7, 0.12), "100.00"),
        "tax": Citation(1, (0.6, 0.2, 0.7, 0.22), "20.00"),
        "total": Citation(1, (0.6, 0.3, 0.7, 0.32), "120.00"),
        "note": Citation(1, (0.0, 0.0, 1.0, 1.0), ""),
    }
    leaves, rows = leaf_features(
        schema=schema,
        data=data,
        citations=cits,
        raw_confidence={"net": 0.8, "tax": 0.8, "total": 0.9, "note": 0.2},
        cited_by_parser={"net", "tax", "total"},
        pages=[_page()],
    )
    feats = {lf.path: dict(zip(FEATURE_NAMES, row, strict=True)) for lf, row in zip(leaves, rows)}
    assert all(len(r) == len(FEATURE_NAMES) for r in rows)
    assert feats["net"]["ocr_mean"] == pytest.approx(0.7)
    assert feats["total"]["ocr_mean"] == pytest.approx(1.0)
    assert feats["total"]["balances"] == 1.0 and feats["net"]["balances"] == 1.0
    assert feats["note"]["unlocated"] == 1.0 and feats["note"]["cited_by_parser"] == 0.0
    assert feats["total"]["printed_as_given"] == 1.0
    wrong = dict(data, total=130.0)
    _leaves, rows2 = leaf_features(
        schema=schema,
        data=wrong,
        citations=cits,
        raw_confidence={"total": 0.9},
        cited_by_parser=set(),
        pages=[_page()],
    )
    assert rows2[2][FEATURE_NAMES.index("balances")] == 0.0


def test_leaves_of_list_targets_and_tables() -> None:
    data = [{"number": "A", "lines": [{"description": "x", "amount": 2.0}]}, {"number": "B"}]
    paths = [lf.path for lf in leaves_of(data, ROWS_SCHEMA)]
    assert paths == ["[0].number", "[0].lines[0].description", "[0].lines[0].amount", "[1].number"]


def test_tree_ensemble_reproduces_lightgbm() -> None:
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(3)
    x = rng.random((400, len(FEATURE_NAMES)))
    y = (x[:, 0] + 0.3 * x[:, 5] + rng.normal(0, 0.1, 400) > 0.7).astype(int)
    model = lgb.LGBMClassifier(n_estimators=30, num_leaves=7, verbose=-1, random_state=1)
    model.fit(x, y)
    trees = trainer.ensemble_from_lightgbm(model)
    ours = trees.raw_score(x)
    theirs = model.predict_proba(x, raw_score=True)
    assert np.allclose(ours, theirs, atol=1e-9)
    # through JSON and back, with an isotonic map that halves every probability
    cal = Calibrator(trees, {"scalar": (np.array([0.0, 1.0]), np.array([0.0, 0.5]))})
    back = calibrator_from_json(json.loads(json.dumps(calibrator_to_json(cal))))
    assert back is not None
    probs = back.probabilities(x[:5], ["scalar"] * 5)
    expected = np.clip(0.5 / (1 + np.exp(-theirs[:5])), 0.01, 0.99)
    assert np.allclose(probs, expected)
    # a file written for other features is refused (retrain), not misread
    spec = calibrator_to_json(cal)
    spec["features"] = spec["features"][:-1]
    assert calibrator_from_json(spec) is None


def test_schema_set_renames_value_paths() -> None:
    s = SchemaSet(
        "plain", {"invoice": ({}, {"supplier": "issuer", "rows": ["lines", {"amt": "amount"}]})}
    )
    rename = s.path_renamer("invoice")
    assert rename("supplier") == "issuer"
    assert rename("rows[3].amt") == "lines[3].amount"
    assert rename("rows[3].other") == "lines[3].other"
    assert rename("unmapped") == "unmapped"


def _labelled_corpus(root: Path, n: int) -> Path:
    """Generated invoices; every third one labelled with a wrong number and a wrong line amount,
    so the judged values hold both right and wrong ones."""
    (root / "docs").mkdir(parents=True)
    (root / "schemas").mkdir()
    (root / "schemas" / "bill.json").write_text(json.dumps(docgen.INVOICE_SCHEMA))
    with open(root / "manifest.jsonl", "w") as fh:
        for i in range(n):
            pdf, expected = docgen.invoice_pdf(seed=i, rows_per_page=6)
            if i % 3 == 0:
                expected["invoice_number"] = "WRONG-1"
                expected["lines"][0]["amount"] = 0.01
            (root / "docs" / f"b{i}.pdf").write_bytes(pdf)
            entry = {
                "file": f"docs/b{i}.pdf",
                "id": f"b{i}",
                "doc_type": "bill",
                "expected": expected,
                "scored_fields": list(expected),
            }
            fh.write(json.dumps(entry) + "\n")
    return root


def test_train_evaluate_and_extract_with_a_calibrator(tmp_path: Path, monkeypatch) -> None:
    corpus = _labelled_corpus(tmp_path / "corpus", 12)
    out = tmp_path / "models"
    out.mkdir()
    report = trainer.train(
        TrainContext(
            corpora=[corpus], out_dir=out, cache_dir=tmp_path / "cache", log=lambda m: None
        )
    )
    assert report.files == ["confidence.json"]
    assert report.metrics["values"] > 200
    assert "scalars" in report.metrics["cross_validated"]
    assert (out / "confidence.json").stat().st_size < 2_000_000

    monkeypatch.setattr(model_store, "MODELS_DIR", out)
    model_store.forget_loaded_models()
    try:
        assert calibrate_mod.current_calibrator() is not None
        judged = harness.run_corpus(corpus, cache_dir=tmp_path / "cache")
        leaves = [lf for d in judged.documents for lf in d.leaves if lf.right is not None]
        assert leaves and all(0.01 <= lf.confidence <= 0.99 for lf in leaves)
        # calibrated confidences differ from the raw ones they were learned from
        assert any(abs(lf.confidence - lf.raw) > 1e-3 for lf in leaves)
        summary = calibration.calibration_summary(
            [(d.doc_type, d.leaves) for d in judged.documents]
        )
        assert summary["groups"]["scalars"]["values"] > 0

        pdf, _expected = docgen.invoice_pdf(seed=99, rows_per_page=6)
        result = extract(pdf, docgen.INVOICE_SCHEMA)
        assert result.confidence and all(0.01 <= c <= 0.99 for c in result.confidence.values())
    finally:
        model_store.forget_loaded_models()


def test_evaluate_prints_confidence_figures_and_plots(tmp_path: Path) -> None:
    from io import StringIO

    from django.core.management import call_command

    corpus = _labelled_corpus(tmp_path / "corpus", 3)
    out = StringIO()
    call_command(
        "evaluate",
        "--corpus",
        str(corpus),
        "--quiet",
        "--raw-confidence",
        "--plot",
        str(tmp_path / "rel.png"),
        "--json",
        str(tmp_path / "r.json"),
        stdout=out,
    )
    text = out.getvalue()
    assert "AUROC" in text and "straight-through bill" in text
    assert (tmp_path / "rel.png").read_bytes().startswith(b"\x89PNG")
    run = json.loads((tmp_path / "r.json").read_text())["runs"][0]
    assert run["calibration"]["groups"]["line-item cells"]["values"] > 0
    assert run["documents"][0]["leaves"]


def test_a_kind_can_keep_its_raw_confidence_calibrated() -> None:
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(5)
    x = rng.random((200, len(FEATURE_NAMES)))
    y = (x[:, 3] > 0.5).astype(int)
    model = lgb.LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1, random_state=1)
    model.fit(x, y)
    halve = (np.array([0.0, 1.0]), np.array([0.0, 0.5]))
    cal = Calibrator(
        trainer.ensemble_from_lightgbm(model), {"cell": halve, "scalar": halve}, frozenset({"cell"})
    )
    back = calibrator_from_json(json.loads(json.dumps(calibrator_to_json(cal))))
    assert back is not None and back.raw_kinds == {"cell"}
    raw = x[:4, FEATURE_NAMES.index("raw")]
    cells = back.probabilities(x[:4], ["cell"] * 4)
    assert np.allclose(cells, np.clip(raw / 2, 0.01, 0.99))
    scalars = back.probabilities(x[:4], ["scalar"] * 4)
    assert not np.allclose(scalars, cells)


def test_kinds_kept_raw_skip_their_features_with_the_same_answer() -> None:
    lgb = pytest.importorskip("lightgbm")
    from extractions.engine import read_pages
    from extractions.engine.location import locate
    from extractions.engine.parsing.fill import fill_schema
    from extractions.engine.types import ExtractionOptions

    rng = np.random.default_rng(7)
    x = rng.random((300, len(FEATURE_NAMES)))
    model = lgb.LGBMClassifier(n_estimators=10, num_leaves=4, verbose=-1, random_state=1)
    model.fit(x, (x[:, 0] > 0.4).astype(int))
    halve = (np.array([0.0, 1.0]), np.array([0.0, 0.5]))
    cal = Calibrator(
        trainer.ensemble_from_lightgbm(model), {"cell": halve, "scalar": halve}, frozenset({"cell"})
    )
    pdf, _expected = docgen.invoice_pdf(seed=4, rows_per_page=5)
    pages = read_pages(pdf, ExtractionOptions())
    filled = fill_schema(pages, docgen.INVOICE_SCHEMA, "per_doc")
    citations, raw = locate(filled, pages)
    fast = calibrate_mod.calibrate(
        schema=docgen.INVOICE_SCHEMA,
        filled=filled,
        citations=citations,
        confidence=raw,
        pages=pages,
        calibrator=cal,
    )
    leaves, rows = leaf_features(
        schema=docgen.INVOICE_SCHEMA,
        data=filled.data,
        citations=citations,
        raw_confidence=raw,
        cited_by_parser=set(filled.citations),
        pages=pages,
        evidence=filled.evidence,
    )
    every = cal.probabilities_of(rows, [lf.kind for lf in leaves])
    assert any(lf.kind == "cell" for lf in leaves)
    assert fast == {lf.path: round(p, 4) for lf, p in zip(leaves, every, strict=True)}


def test_folds_keep_groups_together_and_real_folds_apart_from_synthetic() -> None:
    groups = ["a:1", "a:1", "a:2", "a:3", "synthetic:x", "a:4", "a:5", "synthetic:y"] * 2
    folds = trainer._folds(groups, seed=3)
    by_group: dict[str, set[int]] = {}
    for g, k in zip(groups, folds, strict=True):
        by_group.setdefault(g, set()).add(int(k))
    assert all(len(ks) == 1 for ks in by_group.values())
    # the real groups' folds are those collect() gives the out-of-fold rankers
    real = sorted({g for g in groups if not g.startswith("synthetic:")})
    expected = trainer._fold_map(real, 3)
    assert all(by_group[g] == {expected[g]} for g in real)


def test_fold_corpus_holds_only_its_documents(tmp_path: Path) -> None:
    corpus = _labelled_corpus(tmp_path / "corpus", 3)
    folder = trainer._fold_corpus(corpus, {"b1"}, tmp_path / "fold")
    ids = [e.id for e in harness.load_corpus(folder)]
    assert ids == ["b1"]
    assert (folder / "docs" / "b1.pdf").read_bytes() == (corpus / "docs" / "b1.pdf").read_bytes()


def test_a_replaced_model_stands_in_the_block_only() -> None:
    from extractions.engine.fields import ranker

    shipped = ranker.model()
    marker = object()
    with model_store.model_replaced(ranker.MODEL_FILE, marker):
        assert ranker.model() is marker
    assert ranker.model() is shipped


def test_kinds_sharing_an_ensemble_store_it_once_and_score_alike() -> None:
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(11)
    x = rng.random((200, len(FEATURE_NAMES)))
    model = lgb.LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1, random_state=1)
    model.fit(x, (x[:, 2] > 0.5).astype(int))
    pair = trainer.ensemble_from_lightgbm(model)
    cal = Calibrator(pair, {}, kind_trees={"pair_key": pair, "pair_value": pair})
    spec = json.loads(json.dumps(calibrator_to_json(cal)))
    assert spec["kind_trees"]["pair_value"] == {"same_as": "pair_key"}
    back = calibrator_from_json(spec)
    assert back is not None and back.kind_trees["pair_key"] is back.kind_trees["pair_value"]
    keys = back.probabilities(x[:6], ["pair_key"] * 6)
    mixed = back.probabilities(x[:6], ["pair_key", "pair_value"] * 3)
    assert np.allclose(keys, mixed)
    assert np.allclose(keys, cal.probabilities(x[:6], ["pair_key"] * 6))


def test_a_flat_isotonic_step_is_tilted_to_keep_the_scores_order() -> None:
    xs = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    ys = np.array([0.2, 0.2, 0.6, 0.6, 0.61])
    tilted = trainer.tilted_steps(xs, ys)
    mapped = np.interp([0.15, 0.25, 0.55, 0.65], xs, tilted)
    assert mapped[0] < mapped[1] and mapped[2] < mapped[3]  # no longer tied
    assert np.all(np.diff(tilted) >= 0)  # still a monotone map
    assert np.allclose(tilted, ys, atol=trainer.TILT)  # and as calibrated as before
    assert tilted[3] < ys[4]  # a step close under the next level stays below it
