"""How far the engine's confidence can be trusted: which values are right, and the figures.

``leaf_truth`` says, for every value of a result that the ground truth can judge, whether it
is right (at the summary's level: exact after normalisation): a scalar against its expected
value, an item of a string list against the expected items, a form pair's key and value by
the pair matching of the scoring rules, a line-item cell by the row matching. A cell the
ground truth leaves empty is not judged.

The figures (``calibration_summary``) per leaf group (scalars, line-item cells, form pairs,
list items): AUROC of confidence for right against wrong values, expected calibration error
(ten equal-width bins), the coverage / precision table at 0.5, 0.7, 0.9 and 0.95, the share of
wrong values below the review threshold, and straight-through processing: the share of
documents whose every value reaches the threshold, with the error rate of those values.
``reliability_png`` draws the reliability diagram.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..confidence.calibrate import Calibrator
from ..confidence.features import CELL, LIST_ITEM, PAIR_KEY, PAIR_VALUE, SCALAR, leaf_features
from ..forms.pairs import key_value_names
from ..location import locate
from ..types import FillResult, PageContent
from .scoring import LEVEL, field_kind, is_empty, match_pairs, match_rows, score_scalar

THRESHOLDS = (0.5, 0.7, 0.9, 0.95)
REVIEW_THRESHOLD = 0.9  # the product's default review threshold
BINS = 10
GROUPS = {
    SCALAR: "scalars",
    LIST_ITEM: "list items",
    CELL: "line-item cells",
    PAIR_KEY: "form pairs",
    PAIR_VALUE: "form pairs",
}


@dataclass(slots=True)
class LeafOutcome:
    path: str  # under the corpus's field names
    kind: str
    raw: float  # the parsing step's own confidence
    confidence: float  # calibrated (= raw without a model)
    right: bool | None  # None: the ground truth does not judge this value
    features: list[float]

    def as_row(self) -> list[Any]:
        return [self.path, self.kind, round(self.confidence, 4), self.right]


def leaf_truth(
    data: Any,
    *,
    expected: dict[str, Any],
    scored_fields: Iterable[str],
    alternatives: dict[str, list[Any]],
    schema: dict[str, Any],
    level: str = LEVEL,
) -> dict[str, bool]:
    """Path -> right, for every non-null value of a scored field the ground truth judges."""
    data = data if isinstance(data, dict) else {}
    props = schema.get("properties") or {}
    out: dict[str, bool] = {}
    for name in scored_fields:
        node = props.get(name) or {}
        kind = field_kind(node)
        pred, exp = data.get(name), expected.get(name)
        if kind == "scalar":
            if pred is not None:
                out[name] = score_scalar(pred, exp, alternatives.get(name))[level] == 1.0
        elif kind == "string_set":
            exps = [e for e in (exp or []) if not is_empty(e)]
            for i, item in enumerate(pred or []):
                if not is_empty(item):
                    out[f"{name}[{i}]"] = any(score_scalar(item, e)[level] == 1.0 for e in exps)
        elif kind == "pairs":
            items = node.get("items") or {}
            kname, vname = key_value_names(items)
            preds = [p if isinstance(p, dict) else {} for p in (pred or [])]
            exps = [e for e in (exp or []) if isinstance(e, dict)]
            matched = {pi for _ei, pi in match_pairs(preds, exps, kname, vname, level)}
            for pi, p in enumerate(preds):
                for key in (kname, vname):
                    if not is_empty(p.get(key)):
                        out[f"{name}[{pi}].{key}"] = pi in matched
        else:
            columns = list(((node.get("items") or {}).get("properties") or {}).keys())
            preds = [p if isinstance(p, dict) else {} for p in (pred or [])]
            exps = [e for e in (exp or []) if isinstance(e, dict)]
            row_of = {pi: ei for _n, ei, pi in match_rows(preds, exps, columns, level)}
            for pi, p in enumerate(preds):
                ei = row_of.get(pi)
                for col, value in p.items():
                    if value is None or isinstance(value, dict | list):
                        continue
                    if ei is None:
                        out[f"{name}[{pi}].{col}"] = False
                    elif not is_empty(exps[ei].get(col)):
                        right = score_scalar(value, exps[ei].get(col))[level] == 1.0
                        out[f"{name}[{pi}].{col}"] = right
    return out


# --------------------------------------------------------------------------- figures


def auroc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Probability that a right value scores above a wrong one (ties count half)."""
    pairs = sorted(zip(scores, labels, strict=True))
    n_pos = sum(1 for _s, y in pairs if y)
    n_neg = len(pairs) - n_pos
    if not n_pos or not n_neg:
        return None
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid_rank = (i + j + 1) / 2  # 1-based average rank of the tie block
        rank_sum += mid_rank * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def reliability_bins(
    labels: Sequence[bool], scores: Sequence[float], bins: int = BINS
) -> list[tuple[float, float, int]]:
    """(mean confidence, share right, count) per equal-width bin that holds values."""
    sums: list[list[float]] = [[0.0, 0.0, 0] for _ in range(bins)]
    for y, s in zip(labels, scores, strict=True):
        b = min(bins - 1, int(s * bins))
        sums[b][0] += s
        sums[b][1] += 1.0 if y else 0.0
        sums[b][2] += 1
    return [(c / n, r / n, int(n)) for c, r, n in sums if n]


