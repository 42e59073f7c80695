"""Seller and buyer sections of an invoice, and which labelled text can be a party's name.

Many invoices print each party as a section: a heading ("Verkäufer", "Seller", "Bill to",
"Facturé à", "Käufer/Leistungsempfänger") over the party's lines, sometimes as labelled
fields ("Name: ELEKTRON Industrieservice GmbH", "Anschrift: …"). The heading decides whose
name it is; the "Name:" field (else the section's first name-like line) is the name.

A label word met inside other text is not that label: "Lieferant GmbH" names a company,
"Supplier's Ref." and "Merchant ID:" label other fields, "SELLER TRADE NAME" is a heading.
"""

from __future__ import annotations

import re

from ..layout.index import DocIndex
from ..layout.lines import Line, Segment
from ..lexicon.addresses import SELLER_REGISTRATION
from ..types import Found, Word
from ..values.text import tokens


def _phrases(text: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(tokens(p)) for p in text.split("|") if tokens(p))


# Section headings naming the party that issues the document (folded, accents dropped).
SELLER_HEADINGS = _phrases(
    "seller | vendor | supplier | merchant | issuer | from | bill from | invoice from | sold by | "
    "remit to | verkaufer | lieferant | rechnungssteller | auftragnehmer | absender | leistungserbringer | "
    "fournisseur | vendeur | emetteur | prestataire | leverancier | verkoper | afzender | "
    "proveedor | vendedor | emisor | fornitore | venditore | seller consignor | issued by | "
    "billed by | rechnungsaussteller | leistender | lieferer | anbieter | emis par | facture par | "
    "uitgegeven door | emitido por | payee"
)
# Section headings naming the party billed: its lines are never the issuer's.
BUYER_HEADINGS = _phrases(
    "to | buyer | customer | client | bill to | billed to | billing address | invoice to | invoiced to | "
    "sold to | ship to | shipped to | deliver to | delivery address | recipient | consignee | "
    "kaufer | kaufer leistungsempfanger | leistungsempfanger | rechnungsempfanger | kunde | "
    "lieferadresse | rechnungsadresse | empfanger | acheteur | facture a | adresse de facturation | "
    "adresse de livraison | adresse du client | destinataire | factuuradres | klant | afnemer | "
    "cliente | comprador | destinatario | facturar a | recipient address | auftraggeber | "
    "besteller | lieferanschrift | rechnungsanschrift | facturer a | client facture | factuur aan | "
    "geleverd aan | datos del cliente | enviar a | spett le | payer | invoice address"
)
# Words a heading may carry after the party word: "SELLER TRADE NAME", "Customer details".
_HEADING_TAIL = frozenset(
    [
        "name",
        "trade",
        "legal",
        "address",
        "details",
        "detail",
        "information",
        "info",
        "data",
        "adresse",
        "nom",
        "anschrift",
        "daten",
        "angaben",
        "naam",
        "nombre",
        "direccion",
        "company",
        "firma",
        "party",
    ]
)
# Labels of a party's name field inside its section.
_NAME_FIELD = _phrases(
    "name | company | company name | firma | firmenname | name der firma | nom | raison sociale | "
    "denomination | naam | bedrijfsnaam | nombre | razon social | business name | legal name"
)
# The tokens after a party word that make it another field's label: "Merchant ID", "Supplier's
# Ref.", "Customer No.", "Lieferantennummer".
_OTHER_FIELD = _phrases(
    "id | no | nr | number | num | ref | reference | code | vat | tax | account | acct | "
    "gstin | gst | tin | ust | nummer | phone | tel | email | fax"
)
# … and after a party word only: "Customer Support", "Customer Service", "Seller Information"
# (as a value's first word they may start a name: "Service Corporation International")
_LABEL_TAIL = _phrases("information | support | service | care | signature")
LEGAL_ONLY = re.compile(
    r"^\W*(?:gmbh(?:\s*&\s*co\.?\s*kg)?|ag|kg|se|ltd|limited|inc|llc|plc|sarl|sas|sa|bv|nv|"
    r"sdn\.?\s*bhd|bhd|co\.?|corp\.?|s\.?l\.?|s\.?r\.?l\.?|& co\.? kg)\W*$",
    re.I,
)


