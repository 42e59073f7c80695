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
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from ..confidence.calibrate import (
    MODEL_FILE,
    Calibrator,
    TreeEnsemble,
    calibrator_to_json,
    isotonic_map,
)
from ..confidence.features import FEATURE_NAMES, KINDS
from ..evaluation.calibration import GROUPS, auroc, group_figures
from ..evaluation.harness import load_corpus, run_corpus
from ..evaluation.schema_sets import CORPUS_SET, available_sets, load_schema_set
from ..fields import ranker
from ..fields.ranker import MODEL_FILE as RANKER_FILE
from ..model_store import model_replaced
from . import field_ranker
from .registry import TrainContext, TrainReport

FOLDS = 5
# Synthetic documents (docgen) beside the corpora: clean, well-labelled invoices and receipts
# in many layouts, some scanned, so that "everything agrees" is learned from more than the
# corpora's few templates. The figures reported are those of the real documents only.
SYNTHETIC_INVOICES = 120
SYNTHETIC_RECEIPTS = 60
SYNTHETIC_SCANS = 0.15
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


def _synthetic_corpus(ctx: TrainContext, folder: Path) -> Path | None:
    import docgen.corpus  # training only: the generator is not part of the engine

    if ctx.synthetic < 0:  # none asked for
        return None
    invoices = ctx.synthetic or SYNTHETIC_INVOICES
    receipts = ctx.synthetic // 2 if ctx.synthetic else SYNTHETIC_RECEIPTS
    return docgen.corpus.write_corpus(
        folder, invoices=invoices, receipts=receipts, scans=SYNTHETIC_SCANS, seed=ctx.seed
    )


def collect(
    ctx: TrainContext, synthetic: Path | None = None, *, out_of_fold_ranker: bool = True
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Feature rows, labels (1 right), leaf kinds and split groups of every judged value;
    a synthetic corpus's groups start with "synthetic:".

    The labelled corpora are the field ranker's training documents too: run with the
    shipped ranker, their values would be chosen, and scored, by a model that has seen them,
    more surely than on a customer's documents. So each fold of documents (the folds
    ``train`` cross-validates with) is run with a ranker fitted without it
    (``out_of_fold_ranker``), and the calibrator learns how sure the ranker is, and how often
    right, on documents it has not seen."""
    rows: list[list[float]] = []
    labels: list[int] = []
    kinds: list[str] = []
    groups: list[str] = []
    real = {corpus: load_corpus(corpus) for corpus in ctx.corpora}
    group_of = {
        (str(corpus), e.id): f"{corpus}:{e.group}" for corpus, es in real.items() for e in es
    }
    fold_of_group = _fold_map(sorted(set(group_of.values())), ctx.seed)
    rankers = _out_of_fold_rankers(ctx, group_of, fold_of_group) if out_of_fold_ranker else {}
    with tempfile.TemporaryDirectory(prefix="pp-folds-") as tmp:
        runs: list[tuple[Path, Path, Any]] = []  # (corpus, folder to run, ranker or None)
        for corpus, entries in real.items():
            if not rankers:
                runs.append((corpus, corpus, None))
                continue
            for k, ranker_model in rankers.items():
                ids = {e.id for e in entries if fold_of_group[group_of[(str(corpus), e.id)]] == k}
                runs.append((corpus, _fold_corpus(corpus, ids, Path(tmp) / f"{k}"), ranker_model))
        if synthetic is not None:
            runs.append((synthetic, synthetic, None))
            group_of.update(
                {(str(synthetic), e.id): f"synthetic:{e.group}" for e in load_corpus(synthetic)}
            )
        for corpus, folder, ranker_model in runs:
            names = available_sets() if corpus != synthetic else [CORPUS_SET]
            for name in names:
                schema_set = None if name == CORPUS_SET else load_schema_set(name)
                with _ranker(ranker_model):
                    report = run_corpus(
                        folder, cache_dir=ctx.cache_dir, schema_set=schema_set, calibrate=False
                    )
                judged = 0
                for doc in report.documents:
                    for leaf in doc.leaves:
                        if leaf.right is None:
                            continue
                        rows.append(leaf.features)
                        labels.append(int(leaf.right))
                        kinds.append(leaf.kind)
                        groups.append(group_of.get((str(corpus), doc.id), doc.id))
                        judged += 1
                ctx.log(f"confidence: {folder} with the {name!r} schemas: {judged} judged values")
    return np.asarray(rows, dtype=np.float64), np.asarray(labels), kinds, groups


def _ranker(model: Any) -> Any:
    """The field ranker ``model`` in place of the shipped one (none: the shipped one)."""
    return nullcontext() if model is None else model_replaced(RANKER_FILE, model)


def _out_of_fold_rankers(
    ctx: TrainContext, group_of: dict[tuple[str, str], str], fold_of_group: dict[str, int]
) -> dict[int, Any]:
    """Per fold, the field ranker fitted (as ``field_ranker`` fits it, with the shipped
    model's thresholds) on the other folds' documents; {} when no ranker is shipped."""
    shipped = ranker.model()
    if shipped is None:
        return {}
    records = field_ranker.collect(ctx)
    if not records:  # no documents of the kinds the ranker reads
        return {}
    fold_of_doc = {f"{c}:{i}": fold_of_group[g] for (c, i), g in group_of.items()}
    out = {}
    for k in range(FOLDS):
        rest = [r for r in records if fold_of_doc.get(r["doc"]) != k]
        booster = field_ranker.fit(rest, ctx.seed)
        forest = ranker.Forest(booster.model_to_string())
        out[k] = ranker.RankerModel(forest, shipped.thresholds, shipped.features)
        ctx.log(f"confidence: field ranker without fold {k}: {len(rest)} fields")
    return out


def _fold_corpus(corpus: Path, ids: set[str], folder: Path) -> Path:
    """A corpus folder of ``corpus``'s documents ``ids`` only (its manifest filtered, its
    files and schemas linked, not copied)."""
    folder.mkdir(parents=True)
    for item in corpus.iterdir():
        if item.name != "manifest.jsonl":
            (folder / item.name).symlink_to(item.resolve())
    with (
        open(corpus / "manifest.jsonl", encoding="utf-8") as src,
        open(folder / "manifest.jsonl", "w", encoding="utf-8") as dst,
    ):
        for line in src:
            if line.strip():
                raw = json.loads(line)
                if raw.get("id", raw["file"]) in ids:
                    dst.write(line)
    return folder


def _fold_map(unique: list[str], seed: int) -> dict[str, int]:
    """A fold per group, the groups shuffled by the seed."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(unique))
    return {unique[i]: k % FOLDS for k, i in enumerate(order)}


