"""Contract parties stated in running text: "by and between X, Inc., a Delaware corporation
(“X”), and Y LLC (“Y”)", with placeholders ("you", "the undersigned") resolved from the
letter's addressee or the signature block, and cover sheets that list "PARTIES:".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

from ..layout.lines import analyze_page
from ..types import Candidate, PageContent
from . import defined
from .text import ABBREV, PageText, candidate, sentence_end

ORG_SUFFIX = defined.ORG_SUFFIX  # legal forms that end a company's name
_TERMINAL_SUFFIX = re.compile(
    r"Inc|Corp|LLC|L\.L\.C|Ltd|LP|L\.P|LLP|L\.L\.P|PLC|P\.L\.C|GmbH|AG|N\.V|B\.V|S\.A|SARL|S\.p\.A|Pty",
    re.I,
)
_SUFFIX_END = re.compile(rf"(?:^|[\s,]){ORG_SUFFIX}$", re.I)
_TERMINAL_END = re.compile(
    r"(?:^|[\s,])(?:Inc|Incorporated|Corp|Corporation|LLC|L\.L\.C|Ltd|Limited|LP|L\.P|LLP|PLC|"
    r"GmbH|N\.V|B\.V|S\.A|SARL|S\.p\.A|Pty|ASA|AB)\.?$",
    re.I,
)
# "… Holdings & Investments Limited": a terminal legal form within the next few words
_SUFFIX_AHEAD = re.compile(
    r"\s+(?:[A-Z][\w&.'’-]*,?\s+){0,3}(?:Limited|Ltd|Inc|Incorporated|LLC|L\.L\.C|LP|L\.P|LLP|"
    r"Corporation|Corp|PLC|GmbH|AG|N\.V|B\.V|S\.A)\b",
    re.I,
)
_BETWEEN = re.compile(r"\b(?:by\s+and\s+)?(?:between|among|amongst)\b", re.I)
_CONNECTORS = {"and", "&", "of", "de", "du", "des", "la", "le", "von", "van", "der", "for", "the"}
_NAME_TOKEN = re.compile(r"[\w&/'’.-]+,?|[,(“\"]")
_STOP_NAMES = {
    "you",
    "the undersigned",
    "undersigned",
    "each",
    "the parties",
    "parties",
    "we",
    "us",
    "the party",
    "the individual",
    "the person",
    "the counterparty",
}


def _read_name(text: str, pos: int) -> tuple[str, int]:
    """The proper name starting at ``pos`` (capitalised words, connectors, org suffixes)."""
    toks: list[str] = []
    end = pos
    for m in _NAME_TOKEN.finditer(text, pos):
        if m.start() - end > 2 and toks:
            break
        tok = m.group()
        bare = tok.rstrip(",")
        if bare in ("(", "“", '"', ","):
            break
        word = bare.strip(".")
        is_cap = bool(word) and (word[0].isupper() or word[0].isdigit())
        if not toks:
            if not is_cap:
                break
        elif bare.lower() in _CONNECTORS:
            # "Johnson and Johnson": go on only when a capitalised word follows and the name so
            # far is not already a complete company name ("Palm, Inc. and PalmSource, Inc.").
            nxt = re.match(r"\s+([\w&]+)", text[m.end() :])
            if not nxt or not nxt.group(1)[0].isupper():
                break
            done = " ".join(toks)
            if _TERMINAL_END.search(done) or (
                _SUFFIX_END.search(done) and not _SUFFIX_AHEAD.match(text, m.end())
            ):
                break  # "Palm, Inc. and …"; but "ALTIMO HOLDINGS & INVESTMENTS LIMITED" goes on
            if bare.lower() == "and" and re.match(
                r"\s+(?:the\s+)?[A-Z][\w-]*\s*\(", text[m.end() :]
            ):
                break
        elif not is_cap and not (
            re.fullmatch(ORG_SUFFIX, word + ".", re.I)
            and not re.match(r"\s+(?:in|under|by)\b", text[m.end() :])
        ):
            break  # a lower-case word ends the name, unless its legal form ("AZZ incorporated")
        if text[m.end() : m.end() + 1] == ":":
            break  # "By:", "Name:": a label, not part of a name
        toks.append(tok)
        end = m.end()
        if _TERMINAL_SUFFIX.fullmatch(word) and not re.match(
            rf"\s*,?\s*{ORG_SUFFIX}(?![\w])", text[end:], re.I
        ):
            break  # "Palm, Inc." ends the name: what follows is another phrase
        if tok.endswith(",") and not re.match(rf"\s*{ORG_SUFFIX}(?![\w])", text[end:], re.I):
            break
    name = " ".join(toks).rstrip(",").strip()
    # Drop a trailing connector ("Acme and") and the article of "the Company".
    name = re.sub(r"\s+(?:and|&|of|the)$", "", name, flags=re.I)
    return name, end


def _clean_party(name: str) -> str:
    name = re.sub(r"\s+([.,])", r"\1", name)
    name = re.sub(r",(?=\s*" + ORG_SUFFIX + r"(?!\w))", "", name, flags=re.I)
    return re.sub(r"\s+", " ", name).strip(" ,;")


def _skip_descriptor(text: str, pos: int) -> int:
    """Skip ", a Delaware corporation (“CEDC”)" and similar up to the next party or the end."""
    depth = 0
    i = pos
    n = min(len(text), pos + 600)  # a descriptor longer than this is no party's
    while i < n:
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
            if depth == 0 and re.match(r"\)\s*,\s*(?:and\s+)?[A-Z]", text[i : i + 12]):
                return i + 1  # "(the “Company”), St. Denis J. Villere & Company": the next party
        elif depth == 0:
            rest = text[i : i + 12]
            if re.match(r"\s(?:and|&)\s", rest) or (ch == ";"):
                return i
            if re.match(r"\.\s+[A-Z]", text[i : i + 3]) and not ABBREV.search(
                text[max(0, i - 7) : i + 1]
            ):
                return -1  # the sentence ended: no more parties
        i += 1
    return -1


_ALIAS = re.compile(
    r"\(\s*(?:the\s+|a\s+|an\s+|hereinafter\s+(?:referred\s+to\s+as\s+)?)?[“\"]([^”\"]{2,40})[”\"]"
)


@dataclass(slots=True)
class _Party:
    name: str  # "" for a placeholder such as "you" / "the undersigned"
    start: int
    end: int
    alias: str | None = None


def _parties_after(text: str, pos: int) -> list[_Party]:
    """Names after "between": "A, a … (“X”), and B (“Y”)"."""
    out: list[_Party] = []
    i = pos
    for _ in range(6):
        m = re.compile(r"\s*(?:,\s*)?(?:and\s+|&\s+)?(?:,\s*)?").match(text, i)
        i = m.end() if m else i
        name, end = _read_name(text, i)
        low = name.lower()
        lead = text[i : i + 20].lower()
        if name and low not in _STOP_NAMES and len(name) >= 3:
            party = _Party(_clean_party(name), i, end)
        elif not name and not any(lead.startswith(s) for s in _STOP_NAMES):
            break
        else:
            end = i + next((len(s) for s in _STOP_NAMES if lead.startswith(s)), 1)
            party = _Party("", i, end)  # a placeholder, resolved from the letter or signatures
        nxt = _skip_descriptor(text, end)
        descriptor = text[end : nxt if nxt >= 0 else sentence_end(text, end, 300)]
        am = _ALIAS.search(descriptor)
        if am:
            party.alias = am.group(1).strip()
        out.append(party)
        if nxt < 0 or nxt - end > 500:
            break
        i = nxt
    return out


_LETTER_ORG = re.compile(rf"^(?:[A-Z][\w&.'-]*,?\s+){{0,5}}{ORG_SUFFIX}$")


def _addressee(pt: PageText, pages: list[PageContent]) -> tuple[str, int, int] | None:
    """The company a letter agreement is addressed to ("you"): an org line before the salutation."""
    if not pages:
        return None
    for line in analyze_page(pages[0]).lines[:40]:
        if re.match(r"(?:Dear|Gentlemen|Ladies|Re:)", line.text):
            break
        text = line.text.strip()
        if _LETTER_ORG.match(text) and len(text) < 60:
            start = pt.text.find(text)
            if start >= 0:
                return (_clean_party(text), start, start + len(text))
    return None


def _signatory(index: list[PageText], alias: str) -> tuple[PageText, str, int, int] | None:
    """The name signed under a block headed by the party's alias (“Counterparty” … Name: X)."""
    quoted = re.compile(rf"[“\"]{re.escape(alias)}[”\"]\s+(?!\))")
    for pt in reversed(index):
        for qm in quoted.finditer(pt.text):
            window = pt.text[qm.end() : qm.end() + 200]
            nm = re.search(r"(?:Name\s*:|/s/)\s*", window)
            if nm:
                pos = qm.end() + nm.end()
                name, end = _read_name(pt.text, pos)
                if name and len(name) >= 3:
                    return pt, _clean_party(name), pos, end
    # "Counterparty: Delta Partners LLP" on the signature page
    labelled = re.compile(rf"(?:^|\n)\s*{re.escape(alias)}\s*:\s*", re.I)
    for pt in reversed(index[1:]):
        for lm in labelled.finditer(pt.text):
            name, end = _read_name(pt.text, lm.end())
            if name and len(name) >= 3 and name.lower() not in _STOP_NAMES:
                return pt, _clean_party(name), lm.end(), end
    return None