def heading_kind(text: str) -> str | None:
    """ "seller" / "buyer" when ``text`` is only a party heading ("Verkäufer", "Bill To:")."""
    toks = tokens(text)
    while toks and toks[-1] in _HEADING_TAIL and len(toks) > 1:
        toks.pop()
    key = tuple(toks)
    if not key:
        return None
    if key in SELLER_HEADINGS:
        return "seller"
    if key in BUYER_HEADINGS:
        return "buyer"
    return None


def plausible_name(text: str) -> bool:
    """Could this labelled text be a party's name (not a number, a label or a bare suffix)?"""
    t = text.strip(" :：-/")
    letters = sum(c.isalpha() for c in t)
    if letters < 2 or letters < 0.5 * sum(c.isalnum() for c in t):
        return False
    if LEGAL_ONLY.match(t):
        return False  # "Lieferant GmbH": the label word was the start of a company's name
    toks = tokens(t)
    return not (toks and (toks[0],) in _OTHER_FIELD)


def label_continues(rest: str) -> bool:
    """Text right after a party word that makes the word part of another label: "/Consignor",
    "'s Ref.", "ID: 4445…", "No.: C044…"."""
    r = rest.lstrip()
    if r.startswith(("/", "'", "’", "-")) and not r.startswith("- "):
        return True
    toks = tokens(r)
    return bool(toks) and ((toks[0],) in _OTHER_FIELD or (toks[0],) in _LABEL_TAIL)


def party_sections(doc: DocIndex, kind: str, *, max_pages: int = 1) -> list[tuple[Line, float]]:
    """(heading line, column x0) of each section headed by a ``kind`` party word."""
    out: list[tuple[Line, float]] = []
    for lay in doc.layouts[:max_pages]:
        for ln in lay.lines:
            for i, sg in enumerate(ln.segments):
                if heading_kind(sg.text) != kind:
                    continue
                nxt = ln.segments[i + 1] if i + 1 < len(ln.segments) else None
                if (
                    kind == "seller"
                    and nxt is not None
                    and nxt.x0 - sg.x1 < 0.2
                    and heading_kind(nxt.text) is None
                ):
                    continue  # "Seller: Acme GmbH": a label with its value, not a heading
                out.append((ln, sg.x0))
    return out


def _section_rows(doc: DocIndex, head: Line, x0: float) -> list[tuple[Line, list[Segment]]]:
    """(line, segments in the section's column) of the lines a heading introduces, up to a
    gap or the next party heading."""
    lay = doc.layouts[0]
    tol = 4 * lay.char_width
    out: list[tuple[Line, list[Segment]]] = []
    last_y1 = head.y1
    for ln in lay.lines[head.index + 1 : head.index + 10]:
        if ln.y0 - last_y1 > 2.5 * lay.word_height:
            break
        segs = [s for s in ln.segments if s.x0 >= x0 - tol and s.x0 < x0 + 0.45]
        if not segs:
            continue
        last_y1 = ln.y1
        if any(heading_kind(s.text) is not None for s in segs):
            break
        out.append((ln, segs))
    return out


def _field_value(first: Segment, segs: list[Segment]) -> tuple[str, list[Word]] | None:
    """The value of a "Label: value" row: after the colon, else the next segment."""
    _, _, after = first.text.partition(":")
    if after.strip():
        cut = next(i for i, w in enumerate(first.words) if ":" in w.text)
        return after.strip(), list(first.words[cut + 1 :] or first.words)
    if len(segs) > 1:
        return segs[1].text, list(segs[1].words)
    return None


# Words of column headers printed in a row with a party heading ("Billed To || Date of Issue
# || Invoice Number || Amount Due"): the row is a header, not a heading and its value.
_HEADER_WORDS = frozenset(
    [
        "date",
        "issue",
        "number",
        "no",
        "amount",
        "due",
        "total",
        "reference",
        "terms",
        "invoice",
        "balance",
        "page",
    ]
)


