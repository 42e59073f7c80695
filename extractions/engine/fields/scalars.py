"""Finding the value of one field: by its concept's labels, then by document-level cues.

Each ``find_*`` returns a :class:`~.types.Found` (value + words + score) or None; a value
is never made up: when nothing on the page supports it, the field stays null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..layout.index import DocIndex
from ..lexicon.concepts import LABEL_TOKENS, NEGATIVE_TOKENS, STRONG_TOKENS, Concept
from ..lexicon.totals import CHANGE, PAYMENT, ROUNDING, TOTAL_WORDS
from ..types import Found
from ..values import amounts
from ..values.amounts import find_amounts
from ..values.dates import find_dates
from ..values.text import name_tokens, norm_text, tokens
from .finders import Hit, Region, find_labels, parse_region, value_for_label
from .meanings import FieldMeaning, label_phrases_for_field


@dataclass(slots=True)
class FieldQuery:
    """What the schema says about one leaf, resolved into search terms."""

    path: str
    name: str
    kind: str  # value kind to parse: amount, date, text, name, address, id, ...
    concept: Concept | None
    concept_score: float
    phrases: list[tuple[str, ...]]  # label phrases to look for
    negatives: list[tuple[str, ...]] = field(default_factory=list)
    strong: set[tuple[str, ...]] = field(default_factory=set)
    enum: list[Any] | None = None
    hint_tokens: set[str] = field(default_factory=set)  # name/title/aliases/description tokens


# --------------------------------------------------------------------------- amounts


def _amount_candidates(doc: DocIndex, q: FieldQuery, below: int = 1) -> list[tuple[Found, Hit]]:
    out = []
    for hit in find_labels(doc, q.phrases, q.negatives, q.strong):
        f = value_for_label(doc, hit, "amount", below=below, column_sum=True)
        if f is not None:
            out.append((f, hit))
    return out


def _first_amount_after(doc: DocIndex, hits: list[Hit]) -> list[tuple[float, Found, Hit]]:
    out = []
    for h in hits:
        f = value_for_label(doc, h, "amount", below=0)
        if f is not None:
            out.append((float(f.value), f, h))
    return out


def find_total(doc: DocIndex, q: FieldQuery) -> Found | None:
    """The final amount payable: strongest total label, corrected for a printed rounding line."""
    cands = _amount_candidates(doc, q)
    nonzero = [(f, h) for f, h in cands if f.value != 0]
    if nonzero:
        cands = nonzero
    best: tuple[Found, Hit] | None = None
    if cands:
        strong = [(f, h) for f, h in cands if h.phrase in q.strong]
        pool = strong or cands
        pool = [(f, h) for f, h in pool if not _lost_point(f, cands)] or pool
        # among equally good labels the largest amount is the grand total (summaries,
        # sub-totals and tax lines carry smaller ones); ties go to the lowest line
        best = max(pool, key=lambda fh: (abs(fh[0].value), fh[1].y))
        f, h = best
        f.score = min(1.0, f.score + (0.1 if strong else 0.0))
        # a rounding adjustment printed after the total: the payable amount is total + adj
        rounded = _apply_rounding(doc, f, h)
        if rounded is not None:
            return rounded
        if not strong:
            # plain "Total" lines also head tax summaries; what was paid tells them apart:
            # a larger paid amount, or any other one settled in cash (change counted back)
            paid = _total_from_payment(doc) or _tendered(doc, f, h)
            if (
                paid is not None
                and paid.score > 0.5
                and float(paid.value) != float(f.value)
                and (paid.score >= _CASH_SETTLED or float(paid.value) > float(f.value))
            ):
                return paid
        _agree(f, cands)
        return f
    return _total_from_payment(doc)


def _lost_point(f: Found, cands: list[tuple[Found, Hit]]) -> bool:
    """'2700' under one total label beside '27.00' under another: OCR dropped the decimal
    point (it does not add one), so the largest-amount rule must not take the bare digits."""
    value = float(f.value)
    if value < 100 or value != int(value) or _DECIMALS.search(f.text):
        return False
    return any(g is not f and abs(float(g.value) * 100 - value) < 0.001 for g, _ in cands)


_DECIMALS = re.compile(r"\d[.,]\d")


def _apply_rounding(doc: DocIndex, f: Found, h: Hit) -> Found | None:
    adj = _first_amount_after(doc, find_labels(doc, ROUNDING))
    for r, rf, rh in adj:
        if rh.y < h.y:
            continue
        if abs(r) >= 1 and 0 < abs(r - float(f.value)) < 0.05:
            return Found(r, rf.words, f.score * 0.95)  # "Rounding RM 177.20": the rounded total
        if r == 0 or abs(r) >= 1:
            continue
        # the sign is often printed apart ("-RM 0.02") or lost by OCR: the other one is
        # tried too, and only an amount printed after the adjustment confirms either
        targets = {round(float(f.value) + r, 2), round(float(f.value) - r, 2)}
        for lay, ln in doc.lines():
            if lay.number * 10 + ln.cy < rh.y:
                continue
            for a in find_amounts(ln.text, doc.decimal):
                if any(abs(a.value - t) < 0.001 for t in targets):
                    words = ln.words_in(a.start, a.end)
                    return Found(a.value, words, f.score * 0.95)
    return None


# the score of a total read as tendered minus the change counted back, printed above the
# payment line: the arithmetic of a cash sale, surer than a plain "Total" label
_CASH_SETTLED = 0.6


def _total_from_payment(doc: DocIndex) -> Found | None:
    """No total label: amount tendered minus change, when that amount is printed."""
    paid = _first_amount_after(doc, find_labels(doc, PAYMENT))
    change = _first_amount_after(doc, find_labels(doc, CHANGE))
    if not paid:
        return None
    p, pf, ph = paid[0]
    c = 0.0
    settled = False
    for cv, _cf, ch in change:
        if ch.y > ph.y:
            c = cv
            settled = True
            break
    target = round(p - c, 2)
    if target <= 0:
        return None
    # prefer the printed occurrence just above the payment line (the unlabelled total)
    best: Found | None = None
    for lay, ln in doc.lines():
        y = lay.number * 10 + ln.cy
        if y >= ph.y - 1e-9:
            break
        for a in find_amounts(ln.text, doc.decimal):
            if abs(a.value - target) < 0.001:
                score = _CASH_SETTLED if settled else 0.55
                best = Found(a.value, ln.words_in(a.start, a.end), score)
    if best is None and c == 0:
        best = Found(p, pf.words, 0.4)
    return best


def _tendered(doc: DocIndex, f: Found, h: Hit) -> Found | None:
    """A "total" line the change line follows at once is what was handed over ("Accepted
    total 10.00" / "Change 5.00"): the total is that amount minus the change, printed above."""
    after = [
        (lay.number * 10 + ln.cy, ln)
        for lay, ln in doc.lines()
        if lay.number * 10 + ln.cy > h.y + 1e-9 and find_amounts(ln.text, doc.decimal)
    ]
    if not after:
        return None
    change = [
        c for c in _first_amount_after(doc, find_labels(doc, CHANGE)) if c[2].line is after[0][1]
    ]
    if not change or change[0][0] <= 0:
        return None
    target = round(float(f.value) - change[0][0], 2)
    best: Found | None = None
    for lay, ln in doc.lines():
        if lay.number * 10 + ln.cy >= h.y - 1e-9:
            break
        for a in find_amounts(ln.text, doc.decimal):
            if target > 0 and abs(a.value - target) < 0.001:
                best = Found(a.value, ln.words_in(a.start, a.end), _CASH_SETTLED)
    return best


def _agree(f: Found, cands: list[tuple[Found, Hit]]) -> None:
    """Several labels printing the same amount make it more certain."""
    same = sum(1 for g, _ in cands if g is not f and g.value == f.value)
    if same:
        f.score = min(1.0, f.score + 0.05 * min(same, 2))


def find_amount(doc: DocIndex, q: FieldQuery) -> Found | None:
    """Subtotal, tax or any labelled amount: the best label, ties to the first printed."""
    cands = _amount_candidates(doc, q)
    if not cands:
        return None
    # among equal labels, one naming a total ("Total VAT") sums a breakdown by rate
    best = max(
        cands,
        key=lambda fh: (
            fh[1].phrase in q.strong,
            round(fh[0].score, 2),
            bool(TOTAL_WORDS.intersection(fh[1].phrase)),
            -fh[1].y,
        ),
    )
    _agree(best[0], cands)
    return best[0]


# --------------------------------------------------------------------------- dates and ids


def find_labelled(
    doc: DocIndex,
    q: FieldQuery,
    kind: str | None = None,
    below: int = 2,
    colon: bool = False,
) -> Found | None:
    """The best value printed next to one of the field's labels (``colon``: only labels
    followed by a colon count, for running text where the words also occur in sentences)."""
    kind = kind or q.kind
    best: Found | None = None
    best_key: tuple[bool, float] = (False, -1.0)
    for hit in find_labels(doc, q.phrases, q.negatives, q.strong):
        # earlier on the page breaks ties: headers come before footers and notes
        pos = doc.position(hit.layout) + hit.line.cy
        strong = hit.phrase in q.strong
        # scores are at most 1: a label this far down cannot beat the best value so far,
        # so its value is not read (long documents repeat their header labels per page)
        if (strong, round(1.0 - 0.05 * pos, 3)) <= best_key:
            continue
        if colon and not hit.line.text[hit.end_char :].lstrip().startswith((":", "：")):
            continue
        f = value_for_label(doc, hit, kind, below=below)
        if f is None:
            continue
        key = (strong, round(f.score - 0.05 * pos, 3))
        if key > best_key:
            best, best_key = f, key
    return best


def find_date(doc: DocIndex, q: FieldQuery, fallback: bool = True) -> Found | None:
    f = find_labelled(doc, q, "date")
    if f is not None or not fallback:
        return f
    # no label: the first plausible date of the document, skipping lines whose label says
    # it is another date (due, delivery, expiry ...)
    neg_lines = {(h.layout.number, h.line.index) for h in find_labels(doc, q.negatives)}
    for lay in doc.layouts[:2]:
        for ln in lay.lines:
            if (lay.number, ln.index) in neg_lines:
                continue
            for d in find_dates(ln.text):
                iso = d.iso(doc.order)
                if iso:
                    return Found(iso, ln.words_in(d.start, d.end), 0.6 if not d.ambiguous else 0.55)
    return None


# --------------------------------------------------------------------------- currency


# a code printed by an amount, in brackets ("Amount (EUR)") or after a colon ("Currency: EUR")
_CODE_BY_AMOUNT = re.compile(
    r"\d[\d.,]*\s*[A-Z]{3}(?![A-Za-z])|(?<![A-Za-z])[A-Z]{3}\s*\d|\(\s*[A-Z]{3}\s*\)|:\s*[A-Z]{3}\b"
)
_LOWER_WORD = re.compile(r"(?<![\w])[a-z]{2,}(?![\w])")
# dollars other than the US one, which a bare "$" may mean
_DOLLARS = frozenset(("CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "BND", "JMD", "BSD"))


def find_currency(doc: DocIndex, q: FieldQuery) -> Found | None:
    """The currency after a currency label, else the one the document's amounts are printed
    in. A printed ISO code counts for three symbols, and a dollar sign is read as the code
    of the dollar the document names ("$ 3,099.67 CAD")."""
    votes: dict[str, list[Found]] = {}
    weight: dict[str, int] = {}
    us_printed = False
    for lay in doc.layouts[:3]:
        for ln in lay.lines:
            code = amounts.find_currency(ln.text)
            if code is None:
                continue
            printed = amounts.printed_codes(ln.text)
            explicit = code in printed
            # "AUD EUR GBP USD" (the currencies accepted), "quoted with a TOP of deck" (a word
            # in a sentence): no amount's currency
            if explicit and (
                len(printed) >= 3
                or (len(_LOWER_WORD.findall(ln.text)) >= 3 and not _CODE_BY_AMOUNT.search(ln.text))
            ):
                continue
            words = [w for w in ln.words if amounts.find_currency(w.text) == code] or ln.words[:1]
            votes.setdefault(code, []).append(Found(code, words[:1], 0.5))
            weight[code] = weight.get(code, 0) + (3 if explicit else 1)
            us_printed = us_printed or "USD" in printed
    # the one non-US dollar the document names is what its bare "$" signs mean
    dollar = [c for c in weight if c in _DOLLARS]
    if len(dollar) == 1 and not us_printed and "USD" in votes:
        weight[dollar[0]] += weight.pop("USD")
        votes[dollar[0]] += votes.pop("USD")
    f = find_labelled(doc, q, "currency")
    if f is not None:
        if f.value == "USD" and "USD" not in f.text.upper() and len(dollar) == 1:
            return Found(dollar[0], f.words, f.score)
        return f
    if not votes:
        return None
    code, founds = max(votes.items(), key=lambda kv: weight[kv[0]])
    f = founds[0]
    f.score = min(0.85, 0.45 + 0.05 * len(founds))
    return f


# --------------------------------------------------------------------------- pattern kinds


def find_pattern(doc: DocIndex, q: FieldQuery) -> Found | None:
    """Email, phone, IBAN, VAT id: by label, else the first match on the first pages."""
    f = find_labelled(doc, q)
    if f is not None:
        return f
    for lay in doc.layouts[:2]:
        for ln in lay.lines:
            r = Region(lay, ln, 0, len(ln.text), "same")
            f = parse_region(doc, r, q.kind)
            if f is not None and f.words:
                f.score = 0.5
                return f
    return None


def find_enum(doc: DocIndex, q: FieldQuery) -> Found | None:
    """An enum value printed anywhere (after a label when there is one)."""
    opts = [o for o in (q.enum or []) if isinstance(o, str) and o.strip()]
    if not opts:
        return None
    f = find_labelled(doc, q, "text")
    if f is not None:
        m = match_enum(f.value, opts)
        if m is not None:
            return Found(m, f.words, f.score)
    folded = [(o, tuple(tokens(o))) for o in opts]
    hits: list[tuple[int, Found]] = []
    for lay in doc.layouts[:3]:
        idx = lay.token_index()
        for o, toks in folded:
            if not toks:
                continue
            for li, ti in idx.get(toks[0], ()):
                ln = lay.lines[li]
                if tuple(ln.toks[ti : ti + len(toks)]) == toks:
                    w = ln.words[ln.tok_word[ti] : ln.tok_word[ti + len(toks) - 1] + 1]
                    hits.append((len(toks), Found(o, w, 0.45)))
                    break
    if not hits:
        return None
    distinct = {h[1].value for h in hits}
    best = max(hits, key=lambda h: h[0])[1]
    if len(distinct) > 1:
        best.score = 0.3
    return best


def match_enum(value: Any, options: list[Any]) -> Any:
    if value in options:
        return value
    sv = norm_text(str(value))
    for o in options:
        if norm_text(str(o)) == sv:
            return o
    for o in options:
        no = norm_text(str(o))
        if no and (no in sv.split() or (len(no) > 3 and no in sv)):
            return o
    return None


# --------------------------------------------------------------------------- unknown fields


def find_generic(doc: DocIndex, q: FieldQuery) -> Found | None:
    """A field with no known meaning: its own label phrases, else the label that shares
    the most words with its name, title, aliases and description."""
    f = find_labelled(doc, q) if q.phrases else None
    if f is not None:
        return f
    if not q.hint_tokens:
        return None
    best: tuple[float, Hit] | None = None
    for lay in doc.layouts[:5]:
        for ln in lay.lines:
            for seg in ln.segments:
                idx = [i for i, wi in enumerate(ln.tok_word) if seg.start <= wi < seg.end]
                if not idx:
                    continue
                # the label is the segment up to its colon ("Projekt: Nord"), or all of it
                colon = ln.text.find(":", seg.char_start, seg.char_end)
                if colon >= 0:
                    idx = [i for i in idx if ln.tok_spans[i][1] <= colon]
                if not idx or len(idx) > 6:
                    continue
                label_toks = [ln.toks[i] for i in idx]
                overlap = sum(
                    1 for t in label_toks if t in q.hint_tokens or _stem(t) in q.hint_tokens
                )
                if overlap == 0:
                    continue
                s = overlap / len(label_toks)
                if s < 0.5:
                    continue
                if best is None or s > best[0]:
                    hit = Hit(lay, ln, idx[0], idx[-1] + 1, 0.5 + 0.3 * s, tuple(label_toks))
                    best = (s, hit)
    if best is None:
        return None
    return value_for_label(doc, best[1], q.kind)


def _stem(t: str) -> str:
    for suf in ("ing", "es", "s", "e"):
        if len(t) > len(suf) + 3 and t.endswith(suf):
            return t[: -len(suf)]
    return t


def stems(toks: list[str]) -> set[str]:
    return {t for t in toks} | {_stem(t) for t in toks}


def query_for(path: str, name: str, kind: str, meaning: FieldMeaning, node: dict[str, Any],
              parents: list[str]) -> FieldQuery:  # fmt: skip
    """Search terms for a field: its concept's labels plus what the schema itself says."""
    c = meaning.concept
    title = str(node.get("title") or "")
    aliases = [str(a) for a in node.get("x-aliases") or [] if isinstance(a, str)]
    own = label_phrases_for_field(name, title, aliases)
    phrases: list[tuple[str, ...]] = []
    negatives: list[tuple[str, ...]] = []
    strong: set[tuple[str, ...]] = set()
    alias_phrases = [tuple(tokens(a)) for a in aliases]
    if c is not None:
        phrases = list(LABEL_TOKENS[c.key])
        negatives = list(NEGATIVE_TOKENS[c.key])
        strong = set(STRONG_TOKENS[c.key])
        # the schema's own words only when specific enough not to catch column headers
        for p in own:
            if p not in phrases and (len(p) > 1 or p in alias_phrases):
                phrases.append(p)
        for p in alias_phrases:
            strong.add(p)
    else:
        phrases = own
    hint = stems(name_tokens(name)) | stems(tokens(title))
    for a in aliases:
        hint |= stems(tokens(a))
    desc = tokens(str(node.get("description") or ""))
    hint |= {t for t in stems(desc) if len(t) > 3}
    return FieldQuery(
        path=path, name=name, kind=kind, concept=c, concept_score=meaning.score, phrases=phrases,
        negatives=negatives, strong=strong, enum=node.get("enum"), hint_tokens=hint,
    )  # fmt: skip
