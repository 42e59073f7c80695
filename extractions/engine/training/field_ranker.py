"""Trainer of ``field_ranker``: which candidate value of a scalar field is the field's value.

Examples come from the labelled corpora's documents of the kinds with scalar header fields
(ad-buy orders, invoices, receipts), each run with the corpus's schema *and* with every
customer-named schema set of ``evaluation/customer_schemas`` (read as files: the training
layer does not import the evaluation harness), so the model learns from field names it has
not been written for. A document's candidates come from the very code the engine runs
(``parsing.fill.scalar_candidates``); a candidate is positive when its value, coerced to the
field's type, equals the expected one after normalisation.

The model is a LightGBM binary classifier; the figures of the report are cross-validated
by group (a receipt's vendor, an invoice's issuer group, an ad-buy document), comparing the
ranker's top-1 with the rules' pick on the same fields.
"""

from __future__ import annotations

import json
import pickle
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..fields.matching import FEATURES
from ..fields.ranker import META_FILE, MODEL_FILE, cell_of
from ..parsing.fill import coerce, new_context, scalar_candidates
from ..parsing.schema import main_type
from ..types import ExtractionOptions, Found
from ..values.text import tokens
from .registry import TrainContext, TrainReport

DOC_TYPES = ("ad_buy", "invoice", "receipt")
SCHEMA_SETS = Path(__file__).resolve().parent.parent / "evaluation" / "customer_schemas"
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "num_threads": 1,
}
ROUNDS = 250
DUMP: dict[str, str] = {}  # {"path": ...}: keep the collected examples (development runs)