def _beside(head: Line, x1: float) -> Segment | None:
    """The segment printed right of a heading on its own line ("Sold To: || Meridian …")."""
    for sg in head.segments:
        if 0 < sg.x0 - x1 < 0.25 and heading_kind(sg.text) is None:
            if set(tokens(sg.text)) & _HEADER_WORDS:
                return None
            return sg
    return None


def section_name(doc: DocIndex, kind: str = "seller") -> tuple[Found, list[Line]] | None:
    """The name of the party a section heading introduces: its "Name:" field, else its first
    name-like line (same column, before the next gap or heading)."""
    if not doc.layouts:
        return None
    for head, x0 in party_sections(doc, kind):
        head_seg = next(sg for sg in head.segments if abs(sg.x0 - x0) < 1e-9)
        side = _beside(head, head_seg.x1)
        if side is not None and plausible_name(side.text) and is_name_text(side.text):
            return Found(side.text.strip(), list(side.words), 0.7), [head]
        fallback: tuple[str, list[Word], Line] | None = None
        for ln, segs in _section_rows(doc, head, x0):
            first = segs[0]
            label = first.text.partition(":")[0]
            if tuple(tokens(label)) in _NAME_FIELD:
                got = _field_value(first, segs)
                if got is not None and plausible_name(got[0]):
                    return Found(got[0].strip(), got[1], 0.8), [ln]
                continue
            if (
                fallback is None
                and ":" not in first.text
                and plausible_name(first.text)
                and is_name_text(first.text)
            ):
                fallback = (first.text, list(first.words), ln)
        if fallback is not None:
            return Found(fallback[0], fallback[1], 0.65), [fallback[2]]
    return None


_COUNTRY_LINE = re.compile(
    r"\b(?:usa|u\.s\.a\.?|united states|canada|germany|deutschland|france|malaysia|singapore|"
    r"united kingdom|uk|india|australia|nederland|netherlands|belgium|belgique|espana|spain|italia|"
    r"italy|austria|osterreich|switzerland|schweiz|suisse)\W*$",
    re.I,
)
_ADDRESS_FIELD = _phrases("address | anschrift | adresse | adres | direccion | indirizzo | street")


def section_address(doc: DocIndex, kind: str) -> Found | None:
    """The address of the party a section heading introduces: its "Address:" field and the
    unlabelled lines under it, else the unlabelled lines after the name (up to a contact or
    labelled line)."""
    named = section_name(doc, kind)
    if named is None:
        return None
    name_line = named[1][0]
    for head, x0 in party_sections(doc, kind):
        rows = _section_rows(doc, head, x0)
        if name_line is not head and all(ln is not name_line for ln, _ in rows):
            continue
        texts: list[str] = []
        words: list[Word] = []
        col = x0  # the address column: the heading's, or an "Address:" field's value
        tol = 0.05
        for ln, segs in rows:
            if ln.index <= name_line.index:
                continue
            first = segs[0]
            labelled = ":" in first.text
            if labelled and tuple(tokens(first.text.partition(":")[0])) in _ADDRESS_FIELD:
                got = _field_value(first, segs)
                if got is not None:
                    texts, words = [got[0]], got[1]
                    col = got[1][0].x0 if got[1] else col
                continue
            value = next((sg for sg in segs if abs(sg.x0 - col) < tol), None)
            toks = set(tokens(value.text)) if value is not None else set()
            if (
                labelled  # another field of the section starts ("Contact:", "USt-Id:")
                or value is None
                or ":" in value.text
                or _CONTACT.search(value.text)
                or (toks and toks <= _HEADER_WORDS)
                or len(texts) >= 4
            ):
                if texts:
                    break
                continue
            texts.append(value.text)
            words.extend(value.words)
            if _COUNTRY_LINE.search(value.text):
                break  # "…, NC 27358 USA": the address ends with its country
        if texts:
            return Found(", ".join(t.strip(" ,") for t in texts), words, 0.65)
    return None


