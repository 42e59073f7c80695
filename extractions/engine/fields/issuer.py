"""The issuer's name and address, and the parties named under labels ("Bill to", "Seller").

Receipts and invoices print the issuer at the top: the most prominent name-like text of the
first page (not the document title, not a priced or dated line), sometimes wrapped over two
lines ("POPULAR BOOK" / "CO. (M) SDN BHD"); the address follows in the same column, after
registration numbers, up to the phone / tax-id line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..layout.index import DocIndex
from ..layout.lines import Line
from ..lexicon.columns import COLUMN_WORDS
from ..lexicon.concepts import LABEL_TOKENS, concept
from ..types import Found, Word
from ..values.dates import find_dates
from ..values.identifiers import RE_EMAIL, RE_URL
from ..values.text import tokens
from .address import REG_NO, STOP_ADDRESS, address_lines, letters, postal_block, repair_address
from .finders import find_labels
from .names import DESCRIPTOR_WORDS, repair_name
from .parties import (
    LEGAL_ONLY,
    addressee_lines,
    buyer_lines,
    footer_name,
    footer_seller,
    heading_kind,
    is_name_text,
    label_continues,
    plausible_name,
    section_address,
    section_name,
)
from .scalars import FieldQuery

_TITLE_START = {
    "invoice", "facture", "rechnung", "receipt", "quittung", "avoir", "gutschrift", "credit",
    "tax", "proforma", "devis", "angebot", "order", "ticket", "lieferschein", "mietrechnung",
    "handelsrechnung", "bill", "statement", "quote", "quotation", "estimate", "factura",
    "fattura", "factuur", "fatura", "faktura", "recibo", "ricevuta", "nota", "kwitantie",
}  # fmt: skip
_TITLE_WORDS = {
    "invoice", "tax", "receipt", "simplified", "facture", "rechnung", "quittung", "bon", "ticket",
    "official", "cash", "sale", "sales", "bill", "credit", "note", "avoir", "gutschrift", "welcome",
    "to", "the", "copy", "customer", "duplicate", "original", "order", "quote", "devis", "angebot",
    "delivery", "statement", "proforma", "pro", "forma", "of", "page", "kassenbon", "beleg",
    "adjustment", "and", "lieferschein", "mietrechnung", "stylesheet", "zur", "der", "paid",
    "document", "number", "date", "unpaid", "due", "factura", "fattura", "factuur", "fatura",
    "faktura", "recibo", "ricevuta", "simplificada", "rectificativa", "btw", "for", "recipient",
    "triplicate", "transporter", "supplier", "gst", "vat", "e", "einvoice",
    "billing", "creditnota", "creditnote", "kreditnota", "acompte", "d", "abschlagsrechnung",
    "teilrechnung", "schlussrechnung", "stornorechnung", "storno", "rechnungskorrektur",
    "reminder", "mahnung", "rappel", "herinnering", "voorschotfactuur", "summary", "account",
}  # fmt: skip
# the column names of item tables: a line of them is a table's header, never a name
_HEADER_NAMES = frozenset(w for names in COLUMN_WORDS.values() for w in names)


# every printed label of every field: a piece that is only one names a field, not a party
_FIELD_LABELS = frozenset(p for phrases in LABEL_TOKENS.values() for p in phrases)
_CUSTOMER_LABELS = frozenset(LABEL_TOKENS[concept("customer_name").key])


def _after_buyer_label(p: Piece, pieces: list[Piece]) -> bool:
    """The piece just left of ``p`` on its line, close to it, is a buyer heading or customer
    label; a seller's block beside the buyer's heading starts further off."""
    left = [q for q in pieces if q.line.index == p.line.index and q.x1 <= p.x0]
    if not left:
        return False
    nearest = max(left, key=lambda q: q.x1)
    if p.x0 - nearest.x1 > 0.15:
        return False
    label = nearest.text
    return heading_kind(label) == "buyer" or tuple(tokens(label)) in _CUSTOMER_LABELS


def _header_row(line: Line) -> bool:
    """Two or more of the line's parts are column names ("Description … Qty … Amount")."""
    named = sum(" ".join(tokens(sg.text)) in _HEADER_NAMES for sg in line.segments)
    return named >= 2 and 2 * named >= len(line.segments)


