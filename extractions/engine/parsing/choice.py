"""How the parsing step chose a scalar's value, as numbers for the confidence calibrator.

``choice_evidence`` reads a field's candidates (``fields.matching``) and the ranker's scores
of them (``fields.ranker.choose_scored``) for the value that was chosen: its score and the
best other value's, how many values competed, whether the concept rules picked the same one,
and the chosen candidate's own label evidence. The names are ``types.CHOICE_EVIDENCE``.
"""

from __future__ import annotations

from typing import Any

from ..fields.matching import Candidate, value_key
from ..types import Found


def choice_evidence(
    *,
    chosen: Found,
    rule: Found | None,
    cands: list[Candidate] | None,
    scores: list[float],
    replaced: bool,
    kind: str = "",
) -> dict[str, float]:
    """How a scalar's value was chosen (``types.CHOICE_EVIDENCE``): a value the ranker scores
    far above every other one, that the rules also picked, is more often right than one of
    several values of about the same score."""
    key = value_key(chosen.value)
    rule_state = 0.0 if rule is None else 1.0 if value_key(rule.value) == key else -1.0
    kinds = {
        "value_name": float(kind == "name"),
        "value_address": float(kind == "address"),
        "value_id": float(kind == "id"),
        "value_text": float(kind == "text"),
        "value_code": float(kind in _CODE_KINDS),
    }
    if cands is None or not cands or len(scores) != len(cands):
        return {"matched": 0.0, "ranker_pick": 0.0, "rule_state": rule_state, **kinds}
    top, other, total, own, same = -1.0, 0.0, 0.0, 0.0, 0
    best: Candidate | None = None
    others: set[Any] = set()
    for c, s in zip(cands, scores, strict=True):
        total += s
        k = value_key(c.found.value)
        if k == key:
            if s > top:
                top, best = s, c
            own += s
            same += 1
        else:
            other = max(other, s)
            others.add(k)
    label = best.feats if best is not None else {}
    own_text = key if isinstance(key, str) else ""
    longer = shorter = 0.0
    if own_text:
        for k in others:
            if isinstance(k, str) and k:
                if own_text in k:
                    longer = 1.0
                elif k in own_text:
                    shorter = 1.0
    chosen_score = top if top >= 0 else 0.0
    return {
        "matched": 1.0,
        "ranker_pick": float(replaced),
        "rule_state": rule_state,
        "choice_top": chosen_score,
        "choice_runner_up": other,
        "choice_margin": chosen_score - other,
        "choice_share": own / total if total > 0 else 0.0,
        "choice_values": float(min(len(others) + 1, 20)),
        "choice_same": float(min(same, 10)),
        "choice_longer_other": longer,
        "choice_shorter_other": shorter,
        **kinds,
        **{name: float(label.get(feat, 0.0)) for name, feat in _LABEL_EVIDENCE.items()},
    }


# evidence name -> the chosen candidate's ranker feature (fields.matching.FEATURES)
_LABEL_EVIDENCE = {
    "label_name_cover": "name_cover",
    "label_cover": "label_cover",
    "label_concept_strong": "concept_strong",
    "label_opposite": "opposite",
    "label_colon": "colon",
    "label_where_same": "where_same",
    "label_position_match": "position_match",
    "label_is_min_date": "is_min_date",
    "label_is_max_date": "is_max_date",
}

# values read by a pattern or from a closed list: their shape says much of whether they are right
_CODE_KINDS = frozenset({"currency", "email", "phone", "iban", "vat_id", "vat", "bool", "percent"})