def buyer_lines(doc: DocIndex) -> set[tuple[int, float]]:
    """(line index, column x0) of the lines in sections headed by a buyer word on page 1."""
    out: set[tuple[int, float]] = set()
    if not doc.layouts:
        return out
    lay = doc.layouts[0]
    for head, x0 in party_sections(doc, "buyer"):
        out.add((head.index, x0))
        for sg in head.segments:  # "Ship To: || Meridian Venture Services, LLC"
            if x0 < sg.x0 < x0 + 0.3:
                out.add((head.index, sg.x0))
        for ln in lay.lines[head.index + 1 : head.index + 7]:
            out.add((ln.index, x0))
    return out


_SALUTATION = re.compile(
    r"^(?:mr|mrs|ms|miss|herr|frau|mme|madame|monsieur|mevrouw|dhr|sr|sra)\b\.?\s", re.I
)
_SENTENCE_WORDS = {
    w for p in _phrases("we our you your with will the is are for of to by not please") for w in p
}
_ID_WORDS = frozenset(
    ["no", "nr", "number", "id", "ref", "code", "information", "details", "summary"]
)
_LABEL_FIRST = frozenset(["name", "nom", "naam", "address", "adresse", "anschrift"])
_STREET_WORD = re.compile(
    r"\b(?:st|street|ave|avenue|rd|road|dr|drive|blvd|boulevard|lane|ln|way|hwy|highway|str|"
    r"strasse|straße|weg|rue|jalan|jln|lot|suite|floor|plaza)\b\.?",
    re.I,
)
_STREET_START = re.compile(r"^\d{1,6}[a-z]?\s+\S", re.I)


_LEGAL_IN = re.compile(
    r"\b(?:sdn\.?\s*bhd|bhd|s/b|gmbh|ag|kg|ltd|limited|inc|llc|plc|sarl|sas|bv|nv|corp|"
    r"corporation|company|co)\b",
    re.I,
)


def is_addressee(text: str) -> bool:
    """ "Mrs Andrea Kropp", "Herr Thomas Auftraggeber" — but not "MR. D.I.Y. (M) SDN BHD"."""
    m = _SALUTATION.match(text.strip())
    if m is None or _LEGAL_IN.search(text):
        return False
    nxt = text.strip()[m.end() :].split()
    return bool(nxt) and nxt[0][:1].isupper() and "." not in nxt[0]


def is_name_text(text: str) -> bool:
    """Not an addressee ("Mrs …"), a sentence or slogan, a field label ("Room No.") or a
    street line ("227 N 5th Ave")."""
    t = text.strip()
    if _LEGAL_IN.search(t):
        return True  # "99 SPEED MART S/B", "MR. D.I.Y. (M) SDN BHD"
    if is_addressee(t):
        return False
    toks = tokens(t)
    if len(toks) >= 7 and sum(1 for x in toks if x in _SENTENCE_WORDS) >= 2:
        return False  # "We will serve people with excellence, …": a slogan
    if len(toks) >= 4 and t.endswith((".", "!")) and any(x in _SENTENCE_WORDS for x in toks):
        return False  # "Goods Sold Are Not Returnable.": a sentence
    if toks and (toks[-1] in _ID_WORDS or toks[0] in _LABEL_FIRST):
        return False  # "Room No.", "Service Information", "Name - Business Partner": labels
    return not (_STREET_START.match(t) and ("," in t or _STREET_WORD.search(t)))


def addressee_lines(doc: DocIndex) -> set[tuple[int, float]]:
    """(line index, column x0) of an envelope addressee block: "Mrs Andrea Kropp" and the
    address lines under it (page 1)."""
    out: set[tuple[int, float]] = set()
    if not doc.layouts:
        return out
    lay = doc.layouts[0]
    for ln in lay.lines[:40]:
        for sg in ln.segments:
            if is_addressee(sg.text):
                for nxt in lay.lines[ln.index : ln.index + 6]:
                    for s2 in nxt.segments:
                        if abs(s2.x0 - sg.x0) < 0.05:
                            out.add((nxt.index, s2.x0))
    return out


