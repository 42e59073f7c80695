"""Amounts and currencies as printed: numbers with thousands and decimal separators of any
convention, signs and parentheses, currency codes, symbols and words.

``find_amounts`` returns every number in a text with its character span; ``decimal_convention``
tells from a document's lines whether "," or "." separates its decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .text import tokens

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
    "rs": "INR",  # the rupee sign as typed ("Rs. 147.00"): India's, by far the most printed
    "rs.": "INR",
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
    r"(US\$|S\$|AU?\$|CA?\$|NZ\$|HK\$|R\$|[€£¥₹₩₽₺₪₱฿₫$]|(?<![A-Za-z])RM(?![A-Za-z])|(?<![A-Za-z])Fr\.|(?<![A-Za-z])SFr|zł|Kč|(?<![A-Za-z])Rp(?![A-Za-z])|(?<![A-Za-z])Rs\.?(?![A-Za-z]))",
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


def printed_codes(text: str) -> set[str]:
    """The ISO 4217 codes printed in ``text`` as words of their own ("USD", "(EUR)")."""
    return {m.group(1) for m in _RE_CODE.finditer(text)} & ISO_CURRENCIES


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


# Table cells repeat the same few strings page after page ("1", "18.50", "Stk"), and a table's
# column readings ask about each cell several times: the answers are kept per string.
@lru_cache(maxsize=8192)
def last_amount(text: str, decimal: str | None = None) -> float | None:
    """The value of the last amount in ``text`` (``find_amounts``), None when it has none."""
    found = find_amounts(text, decimal)
    return found[-1].value if found else None


@lru_cache(maxsize=8192)
def has_amount(text: str) -> bool:
    """Whether ``text`` holds an amount (``find_amounts``)."""
    return bool(find_amounts(text))
