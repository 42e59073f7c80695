"""Semantic priors: what a schema field means.

A schema field is mapped to a *concept* (total, invoice number, vendor name, ...; see
``lexicon.concepts``, which also knows how documents print each one) from its name, title,
description and ``x-aliases``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..lexicon.concepts import CONCEPTS, NAME_TOKENS, NEGATIVE_TOKENS, Concept
from ..values.text import name_tokens, tokens


def _contains(seq: list[str], sub: tuple[str, ...]) -> bool:
    n = len(sub)
    if n == 0 or n > len(seq):
        return False
    first = sub[0]
    return any(seq[i] == first and tuple(seq[i : i + n]) == sub for i in range(len(seq) - n + 1))


@dataclass(slots=True)
class FieldMeaning:
    concept: Concept | None
    score: float  # 0..1, how sure we are of the concept


def recognise(
    name: str,
    title: str = "",
    description: str = "",
    aliases: list[str] | None = None,
    parents: list[str] | None = None,
) -> FieldMeaning:
    """The concept a schema field stands for, judged from everything the schema says about it.

    The field's own name (prefixed by its parents' names, so ``vendor.name`` reads as
    "vendor name") weighs most, then title and aliases, then the description.
    """
    c, score = _recognise(name, title, description, tuple(aliases or ()), tuple(parents or ()))
    return FieldMeaning(c, score)


# Words in a field name that say what kind of value it is: a field whose name has one of
# them beyond the concept's phrase is something else ("total_quantity", "tax_rate").
KIND_WORDS = frozenset(
    [
        "count",
        "qty",
        "quantity",
        "quantities",
        "number",
        "numbers",
        "no",
        "nr",
        "num",
        "rate",
        "rates",
        "percent",
        "percentage",
        "pct",
        "taux",
        "satz",
        "date",
        "dates",
        "name",
        "names",
        "id",
        "code",
        "codes",
        "currency",
        "address",
        "email",
        "phone",
        "items",
        "lines",
        "type",
        "method",
        "status",
        "reference",
        "ref",
        "weight",
        "points",
    ]
)

# words that say "an amount" or "a number" of any kind: another concept's word beside
# them in a field name says which
_GENERIC = frozenset({("total",), ("sum",), ("amount",), ("number",), ("no",), ("id",)})

# words that name a concept only when they are the whole name ("from": the sender)
_BARE = frozenset({"from", "to", "by", "on"})

_NAME_WORDS = {t for c in CONCEPTS for p in NAME_TOKENS[c.key] for t in p}
_NAME_FIRST: dict[str, list[tuple[tuple[str, ...], Concept]]] = {}
_ORDER: dict[tuple[tuple[str, ...], Concept], int] = {}
for _c in CONCEPTS:
    for _p in NAME_TOKENS[_c.key]:
        _NAME_FIRST.setdefault(_p[0], []).append((_p, _c))
        _ORDER.setdefault((_p, _c), len(_ORDER))


def _singular(tok: str) -> str:
    """ "emails" -> "email", "totals" -> "total" (only towards words the concepts know)."""
    if len(tok) > 4 and tok.endswith("s") and tok[:-1] in _NAME_WORDS:
        return tok[:-1]
    return tok


@lru_cache(maxsize=4096)
def _recognise(
    name: str,
    title: str,
    description: str,
    aliases: tuple[str, ...],
    parents: tuple[str, ...],
) -> tuple[Concept | None, float]:
    own = [_singular(t) for t in name_tokens(name)]
    ctx = [_singular(t) for p in (parents or []) for t in name_tokens(p)] + own
    # (tokens, weight, name-like): names, titles and aliases are matched as word sets
    # ("due_amount" = "amount due"), descriptions as phrases
    sources: list[tuple[list[str], float, bool]] = [(ctx, 1.0, True), (own, 0.98, True)]
    if title:
        sources.append((tokens(title), 0.95, len(tokens(title)) <= 5))
    for a in aliases or []:
        sources.append((tokens(a), 0.95, len(tokens(a)) <= 5))
    if description:
        sources.append((tokens(description), 0.7, False))
    own_phrases = {tuple(own)} | {tuple(tokens(x)) for x in (title, *(aliases or ())) if x}
    best: Concept | None = None
    best_score = 0.0
    best_len = 0
    for toks, weight, namelike in sources:
        tokset = set(toks)
        # candidate phrases in a fixed order (concept order), so ties resolve the same way
        cands = sorted(
            {pc for t in toks for pc in _NAME_FIRST.get(t, ())}, key=lambda pc: _ORDER[pc]
        )
        for phrase, c in cands:
            if namelike:
                if not tokset.issuperset(phrase):
                    continue
                if len(tokset) > len(phrase) and tokset.issuperset(phrase) and set(phrase) <= _BARE:
                    continue  # "flight_from" is not the sender: "from" names a field alone
                if (tokset - set(phrase)) & KIND_WORDS:
                    continue  # "total_quantity" is a quantity, "tax_rate" a rate
            elif not _contains(toks, phrase):
                continue
            if weight < 0.9 and len(phrase) == 1 and len(toks) > 6:
                # one common word somewhere in a long description proves little
                continue
            if own_phrases & set(NEGATIVE_TOKENS[c.key]):
                continue  # "delivery_date" is precisely not the invoice date
            exact = len(phrase) == len(toks)
            cover = len(phrase) / max(len(toks), 1)
            s = weight * (1.0 if exact else 0.6 + 0.3 * cover)
            if namelike and not exact and phrase in _GENERIC:
                s -= 0.1  # "sum_vat" is the VAT, "sum_net" the net: the specific word wins
            # a longer phrase matched is more specific ("due date" beats "date")
            key = (s + 0.05 * len(phrase), len(phrase))
            if key > (best_score + 0.05 * best_len, best_len):
                best, best_score, best_len = c, s, len(phrase)
    if best is None:
        return None, 0.0
    return best, min(best_score, 1.0)


def label_phrases_for_field(
    name: str, title: str, aliases: list[str] | None
) -> list[tuple[str, ...]]:
    """Label phrases a document might print for a field, from the schema itself."""
    out: list[tuple[str, ...]] = []
    for text in [" ".join(name_tokens(name)), title, *(aliases or [])]:
        t = tuple(tokens(text))
        if t and t not in out:
            out.append(t)
    return out
