"""Engine speed and memory, next to the pypdfium2 floor, in one run on the same files.

    .venv/bin/python bench/engine_speed.py                 # everything (a few minutes)
    .venv/bin/python bench/engine_speed.py --ocr-images 5 --pages 100 --big 0   # quicker

Reports:
- text PDFs: a generated 10-field invoice (``--pages`` pages, ruled line items) and the
  real PDFs of ../shared/corpus/dev (zugferd, kleister_nda): pages/s of two floors
  (pypdfium2 alone: open page, text page, all text; and the issue's own floor, "pypdfium2
  reads text with character boxes": the same plus every character's box), of
  ``read_pages`` (intake + words with boxes; then also with table rulings) and of
  ``extract`` (the whole pipeline with a schema), and floor/engine ratios, in wall time
  and (text-only floor and extract) CPU time.
  Each figure is the best of ``--repeat`` interleaved runs, so a busy machine
  disturbs the floor and the engine alike.
- OCR pages: SROIE receipt images (``--ocr-images``), seconds per page (wall and CPU),
  with ONNX Runtime on one thread (the default; its CPU time is the cost of a page on
  an idle core even when the machine is busy) and on two.
- memory: peak RSS of a fresh process running ``extract`` on a generated ``--big``-page
  invoice PDF (pages are streamed; the target is <= 500 MB), and on a ``--scan-pages``
  page scanned (image-only) invoice PDF that goes through OCR (s/page of A4 scans too).

Results go to stdout and, as JSON, to bench/results/engine_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

import docgen  # noqa: E402
from extractions.engine import ExtractionOptions, extract, read_pages  # noqa: E402

CORPUS = Path(os.environ.get("PP_CORPUS", ROOT.parent / "shared" / "corpus" / "dev"))


def floor_seconds(data: bytes | str) -> tuple[float, int]:
    """pypdfium2 alone: every page opened, its text page built and all its text read."""
    return _floor(data, time.perf_counter)


def floor_with_boxes_seconds(data: bytes | str) -> tuple[float, int]:
    """pypdfium2 alone reading text with character boxes (how the issue measured its floor):
    as ``floor_seconds``, plus the box of every character."""
    return _floor(data, time.perf_counter, boxes=True)


def _floor(data: bytes | str, clock: Any, *, boxes: bool = False) -> tuple[float, int]:
    t0 = clock()
    doc = pdfium.PdfDocument(data)
    n = len(doc)
    for i in range(n):
        page = doc[i]
        textpage = page.get_textpage()
        textpage.get_text_range()
        if boxes:
            for c in range(textpage.count_chars()):
                textpage.get_charbox(c)
        textpage.close()
        page.close()
    doc.close()
    return clock() - t0, n


def timed(fn: Any, clock: Any = time.perf_counter) -> float:
    t0 = clock()
    fn()
    return clock() - t0


def bench_text(label: str, files: list[tuple[bytes | str, dict]], repeat: int) -> dict[str, Any]:
    pages = sum(floor_seconds(data)[1] for data, _ in files)
    best = {
        k: float("inf")
        for k in ("floor", "floor_boxes", "text", "read", "extract", "floor_cpu", "extract_cpu")
    }
    cpu = time.process_time
    for _ in range(repeat):
        best["floor"] = min(best["floor"], sum(floor_seconds(d)[0] for d, _ in files))
        best["floor_boxes"] = min(
            best["floor_boxes"], sum(floor_with_boxes_seconds(d)[0] for d, _ in files)
        )
        best["text"] = min(
            best["text"], sum(timed(lambda d=d: read_pages(d, rulings=False)) for d, _ in files)
        )
        best["read"] = min(best["read"], sum(timed(lambda d=d: read_pages(d)) for d, _ in files))
        best["extract"] = min(
            best["extract"], sum(timed(lambda d=d, s=s: extract(d, s)) for d, s in files)
        )
        # CPU time as well: on a shared machine it is what the work costs on an idle core
        best["floor_cpu"] = min(best["floor_cpu"], sum(_floor(d, cpu)[0] for d, _ in files))
        best["extract_cpu"] = min(
            best["extract_cpu"],
            sum(timed(lambda d=d, s=s: extract(d, s), cpu) for d, s in files),
        )
    out = {
        "label": label,
        "files": len(files),
        "pages": pages,
        "floor_pages_per_s": pages / best["floor"],
        "words_pages_per_s": pages / best["text"],
        "words_rulings_pages_per_s": pages / best["read"],
        "extract_pages_per_s": pages / best["extract"],
    }
    out["extract_vs_floor"] = out["floor_pages_per_s"] / out["extract_pages_per_s"]
    out["floor_with_char_boxes_pages_per_s"] = pages / best["floor_boxes"]
    out["extract_vs_floor_with_char_boxes"] = best["extract"] / best["floor_boxes"]
    out["words_vs_floor"] = out["floor_pages_per_s"] / out["words_pages_per_s"]
    out["floor_cpu_pages_per_s"] = pages / best["floor_cpu"]
    out["extract_cpu_pages_per_s"] = pages / best["extract_cpu"]
    out["extract_vs_floor_cpu"] = best["extract_cpu"] / best["floor_cpu"]
    return out


def child_ocr(count: int) -> None:
    """Run in a fresh process (thread count from PP_OCR_THREADS): OCR receipts, print JSON."""
    from extractions.engine.read import ocr

    images = sorted((CORPUS / "sroie").glob("*.jpg"))[:count]
    schema = json.loads((CORPUS / "schemas" / "receipt.json").read_text())
    # the engine reads its thread count from its options (settings.PP_OCR_THREADS in Django)
    options = ExtractionOptions(ocr_threads=int(os.environ.get("PP_OCR_THREADS") or 1))
    ocr.get_engine(options.ocr_threads)
    warm = docgen.encode_image(docgen.text_image(["warm up"]).image, "PNG")
    read_pages(warm, options)  # load models
    wall = cpu = ocr_wall = 0.0
    for path in images:
        t0, c0 = time.perf_counter(), time.process_time()
        result = extract(str(path), schema, options)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        ocr_wall += sum(s.seconds for s in result.steps if s.name == "ocr")
    n = len(images)
    print(
        json.dumps(
            {
                "pages": n,
                "seconds_per_page": wall / n,
                "ocr_step_seconds_per_page": ocr_wall / n,
                "cpu_seconds_per_page": cpu / n,
                "peak_rss_mb": _vm_hwm_mb(),
            }
        )
    )


def bench_ocr(count: int, threads: int | None) -> dict[str, Any]:
    env = dict(os.environ)
    if threads:
        env["PP_OCR_THREADS"] = str(threads)
    proc = subprocess.run(
        [sys.executable, __file__, "--child-ocr", str(count)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # With one thread, CPU time is what the page costs on an idle core, however busy
    # the machine is while measuring.
    out["label"] = f"OCR: SROIE receipt images, {threads} thread(s) per ONNX session"
    return out


def _vm_hwm_mb() -> float:
    """Peak RSS of this process (VmHWM: unlike ru_maxrss it is not inherited from the parent)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _vm_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child_memory(path: str, *, warm_ocr: bool = False) -> None:
    """Run in a fresh process: extract a big PDF, print peak RSS (MB) as JSON."""
    if warm_ocr:  # load the OCR models first, so the timing is per page, not per process
        read_pages(docgen.encode_image(docgen.text_image(["warm up"]).image, "PNG"))
    base = _vm_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    result = extract(path, docgen.INVOICE_SCHEMA)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(
        json.dumps(
            {
                "pages": len(result.pages),
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_rss_mb": _vm_hwm_mb(),
                "rss_before_extract_mb": base,
            }
        )
    )


