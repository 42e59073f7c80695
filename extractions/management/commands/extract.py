"""``manage.py extract FILE --schema SCHEMA.json``: run the engine on one file, print JSON.

The engine is plain Python (``extractions.engine``); this command only parses
arguments and prints ``ExtractionResult.as_dict()``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from extractions.engine import (
    EXTRACTION_TARGETS,
    EngineError,
    ExtractionOptions,
    extract,
    supported_formats,
)


class Command(BaseCommand):
    help = "Extract FILE (PDF or image) with a JSON schema and print the result as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=supported_formats())
        parser.add_argument("--schema", required=True, help="JSON Schema file of the parser")
        parser.add_argument("--pages", help='page selection, e.g. "1-3" or "1,3,5-7"')
        parser.add_argument("--max-pages", type=int, dest="max_pages")
        parser.add_argument("--target", choices=EXTRACTION_TARGETS, default="per_doc")
        parser.add_argument("--ocr", choices=("auto", "always", "never"), default="auto")
        parser.add_argument("--images", action="store_true", help="list embedded images")
        parser.add_argument("--no-content", action="store_true", help="omit the page text")
        parser.add_argument("--indent", type=int, default=2)

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            schema = json.loads(Path(opts["schema"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read schema {opts['schema']}: {exc}") from exc
        if not isinstance(schema, dict):
            raise CommandError("the schema must be a JSON object")
        options = ExtractionOptions(
            pages=opts["pages"],
            max_pages=opts["max_pages"],
            target=opts["target"],
            ocr=opts["ocr"],
            include_images=opts["images"],
            ocr_threads=settings.PP_OCR_THREADS,
            ocr_backend=settings.PP_OCR_BACKEND,
            ocr_alphabet=settings.PP_OCR_ALPHABET,
            on_step=lambda name: self.stderr.write(f"{name}…"),
        )
        try:
            result = extract(str(path), schema, options)
        except EngineError as exc:
            json.dump(
                {"error": {"code": exc.code, "message": exc.message}},
                sys.stdout,
                indent=opts["indent"],
                ensure_ascii=False,
            )
            sys.stdout.write("\n")
            raise CommandError(f"{exc.code}: {exc.message}", returncode=2) from exc
        out = result.as_dict()
        if opts["no_content"]:
            out.pop("content", None)
        self.stdout.write(json.dumps(out, indent=opts["indent"], ensure_ascii=False))
