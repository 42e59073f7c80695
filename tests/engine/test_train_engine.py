"""``manage.py train_engine``: runs the registered trainers and writes their report."""

from __future__ import annotations

import json
import sys
import types
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from extractions.engine import model_store
from extractions.engine.training import registry


@pytest.fixture
def toy_trainer(monkeypatch):
    """A trainer module of our own, registered like a real one."""
    module = types.ModuleType("extractions.engine.training.toy")

    def train(ctx: registry.TrainContext) -> registry.TrainReport:
        (ctx.out_dir / "toy.txt").write_text(f"seed={ctx.seed} corpora={len(ctx.corpora)}")
        return registry.TrainReport("toy", ["toy.txt"], {"auc": 0.9})

    module.train = train
    monkeypatch.setitem(sys.modules, "extractions.engine.training.toy", module)
    monkeypatch.setitem(registry.TRAINERS, "toy", "toy:train")


def _corpus(root: Path) -> Path:
    root.mkdir()
    (root / "manifest.jsonl").write_text("")
    return root


def test_runs_the_trainers_and_writes_the_report(tmp_path, toy_trainer) -> None:
    out = StringIO()
    call_command(
        "train_engine",
        "--corpus",
        str(_corpus(tmp_path / "c")),
        "--out",
        str(tmp_path / "models"),
        "--only",
        "toy",
        "--seed",
        "7",
        stdout=out,
        stderr=StringIO(),
    )
    assert (tmp_path / "models" / "toy.txt").read_text() == "seed=7 corpora=1"
    report = json.loads((tmp_path / "models" / "TRAINING.json").read_text())
    assert report[0]["name"] == "toy" and report[0]["metrics"]["auc"] == 0.9
    assert "seconds" in report[0]["metrics"] and "toy: toy.txt" in out.getvalue()


def test_refuses_unknown_models_and_missing_corpora(tmp_path, toy_trainer) -> None:
    with pytest.raises(CommandError, match="unknown model"):
        call_command("train_engine", "--corpus", str(_corpus(tmp_path / "c")), "--only", "nope")
    with pytest.raises(CommandError, match=r"no manifest\.jsonl"):
        call_command("train_engine", "--corpus", str(tmp_path / "missing"))


def test_models_load_once_and_a_missing_file_is_none(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(model_store, "MODELS_DIR", tmp_path)
    model_store.forget_loaded_models()
    calls: list[Path] = []
    (tmp_path / "m.txt").write_text("x")

    def loader(path: Path) -> str:
        calls.append(path)
        return path.read_text()

    assert model_store.load_model("m.txt", loader) == "x"
    assert model_store.load_model("m.txt", loader) == "x"
    assert calls == [tmp_path / "m.txt"]
    assert model_store.load_model("absent.txt", loader) is None
    model_store.forget_loaded_models()


def test_retraining_one_model_keeps_the_others_in_the_report(tmp_path, toy_trainer) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "TRAINING.json").write_text(
        json.dumps([{"name": "other", "files": ["o.bin"], "metrics": {}, "notes": []}])
    )
    args = ["--corpus", str(_corpus(tmp_path / "c")), "--out", str(models), "--only", "toy"]
    call_command("train_engine", *args, stdout=StringIO(), stderr=StringIO())
    call_command("train_engine", *args, stdout=StringIO(), stderr=StringIO())
    names = [e["name"] for e in json.loads((models / "TRAINING.json").read_text())]
    assert sorted(names) == ["other", "toy"]
