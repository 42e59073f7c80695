"""The trainers ``train_engine`` runs, in order.

A trainer is a function ``train(ctx: TrainContext) -> TrainReport``. Register a new learned
model by adding one line to ``TRAINERS``; the command runs them all (or ``--only NAME``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class TrainContext:
    corpora: list[Path]  # labelled corpora (manifest.jsonl + schemas/), e.g. ../shared/corpus/train
    out_dir: Path  # where model files go (extractions/engine/models/ by default)
    cache_dir: Path | None  # OCR cache folder by page image (evaluate --cache), skips OCR
    seed: int = 20261206
    synthetic: int = 0  # how many synthetic documents to add, per trainer's own unit
    log: Callable[[str], None] = print


@dataclass(slots=True)
class TrainReport:
    name: str
    files: list[str]  # model files written, relative to out_dir
    metrics: dict[str, Any] = field(default_factory=dict)  # cross-validated figures
    notes: list[str] = field(default_factory=list)


Trainer = Callable[[TrainContext], TrainReport]

# name -> "module:function" under extractions.engine.training, imported only when run
TRAINERS: dict[str, str] = {
    "field_ranker": "field_ranker:train",
    "forms_linker": "forms_linker:train",  # FUNSD: units -> entities -> roles -> key/value links
    # last: it learns from what the other models make of the documents
    "confidence": "confidence:train",
}