_PERSON_ALIAS = re.compile(
    r"(?:^|(?<=\s))([A-Z][a-zA-Z'’-]+(?:\s+[A-Z]\.)*(?:\s+[A-Z][a-zA-Z'’-]+){1,2}(?:\s+(?:Jr|Sr|II|III|IV)\.?)?)"
    r"\s*\("
)


def _label_block_parties(index: list[PageText]) -> list[Candidate]:
    """A "PARTIES:" heading followed by one name per block (cover-sheet style contracts)."""
    for pt in index[:3]:
        lm = re.search(r"\bPARTIES\s*:\s*|\bParties\s*:\s*", pt.text)
        if not lm:
            continue
        out: list[Candidate] = []
        window = pt.text[lm.end() : lm.end() + 600]
        # The block ends at the first prose line (long) or enumerated paragraph ("A. The …").
        cut = re.search(r"\n(?:[A-Z0-9]{1,3}[.)]\s|[^\n]{90,})", window)
        if cut:
            window = window[: cut.start()]
        for nm in sorted(
            [
                *re.finditer(
                    rf"(?:^|\s)([A-Z][\w&/.'-]*(?:,?\s+[A-Z][\w&/.'-]*){{0,5}},?\s+{ORG_SUFFIX})(?=[\s,(]|$)",
                    window,
                ),
                *_PERSON_ALIAS.finditer(window),  # "John J. Donahoe II (“Employee”)"
            ],
            key=lambda m: m.start(1),
        ):
            if _PERSON_ALIAS.fullmatch(nm.group(0)) and not defined.is_person(nm.group(1)):
                continue
            s = lm.end() + nm.start(1)
            name = _clean_party(nm.group(1))
            if all(name.lower() != c.value.lower() for c in out):
                out.append(candidate(pt, s, s + len(nm.group(1)), name, 0.6))
            if len(out) >= 4:
                break
        if len(out) >= 2:
            return out
    return []


