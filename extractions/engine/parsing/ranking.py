"""Which suggested fields a person would name: filter, merge and rank label/value candidates.

A sample prints labels nobody makes a field of: form codes and page numbers in the footer of
every page (``URN``, ``CEN/EU``, ``Seite``), the end of a sentence before a colon (``Bitte
beachten:``), signature lines. The rules, none of them about one document:

- **junk names are dropped**: under 3 characters, mostly digits, a sentence fragment (sentence
  punctuation inside, more than 5 words, or starting in lower case), or only abbreviations
  (every word of at most 3 letters, e.g. ``urn``, ``cen_eu``) that the lexicon does not know
  as a label (``tax``, ``vat``, ``qty`` are kept); so is a value of running text (> 12 words);
- **page furniture is dropped**: a label printed on most pages of a multi-page document is a
  header or footer, unless its value is typed and the same everywhere (then it is one field);
- **near-duplicates are merged**: the same words once filler words are set aside (``Invoice
  No`` / ``Invoice number``, ``Rechnungsnr`` / ``Rechnungs-Nr``), or word by word near-identical
  (an OCR misread letter: ``lnvoice date``); the merged field keeps every printed label as an
  alias;
- **ranked by evidence**: a typed value (date, amount, integer) after the label counts most,
  then a label the lexicon knows, a short text value, a label seen more than once with one
  value, a short label, page 1; a label with no value (a blank line) counts least.

The best ``limit`` are kept and returned in the order the document prints them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from ..lexicon.columns import COLUMN_WORDS
from ..lexicon.concepts import LABEL_TOKENS, NAME_TOKENS
from ..values.text import tokens

# Words that do not tell two labels apart ("Invoice No" is "Invoice number").
FILLER_WORDS = frozenset(
    {
        "no",
        "nr",
        "n",
        "number",
        "num",
        "nummer",
        "numero",
        "the",
        "of",
        "a",
        "de",
        "du",
        "la",
        "le",
        "des",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "fur",
        "for",
    }
)
MAX_LABEL_WORDS = 5
MAX_VALUE_WORDS = 12
SIMILAR_NAMES = 0.85  # SequenceMatcher ratio above which two words are one


def _known_labels() -> frozenset[tuple[str, ...]]:
    known: set[tuple[str, ...]] = set()
    for table in (LABEL_TOKENS, NAME_TOKENS):
        for phrases in table.values():
            known.update(p for p in phrases if p)
    for words in COLUMN_WORDS.values():
        known.update(tuple(tokens(w)) for w in words)
    return frozenset(known)


KNOWN_LABELS = _known_labels()


@dataclass(slots=True)
class Candidate:
    """One printed label and its value, as a proposed property."""

    name: str
    label: str
    value: str | None
    page: int
    order: int  # position in the document
    typed: bool  # a date, amount or integer value
    prop: dict[str, Any]
    aliases: list[str] = field(default_factory=list)
    pages: set[int] = field(default_factory=set)
    values: set[str] = field(default_factory=set)
    score: float = 0.0

    def __post_init__(self) -> None:
        self.aliases = self.aliases or [self.label]
        self.pages = self.pages or {self.page}
        if self.value and self.value.strip():
            self.values.add(self.value.strip())


def label_words(key: str) -> str:
    """The printed label without its trailing punctuation (``"Ort,"`` -> ``"Ort"``)."""
    return re.sub(r"[\s:;,.\-–—_*#]+$", "", key.strip()).strip()


def known_label(label: str) -> bool:
    """A label the lexicon knows (a rate or number printed in it aside: ``VAT 20%``)."""
    return tuple(t for t in tokens(label) if not t.isdigit()) in KNOWN_LABELS


def is_junk(cand: Candidate) -> bool:
    name, label = cand.name, cand.label
    letters = name.replace("_", "")
    if len(letters) < 3:
        return True
    if sum(c.isdigit() for c in letters) > 0.5 * len(letters):
        return True
    words = label.split()
    if len(words) > MAX_LABEL_WORDS or re.search(r"[.!?;]\s", label):
        return True
    if label[:1].islower() and not known_label(label):
        return True  # the end of a sentence that ran into a colon
    parts = [p for p in name.split("_") if not p.isdigit()]
    if all(len(p) <= 3 for p in parts) and not known_label(label):
        return True  # abbreviations only: form codes, not fields
    value_words = (cand.value or "").split()
    return len(value_words) > MAX_VALUE_WORDS


def _key(name: str) -> str:
    words = [w for w in name.split("_") if w not in FILLER_WORDS and not w.isdigit()]
    return "_".join(words) or name


def _same_field(a: Candidate, b: Candidate) -> bool:
    """The same words (filler aside, ``rechnungsnr`` = ``rechnungs_nr``), or word by word
    near-identical (a misread letter); a different word is another field, however long the
    words they share (``unterschrift_mieter`` is not ``unterschrift_vermieter``)."""
    ka, kb = _key(a.name), _key(b.name)
    if ka == kb or ka.replace("_", "") == kb.replace("_", ""):
        return True
    wa, wb = ka.split("_"), kb.split("_")
    return len(wa) == len(wb) and all(
        x == y
        or (min(len(x), len(y)) >= 5 and SequenceMatcher(None, x, y).ratio() >= SIMILAR_NAMES)
        for x, y in zip(wa, wb, strict=True)
    )


def _representative(cand: Candidate) -> tuple[bool, bool, int]:
    """Which printing of a field names it: one with a value, typed, the most explicit label
    (``Invoice number`` rather than a title ``INVOICE`` over nothing)."""
    return (bool(cand.values), cand.typed, len(cand.name.split("_")))


def merge_duplicates(cands: list[Candidate]) -> list[Candidate]:
    """One candidate per field, at the place of its first appearance."""
    merged: list[Candidate] = []
    for cand in cands:
        into = next((m for m in merged if _same_field(m, cand)), None)
        if into is None:
            merged.append(cand)
            continue
        if _representative(cand) > _representative(into):
            into.name, into.label, into.value = cand.name, cand.label, cand.value
            into.typed, into.prop = cand.typed, cand.prop
            into.aliases.insert(0, cand.label)
        elif cand.label not in into.aliases:
            into.aliases.append(cand.label)
        into.pages |= cand.pages
        into.values |= cand.values
    for cand in merged:
        cand.aliases = list(dict.fromkeys(cand.aliases))
    return merged


def _furniture(cand: Candidate, page_count: int) -> bool:
    if page_count < 2 or len(cand.pages) < 2 or len(cand.pages) * 2 < page_count:
        return False
    return not (cand.typed and len(cand.values) == 1)


def evidence(cand: Candidate) -> float:
    score = 0.0
    value_words = len((cand.value or "").split())
    if cand.typed:
        score += 2.0
    elif 1 <= value_words <= 6:
        score += 1.0
    elif value_words == 0:
        score -= 0.5  # a blank line: a form field at best
    if known_label(cand.label) or any(known_label(a) for a in cand.aliases[1:]):
        score += 1.5
    if len(cand.aliases) > 1 or (len(cand.pages) > 1 and len(cand.values) == 1):
        score += 0.5  # repeated with one value: the document's structure
    if len(cand.label.split()) <= 3:
        score += 0.5
    if min(cand.pages) == 1:
        score += 0.25
    return score


def rank_candidates(cands: list[Candidate], *, page_count: int, limit: int) -> list[Candidate]:
    """The best ``limit`` candidates (junk and page furniture dropped, duplicates merged),
    in document order; names unique."""
    kept = merge_duplicates([c for c in cands if not is_junk(c)])
    kept = [c for c in kept if not _furniture(c, page_count)]
    for cand in kept:
        cand.score = evidence(cand)
    best = sorted(kept, key=lambda c: (-c.score, c.order))[:limit]
    return sorted(best, key=lambda c: c.order)