def expected_calibration_error(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    if not labels:
        return None
    return sum(n * abs(c - r) for c, r, n in reliability_bins(labels, scores)) / len(labels)


def coverage_table(labels: Sequence[bool], scores: Sequence[float]) -> list[dict[str, float]]:
    out = []
    for t in THRESHOLDS:
        sel = [y for y, s in zip(labels, scores, strict=True) if s >= t]
        out.append(
            {
                "threshold": t,
                "share": len(sel) / len(labels) if labels else 0.0,
                "right": sum(sel) / len(sel) if sel else 0.0,
            }
        )
    return out


def group_figures(labels: Sequence[bool], scores: Sequence[float]) -> dict[str, Any]:
    wrong = [s for y, s in zip(labels, scores, strict=True) if not y]
    return {
        "values": len(labels),
        "right": sum(labels) / len(labels) if labels else 0.0,
        "auroc": auroc(labels, scores),
        "ece": expected_calibration_error(labels, scores),
        "coverage": coverage_table(labels, scores),
        "wrong_below_threshold": (
            sum(1 for s in wrong if s < REVIEW_THRESHOLD) / len(wrong) if wrong else None
        ),
    }


def calibration_summary(
    documents: Sequence[tuple[str, Sequence[LeafOutcome]]], threshold: float = REVIEW_THRESHOLD
) -> dict[str, Any]:
    """Figures per leaf group, and straight-through processing per doc type, over
    ``(doc_type, leaves)`` of every document of a run."""
    per_group: dict[str, tuple[list[bool], list[float]]] = {}
    straight: dict[str, list[int]] = {}  # doc_type -> [documents, accepted, values, wrong]
    for doc_type, leaves in documents:
        judged = [lf for lf in leaves if lf.right is not None]
        for lf in judged:
            labels, scores = per_group.setdefault(GROUPS[lf.kind], ([], []))
            labels.append(bool(lf.right))
            scores.append(lf.confidence)
        counts = straight.setdefault(doc_type, [0, 0, 0, 0])
        counts[0] += 1
        if leaves and all(lf.confidence >= threshold for lf in leaves):
            counts[1] += 1
            counts[2] += len(judged)
            counts[3] += sum(1 for lf in judged if not lf.right)
    return {
        "threshold": threshold,
        "groups": {g: group_figures(ls, ss) for g, (ls, ss) in sorted(per_group.items())},
        "straight_through": {
            dt: {
                "documents": n,
                "no_person": acc / n if n else 0.0,
                "accepted_values": vals,
                "accepted_wrong": wrong / vals if vals else None,
            }
            for dt, (n, acc, vals, wrong) in sorted(straight.items())
        },
    }


def format_calibration(label: str, summary: dict[str, Any]) -> str:
    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.1%}"

    lines = [f"confidence on {label} (values judged by the ground truth)"]
    head = (
        f"  {'group':<16} {'values':>6} {'right':>6} {'AUROC':>6} {'ECE':>6} "
        + " ".join(f"{'≥' + str(t):>13}" for t in THRESHOLDS)
        + f" {'wrong<' + str(summary['threshold']):>10}"
    )
    lines.append(head)
    for group, g in summary["groups"].items():
        cov = " ".join(f"{c['share']:>6.0%}/{c['right']:<6.1%}" for c in g["coverage"])
        au = "—" if g["auroc"] is None else f"{g['auroc']:.3f}"
        ece = "—" if g["ece"] is None else f"{g['ece']:.3f}"
        lines.append(
            f"  {group:<16} {g['values']:>6} {g['right']:>6.1%} {au:>6} {ece:>6} {cov} "
            f"{pct(g['wrong_below_threshold']):>10}"
        )
    lines.append("  coverage columns: share of values at or above the threshold / share right")
    for dt, s in summary["straight_through"].items():
        lines.append(
            f"  straight-through {dt:<9} {s['no_person']:>6.1%} of {s['documents']} documents "
            f"need no person; {pct(s['accepted_wrong'])} of their {s['accepted_values']} "
            "judged values wrong"
        )
    return "\n".join(lines)