def _folds(groups: list[str], seed: int) -> np.ndarray:
    """A fold number per row; every group in one fold. The real corpora's groups are
    assigned as ``collect`` assigned them for the out-of-fold rankers; synthetic ones
    apart."""
    unique = sorted(set(groups))
    fold_of = _fold_map([g for g in unique if not g.startswith("synthetic:")], seed)
    fold_of.update(_fold_map([g for g in unique if g.startswith("synthetic:")], seed))
    return np.asarray([fold_of[g] for g in groups])


# More evidence never makes a value less likely to be right: the ensemble may only rise with
# the parsing step's own score, the OCR confidence of the cited words and the share of the
# field's name printed before the value (so it keeps the order the rules already get right),
# with how far the ranker puts the chosen value above the others, with the concept rules
# picking the same value, and with the amount balancing with others or with the line items.
MONOTONE_UP = (
    "raw",
    "ocr_mean",
    "ocr_min",
    "label_overlap",
    "choice_margin",
    "choice_share",
    "rule_state",
    "balances",
    "lines_sum",
    "balance_state",
)
# ... and never more likely right with more signs of a misread or cut name, or with a longer
# competing value that holds the chosen one (the chosen one may be cut short).
MONOTONE_DOWN = ("odd_characters", "cut_start", "choice_longer_other")
# Synthetic values are many and nearly all right: they teach what a clean document looks
# like without outweighing the real corpora.
SYNTHETIC_WEIGHT = 0.3


