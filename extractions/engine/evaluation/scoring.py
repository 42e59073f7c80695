"""Scoring rules of the evaluation harness (see ``evaluation`` for the conventions).

How a field is scored is decided from its schema only, never from a corpus's doc types.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from typing import Any

from ..forms.pairs import is_key_value_array, key_value_names

FUZZY_THRESHOLD = 0.8
# exact; "norm_spaced": case / accents / punctuation folded, runs of whitespace collapsed
# but word breaks kept; "norm": the same with spacing ignored too; fuzzy: similarity.
# The corpus conventions name spacing as annotator noise ("transcriptions ... carry
# annotator spelling/spacing; compare them after case/whitespace/punctuation
# normalisation"), so "norm" ignores it: "SANYU STATIONERY SHOP" = "SANYUSTATIONERY SHOP",
# "28 S/B" = "28S/B". "norm_spaced" is the stricter reading, reported next to it.
LEVELS = ("exact", "norm_spaced", "norm", "fuzzy")
# The level the engine's accuracy is quoted at (summary) and its confidence judged at.
LEVEL = "norm"


def norm_text(value: Any) -> str:
    """Case, accents, punctuation and whitespace folded; "&" read as "and"."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("&", " and ")
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def norm_key(value: Any, level: str = "norm") -> str:
    """The comparison key of a normalised level: ``norm_text`` without spaces for "norm"."""
    text = norm_text(value)
    return text.replace(" ", "") if level == "norm" else text


def similarity(a: Any, b: Any) -> float:
    """Normalised similarity 0..1; 0 when ``b`` is mostly a number / code whose digits differ.

    Fuzzy matching forgives OCR and annotator noise in names and addresses, but "2 years" vs
    "3 years", or two dates, must never count as a fuzzy match.
    """
    na, nb = norm_text(a), norm_text(b)
    if na == nb:
        return 1.0
    if not na or not nb:
        return 0.0
    mostly_code = sum(1 for t in nb.split() if re.search(r"[^\W\d_]{2,}", t)) <= 1
    if mostly_code and re.findall(r"\d", na) != re.findall(r"\d", nb):
        return 0.0
    return SequenceMatcher(None, na, nb, autojunk=False).ratio()


def is_empty(v: Any) -> bool:
    """None, an empty string or an empty list: what the ground truth writes for no value."""
    return v is None or v == "" or v == []


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        s = v.strip().replace(" ", "").replace(",", "")
        try:
            return float(s)
        except ValueError:
            return None
    return None


def score_scalar(
    pred: Any, expected: Any, alternatives: list[Any] | None = None
) -> dict[str, float]:
    """1/0 per level for one value; alternatives are accepted as equally right."""
    if is_empty(expected):
        ok = 1.0 if is_empty(pred) else 0.0
        return dict.fromkeys(LEVELS, ok)
    if is_empty(pred):
        return dict.fromkeys(LEVELS, 0.0)
    accepted = [expected, *(alternatives or [])]
    out = dict.fromkeys(LEVELS, 0.0)
    for exp in accepted:
        en, pn = _as_number(exp), _as_number(pred)
        if isinstance(exp, int | float) and not isinstance(exp, bool):
            ok = float(pn is not None and en is not None and abs(pn - en) < 0.005)
            out = {k: max(out[k], ok) for k in LEVELS}
            continue
        if str(pred).strip() == str(exp).strip():
            return dict.fromkeys(LEVELS, 1.0)
        if norm_text(pred) == norm_text(exp):
            out["norm_spaced"] = out["norm"] = out["fuzzy"] = 1.0
        elif norm_key(pred) == norm_key(exp):
            out["norm"] = out["fuzzy"] = 1.0
        elif similarity(pred, exp) >= FUZZY_THRESHOLD:
            out["fuzzy"] = 1.0
    return out


def _match_count(preds: list[Any], exps: list[Any], level: str) -> int:
    """Greedy one-to-one matching of two lists of strings at one level."""
    used: set[int] = set()
    n = 0
    for e in exps:
        best, best_s = None, 0.0
        for i, p in enumerate(preds):
            if i in used:
                continue
            if level == "exact":
                s = 1.0 if str(p).strip() == str(e).strip() else 0.0
            elif level in ("norm", "norm_spaced"):
                s = 1.0 if norm_key(p, level) == norm_key(e, level) else 0.0
            else:
                s = similarity(p, e)
                s = s if s >= FUZZY_THRESHOLD else 0.0
            if s > best_s:
                best, best_s = i, s
        if best is not None:
            used.add(best)
            n += 1
    return n


def score_string_set(pred: Any, expected: Any) -> dict[str, float]:
    """Set F1 per level for an array of strings; both empty = 1."""
    preds = [p for p in (pred or []) if not is_empty(p)]
    exps = [e for e in (expected or []) if not is_empty(e)]
    if not exps:
        return dict.fromkeys(LEVELS, 1.0 if not preds else 0.0)
    out = {}
    for level in LEVELS:
        m = _match_count(preds, exps, level)
        p = m / len(preds) if preds else 0.0
        r = m / len(exps)
        out[level] = 2 * p * r / (p + r) if p + r else 0.0
    return out


