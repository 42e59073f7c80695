"""Values stated in running text (contracts, letters), not next to a label.

``find_field`` answers a string/date field from sentences such as "made effective as of
January 1, 2010", "governed by the laws of the State of Delaware", "This Agreement shall
expire two (2) years from the date hereof"; ``find_list`` answers an array of strings such as
the parties ("by and between X, Inc., a Delaware corporation, and Y LLC").

The field's meaning is recognised from its name, title, description and ``x-aliases``. Every
rule needs a textual cue: without one the answer is ``None``, never a guess (a contract without
a stated term has no term).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import normalize
from .layout import analyze_page
from .types import Candidate, PageContent, Word, union_bbox

# --------------------------------------------------------------------------- text index


@dataclass(slots=True)
class _PageText:
    """A page's lines (reading order) joined with spaces, and where each word starts."""

    page: int
    text: str
    starts: list[int]
    words: list[Word]

    def words_between(self, start: int, end: int) -> list[Word]:
        return [
            w
            for w, s in zip(self.words, self.starts, strict=True)
            if s < end and s + len(w.text) > start
        ]


_LAST: list[tuple[list[PageContent], list[_PageText]]] = []


def _index(pages: list[PageContent]) -> list[_PageText]:
    """The text index of ``pages``; the last one is kept, as a schema asks several fields.

    The cache holds the pages themselves, so their identities cannot be reused while cached.
    """
    if (
        _LAST
        and len(_LAST[0][0]) == len(pages)
        and all(a is b for a, b in zip(_LAST[0][0], pages, strict=True))
    ):
        return _LAST[0][1]
    index = _build_index(pages)
    _LAST[:] = [(list(pages), index)]
    return index


def _build_index(pages: list[PageContent]) -> list[_PageText]:
    out = []
    for page in pages:
        parts: list[str] = []
        starts: list[int] = []
        words: list[Word] = []
        pos = 0
        line_ends: set[int] = set()
        for line in analyze_page(page).lines:
            for w in line.words:
                starts.append(pos)
                words.append(w)
                parts.append(w.text)
                pos += len(w.text) + 1
            line_ends.add(len(parts) - 1)
        # Lines are joined with "\n" (one character, like a space) so rules can see line starts.
        out.append(_PageText(page.number, _join_lines(parts, line_ends), starts, words))
    return out


def _join_lines(parts: list[str], line_ends: set[int]) -> str:
    out = []
    for i, p in enumerate(parts):
        out.append(p)
        if i < len(parts) - 1:
            out.append("\n" if i in line_ends else " ")
    return "".join(out)


def _candidate(pt: _PageText, start: int, end: int, value: object, conf: float) -> Candidate:
    words = pt.words_between(start, end)
    return Candidate(
        value=value,
        page=pt.page,
        bbox=union_bbox(words),
        text=" ".join(w.text for w in words) or pt.text[start:end],
        confidence=round(max(0.0, min(1.0, conf)), 4),
    )


_ABBREV = re.compile(
    r"(?:\b(?:Inc|Corp|Co|Ltd|No|Nos|Mr|Mrs|Ms|Dr|St|Sec|Art|U\.S|N\.A|L\.P|L\.L\.C|S\.A|e\.g|i\.e|vs|Jr|Sr)|\b[A-Z])\.$"
)


def _sentence_start(text: str, pos: int, limit: int = 600) -> int:
    """Where the sentence containing ``pos`` starts (a period/semicolon not after an abbreviation)."""
    lo = max(0, pos - limit)
    for m in reversed(list(re.finditer(r"[.;]\s+(?=[A-Z0-9(“\"])", text[lo:pos]))):
        end = lo + m.start() + 1
        if not _ABBREV.search(text[max(0, end - 8) : end]):
            return lo + m.end()
    return lo


