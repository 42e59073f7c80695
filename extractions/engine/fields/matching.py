"""Any field a customer names: its printed label found by similarity, its value by geometry.

A field is described by its schema alone (name split at ``_`` and camelCase, title,
``x-aliases``, description, type and format): ``profile_for`` folds those words to their
*senses* (``lexicon.synonyms``: "no"/"#"/"Nr" -> number, "client"/"Advertiser"/"Kunde" ->
buyer, "first"/"from"/"Start" -> start). Every short text that starts a segment of a line on
the document's first and last pages is a possible label (``LabelIndex``, built once per
document); a label whose senses meet the field's is a candidate, and every value of the
field's type printed next to it (rest of its segment, segments to its right, the segment
below; each date of a printed range "10/01/20 - 10/31/20") is a ``Candidate`` with the
features a ranker decides with (``fields.ranker``): how well the label matches, where the
value sits relative to it, the page region, the value's shape, and whether the concept rules
of ``fields.scalars`` picked the same value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..layout.index import DocIndex
from ..layout.lines import Line, PageLayout
from ..lexicon.concepts import LABEL_TOKENS, STRONG_TOKENS, Concept
from ..lexicon.synonyms import OPPOSITES, SENSES, WEAK_SENSES, sense_of
from ..types import Found
from ..values.amounts import find_amounts
from ..values.dates import find_dates
from ..values.text import name_tokens, tokens
from .finders import (
    Hit,
    Region,
    column_total,
    parse_region,
    region_words,
    values_near,
    wrapped_text,
)

# words of a description that say nothing about the label
_STOP = frozenset(
    " ".join(
        [
            "a an the of for to in on at by or and with as is are be this that it its who what",
            "which we us our you your their them from de la le les du des et der die das und von",
            "zu im een het van en el los las y del e g eg ie usually as printed iso yyyy mm dd",
            "8601 calendar format one all any each",
        ]
    ).split(" ")
)

_NUMBER_MARK = re.compile(r"#|n[°º]|\bno\.|\bnr\.", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")
_TIGHT_RANGE = re.compile(r"(?<=\d)-(?=\d{1,2}[/.]\d)")
_LEADING_LABEL = re.compile(r"^[^\W\d_][^:\d]{0,30}:")
_MAX_LABEL_TOKENS = 6
# document sums: read under a column header, their value is the column's totals row
_SUMS = frozenset({"total", "subtotal", "tax"})
_KNOWN_SENSES = frozenset(SENSES)
_KIND_SENSES = {
    "name": {"name"},
    "date": {"date"},
    "id": {"number"},
    "amount": {"amount"},
    "address": {"address"},
}


@dataclass(slots=True, frozen=True)
class FieldProfile:
    """What the schema says about one scalar field, as senses."""

    kind: str  # value kind (fill._value_kind): amount, date, id, text, name, ...
    name_senses: frozenset[str]  # from the name, title and aliases
    desc_senses: frozenset[str]  # from the description (stop words dropped)
    aliases: frozenset[tuple[str, ...]]
    concept_phrases: frozenset[tuple[str, ...]]
    concept_strong: frozenset[tuple[str, ...]]
    position: int  # -1: the first of a range (start), 1: the last (end), 0: either
    opposite: frozenset[str]
    concept_key: str = ""
    strong_senses: frozenset[str] = frozenset()  # the name's specific senses


def profile_for(
    name: str,
    node: dict[str, Any],
    kind: str,
    concept: Concept | None,
    parents: list[str] | None = None,
) -> FieldProfile:
    title = str(node.get("title") or "")
    aliases = [str(a) for a in node.get("x-aliases") or [] if isinstance(a, str)]
    own = name_tokens(name) + tokens(title)
    for p in parents or []:
        own += name_tokens(p)
    for a in aliases:
        own += tokens(a)
    ns = {sense_of(t) for t in own if t}
    desc = [t for t in tokens(str(node.get("description") or "")) if t not in _STOP]
    ds = {sense_of(t) for t in desc if len(t) > 1 and not t.isdigit()}
    # the value's type is said by its label too ("Advertiser Name", "Order No", "Start Date")
    ds |= _KIND_SENSES.get(kind, set())
    pos = 0
    if "start" in ns and "end" not in ns:
        pos = -1
    elif "end" in ns and "start" not in ns:
        pos = 1
    elif "start" in ds and "end" not in ds:
        pos = -1
    elif "end" in ds and "start" not in ds:
        pos = 1
    opp = {o for s in ns for o in OPPOSITES.get(s, ()) if o not in ns}
    return FieldProfile(
        kind=kind,
        name_senses=frozenset(ns),
        desc_senses=frozenset(ds - ns),
        aliases=frozenset(tuple(tokens(a)) for a in aliases if tokens(a)),
        concept_phrases=frozenset(LABEL_TOKENS[concept.key]) if concept else frozenset(),
        concept_strong=frozenset(STRONG_TOKENS[concept.key]) if concept else frozenset(),
        position=pos,
        opposite=frozenset(opp),
        concept_key=concept.key if concept else "",
        strong_senses=frozenset(s for s in ns if s not in WEAK_SENSES and s in _KNOWN_SENSES),
    )


# --------------------------------------------------------------------------- labels


@dataclass(slots=True)
class Label:
    """A short text starting a segment: tokens [t0, t1) of a line."""

    layout: PageLayout
    line: Line
    t0: int
    t1: int
    toks: tuple[str, ...]
    senses: frozenset[str]
    colon: bool
    page_pos: int  # index among the document's pages
    last_page: bool
    prev_senses: frozenset[str] = frozenset()  # a bare label segment just left of it
    lead: bool = True  # starts its segment (else it follows a value inside the segment)

    def hit(self) -> Hit:
        return Hit(self.layout, self.line, self.t0, self.t1, 0.75, self.toks)


def _pages_to_scan(doc: DocIndex) -> list[PageLayout]:
    lays = doc.layouts
    if len(lays) <= 5:
        return list(lays)
    return [*lays[:3], *lays[-2:]]


class LabelIndex:
    """Every possible label of a document's first and last pages, read once."""

    def __init__(self, doc: DocIndex) -> None:
        self.doc = doc
        self.labels: list[Label] = []
        n = len(doc.layouts)
        for lay in _pages_to_scan(doc):
            pos = doc.position(lay)
            for ln in lay.lines:
                self._read_line(lay, ln, pos, pos == n - 1)

    def _read_line(self, lay: PageLayout, ln: Line, pos: int, last: bool) -> None:
        if not ln.toks:
            return
        spans = ln.tok_spans
        tw = ln.tok_word
        text = ln.text
        prev: Label | None = None
        for seg in ln.segments:
            idx = [i for i, wi in enumerate(tw) if seg.start <= wi < seg.end]
            # every run of word tokens is a possible label: the one starting the segment
            # ("Order #: 123") and those after a value ("12/30/19 - 01/26/20 Flight Dates ...")
            runs: list[tuple[list[int], bool]] = []
            got: list[int] = []
            for i in idx:
                if _HAS_DIGIT.search(ln.toks[i]):
                    if got:
                        runs.append((got, False))
                        got = []
                    continue
                got.append(i)
                nxt = spans[i + 1][0] if i + 1 < len(spans) else len(text)
                if ":" in text[spans[i][1] : nxt] or "：" in text[spans[i][1] : nxt]:
                    runs.append((got, True))
                    got = []
            if got:
                runs.append((got, False))
            for k, (run, colon) in enumerate(runs):
                if len(run) > _MAX_LABEL_TOKENS:
                    continue
                lead = run[0] == idx[0]
                t0, t1 = run[0], run[-1] + 1
                toks = ln.toks[t0:t1]
                end = spans[t1 - 1][1]
                raw = text[spans[t0][0] : min(len(text), end + 3)]
                ss = {sense_of(t) for t in toks}
                if _NUMBER_MARK.search(raw):
                    ss.add("number")
                lab = Label(lay, ln, t0, t1, toks, frozenset(ss), colon, pos, last, lead=lead)
                if lead and prev is not None:
                    lab.prev_senses = prev.senses
                self.labels.append(lab)
                whole = k == 0 and len(runs) == 1 and t1 == idx[-1] + 1
                if lead:
                    prev = lab if whole and not colon and len(toks) <= 3 else None