def _schema_sets(doc_type: str, corpus_schema: dict[str, Any]) -> list[tuple[str, dict, dict]]:
    """(set name, schema, their field -> corpus field) for the corpus and every customer set."""
    ident = {k: k for k in (corpus_schema.get("properties") or {})}
    out = [("corpus", corpus_schema, ident)]
    for path in sorted(SCHEMA_SETS.glob(f"*.{doc_type}.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        out.append((path.name.split(".", 1)[0], spec["schema"], spec["corpus_fields"]))
    return out


def _norm(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return round(float(v), 2)
    return "".join(tokens(str(v)))


def _matches(value: Any, expected: Any, alternatives: list[Any]) -> bool:
    if value is None:
        return False
    got = _norm(value)
    for e in [expected, *alternatives]:
        if isinstance(got, float) and isinstance(e, str):
            try:
                e = float(e.replace(",", "").replace(" ", ""))
            except ValueError:
                continue
        if got == _norm(e) or (isinstance(got, float) and isinstance(e, (int, float)) and
                               abs(got - float(e)) < 0.005):  # fmt: skip
            return True
    return False


def _read(entry: dict[str, Any], corpus: Path, cache_dir: Path | None) -> list[Any] | None:
    # read_pages loads pdfium and OCR: imported on first use
    from ..pipeline import read_pages
    from ..read.ocr_cache import DirectoryOcrCache  # numpy and the OCR module: the same

    cache = DirectoryOcrCache(cache_dir) if cache_dir is not None else None
    try:
        return read_pages(str(corpus / entry["file"]), ExtractionOptions(ocr_cache=cache))
    except Exception:  # an unreadable document teaches nothing
        return None


def _group(entry: dict[str, Any]) -> str:
    for key in ("vendor", "invoice_group"):
        if entry.get(key):
            return f"{entry['doc_type']}:{json.dumps(entry[key], sort_keys=True)}"
    return str(entry.get("variant_of") or entry["id"])


def collect(ctx: TrainContext) -> list[dict[str, Any]]:
    """One record per (document, schema set, scored scalar field): candidates and labels."""
    records: list[dict[str, Any]] = []
    for corpus in ctx.corpora:
        schemas = {}
        for dt in DOC_TYPES:
            p = corpus / "schemas" / f"{dt}.json"
            if p.is_file():
                schemas[dt] = json.loads(p.read_text(encoding="utf-8"))
        with open(corpus / "manifest.jsonl", encoding="utf-8") as fh:
            entries = [json.loads(line) for line in fh if line.strip()]
        entries = [e for e in entries if e["doc_type"] in schemas]
        ctx.log(f"field_ranker: {len(entries)} documents of {corpus}")
        for entry in entries:
            pages = _read(entry, corpus, ctx.cache_dir)
            if not pages:
                continue
            scored = set(entry.get("scored_fields") or [])
            expected = entry.get("expected") or {}
            alts = entry.get("alternatives") or {}
            for set_name, schema, mapping in _schema_sets(
                entry["doc_type"], schemas[entry["doc_type"]]
            ):
                fctx = new_context(pages)
                for name, node in (schema.get("properties") or {}).items():
                    target = mapping.get(name)
                    if not isinstance(node, dict) or not isinstance(target, str):
                        continue
                    if main_type(node) in ("object", "array"):
                        continue
                    exp = expected.get(target)
                    # a field the corpus says is not printed teaches when to answer null
                    null = target not in scored and target in expected and exp is None
                    if not null and (target not in scored or exp is None or exp == ""):
                        continue
                    kind, rule, cands = scalar_candidates(fctx, node, name, name, [])
                    if cands is None:
                        continue
                    labels = [
                        not null
                        and _matches(_value(c.found, node, kind), exp, alts.get(target) or [])
                        for c in cands
                    ]
                    records.append(
                        {
                            "doc": f"{corpus}:{entry.get('id', entry['file'])}",
                            "group": _group(entry),
                            "doc_type": entry["doc_type"],
                            "field": f"{entry['doc_type']}.{target}",
                            "set": set_name,
                            "X": [c.vector() for c in cands],
                            "y": labels,
                            "null": null,
                            "cell": cell_of(cands),
                            "rule_ok": (rule is None)
                            if null
                            else _matches(
                                _value(rule, node, kind) if rule else None,
                                exp,
                                alts.get(target) or [],
                            ),
                        }
                    )
    return records


def _value(f: Found, node: dict[str, Any], kind: str) -> Any:
    text = f.text if isinstance(f.value, (bool, float, int)) else ""
    return coerce(f.value, node, kind, text)


def fit(records: list[dict[str, Any]], seed: int) -> Any:
    """The ranker fitted on ``records`` (``collect``'s), as ``train`` fits it."""
    # lightgbm is only needed by a training run
    import lightgbm
    import numpy as np  # (lightgbm's own dependency, as costly to import)

    X = np.array([row for r in records for row in r["X"]], dtype=np.float64)
    y = np.array([int(v) for r in records for v in r["y"]])
    ds = lightgbm.Dataset(X, label=y, feature_name=list(FEATURES), free_raw_data=True)
    return lightgbm.train({**PARAMS, "seed": seed}, ds, num_boost_round=ROUNDS)


def _right(r: dict[str, Any], p: float, ok: bool, t: float) -> bool:
    """Whether the engine's answer is right with threshold ``t`` for the field's cell (as
    ``fields.ranker.choose`` decides): below it the rules' pick stands (or null where they
    found none). Right is the expected value, or null where the corpus says the field is
    not printed."""
    if p < t:
        return bool(r["rule_ok"])
    return ok and not r.get("null")


def _top1(booster: Any, r: dict[str, Any]) -> tuple[float, bool]:
    if not r["X"]:
        return -1.0, False
    # numpy as lightgbm: a training run's import, not the engine's
    import numpy as np

    p = booster.predict(np.array(r["X"], dtype=np.float64))
    i = max(range(len(p)), key=lambda k: (p[k], -k))
    return float(p[i]), bool(r["y"][i])


def train(ctx: TrainContext) -> TrainReport:
    records = collect(ctx)
    if DUMP.get("path"):
        with open(DUMP["path"], "wb") as fh:
            pickle.dump(records, fh)
    ctx.log(f"field_ranker: {len(records)} fields, {sum(len(r['X']) for r in records)} candidates")
    groups = sorted({r["group"] for r in records})
    # folds by group, assigned round-robin over the sorted groups with a seeded shuffle
    rnd = random.Random(ctx.seed)
    rnd.shuffle(groups)
    fold_of = {g: i % 5 for i, g in enumerate(groups)}
    picks: list[tuple[dict[str, Any], float, bool]] = []
    for k in range(5):
        tr = [r for r in records if fold_of[r["group"]] != k]
        te = [r for r in records if fold_of[r["group"]] == k]
        booster = fit(tr, ctx.seed)
        picks += [(r, *_top1(booster, r)) for r in te]
    # a threshold per cell (situation, kind of value) and per situation: the best
    # cross-validated one (each field sits in one cell, so cells are chosen apart)
    grid = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
    by_cell: dict[str, list[tuple[dict[str, Any], float, bool]]] = defaultdict(list)
    for pick in picks:
        by_cell[pick[0]["cell"]].append(pick)
        by_cell[pick[0]["cell"].split(":", 1)[0]].append(pick)
    thresholds: dict[str, float] = {}
    for cell, cell_picks in sorted(by_cell.items()):
        thresholds[cell] = max(
            grid, key=lambda t: (sum(1 for r, p, ok in cell_picks if _right(r, p, ok, t)), -t)
        )
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r, p, ok in picks:
        for key in (r["field"], f"{r['doc_type']} ({r['set']})", "all"):
            per[key][0] += 1
            per[key][1] += int(_right(r, p, ok, thresholds[r["cell"]]))
            per[key][2] += int(r["rule_ok"])
    metrics: dict[str, Any] = {
        "fields": len(records),
        "candidates": sum(len(r["X"]) for r in records),
        "thresholds": thresholds,
        "cv_top1": {k: round(v[1] / v[0], 3) for k, v in sorted(per.items())},
        "rules": {k: round(v[2] / v[0], 3) for k, v in sorted(per.items())},
    }
    booster = fit(records, ctx.seed)
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    (ctx.out_dir / MODEL_FILE).write_text(booster.model_to_string())
    (ctx.out_dir / META_FILE).write_text(
        json.dumps(
            {"features": list(FEATURES), "thresholds": thresholds},
            indent=1,
        )
        + "\n"
    )
    _write_report(ctx.out_dir, metrics)
    return TrainReport(
        name="field_ranker",
        files=[MODEL_FILE, META_FILE, "field_ranker.md"],
        metrics=metrics,
        notes=["5-fold cross-validation by group (vendor / issuer group / document)"],
    )


def _write_report(out_dir: Path, metrics: dict[str, Any]) -> None:
    lines = [
        "# field_ranker: training report",
        "",
        f"{metrics['fields']} fields, {metrics['candidates']} candidates; "
        f"thresholds {json.dumps(metrics['thresholds'])} (found: replace the rules' pick; "
        "concept: answer where a concept's rules found none; open: answer a field no concept "
        "covers). Top-1 accuracy, 5-fold cross-validated by group, against the concept "
        "rules' pick on the same fields:",
        "",
        "| field (schema set) | ranker | rules |",
        "|---|---|---|",
    ]
    for k, v in metrics["cv_top1"].items():
        lines.append(f"| {k} | {100 * v:.1f} % | {100 * metrics['rules'][k]:.1f} % |")
    (out_dir / "field_ranker.md").write_text("\n".join(lines) + "\n")
