"""The learned form linker: units -> entities -> roles -> key/value links, by three small models.

Trained by ``manage.py train_engine`` (``training/forms_linker.py``) on FUNSD's entities and
question -> answer links, and written to ``models/forms_linker.json`` (three LightGBM boosters as
text, with their decision thresholds). When the file is absent the rules (pairs.py) answer alone.

1. *merge*: two neighbouring units (on a line, or a line and the one under it) are one entity;
2. *role*: an entity is a key (a printed label), a value (what was filled in) or other text;
3. *link*: a value's key among the entities left of or above it; each value takes its best key
   above the threshold, a key left without a value is an empty field (value ``None``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model_store import load_model
from ..types import KeyValuePair
from .features import (
    Group,
    PageUnits,
    candidate_ranks,
    collect_units,
    link_candidates,
    link_features,
    make_groups,
    merge_candidates,
    merge_features,
    role_features,
)
from .grid import make_pair
from .units import Unit

MODEL_FILE = "forms_linker.json"


class LinkerModel:
    """The three boosters and their thresholds."""

    def __init__(self, spec: dict[str, Any]) -> None:
        # LightGBM loads only with the model: the web process never reads a form.
        import lightgbm as lgb

        self.merge = lgb.Booster(model_str=spec["merge"])
        self.role = lgb.Booster(model_str=spec["role"])
        self.link = lgb.Booster(model_str=spec["link"])
        self.merge_threshold = float(spec.get("merge_threshold", 0.5))
        self.link_threshold = float(spec.get("link_threshold", 0.5))
        self.key_threshold = float(spec.get("key_threshold", 0.5))

    @staticmethod
    def load(path: Path) -> LinkerModel:
        return LinkerModel(json.loads(path.read_text(encoding="utf-8")))


def linker_model() -> LinkerModel | None:
    return load_model(MODEL_FILE, LinkerModel.load)


def _predict(booster: Any, rows: list[list[float]]) -> list[Any]:
    if not rows:
        return []
    return list(booster.predict(rows, num_threads=1))


def merge_groups(model: LinkerModel, pu: PageUnits) -> list[Group]:
    cands = merge_candidates(pu)
    probs = _predict(model.merge, [merge_features(pu, i, j) for i, j in cands])
    return make_groups(
        pu, [c for c, p in zip(cands, probs, strict=True) if p >= model.merge_threshold]
    )


def group_roles(model: LinkerModel, pu: PageUnits, groups: list[Group]) -> list[list[float]]:
    """Per group: probabilities of key, value, other."""
    probs = _predict(model.role, [role_features(pu, groups, g) for g in groups])
    return [[float(x) for x in p] for p in probs]


def link_scores(
    model: LinkerModel, pu: PageUnits, groups: list[Group], roles: list[list[float]]
) -> dict[tuple[int, int], float]:
    cands = link_candidates(groups)
    ranks = candidate_ranks(groups, cands)
    rows = [link_features(pu, groups, ki, vi, roles, ranks[(ki, vi)]) for ki, vi in cands]
    return {c: float(p) for c, p in zip(cands, _predict(model.link, rows), strict=True)}


def decode(
    groups: list[Group],
    roles: list[list[float]],
    scores: dict[tuple[int, int], float],
    *,
    link_threshold: float,
    key_threshold: float,
) -> list[tuple[int, int | None, float]]:
    """(key group, value group or None, confidence) in reading order of the keys.

    Each value takes its best key; a group that is some key's value is not a key itself, and a
    key with no value is an empty field when it reads as a key."""
    best: dict[int, tuple[float, int]] = {}
    for (ki, vi), p in scores.items():
        if p >= link_threshold and (vi not in best or p > best[vi][0]):
            best[vi] = (p, ki)
    values = set(best)
    links = [(ki, vi, p) for vi, (p, ki) in best.items() if ki not in values]
    keys = {ki for ki, _, _ in links}
    empty = [
        (gi, None, roles[gi][0])
        for gi in range(len(groups))
        if gi not in keys and gi not in values and roles[gi][0] >= key_threshold
    ]
    out = links + empty
    out.sort(
        key=lambda t: (groups[t[0]].y0, groups[t[0]].x0, groups[t[1]].y0 if t[1] is not None else 0)
    )
    return out


def _as_unit(g: Group) -> Unit:
    return Unit(g.words, g.units[0].line, colon=g.units[-1].colon)


def learned_pairs(
    page: int, lines: list[list[Unit]], rule_pairs: list[KeyValuePair], word_height: float
) -> list[KeyValuePair] | None:
    """The page's pairs by the learned linker; None when there is no model file."""
    model = linker_model()
    if model is None:
        return None
    pu = collect_units(lines, rule_pairs, word_height)
    if not pu.units:
        return []
    groups = merge_groups(model, pu)
    roles = group_roles(model, pu, groups)
    scores = link_scores(model, pu, groups, roles)
    out = []
    for ki, vi, conf in decode(
        groups,
        roles,
        scores,
        link_threshold=model.link_threshold,
        key_threshold=model.key_threshold,
    ):
        value = _as_unit(groups[vi]) if vi is not None else None
        out.append(make_pair(page, _as_unit(groups[ki]), value, conf))
    return out