def _sentence_end(text: str, pos: int, limit: int = 600) -> int:
    hi = min(len(text), pos + limit)
    for m in re.finditer(r"[.;]\s+(?=[A-Z0-9(“\"])", text[pos:hi]):
        end = pos + m.start() + 1
        if not _ABBREV.search(text[max(0, end - 8) : end]):
            return end
    return hi


# --------------------------------------------------------------------------- field kinds


def _field_words(name: str, schema: dict) -> str:
    parts = [
        name.replace("_", " "),
        str(schema.get("title", "")),
        str(schema.get("description", "")),
    ]
    parts += [str(a) for a in schema.get("x-aliases", []) or []]
    return " ".join(parts).lower()


def field_kind(name: str, schema: dict) -> str | None:
    """Which prose rule answers this field: effective_date, jurisdiction, term, parties or None."""
    n = " " + name.lower().replace("_", " ").replace("-", " ") + " "
    if re.search(r" (part(y|ies)|contracting|signator(y|ies)|counterpart(y|ies)) ", n):
        return "parties"
    if re.search(r"jurisdiction|governing|law |venue", n):
        return "jurisdiction"
    if re.search(r" (term|duration|period|length) ", n) and "date" not in n:
        return "term"
    if re.search(r"effective|commencement|agreement date|contract date|start date", n):
        return "effective_date"
    # Unfamiliar names: the description decides.
    words = _field_words(name, schema)
    if re.search(r"contracting part|\bparties\b|party names", words):
        return "parties"
    if re.search(r"governing law|jurisdiction|whose laws?\b", words):
        return "jurisdiction"
    if re.search(r"takes? effect|effective date|commencement date|date of the agreement", words):
        return "effective_date"
    if re.search(r"duration|length of the (agreement|contract)|\bterm of the\b", words):
        return "term"
    return None


# --------------------------------------------------------------------------- dates


def _date_text(text: str) -> str:
    """Same-length rewrite so normalize.find_dates reads contract dates.

    "the 5th day of November, 2004" -> "the 5th        November, 2004"; "10 th October" ->
    "10th  October". Offsets are preserved, so matches still point at the right words.
    """
    text = re.sub(
        r"(\d)(\s?)(st|nd|rd|th)\b",
        lambda m: m.group(1) + m.group(3) + m.group(2),
        text,
        flags=re.IGNORECASE,
    )
    return re.sub(
        r"(?<=\d(?:st|nd|rd|th))(\s+day\s+of)(?=\s)",
        lambda m: " " * len(m.group(1)),
        text,
        flags=re.IGNORECASE,
    )


_EFFECTIVE_CUES: list[tuple[re.Pattern[str], float]] = [
    (re.compile(r"effective\s+(?:as\s+of|date|on|from|upon)\b|effective\s*date\s*:?", re.I), 0.9),
    (
        re.compile(
            r"\b(?:made|entered\s+into|executed|signed|concluded)\s+(?:and\s+(?:entered\s+into|effective)\s+)?"
            r"(?:effective\s+)?(?:as\s+of|on|this|dated)\b",
            re.I,
        ),
        0.85,
    ),
    (re.compile(r"\bdated\s+(?:as\s+of\s+)?(?:this\b)?", re.I), 0.7),
    (re.compile(r"\bas\s+of\b", re.I), 0.6),
    (re.compile(r"\b(?:commencement|start)\s+date\b", re.I), 0.8),
]
_OTHER_AGREEMENT = re.compile(
    r"\b(?<!this\s)(?<!This\s)(?<!the\s)[A-Z][\w-]*\s+Agreement\b(?![”\"])"
    r"(?:\s+between\s+[^.;]{0,60})?\s*,?\s*$"
)
_BELOW = re.compile(
    r"as\s+of\s+the\s+(?:date|day\s+and\s+year)\s+(?:first\s+)?(?:set\s+forth|written|stated|indicated)\s+below",
    re.I,
)
_DATE_LABEL = re.compile(r"(?:^|\s)(?:Date|Dated|Effective Date)\s*:\s*$", re.I)


