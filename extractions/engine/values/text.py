"""Text folding and tokens: the forms in which labels, names and printed words are compared,
and yes/no values.

``fold`` lower-cases and strips accents; ``tokens`` cuts folded text into words of letters and
digits. ``fold_same_length`` keeps one character per character, so offsets into the folded
text stay offsets into the original (what page lines are matched on).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

# --------------------------------------------------------------------------- folding


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class _TranslateTable(dict):  # type: ignore[type-arg]
    """A ``str.translate`` table filled on first sight: code point -> ``fold_one`` of its
    character."""

    def __init__(self, fold_one: Callable[[str], str]) -> None:
        super().__init__()
        self.fold_one = fold_one

    def __missing__(self, code: int) -> str:
        out = self.fold_one(chr(code))
        self[code] = out
        return out


# each character -> lower case without accents (may be longer or empty: "ß", "½")
_FOLD_TABLE = _TranslateTable(lambda c: _without_accents(c).lower())


def fold(text: str) -> str:
    """Lower-case, accents removed: the form used to compare labels and names."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


def _fold_char(c: str) -> str:
    """One character for one: lower case without accents, or the lower-cased character."""
    base = _without_accents(c)
    return base[0].lower() if len(base) == 1 else c.lower()[:1] or c


_SAME_LENGTH_FOLD_TABLE = _TranslateTable(_fold_char)


def fold_same_length(text: str) -> str:
    """Lower case without accents, one character per character (offsets stay valid)."""
    if text.isascii():
        return text.lower()
    return text.translate(_SAME_LENGTH_FOLD_TABLE)


# --------------------------------------------------------------------------- tokens

_NON_WORD = re.compile(r"[^0-9a-zß]+")


def tokens(text: str) -> list[str]:
    if len(text) <= 80:
        return list(_tokens_cached(text))
    return [t for t in _NON_WORD.split(fold(text)) if t]


@lru_cache(maxsize=32768)
def _tokens_cached(text: str) -> tuple[str, ...]:
    return tuple(t for t in _NON_WORD.split(fold(text)) if t)


def token_set(texts: list[str]) -> set[str]:
    """The tokens of all ``texts`` as one set (what ``tokens`` gives each of them, together).

    ``tokens`` folds character by character and splits at anything that is not a letter or
    a digit, so the texts are folded and split at once instead of one by one.
    """
    out = set(_NON_WORD.split(fold(" ".join(texts))))
    out.discard("")
    return out


def norm_text(text: str) -> str:
    """Case, whitespace and punctuation insensitive form (for text comparison)."""
    return " ".join(tokens(text))


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def name_tokens(name: str) -> list[str]:
    """``invoiceNumber`` / ``invoice_number`` / ``Invoice number`` -> ["invoice", "number"]."""
    return tokens(_CAMEL.sub(" ", name))


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