_COMPANY_SUFFIX = re.compile(
    r"\b(sdn\.? ?bhd|bhd|s/b|enterprises?|trading|co|company|corp(oration)?|inc|llc|ltd|limited|plc|gmbh|ag|kg|"
    r"sarl|sas|sa|eurl|bv|nv|srl|spa|s\.l|s\.a|b\.v|n\.v|s\.r\.l|s\.p\.a|s\.a\.s|pty|oy|ab|a/s|kft|"
    r"restaurant|cafe|store|shop|mart|market|supermarket|hardware|"
    r"stationery|bakeries|bakery|florist|pharmacy|services?|industries|holdings|group)\b\.?\)?\s*$"
)
_LEGAL = (
    r"(sdn\.? ?bhd|bhd|s/b|sb|co|company|corp|corporation|inc|llc|ltd|limited|plc|gmbh|ag|kg|sarl|"
    r"sas|sa|bv|nv|srl|spa|s\.l|s\.a|b\.v|n\.v|s\.r\.l|s\.p\.a|s\.a\.s)"
)
_LEGAL_END = re.compile(r"\b" + _LEGAL + r"\b\.?\)?\s*$")
_LEGAL_WORD = re.compile(r"\b" + _LEGAL + r"\b")
_LEGAL_START = re.compile(r"^\(?" + _LEGAL + r"\b")


def _is_title_line(text: str) -> bool:
    toks = tokens(text)
    if len(toks) >= 4 and all(len(t) == 1 for t in toks):
        toks = ["".join(toks)]  # "I N V O I C E": a title printed letter-spaced
    return bool(toks) and all(t in _TITLE_WORDS or t.isdigit() for t in toks)


_OPEN_PAREN = re.compile(r"\([^()]*$")
# Slogans at the top of a receipt name the brand but are not the issuer's name.
_SLOGAN = re.compile(
    r"^\s*(thank\s*(you|u)|thanks|tq|welcome|terima\s*kasih|selamat)"
    r"|\b(shopping|visiting|dining|shop)\s+(with|at)\b",
    re.I,
)
_SLOGAN_BRAND = re.compile(r"\b(?:with|at|to)\s+([A-Za-z][\w&'-]+)", re.I)
_PRICE = re.compile(r"\d[.,]\d\d(?!\d)")
_TRAIL_REG = re.compile(r"[\s'`]*\([^()]*\d[^()]*\)\s*$")
_SEPARATORS = re.compile(r"\s+(?:[-–|●•·]|\s{2,})\s+")


# A company registration number ("(306295-X)") ends the name even mid-line:
# "MYNEWS RETAIL SB(306295-X) FKA BISON STORES SB" names "MYNEWS RETAIL SB".
_MID_REG = re.compile(r"\s*\(\s*[A-Z]{0,3}\d{4,}\s*-?\s*[A-Z]\s*\).*$")


def clean_name(text: str) -> str:
    """A company line without its trailing registration number or the address after it."""
    cut = _MID_REG.sub("", text)
    if letters(cut) >= 3:
        text = cut
    text = _TRAIL_REG.sub("", text).strip()
    parts = _SEPARATORS.split(text)
    if len(parts) > 1 and letters(parts[0]) >= 3:
        text = parts[0]
    # "Thomann GmbH, Hans-Thomann-Str. 1, …", "Freshworks Inc.,(formerly …)", "Acme INC 4917
    # Old Rd": the name ends at its legal suffix unless another one follows ("Co., Ltd.")
    m = _LEGAL_THEN.search(text)
    if m and letters(text[: m.end()]) >= 3 and not _LEGAL_NEXT.match(text[m.end() :]):
        text = text[: m.end()]
    return text.strip(" ,;:-")


