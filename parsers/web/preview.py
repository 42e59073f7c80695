""" "Try it" in the schema designer: run the engine on a sample with an unsaved schema.

Nothing is persisted (no extraction, no document, no stored file): the schema may not even be
saved yet. The pages read are charged like an extraction (1 page = 1 credit × the parser's
tier multiplier) *before* the work, so a balance that cannot pay answers 402 without reading
anything, and the charge is refunded once (by cause key) if the engine then fails — the same
rule as ``parsers.suggest`` for schema suggestions.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings

from accounts.models import Organization
from parsers.sample_runs import charged_sample_run, inspect_sample, sample_on_disk
from parsers.schema import ensure_valid_schema

PREVIEW_MAX_PAGES = 3
PREVIEW_IMAGE_SIDE = 1100


@dataclass(frozen=True, slots=True)
class PreviewPage:
    number: int
    image_data_uri: str


@dataclass(frozen=True, slots=True)
class Preview:
    data: Any
    citations: dict[str, dict[str, Any]]
    confidence: dict[str, float]
    pages: list[PreviewPage]
    page_count: int  # pages of the document
    credits_used: int
    filename: str
    fields: list[dict[str, Any]] = field(default_factory=list)  # flattened, for display
    # Lists of objects (line items; per-page or per-row outputs) as tables: {path, title,
    # columns, rows: [[cell]]}, each cell {path, value, confidence, citation}.
    tables: list[dict[str, Any]] = field(default_factory=list)

    @property
    def values(self) -> list[dict[str, Any]]:
        """Every value shown: the fields, then the tables' cells."""
        cells = [c for t in self.tables for row in t["rows"] for c in row]
        return [*self.fields, *cells]


@dataclass(slots=True)
class _Split:
    leaves: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[tuple[str, Any]]]]] = field(default_factory=list)


def _is_table(data: Any) -> bool:
    return isinstance(data, list) and bool(data) and all(isinstance(v, dict) for v in data)


def _split(data: Any, prefix: str = "", out: _Split | None = None) -> _Split:
    """Scalar values by leaf path, and lists of objects as tables (columns in the order the
    rows give them; a cell's path is the citation's: ``line_items[0].amount``)."""
    out = out if out is not None else _Split()
    if isinstance(data, dict):
        for key, value in data.items():
            _split(value, f"{prefix}.{key}" if prefix else key, out)
    elif _is_table(data):
        columns = list(dict.fromkeys(k for row in data for k in row))
        rows = [[(f"{prefix}[{i}].{c}", row.get(c)) for c in columns] for i, row in enumerate(data)]
        out.tables.append((prefix, columns, rows))
    elif isinstance(data, list) and any(isinstance(v, dict | list) for v in data):
        for i, value in enumerate(data):
            _split(value, f"{prefix}[{i}]", out)
    else:
        out.leaves.append((prefix, data))
    return out


def _extract_and_render(
    path: str, schema: Any, options: Any, selected: list[int]
) -> tuple[Any, list[bytes]]:
    """The engine's part, run in a memory- and time-limited child (extractions.sandbox)."""
    from extractions.engine import extract, render_page_png

    result = extract(path, schema, options)
    rotations = {p.number: p.rotation for p in result.pages}
    images = [
        render_page_png(path, n, max_side=PREVIEW_IMAGE_SIDE, rotation=rotations.get(n, 0))
        for n in selected
    ]
    return result, images


def preview_extraction(
    *,
    organization: Organization,
    file: IO[bytes],
    filename: str,
    schema: Any,
    target: str = "per_doc",
    multiplier: int = 1,
) -> Preview:
    """Charge, extract the first ``PREVIEW_MAX_PAGES`` pages with ``schema``, render them.

    Raises 400 INVALID_SCHEMA / UNSUPPORTED_FILE_TYPE / PAGE_COUNT_FAILED, 402
    INSUFFICIENT_CREDITS, 413 DOCUMENT_TOO_LARGE."""
    from extractions.engine import ExtractionOptions
    from extractions.sandbox import run_limited

    ensure_valid_schema(schema)
    with sample_on_disk(file) as path:
        info = inspect_sample(path, filename=filename)
        selected = list(range(1, min(info.page_count, PREVIEW_MAX_PAGES) + 1))
        credits = len(selected) * max(1, multiplier)
        with charged_sample_run(
            organization=organization, credits=credits, purpose="preview", label=filename
        ):
            result, images = run_limited(
                _extract_and_render,
                path,
                schema,
                ExtractionOptions(
                    pages=",".join(str(n) for n in selected),
                    target=target
                    if target in ("per_doc", "per_page", "per_table_row")
                    else "per_doc",
                    max_bytes=settings.PP_MAX_FILE_BYTES,
                    max_page_count=settings.PP_MAX_PAGES_PER_DOCUMENT,
                ),
                selected,
                memory_mb=settings.PP_WEB_ENGINE_MEMORY_LIMIT_MB,
                timeout_seconds=settings.PP_WEB_ENGINE_TIMEOUT_SECONDS,
                what=filename or "The sample document",
            )
            pages = [
                PreviewPage(
                    number=n,
                    image_data_uri="data:image/png;base64," + base64.b64encode(png).decode(),
                )
                for n, png in zip(selected, images, strict=True)
            ]
    citations = {path: c.as_dict() for path, c in result.citations.items()}
    confidence = {path: round(float(v), 4) for path, v in result.confidence.items()}

    def shown(leaf_path: str, value: Any) -> dict[str, Any]:
        return {
            "path": leaf_path,
            "value": value,
            "confidence": confidence.get(leaf_path),
            "citation": citations.get(leaf_path),
        }

    split = _split(result.data)
    fields = [shown(p, v) for p, v in split.leaves]
    tables = [
        {
            "path": table_path,
            "title": table_path.replace("_", " ").capitalize() if table_path else "Rows",
            "columns": columns,
            "rows": [[shown(p, v) for p, v in row] for row in rows],
        }
        for table_path, columns, rows in split.tables
    ]
    return Preview(
        data=result.data,
        citations=citations,
        confidence=confidence,
        pages=pages,
        page_count=info.page_count,
        credits_used=credits,
        filename=filename,
        fields=fields,
        tables=tables,
    )
