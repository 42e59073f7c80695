"""OCR on its own: CPU seconds per page, character error rate and word recall.

    .venv/bin/python bench/ocr.py                          # train + dev, every page (long)
    .venv/bin/python bench/ocr.py --limit 10               # 10 receipts + 10 forms per corpus
    .venv/bin/python bench/ocr.py --engines engine,rapidocr --variant "ov=ocr_backend='openvino'"

Ground truth: ``<corpus>/ocr/{sroie,funsd}/<id>.jsonl`` (read ``ocr/README.md``): the
printed lines of the SROIE receipts, the words (with boxes) of the FUNSD forms. Engines,
each on the same pages in the same run:

- ``engine``: our OCR, ``extractions.engine.read_pages`` on the image (intake, OCR, words);
- ``rapidocr``: RapidOCR with its default settings (one ONNX Runtime thread, as ours);
- ``tesseract``: Tesseract 5 (Debian ``tesseract-ocr``, ``OMP_THREAD_LIMIT=1``), skipped
  with a message when the binary is absent.

Figures per engine, per corpus and per kind (receipts, forms):

- ``cpu_s_per_page``: ``time.process_time`` around the OCR call (for Tesseract, the child's
  user + system time); models are loaded (and a page read) before the clock starts. CPU
  time, not wall time: it is the cost of a page on a free core even when the machine is busy.
All text is casefolded first (SROIE's transcripts are in upper case whatever the print).

- ``line_cer``: ground-truth items are grouped into lines (FUNSD words by row; SROIE lines
  as given); each recognised word goes to the line whose box holds most of it; CER =
  edit distance of each line's words (left to right) against its transcript, summed over
  the lines, divided by the transcript characters (line boxes grown by half their height
  above and below: detectors draw a margin the annotators did not). A line nothing was read in counts in
  full; text read outside every line (the annotators skipped faint lines) is not counted.
- ``page_cer``: edit distance of the whole page, both sides put in the same reading order
  (rows top to bottom, left to right within a row), spaces collapsed.
- ``word_recall``: the share of ground-truth words (split at spaces) read exactly
  (as a multiset) anywhere on the page.

Results go to stdout and, as JSON, to ``bench/results/ocr.json`` (``--out``).
Edit distance comes from ``rapidfuzz`` (a bench-only import: ``pip install rapidfuzz``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    from rapidfuzz.distance import Levenshtein
except ImportError:  # bench-only dependency
    sys.exit("bench/ocr.py needs rapidfuzz for edit distances: .venv/bin/pip install rapidfuzz")

from PIL import Image  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
KINDS = {"sroie": "receipts", "funsd": "forms"}

Box = tuple[float, float, float, float]
Item = tuple[str, Box]  # text, pixel box x0 y0 x1 y1


# --------------------------------------------------------------------------- engines


def engine_reader() -> Callable[[Path], list[Item]]:
    from extractions.engine import read_pages

    def read(path: Path) -> list[Item]:
        items: list[Item] = []
        for page in read_pages(str(path), rulings=False):
            w, h = page.width, page.height
            for wd in page.words:
                items.append((wd.text, (wd.x0 * w, wd.y0 * h, wd.x1 * w, wd.y1 * h)))
        return items

    return read


def variant_reader(spec: str) -> Callable[[], Callable[[Path], list[Item]]]:
    """The engine with settings changed for this reader only: ``NAME=VALUE;...`` sets an
    engine option (``ocr_backend='openvino'``), a constant of ``extractions.engine.read.ocr``
    (``DET_SIDE_FAST=0``) or, for a dotted name, an entry of its RapidOCR parameters
    (``Rec.rec_batch_num=12``); values are Python literals. The reader keeps its own
    engines, so variants share one run."""
    import ast
    import dataclasses

    from extractions.engine import ExtractionOptions, read_pages
    from extractions.engine.read import ocr

    changes: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        name, _, value = part.partition("=")
        changes[name.strip()] = ast.literal_eval(value.strip())
    fields = {f.name for f in dataclasses.fields(ExtractionOptions)}
    options = ExtractionOptions(**{n: v for n, v in changes.items() if n in fields})
    changes = {n: v for n, v in changes.items() if n not in fields}

    def make() -> Callable[[Path], list[Item]]:
        own_engines: dict[int, Any] = {}

        def read(path: Path) -> list[Item]:
            saved = {n: getattr(ocr, n) for n in changes if "." not in n}
            saved_params, saved_engines = dict(ocr.ENGINE_PARAMS), ocr._engines
            for name, value in changes.items():
                if "." in name:
                    ocr.ENGINE_PARAMS[name] = value
                else:
                    setattr(ocr, name, value)
            ocr._engines = own_engines
            try:
                items: list[Item] = []
                for page in read_pages(str(path), options, rulings=False):
                    w, h = page.width, page.height
                    for wd in page.words:
                        items.append((wd.text, (wd.x0 * w, wd.y0 * h, wd.x1 * w, wd.y1 * h)))
                return items
            finally:
                ocr._engines = saved_engines
                ocr.ENGINE_PARAMS.clear()
                ocr.ENGINE_PARAMS.update(saved_params)
                for name, value in saved.items():
                    setattr(ocr, name, value)

        return read

    return make


def rapidocr_reader() -> Callable[[Path], list[Item]]:
    import numpy as np
    from rapidocr import RapidOCR

    from extractions.engine.read import ocr

    engine = RapidOCR(
        params={
            "Global.log_level": "error",
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        }
    )

    def read(path: Path) -> list[Item]:
        with Image.open(path) as img:
            arr = np.asarray(img.convert("RGB"))
        result = engine(arr)
        h, w = arr.shape[:2]
        items: list[Item] = []
        if result.boxes is None:
            return items
        for box, text in zip(result.boxes, result.txts, strict=False):
            pts = np.asarray(box, dtype=np.float32)
            # the same word split as the engine's, so only the reading differs
            line = ocr.OcrLine(text.strip(), 1.0, pts)
            for wd in ocr.split_line(line, 1, w, h):
                items.append((wd.text, (wd.x0 * w, wd.y0 * h, wd.x1 * w, wd.y1 * h)))
        return items

    return read


def tesseract_reader() -> Callable[[Path], list[Item]] | None:
    binary = shutil.which("tesseract")
    if binary is None:
        print("tesseract: not installed (apt-get install tesseract-ocr), skipped")
        return None
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def read(path: Path) -> list[Item]:
        out = subprocess.run(
            [binary, str(path), "-", "-l", "eng", "tsv"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
        items: list[Item] = []
        for row in out.splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
                continue
            x, y, w, h = (float(v) for v in cols[6:10])
            items.append((cols[11].strip(), (x, y, x + w, y + h)))
        return items

    return read


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


READERS: dict[str, Callable[[], Callable[[Path], list[Item]] | None]] = {
    "engine": engine_reader,
    "rapidocr": rapidocr_reader,
    "tesseract": tesseract_reader,
}


# --------------------------------------------------------------------------- truth


def load_truth(corpus: Path, kind: str, limit: int | None) -> list[tuple[Path, list[Item]]]:
    folder = corpus / "ocr" / kind
    if not folder.is_dir():
        return []
    pages = []
    for gt in sorted(folder.glob("*.jsonl"))[:limit]:
        images = [p for p in (corpus / kind).glob(gt.stem + ".*") if p.suffix != ".json"]
        if not images:
            continue
        items = []
        for row in gt.read_text().splitlines():
            if row.strip():
                obj = json.loads(row)
                items.append((obj["text"], tuple(float(v) for v in obj["box"])))
        pages.append((images[0], items))
    return pages


def rows(items: Iterable[Item]) -> list[list[Item]]:
    """Items in rows, top to bottom: an item joins the row its vertical centre falls in."""
    ordered = sorted(items, key=lambda it: (it[1][1] + it[1][3]) / 2)
    if not ordered:
        return []
    heights = sorted(it[1][3] - it[1][1] for it in ordered)
    tolerance = max(heights[len(heights) // 2] / 2, 1.0)
    out: list[list[Item]] = []
    row_y = 0.0
    for it in ordered:
        cy = (it[1][1] + it[1][3]) / 2
        if out and cy - row_y <= tolerance:
            out[-1].append(it)
        else:
            out.append([it])
            row_y = cy
    return [sorted(r, key=lambda it: it[1][0]) for r in out]


def word_lines(words: list[Item]) -> list[Item]:
    """FUNSD words joined into lines: same row, gap under two character heights."""
    lines: list[Item] = []
    for row in rows(words):
        cur_text, cur = row[0][0], list(row[0][1])
        for text, box in row[1:]:
            if box[0] - cur[2] <= 2 * (cur[3] - cur[1]):
                cur_text += " " + text
                cur = [
                    min(cur[0], box[0]),
                    min(cur[1], box[1]),
                    max(cur[2], box[2]),
                    max(cur[3], box[3]),
                ]
            else:
                lines.append((cur_text, tuple(cur)))
                cur_text, cur = text, list(box)
        lines.append((cur_text, tuple(cur)))
    return lines


def overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def score_page(truth: list[Item], read: list[Item], kind: str) -> dict[str, int]:
    # SROIE transcripts are upper case whatever the print: every comparison is casefolded
    truth = [(t.casefold(), box) for t, box in truth]
    read = [(t.casefold(), box) for t, box in read]
    lines = word_lines(truth) if kind == "funsd" else truth
    # detectors box a line with a margin the annotators did not draw
    grown = [
        (
            b[0] - (b[3] - b[1]) / 4,
            b[1] - (b[3] - b[1]) / 2,
            b[2] + (b[3] - b[1]) / 4,
            b[3] + (b[3] - b[1]) / 2,
        )
        for _, b in lines
    ]
    assigned: list[list[Item]] = [[] for _ in lines]
    for word in read:
        area = max((word[1][2] - word[1][0]) * (word[1][3] - word[1][1]), 1e-6)
        best, best_share = -1, (0.5, 0.0)  # at least half of the word inside the line
        for i, box in enumerate(grown):
            # ties inside grown boxes (a tight box near two lines) go to the true box
            share = (overlap(word[1], box) / area, overlap(word[1], lines[i][1]) / area)
            if share > best_share:
                best, best_share = i, share
        if best >= 0:
            assigned[best].append(word)
    line_errors = line_chars = 0
    for line, words in zip(lines, assigned, strict=True):
        hyp = " ".join(t for t, _ in sorted(words, key=lambda it: it[1][0]))
        line_errors += Levenshtein.distance(" ".join(line[0].split()), hyp)
        line_chars += len(" ".join(line[0].split()))
    ref_page = "\n".join(" ".join(t for t, _ in r) for r in rows(lines))
    hyp_page = "\n".join(" ".join(t for t, _ in r) for r in rows(read))
    truth_words = Counter(w for t, _ in truth for w in t.split())
    read_words = Counter(w for t, _ in read for w in t.split())
    return {
        "line_errors": line_errors,
        "line_chars": line_chars,
        "page_errors": Levenshtein.distance(ref_page, hyp_page),
        "page_chars": len(ref_page),
        "words": sum(truth_words.values()),
        "words_found": sum((truth_words & read_words).values()),
    }


# --------------------------------------------------------------------------- run


def summarise(cpu: list[float], scores: list[dict[str, int]]) -> dict[str, Any]:
    total = Counter()
    for s in scores:
        total.update(s)
    return {
        "pages": len(cpu),
        "cpu_s_per_page": round(sum(cpu) / max(len(cpu), 1), 3),
        "line_cer": round(total["line_errors"] / max(total["line_chars"], 1), 4),
        "page_cer": round(total["page_errors"] / max(total["page_chars"], 1), 4),
        "word_recall": round(total["words_found"] / max(total["words"], 1), 4),
    }


def run_engine(
    name: str, read: Callable[[Path], list[Item]], pages: list[tuple[Path, list[Item]]], kind: str
) -> dict[str, Any]:
    cpu: list[float] = []
    scores: list[dict[str, int]] = []
    per_page: dict[str, Any] = {}
    for path, truth in pages:
        t0, c0 = time.process_time(), children_cpu()
        items = read(path)
        spent = (time.process_time() - t0) + (children_cpu() - c0)
        cpu.append(spent)
        score = score_page(truth, items, kind)
        scores.append(score)
        per_page[path.stem] = {"cpu_s": round(spent, 3), **score}
    return {**summarise(cpu, scores), "per_page": per_page}


def dump(results: dict[str, Any]) -> str:
    """JSON with every flat object (a page's figures, an engine's summary) on one line."""
    text = json.dumps(results, indent=1)

    def one_line(match: re.Match[str]) -> str:
        return json.dumps(json.loads(match.group(0)))

    # an object opens a line ("{" then a newline); braces inside strings never do
    return re.sub(r"\{\n[^{}\[\]]*\}", one_line, text) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", type=Path, help="default: train and dev")
    parser.add_argument("--limit", type=int, default=None, help="pages per kind per corpus")
    parser.add_argument("--engines", default="engine,rapidocr,tesseract")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=SPEC",
        help='an engine variant run beside the others, e.g. "wide-rec=Rec.rec_img_shape=[3,48,320]"'
        ' (SPEC: ";"-separated settings of the OCR module, see variant_reader)',
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ocr.json")
    args = parser.parse_args()
    corpora = args.corpus or [SHARED / "train", SHARED / "dev"]

    readers: dict[str, Callable[[Path], list[Item]]] = {}
    makers = {name: READERS[name] for name in args.engines.split(",") if name}
    for variant in args.variant:
        name, _, spec = variant.partition("=")
        makers[name] = variant_reader(spec)
    for name, make in makers.items():
        reader = make()
        if reader is not None:
            readers[name] = reader

    results: dict[str, Any] = {
        "command": "bench/ocr.py " + " ".join(sys.argv[1:]),
        "limit": args.limit,
        "variants": args.variant,
        # the first page read by each engine, models loaded on the way (not in the figures)
        "first_read_cpu_s": {},
        "corpora": {},
    }
    for corpus in corpora:
        for kind, label in KINDS.items():
            pages = load_truth(corpus, kind, args.limit)
            if not pages:
                continue
            for name, read in readers.items():  # warm up: first-use costs out of the figures
                t0, c0 = time.process_time(), children_cpu()
                read(pages[0][0])
                spent = time.process_time() - t0 + children_cpu() - c0
                results["first_read_cpu_s"].setdefault(name, round(spent, 3))
            key = f"{corpus.name}/{label}"
            results["corpora"][key] = {}
            for name, read in readers.items():
                res = run_engine(name, read, pages, kind)
                results["corpora"][key][name] = res
                print(
                    f"{key:16} {name:10} pages {res['pages']:3}  "
                    f"CPU {res['cpu_s_per_page']:6.3f} s/page  line CER {res['line_cer']:.4f}  "
                    f"page CER {res['page_cer']:.4f}  word recall {res['word_recall']:.4f}",
                    flush=True,
                )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump(results))
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
