"""Choosing a field's value among its candidates (``fields.matching``): a learned ranker.

The model (``models/field_ranker.lgb``, a LightGBM classifier trained by ``manage.py
train_engine``, see ``training.field_ranker``; read and evaluated with numpy alone by
``Forest``, so a worker never imports lightgbm) scores each candidate's features with the
probability that it is the field's value; the best one wins when that probability clears
the threshold stored beside the model. Without the model file the hand-set score below
decides (label match, placement, agreement with the concept rules), so the engine still
runs from a bare checkout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model_store import load_model
from .matching import FEATURES, Candidate

MODEL_FILE = "field_ranker.lgb"
META_FILE = "field_ranker.json"


@dataclass(slots=True)
class RankerModel:
    trees: Any  # Forest
    # per situation and kind of value (``cell_of``): from which probability up the best
    # candidate replaces the rules' pick ("found:..."), answers a field whose concept's
    # rules found nothing ("concept:..."), answers a field no concept covers ("open:...")
    thresholds: dict[str, float]
    features: tuple[str, ...]

    def predict(self, rows: list[list[float]]) -> list[float]:
        return self.trees.predict(rows)


class Forest:
    """A LightGBM model file (text format, numeric splits) evaluated with numpy alone.

    ``import lightgbm`` costs about a CPU-second (it pulls in its scikit-learn and pandas
    glue); reading the file's trees into arrays takes a few milliseconds, and walking all
    trees at once for a field's few dozen candidates is a handful of array operations."""

    def __init__(self, text: str) -> None:
        # numpy loads with the model, on the first document a worker fills
        import numpy as np

        self.np = np
        trees: list[dict[str, list[float]]] = []
        cur: dict[str, list[float]] | None = None
        for line in text.splitlines():
            if line.startswith("Tree="):
                cur = {}
                trees.append(cur)
            elif line.startswith("end of trees"):
                break
            elif cur is not None and "=" in line:
                key, _, val = line.partition("=")
                if key in _TREE_KEYS:
                    cur[key] = [float(x) for x in val.split()]
        width = max(len(t.get("leaf_value", [])) * 2 for t in trees)
        n = len(trees)
        feat = np.zeros((n, width), dtype=np.int64)
        thr = np.full((n, width), np.inf)
        left = np.zeros((n, width), dtype=np.int64)
        right = np.zeros((n, width), dtype=np.int64)
        value = np.zeros((n, width))
        for i, t in enumerate(trees):
            leaves = t["leaf_value"]
            internal = len(leaves) - 1
            # internal nodes keep their index, leaf k sits at internal + k and loops on itself
            for j in range(internal):
                feat[i, j] = int(t["split_feature"][j])
                thr[i, j] = t["threshold"][j]
                for arr, key in ((left, "left_child"), (right, "right_child")):
                    c = int(t[key][j])
                    arr[i, j] = c if c >= 0 else internal + (~c)
            for k, v in enumerate(leaves):
                node = internal + k
                left[i, node] = right[i, node] = node
                value[i, node] = v
        self.feat, self.thr, self.left, self.right, self.value = feat, thr, left, right, value
        self.depth = width  # an upper bound; the walk stops once every tree sits on a leaf
        self.rows = np.arange(n)[:, None]

    def predict(self, rows: list[list[float]]) -> list[float]:
        np = self.np
        x = np.asarray(rows, dtype=np.float64)
        n_trees = self.feat.shape[0]
        node = np.zeros((n_trees, len(rows)), dtype=np.int64)
        cols = np.arange(len(rows))[None, :]
        t = self.rows
        for _ in range(self.depth):
            f = self.feat[t, node]
            go_left = x[cols, f] <= self.thr[t, node]
            nxt = np.where(go_left, self.left[t, node], self.right[t, node])
            if np.array_equal(nxt, node):
                break
            node = nxt
        raw = self.value[t, node].sum(axis=0)
        return [float(v) for v in 1.0 / (1.0 + np.exp(-raw))]


_TREE_KEYS = {"split_feature", "threshold", "left_child", "right_child", "leaf_value"}