def _between_lists(index: list[PageText], least: int) -> Iterator[tuple[PageText, list[_Party]]]:
    for pt in index[:3]:
        for bm in _BETWEEN.finditer(pt.text):
            found = _parties_after(pt.text, bm.end())
            named = [f for f in found if f.name]
            if not named or len(found) < least:
                continue
            if len(found) < 2 and not (
                _SUFFIX_END.search(named[0].name) or named[0].alias is not None
            ):
                continue  # "the relationship between Acme and …": one bare name is no list
            yield pt, found


def _between_parties(index: list[PageText], pages: list[PageContent]) -> list[Candidate]:
    """The names listed after "between" / "by and between" in the first pages."""
    # a list of two or more first; one named party (the other left blank: "and the individual
    # identified on the signature page") only when no page lists more
    for pt, found in chain(_between_lists(index, 2), _between_lists(index, 1)):
        out: list[Candidate] = []
        for party in found:
            cand = None
            if party.name:
                cand = candidate(pt, party.start, party.end, party.name, 0.7)
            else:
                sig = _signatory(index, party.alias) if party.alias else None
                if sig is not None:
                    spt, name, s, e = sig
                    cand = candidate(spt, s, e, name, 0.5)
                else:
                    addr = _addressee(index[0], pages)
                    if addr is not None:
                        cand = candidate(index[0], addr[1], addr[2], addr[0], 0.5)
            if cand is not None and all(cand.value.lower() != c.value.lower() for c in out):
                out.append(cand)
        if out:
            return out
    return []


