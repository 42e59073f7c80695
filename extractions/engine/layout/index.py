"""The analysed pages of one document and its document-wide conventions (day/month order,
decimal separator), learnt once from its first pages."""

from __future__ import annotations

from collections.abc import Iterator

from ..types import PageContent
from ..values.amounts import decimal_convention
from ..values.dates import date_order
from .lines import Line, PageLayout, analyze_page

# How many pages document-wide conventions are learnt from (cheap on long documents).
_CONVENTION_PAGES = 3


class DocIndex:
    """Every page of a document analysed (``layouts``, in page order), and its conventions."""

    def __init__(self, pages: list[PageContent]) -> None:
        self.pages = pages
        self.layouts = [analyze_page(p) for p in pages]
        self._position = {id(lay): i for i, lay in enumerate(self.layouts)}
        self._order: str | None = None
        self._decimal: str | bool | None = False

    def position(self, layout: PageLayout) -> int:
        """Index of ``layout`` among the document's pages (by identity, O(1))."""
        return self._position[id(layout)]

    def lines(self) -> Iterator[tuple[PageLayout, Line]]:
        for lay in self.layouts:
            for ln in lay.lines:
                yield lay, ln

    @property
    def order(self) -> str:
        if self._order is None:
            texts = [ln.text for lay in self.layouts[:_CONVENTION_PAGES] for ln in lay.lines]
            self._order = date_order(texts)
        return self._order

    @property
    def decimal(self) -> str | None:
        if self._decimal is False:
            texts = [ln.text for lay in self.layouts[:_CONVENTION_PAGES] for ln in lay.lines]
            self._decimal = decimal_convention(texts)
        return self._decimal  # type: ignore[return-value]
