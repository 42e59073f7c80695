"""``manage.py evaluate --corpus DIR``: score the extraction engine on a labelled corpus.

The logic lives in ``extractions.engine.evaluation.harness`` (plain Python); this command only parses
arguments, prints the table and writes the JSON report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from extractions.engine.evaluation import harness


class Command(BaseCommand):
    help = (
        "Run the engine over a corpus (manifest.jsonl + schemas/<doc_type>.json) and print "
        "exact / normalised / fuzzy scores per doc_type and field, plus pages/s."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", required=True, help="corpus folder with manifest.jsonl")
        parser.add_argument("--json", dest="json_out", help="write the full report (JSON) here")
        parser.add_argument("--doc-type", dest="doc_type", help="only this doc_type")
        parser.add_argument("--limit", type=int, help="at most N documents per doc_type")
        parser.add_argument(
            "--cache",
            dest="cache_dir",
            help="folder caching read_pages output by sha256, so reruns skip OCR",
        )
        parser.add_argument("--quiet", action="store_true", help="no per-document progress")

    def handle(self, *args: Any, **opts: Any) -> None:
        root = Path(opts["corpus"])
        if not (root / "manifest.jsonl").is_file():
            raise CommandError(f"{root} has no manifest.jsonl")

        def progress(doc: harness.DocResult) -> None:
            if opts["quiet"]:
                return
            status = f"ERROR {doc.error}" if doc.error else "ok"
            self.stderr.write(
                f"{doc.file}: {doc.pages} page(s), read {doc.read_seconds:.2f}s"
                f"{' (cached)' if doc.cached else ''}, fill {doc.fill_seconds:.3f}s, {status}"
            )

        report = harness.run_corpus(
            root,
            doc_type=opts["doc_type"],
            limit=opts["limit"],
            cache_dir=opts["cache_dir"],
            progress=progress,
        )
        if not report.documents:
            raise CommandError("no documents matched")
        self.stdout.write(harness.format_report(report))
        if opts["json_out"]:
            with open(opts["json_out"], "w", encoding="utf-8") as fh:
                json.dump(report.as_dict(), fh, indent=1, ensure_ascii=False, default=str)
            self.stdout.write(f"report written to {opts['json_out']}")