_LEGAL_NEXT = re.compile(r"[\s,]*(?:\([a-z]\)\s*)?" + _LEGAL + r"\b", re.I)
_LEGAL_THEN = re.compile(r"\b" + _LEGAL + r"\b\.?(?=\s*,|\s*\(|\s+\d)", re.I)


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
    if not doc.layouts:
        return out
    lay = doc.layouts[0]
    c = concept("customer_name")
    for hit in find_labels(doc, LABEL_TOKENS[c.key], layouts=[lay]):
        after = hit.line.text[hit.end_char : hit.end_char + 2].strip()
        if len(hit.phrase) < 2 and not after.startswith((":", "：")):
            continue  # a lone word ("Customer") is a label only with its colon
        x0 = min(w.x0 for w in hit.label_words)
        out.add((hit.line.index, x0))
        for sg in hit.line.segments:  # "Sold To: || Meridian Venture Services, LLC"
            if x0 < sg.x0 < x0 + 0.3:
                out.add((hit.line.index, sg.x0))
        for ln in lay.lines[hit.line.index + 1 : hit.line.index + 5]:
            out.add((ln.index, x0))
    return out


def _piece_name_like(p: Piece) -> bool:
    t = p.text
    n_letters = letters(t)
    alnum = sum(c.isalnum() for c in t)
    if n_letters < 3 or n_letters < 0.55 * alnum:
        return False
    if t.rstrip().endswith(":") or _is_title_line(t) or _SLOGAN.search(t):
        return False
    toks = tokens(t)
    if toks and toks[0] in _TITLE_START and len(toks) > 1:
        return False  # "Facture N° FA-2017-0010", "Invoice 77": a title, not a name
    if find_dates(t) or RE_EMAIL.search(t) or RE_URL.search(t):
        return False
    if _PRICE.search(t):
        return False  # "Total 5.00": a priced line, not a name
    if not is_name_text(t):
        return False
    clean = _TRAIL_REG.sub("", t)
    return not STOP_ADDRESS.search(clean) or bool(_COMPANY_SUFFIX.search(clean.lower()))


def _slogan_brands(pieces: list[Piece]) -> set[str]:
    """First words of the brands slogans name: "TQ for shopping with myNEWS.com" -> mynews."""
    out: set[str] = set()
    for p in pieces:
        if _SLOGAN.search(p.text):
            for m in _SLOGAN_BRAND.finditer(p.text):
                toks = tokens(m.group(1))
                if toks and toks[0] not in _TITLE_WORDS and len(toks[0]) >= 3:
                    out.add(toks[0])
    return out


def _below_piece(pieces: list[Piece], p: Piece, gap: float) -> Piece | None:
    """The next piece under ``p`` in the same column, if close."""
    for q in pieces:
        if q.line.index <= p.line.index:
            continue
        if min(q.x1, p.x1) - max(q.x0, p.x0) <= 0:
            continue
        return q if q.y0 - p.y1 < gap else None
    return None


def _spelled_out(logo: Piece, pieces: list[Piece], customer: set[tuple[int, float]]) -> Piece:
    """The legal name that spells out a logo word: "zoom" -> "Zoom Video Communications Inc.",
    "th·mann" -> "Thomann GmbH, …" (a big brand word over the company's own line)."""
    if _COMPANY_SUFFIX.search(clean_name(logo.text).lower()):
        return logo
    brand = "".join(c for c in logo.text.lower() if c.isalpha())
    if len(brand) < 3:
        return logo
    for p in pieces:
        if p is logo or p.line.index <= logo.line.index or not _piece_name_like(p):
            continue
        if any(li == p.line.index and abs(p.x0 - x0) < 0.08 for li, x0 in customer):
            continue
        name = clean_name(p.text)
        if not _COMPANY_SUFFIX.search(name.lower()):
            continue
        letters = "".join(c for c in name.lower() if c.isalpha())[: len(brand) + 1]
        if SequenceMatcher(None, brand, letters).ratio() >= 0.8:
            return p
    return logo