# --------------------------------------------------------------------------- candidates

FEATURES = (
    "name_cover",
    "name_hit",
    "label_cover",
    "desc_hit",
    "prev_hit",
    "strong_sense",
    "opposite",
    "alias",
    "concept_phrase",
    "concept_strong",
    "n_label_toks",
    "label_lead",
    "colon",
    "where_same",
    "where_right",
    "where_below",
    "dx",
    "dy",
    "page_pos",
    "last_page",
    "y_rel",
    "x_rel",
    "height_rel",
    "n_value_toks",
    "value_digits",
    "value_alpha",
    "value_has_colon",
    "range_len",
    "range_idx",
    "position_match",
    "is_max_amount",
    "log_amount",
    "year_like",
    "same_value",
    "rule_agree",
    "rule_only",
    "rule_none",
    "is_max_date",
    "is_min_date",
    "concept_score",
    "kind_amount",
    "kind_date",
    "kind_id",
    "kind_text",
    "region_rank",
)


@dataclass(slots=True)
class Candidate:
    found: Found
    feats: dict[str, float] = field(default_factory=dict)

    def vector(self) -> list[float]:
        f = self.feats
        return [float(f.get(k, 0.0)) for k in FEATURES]


def _label_features(p: FieldProfile, lab: Label) -> dict[str, float] | None:
    ls = lab.senses
    ns = p.name_senses
    hit_n = ls & ns
    hit_d = ls & p.desc_senses
    alias = lab.toks in p.aliases
    phrase = lab.toks in p.concept_phrases
    prev_hit = lab.prev_senses & (ns | p.desc_senses)
    if not (hit_n or hit_d or alias or phrase or prev_hit):
        return None

    def w(ss: frozenset[str]) -> float:
        return sum(0.5 if s in WEAK_SENSES else 1.0 for s in ss)

    tot = w(ns) or 1.0
    matched = sum(1 for s in ls if s in ns or s in p.desc_senses)
    return {
        "name_cover": w(hit_n) / tot,
        "name_hit": w(hit_n),
        "label_cover": matched / max(len(ls), 1),
        "desc_hit": float(len(hit_d)),
        "prev_hit": float(len(prev_hit)),
        "strong_sense": float(any(s not in WEAK_SENSES for s in hit_n | hit_d)),
        "opposite": float(bool(ls & p.opposite)),
        "alias": float(alias),
        "concept_phrase": float(phrase),
        "concept_strong": float(lab.toks in p.concept_strong),
        "n_label_toks": float(len(lab.toks)),
        "label_lead": float(lab.lead),
        # (not a model feature) the label names something the field does not
        "foreign": float(
            any(s in _KNOWN_SENSES and s not in WEAK_SENSES for s in ls - hit_n - hit_d)
        ),
        "colon": float(lab.colon),
        "page_pos": float(min(lab.page_pos, 5)),
        "last_page": float(lab.last_page),
    }


