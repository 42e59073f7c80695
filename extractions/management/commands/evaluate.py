"""``manage.py evaluate --corpus DIR [--corpus DIR2] [--schemas corpus,plain]``: score the engine.

The logic lives in ``extractions.engine.evaluation`` (plain Python); this command only parses
arguments, prints the tables and writes the JSON report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from extractions.engine.evaluation import calibration, harness, schema_sets, summary
from extractions.engine.types import ExtractionOptions


class Command(BaseCommand):
    help = (
        "Run the engine over one or more corpora (manifest.jsonl + schemas/<doc_type>.json) and "
        "print exact / normalised / fuzzy scores per doc_type and field, pages/s, and one overall "
        "figure per corpus and schema set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--corpus",
            required=True,
            action="append",
            help="corpus folder with manifest.jsonl (repeat for several)",
        )
        parser.add_argument(
            "--schemas",
            default=schema_sets.CORPUS_SET,
            help=(
                "comma-separated schema sets to run each corpus with: 'corpus' (its own schemas) "
                f"or customer-named sets ({', '.join(schema_sets.available_sets()[1:])}); "
                "'all' for every set"
            ),
        )
        parser.add_argument("--json", dest="json_out", help="write the full report (JSON) here")
        parser.add_argument("--doc-type", dest="doc_type", help="only this doc_type")
        parser.add_argument("--limit", type=int, help="at most N documents per doc_type")
        parser.add_argument(
            "--cache",
            dest="cache_dir",
            help="folder caching the OCR of page images by their pixels, so reruns skip OCR",
        )
        parser.add_argument("--quiet", action="store_true", help="no per-document progress")
        parser.add_argument(
            "--plot",
            help=(
                "write a reliability diagram (PNG) of the confidences here; with several "
                "corpora or schema sets, one file per run named <stem>-<run>.png"
            ),
        )
        parser.add_argument(
            "--raw-confidence",
            action="store_true",
            help="judge the parsing step's own confidences instead of the calibrated ones",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        roots = [Path(c) for c in opts["corpus"]]
        for root in roots:
            if not (root / "manifest.jsonl").is_file():
                raise CommandError(f"{root} has no manifest.jsonl")
        names = (
            schema_sets.available_sets()
            if opts["schemas"] == "all"
            else [n.strip() for n in opts["schemas"].split(",") if n.strip()]
        )
        try:
            sets = [schema_sets.load_schema_set(n) for n in names]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

        def progress(doc: harness.DocResult) -> None:
            if opts["quiet"]:
                return
            status = f"ERROR {doc.error}" if doc.error else "ok"
            self.stderr.write(
                f"{doc.file}: {doc.pages} page(s), read {doc.read_seconds:.2f}s"
                f"{' (cached)' if doc.cached else ''}, fill {doc.fill_seconds:.3f}s, {status}"
            )

        # OCR as the deployment's settings run it (PP_OCR_BACKEND, PP_OCR_ALPHABET,
        # PP_OCR_THREADS); the OCR cache's keys hold the backend and the alphabet, so one
        # cache folder serves every combination
        read_options = ExtractionOptions(
            ocr_backend=settings.PP_OCR_BACKEND,
            ocr_alphabet=settings.PP_OCR_ALPHABET,
            ocr_threads=settings.PP_OCR_THREADS,
        )
        runs: list[tuple[str, harness.Report]] = []
        for root in roots:
            for schema_set in sets:
                report = harness.run_corpus(
                    root,
                    doc_type=opts["doc_type"],
                    limit=opts["limit"],
                    cache_dir=opts["cache_dir"],
                    read_options=read_options,
                    progress=progress,
                    schema_set=None if schema_set.name == schema_sets.CORPUS_SET else schema_set,
                    calibrate=not opts["raw_confidence"],
                )
                if not report.documents:
                    raise CommandError(f"no documents matched in {root}")
                label = root.name if len(sets) == 1 else f"{root.name}/{schema_set.name}"
                runs.append((label, report))
                if len(roots) * len(sets) > 1:
                    self.stdout.write(f"== {root} with the {schema_set.name!r} schemas")
                self.stdout.write(harness.format_report(report))
                self.stdout.write("")
                self.stdout.write(calibration.format_calibration(label, _calibration(report)))
                self.stdout.write("")
        self.stdout.write(summary.format_summary(runs))
        if opts["plot"]:
            self._plot(Path(opts["plot"]), runs)
        if opts["json_out"]:
            payload = {
                "runs": [
                    {
                        **report.as_dict(),
                        "summary": summary.groups(summary.field_scores(report)),
                        "calibration": _calibration(report),
                    }
                    for _label, report in runs
                ]
            }
            with open(opts["json_out"], "w", encoding="utf-8") as fh:
                json.dump(payload, fh, indent=1, ensure_ascii=False, default=str)
            self.stdout.write(f"report written to {opts['json_out']}")

    def _plot(self, target: Path, runs: list[tuple[str, harness.Report]]) -> None:
        for label, report in runs:
            panels: dict[str, tuple[list[bool], list[float]]] = {}
            for doc in report.documents:
                for leaf in doc.leaves:
                    if leaf.right is not None:
                        labels, scores = panels.setdefault(calibration.GROUPS[leaf.kind], ([], []))
                        labels.append(leaf.right)
                        scores.append(leaf.confidence)
            png = calibration.reliability_png(
                [(f"{label}: {group}", ls, ss) for group, (ls, ss) in sorted(panels.items())]
            )
            path = target
            if len(runs) > 1:
                safe = label.replace("/", "-")
                path = target.with_name(f"{target.stem}-{safe}{target.suffix or '.png'}")
            path.write_bytes(png)
            self.stdout.write(f"reliability diagram written to {path}")


def _calibration(report: harness.Report) -> dict[str, Any]:
    return calibration.calibration_summary([(d.doc_type, d.leaves) for d in report.documents])
