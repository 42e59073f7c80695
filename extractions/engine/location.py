"""The location step: a citation and a confidence for every non-null value of the result.

The parsing step cites what it finds; a value it left uncited is searched for on the pages by
its text, and if it cannot be found it is cited as the whole first page with a low
confidence rather than left without evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .types import Citation, FillResult, PageContent

# A value nobody could point at on the page is shown to reviewers as doubtful.
UNLOCATED_CONFIDENCE = 0.2
DEFAULT_CONFIDENCE = 0.5


def leaf_paths(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every non-null leaf, paths like ``a.b``, ``lines[2].amount``, ``[0].x``."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaf_paths(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from leaf_paths(value, f"{prefix}[{i}]")
    elif data is not None:
        yield prefix, data


def _collect_leaves(data: Any, prefix: str, out: list[tuple[str, Any]]) -> None:
    """leaf_paths into a list: no generator chain per nesting level (tables have
    thousands of leaves)."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, (dict, list)):
                _collect_leaves(value, path, out)
            elif value is not None:
                out.append((path, value))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            path = f"{prefix}[{i}]"
            if isinstance(value, (dict, list)):
                _collect_leaves(value, path, out)
            elif value is not None:
                out.append((path, value))
    elif data is not None:
        out.append((prefix, data))


def locate(
    filled: FillResult, pages: list[PageContent]
) -> tuple[dict[str, Citation], dict[str, float]]:
    """Citations and confidences for exactly the non-null leaves of ``filled.data``.

    fill_schema cites what it finds; a leaf it left uncited is searched for on the
    pages by its text, and if it cannot be found it is cited as the whole first
    page with a low confidence rather than left without evidence.
    """
    citations: dict[str, Citation] = {}
    confidence: dict[str, float] = {}
    index: _WordIndex | None = None
    leaves: list[tuple[str, Any]] = []
    _collect_leaves(filled.data, "", leaves)
    for path, value in leaves:
        cit = filled.citations.get(path)
        conf = filled.confidence.get(path)
        if cit is None:
            if index is None:
                index = _WordIndex(pages)
            cit = index.find(value)
            if cit is None:
                first = pages[0].number if pages else 1
                cit = Citation(page=first, bbox=(0.0, 0.0, 1.0, 1.0), text="")
                conf = min(conf if conf is not None else UNLOCATED_CONFIDENCE, UNLOCATED_CONFIDENCE)
        citations[path] = cit
        c = conf if conf is not None else DEFAULT_CONFIDENCE
        c = c if c > 0.0 else 0.0  # = min(1.0, max(0.0, c)), NaN included
        confidence[path] = float(c if c < 1.0 else 1.0)
    return citations, confidence


class _WordIndex:
    """Finds a value's printed text among the page words (case/punctuation-insensitive)."""

    def __init__(self, pages: list[PageContent]) -> None:
        self.pages = pages

    @staticmethod
    def _norm(text: str) -> str:
        return "".join(ch for ch in text.casefold() if ch.isalnum())

    def find(self, value: Any) -> Citation | None:
        if isinstance(value, bool):
            return None
        target = self._norm(str(value))
        if not target:
            return None
        for page in self.pages:
            words = page.words
            normed = [self._norm(w.text) for w in words]
            for i in range(len(words)):
                if not normed[i] or not target.startswith(normed[i]):
                    continue
                acc = ""
                for j in range(i, min(len(words), i + 30)):
                    acc += normed[j]
                    if acc == target:
                        span = words[i : j + 1]
                        return Citation(
                            page=page.number,
                            bbox=(
                                min(w.x0 for w in span),
                                min(w.y0 for w in span),
                                max(w.x1 for w in span),
                                max(w.y1 for w in span),
                            ),
                            text=" ".join(w.text for w in span),
                        )
                    if not target.startswith(acc):
                        break
        return None
