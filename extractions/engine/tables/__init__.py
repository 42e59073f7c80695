"""Tables: which column a printed header names and what an item schema's properties are
matched to (``headers``), finding header rows and reading the rows below them into items
(``rows``), on ruled and unruled tables, across pages.

May import ``layout``, ``lexicon``, ``values`` and ``types``. A new table rule (a stop line, a
column heuristic) goes into ``rows``; new header words into ``lexicon.columns``.
"""
