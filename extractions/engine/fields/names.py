"""OCR repairs of a company name that only its legal suffix and trade words justify.

"SDN BND" -> "SDN BHD", "5/B" -> "S/B", "SANYUSTATIONERYSHOP" -> "SANYU STATIONERY SHOP",
"HARDWAKE" -> "HARDWARE":
receipts scanned in Malaysia print these suffixes and shop words on nearly every name.
"""

from __future__ import annotations

import re

# OCR misreadings of the Malaysian legal suffix "Sdn Bhd" ("Sn Bhd", "SDN BND", "5DN BHD",
# "SON BHO", "SDN DHD"): read only at the very end of a company name, where nothing else fits.
_SDN_BHD = re.compile(
    r"(?<![\w/])(?P<sdn>sdn|sn|5dn|son|sdm|sd|s0n|sin)(?P<dot1>\.?)\s*"
    r"(?P<bhd>bhd|bnd|bho|bh0|8hd|bhb|bhu|dhd|bd|hd)(?P<dot2>\.?)(?P<tail>\s*\)?\s*)$",
    re.I,
)
# "5/B" for "S/B" (Sendirian Berhad), and either glued to the word before it ("28S/B").
_S_B = re.compile(r"(?<![\w/])(?P<pre>\w*?)(?P<s>[s5])/(?P<b>[b8])(?P<tail>\.?\s*\)?\s*)$", re.I)
# Business words of shop names: a long token made of them lost its spaces in OCR
# ("SANYUSTATIONERYSHOP"). Longest first, so "supermarket" wins over "market".
TRADE_WORDS = sorted(
    [
        "stationery", "bookstore", "bookshop", "supermarket", "restaurant", "enterprises",
        "enterprise", "trading", "hardware", "pharmacy", "bakeries", "bakery", "florist",
        "services", "industries", "holdings", "marketing", "electrical", "furniture",
        "minimarket", "market", "station", "store", "shop", "mart", "cafe", "coffee", "kitchen",
        "food", "foods", "centre", "center",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_GLUED_MIN = 12  # shorter tokens are plausibly one word ("workshop", "hypermarket")


# Words that say what kind of business it is, not which one: a line of only these
# ("BISTRO & CAFE" under "THREE STOOGES") describes the name above it
DESCRIPTOR_WORDS = frozenset(TRADE_WORDS) | {
    "bistro", "bar", "grill", "pub", "deli", "diner", "canteen", "boutique", "salon", "and",
    "restoran", "kedai", "kopitiam", "clinic", "hotel", "the",
}  # fmt: skip


def _split_glued(token: str) -> str:
    """``SANYUSTATIONERYSHOP`` -> ``SANYU STATIONERY SHOP``: trade words peeled off the end."""
    if len(token) < _GLUED_MIN or not token.isalpha():
        return token
    parts: list[str] = []
    rest = token
    while True:
        low = rest.lower()
        for word in TRADE_WORDS:
            if low.endswith(word) and len(rest) - len(word) >= 3:
                parts.insert(0, rest[-len(word) :])
                rest = rest[: -len(word)]
                break
        else:
            break
    if not parts:
        return token
    return " ".join([rest, *parts])


_LONG_TRADE = {w for w in TRADE_WORDS if len(w) >= 7}
_WORD = re.compile(r"[A-Za-z]{7,}")


def _trade_word(m: re.Match[str]) -> str:
    """``HARDWAKE`` -> ``HARDWARE``: one letter misread in a long trade word."""
    token = m.group(0)
    low = token.lower()
    if low in _LONG_TRADE:
        return token
    for word in _LONG_TRADE:
        if len(word) != len(low):
            continue
        diff = [(a, b) for a, b in zip(word, low, strict=True) if a != b]
        # a vowel for a vowel is how languages inflect the word ("INDUSTRIAS"), not OCR
        if len(diff) == 1 and not (diff[0][0] in "aeiouy" and diff[0][1] in "aeiouy"):
            return word.upper() if token.isupper() else word.capitalize()
    return token


def repair_name(text: str) -> str:
    """OCR repairs of a company name that only its legal suffix and trade words justify."""
    text = re.sub(r"(?<=[A-Za-z])_(?=[A-Za-z])", " ", text)  # "AIK_HUAT": a space read as _
    text = " ".join(_split_glued(t) for t in text.split(" "))
    text = _WORD.sub(_trade_word, text)

    def sdn(m: re.Match[str]) -> str:
        if m.group("sdn").lower() != "sdn" and m.group("bhd").lower() != "bhd":
            return m.group(0)  # one misread word is evidence enough, two are not
        upper = m.group("sdn").isupper() or m.group("bhd").isupper()
        core = ("SDN" if upper else "Sdn") + m.group("dot1") + " "
        core += ("BHD" if upper else "Bhd") + m.group("dot2")
        return core + m.group("tail")

    text = _SDN_BHD.sub(sdn, text)

    def sb(m: re.Match[str]) -> str:
        pre = m.group("pre")
        s_b = ("S" if m.group("s") != "s" else "s") + "/" + ("B" if m.group("b") != "b" else "b")
        return (pre + " " if pre else "") + s_b + m.group("tail")

    return _S_B.sub(sb, text)