# legal-form and joining words many company names share ("AG & Co. KGaA", "… et Fils")
_FORM_WORDS = frozenset(
    [
        "kgaa",
        "gmbh",
        "mbh",
        "corp",
        "company",
        "limited",
        "group",
        "holding",
        "holdings",
        "services",
        "partners",
        "sprl",
        "bvba",
        "cvba",
        "comm",
        "commv",
        "eurl",
        "sarl",
        "fils",
        "cie",
        "und",
        "and",
        "scrl",
        "asbl",
        "sons",
        "sohne",
        "zonen",
        "freres",
        "associates",
    ]
)


def _name_words(text: str) -> set[str]:
    """The words that tell one company from another (not "GmbH", "KGaA", "NV", "de")."""
    return {
        t for t in tokens(text) if len(t) >= 4 and t not in _FORM_WORDS and not LEGAL_ONLY.match(t)
    }


def find_vendor_name(doc: DocIndex, q: FieldQuery) -> tuple[Found, list[Line]] | None:
    """The issuer's name: after a seller label, else the most prominent text at the top."""
    f = section_name(doc, "seller") or labelled_block(doc, q, max_lines=1, accept=plausible_name)
    if f is not None:
        return f
    pieces = _top_pieces(doc)
    if not pieces:
        return None
    lay = doc.layouts[0]
    heights = sorted(p.height for p in pieces)
    med = heights[len(heights) // 2] or lay.word_height
    customer = _customer_lines(doc) | buyer_lines(doc) | addressee_lines(doc)
    brands = _slogan_brands(pieces)
    best: tuple[float, Piece] | None = None
    for rank, p in enumerate(pieces):
        if not _piece_name_like(p):
            continue
        if any(li == p.line.index and abs(p.x0 - x0) < 0.08 for li, x0 in customer):
            continue  # the name under "Bill to" is the customer's
        if _header_row(p.line):
            continue  # "Désignation", "Qty": an item table's header
        if tuple(tokens(p.text)) in _FIELD_LABELS:
            continue  # "Account name", "Invoice number": a field's label, not a name
        if _after_buyer_label(p, pieces):
            continue  # "Billed to   Bonner Ltd": the value of a buyer label on its line
        s = 1.0 - 0.08 * rank
        s += 0.25 * min(p.height / med - 1.0, 1.0)
        toks = tokens(p.text)
        if _COMPANY_SUFFIX.search(clean_name(p.text).lower()) and not all(
            t in DESCRIPTOR_WORDS for t in toks
        ):  # "BISTRO & CAFE" under the name says what it is, not which one
            s += 0.3
        if p.text.upper() == p.text:
            s += 0.05
        if toks and toks[0] in brands and _LEGAL_WORD.search(p.text.lower()):
            s += 1.0  # "Thank you for shopping with myNEWS" ... "MYNEWS RETAIL SB": the issuer
        if best is None or s > best[0]:
            best = (s, p)
    registered = footer_seller(doc)
    if registered is not None and (
        best is None or not _name_words(registered[0].value) & _name_words(best[1].text)
    ):  # the footer registers another company than the top names: the top is the addressee
        return registered
    weak = best is None or (best[0] < 0.75 and not _COMPANY_SUFFIX.search(best[1].text.lower()))
    if weak:
        foot = footer_name(doc) or footer_seller(doc, registered=False)
        if foot is not None:
            return foot
    if best is None:
        return None
    piece = _spelled_out(best[1], pieces, customer)
    chosen = [piece]
    gap = 1.0 * lay.word_height
    # a name printed over several lines: "POPULAR BOOK" / "CO. (M) SDN BHD", or
    # "AIK HUAT HARDWARE" / "ENTERPRISE (SETIA" / "ALAM) SDN BHD"
    ends_legal = bool(_LEGAL_END.search(_TRAIL_REG.sub("", piece.text.lower())))
    lone_trade = len(tokens(piece.text)) == 1 and bool(_COMPANY_SUFFIX.search(piece.text.lower()))
    if _LEGAL_START.match(piece.text.lower()) or ends_legal or lone_trade:
        # "POPULAR BOOK" over "CO. (M) SDN BHD"; "Ampang 210" over "First City Parking Sdn Bhd";
        # "AIK HUAT HARDWARE" / "ENTERPRISE (SETIA" over "ALAM) SDN BHD"
        for _ in range(2):
            top = chosen[0]
            above = [
                a
                for a in pieces
                if a.line.index < top.line.index and _below_piece(pieces, a, gap) is top
            ]
            if not (
                above
                and _piece_name_like(above[-1])
                and not _LEGAL_END.search(above[-1].text.lower())
                and (not ends_legal or len(tokens(above[-1].text)) <= 3)
                # the same font as the line below it; an unfinished "(SETIA" is taller by its
                # bracket, so a looser match there
                and abs(above[-1].height - top.height)
                < (0.6 if _OPEN_PAREN.search(above[-1].text) else 0.35) * top.height
            ):
                break
            chosen.insert(0, above[-1])
            if not _OPEN_PAREN.search(above[-1].text):
                break  # a third line only when the second one is visibly unfinished
    if not _LEGAL_END.search(_TRAIL_REG.sub("", piece.text.lower())):
        ext: list[Piece] = []
        cur = piece
        for _ in range(2):
            nxt = _below_piece(pieces, cur, gap)
            if nxt is None:
                break
            nt = _TRAIL_REG.sub("", nxt.text)
            if re.search(r"\d", nt) or len(tokens(nt)) > 6:
                break
            if abs(nxt.height - cur.height) >= 0.35 * max(nxt.height, cur.height):
                break  # a wrapped name keeps its font: a logo over the legal name is not one name
            ext.append(nxt)
            reg = _below_piece(pieces, nxt, gap)
            if (
                _LEGAL_END.search(nt.lower())
                or (len(tokens(nt)) == 1 and _COMPANY_SUFFIX.search(nt.lower()))
                or (reg is not None and bool(REG_NO.fullmatch(reg.text.strip())))
            ):  # "… SDN BHD", a lone trade word ("TRADING") under the name, or the name's
                # registration number closing it ("RESTAURANT JIAWEI" / "JIAWEI HOUSE" / "002693074-K")
                chosen.extend(ext)
                break
            cur = nxt
    name = repair_name(clean_name(" ".join(c.text for c in chosen)))
    if not name:
        return None
    words = [w for c in chosen for w in c.words]
    score = min(0.85, 0.45 + 0.15 * best[0])
    return Found(name, words, score), [c.line for c in chosen]


def labelled_block(
    doc: DocIndex,
    q: FieldQuery,
    max_lines: int,
    *,
    accept: Callable[[str], bool] | None = None,
    skip_lines: set[int] | None = None,
) -> tuple[Found, list[Line]] | None:
    """A name or address printed after/below its label ("Seller:", "Bill to").

    With ``accept``, a label word that continues into another label ("Supplier's Ref.",
    "Merchant ID") is skipped, and so is a value ``accept`` refuses.
    """
    for hit in find_labels(doc, q.phrases, q.negatives, q.strong):
        if hit.strength < 0.7:
            continue
        if skip_lines and hit.layout is doc.layouts[0] and hit.line.index in skip_lines:
            continue  # another party's field ("Address:" under "Sold To")
        lay = hit.layout
        line = hit.line
        raw_rest = line.text[hit.end_char : hit.segment.char_end]
        if accept is not None and label_continues(raw_rest):
            continue
        rest = raw_rest.strip(" :：-")
        lines: list[Line] = []
        texts: list[str] = []
        words = []
        if rest and letters(rest) >= 2:
            lines.append(line)  # the value shares its label's line
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
        x1 = hit.segment.x1
        if not texts and accept is not None:
            # "Sold To: || Meridian Venture Services, LLC": the value in the next segment
            right = [sg for sg in line.segments if 0 <= sg.x0 - hit.segment.x1 < 0.25]
            if right and letters(right[0].text) >= 2 and heading_kind(right[0].text) is None:
                lines.append(line)
                texts.append(right[0].text)
                words.extend(right[0].words)
                x0, x1 = right[0].x0, right[0].x1
        last = line
        for nl in lay.lines[line.index + 1 : line.index + 10]:
            if len(texts) >= max_lines:
                break
            if nl.y0 - last.y1 > 1.6 * lay.word_height:
                break
            last = nl
            segs = [s for s in nl.segments if s.x0 >= x0 - 3 * lay.char_width and s.x0 < x1 + 0.15]
            if not segs:
                continue
            seg = segs[0]
            t = seg.text
            if re.search(r"\S\s*[:：]", nl.text) and len(nl.text.split(":")[0]) < 30:
                continue  # "Nummer : 549910", a label of its own
            if letters(t) < 2:
                continue
            lines.append(nl)
            texts.append(t)
            words.extend(seg.words)
        if texts and words:
            val = clean_name(texts[0]) if max_lines == 1 else ", ".join(texts)
            if accept is not None and not accept(val):
                continue
            return Found(val, words, 0.8 * hit.strength + 0.1), lines
    return None


def find_customer(doc: DocIndex, q: FieldQuery, *, address: bool) -> Found | None:
    """The billed party's name or address: under a buyer heading ("Bill To", "Käufer",
    "Facturé à"), else after a customer label."""
    if address:
        f = section_address(doc, "buyer")
        if f is not None:
            return f
        got = labelled_block(doc, q, max_lines=4)
    else:
        sec = section_name(doc, "buyer")
        if sec is not None:
            return sec[0]
        got = labelled_block(doc, q, max_lines=1, accept=plausible_name)
    return got[0] if got else None


def find_address(
    doc: DocIndex, q: FieldQuery, name: tuple[Found, list[Line]] | None
) -> Found | None:
    """The issuer's address: after an address label, else the lines under the company name
    (same column), skipping registration / tax-id lines, up to the phone / tax-id line."""
    sec = section_address(doc, "seller")
    if sec is not None:
        return sec
    buyer = {li for li, _ in buyer_lines(doc) | _customer_lines(doc)} if doc.layouts else set()
    lab = labelled_block(doc, q, max_lines=4, skip_lines=buyer)
    if lab is not None:
        return lab[0]
    if not name:
        return None
    found, name_lines = name
    if not name_lines or not doc.layouts:
        return None
    lay = doc.layouts[0]
    if not any(ln is name_lines[0] for ln in lay.lines):
        return None  # a name labelled on a later page: its lines are not page 1's
    got = address_lines(
        lay, found.words, lay.lines[name_lines[-1].index + 1 :][:12], is_title=_is_title_line
    )
    if not got:
        # the walk down stopped at lines it cannot place ("formerly known as" / a former
        # name / "Licensee of …"): the block around the postal code below the name
        got = postal_block(
            lay, found.words, lay.lines[name_lines[-1].index + 1 :][:12], is_title=_is_title_line
        )
    if not got and name_lines[0].index > 0:
        # the legal name printed under the address ("MYNEWS RETAIL SB (…)" after the
        # shop's address): the address block above it, in the same column
        top = lay.lines[: name_lines[0].index]
        y_min = name_lines[0].y0 - 0.2
        got = address_lines(
            lay,
            found.words,
            [ln for ln in top if ln.y0 >= y_min][-10:],
            skip=3,
            is_title=_is_title_line,
        )
    if not got:
        return None
    text = repair_address(" ".join(w.text for ws in got for w in ws))
    return Found(text, [w for ws in got for w in ws], 0.6)