def scanned_invoice(pages: int) -> bytes:
    """An invoice printed and scanned at 150 dpi: image-only pages, read by OCR."""
    data, _ = docgen.invoice_pdf(pages, seed=13, rows_per_page=18)
    doc = pdfium.PdfDocument(data)
    images = []
    for i in range(len(doc)):
        page = doc[i]
        images.append(page.render(scale=150 / 72).to_pil().convert("L").convert("RGB"))
        page.close()
    doc.close()
    return docgen.scanned_pdf(images, dpi=150)


def bench_memory(pages: int, tmp: Path, *, scanned: bool = False) -> dict[str, Any]:
    if scanned:
        data = scanned_invoice(pages)
    else:
        data, _ = docgen.invoice_pdf(pages, seed=11, rows_per_page=18)
    path = tmp / f"invoice_{pages}p{'_scan' if scanned else ''}.pdf"
    path.write_bytes(data)
    env = dict(os.environ)
    cmd = [sys.executable, __file__, "--child-memory", str(path)]
    if scanned:
        env["PP_OCR_THREADS"] = "1"  # CPU time = cost on an idle core, see bench_ocr
        cmd.append("--warm-ocr")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    kind = "scanned (OCR, 1 thread) " if scanned else ""
    out["label"] = (
        f"memory: extract() on a generated {pages}-page {kind}invoice PDF"
        f" ({len(data) / 1e6:.1f} MB)"
    )
    out["pages_per_s"] = out["pages"] / out["seconds"]
    out["seconds_per_page"] = out["seconds"] / out["pages"]
    out["cpu_seconds_per_page"] = out["cpu_seconds"] / out["pages"]
    return out