def _load(path: Path) -> RankerModel | None:
    meta_path = path.with_name(META_FILE)
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    features = tuple(meta.get("features") or FEATURES)
    if features != FEATURES:
        return None  # a model trained on other features: the rules decide until retrained
    thresholds = {str(k): float(v) for k, v in (meta.get("thresholds") or {}).items()}
    return RankerModel(Forest(path.read_text()), thresholds, features)


def model() -> RankerModel | None:
    return load_model(MODEL_FILE, _load)  # type: ignore[no-any-return]


def rule_score(c: Candidate) -> float:
    """The fallback's score: a hand-weighted sum of the strongest features."""
    f = c.feats
    if f.get("rule_only"):
        return 0.55
    s = 0.35 * f.get("name_cover", 0.0) + 0.15 * f.get("label_cover", 0.0)
    s += 0.1 * min(f.get("desc_hit", 0.0), 2.0) + 0.2 * f.get("alias", 0.0)
    s += 0.15 * f.get("concept_phrase", 0.0) + 0.1 * f.get("concept_strong", 0.0)
    s += 0.25 * f.get("rule_agree", 0.0) + 0.05 * f.get("colon", 0.0)
    s -= 0.4 * f.get("opposite", 0.0) + 0.15 * max(f.get("position_match", 0.0) * -1, 0.0)
    s += 0.1 * max(f.get("position_match", 0.0), 0.0)
    s -= 0.05 * f.get("region_rank", 0.0) + 0.1 * f.get("where_below", 0.0)
    s -= 0.3 * f.get("year_like", 0.0) + 0.2 * f.get("value_has_colon", 0.0)
    return s


def scores(cands: list[Candidate]) -> list[float]:
    m = model()
    if m is None or not cands:
        return [rule_score(c) for c in cands]
    return m.predict([c.vector() for c in cands])


def is_known_concept(cands: list[Candidate]) -> bool:
    """The field is surely one of the built-in concepts, whose rules know its labels: when
    they found nothing, the value is often not printed at all."""
    return any(c.feats.get("concept_score", 0.0) >= 0.9 for c in cands)


def cell_of(cands: list[Candidate]) -> str:
    """The situation a field's choice is made in, and its kind of value: each has its own
    threshold (a date the rules did not find is seldom printed; an amount often is, under
    a label they do not know)."""
    if any(c.feats.get("rule_agree") for c in cands):
        situation = "found"
    else:
        situation = "concept" if is_known_concept(cands) else "open"
    f = cands[0].feats if cands else {}
    kind = next((k for k in _KIND_FEATURES if f.get(f"kind_{k}")), "other")
    return f"{situation}:{kind}"


_KIND_FEATURES = ("amount", "date", "id", "text")


def threshold_for(thresholds: dict[str, float], cell: str) -> float:
    """A cell's threshold, else its situation's, else a middle value."""
    got = thresholds.get(cell)
    if got is None:
        got = thresholds.get(cell.split(":", 1)[0], 0.2)
    return got


def choose(cands: list[Candidate]) -> tuple[Candidate, float] | None:
    """The best candidate and its score, or None when none is likely enough (the rules'
    pick, marked ``rule_agree`` on the candidates, then stands)."""
    return choose_scored(cands)[0]


def choose_scored(
    cands: list[Candidate],
) -> tuple[tuple[Candidate, float] | None, list[float]]:
    """``choose``'s answer and every candidate's score (the confidence calibrator reads how
    far the chosen value stands above the others)."""
    if not cands:
        return None, []
    m = model()
    if m is None:
        # no model: the concept rules' pick stands; the label matcher only fills what they
        # left null
        for c in cands:
            if c.feats.get("rule_agree"):
                return (c, 1.0), scores(cands)
        threshold = 0.3
    else:
        threshold = threshold_for(m.thresholds, cell_of(cands))
    ss = scores(cands)
    i = max(range(len(cands)), key=lambda k: (ss[k], -k))
    if ss[i] < threshold:
        return None, ss
    return (cands[i], ss[i]), ss
