"""Finding the value of one field: by its concept's labels, then by document-level cues.

Each ``find_*`` returns a :class:`~.finders.Found` (value + words + score) or None; a value
is never made up: when nothing on the page supports it, the field stays null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import normalize as nz
from . import priors
from .finders import DocIndex, Found, Hit, Region, find_labels, parse_region, value_for_label
from .layout import Line
from .priors import Concept
from .types import Word


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


ROUNDING = [tuple(nz.tokens(x)) for x in ("rounding", "rounding adj", "rounding adjustment", "round off",
                                             "rounded", "round adj", "pembundaran", "arrondi", "rundung")]  # fmt: skip
PAYMENT = [tuple(nz.tokens(x)) for x in ("cash", "paid", "paid amount", "tender", "tendered", "payment",
                                            "amount paid", "amount tendered", "espece", "especes", "bar", "gegeben")]  # fmt: skip
CHANGE = [tuple(nz.tokens(x)) for x in ("change", "change due", "cash change", "rendu", "monnaie rendue",
                                           "ruckgeld", "zuruck")]  # fmt: skip


def _amount_candidates(doc: DocIndex, q: FieldQuery, below: int = 1) -> list[tuple[Found, Hit]]:
    out = []
    for hit in find_labels(doc, q.phrases, q.negatives, q.strong):
        f = value_for_label(doc, hit, "amount", below=below)
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
            # plain "Total" lines also head tax summaries; what was paid tells them apart
            paid = _total_from_payment(doc)
            if paid is not None and paid.score > 0.5 and float(paid.value) > float(f.value):
                return paid
        _agree(f, cands)
        return f
    return _total_from_payment(doc)


def _apply_rounding(doc: DocIndex, f: Found, h: Hit) -> Found | None:
    adj = _first_amount_after(doc, find_labels(doc, ROUNDING))
    for r, _rf, rh in adj:
        if r == 0 or abs(r) >= 1 or rh.y < h.y:
            continue
        target = round(float(f.value) + r, 2)
        for lay, ln in doc.lines():
            if lay.number * 10 + ln.cy < rh.y:
                continue
            for a in nz.find_amounts(ln.text, doc.decimal):
                if abs(a.value - target) < 0.001:
                    words = ln.words_in(a.start, a.end)
                    return Found(a.value, words, f.score * 0.95)
    return None


def _total_from_payment(doc: DocIndex) -> Found | None:
    """No total label: amount tendered minus change, when that amount is printed."""
    paid = _first_amount_after(doc, find_labels(doc, PAYMENT))
    change = _first_amount_after(doc, find_labels(doc, CHANGE))
    if not paid:
        return None
    p, pf, ph = paid[0]
    c = 0.0
    for cv, _cf, ch in change:
        if ch.y > ph.y:
            c = cv
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
        for a in nz.find_amounts(ln.text, doc.decimal):
            if abs(a.value - target) < 0.001:
                best = Found(a.value, ln.words_in(a.start, a.end), 0.55)
    if best is None and c == 0:
        best = Found(p, pf.words, 0.4)
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
    best = max(cands, key=lambda fh: (fh[1].phrase in q.strong, round(fh[0].score, 2), -fh[1].y))
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
        if colon and not hit.line.text[hit.end_char :].lstrip().startswith((":", "：")):
            continue
        f = value_for_label(doc, hit, kind, below=below)
        if f is None:
            continue
        # earlier on the page breaks ties: headers come before footers and notes
        pos = doc.layouts.index(hit.layout) + hit.line.cy
        key = (hit.phrase in q.strong, round(f.score - 0.05 * pos, 3))
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
            for d in nz.find_dates(ln.text):
                iso = d.iso(doc.order)
                if iso:
                    return Found(iso, ln.words_in(d.start, d.end), 0.6 if not d.ambiguous else 0.55)
    return None


# --------------------------------------------------------------------------- names, addresses

_TITLE_START = {
    "invoice", "facture", "rechnung", "receipt", "quittung", "avoir", "gutschrift", "credit",
    "tax", "proforma", "devis", "angebot", "order", "ticket", "lieferschein", "mietrechnung",
    "handelsrechnung", "bill", "statement", "quote", "quotation", "estimate",
}  # fmt: skip
_TITLE_WORDS = {
    "invoice", "tax", "receipt", "simplified", "facture", "rechnung", "quittung", "bon", "ticket",
    "official", "cash", "sale", "sales", "bill", "credit", "note", "avoir", "gutschrift", "welcome",
    "to", "the", "copy", "customer", "duplicate", "original", "order", "quote", "devis", "angebot",
    "delivery", "statement", "proforma", "pro", "forma", "of", "page", "kassenbon", "beleg",
    "adjustment", "and", "lieferschein", "mietrechnung", "stylesheet", "zur", "der",
}  # fmt: skip
_COMPANY_SUFFIX = re.compile(
    r"\b(sdn\.? ?bhd|bhd|s/b|enterprises?|trading|co|company|corp(oration)?|inc|llc|ltd|limited|plc|gmbh|ag|kg|"
    r"sarl|sas|sa|eurl|bv|nv|srl|spa|restaurant|cafe|store|shop|mart|market|supermarket|hardware|"
    r"stationery|bakeries|bakery|florist|pharmacy|services?|industries|holdings|group)\b\.?\)?\s*$"
)
_LEGAL = r"(sdn\.? ?bhd|bhd|s/b|sb|co|company|corp|corporation|inc|llc|ltd|limited|plc|gmbh|ag|kg|sarl|sas|sa|bv|nv|srl|spa)"
_LEGAL_END = re.compile(r"\b" + _LEGAL + r"\b\.?\)?\s*$")
_LEGAL_START = re.compile(r"^\(?" + _LEGAL + r"\b")
_REG_NO = re.compile(
    r"\(?\b[a-z]{0,3}\d{4,}[-\s]?[a-z]\)?$|\bco\.?\s*(reg|no)\b|\breg\.?\s*no\b|company\s*(reg|no)",
    re.I,
)
_STOP_ADDRESS = re.compile(
    r"\b(tel|telephone|phone|fax|gst|vat|tva|ust|mwst|email|e-mail|www|http|tax|invoice|receipt|"
    r"date|cashier|bill|doc|table|order|hp|mobile|whatsapp|iban|bic|siret|siren|ust-id|steuer|"
    r"fon|web|contact)\b|@|\b\d{2,4}[-\s]?\d{3,4}[-\s]?\d{3,4}\b",
    re.I,
)
_ADDRESS_WORD = re.compile(
    r"\b(jalan|jln|lot|no|taman|lorong|road|rd|street|st|avenue|ave|blvd|lane|floor|flr|level|suite|"
    r"building|bldg|plaza|block|blk|rue|avenue|chemin|boulevard|bd|allee|place|cedex|strasse|str|"
    r"weg|platz|gasse|allee|postfach|seksyen|section|bandar|kawasan|industrial|park|kuala|selangor|"
    r"johor|malaysia|germany|deutschland|france)\b",
    re.I,
)


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def _is_title_line(text: str) -> bool:
    toks = nz.tokens(text)
    return bool(toks) and all(t in _TITLE_WORDS or t.isdigit() for t in toks)


def _name_like(ln: Line) -> bool:
    t = ln.text
    letters = _letters(t)
    alnum = sum(c.isalnum() for c in t)
    if letters < 3 or letters < 0.55 * alnum:
        return False
    if _is_title_line(t) or nz.find_dates(t) or nz.RE_EMAIL.search(t) or nz.RE_URL.search(t):
        return False
    clean = _TRAIL_REG.sub("", t)
    return not _STOP_ADDRESS.search(clean) or bool(_COMPANY_SUFFIX.search(clean.lower()))


_PRICE = re.compile(r"\d[.,]\d\d(?!\d)")
_TRAIL_REG = re.compile(r"[\s'`]*\([^()]*\d[^()]*\)\s*$")
_SEPARATORS = re.compile(r"\s+(?:[-–|●•·]|\s{2,})\s+")


def clean_name(text: str) -> str:
    """A company line without its trailing registration number or the address after it."""
    text = _TRAIL_REG.sub("", text).strip()
    parts = _SEPARATORS.split(text)
    if len(parts) > 1 and _letters(parts[0]) >= 3:
        text = parts[0]
    return text.strip(" ,;:-")


@dataclass(slots=True)
class Piece:
    """A line, or one column of a line, near the top of the first page."""

    line: Line
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def height(self) -> float:
        return max(w.y1 - w.y0 for w in self.words)


def _top_pieces(doc: DocIndex, limit: int = 14) -> list[Piece]:
    """Top lines of page 1, split into columns where a line holds several far-apart parts."""
    if not doc.layouts:
        return []
    lay = doc.layouts[0]
    out: list[Piece] = []
    for ln in lay.lines:
        if ln.y0 > 0.45 and out:
            break
        segs = ln.segments
        groups: list[list[Word]] = []
        for sg in segs:
            if groups and sg.x0 - groups[-1][-1].x1 < 6 * lay.char_width:
                groups[-1].extend(sg.words)
            else:
                groups.append(list(sg.words))
        out.extend(Piece(ln, g) for g in groups)
        if len(out) >= limit:
            break
    return out


def _customer_lines(doc: DocIndex) -> set[tuple[int, float]]:
    """(line index, column start) of the lines printed under a customer label on page 1."""
    out: set[tuple[int, float]] = set()
    lay = doc.layouts[0]
    c = priors.concept("customer_name")
    for hit in find_labels(doc, priors.LABEL_TOKENS[c.key], layouts=[lay]):
        after = hit.line.text[hit.end_char : hit.end_char + 2].strip()
        if len(hit.phrase) < 2 and not after.startswith((":", "：")):
            continue  # a lone word ("Customer") is a label only with its colon
        x0 = min(w.x0 for w in hit.label_words)
        out.add((hit.line.index, x0))
        for ln in lay.lines[hit.line.index + 1 : hit.line.index + 5]:
            out.add((ln.index, x0))
    return out


def _piece_name_like(p: Piece) -> bool:
    t = p.text
    letters = _letters(t)
    alnum = sum(c.isalnum() for c in t)
    if letters < 3 or letters < 0.55 * alnum:
        return False
    if t.rstrip().endswith(":") or _is_title_line(t):
        return False
    toks = nz.tokens(t)
    if toks and toks[0] in _TITLE_START and len(toks) > 1:
        return False  # "Facture N° FA-2017-0010", "Invoice 77": a title, not a name
    if nz.find_dates(t) or nz.RE_EMAIL.search(t) or nz.RE_URL.search(t):
        return False
    if _PRICE.search(t):
        return False  # "Total 5.00": a priced line, not a name
    clean = _TRAIL_REG.sub("", t)
    return not _STOP_ADDRESS.search(clean) or bool(_COMPANY_SUFFIX.search(clean.lower()))


def _below_piece(pieces: list[Piece], p: Piece, gap: float) -> Piece | None:
    """The next piece under ``p`` in the same column, if close."""
    for q in pieces:
        if q.line.index <= p.line.index:
            continue
        if min(q.x1, p.x1) - max(q.x0, p.x0) <= 0:
            continue
        return q if q.y0 - p.y1 < gap else None
    return None


def find_vendor_name(doc: DocIndex, q: FieldQuery) -> tuple[Found, list[Line]] | None:
    """The issuer's name: after a seller label, else the most prominent text at the top."""
    f = _labelled_block(doc, q, max_lines=1)
    if f is not None:
        return f
    pieces = _top_pieces(doc)
    if not pieces:
        return None
    lay = doc.layouts[0]
    heights = sorted(p.height for p in pieces)
    med = heights[len(heights) // 2] or lay.word_height
    customer = _customer_lines(doc)
    best: tuple[float, Piece] | None = None
    for rank, p in enumerate(pieces):
        if not _piece_name_like(p):
            continue
        if any(li == p.line.index and abs(p.x0 - x0) < 0.08 for li, x0 in customer):
            continue  # the name under "Bill to" is the customer's
        s = 1.0 - 0.08 * rank
        s += 0.25 * min(p.height / med - 1.0, 1.0)
        if _COMPANY_SUFFIX.search(_TRAIL_REG.sub("", p.text.lower())):
            s += 0.3
        if p.text.upper() == p.text:
            s += 0.05
        if best is None or s > best[0]:
            best = (s, p)
    if best is None:
        return None
    piece = best[1]
    chosen = [piece]
    gap = 1.0 * lay.word_height
    # a name printed over several lines: "POPULAR BOOK" / "CO. (M) SDN BHD", or
    # "AIK HUAT HARDWARE" / "ENTERPRISE (SETIA" / "ALAM) SDN BHD"
    if _LEGAL_START.match(piece.text.lower()):
        above = [
            a
            for a in pieces
            if a.line.index < piece.line.index and _below_piece(pieces, a, gap) is piece
        ]
        if above and _piece_name_like(above[-1]) and not _LEGAL_END.search(above[-1].text.lower()):
            chosen.insert(0, above[-1])
    if not _LEGAL_END.search(_TRAIL_REG.sub("", piece.text.lower())):
        ext: list[Piece] = []
        cur = piece
        for _ in range(2):
            nxt = _below_piece(pieces, cur, gap)
            if nxt is None:
                break
            nt = _TRAIL_REG.sub("", nxt.text)
            if re.search(r"\d", nt) or len(nz.tokens(nt)) > 6:
                break
            ext.append(nxt)
            if _LEGAL_END.search(nt.lower()):
                chosen.extend(ext)
                break
            cur = nxt
    name = clean_name(" ".join(c.text for c in chosen))
    if not name:
        return None
    words = [w for c in chosen for w in c.words]
    score = min(0.85, 0.45 + 0.15 * best[0])
    return Found(name, words, score), [c.line for c in chosen]


def _labelled_block(
    doc: DocIndex, q: FieldQuery, max_lines: int
) -> tuple[Found, list[Line]] | None:
    """A name or address printed after/below its label ("Seller:", "Bill to")."""
    for hit in find_labels(doc, q.phrases, q.negatives, q.strong):
        if hit.strength < 0.7:
            continue
        lay = hit.layout
        line = hit.line
        rest = line.text[hit.end_char : hit.segment.char_end].strip(" :：-")
        lines: list[Line] = []
        texts: list[str] = []
        words = []
        if rest and _letters(rest) >= 2:
            texts.append(rest)
            words.extend(
                line.words_in(
                    hit.end_char
                    + (
                        len(line.text[hit.end_char :])
                        - len(line.text[hit.end_char :].lstrip(" :：-"))
                    ),
                    hit.segment.char_end,
                )
            )
        x0 = min(w.x0 for w in hit.label_words)
        last = line
        for nl in lay.lines[line.index + 1 : line.index + 10]:
            if len(texts) >= max_lines:
                break
            if nl.y0 - last.y1 > 1.6 * lay.word_height:
                break
            last = nl
            segs = [
                s
                for s in nl.segments
                if s.x0 >= x0 - 3 * lay.char_width and s.x0 < hit.segment.x1 + 0.15
            ]
            if not segs:
                continue
            seg = segs[0]
            t = seg.text
            if re.search(r"\S\s*[:：]", nl.text) and len(nl.text.split(":")[0]) < 30:
                continue  # "Nummer : 549910", a label of its own
            if _letters(t) < 2:
                continue
            lines.append(nl)
            texts.append(t)
            words.extend(seg.words)
        if texts and words:
            val = clean_name(texts[0]) if max_lines == 1 else ", ".join(texts)
            return Found(val, words, 0.8 * hit.strength + 0.1), lines
    return None


def find_address(
    doc: DocIndex, q: FieldQuery, name: tuple[Found, list[Line]] | None
) -> Found | None:
    """The issuer's address: after an address label, else the lines under the company name
    (same column), skipping registration / tax-id lines, up to the phone / tax-id line."""
    lab = _labelled_block(doc, q, max_lines=4)
    if lab is not None:
        return lab[0]
    if not name:
        return None
    found, name_lines = name
    lay = doc.layouts[0]
    nx0 = min(w.x0 for w in found.words)
    nx1 = max(w.x1 for w in found.words)
    tol = 4 * lay.char_width
    start = name_lines[-1].index + 1
    got: list[list[Word]] = []
    prev_y1 = name_lines[-1].y1
    for ln in lay.lines[start : start + 12]:
        words = [
            w for sg in ln.segments if sg.x1 > nx0 - tol and sg.x0 < nx1 + tol for w in sg.words
        ]
        if not words:
            continue
        t = " ".join(w.text for w in words)
        if min(w.y0 for w in words) - prev_y1 > 2.2 * lay.word_height:
            break
        prev_y1 = max(w.y1 for w in words)
        is_reg = bool(_REG_NO.search(t.strip())) or _letters(t) <= 1
        stop = bool(_STOP_ADDRESS.search(t))
        if not got:
            if (
                is_reg
                or stop
                or nz.find_dates(t)
                or (t.strip().startswith("(") and not _looks_address(t))
            ):
                continue  # registration / GST / date lines between the name and the address
            if not _looks_address(t):
                break
            got.append(words)
            continue
        if is_reg or stop or nz.find_dates(t) or _is_title_line(t):
            break
        if _letters(t) < 2:
            break
        got.append(words)
        if len(got) >= 6:
            break
    if not got:
        return None
    text = " ".join(w.text for ws in got for w in ws)
    return Found(text, [w for ws in got for w in ws], 0.6)


def _looks_address(text: str) -> bool:
    return bool(re.search(r"\d", text) and (_ADDRESS_WORD.search(text) or "," in text)) or bool(
        _ADDRESS_WORD.search(text) and re.search(r"\d", text)
    )


# --------------------------------------------------------------------------- currency


def find_currency(doc: DocIndex, q: FieldQuery) -> Found | None:
    f = find_labelled(doc, q, "currency")
    if f is not None:
        return f
    votes: dict[str, list[Found]] = {}
    for lay in doc.layouts[:3]:
        for ln in lay.lines:
            code = nz.find_currency(ln.text)
            if code is None:
                continue
            words = [w for w in ln.words if nz.find_currency(w.text) == code] or ln.words[:1]
            votes.setdefault(code, []).append(Found(code, words[:1], 0.5))
    if not votes:
        return None
    code, founds = max(votes.items(), key=lambda kv: len(kv[1]))
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
    folded = [(o, tuple(nz.tokens(o))) for o in opts]
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
    sv = nz.norm_text(str(value))
    for o in options:
        if nz.norm_text(str(o)) == sv:
            return o
    for o in options:
        no = nz.norm_text(str(o))
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


def query_for(path: str, name: str, kind: str, meaning: priors.FieldMeaning, node: dict[str, Any],
              parents: list[str]) -> FieldQuery:  # fmt: skip
    """Search terms for a field: its concept's labels plus what the schema itself says."""
    c = meaning.concept
    title = str(node.get("title") or "")
    aliases = [str(a) for a in node.get("x-aliases") or [] if isinstance(a, str)]
    own = priors.label_phrases_for_field(name, title, aliases)
    phrases: list[tuple[str, ...]] = []
    negatives: list[tuple[str, ...]] = []
    strong: set[tuple[str, ...]] = set()
    alias_phrases = [tuple(nz.tokens(a)) for a in aliases]
    if c is not None:
        phrases = list(priors.LABEL_TOKENS[c.key])
        negatives = list(priors.NEGATIVE_TOKENS[c.key])
        strong = set(priors.STRONG_TOKENS[c.key])
        # the schema's own words only when specific enough not to catch column headers
        for p in own:
            if p not in phrases and (len(p) > 1 or p in alias_phrases):
                phrases.append(p)
        for p in alias_phrases:
            strong.add(p)
    else:
        phrases = own
    hint = stems(priors.name_tokens(name)) | stems(nz.tokens(title))
    for a in aliases:
        hint |= stems(nz.tokens(a))
    desc = nz.tokens(str(node.get("description") or ""))
    hint |= {t for t in stems(desc) if len(t) > 3}
    return FieldQuery(
        path=path, name=name, kind=kind, concept=c, concept_score=meaning.score, phrases=phrases,
        negatives=negatives, strong=strong, enum=node.get("enum"), hint_tokens=hint,
    )  # fmt: skip
