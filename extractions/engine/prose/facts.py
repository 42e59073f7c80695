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

from ..types import Candidate, PageContent
from ..values.dates import date_order, find_dates
from .parties import find_parties
from .text import PageText, candidate, sentence_start, text_index

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
    """Same-length rewrite so find_dates reads contract dates.

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


_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-](?:\d{4}|\d{2})(?![\d/])")
_MONTH_NAMES = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
_US_WRITTEN = re.compile(rf"\b(?:{_MONTH_NAMES})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}")
_EU_WRITTEN = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:{_MONTH_NAMES})\s+\d{{4}}")


def prose_order(texts: list[str]) -> str:
    """Day/month order of a contract's numeric dates ("8/11/08"): what its unambiguous
    numeric dates show, else how it writes dates in words ("August 11, 2008" is US usage)."""
    dmy = mdy = 0
    for t in texts:
        for m in _NUMERIC.finditer(t):
            a, b = int(m.group(1)), int(m.group(2))
            dmy += a > 12 >= b >= 1
            mdy += b > 12 >= a >= 1
    if dmy or mdy:
        return date_order(texts)
    us = sum(len(_US_WRITTEN.findall(t)) for t in texts)
    eu = sum(len(_EU_WRITTEN.findall(t)) for t in texts)
    return "mdy" if us > eu else "dmy"


def _find_effective_date(index: list[PageText]) -> Candidate | None:
    full = " ".join(pt.text for pt in index)
    order = prose_order([pt.text for pt in index])
    date_below = bool(_BELOW.search(full))
    best: Candidate | None = None
    best_score = 0.0
    for pi, pt in enumerate(index):
        for dm in find_dates(_date_text(pt.text)):
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
                best = candidate(pt, dm.start, dm.end, iso, score)
    if best is None or best_score < 0.45:
        return _signed_date(index, order)
    return best


_DATE_FIELD = re.compile(r"(?:^|\s)Dated?\s*:\s*$")


def _signed_date(index: list[PageText], order: str) -> Candidate | None:
    """With no effective-date wording, the first date signed under "Date:" (last pages)."""
    for pt in index[-2:]:
        for dm in find_dates(_date_text(pt.text)):
            iso = dm.iso(order)
            if iso is not None and _DATE_FIELD.search(pt.text[max(0, dm.start - 12) : dm.start]):
                return candidate(pt, dm.start, dm.end, iso, 0.45)
    return None


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
    r"\blaws?\b(?:\s*\([^)]{0,100}\))?"
    # "the laws and public policies of", "the internal law, and not the law of conflicts, of"
    r"(?:\s+and\s+(?:the\s+)?(?:public\s+polic(?:y|ies)|regulations|decisions|rules))?"
    r"(?:\s*,[^,.;]{1,50},)?"
    r"\s+of\s+(?:the\s+)?"
    r"(?:United\s+States(?:\s+of\s+America)?\s+and\s+(?:of\s+)?(?:the\s+)?)?"
    r"(?:(?:State|Commonwealth|Province|Republic|Kingdom|Canton|Federal\s+Republic)\s+of\s+)?"
    rf"(?P<place>{_PLACE})",
    re.I,
)
_GOVERN_CUE = re.compile(
    r"govern|constru|interpret|enforc|governing\s+law|choice\s+of\s+law|applicable\s+law|"
    r"resolved\s+in\s+accordance",
    re.I,
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


def _find_jurisdiction(index: list[PageText]) -> Candidate | None:
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
            sent = pt.text[sentence_start(pt.text, m.start()) : m.start()]
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
                best = candidate(pt, start, start + len(place), place, score)
        if best_score < 0.85:
            # "governed by Delaware law", "subject to English law"
            for m in _PLACE_LAW.finditer(pt.text):
                place = _DEMONYMS.get(m.group("place"), m.group("place"))
                if best_score < 0.8:
                    best_score = 0.8
                    best = candidate(pt, m.start("place"), m.end("place"), place, 0.8)
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
    r"in\s+effect|govern|term\b|duration|last|valid|cease\s+to\s+be\s+effective)",
    re.I,
)
_PART_OF = re.compile(
    r"\b(?:portion|provisions?|sections?|paragraphs?|articles?|obligations?|covenants?|terms)"
    r"\s+(?:of|under)\s*$",
    re.I,
)
_POSSESSOR = r"(?:(?:the|any|such|my|your|his|her|its|their|[A-Z][\w]*[’']s)\s+)*"
_TERM_ANCHOR_BAD = re.compile(
    r"^\W*(?:period\s+)?(?:immediately\s+)?"
    rf"(?:(?:following|after|from)\s+{_POSSESSOR}(?:date\s+of\s+)?{_POSSESSOR}"
    r"(?:termination|expiration|expiry|end|cessation|disclosure|receipt|executing|signing|"
    r"execution)(?!\s+date)|prior\s+to|before|preceding|thereafter|prior\s+(?:written\s+)?notice|"
    r"(?:advance\s+)?(?:written\s+)?notice)",
    re.I,
)


_FROM_NOW = re.compile(
    r"\W*(?:from|after|following)\s+(?:the\s+)?(?:date\s+hereof|effective\s+date|date\s+of\s+this)",
    re.I,
)


def _find_term(index: list[PageText]) -> Candidate | None:
    best: Candidate | None = None
    best_score = 0.0
    for pi, pt in enumerate(index):
        for m in _DURATION.finditer(pt.text):
            num = m.group("paren") or m.group("num")
            n = int(num) if num.isdigit() else _NUMBER_WORDS.get(num.lower())
            if not n:
                continue
            start = sentence_start(pt.text, m.start())
            sent_before = pt.text[start : m.start()]
            after = pt.text[m.end() : m.end() + 60]
            if _TERM_ANCHOR_BAD.search(after):
                continue  # a survival / notice period counted from the end, not the term
            from_now = bool(_FROM_NOW.match(after))
            subj = [
                s
                for s in _TERM_SUBJECT.finditer(sent_before)
                # "the obligations of this Agreement survive …" is not its term, but "your
                # obligations under this agreement remain in effect … from the date hereof" is
                if from_now or not _PART_OF.search(sent_before[max(0, s.start() - 30) : s.start()])
            ]
            if not subj:
                continue
            verb = _TERM_VERB.search(sent_before[subj[0].start() :])
            if verb is None:
                continue
            score = 0.75 - min(0.2, (len(sent_before) - subj[-1].end()) / 1000) - 0.02 * pi
            if re.match(r"\W*(?:if|in\s+the\s+event|unless|upon)\b", sent_before, re.I):
                score -= 0.3  # a contingency ("If you are terminated …"), not the term itself
            if from_now:
                score += 0.1
            if score > best_score:
                unit = m.group("unit").lower().rstrip("s")
                value = f"{n} {unit}{'s' if n != 1 else ''}"
                best_score = score
                best = candidate(pt, m.start(), m.end(), value, score)
    if best is None or best_score < 0.5:
        return None
    return best


# --------------------------------------------------------------------------- API


def find_field(pages: list[PageContent], name: str, schema: dict) -> Candidate | None:
    """A string/date field stated in running text, or ``None`` (never a guess without a cue)."""
    kind = field_kind(name, schema)
    if kind is None or kind == "parties" or not pages:
        return None
    index = text_index(pages)
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
        dates = find_dates(_date_text(text))
        if len(dates) == 1 and len(text) <= len(dates[0].text) + 25:
            return dates[0].iso(date_order([text]))
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
    return find_parties(text_index(pages), pages)
