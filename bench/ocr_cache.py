"""What the OCR cache saves on a re-run of a scanned document (README, "The OCR cache").

    .venv/bin/python bench/ocr_cache.py [--receipts 3] [--scan-pages 2]

For a generated scanned (image-only) A4 invoice and a few SROIE receipt photos of
../shared/corpus/dev: the whole pipeline (``extract``) without a cache, then with an empty
cache (the first run: OCR, and the lines stored), then again (the re-run: the lines from the
cache). Wall and CPU seconds of the run and of its OCR step. The cache is a folder
(``DirectoryOcrCache``, what ``evaluate --cache`` uses); the runner's table is one indexed
query a page more. The OCR models are loaded before timing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import docgen  # noqa: E402
from extractions.engine import ExtractionOptions, extract  # noqa: E402
from extractions.engine.read import ocr  # noqa: E402
from extractions.engine.read.ocr_cache import DirectoryOcrCache  # noqa: E402

CORPUS = Path(os.environ.get("PP_CORPUS", ROOT.parent / "shared" / "corpus" / "dev"))
SCHEMA = docgen.SIMPLE_INVOICE_SCHEMA


def timed(data: bytes | str, options: ExtractionOptions) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = extract(data, SCHEMA, options)
    out = {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "ocr_step": next(s.seconds for s in result.steps if s.name == "ocr"),
    }
    out["content"] = result.content  # type: ignore[assignment]
    return out


def measure(name: str, data: bytes | str, pages: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cache = DirectoryOcrCache(tmp)
        plain = timed(data, ExtractionOptions())
        first = timed(data, ExtractionOptions(ocr_cache=cache))
        again = timed(data, ExtractionOptions(ocr_cache=cache))
    assert plain["content"] == first["content"] == again["content"], name
    row: dict[str, Any] = {"document": name, "pages": pages}
    for label, run in (("no_cache", plain), ("first_run", first), ("re_run", again)):
        row[label] = {k: round(v, 3) for k, v in run.items() if k != "content"}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=3)
    parser.add_argument("--scan-pages", type=int, default=2)
    args = parser.parse_args()
    ocr.ocr_image(docgen.text_image(["warm up"]).image, 1)  # models loaded before timing
    rows = []
    if args.scan_pages:
        pdf, _ = docgen.invoice_pdf(args.scan_pages, seed=11, rows_per_page=8)
        rows.append(measure("scanned A4 invoice", docgen.scan(pdf, seed=3), args.scan_pages))
    receipts = sorted((CORPUS / "sroie").glob("*.jpg"))[: args.receipts]
    for path in receipts:
        rows.append(measure(f"receipt {path.name}", str(path), 1))
    print(f"{'document':<28} {'pages':>5}  {'no cache':>17}  {'first run':>17}  {'re-run':>17}")
    print(
        f"{'':<28} {'':>5}  {'wall/cpu/ocr s':>17}  {'wall/cpu/ocr s':>17}  {'wall/cpu/ocr s':>17}"
    )
    for r in rows:
        cells = [
            "{wall:.2f}/{cpu:.2f}/{ocr_step:.2f}".format(**r[k])
            for k in ("no_cache", "first_run", "re_run")
        ]
        print(f"{r['document']:<28} {r['pages']:>5}  " + "  ".join(f"{c:>17}" for c in cells))
    out = ROOT / "bench" / "results" / "ocr_cache.json"
    out.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
