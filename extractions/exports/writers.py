"""CSV, XLSX and JSON Lines writers: bytes out as records come in."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from extractions.exports.layout import ExportRecord, rows_of

FORMATS: dict[str, tuple[str, str]] = {
    # format: (content type, file extension)
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
}
CHUNK_BYTES = 64 * 1024

# A spreadsheet runs a cell starting with one of these as a formula; extracted text comes from
# third-party documents, so such text is quoted (OWASP "CSV injection"). Numbers are not text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


def stream_csv(records: Iterable[ExportRecord], columns: list[str]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a BOM, so that spreadsheet programs read UTF-8 correctly
    writer.writerow(columns)
    for record in records:
        for row in rows_of(record):
            writer.writerow([csv_cell(row.get(c)) for c in columns])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def stream_jsonl(records: Iterable[ExportRecord]) -> Iterator[bytes]:
    parts: list[str] = []
    size = 0
    for record in records:
        line = json.dumps(
            {**{k: _jsonable(v) for k, v in record.document.items()}, "data": record.output},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        parts.append(line + "\n")
        size += len(line)
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode()
            parts, size = [], 0
    yield "".join(parts).encode()


def stream_xlsx(records: Iterable[ExportRecord], columns: list[str]) -> Iterator[bytes]:
    """openpyxl's write-only workbook keeps written rows in a temporary file, not in memory;
    an XLSX is a ZIP whose directory comes last, so its bytes go out once it is complete."""
    from openpyxl import Workbook  # imported when an XLSX is asked for: ~0.2 s at start-up
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Documents")
    sheet.freeze_panes = "A2"

    def cell(value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float):
            return value
        text = (
            json.dumps(value, ensure_ascii=False)
            if isinstance(value, dict | list)
            else _jsonable(value)
        )
        text = ILLEGAL_CHARACTERS_RE.sub("", str(text))
        if text.startswith("="):  # text, never a formula (openpyxl types "=…" as one)
            written = WriteOnlyCell(sheet, value=text)
            written.data_type = "s"
            return written
        return text

    sheet.append(columns)
    for record in records:
        for row in rows_of(record):
            sheet.append([cell(row.get(c)) for c in columns])
    with tempfile.TemporaryFile() as out:
        workbook.save(out)
        out.seek(0)
        while chunk := out.read(CHUNK_BYTES):
            yield chunk


def stream(fmt: str, records: Iterable[ExportRecord], columns: list[str]) -> Iterator[bytes]:
    if fmt == "xlsx":
        return stream_xlsx(records, columns)
    if fmt == "jsonl":
        return stream_jsonl(records)
    return stream_csv(records, columns)
