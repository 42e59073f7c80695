"""One figure per corpus: the mean of all field scores, as the engine's accuracy is quoted.

Every field contributes its score at the ``norm`` level (exact after normalisation):

* a scalar field: the share of documents where it is right;
* an array of strings (contract parties): the mean per-document set F1;
* key/value pairs (forms): the mean per-document F1 (every form weighs the same);
* line items: two scores, cell accuracy (micro) and row F1, where a row is right when every
  cell the ground truth fills agrees.

Groups per doc type: its scalar and string-set fields ("header"), and each array apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .scoring import LEVEL

if TYPE_CHECKING:
    from .harness import Report


@dataclass(frozen=True, slots=True)
class FieldScore:
    doc_type: str
    field: str
    measure: str  # accuracy, mean F1, per-document F1, cells, rows F1
    score: float
    n: int


def f1(matched: int, predicted: int, expected: int) -> float:
    p = matched / predicted if predicted else (1.0 if not expected else 0.0)
    r = matched / expected if expected else (1.0 if not predicted else 0.0)
    return 2 * p * r / (p + r) if p + r else 0.0


def field_scores(report: Report, level: str = LEVEL) -> list[FieldScore]:
    per: dict[tuple[str, str], tuple[str, list[Any]]] = {}
    for doc in report.documents:
        for name, fr in doc.fields.items():
            per.setdefault((doc.doc_type, name), (fr["kind"], []))[1].append(fr["scores"][level])
    out: list[FieldScore] = []
    for (doc_type, name), (kind, results) in sorted(per.items()):
        n = len(results)
        if kind == "scalar":
            out.append(FieldScore(doc_type, name, "accuracy", sum(results) / n, n))
        elif kind == "string_set":
            out.append(FieldScore(doc_type, name, "mean F1", sum(results) / n, n))
        elif kind == "pairs":
            per_doc = [f1(r["matched"], r["predicted"], r["expected"]) for r in results]
            out.append(FieldScore(doc_type, name, "per-document F1", sum(per_doc) / n, n))
        else:
            cells = sum(r["cells_expected"] for r in results)
            right = sum(r["cells_right"] for r in results)
            out.append(FieldScore(doc_type, name, "cells", right / cells if cells else 1.0, n))
            rows = f1(
                sum(r["rows_right"] for r in results),
                sum(r["rows_predicted"] for r in results),
                sum(r["rows_expected"] for r in results),
            )
            out.append(FieldScore(doc_type, f"{name} rows", "rows F1", rows, n))
    return out


def groups(scores: list[FieldScore]) -> dict[str, float]:
    """``{"invoice header": .., "invoice lines": .., "invoice lines rows": .., "overall": ..}``"""
    buckets: dict[str, list[float]] = {}
    for s in scores:
        key = (
            f"{s.doc_type} header"
            if s.measure in ("accuracy", "mean F1")
            else f"{s.doc_type} {s.field}"
        )
        buckets.setdefault(key, []).append(s.score)
    out = {k: sum(v) / len(v) for k, v in sorted(buckets.items())}
    out["overall"] = sum(s.score for s in scores) / len(scores) if scores else 0.0
    return out


def format_summary(columns: list[tuple[str, Report]]) -> str:
    """Groups down, one column per (corpus, schema set) run, the overall figure last."""
    tables = [groups(field_scores(rep)) for _, rep in columns]
    keys = [*sorted({k for t in tables for k in t if k != "overall"}), "overall"]
    width = max(12, *(len(name) for name, _ in columns))
    head = f"{'':<24}" + "".join(f"{name:>{width + 2}}" for name, _ in columns)
    lines = [head, "-" * len(head)]
    for k in keys:
        cells = "".join(
            f"{t[k]:>{width + 2}.1%}" if k in t else f"{'—':>{width + 2}}" for t in tables
        )
        lines.append(f"{k:<24}{cells}")
    lines.append("")
    lines.append(
        "exact after normalisation; forms: mean per-document F1; lines: cell accuracy and "
        "row F1 (a row right when all its cells are)"
    )
    return "\n".join(lines)