_CONTACT = re.compile(
    r"\b(?:tel|phone|fax|iban|bic|vat|ust|tva|e-?mail|www)\b|@|\d{3}[\s.-]?\d{3,}", re.I
)


_FOOTER_SLOGAN = re.compile(r"\s*(?:thank|thanks|please|visit|follow|merci|danke|vielen)\b", re.I)


def footer_name(doc: DocIndex) -> tuple[Found, list[Line]] | None:
    """The company a page's footer names over its address and contact / bank lines."""
    if not doc.layouts:
        return None
    lay = doc.layouts[0]
    lines = [ln for ln in lay.lines if ln.y0 >= 0.75]
    for i, ln in enumerate(lines[:-1]):
        seg = ln.segments[0]
        t = seg.text
        if ":" in t or not plausible_name(t) or not is_name_text(t) or len(tokens(t)) > 6:
            continue
        if _FOOTER_SLOGAN.match(t) or t.rstrip().endswith("!"):
            continue  # "Thank you for your business!"
        if any(c.isdigit() for c in t):
            continue
        below = lines[i + 1 : i + 3]
        if not below or below[0].y0 - ln.y1 > 2 * lay.word_height:
            continue
        has_addr = bool(re.search(r"\d", below[0].text)) and "," in below[0].text
        has_contact = any(_CONTACT.search(b.text) for b in below)
        if has_addr and has_contact:
            return Found(t.strip(), list(seg.words), 0.55), [ln]
    return None


_FOOT_SEPARATORS = re.compile(r"\s+[-–|•·]\s+")
_BANK_WORDS = frozenset(["iban", "bic", "swift", "bank", "bankverbindung", "banque"])


def _footer_name_text(text: str) -> bool:
    t = text.strip()
    toks = tokens(t)
    if not toks or len(toks) > 8 or ":" in t or any(c.isdigit() for c in t):
        return False
    if set(toks) & (SELLER_REGISTRATION | _BANK_WORDS) or _FOOTER_SLOGAN.match(t):
        return False
    return plausible_name(t) and is_name_text(t) and not _CONTACT.search(t)


def footer_seller(doc: DocIndex, *, registered: bool = True) -> tuple[Found, list[Line]] | None:
    """The company a page-1 footer registers: its name opening a footer line of parts
    ("Robin SA - 44, rue … - SIRET …") or heading a footer column over its address, in a
    footer that prints a court register, company or tax number or a bank account. Only the
    issuer prints those about itself, so this outranks an unlabelled block at the top,
    which may be the addressee.

    ``registered=False``: also a footer without those words, when its line of parts opens
    with a company's legal name ("Contoso Cloud Ltd · 1 Main Street · Cork"): a weaker sign,
    for when the top of the page names no one."""
    if not doc.layouts:
        return None
    lay = doc.layouts[0]
    foot = [ln for ln in lay.lines if ln.y0 >= 0.8]
    if registered and not any(set(tokens(ln.text)) & SELLER_REGISTRATION for ln in foot):
        return None
    for i, ln in enumerate(foot):
        for seg in ln.segments:
            parts = _FOOT_SEPARATORS.split(seg.text.strip())
            name = parts[0].strip()
            if not _footer_name_text(name):
                continue
            if not registered and (len(parts) < 3 or not _LEGAL_IN.search(name)):
                continue  # unregistered: only a legal name opening a line of parts
            if len(parts) > 1:
                rest = " ".join(parts[1:])
                if not (set(tokens(rest)) & SELLER_REGISTRATION or re.search(r"\d", parts[1])):
                    continue
            else:
                below = [
                    s2
                    for l2 in foot[i + 1 : i + 4]
                    for s2 in l2.segments
                    if abs(s2.x0 - seg.x0) < 0.02
                ]
                if len(below) < 2 or not re.search(r"\d", below[0].text):
                    continue
                if set(tokens(below[0].text)) & _BANK_WORDS:
                    continue  # a bank's name over its account: not the issuer
            n = len(name.split())
            return Found(name, list(seg.words[:n]), 0.6), [ln]
    return None
