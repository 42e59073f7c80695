"""Where the engine's learned model files live, and loading them once per process.

Model files are built by ``manage.py train_engine`` (``training/``) and committed under
``models/``; nothing is downloaded at run time. Loading is lazy and cached: the web process
imports the engine without loading a model, a worker loads each model on first use.

The bottom layer (beside ``types``): imports nothing from the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MODELS_DIR = Path(__file__).with_name("models")

_loaded: dict[str, Any] = {}
_lock = threading.Lock()


def model_path(name: str) -> Path:
    return MODELS_DIR / name


def load_model(name: str, loader: Callable[[Path], Any]) -> Any | None:
    """``loader(path)`` run once per process for the file ``name``; None when the file is
    missing (the engine then falls back to its rules, and says so nowhere else)."""
    with _lock:
        if name in _loaded:
            return _loaded[name]
        path = model_path(name)
        value = loader(path) if path.is_file() else None
        _loaded[name] = value
        return value


def forget_loaded_models() -> None:
    """Drop cached models (tests that write a model file and load it again)."""
    with _lock:
        _loaded.clear()


@contextmanager
def model_replaced(name: str, value: Any) -> Iterator[None]:
    """``value`` stands for the model file ``name`` inside the block (a trainer running the
    engine with a model fitted without the documents it runs on); the loaded one after."""
    with _lock:
        had, old = name in _loaded, _loaded.get(name)
        _loaded[name] = value
    try:
        yield
    finally:
        with _lock:
            if had:
                _loaded[name] = old
            else:
                _loaded.pop(name, None)
