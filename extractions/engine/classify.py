"""Choose a classifier label for a document from its text.

Each label has a name, a description and keywords. A label's score in [0, 1] combines:
keyword hits (phrase matches, the strongest cue), overlap between the document's vocabulary and
the label's name/description tokens weighted by how distinctive each token is among the labels
(IDF over the labels, so words every label shares count for little), and a bonus for the label
name itself appearing early in the document (titles). Tokenisation is Unicode-aware and
accent-insensitive, so French / German documents work the same way.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

from .types import ClassificationResult, ClassifierLabelSpec, PageContent

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# Words too common to say anything about a document's type (en / fr / de).
_STOPWORDS_TEXT = """a an the and or of to in on for with by from at as is are be this that these those it its
    any all each which who whom whose what when where document documents file page pages
    le la les un une des du de et ou en au aux pour par sur avec dans est sont ce cette ces
    der die das ein eine einer eines und oder von zu im in mit für auf ist sind den dem des"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def fold(text: str) -> str:
    """Lowercase and strip accents ("Facture" / "FACTURÉ" -> "facture")."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(fold(text)) if t not in STOPWORDS and len(t) > 1]


def _stem(tok: str) -> str:
    # A light plural / inflection strip so "invoices" meets "invoice", "Rechnungen" "rechnung".
    for suf in ("ies", "es", "en", "s", "e"):
        if len(tok) > len(suf) + 3 and tok.endswith(suf):
            return tok[: -len(suf)]
    return tok


def _doc_text(pages: list[PageContent]) -> str:
    parts = []
    for p in pages:
        words = sorted(p.words, key=lambda w: (round(w.y0, 2), w.x0))
        parts.append(" ".join(w.text for w in words))
    return "\n".join(parts)


def _keyword_hit(keyword: str, folded_text: str, stems: Counter[str]) -> float:
    """1 for a whole-phrase match, partial credit when its words occur apart."""
    kw = fold(keyword).strip()
    if not kw:
        return 0.0
    if re.search(r"(?<!\w)" + re.escape(kw) + r"(?!\w)", folded_text):
        return 1.0
    # German-style compounds and inflections: "Rechnung" in "Rechnungsnummer", "Rechnungen".
    if len(kw) >= 5 and " " not in kw and re.search(r"(?<!\w)" + re.escape(kw), folded_text):
        return 0.8
    kt = [_stem(t) for t in tokens(kw)]
    if not kt:
        return 0.0
    found = sum(1 for t in kt if stems.get(t))
    return 0.6 * found / len(kt) if len(kt) > 1 else 0.0


def score_labels(pages: list[PageContent], labels: list[ClassifierLabelSpec]) -> dict[str, float]:
    """A score in [0, 1] for every label (independently normalised, not a distribution)."""
    text = _doc_text(pages)
    folded = fold(text)
    doc_tokens = [_stem(t) for t in tokens(text)]
    stems = Counter(doc_tokens)
    head = set(doc_tokens[:60])

    label_tokens: list[set[str]] = []
    for lab in labels:
        toks = tokens(f"{lab.name.replace('_', ' ')} {lab.description}")
        label_tokens.append({_stem(t) for t in toks})
    df: Counter[str] = Counter()
    for lt in label_tokens:
        df.update(lt)
    n_labels = max(len(labels), 1)

    scores: dict[str, float] = {}
    for lab, lt in zip(labels, label_tokens, strict=True):
        # Keywords: the share of them found, with diminishing returns.
        kws = [k for k in lab.keywords if k.strip()]
        kw_score = 0.0
        if kws:
            # Keywords are often synonyms / translations: one clear hit is strong evidence,
            # each further hit adds less.
            hits = [_keyword_hit(k, folded, stems) for k in kws]
            miss = 1.0
            for h in hits:
                miss *= 1.0 - 0.75 * h
            # …and the share of the label's keywords present separates close labels.
            kw_score = 0.75 * (1.0 - miss) + 0.25 * sum(hits) / len(hits)

        # Description / name vocabulary, IDF-weighted across the labels.
        desc_score = 0.0
        if lt:
            weights = {t: math.log(1 + n_labels / df[t]) for t in lt}
            total = sum(weights.values())
            found = sum(
                w * min(1.0, 0.5 + 0.25 * math.log1p(stems[t]))
                for t, w in weights.items()
                if stems.get(t)
            )
            desc_score = found / total if total else 0.0

        name_toks = {_stem(t) for t in tokens(lab.name.replace("_", " "))}
        name_score = (
            1.0
            if name_toks and name_toks <= head
            else (0.5 if name_toks and name_toks & head else 0.0)
        )

        if kws:
            score = 0.65 * kw_score + 0.25 * desc_score + 0.1 * name_score
        else:
            score = 0.75 * desc_score + 0.25 * name_score
        scores[lab.name] = round(min(1.0, max(0.0, score)), 4)
    return scores


def classify(
    pages: list[PageContent], labels: list[ClassifierLabelSpec], threshold: float = 0.2
) -> ClassificationResult:
    """The best label, or ``label=None`` when no label scores at least ``threshold``."""
    if not labels:
        return ClassificationResult(label=None, score=0.0, scores={})
    scores = score_labels(pages, labels)
    best = max(labels, key=lambda lab: scores[lab.name]).name
    best_score = scores[best]
    if best_score < threshold or best_score <= 0.0:
        return ClassificationResult(label=None, score=best_score, scores=scores)
    return ClassificationResult(label=best, score=best_score, scores=scores)