def _pair_sim(p: dict, e: dict, kname: str, vname: str, level: str) -> float:
    pk, pv, ek, ev = p.get(kname), p.get(vname), e.get(kname), e.get(vname)
    if is_empty(ev) != is_empty(pv):
        return 0.0
    if level == "exact":
        ok = str(pk).strip() == str(ek).strip() and (
            is_empty(ev) or str(pv).strip() == str(ev).strip()
        )
        return 1.0 if ok else 0.0
    if level in ("norm", "norm_spaced"):
        ok = norm_key(pk, level) == norm_key(ek, level) and norm_key(pv, level) == norm_key(
            ev, level
        )
        return 1.0 if ok else 0.0
    ks = similarity(pk, ek)
    vs = 1.0 if is_empty(ev) else similarity(pv, ev)
    return (ks + vs) / 2 if min(ks, vs) >= FUZZY_THRESHOLD else 0.0


def match_pairs(
    preds: list[dict], exps: list[dict], kname: str, vname: str, level: str
) -> list[tuple[int, int]]:
    """(expected index, predicted index) of the pairs matched one-to-one, best first."""
    scored = []
    for ei, e in enumerate(exps):
        for pi, p in enumerate(preds):
            s = _pair_sim(p, e, kname, vname, level)
            if s > 0:
                scored.append((s, ei, pi))
    scored.sort(reverse=True)
    used_e: set[int] = set()
    used_p: set[int] = set()
    out = []
    for _s, ei, pi in scored:
        if ei in used_e or pi in used_p:
            continue
        used_e.add(ei)
        used_p.add(pi)
        out.append((ei, pi))
    return out


def score_pairs(pred: Any, expected: Any, item_schema: dict) -> dict[str, dict[str, int]]:
    """Matched / predicted / expected counts per level for a key/value array."""
    kname, vname = key_value_names(item_schema)
    preds = [p for p in (pred or []) if isinstance(p, dict)]
    exps = [e for e in (expected or []) if isinstance(e, dict)]
    return {
        level: {
            "matched": len(match_pairs(preds, exps, kname, vname, level)),
            "predicted": len(preds),
            "expected": len(exps),
        }
        for level in LEVELS
    }


def match_rows(
    preds: list[dict], exps: list[dict], props: list[str], level: str
) -> list[tuple[int, int, int]]:
    """(agreeing cells, expected index, predicted index) of the rows matched one-to-one,
    most agreeing cells first."""
    agree: list[tuple[int, int, int]] = []
    for ei, e in enumerate(exps):
        for pi, p in enumerate(preds):
            n = sum(
                1
                for k in props
                if not is_empty(e.get(k)) and score_scalar(p.get(k), e.get(k))[level] == 1.0
            )
            if n:
                agree.append((n, ei, pi))
    agree.sort(key=lambda t: (-t[0], abs(t[1] - t[2])))
    used_e: set[int] = set()
    used_p: set[int] = set()
    out = []
    for n, ei, pi in agree:
        if ei in used_e or pi in used_p:
            continue
        used_e.add(ei)
        used_p.add(pi)
        out.append((n, ei, pi))
    return out


def score_rows(pred: Any, expected: Any, item_schema: dict) -> dict[str, dict[str, int]]:
    """Line items: rows matched one-to-one (most agreeing cells first), cell counts per level."""
    props = list((item_schema.get("properties") or {}).keys())
    preds = [p for p in (pred or []) if isinstance(p, dict)]
    exps = [e for e in (expected or []) if isinstance(e, dict)]
    out = {}
    for level in LEVELS:
        matched = match_rows(preds, exps, props, level)
        right = sum(n for n, _ei, _pi in matched)
        rows_right = sum(
            1
            for n, ei, _pi in matched
            if n == sum(1 for k in props if not is_empty(exps[ei].get(k)))
        )
        cells = sum(1 for e in exps for k in props if not is_empty(e.get(k)))
        out[level] = {
            "cells_right": right,
            "cells_expected": cells,
            # a row is right when every cell the ground truth fills agrees (row F1)
            "rows_right": rows_right,
            "rows_matched": len(matched),
            "rows_predicted": len(preds),
            "rows_expected": len(exps),
        }
    return out


def field_kind(node: dict[str, Any]) -> str:
    """How a schema property is scored: scalar, string_set, pairs or rows."""
    types = node.get("type")
    types = types if isinstance(types, list) else [types]
    if "array" in types:
        items = node.get("items") or {}
        if items.get("type") in ("object", ["object"]) or "properties" in items:
            return "pairs" if is_key_value_array(items) else "rows"
        return "string_set"
    return "scalar"


def score_document(
    data: Any,
    *,
    expected: dict[str, Any],
    scored_fields: list[str],
    alternatives: dict[str, list[Any]],
    schema: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """Per scored field: its kind and the per-level scores / counts."""
    props = schema.get("properties") or {}
    data = data if isinstance(data, dict) else {}
    out: dict[str, dict[str, Any]] = {}
    for name in scored_fields:
        node = props.get(name, {})
        kind = field_kind(node)
        pred, exp = data.get(name), expected.get(name)
        if kind == "scalar":
            scores: Any = score_scalar(pred, exp, alternatives.get(name))
        elif kind == "string_set":
            scores = score_string_set(pred, exp)
        elif kind == "pairs":
            scores = score_pairs(pred, exp, node.get("items") or {})
        else:
            scores = score_rows(pred, exp, node.get("items") or {})
        out[name] = {"kind": kind, "scores": scores}
    return out
