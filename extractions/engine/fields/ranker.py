"""Choosing a field's value among its candidates (``fields.matching``): a learned ranker.

The model (``models/field_ranker.lgb``, a LightGBM classifier trained by ``manage.py
train_engine``, see ``training.field_ranker``) scores each candidate's features with the
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
    booster: Any
    # from which probability up a candidate replaces the rules' pick, answers a field whose
    # concept's rules found nothing, answers a field no concept covers
    thresholds: tuple[float, float, float]
    features: tuple[str, ...]


def _load(path: Path) -> RankerModel | None:
    # lightgbm and numpy load here, on the first document a worker fills, not when the web
    # process imports the engine
    import lightgbm

    meta_path = path.with_name(META_FILE)
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    features = tuple(meta.get("features") or FEATURES)
    if features != FEATURES:
        return None  # a model trained on other features: the rules decide until retrained
    booster = lightgbm.Booster(model_str=path.read_text())
    t = [float(x) for x in meta.get("thresholds") or (0.2, 0.2, 0.2)]
    return RankerModel(booster, (t[0], t[1], t[2]), features)


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
    # numpy is loaded with the model (lightgbm needs it), never by the web process
    import numpy as np

    rows = np.array([c.vector() for c in cands], dtype=np.float64)
    return [float(x) for x in m.booster.predict(rows, num_threads=1)]


def is_known_concept(cands: list[Candidate]) -> bool:
    """The field is surely one of the built-in concepts, whose rules know its labels: when
    they found nothing, the value is often not printed at all."""
    return any(c.feats.get("concept_score", 0.0) >= 0.9 for c in cands)


def choose(cands: list[Candidate]) -> tuple[Candidate, float] | None:
    """The best candidate and its score, or None when none is likely enough (the rules'
    pick, marked ``rule_agree`` on the candidates, then stands)."""
    if not cands:
        return None
    m = model()
    rule_found = any(c.feats.get("rule_agree") for c in cands)
    if m is None:
        # no model: the concept rules' pick stands; the label matcher only fills what they
        # left null
        if rule_found:
            return next(c for c in cands if c.feats.get("rule_agree")), 1.0
        threshold = 0.3
    elif rule_found:
        threshold = m.thresholds[0]
    else:
        threshold = m.thresholds[1] if is_known_concept(cands) else m.thresholds[2]
    ss = scores(cands)
    i = max(range(len(cands)), key=lambda k: (ss[k], -k))
    if ss[i] < threshold:
        return None
    return cands[i], ss[i]