# Leaf kinds that get an ensemble of their own (``Calibrator.kind_trees``), by ensemble: a
# pair's key and value are right together, so they share one; the other kinds share the
# rest. Cross-validated on train, a scalars-only ensemble ranks scalars at AUROC 0.88 against
# 0.84 for the shared one, which spends most of its splits on the far more numerous pairs;
# the pairs' own (with their pairing evidence, ``confidence/evidence.py``) ranks them at
# 0.73 against 0.70 in the shared one.
OWN_ENSEMBLE: dict[str, tuple[str, ...]] = {
    "scalar": ("scalar",),
    "pair": ("pair_key", "pair_value"),
}
# Per own ensemble, what differs from ``PARAMS``: pairs are many (17,000 on train) and right
# for intricate reasons, so their trees are deeper.
OWN_PARAMS: dict[str, dict[str, Any]] = {
    "pair": {"n_estimators": 300, "num_leaves": 31, "max_depth": 6, "min_child_samples": 50},
}


def _fit_by_kind(
    x: np.ndarray, y: np.ndarray, kinds: np.ndarray, seed: int, weight: np.ndarray
) -> tuple[Any, dict[str, Any]]:
    """The shared ensemble (fitted on the kinds without their own) and, per kind of an
    ``OWN_ENSEMBLE`` present in the rows, its ensemble (the same model for the kinds of
    one)."""
    own = {}
    shared_rows = np.ones(len(y), dtype=bool)
    for name, members in OWN_ENSEMBLE.items():
        mask = np.isin(kinds, members)
        if mask.sum() >= 50 and 0 < y[mask].sum() < mask.sum():
            model = _fit_trees(x[mask], y[mask], seed, weight[mask], OWN_PARAMS.get(name))
            own.update({kind: model for kind in members})
            shared_rows &= ~mask
    if not shared_rows.any():
        return None, own
    return _fit_trees(x[shared_rows], y[shared_rows], seed, weight[shared_rows]), own


def _predict_by_kind(shared: Any, own: dict[str, Any], x: np.ndarray, kinds: np.ndarray) -> Any:
    p = np.zeros(len(x))
    rest = np.ones(len(x), dtype=bool)
    for kind, model in own.items():
        mask = kinds == kind
        if mask.any():
            p[mask] = model.predict_proba(x[mask])[:, 1]
            rest &= ~mask
    if rest.any() and shared is not None:
        p[rest] = shared.predict_proba(x[rest])[:, 1]
    return p


def _fit_trees(
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    weight: np.ndarray | None = None,
    params: dict[str, Any] | None = None,
) -> Any:
    import lightgbm as lgb  # training only: workers evaluate the dumped trees with numpy

    monotone = [
        1 if name in MONOTONE_UP else -1 if name in MONOTONE_DOWN else 0 for name in FEATURE_NAMES
    ]
    model = lgb.LGBMClassifier(
        **{**PARAMS, **(params or {})}, random_state=seed, monotone_constraints=monotone
    )
    model.fit(x, y, sample_weight=weight)
    return model


