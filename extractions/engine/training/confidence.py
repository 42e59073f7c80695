"""Trainer of the confidence calibrator (``confidence/``): ``train_engine --only confidence``.

Runs the engine over the labelled corpora with every schema set (the corpus's names and the
customer-named sets, so the model does not learn one naming), keeps each value the ground
truth judges with its evidence features and whether it is right, and fits

1. a gradient-boosted tree ensemble (LightGBM, shallow trees) on the features, and
2. an isotonic map per leaf kind from the ensemble's out-of-fold probabilities to the
   observed share right,

with folds grouped so that a receipt vendor's documents or an invoice's renderings never sit
on both sides. The reported figures are cross-validated end to end (the isotonic map of a
fold is fitted on the other folds' predictions). Train the calibrator last: it learns from
the other models' output.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ..confidence.calibrate import MODEL_FILE, Calibrator, TreeEnsemble, calibrator_to_json
from ..confidence.features import FEATURE_NAMES, KINDS
from ..evaluation.calibration import GROUPS, group_figures
from ..evaluation.harness import load_corpus, run_corpus
from ..evaluation.schema_sets import CORPUS_SET, available_sets, load_schema_set
from .registry import TrainContext, TrainReport

FOLDS = 5
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "n_estimators": 150,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "max_depth": 4,
    "min_child_samples": 30,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "deterministic": True,
    "force_row_wise": True,
    "n_jobs": 1,
    "verbose": -1,
}


def collect(ctx: TrainContext) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Feature rows, labels (1 right), leaf kinds and split groups of every judged value."""
    rows: list[list[float]] = []
    labels: list[int] = []
    kinds: list[str] = []
    groups: list[str] = []
    for corpus in ctx.corpora:
        group_of = {e.id: f"{corpus}:{e.group}" for e in load_corpus(corpus)}
        for name in available_sets():
            schema_set = None if name == CORPUS_SET else load_schema_set(name)
            report = run_corpus(
                corpus, cache_dir=ctx.cache_dir, schema_set=schema_set, calibrate=False
            )
            judged = 0
            for doc in report.documents:
                for leaf in doc.leaves:
                    if leaf.right is None:
                        continue
                    rows.append(leaf.features)
                    labels.append(int(leaf.right))
                    kinds.append(leaf.kind)
                    groups.append(group_of.get(doc.id, doc.id))
                    judged += 1
            ctx.log(f"confidence: {corpus} with the {name!r} schemas: {judged} judged values")
    return np.asarray(rows, dtype=np.float64), np.asarray(labels), kinds, groups


def _folds(groups: list[str], seed: int) -> np.ndarray:
    """A fold number per row; every group in one fold, groups shuffled by the seed."""
    unique = sorted(set(groups))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(unique))
    fold_of = {unique[i]: k % FOLDS for k, i in enumerate(order)}
    return np.asarray([fold_of[g] for g in groups])


def _fit_trees(x: np.ndarray, y: np.ndarray, seed: int) -> Any:
    import lightgbm as lgb  # training only: workers evaluate the dumped trees with numpy

    model = lgb.LGBMClassifier(**PARAMS, random_state=seed)
    model.fit(x, y)
    return model


