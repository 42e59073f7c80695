"""Text folding and tokens: the forms in which labels, names and printed words are compared,
and yes/no values.

``fold`` lower-cases and strips accents; ``tokens`` cuts folded text into words of letters and
digits. ``fold_same_length`` keeps one character per character, so offsets into the folded
text stay offsets into the original (what page lines are matched on).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# --------------------------------------------------------------------------- folding


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


_FOLD_CHAR_CACHE: dict[str, str] = {}


def _fold_char(c: str) -> str:
    f = _FOLD_CHAR_CACHE.get(c)
    if f is None:
        d = unicodedata.normalize("NFKD", c)
        base = "".join(x for x in d if not unicodedata.combining(x))
        f = base[0].lower() if len(base) == 1 else c.lower()[:1] or c
        _FOLD_CHAR_CACHE[c] = f
    return f


class _SameLengthFoldTable(dict):  # type: ignore[type-arg]
    """code point -> folded character, filled on first sight (for ``str.translate``)."""

    def __missing__(self, key: int) -> str:
        f = _fold_char(chr(key))
        self[key] = f
        return f


_SAME_LENGTH_FOLD_TABLE = _SameLengthFoldTable()


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
