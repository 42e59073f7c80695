"""``manage.py train_engine``: train every learned model of the engine and write its files.

Reproducible: the same corpora, seed and code give the same model files. The figures in the
report are cross-validated by document group (a vendor's or template's documents never sit on
both sides of a fold), so they estimate how a model does on documents it has not seen.
"""

from __future__ import annotations

import json
import time
from importlib import import_module
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from extractions.engine.model_store import MODELS_DIR
from extractions.engine.training.registry import TRAINERS, TrainContext, TrainReport


class Command(BaseCommand):
    help = (
        "Train the engine's learned models on labelled corpora and write them to the models folder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--corpus",
            action="append",
            help="labelled corpus folder (repeatable; default ../shared/corpus/train)",
        )
        parser.add_argument("--out", default=str(MODELS_DIR), help="folder for the model files")
        parser.add_argument("--cache", dest="cache_dir", help="OCR cache folder (evaluate --cache)")
        parser.add_argument("--only", action="append", help="train only this model (repeatable)")
        parser.add_argument("--seed", type=int, default=20261206)
        parser.add_argument(
            "--synthetic",
            type=int,
            default=0,
            help="synthetic documents per trainer (0: its own default; -1: none)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        corpora = [Path(c) for c in (opts["corpus"] or ["../shared/corpus/train"])]
        for c in corpora:
            if not (c / "manifest.jsonl").is_file():
                raise CommandError(f"{c} has no manifest.jsonl")
        names = opts["only"] or list(TRAINERS)
        unknown = [n for n in names if n not in TRAINERS]
        if unknown:
            raise CommandError(
                f"unknown model(s) {unknown}; known: {', '.join(TRAINERS) or 'none'}"
            )
        out_dir = Path(opts["out"])
        out_dir.mkdir(parents=True, exist_ok=True)
        ctx = TrainContext(
            corpora=corpora,
            out_dir=out_dir,
            cache_dir=Path(opts["cache_dir"]) if opts["cache_dir"] else None,
            seed=opts["seed"],
            synthetic=opts["synthetic"],
            log=lambda msg: self.stderr.write(msg),
        )
        reports: list[TrainReport] = []
        for name in names:
            module, func = TRAINERS[name].split(":")
            trainer = getattr(import_module(f"extractions.engine.training.{module}"), func)
            t0 = time.perf_counter()
            report = trainer(ctx)
            report.metrics.setdefault("seconds", round(time.perf_counter() - t0, 1))
            reports.append(report)
            self.stdout.write(f"{name}: {', '.join(report.files)}  {json.dumps(report.metrics)}")
        # --only NAME retrains one model: the other models' entries of the report stay
        report_path = out_dir / "TRAINING.json"
        previous: list[dict[str, Any]] = []
        if report_path.is_file():
            try:
                previous = json.loads(report_path.read_text())
            except ValueError:
                previous = []
        fresh = {
            r.name: {"name": r.name, "files": r.files, "metrics": r.metrics, "notes": r.notes}
            for r in reports
        }
        merged = [fresh.pop(e["name"], e) for e in previous if isinstance(e, dict) and "name" in e]
        merged += list(fresh.values())
        order = {name: i for i, name in enumerate(TRAINERS)}
        merged.sort(key=lambda e: order.get(e["name"], len(order)))
        report_path.write_text(json.dumps(merged, indent=1) + "\n")