def _find_effective_date(index: list[_PageText]) -> Candidate | None:
    full = " ".join(pt.text for pt in index)
    order = normalize.date_order([pt.text for pt in index])
    date_below = bool(_BELOW.search(full))
    best: Candidate | None = None
    best_score = 0.0
    for pi, pt in enumerate(index):
        for dm in normalize.find_dates(_date_text(pt.text)):
            iso = dm.iso(order)
            if iso is None:
                continue
            before = pt.text[max(0, dm.start - 160) : dm.start]
            score = 0.0
            for cue_re, weight in _EFFECTIVE_CUES:
                for c in cue_re.finditer(before):
                    gap = before[c.end() :]
                    # The cue must lead to this date: no other sentence or date in between.
                    if re.search(r"[.;]\s", gap) or len(gap) > 60:
                        continue
                    s = weight - len(gap.strip()) / 300
                    if weight == 0.7 and _OTHER_AGREEMENT.search(
                        before[max(0, c.start() - 90) : c.start()]
                    ):
                        s -= 0.35  # "… Purchase Agreement (between …) dated …": another contract
                    score = max(score, s)
            if score == 0.0 and _DATE_LABEL.search(before[-20:]):
                # "as of the date set forth below" … "Date: July 24, 2014" on the signature page
                score = 0.6 if date_below else 0.35
            else:
                score -= min(0.15, 0.03 * pi)
            if score > best_score:
                best_score = score
                best = _candidate(pt, dm.start, dm.end, iso, score)
    if best is None or best_score < 0.45:
        return None
    return best


# --------------------------------------------------------------------------- jurisdiction

US_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
    "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
    "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
    "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
    "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
    "Wisconsin|Wyoming|District of Columbia|Puerto Rico"
)
_PLACE = r"(?:[A-Z][A-Za-z.'-]+(?:\s+(?:of\s+|and\s+)?[A-Z][A-Za-z.'-]+){0,3})"
_LAWS_OF = re.compile(
    r"\blaws?\b(?:\s*\([^)]{0,100}\))?\s+of\s+(?:the\s+)?"
    r"(?:United\s+States(?:\s+of\s+America)?\s+and\s+(?:of\s+)?(?:the\s+)?)?"
    r"(?:(?:State|Commonwealth|Province|Republic|Kingdom|Canton|Federal\s+Republic)\s+of\s+)?"
    rf"(?P<place>{_PLACE})",
    re.I,
)
_GOVERN_CUE = re.compile(
    r"govern|constru|interpret|enforc|governing\s+law|choice\s+of\s+law|applicable\s+law", re.I
)
_NOT_GOVERN = re.compile(
    r"(?:incorporated|organi[sz]ed|existing|formed|registered)\b[^.]{0,40}$", re.I
)
_STATE_RE = re.compile(rf"^(?:{US_STATES})\b")
_PLACE_STOP = re.compile(
    r"\s+(?:without|and\s+(?:the|all|any|shall|may|its|applicable)|in|as|applicable|excluding|"
    r"governing|shall|which|that|to|for|with|except|notwithstanding|regardless)\b.*$",
    re.I,
)


def _clean_place(place: str) -> str:
    sm = _STATE_RE.match(place)
    if sm:
        return sm.group(0)
    place = _PLACE_STOP.sub("", place)
    return place.strip(" .,")


