"""Customers' regular expressions (a schema field's ``pattern``), run in bounded time.

A pattern comes from any member of an organization and runs on values from documents and
reviewers, in web processes and workers. Python's ``re`` backtracks: ``^(a+)+$`` on 28
characters held a web worker for 12.7 s, doubling with each character. RE2 (``google-re2``)
matches in time linear in the value, with memory bounded per pattern, by leaving out what
needs backtracking (back-references, look-around, possessive and atomic groups). So:

- a schema is refused at save when its pattern is one RE2 cannot express
  (``pattern_problem``: the reason, for a 400 that names the field);
- every match (the engine, review) goes through ``search`` here, on RE2 only, and on values
  of at most ``MAX_MATCHED_LENGTH`` characters.

Plain Python (no Django): the engine, ``parsers.schema`` and ``extractions.services`` use it.
"""

from __future__ import annotations

import functools

import re2

MAX_PATTERN_LENGTH = 1000
# Longer values never match a pattern (a field value; the cap bounds the work of one match).
MAX_MATCHED_LENGTH = 10_000
# RE2's own budget for one compiled pattern (its default is 8 MiB); larger ones do not compile.
_MAX_PATTERN_MEMORY = 2 * 1024 * 1024

_UNSUPPORTED_HINT = (
    "patterns run on RE2, which has no back-references, look-ahead/look-behind, possessive "
    "or atomic groups; write \\z for the end of the text"
)


class PatternError(ValueError):
    """A pattern that cannot be run in bounded time; the message says why."""


def _options() -> re2.Options:
    options = re2.Options()
    options.max_mem = _MAX_PATTERN_MEMORY
    options.log_errors = False  # a refused pattern is the customer's input, not our error
    return options


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re2._Regexp:
    """The compiled pattern, or ``PatternError``."""
    if not isinstance(pattern, str):
        raise PatternError("A pattern must be a string.")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"A pattern is at most {MAX_PATTERN_LENGTH} characters.")
    try:
        return re2.compile(pattern, options=_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else ""
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(
            f"Unsupported regular expression ({reason or 'invalid'}): {_UNSUPPORTED_HINT}."
        ) from None


def pattern_problem(pattern: object) -> str | None:
    """Why ``pattern`` cannot be used, or None when it can."""
    try:
        compile_pattern(pattern)  # type: ignore[arg-type]
    except PatternError as exc:
        return str(exc)
    except TypeError:  # unhashable: not a string at all
        return "A pattern must be a string."
    return None


def search(pattern: str, value: str) -> bool | None:
    """Whether ``pattern`` occurs in ``value`` (JSON Schema's unanchored match); False for a
    value longer than ``MAX_MATCHED_LENGTH``. None for a pattern RE2 cannot run (one saved
    before patterns were checked): the caller decides what an unknown answer means to it.
    """
    if len(value) > MAX_MATCHED_LENGTH:
        return False
    try:
        compiled = compile_pattern(pattern)
    except PatternError:
        return None
    return compiled.search(value) is not None
