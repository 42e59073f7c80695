"""Label words misread by OCR ("tota1", "rouuding", "subtoial") read as the word they stand
for: every label word of the concepts, of the table column headers and of the receipt
total lines, indexed by its one-letter deletions (built on first use)."""

from __future__ import annotations

from functools import lru_cache

from ..values.text import tokens
from .columns import COLUMN_WORDS
from .concepts import CONCEPTS
from .totals import CHANGE, PAYMENT, ROUNDING

_OCR_DIGITS = str.maketrans({"0": "o", "1": "l", "5": "s", "8": "b", "6": "g"})
_VOCAB_DELETES: dict[str, set[str]] | None = None
_VOCAB: set[str] = set()


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _vocabulary() -> dict[str, set[str]]:
    """Label words of every concept and table header, indexed by their one-letter deletions."""
    global _VOCAB_DELETES
    if _VOCAB_DELETES is None:
        words: set[str] = set()
        for c in CONCEPTS:
            for phrase in (*c.labels, *c.negative):
                words.update(tokens(phrase))
        for names in COLUMN_WORDS.values():
            for name in names:
                words.update(tokens(name))
        for group in (ROUNDING, PAYMENT, CHANGE):
            for phrase in group:
                words.update(phrase)
        words = {w for w in words if len(w) >= 5 and w.isalpha()}
        index: dict[str, set[str]] = {}
        for w in words:
            index.setdefault(w, set()).add(w)
            for d in _deletes(w):
                index.setdefault(d, set()).add(w)
        _VOCAB.update(words)
        _VOCAB_DELETES = index
    return _VOCAB_DELETES


@lru_cache(maxsize=65536)
def correct_ocr_token(tok: str) -> str:
    """A label word misread by OCR ("tota1", "rouuding", "subtoial") -> the word, when one
    edit away from exactly one label word; anything else is returned unchanged."""
    if len(tok) < 5:
        return tok
    index = _vocabulary()
    if tok in _VOCAB:
        return tok
    t = tok
    if not t.isalpha():
        letters = sum(c.isalpha() for c in t)
        if letters < 3 or letters < len(t) - 2:
            return tok
        t = t.translate(_OCR_DIGITS)
        if t in _VOCAB:
            return t
    cands: set[str] = set(index.get(t, ()))
    for d in _deletes(t):
        cands |= index.get(d, set())
    cands = {c for c in cands if abs(len(c) - len(t)) <= 1}
    return next(iter(cands)) if len(cands) == 1 else tok
