"""Score the engine on a corpus with ground truth (``manage.py evaluate``).

A corpus is a folder with ``manifest.jsonl`` (one document per line: ``file``, ``doc_type``,
``expected``, ``scored_fields``, optional ``alternatives``) and ``schemas/<doc_type>.json``.
Scoring follows the conventions of the dev corpus README, but nothing here knows its doc types:
how a field is scored is decided from its schema.

* scalar fields: ``exact`` (same value; numbers within 0.005; dates also match any of the
  ``alternatives``), ``norm`` (case / accents / whitespace / punctuation folded, "&" = "and",
  spacing ignored: the corpus names spacing as annotator noise), ``norm_spaced`` (the same
  but word breaks must agree: the stricter reading), ``fuzzy`` (normalised similarity >= 0.8). A null expected value is right only when the
  prediction is null too.
* arrays of strings (e.g. contract parties): set F1 per document (1.0 when both are empty).
* arrays of ``{key, value}`` objects (form pairs): pairs matched one-to-one as a set; micro
  precision / recall / F1 over the corpus.
* other arrays of objects (line items): rows matched one-to-one to maximise agreeing cells;
  cell accuracy = right cells / expected non-null cells (micro), plus row precision / recall.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..confidence.calibrate import Calibrator, current_calibrator
from ..parsing.fill import fill_schema
from ..pipeline import read_pages
from ..read.ocr_cache import DirectoryOcrCache, TallyingOcrCache
from ..types import ExtractionOptions, FillResult, OcrCache, PageContent
from .calibration import LeafOutcome, judge_leaves, leaf_truth
from .schema_sets import SchemaSet
from .scoring import (
    LEVELS,
    score_document,
)

# --------------------------------------------------------------------------- corpus


@dataclass(slots=True)
class CorpusEntry:
    file: str
    id: str
    doc_type: str
    expected: dict[str, Any]
    scored_fields: list[str]
    alternatives: dict[str, list[Any]] = field(default_factory=dict)
    sha256: str | None = None
    # documents that must stay on one side of a cross-validation split: a receipt vendor's,
    # the renderings of one invoice; else the document alone
    group: str = ""


def load_corpus(
    root: str | os.PathLike[str], *, doc_type: str | None = None, limit: int | None = None
) -> list[CorpusEntry]:
    """Manifest entries, optionally of one doc type, at most ``limit`` per doc type."""
    root = Path(root)
    entries: list[CorpusEntry] = []
    per_type: dict[str, int] = {}
    with open(root / "manifest.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            raw = json.loads(line)
            if doc_type and raw["doc_type"] != doc_type:
                continue
            if limit is not None and per_type.get(raw["doc_type"], 0) >= limit:
                continue
            per_type[raw["doc_type"]] = per_type.get(raw["doc_type"], 0) + 1
            entries.append(
                CorpusEntry(
                    file=raw["file"],
                    id=raw.get("id", raw["file"]),
                    doc_type=raw["doc_type"],
                    expected=raw.get("expected") or {},
                    scored_fields=list(raw.get("scored_fields") or []),
                    alternatives=raw.get("alternatives") or {},
                    sha256=raw.get("sha256"),
                    group=json.dumps(
                        raw.get("vendor")
                        or raw.get("invoice_group")
                        or raw.get("variant_of")
                        or raw.get("id", raw["file"]),
                        sort_keys=True,
                    ),
                )
            )
    return entries


def load_schema(root: str | os.PathLike[str], doc_type: str) -> dict[str, Any]:
    with open(Path(root) / "schemas" / f"{doc_type}.json", encoding="utf-8") as fh:
        return json.load(fh)


# --------------------------------------------------------------------------- aggregation


def _prf(matched: int, predicted: int, expected: int) -> tuple[float, float, float]:
    p = matched / predicted if predicted else (1.0 if not expected else 0.0)
    r = matched / expected if expected else (1.0 if not predicted else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass(slots=True)
class FieldSummary:
    doc_type: str
    field: str
    kind: str
    n: int
    scores: dict[str, float]  # level -> 0..1 (accuracy, mean F1, micro F1 or cell accuracy)
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_type": self.doc_type,
            "field": self.field,
            "kind": self.kind,
            "n": self.n,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "detail": self.detail,
        }


def summarise_field(doc_type: str, name: str, kind: str, results: list[Any]) -> FieldSummary:
    n = len(results)
    if kind in ("scalar", "string_set"):
        scores = {lv: sum(r[lv] for r in results) / n if n else 0.0 for lv in LEVELS}
        return FieldSummary(doc_type, name, kind, n, scores)
    if kind == "pairs":
        scores, detail = {}, ""
        for lv in LEVELS:
            m = sum(r[lv]["matched"] for r in results)
            p = sum(r[lv]["predicted"] for r in results)
            e = sum(r[lv]["expected"] for r in results)
            prec, rec, f1 = _prf(m, p, e)
            scores[lv] = f1
            detail = f"F1; fuzzy P {prec:.0%} R {rec:.0%} ({m}/{e} pairs, {p} predicted)"
        return FieldSummary(doc_type, name, kind, n, scores, detail)
    scores, detail = {}, ""
    for lv in LEVELS:
        right = sum(r[lv]["cells_right"] for r in results)
        cells = sum(r[lv]["cells_expected"] for r in results)
        scores[lv] = right / cells if cells else 1.0
        rm = sum(r[lv]["rows_matched"] for r in results)
        rp = sum(r[lv]["rows_predicted"] for r in results)
        re_ = sum(r[lv]["rows_expected"] for r in results)
        detail = f"cell accuracy; fuzzy rows {rm}/{re_} matched, {rp} predicted"
    return FieldSummary(doc_type, name, kind, n, scores, detail)


# --------------------------------------------------------------------------- running

PageReader = Callable[[str], list[PageContent]]
Filler = Callable[[list[PageContent], dict[str, Any]], Any]


def default_reader(
    ocr_cache: OcrCache | None = None, options: ExtractionOptions | None = None
) -> PageReader:
    """The engine's reading step with ``options`` (a deployment's OCR backend and threads);
    with ``ocr_cache``, pages OCR read before come from it."""
    opts = dataclasses.replace(options or ExtractionOptions(), ocr_cache=ocr_cache)

    def read(path: str) -> list[PageContent]:
        return read_pages(path, opts)

    return read


def default_filler() -> Filler:
    """The parsing step's whole answer (data, citations, confidences): a filler may also
    return only the data, and then no confidence is judged."""

    def fill(pages: list[PageContent], schema: dict[str, Any]) -> Any:
        return fill_schema(pages, schema, "per_doc")

    return fill


@dataclass(slots=True)
class DocResult:
    id: str
    doc_type: str
    file: str
    pages: int
    read_seconds: float
    fill_seconds: float
    cached: bool
    fields: dict[str, dict[str, Any]]
    data: Any = None
    error: str | None = None
    leaves: list[LeafOutcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_type": self.doc_type,
            "file": self.file,
            "pages": self.pages,
            "read_seconds": round(self.read_seconds, 4),
            "fill_seconds": round(self.fill_seconds, 4),
            "cached": self.cached,
            "fields": self.fields,
            "data": self.data,
            "error": self.error,
            # [path, kind, confidence, right] per value the ground truth judges
            "leaves": [lf.as_row() for lf in self.leaves if lf.right is not None],
        }


@dataclass(slots=True)
class Report:
    corpus: str
    documents: list[DocResult]
    fields: list[FieldSummary]
    speed: dict[str, dict[str, float]]  # doc_type -> pages, seconds, pages_per_second, ...
    schema_set: str = "corpus"

    def as_dict(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus,
            "schema_set": self.schema_set,
            "fields": [f.as_dict() for f in self.fields],
            "speed": self.speed,
            "documents": [d.as_dict() for d in self.documents],
        }


def evaluate_document(
    entry: CorpusEntry,
    root: Path,
    schema: dict[str, Any],
    *,
    reader: PageReader,
    filler: Filler,
    cache: TallyingOcrCache | None = None,
    schema_set: SchemaSet | None = None,
    calibrator: Calibrator | None = None,
) -> DocResult:
    """Read and fill one document, and score it against the corpus.

    ``cache``: the OCR cache the ``reader`` reads through, if any; a document's read time
    then counts the time of the original OCR of its cached pages (pages/s stays the cost
    of reading), and the document counts as cached when OCR read none of its pages.

    With a ``schema_set`` the engine runs with that set's schema for the doc type, and its
    answer is renamed to the corpus's fields before scoring.
    """
    path = str(root / entry.file)
    pages: list[PageContent] = []
    read_s = fill_s = 0.0
    cached = False
    data: Any = None
    filled: Any = None
    run_with = schema
    error = None
    try:
        if cache is not None:
            cache.reset()
        t0 = time.perf_counter()
        pages = reader(path)
        read_s = time.perf_counter() - t0
        if cache is not None:
            read_s += max(cache.saved_seconds - cache.lookup_seconds, 0.0)
            cached = cache.hits > 0 and cache.misses == 0
        t0 = time.perf_counter()
        run_with = schema if schema_set is None else schema_set.schema_for(entry.doc_type, schema)
        filled = filler(pages, run_with)
        answer = filled.data if isinstance(filled, FillResult) else filled
        data = answer if schema_set is None else schema_set.to_corpus(entry.doc_type, answer)
        fill_s = time.perf_counter() - t0
    except Exception as exc:  # one bad document must not stop the run; it scores as empty
        error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
    fields = score_document(
        data,
        expected=entry.expected,
        scored_fields=entry.scored_fields,
        alternatives=entry.alternatives,
        schema=schema,
    )
    leaves: list[LeafOutcome] = []
    if error is None and isinstance(filled, FillResult):
        truth = leaf_truth(
            data,
            expected=entry.expected,
            scored_fields=entry.scored_fields,
            alternatives=entry.alternatives,
            schema=schema,
        )
        leaves = judge_leaves(
            filled=filled,
            pages=pages,
            schema=run_with,
            truth=truth,
            rename=(lambda p: p) if schema_set is None else schema_set.path_renamer(entry.doc_type),
            calibrator=calibrator,
        )
    return DocResult(
        id=entry.id,
        doc_type=entry.doc_type,
        file=entry.file,
        pages=len(pages),
        read_seconds=read_s,
        fill_seconds=fill_s,
        cached=cached,
        fields=fields,
        data=data,
        error=error,
        leaves=leaves,
    )


def run_corpus(
    root: str | os.PathLike[str],
    *,
    doc_type: str | None = None,
    limit: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    reader: PageReader | None = None,
    filler: Filler | None = None,
    progress: Callable[[DocResult], None] | None = None,
    schema_set: SchemaSet | None = None,
    calibrate: bool = True,
    read_options: ExtractionOptions | None = None,
) -> Report:
    """Run the engine over a corpus and score it; see the module docstring for the rules.

    Confidences are judged as the product computes them (calibrated by the committed model);
    ``calibrate=False`` judges the parsing step's raw ones (what the calibrator learns from).
    ``cache_dir``: a folder of page OCR (``read.ocr_cache.DirectoryOcrCache``) that the
    engine's reader reads through, so that a re-run does not OCR a page again.
    ``read_options``: how the engine's reader reads (the OCR backend and threads).
    """
    root = Path(root)
    entries = load_corpus(root, doc_type=doc_type, limit=limit)
    # only the engine's own reader goes through the OCR cache (a given reader reads as it likes)
    cache = TallyingOcrCache(DirectoryOcrCache(cache_dir)) if cache_dir and not reader else None
    reader = reader or default_reader(cache, read_options)
    filler = filler or default_filler()
    calibrator = current_calibrator() if calibrate else None
    schemas: dict[str, dict[str, Any]] = {}
    docs: list[DocResult] = []
    for entry in entries:
        if entry.doc_type not in schemas:
            try:
                schemas[entry.doc_type] = load_schema(root, entry.doc_type)
            except (OSError, ValueError) as exc:
                schemas[entry.doc_type] = {"_error": f"schema for {entry.doc_type!r}: {exc}"}
        schema = schemas[entry.doc_type]
        if "_error" in schema:
            # Without its schema a document cannot be run; it still counts, as a failure.
            res = DocResult(
                id=entry.id,
                doc_type=entry.doc_type,
                file=entry.file,
                pages=0,
                read_seconds=0.0,
                fill_seconds=0.0,
                cached=False,
                fields=score_document(
                    None,
                    expected=entry.expected,
                    scored_fields=entry.scored_fields,
                    alternatives=entry.alternatives,
                    schema={},
                ),
                error=schema["_error"],
            )
        else:
            res = evaluate_document(
                entry,
                root,
                schema,
                reader=reader,
                filler=filler,
                cache=cache,
                schema_set=schema_set,
                calibrator=calibrator,
            )
        docs.append(res)
        if progress is not None:
            progress(res)
    report = build_report(str(root), docs)
    report.schema_set = schema_set.name if schema_set is not None else "corpus"
    return report


def build_report(corpus: str, docs: list[DocResult]) -> Report:
    grouped: dict[tuple[str, str], tuple[str, list[Any]]] = {}
    for d in docs:
        for name, fr in d.fields.items():
            _kind, results = grouped.setdefault((d.doc_type, name), (fr["kind"], []))
            results.append(fr["scores"])
    summaries = [
        summarise_field(dt, name, kind, results)
        for (dt, name), (kind, results) in sorted(grouped.items())
    ]
    speed: dict[str, dict[str, float]] = {}
    for dt in sorted({d.doc_type for d in docs}):
        sel = [d for d in docs if d.doc_type == dt]
        pages = sum(d.pages for d in sel)
        read_s = sum(d.read_seconds for d in sel)
        fill_s = sum(d.fill_seconds for d in sel)
        total = read_s + fill_s
        speed[dt] = {
            "documents": len(sel),
            "pages": pages,
            "read_seconds": round(read_s, 3),
            "fill_seconds": round(fill_s, 3),
            "pages_per_second": round(pages / total, 2) if total else 0.0,
            "fill_pages_per_second": round(pages / fill_s, 2) if fill_s else 0.0,
            "errors": sum(1 for d in sel if d.error),
            "cached": sum(1 for d in sel if d.cached),
        }
    return Report(corpus=corpus, documents=docs, fields=summaries, speed=speed)


def format_report(report: Report) -> str:
    """The per doc_type / field table, then speed per doc_type."""
    head = (
        f"{'doc_type':<10} {'field':<16} {'kind':<10} {'n':>4} {'exact':>7} {'norm sp':>7} "
        f"{'norm':>7} {'fuzzy':>7}  detail"
    )
    lines = [head, "-" * len(head)]
    for f in report.fields:
        s = f.scores
        lines.append(
            f"{f.doc_type:<10} {f.field:<16} {f.kind:<10} {f.n:>4} {s['exact']:>7.1%} "
            f"{s['norm_spaced']:>7.1%} {s['norm']:>7.1%} {s['fuzzy']:>7.1%}  {f.detail}"
        )
    lines.append("")
    lines.append(
        f"{'doc_type':<10} {'docs':>5} {'pages':>6} {'read s':>8} {'fill s':>8} {'pages/s':>8} "
        f"{'fill p/s':>9} {'errors':>6} {'cached':>6}"
    )
    for dt, sp in report.speed.items():
        lines.append(
            f"{dt:<10} {sp['documents']:>5} {sp['pages']:>6} {sp['read_seconds']:>8.2f} "
            f"{sp['fill_seconds']:>8.2f} {sp['pages_per_second']:>8.2f} "
            f"{sp['fill_pages_per_second']:>9.1f} {sp['errors']:>6} {sp['cached']:>6}"
        )
    errors = [d for d in report.documents if d.error]
    if errors:
        lines.append("")
        lines.extend(f"error {d.file}: {d.error}" for d in errors)
    lines.append("")
    lines.append(
        "norm sp = normalised with word breaks kept; norm = spacing ignored too (annotator noise)."
    )
    lines.append(
        "pages/s = pages / (read + fill) seconds; cached reads count the time of their original read."
    )
    return "\n".join(lines)
