"""JSON from clients, parsed only when it is of a sane shape.

Python's ``json`` decoder recurses once per nesting level: 5,000 nested arrays raised
``RecursionError`` (a 500) on every JSON endpoint, unauthenticated ``/v1/auth/token`` included,
and a few hundred levels that did parse broke the recursive code after it (validation,
fingerprints, storage). So nesting is measured on the raw text first, in C-speed passes (no
Python loop per character), and anything deeper than ``MAX_JSON_DEPTH`` is refused before the
decoder or any view sees it. Nothing we accept needs more than ~20 levels (a schema of 5 field
levels, a review output, metadata).

``loads`` is the one way to parse client JSON: the API's bodies (``BodyGuardMiddleware``),
multipart fields that carry JSON (``metadata``) and the dashboard's JSON inputs.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
from typing import Any

MAX_JSON_DEPTH = 64

# A JSON string (unrolled: linear, no nested quantifier over an alternation).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
# Openers count 2 and closers 0: the depth after n brackets is (their sum) - n.
_WEIGHTS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


class JSONTooDeep(ValueError):
    """Nested deeper than allowed (a ValueError, like any other unparsable JSON)."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON nested deeper than {max_depth} levels.")
        self.max_depth = max_depth


def nesting_exceeds(data: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays/objects in ``data`` nest deeper than ``max_depth`` (brackets inside
    strings do not count). Malformed text is left to the decoder to report."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False  # cannot be deeper than the number of openers
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if len(brackets) <= max_depth:
        return False
    depths = map(
        operator.sub,
        itertools.accumulate(brackets.translate(_WEIGHTS)),
        range(1, len(brackets) + 1),
    )
    return any(map(max_depth.__lt__, depths))


def loads(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that raises ``JSONTooDeep`` (a ``ValueError``) instead of recursing
    without bound."""
    if nesting_exceeds(data, max_depth):
        raise JSONTooDeep(max_depth)
    try:
        return json.loads(data)
    except RecursionError:  # only reachable with a max_depth near the interpreter's limit
        raise JSONTooDeep(max_depth) from None
