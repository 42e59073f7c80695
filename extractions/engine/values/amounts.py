"""Typed value parsing: dates, amounts, currencies, numbers, booleans, identifiers.

Every ``find_*`` function scans a piece of text and returns matches with their
character span, so that callers can map a value back to the words it came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

# --------------------------------------------------------------------------- text


class _FoldTable(dict):
    """str.translate table built lazily: each character -> lower case without accents."""

    def __missing__(self, code: int) -> str:
        d = unicodedata.normalize("NFKD", chr(code))
        out = "".join(c for c in d if not unicodedata.combining(c)).lower()
        self[code] = out
        return out


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower-case, accents removed: the form used to compare labels and names."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


_NON_WORD = re.compile(r"[^0-9a-zß]+")


def tokens(text: str) -> list[str]:
    if len(text) <= 80:
        return list(_tokens_cached(text))
    return [t for t in _NON_WORD.split(fold(text)) if t]


@lru_cache(maxsize=32768)
def _tokens_cached(text: str) -> tuple[str, ...]:
    return tuple(t for t in _NON_WORD.split(fold(text)) if t)


def norm_text(text: str) -> str:
    """Case, whitespace and punctuation insensitive form (for text comparison)."""
    return " ".join(tokens(text))


# --------------------------------------------------------------------------- dates

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    [
        "january jan janvier janv januar janner jaenner enero gennaio januari",
        "february feb febr fevrier fev februar febrero febbraio februari",
        "march mar mars marz maerz marzo maart mrt",
        "april apr avril avr abril aprile",
        "may mai mayo maggio mei",
        "june jun juin juni junio giugno",
        "july jul juillet juil juli julio luglio",
        "august aug aout august agosto augustus",
        "september sep sept septembre septiembre settembre",
        "october oct octobre okt oktober octubre ottobre",
        "november nov novembre noviembre",
        "december dec decembre dez dezember diciembre dicembre",
    ],
    start=1,
):
    for _n in _names.split():
        _MONTHS[_n] = _num

_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_SEP = r"\s*[-/.]\s*"
_RE_ISO = re.compile(r"(?<![\d])(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?![\d])")
_RE_NUM = re.compile(
    r"(?<![\d.,/-])(\d{1,2})(?:\s?([/.])\s?|(-))(\d{1,2})(?:\s?\2\s?|\3)(\d{4}(?=\d{1,2}:\d\d)|\d{2}(?=\d{1,2}:\d\d)|(?:\d{4}|\d{2})(?!\d))"
)
_RE_DMY_NAME = re.compile(
    r"(?<![\d])(\d{1,2})(?:st|nd|rd|th|er|e|\.)?[\s\-/.]*("
    + _MONTH_RE
    + r")\.?(?![a-z])[\s\-/.,']*(\d{4}|\d{2})(?![\d])"
)
_RE_MDY_NAME = re.compile(
    r"(?<![a-z])("
    + _MONTH_RE
    + r")\.?[\s\-/.]*(\d{1,2})(?:st|nd|rd|th)?(?![\d])[\s,.\-/']*(\d{4}|\d{2})(?![\d])"
)
_HAS_NUM_DATE = re.compile(r"\d\s?[-/.]\s?\d")
_RE_COMPACT = re.compile(r"(?<![\d])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\d])")
_RE_COMPACT_DMY = re.compile(
    r"(?<![\d])(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])((?:19[5-9]|20[0-3])\d)(?![\d])"
)


@dataclass(slots=True)
class DateMatch:
    start: int
    end: int
    text: str
    year: int
    first: int  # for numeric d/m forms: the first number, else the day
    second: int  # the second number, else the month
    kind: str  # "iso", "numeric", "name", "compact"

    @property
    def ambiguous(self) -> bool:
        return (
            self.kind == "numeric"
            and self.first <= 12
            and self.second <= 12
            and self.first != self.second
        )

    def resolve(self, order: str = "dmy") -> date | None:
        """The calendar date, reading numeric forms day-first ("dmy") or month-first ("mdy")."""
        if self.kind == "numeric":
            a, b = self.first, self.second
            if a > 12 and b <= 12:
                d, m = a, b
            elif (b > 12 and a <= 12) or order == "mdy":
                d, m = b, a
            else:
                d, m = a, b
        else:
            d, m = self.first, self.second
        try:
            return date(self.year, m, d)
        except ValueError:
            return None

    def iso(self, order: str = "dmy") -> str | None:
        d = self.resolve(order)
        return d.isoformat() if d else None

    def alternatives(self) -> list[str]:
        out = []
        for order in ("dmy", "mdy"):
            v = self.iso(order)
            if v and v not in out:
                out.append(v)
        return out


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 2000 if y < 70 else 1900
    return y


def _plausible(year: int) -> bool:
    return 1900 <= year <= 2100


def find_dates(text: str) -> list[DateMatch]:
    """All dates printed in ``text`` (any common form, EN/FR/DE/ES/IT/NL month names)."""
    low = fold(text)
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], year: str, first: int, second: int, kind: str) -> None:
        s, e = m.start(), m.end()
        if any(s < te and ts < e for ts, te in taken):
            return
        y = _year(year)
        if not _plausible(y):
            return
        dm = DateMatch(s, e, text[s:e].strip(), y, first, second, kind)
        if dm.resolve("dmy") is None and dm.resolve("mdy") is None:
            return
        taken.append((s, e))
        found.append(dm)

    for m in _RE_ISO.finditer(low):
        if len(m.group(1)) == 4:
            add(m, m.group(1), int(m.group(4)), int(m.group(3)), "iso")
    for m in _RE_DMY_NAME.finditer(low):
        add(m, m.group(3), int(m.group(1)), _MONTHS[m.group(2)], "name")
    for m in _RE_MDY_NAME.finditer(low):
        add(m, m.group(3), int(m.group(2)), _MONTHS[m.group(1)], "name")
    for m in _RE_NUM.finditer(low):
        add(m, m.group(5), int(m.group(1)), int(m.group(4)), "numeric")
    for m in _RE_COMPACT.finditer(low):
        add(m, m.group(1), int(m.group(3)), int(m.group(2)), "compact")
    for m in _RE_COMPACT_DMY.finditer(low):
        add(m, m.group(3), int(m.group(1)), int(m.group(2)), "compact")
    found.sort(key=lambda d: d.start)
    return found


def date_order(texts: list[str]) -> str:
    """Day/month order shown by a document: "mdy" only when it prints an unambiguous m/d date."""
    dmy = mdy = 0
    for t in texts:
        if not _HAS_NUM_DATE.search(t):
            continue
        for m in _RE_NUM.finditer(t):
            a, b = int(m.group(1)), int(m.group(4))
            if a > 12 >= b >= 1:
                dmy += 1
            elif b > 12 >= a >= 1 and b <= 31:
                mdy += 1
    return "mdy" if mdy > dmy else "dmy"


def parse_date(text: str, order: str = "dmy") -> str | None:
    """ISO form of the first date in ``text``, or None."""
    for d in find_dates(text):
        v = d.iso(order)
        if v:
            return v
    return None


# --------------------------------------------------------------------------- currencies

CURRENCY_SYMBOLS: dict[str, str] = {
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
    "₱": "PHP",
    "฿": "THB",
    "₫": "VND",
    "$": "USD",
    "us$": "USD",
    "s$": "SGD",
    "a$": "AUD",
    "au$": "AUD",
    "c$": "CAD",
    "ca$": "CAD",
    "nz$": "NZD",
    "hk$": "HKD",
    "r$": "BRL",
    "rm": "MYR",
    "fr.": "CHF",
    "sfr": "CHF",
    "zł": "PLN",
    "kč": "CZK",
    "rp": "IDR",
}

_ISO_4217 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP "
    "GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR "
    "KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK "
    "MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR "
    "SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH "
    "UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW"
)
ISO_CURRENCIES = frozenset(_ISO_4217.split())

_CURRENCY_WORDS = {
    "euro": "EUR",
    "euros": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "ringgit": "MYR",
    "pound": "GBP",
    "pounds": "GBP",
    "franken": "CHF",
}

_RE_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
_RE_SYMBOL = re.compile(
    r"(US\$|S\$|AU?\$|CA?\$|NZ\$|HK\$|R\$|[€£¥₹₩₽₺₪₱฿₫$]|(?<![A-Za-z])RM(?![A-Za-z])|(?<![A-Za-z])Fr\.|(?<![A-Za-z])SFr|zł|Kč|(?<![A-Za-z])Rp(?![A-Za-z]))",
    re.IGNORECASE,
)


def find_currency(text: str) -> str | None:
    """The ISO 4217 code of the currency printed in ``text`` (code, symbol or word)."""
    for m in _RE_CODE.finditer(text):
        if m.group(1) in ISO_CURRENCIES:
            return m.group(1)
    m = _RE_SYMBOL.search(text)
    if m:
        return CURRENCY_SYMBOLS.get(m.group(1).lower())
    for t in tokens(text):
        if t in _CURRENCY_WORDS:
            return _CURRENCY_WORDS[t]
    return None


def currency_code(text: str) -> str | None:
    """Normalise a currency as printed ("€", "eur", "RM", "Euro") to its ISO code."""
    t = text.strip()
    if t.upper() in ISO_CURRENCIES:
        return t.upper()
    return find_currency(t) or find_currency(t.upper())


# --------------------------------------------------------------------------- amounts

_RE_AMOUNT = re.compile(
    r"(?P<neg1>\(|-\s?|−\s?)?"
    r"(?P<num>\d{1,3}(?:[ \u00a0\u202f]\d{3})+,\d{1,3}"
    r"|\d{1,3}(?:[\u00a0\u202f]\d{3})+(?:[.,]\d{1,4})?"
    r"|\d{1,3}(?:(?P<th>[,.'’])\d{3})(?:(?P=th)\d{3})*(?:[.,]\d{1,4})?"
    r"|\d+(?:[.,]\d{1,4})?"
    r"|[.,]\d{1,2})(?!\d)"
    r"(?P<neg2>\)|-(?![\d\w]))?"
)


@dataclass(slots=True)
class AmountMatch:
    start: int
    end: int
    text: str
    value: float
    decimals: int  # digits after the decimal separator (0 when none)
    currency: str | None = None


def parse_number_text(num: str, decimal: str | None = None) -> tuple[float, int] | None:
    """Parse a digit string with separators; returns (value, decimal digits)."""
    s = num.strip()
    if s.isdigit():
        return float(s), 0
    s = s.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")
    if not s:
        return None
    seps = [c for c in s if not c.isdigit()]
    if not seps:
        return float(s), 0
    last = max(s.rfind(","), s.rfind("."))
    tail = s[last + 1 :]
    kinds = set(seps)
    dec_char: str | None
    if len(kinds) > 1:
        dec_char = s[last]
    else:
        c = seps[0]
        if c in " '":
            dec_char = None
        elif len(seps) > 1:
            dec_char = None  # repeated separator: thousands grouping
        elif len(tail) != 3:
            dec_char = c
        elif decimal is not None:
            dec_char = c if c == decimal else None
        else:
            head = s[:last]
            # "0,750" or "1.250" with a 1-digit lead could be either; a leading zero
            # can only be a decimal.
            dec_char = c if head in ("", "0") else None
    if dec_char is None:
        digits = "".join(c for c in s if c.isdigit())
        return (float(digits), 0) if digits else None
    cut = s.rfind(dec_char)
    int_part = "".join(c for c in s[:cut] if c.isdigit())
    frac = "".join(c for c in s[cut + 1 :] if c.isdigit())
    try:
        return float(f"{int_part or '0'}.{frac or '0'}"), len(frac)
    except ValueError:
        return None


# A whole text that is one plain number whose reading does not depend on the document's
# decimal convention (no digit group before a 3-digit tail): table cells mostly are. Read
# at once, with exactly the value and decimals the general path below gives it.
_SIMPLE_AMOUNT = re.compile(
    r"\d+(?:[.,]\d{1,2})?|\d{1,3}(?:,\d{3})+\.\d{1,2}|\d{1,3}(?:\.\d{3})+,\d{1,2}"
)


def _simple_amount(text: str) -> AmountMatch | None:
    if not text.isascii() or _SIMPLE_AMOUNT.fullmatch(text) is None:
        return None
    if text.isdigit():
        return AmountMatch(0, len(text), text, float(text), 0)
    last = max(text.rfind(","), text.rfind("."))
    int_part = text[:last].replace(",", "").replace(".", "")
    frac = text[last + 1 :]
    return AmountMatch(0, len(text), text, float(f"{int_part}.{frac}"), len(frac))


def find_amounts(text: str, decimal: str | None = None) -> list[AmountMatch]:
    """Numbers with an optional sign and currency in ``text``, left to right."""
    if len(text) <= 16 and text[:1].isdigit():
        simple = _simple_amount(text)
        if simple is not None:
            return [simple]
    out: list[AmountMatch] = []
    for m in _RE_AMOUNT.finditer(text):
        num = m.group("num")
        parsed = parse_number_text(num, decimal)
        if parsed is None:
            continue
        value, decs = parsed
        start, end = m.start(), m.end()
        if start > 0 and text[start - 1].isalpha() and not m.group("neg1"):
            # glued to letters ("A123", "INV2017"): a code, unless the letters are a currency
            j = start
            while j > 0 and text[j - 1].isalpha():
                j -= 1
            prefix = text[j:start]
            known = prefix.upper() in ISO_CURRENCIES or prefix.lower() in CURRENCY_SYMBOLS
            # OCR often garbles a glued currency ("PM1.00" for "RM1.00"): keep a priced number
            if not known and not (len(prefix) <= 3 and re.search(r"[.,]\d\d$", num)):
                continue
        if end < len(text) and text[end].isdigit():
            continue
        # parts of times and dates ("21:51", "30/04"), not amounts
        if (start > 1 and text[start - 1] in ":/" and text[start - 2].isdigit()) or (
            end + 1 < len(text) and text[end] in ":/" and text[end + 1].isdigit()
        ):
            continue
        # "11.09.2018", "1.2.3": a date or version, not an amount
        if (end + 1 < len(text) and text[end] in ".," and text[end + 1].isdigit()) or (
            start > 1 and text[start - 1] == "." and text[start - 2].isdigit()
        ):
            continue
        n1 = m.group("neg1")
        if n1 and n1.strip() in "-−" and start > 0 and text[start - 1].isalnum():
            # "2017-05", "A-12": a hyphen inside a code, not a minus sign
            start += len(n1)
            n1 = None
        neg = bool(n1 and (n1.strip() in "-−" or m.group("neg2") == ")")) or (
            m.group("neg2") == "-"
        )
        if n1 == "(" and m.group("neg2") != ")":
            neg = False
            start += 1
        if neg:
            value = -value
        out.append(AmountMatch(start, end, text[start:end].strip(), value, decs))
    if out and not _PLAIN_NUMBER.match(text):
        cur = find_currency(text)
        for a in out:
            a.currency = cur
    return out


_PLAIN_NUMBER = re.compile(r"^[\d\s.,'()+-]*$")
_RE_PERCENT = re.compile(r"%|\bpct\b|\bpercent\b", re.IGNORECASE)


def parse_amount(text: str, decimal: str | None = None) -> float | None:
    """The amount printed in ``text``: the last number that is not a percentage."""
    best = None
    for a in find_amounts(text, decimal):
        tail = text[a.end : a.end + 3]
        if _RE_PERCENT.match(tail.strip()[:1] or " "):
            continue
        best = a
    return best.value if best else None


def decimal_convention(texts: list[str]) -> str | None:
    """ "," or "." when the document shows which one separates decimals, else None."""
    comma = dot = 0
    pat = re.compile(r"\d[.,]\d{2}(?!\d)")
    for t in texts:
        for m in pat.finditer(t):
            if "," in m.group(0):
                comma += 1
            else:
                dot += 1
    if comma > dot * 2:
        return ","
    if dot > comma * 2:
        return "."
    return None


def parse_integer(text: str) -> int | None:
    for a in find_amounts(text):
        if a.value == int(a.value):
            return int(a.value)
        return None
    return None


# --------------------------------------------------------------------------- booleans

_TRUE = {
    "yes",
    "y",
    "true",
    "oui",
    "ja",
    "si",
    "x",
    "checked",
    "1",
    "on",
    "vrai",
    "wahr",
    "✓",
    "✔",
    "☑",
    "☒",
}
_FALSE = {"no", "n", "false", "non", "nein", "0", "off", "faux", "falsch", "☐", "unchecked", "none"}


def parse_bool(text: str) -> bool | None:
    t = fold(text).strip(" .:;-–")
    if t in _TRUE or text.strip() in _TRUE:
        return True
    if t in _FALSE or text.strip() in _FALSE:
        return False
    return None


# --------------------------------------------------------------------------- identifiers

RE_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
RE_PHONE = re.compile(r"(?<![\w])(\+?\(?\d[\d\s().\-/]{6,18}\d)(?![\w])")
RE_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{1,4}){3,8})\b")
RE_VAT = re.compile(
    r"\b(ATU\d{8}|BE[01]\d{9}|DE\d{9}|FR[0-9A-Z]{2}\d{9}|GB\d{9}(?:\d{3})?|IT\d{11}|ES[0-9A-Z]\d{7}[0-9A-Z]"
    r"|NL\d{9}B\d{2}|CHE[-\s.]?\d{3}[.\s]?\d{3}[.\s]?\d{3}|[A-Z]{2}[0-9A-Z]{8,12})\b"
)
RE_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def find_email(text: str) -> str | None:
    m = RE_EMAIL.search(text)
    return m.group(0) if m else None


def find_phone(text: str) -> str | None:
    for m in RE_PHONE.finditer(text):
        cand = m.group(1).strip()
        digits = re.sub(r"\D", "", cand)
        if 7 <= len(digits) <= 15 and not find_dates(cand):
            return cand
    return None


def iban_valid(iban: str) -> bool:
    s = re.sub(r"\s", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", s):
        return False
    r = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in r)
    return int(num) % 97 == 1


def find_iban(text: str) -> str | None:
    up = text.upper()
    for m in RE_IBAN.finditer(up):
        cand = re.sub(r"\s", "", m.group(1))
        # the greedy group may run into the next word: trim until the checksum holds
        for end in range(len(cand), 13, -1):
            if iban_valid(cand[:end]):
                return cand[:end]
    return None


def find_vat_id(text: str) -> str | None:
    for m in RE_VAT.finditer(text.upper()):
        cand = m.group(1)
        if any(c.isdigit() for c in cand) and not iban_valid(cand):
            return re.sub(r"[\s.]", "", cand)
    return None