def corpus_pdfs() -> list[tuple[str, dict]]:
    if not (CORPUS / "manifest.jsonl").is_file():
        return []
    schemas = {}
    files = []
    for line in (CORPUS / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if not entry["file"].endswith(".pdf"):
            continue
        doc_type = entry["doc_type"]
        if doc_type not in schemas:
            schemas[doc_type] = json.loads((CORPUS / "schemas" / f"{doc_type}.json").read_text())
        files.append((str(CORPUS / entry["file"]), schemas[doc_type]))
    return files


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=200, help="pages of the generated invoice")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ocr-images", type=int, default=10, help="SROIE images to OCR (0: skip)")
    parser.add_argument(
        "--big", type=int, default=500, help="pages of the memory test PDF (0: skip)"
    )
    parser.add_argument(
        "--scan-pages", type=int, default=10, help="pages of a scanned invoice PDF to OCR (0: skip)"
    )
    parser.add_argument("--child-memory", help=argparse.SUPPRESS)
    parser.add_argument("--child-ocr", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--warm-ocr", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "engine_speed.json"))
    args = parser.parse_args()
    if args.child_memory:
        child_memory(args.child_memory, warm_ocr=args.warm_ocr)
        return
    if args.child_ocr:
        child_ocr(args.child_ocr)
        return

    results: list[dict[str, Any]] = []
    data, _ = docgen.invoice_pdf(args.pages, seed=5, rows_per_page=18)
    results.append(
        bench_text(
            f"generated {args.pages}-page invoice PDF, 10-field schema",
            [(data, docgen.INVOICE_SCHEMA)],
            args.repeat,
        )
    )
    _print(results[-1])
    real = corpus_pdfs()
    if real:
        results.append(bench_text("real PDFs: corpus zugferd + kleister_nda", real, args.repeat))
        _print(results[-1])
    if args.ocr_images and (CORPUS / "sroie").is_dir():
        for threads in (1, 2):
            results.append(bench_ocr(args.ocr_images, threads))
            _print(results[-1])
    if args.big:
        tmp = ROOT / "var" / "bench"
        tmp.mkdir(parents=True, exist_ok=True)
        results.append(bench_memory(args.big, tmp))
        _print(results[-1])
    if args.scan_pages:
        tmp = ROOT / "var" / "bench"
        tmp.mkdir(parents=True, exist_ok=True)
        results.append(bench_memory(args.scan_pages, tmp, scanned=True))
        _print(results[-1])
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"results": results, "cpus": os.cpu_count()}, indent=2))
    print(f"\nwritten to {out}")


def _print(row: dict[str, Any]) -> None:
    print(f"\n== {row.pop('label')}")
    for key, value in row.items():
        print(f"  {key:28s} {value:.3f}" if isinstance(value, float) else f"  {key:28s} {value}")


if __name__ == "__main__":
    main()