def _isotonic(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.isotonic import IsotonicRegression  # training only

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(p, y, sample_weight=w)
    xs, ys = np.asarray(iso.X_thresholds_), np.asarray(iso.y_thresholds_, dtype=np.float64)
    return xs, tilted_steps(xs, ys)


# How far a flat step of an isotonic map is tilted at each end (at most a quarter of the way
# to the next level): the map stays calibrated within this, and no longer ties the values a
# step holds, which the score tells apart. A table's cells, calibrated from their raw score,
# rank at dev AUROC 0.84 through the flat map, 0.86 (as the raw score) through the tilted one.
TILT = 0.005


def tilted_steps(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The map's levels with every flat step (two thresholds at one level) rising gently
    from its start to its end, still below the next level and above the previous one."""
    out = ys.copy()
    levels = np.unique(ys)
    for i in range(len(xs) - 1):
        if ys[i] != ys[i + 1] or xs[i] == xs[i + 1]:
            continue
        k = int(np.searchsorted(levels, ys[i]))
        below = ys[i] - levels[k - 1] if k > 0 else ys[i]
        above = levels[k + 1] - ys[i] if k + 1 < len(levels) else 1.0 - ys[i]
        out[i] = ys[i] - min(TILT, below / 4)
        out[i + 1] = ys[i] + min(TILT, above / 4)
    return out


def _isotonic_maps(
    p: np.ndarray, y: np.ndarray, kinds: np.ndarray, w: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    maps = {}
    for kind in KINDS:
        mask = kinds == kind
        if mask.sum() >= 50 and 0 < y[mask].sum() < mask.sum():
            maps[kind] = _isotonic(p[mask], y[mask], w[mask])
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
    with tempfile.TemporaryDirectory(prefix="pp-synthetic-") as folder:
        x, y, kind_list, groups = collect(ctx, _synthetic_corpus(ctx, Path(folder)))
    if len(y) < 200 or y.min() == y.max():
        raise ValueError(f"too few judged values to train the calibrator ({len(y)})")
    kinds = np.asarray(kind_list)
    real = np.asarray([not g.startswith("synthetic:") for g in groups])
    weight = np.where(real, 1.0, SYNTHETIC_WEIGHT)
    folds = _folds(groups, ctx.seed)
    oof = np.zeros(len(y))
    for k in range(FOLDS):
        test = folds == k
        shared, own = _fit_by_kind(x[~test], y[~test], kinds[~test], ctx.seed, weight[~test])
        oof[test] = _predict_by_kind(shared, own, x[test], kinds[test])
    raw = x[:, FEATURE_NAMES.index("raw")]
    # end-to-end cross-validated figures: each fold's isotonic maps from the other folds,
    # over the ensemble's probability and, to compare, over the raw confidence alone
    calibrated = np.zeros(len(y))
    raw_calibrated = np.zeros(len(y))
    for k in range(FOLDS):
        test = folds == k
        maps = _isotonic_maps(oof[~test], y[~test], kinds[~test], weight[~test])
        raw_maps = _isotonic_maps(raw[~test], y[~test], kinds[~test], weight[~test])
        calibrated[test] = oof[test]
        raw_calibrated[test] = raw[test]
        for kind, (xs, ys) in maps.items():
            mask = test & (kinds == kind)
            calibrated[mask] = isotonic_map(oof[mask], xs, ys)
        for kind, (xs, ys) in raw_maps.items():
            mask = test & (kinds == kind)
            raw_calibrated[mask] = isotonic_map(raw[mask], xs, ys)
    # a kind keeps the raw confidence (calibrated) where it ranks the real values better
    raw_kinds = set()
    for kind in KINDS:
        mask = real & (kinds == kind)
        if not mask.any():
            continue
        ours = auroc([bool(v) for v in y[mask]], [float(v) for v in calibrated[mask]])
        theirs = auroc([bool(v) for v in y[mask]], [float(v) for v in raw_calibrated[mask]])
        if ours is not None and theirs is not None and theirs > ours:
            raw_kinds.add(kind)
            calibrated[kinds == kind] = raw_calibrated[kinds == kind]
    calibrated = np.clip(calibrated, 0.01, 0.99)

    maps = _isotonic_maps(oof, y, kinds, weight)
    raw_maps = _isotonic_maps(raw, y, kinds, weight)
    shared, own = _fit_by_kind(x, y, kinds, ctx.seed, weight)
    dumped = {id(m): ensemble_from_lightgbm(m) for m in own.values()}  # pair kinds share one
    final = Calibrator(
        trees=ensemble_from_lightgbm(shared),
        isotonic={k: (raw_maps if k in raw_kinds else maps)[k] for k in KINDS if k in maps},
        raw_kinds=frozenset(raw_kinds),
        kind_trees={k: dumped[id(m)] for k, m in own.items()},
    )
    path = ctx.out_dir / MODEL_FILE
    path.write_text(json.dumps(calibrator_to_json(final), separators=(",", ":")), encoding="utf-8")
    return TrainReport(
        name="confidence",
        files=[MODEL_FILE],
        metrics={
            "values": len(y),
            "synthetic_values": int((~real).sum()),
            "raw_kinds": sorted(raw_kinds),
            "documents_groups": len(set(groups)),
            "size_bytes": path.stat().st_size,
            "cross_validated": _figures(y[real], calibrated[real], kinds[real]),
            "raw": _figures(y[real], raw[real], kinds[real]),
            "cross_validated_synthetic": _figures(y[~real], calibrated[~real], kinds[~real]),
        },
        notes=[
            "cross_validated: grouped 5-fold, trees and isotonic maps fitted without the fold; "
            "figures on the real corpora's values only",
            "raw: the parsing step's own confidences on the same values, for comparison",
            "trained with synthetic documents too (docgen: synthetic_values)",
        ],
    )