def reliability_png(panels: Sequence[tuple[str, Sequence[bool], Sequence[float]]]) -> bytes:
    """A reliability diagram per panel (title, labels, confidences): share right against mean
    confidence per bin, the diagonal for perfect calibration, bar widths by count."""
    from PIL import Image, ImageDraw  # only when a plot is asked for

    size, pad = 320, 40
    img = Image.new("RGB", (len(panels) * (size + pad) + pad, size + 2 * pad), "white")
    draw = ImageDraw.Draw(img)
    for i, (title, labels, scores) in enumerate(panels):
        ox, oy = pad + i * (size + pad), pad
        draw.rectangle([ox, oy, ox + size, oy + size], outline="black")
        draw.line([ox, oy + size, ox + size, oy], fill=(160, 160, 160), width=1)
        for k in range(1, 10):
            x = ox + k * size / 10
            draw.line([x, oy + size, x, oy + size + 4], fill="black")
        bins = reliability_bins(labels, scores)
        total = max(1, len(labels))
        for conf, rate, n in bins:
            x = ox + conf * size
            y = oy + size - rate * size
            r = 3 + 12 * (n / total) ** 0.5
            draw.ellipse([x - r, y - r, x + r, y + r], outline=(31, 119, 180), width=2)
        pts = [(ox + c * size, oy + size - r_ * size) for c, r_, _n in bins]
        if len(pts) > 1:
            draw.line(pts, fill=(31, 119, 180), width=2)
        ece = expected_calibration_error(labels, scores)
        au = auroc(labels, scores)
        draw.text((ox, oy - 30), title, fill="black")
        draw.text(
            (ox, oy - 16),
            f"n={len(labels)} ECE={ece if ece is None else round(ece, 3)} "
            f"AUROC={au if au is None else round(au, 3)}",
            fill="black",
        )
        draw.text((ox, oy + size + 8), "confidence 0 … 1 (x), share right (y)", fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def judge_leaves(
    *,
    filled: FillResult,
    pages: Sequence[PageContent],
    schema: dict[str, Any],
    truth: dict[str, bool],
    rename: Callable[[str], str],
    calibrator: Calibrator | None,
) -> list[LeafOutcome]:
    """Every value of a result with its features, its raw and calibrated confidence (as the
    pipeline computes them) and whether the ground truth calls it right."""
    citations, raw = locate(filled, pages)
    leaves, rows = leaf_features(
        schema=schema,
        data=filled.data,
        citations=citations,
        raw_confidence=raw,
        cited_by_parser=set(filled.citations),
        pages=pages,
        evidence=filled.evidence,
    )
    if calibrator is not None and rows:
        probs = [float(p) for p in calibrator.probabilities_of(rows, [lf.kind for lf in leaves])]
    else:
        probs = [float(raw.get(lf.path, 0.5)) for lf in leaves]
    out = []
    for lf, row, p in zip(leaves, rows, probs, strict=True):
        path = rename(lf.path)
        out.append(
            LeafOutcome(path, lf.kind, float(raw.get(lf.path, 0.5)), p, truth.get(path), row)
        )
    return out