def _find_jurisdiction(index: list[_PageText]) -> Candidate | None:
    best: Candidate | None = None
    best_score = 0.0
    for pt in index:
        for m in _LAWS_OF.finditer(pt.text):
            place_raw = m.group("place")
            if not place_raw[0].isupper():
                continue
            place = _clean_place(place_raw)
            if not place or place.lower() in {"the", "this", "such", "any", "each"}:
                continue
            before = pt.text[max(0, m.start() - 250) : m.start()]
            after = pt.text[m.end() : m.end() + 120]
            sent = pt.text[_sentence_start(pt.text, m.start()) : m.start()]
            score = 0.3
            if _GOVERN_CUE.search(sent) or _GOVERN_CUE.search(after[:60]):
                score = 0.85
            elif re.search(r"governing\s+law", before, re.I):
                score = 0.75
            if _NOT_GOVERN.search(before[-60:]):
                score = min(score, 0.2)
            if _STATE_RE.match(place) or place in _COUNTRIES:
                score += 0.05
            if score > best_score:
                best_score = score
                start = m.start("place")
                best = _candidate(pt, start, start + len(place), place, score)
        if best_score < 0.85:
            # "governed by Delaware law", "subject to English law"
            for m in _PLACE_LAW.finditer(pt.text):
                place = _DEMONYMS.get(m.group("place"), m.group("place"))
                if best_score < 0.8:
                    best_score = 0.8
                    best = _candidate(pt, m.start("place"), m.end("place"), place, 0.8)
    if best is None or best_score < 0.5:
        return None
    return best


_COUNTRY_NAMES = """England Wales Scotland Ireland Canada Ontario Quebec Germany France Switzerland
    Netherlands Luxembourg Belgium Spain Italy Israel Japan Singapore India China Australia Bermuda
    Sweden Norway Denmark Finland Austria"""
_COUNTRIES = frozenset(_COUNTRY_NAMES.split())

_DEMONYMS = {"English": "England", "German": "Germany", "French": "France", "Swiss": "Switzerland",
             "Dutch": "Netherlands", "Irish": "Ireland", "Canadian": "Canada", "Israeli": "Israel"}  # fmt: skip
_PLACE_LAW = re.compile(
    r"\b(?:governed\s+by|subject\s+to|construed\s+(?:in\s+accordance\s+with|under))\s+(?:the\s+)?"
    r"(?:internal\s+|substantive\s+)?"
    rf"(?P<place>{US_STATES}|{'|'.join(_DEMONYMS)}|{'|'.join(sorted(_COUNTRIES))})"
    r"\s+law\b"
)


# --------------------------------------------------------------------------- term

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
    "twenty-four": 24, "thirty-six": 36, "a": 1, "an": 1, "one hundred eighty": 180,
}  # fmt: skip
_NUM_WORD_RE = "|".join(sorted((re.escape(k) for k in _NUMBER_WORDS), key=len, reverse=True))
_DURATION = re.compile(
    rf"\b(?P<num>\d{{1,3}}|{_NUM_WORD_RE})\s*(?:\(\s*(?P<paren>\d{{1,3}})\s*\)\s*)?[- ]?"
    r"(?P<unit>years?|months?|days?|weeks?)\b",
    re.I,
)
_TERM_SUBJECT = re.compile(
    r"\b(?:this|the)\s+(?:[\w-]+\s+){0,3}?(?:agreement|contract)\b|\bthe\s+term\b|\bterm\s+of\s+this\b",
    re.I,
)
_TERM_VERB = re.compile(
    r"\b(?:expire|expiration|terminat|remain\s+in\s+(?:full\s+)?(?:force|effect)|continue|"
    r"in\s+effect|govern|term\b|duration|last|valid)",
    re.I,
)
_PART_OF = re.compile(
    r"\b(?:portion|provisions?|sections?|paragraphs?|articles?|obligations?|covenants?|terms)"
    r"\s+(?:of|under)\s*$",
    re.I,
)
_TERM_ANCHOR_BAD = re.compile(
    r"^\W*(?:immediately\s+)?(?:(?:following|after|from)\s+(?:the\s+)?(?:date\s+of\s+)?(?:any\s+)?(?:such\s+)?"
    r"(?:termination|expiration|expiry|end|cessation|disclosure|receipt)|prior\s+to|before|preceding)",
    re.I,
)