def _key(name: str) -> str:
    return re.sub(r"[^\w]+", "", name.lower().replace("&", "and"))


def _add(out: list[Candidate], cand: Candidate) -> None:
    """Append unless the same name (or one containing it) is already there."""
    k = _key(str(cand.value))
    if not k:
        return
    for c in out:
        ck = _key(str(c.value))
        if k == ck or k in ck or ck in k:
            return
    out.append(cand)


_PLACEHOLDER = re.compile(
    r"\b(?:you|your|I|my|the\s+undersigned|the\s+individual|the\s+employee|employee\s+signatory)\b"
)


def find_parties(index: list[PageText], pages: list[PageContent]) -> list[Candidate]:
    """The contracting parties: a "between" list, a "PARTIES:" block, names defined by a party
    alias in the opening, a letter's addressee, and the individual who signs a form."""
    out = _between_parties(index, pages) or _label_block_parties(index)
    # two names listed are the parties; otherwise the opening's defined names complete the list
    complete = len(out) >= 2
    opening_text = ""
    for pt in index[:2]:
        lo, hi = defined.opening(pt)
        opening_text = pt.text[lo:hi]
        if complete:
            break
        got = defined.defined_parties(pt, lo, hi) + defined.term_means(pt, lo, hi)
        for name, s, e in got:
            _add(out, candidate(pt, s, e, _clean_party(name), 0.6))
        if got or out:
            break
    if not out and not opening_text:
        return []
    if not out:
        # no name in the opening: the companies that sign ("ACME INC." over "By:")
        for spt, name, s, e in defined.signature_companies(index):
            _add(out, candidate(spt, s, e, _clean_party(name), 0.4))
    addr = defined.addressee(pages)
    if addr is not None and index:
        start = index[0].text.find(addr)
        if start >= 0:
            _add(out, candidate(index[0], start, start + len(addr), _clean_party(addr), 0.5))
    elif len(out) == 1 and index:
        person = defined.person_addressee(pages)  # an employee's letter agreement
        start = index[0].text.find(person) if person else -1
        if person and start >= 0:
            _add(out, candidate(index[0], start, start + len(person), person, 0.5))
    person = any(defined.is_person(str(c.value)) for c in out)
    if len(out) == 1 and not person and _PLACEHOLDER.search(opening_text):
        sig = defined.signing_individual(index, [str(c.value) for c in out])
        if sig is not None:
            spt, name, s, e = sig
            _add(out, candidate(spt, s, e, name, 0.5))
    return out