def _isotonic(p: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.isotonic import IsotonicRegression  # training only

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(p, y)
    return np.asarray(iso.X_thresholds_), np.asarray(iso.y_thresholds_)


def _isotonic_maps(
    p: np.ndarray, y: np.ndarray, kinds: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    maps = {}
    for kind in KINDS:
        mask = kinds == kind
        if mask.sum() >= 50 and 0 < y[mask].sum() < mask.sum():
            maps[kind] = _isotonic(p[mask], y[mask])
    return maps


def _flatten(root: dict[str, Any]) -> tuple[list[list[Any]], int]:
    """One dumped LightGBM tree as [feature, threshold, left, right, value] node arrays, and
    its depth."""
    arrays: list[list[Any]] = [[], [], [], [], []]
    feature, threshold, left, right, value = arrays
    depth = 1
    stack: list[tuple[dict[str, Any], int, int | None, bool]] = [(root, 1, None, False)]
    while stack:
        node, level, parent, is_right = stack.pop()
        depth = max(depth, level)
        i = len(feature)
        feature.append(-1)
        threshold.append(0.0)
        left.append(i)
        right.append(i)
        value.append(0.0)
        if parent is not None:
            (right if is_right else left)[parent] = i
        if "leaf_value" in node:
            value[i] = float(node["leaf_value"])
            continue
        if node.get("decision_type", "<=") != "<=":
            raise ValueError(f"unsupported split {node.get('decision_type')}")
        feature[i] = int(node["split_feature"])
        threshold[i] = float(node["threshold"])
        stack.append((node["right_child"], level + 1, i, True))
        stack.append((node["left_child"], level + 1, i, False))
    return arrays, depth


def ensemble_from_lightgbm(model: Any) -> TreeEnsemble:
    """The fitted trees as flat node arrays (leaves: feature -1, value = leaf output)."""
    trees = []
    depth = 1
    for info in model.booster_.dump_model()["tree_info"]:
        arrays, d = _flatten(info["tree_structure"])
        trees.append(arrays)
        depth = max(depth, d)
    return TreeEnsemble(
        feature=[np.asarray(t[0], dtype=np.int64) for t in trees],
        threshold=[np.asarray(t[1], dtype=np.float64) for t in trees],
        left=[np.asarray(t[2], dtype=np.int64) for t in trees],
        right=[np.asarray(t[3], dtype=np.int64) for t in trees],
        value=[np.asarray(t[4], dtype=np.float64) for t in trees],
        depth=depth,
    )


def _figures(y: np.ndarray, p: np.ndarray, kinds: np.ndarray) -> dict[str, Any]:
    out = {}
    names = np.asarray([GROUPS[k] for k in kinds])
    for group in sorted(set(names)):
        mask = names == group
        out[group] = group_figures([bool(v) for v in y[mask]], [float(v) for v in p[mask]])
    return out


def train(ctx: TrainContext) -> TrainReport:
    x, y, kind_list, groups = collect(ctx)
    if len(y) < 200 or y.min() == y.max():
        raise ValueError(f"too few judged values to train the calibrator ({len(y)})")
    kinds = np.asarray(kind_list)
    folds = _folds(groups, ctx.seed)
    oof = np.zeros(len(y))
    for k in range(FOLDS):
        test = folds == k
        model = _fit_trees(x[~test], y[~test], ctx.seed)
        oof[test] = model.predict_proba(x[test])[:, 1]
    # end-to-end cross-validated figures: each fold's isotonic maps from the other folds
    calibrated = np.zeros(len(y))
    for k in range(FOLDS):
        test = folds == k
        maps = _isotonic_maps(oof[~test], y[~test], kinds[~test])
        calibrated[test] = oof[test]
        for kind, (xs, ys) in maps.items():
            mask = test & (kinds == kind)
            calibrated[mask] = np.interp(oof[mask], xs, ys)
    calibrated = np.clip(calibrated, 0.01, 0.99)

    final = Calibrator(
        trees=ensemble_from_lightgbm(_fit_trees(x, y, ctx.seed)),
        isotonic=_isotonic_maps(oof, y, kinds),
    )
    path = ctx.out_dir / MODEL_FILE
    path.write_text(json.dumps(calibrator_to_json(final), separators=(",", ":")), encoding="utf-8")
    raw = x[:, FEATURE_NAMES.index("raw")]
    return TrainReport(
        name="confidence",
        files=[MODEL_FILE],
        metrics={
            "values": len(y),
            "documents_groups": len(set(groups)),
            "size_bytes": path.stat().st_size,
            "cross_validated": _figures(y, calibrated, kinds),
            "raw": _figures(y, raw, kinds),
        },
        notes=[
            "cross_validated: grouped 5-fold, trees and isotonic maps fitted without the fold",
            "raw: the parsing step's own confidences on the same values, for comparison",
        ],
    )