def _find_term(index: list[_PageText]) -> Candidate | None:
    best: Candidate | None = None
    best_score = 0.0
    for pi, pt in enumerate(index):
        for m in _DURATION.finditer(pt.text):
            num = m.group("paren") or m.group("num")
            n = int(num) if num.isdigit() else _NUMBER_WORDS.get(num.lower())
            if not n:
                continue
            start = _sentence_start(pt.text, m.start())
            sent_before = pt.text[start : m.start()]
            after = pt.text[m.end() : m.end() + 60]
            if _TERM_ANCHOR_BAD.search(after):
                continue  # a survival / notice period counted from the end, not the term
            subj = [
                s
                for s in _TERM_SUBJECT.finditer(sent_before)
                if not _PART_OF.search(sent_before[max(0, s.start() - 30) : s.start()])
            ]
            if not subj:
                continue
            verb = _TERM_VERB.search(sent_before[subj[0].start() :])
            if verb is None:
                continue
            score = 0.75 - min(0.2, (len(sent_before) - subj[-1].end()) / 1000) - 0.02 * pi
            if re.match(r"\W*(?:if|in\s+the\s+event|unless|upon)\b", sent_before, re.I):
                score -= 0.3  # a contingency ("If you are terminated …"), not the term itself
            if re.match(
                r"\W*(?:from|after|following)\s+(?:the\s+)?(?:date\s+hereof|effective\s+date|date\s+of\s+this)",
                after,
                re.I,
            ):
                score += 0.1
            if score > best_score:
                unit = m.group("unit").lower().rstrip("s")
                value = f"{n} {unit}{'s' if n != 1 else ''}"
                best_score = score
                best = _candidate(pt, m.start(), m.end(), value, score)
    if best is None or best_score < 0.5:
        return None
    return best


# --------------------------------------------------------------------------- parties