def _values_in(doc: DocIndex, region: Region, kind: str) -> list[tuple[Found, int, int]]:
    """(value, index in a printed range, range length) of ``kind`` in ``region``."""
    if kind == "date":
        out = []
        # "02/13/20-02/18/20": a range printed without spaces (same length, offsets hold)
        text = _TIGHT_RANGE.sub(" ", region.text)
        ds = [(d, d.iso(doc.order)) for d in find_dates(text)[:3]]
        ds = [(d, iso) for d, iso in ds if iso]
        for i, (d, iso) in enumerate(ds):
            f = Found(iso, region_words(region, d.start, d.end), 0.9 if d.ambiguous else 1.0)
            out.append((f, i, len(ds)))
        return out
    if kind == "amount":
        out = []
        ams = [a for a in find_amounts(region.text, doc.decimal)]
        ams = [a for a in ams if not region.text[a.end : a.end + 2].lstrip().startswith("%")]
        for i, a in enumerate(ams[:3]):
            out.append((Found(a.value, region_words(region, a.start, a.end), 1.0), i, len(ams)))
        return out
    f = parse_region(doc, region, kind)
    return [(f, 0, 1)] if f is not None and f.words else []


def field_candidates(
    doc: DocIndex, labels: LabelIndex, p: FieldProfile, concept_score: float = 0.0
) -> list[Candidate]:
    """Every value of the field's kind printed next to a label that may be the field's."""
    out: list[Candidate] = []
    kind = p.kind
    text_kind = kind in ("text", "name", "address")
    for lab in labels.labels:
        lf = _label_features(p, lab)
        if lf is None:
            continue
        lay = lab.layout
        hit = lab.hit()
        regions = values_near(doc, hit, below=2, wide_below=not text_kind)
        rights = 0
        for rank, region in enumerate(regions):
            if region.where == "right":
                rights += 1
                if rights > 2:
                    continue
            rtext = region.text.strip()
            has_colon = rtext.endswith((":", "："))
            if text_kind and region.where != "same" and (has_colon or _LEADING_LABEL.match(rtext)):
                continue  # another label ("Agency Name: ..."), not this one's value
            for f, ri, rn in _values_in(doc, region, kind):
                if text_kind:
                    f = wrapped_text(doc, region, f, hit.label_words[0].x0)
                elif kind == "amount" and p.concept_key in _SUMS:
                    f = column_total(doc, region, f) or f
                w0 = f.words[0]
                lw = hit.label_words
                feats = dict(lf)
                feats.update(
                    {
                        "where_same": float(region.where == "same"),
                        "where_right": float(region.where == "right"),
                        "where_below": float(region.where == "below"),
                        "dx": _clip((w0.x0 - lw[-1].x1) / max(lay.char_width, 1e-6), -40, 80),
                        "dy": _clip((w0.y0 - lw[0].y0) / max(lay.word_height, 1e-6), -5, 10),
                        "y_rel": _rel_y(lay, w0.y0),
                        "x_rel": _rel_x(lay, w0.x0),
                        "height_rel": (w0.y1 - w0.y0) / max(lay.word_height, 1e-6),
                        "n_value_toks": float(len(tokens(f.text))),
                        "value_digits": _share(f.text, str.isdigit),
                        "value_alpha": _share(f.text, str.isalpha),
                        "value_has_colon": float(has_colon),
                        "range_len": float(rn),
                        "range_idx": float(ri),
                        "position_match": _position_match(p.position, ri, rn),
                        "concept_score": concept_score,
                        "region_rank": float(rank),
                    }
                )
                out.append(Candidate(f, feats))
    _doc_features(out, p)
    return out


