"""Fixtures for the engine tests: small documents generated on the fly (the docgen package)."""

from __future__ import annotations

import pytest
from PIL import Image

import docgen


@pytest.fixture(scope="session")
def three_page_pdf() -> bytes:
    """Three pages, each saying which page it is, at a known position."""
    return docgen.build_pdf(
        [[(72, 100, f"Page {n} of three"), (72, 140, f"Marker P{n}")] for n in (1, 2, 3)]
    )


@pytest.fixture(scope="session")
def invoice() -> tuple[bytes, dict]:
    return docgen.invoice_pdf(2, seed=3, rows_per_page=6)


@pytest.fixture(scope="session")
def small_image() -> Image.Image:
    return Image.new("RGB", (64, 48), "white")


@pytest.fixture(scope="session")
def receipt_image() -> docgen.TextImage:
    """A small printed "receipt" that OCR reads reliably (large default-font text)."""
    return docgen.text_image(["GROCER 42", "TOTAL 18.50"], font_size=44, margin=40)


@pytest.fixture
def no_learned_models(monkeypatch: pytest.MonkeyPatch):
    """The rules alone: no model file is found (the forms linker, when one is built, stays
    out), as a bare checkout runs them."""
    from extractions.engine import model_store

    monkeypatch.setattr(model_store, "MODELS_DIR", model_store.MODELS_DIR / "absent")
    model_store.forget_loaded_models()
    yield
    model_store.forget_loaded_models()