ORG_SUFFIX = (
    r"(?:Inc|Incorporated|Corp|Corporation|Company|Co|LLC|L\.L\.C|Ltd|Limited|LP|L\.P|LLP|"
    r"L\.L\.P|PLC|P\.L\.C|N\.V|B\.V|S\.A|S\.A\.S|SAS|SARL|GmbH|AG|KG|SE|Holdings|Group|Trust|"
    r"Partners|Bank|N\.A|S\.p\.A|Pty|AB|ASA|Oy|A/S)\.?"
)
_TERMINAL_SUFFIX = re.compile(
    r"Inc|Corp|LLC|L\.L\.C|Ltd|LP|L\.P|LLP|L\.L\.P|PLC|P\.L\.C|GmbH|AG|N\.V|B\.V|S\.A|SARL|S\.p\.A|Pty",
    re.I,
)
_SUFFIX_END = re.compile(rf"(?:^|[\s,]){ORG_SUFFIX}$", re.I)
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
            if not nxt or not nxt.group(1)[0].isupper() or _SUFFIX_END.search(" ".join(toks)):
                break
            if bare.lower() == "and" and re.match(
                r"\s+(?:the\s+)?[A-Z][\w-]*\s*\(", text[m.end() :]
            ):
                break
        elif not is_cap:
            break
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
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            rest = text[i : i + 12]
            if re.match(r"\s(?:and|&)\s", rest) or (ch == ";"):
                return i
            if re.match(r"\.\s+[A-Z]", text[i : i + 3]) and not _ABBREV.search(
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
        descriptor = text[end : nxt if nxt >= 0 else _sentence_end(text, end, 300)]
        am = _ALIAS.search(descriptor)
        if am:
            party.alias = am.group(1).strip()
        out.append(party)
        if nxt < 0 or nxt - end > 500:
            break
        i = nxt
    return out


_LETTER_ORG = re.compile(rf"^(?:[A-Z][\w&.'-]*,?\s+){{0,5}}{ORG_SUFFIX}$")


def _addressee(pt: _PageText, pages: list[PageContent]) -> tuple[str, int, int] | None:
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


def _signatory(index: list[_PageText], alias: str) -> tuple[_PageText, str, int, int] | None:
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
    return None


def _label_block_parties(index: list[_PageText]) -> list[Candidate]:
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
        for nm in re.finditer(
            rf"(?:^|\s)([A-Z][\w&/.'-]*(?:,?\s+[A-Z][\w&/.'-]*){{0,5}},?\s+{ORG_SUFFIX})(?=[\s,(]|$)",
            window,
        ):
            s = lm.end() + nm.start(1)
            name = _clean_party(nm.group(1))
            if all(name.lower() != c.value.lower() for c in out):
                out.append(_candidate(pt, s, s + len(nm.group(1)), name, 0.6))
            if len(out) >= 4:
                break
        if len(out) >= 2:
            return out
    return []


def _find_parties(index: list[_PageText], pages: list[PageContent]) -> list[Candidate]:
    for pt in index[:3]:
        for bm in _BETWEEN.finditer(pt.text):
            found = _parties_after(pt.text, bm.end())
            if len(found) < 2 or not any(f.name for f in found):
                continue
            out: list[Candidate] = []
            for party in found:
                cand = None
                if party.name:
                    cand = _candidate(pt, party.start, party.end, party.name, 0.7)
                else:
                    sig = _signatory(index, party.alias) if party.alias else None
                    if sig is not None:
                        spt, name, s, e = sig
                        cand = _candidate(spt, s, e, name, 0.5)
                    else:
                        addr = _addressee(index[0], pages)
                        if addr is not None:
                            cand = _candidate(index[0], addr[1], addr[2], addr[0], 0.5)
                if cand is not None and all(cand.value.lower() != c.value.lower() for c in out):
                    out.append(cand)
            if out:
                return out
    return _label_block_parties(index)


# --------------------------------------------------------------------------- API


def find_field(pages: list[PageContent], name: str, schema: dict) -> Candidate | None:
    """A string/date field stated in running text, or ``None`` (never a guess without a cue)."""
    kind = field_kind(name, schema)
    if kind is None or kind == "parties" or not pages:
        return None
    index = _index(pages)
    if kind == "effective_date":
        return _find_effective_date(index)
    if kind == "jurisdiction":
        return _find_jurisdiction(index)
    if kind == "term":
        return _find_term(index)
    return None


def normalize_value(name: str, schema: dict, text: str) -> str | None:
    """A value found some other way (e.g. next to a label) in this field's prose form, or None.

    For callers that fall back to label/value search when ``find_field`` finds no statement:
    "Term: two (2) years" -> "2 years"; "Effective Date: August 3, 2004" -> "2004-08-03";
    "Governing law: State of Delaware" -> "Delaware". Text that does not read as such a value
    ("is defined in the Asset Purchase Agreement") gives None, so no junk is returned.
    """
    kind = field_kind(name, schema)
    text = " ".join(str(text).split())
    if not text:
        return None
    if kind == "effective_date":
        dates = normalize.find_dates(_date_text(text))
        if len(dates) == 1 and len(text) <= len(dates[0].text) + 25:
            return dates[0].iso(normalize.date_order([text]))
        return None
    if kind == "term":
        m = _DURATION.search(text)
        if m is None or len(text) > 60:
            return None
        num = m.group("paren") or m.group("num")
        n = int(num) if num.isdigit() else _NUMBER_WORDS.get(num.lower())
        if not n:
            return None
        unit = m.group("unit").lower().rstrip("s")
        return f"{n} {unit}{'s' if n != 1 else ''}"
    if kind == "jurisdiction":
        m = re.search(rf"\b(?:{US_STATES}|{'|'.join(sorted(_COUNTRIES))})\b", text)
        if m:
            return m.group(0)
        return None
    return text if kind is None else None


def find_list(pages: list[PageContent], name: str, schema: dict) -> list[Candidate]:
    """An array-of-strings field stated in running text (the parties of a contract)."""
    if field_kind(name, schema) != "parties" or not pages:
        return []
    return _find_parties(_index(pages), pages)