def add_rule_candidate(cands: list[Candidate], rule: Found | None, p: FieldProfile) -> None:
    """Mark the candidates whose value the concept rules picked; add the rules' pick when no
    label candidate holds it (a total read from a payment line, a first date of the page)."""
    if rule is None or not rule.words:
        if p.concept_key:
            # the concept's own rules found nothing: often the value is not printed at all,
            # and a plain "Date" (which every document prints) is no evidence of a due or
            # a delivery date
            # and a label that names another thing ("Invoice number" for a PO number) is
            # none either, unless the schema's own words name that thing too
            # (when the page prints no label of the field's own at all: beside one, the
            # ranker weighs them)
            own = any(not _only_weak(c) for c in cands)
            cands[:] = [
                c
                for c in cands
                if c.feats.get("concept_score", 0) < 0.9
                or not _only_weak(c)
                or (p.kind != "date" and (own or not c.feats.get("foreign")))
            ]
            for c in cands:
                c.feats["rule_none"] = 1.0
        return
    key = value_key(rule.value)
    agree = False
    for c in cands:
        if value_key(c.found.value) == key:
            c.feats["rule_agree"] = 1.0
            agree = True
    if not agree:
        feats = {"rule_agree": 1.0, "rule_only": 1.0}
        cands.append(Candidate(rule, feats))
    _doc_features(cands, p)


def _only_weak(c: Candidate) -> bool:
    f = c.feats
    return not (f.get("strong_sense") or f.get("alias") or f.get("concept_phrase"))


def _doc_features(cands: list[Candidate], p: FieldProfile) -> None:
    kinds = {
        "kind_amount": float(p.kind in ("amount", "integer")),
        "kind_date": float(p.kind == "date"),
        "kind_id": float(p.kind == "id"),
        "kind_text": float(p.kind in ("text", "name", "address")),
    }
    counts: dict[Any, int] = {}
    for c in cands:
        k = value_key(c.found.value)
        counts[k] = counts.get(k, 0) + 1
    amounts = [abs(c.found.value) for c in cands if isinstance(c.found.value, (int, float))]
    top = max(amounts) if amounts else None
    # ISO dates order as text: the first and the last date any label points to
    dates = [c.found.value for c in cands if p.kind == "date" and isinstance(c.found.value, str)]
    first, last = (min(dates), max(dates)) if dates else ("", "")
    for c in cands:
        v = c.found.value
        c.feats.update(kinds)
        c.feats["same_value"] = float(min(counts[value_key(v)], 10))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            c.feats["is_max_amount"] = float(top is not None and abs(v) >= top)
            c.feats["log_amount"] = math.log10(abs(v) + 1.0)
            c.feats["year_like"] = float(v == int(v) and 1900 <= v <= 2100)
        c.feats.setdefault("n_value_toks", float(len(tokens(c.found.text))))
        if dates and isinstance(v, str):
            c.feats["is_max_date"] = float(v == last)
            c.feats["is_min_date"] = float(v == first)


def value_key(v: Any) -> Any:
    """What two candidates' values compare by (cents, folded tokens): the same value read
    next to two labels counts once."""
    if isinstance(v, float):
        return round(v, 2)
    if isinstance(v, str):
        return " ".join(tokens(v))
    return v


def _position_match(want: int, idx: int, n: int) -> float:
    if n < 2 or want == 0:
        return 0.0
    if (want < 0 and idx == 0) or (want > 0 and idx == n - 1):
        return 1.0
    return -1.0


def _clip(v: float, lo: float, hi: float) -> float:
    return lo if v < lo else hi if v > hi else v


def _rel_y(lay: PageLayout, y: float) -> float:
    # word boxes are page-relative (0..1) already; a source unit otherwise
    h = lay.page.height or 1.0
    return y if y <= 1.5 else y / h


def _rel_x(lay: PageLayout, x: float) -> float:
    w = lay.page.width or 1.0
    return x if x <= 1.5 else x / w


def _share(text: str, pred: Any) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(1 for c in chars if pred(c)) / len(chars) if chars else 0.0
