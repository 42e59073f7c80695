"""Raw confidences → calibrated probabilities, with the model ``train_engine`` writes.

The model is a small gradient-boosted tree ensemble (trained with LightGBM, stored as plain
JSON arrays and evaluated here with numpy, so a worker pays neither LightGBM's import nor
its per-call overhead) followed by an isotonic map per leaf kind, fitted on out-of-fold
predictions: a value given 0.9 is right about nine times in ten on documents the model was
not trained on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..model_store import load_model
from ..types import Citation, FillResult, PageContent
from .features import FEATURE_NAMES, KINDS, leaf_features, leaves_of

MODEL_FILE = "confidence.json"
MODEL_VERSION = 2
# Calibrated values stay strictly inside (0, 1): no value is certain, none certainly wrong.
FLOOR, CEILING = 0.01, 0.99


def isotonic_map(score: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """A score through its isotonic map (``xs`` → ``ys``, fitted by the trainer)."""
    return np.interp(score, xs, ys)


@dataclass(slots=True)
class TreeEnsemble:
    """Flat node arrays of every tree; a node with ``feature < 0`` is a leaf."""

    feature: list[np.ndarray]
    threshold: list[np.ndarray]
    left: list[np.ndarray]
    right: list[np.ndarray]
    value: list[np.ndarray]
    depth: int

    def raw_score(self, x: np.ndarray) -> np.ndarray:
        rows = np.arange(x.shape[0])
        total = np.zeros(x.shape[0])
        for f, t, lft, rgt, val in zip(
            self.feature, self.threshold, self.left, self.right, self.value, strict=True
        ):
            idx = np.zeros(x.shape[0], dtype=np.int64)
            for _ in range(self.depth):
                feat = f[idx]
                leaf = feat < 0
                if leaf.all():
                    break
                go_left = x[rows, np.where(leaf, 0, feat)] <= t[idx]
                idx = np.where(leaf, idx, np.where(go_left, lft[idx], rgt[idx]))
            total += val[idx]
        return total

    def to_json(self) -> list[dict[str, list[Any]]]:
        return [
            {
                "feature": f.tolist(),
                "threshold": t.tolist(),
                "left": lft.tolist(),
                "right": rgt.tolist(),
                "value": v.tolist(),
            }
            for f, t, lft, rgt, v in zip(
                self.feature, self.threshold, self.left, self.right, self.value, strict=True
            )
        ]

    @classmethod
    def from_json(cls, trees: list[dict[str, list[Any]]], depth: int) -> TreeEnsemble:
        return cls(
            feature=[np.asarray(t["feature"], dtype=np.int64) for t in trees],
            threshold=[np.asarray(t["threshold"], dtype=np.float64) for t in trees],
            left=[np.asarray(t["left"], dtype=np.int64) for t in trees],
            right=[np.asarray(t["right"], dtype=np.int64) for t in trees],
            value=[np.asarray(t["value"], dtype=np.float64) for t in trees],
            depth=depth,
        )


@dataclass(slots=True)
class Calibrator:
    trees: TreeEnsemble  # the leaf kinds without their own ensemble
    # per leaf kind: isotonic map from the ensemble's probability to the observed rate
    isotonic: dict[str, tuple[np.ndarray, np.ndarray]]
    # leaf kinds whose raw confidence ranks better than the ensemble (cross-validated): their
    # isotonic map reads the raw confidence itself
    raw_kinds: frozenset[str] = frozenset()
    # leaf kinds with an ensemble of their own: a header field is right for other reasons
    # than a form pair, and pairs are most of the values (a shared ensemble spends its
    # splits on them)
    kind_trees: dict[str, TreeEnsemble] = field(default_factory=dict)

    def probabilities_of(
        self, rows: Sequence[Sequence[float]], kinds: Sequence[str]
    ) -> list[float]:
        """``probabilities`` of plain feature rows (``features.leaf_features``)."""
        return self.probabilities(np.asarray(rows, dtype=np.float64), kinds).tolist()

    def probabilities(self, x: np.ndarray, kinds: Sequence[str]) -> np.ndarray:
        kinds_arr = np.asarray(kinds)
        score = np.zeros(x.shape[0])
        shared = np.ones(x.shape[0], dtype=bool)
        # kinds that share an ensemble (a pair's key and value) go through it together
        members: dict[int, tuple[TreeEnsemble, list[str]]] = {}
        for kind, trees in self.kind_trees.items():
            members.setdefault(id(trees), (trees, []))[1].append(kind)
        for trees, its_kinds in members.values():
            mask = np.isin(kinds_arr, its_kinds)
            if mask.any():
                score[mask] = trees.raw_score(x[mask])
                shared &= ~mask
        if shared.any():
            score[shared] = self.trees.raw_score(x[shared])
        p = 1.0 / (1.0 + np.exp(-score))
        raw = x[:, FEATURE_NAMES.index("raw")]
        out = p.copy()
        for kind, (xs, ys) in self.isotonic.items():
            mask = kinds_arr == kind
            if mask.any():
                source = raw if kind in self.raw_kinds else p
                out[mask] = isotonic_map(source[mask], xs, ys)
        return np.clip(out, FLOOR, CEILING)


def calibrator_to_json(calibrator: Calibrator) -> dict[str, Any]:
    return {
        "version": MODEL_VERSION,
        "features": list(FEATURE_NAMES),
        "depth": calibrator.trees.depth,
        "trees": calibrator.trees.to_json(),
        "isotonic": {k: [xs.tolist(), ys.tolist()] for k, (xs, ys) in calibrator.isotonic.items()},
        "raw_kinds": sorted(calibrator.raw_kinds),
        "kind_trees": _kind_trees_json(calibrator.kind_trees),
    }


def _kind_trees_json(kind_trees: dict[str, TreeEnsemble]) -> dict[str, Any]:
    """Each kind's ensemble; a kind sharing an earlier kind's (a pair's key and value) names
    it (``same_as``) instead of repeating its trees."""
    out: dict[str, Any] = {}
    written: list[tuple[str, list[dict[str, list[Any]]]]] = []
    for kind, trees in kind_trees.items():
        as_json = trees.to_json()
        same = next((k for k, t in written if t == as_json), None)
        if same is not None:
            out[kind] = {"same_as": same}
            continue
        written.append((kind, as_json))
        out[kind] = {"depth": trees.depth, "trees": as_json}
    return out


def calibrator_from_json(spec: dict[str, Any]) -> Calibrator | None:
    """None when the file was written for other features (retrain: ``train_engine``)."""
    if spec.get("version") != MODEL_VERSION or spec.get("features") != list(FEATURE_NAMES):
        return None
    return Calibrator(
        trees=TreeEnsemble.from_json(spec["trees"], int(spec["depth"])),
        isotonic={
            k: (np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64))
            for k, (xs, ys) in spec["isotonic"].items()
            if k in KINDS
        },
        raw_kinds=frozenset(spec.get("raw_kinds") or ()),
        kind_trees=_kind_trees_from_json(spec.get("kind_trees") or {}),
    )


def _kind_trees_from_json(spec: dict[str, Any]) -> dict[str, TreeEnsemble]:
    out: dict[str, TreeEnsemble] = {}
    for kind, t in spec.items():
        if kind in KINDS and "trees" in t:
            out[kind] = TreeEnsemble.from_json(t["trees"], int(t["depth"]))
    for kind, t in spec.items():
        if kind in KINDS and t.get("same_as") in out:
            out[kind] = out[t["same_as"]]  # one object: evaluated once for both kinds
    return out


def _load(path: Path) -> Calibrator | None:
    return calibrator_from_json(json.loads(path.read_text(encoding="utf-8")))


def current_calibrator() -> Calibrator | None:
    return load_model(MODEL_FILE, _load)


def calibrate(
    *,
    schema: dict[str, Any],
    filled: FillResult,
    citations: dict[str, Citation],
    confidence: dict[str, float],
    pages: Sequence[PageContent],
    calibrator: Calibrator | None = None,
) -> dict[str, float]:
    """Calibrated confidences for the leaves ``confidence`` holds (the location step's);
    the same dict back when there is no model."""
    model = calibrator or current_calibrator()
    if model is None or not confidence:
        return confidence
    out = dict(confidence)
    # Kinds that keep their raw confidence need no features: a long table's cells are most
    # of a document's values.
    direct = {k for k in model.raw_kinds if k in model.isotonic}
    if direct:
        paths: dict[str, list[str]] = {}
        for leaf in leaves_of(filled.data, schema):
            if leaf.kind in direct and leaf.path in out:
                paths.setdefault(leaf.kind, []).append(leaf.path)
        # one interpolation per kind: a long table's cells are thousands of leaves
        for kind, kind_paths in paths.items():
            xs, ys = model.isotonic[kind]
            raw = np.fromiter((out[p] for p in kind_paths), dtype=np.float64, count=len(kind_paths))
            calibrated = np.clip(isotonic_map(raw, xs, ys), FLOOR, CEILING)
            for path, c in zip(kind_paths, calibrated.tolist(), strict=True):
                out[path] = round(c, 4)
    leaves, rows = leaf_features(
        schema=schema,
        data=filled.data,
        citations=citations,
        raw_confidence=confidence,
        cited_by_parser=set(filled.citations),
        pages=pages,
        kinds=[k for k in KINDS if k not in direct],
        evidence=filled.evidence,
    )
    if not rows:
        return out
    probs = model.probabilities(np.asarray(rows, dtype=np.float64), [lf.kind for lf in leaves])
    for leaf, p in zip(leaves, probs, strict=True):
        if leaf.path in out:
            out[leaf.path] = round(float(p), 4)
    return out
