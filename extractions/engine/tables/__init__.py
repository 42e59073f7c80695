"""Tables: which column a printed header names and what an item schema's properties are
matched to (``headers``), finding header rows and reading the rows below them into items
(``rows``), on ruled and unruled tables, across pages: a body line's words per column
(``cells``), lines grouped into rows (``grouping``), and which column is which once the cells
are read, by their contents and the quantity x price = amount self-check (``reading``); item
rows printed with no header line right above the totals (``headerless``), read only when no
headed table is found.

May import ``layout``, ``lexicon``, ``values`` and ``types``. A new table rule (a stop line, a
column heuristic) goes into ``rows``; new header words into ``lexicon.columns``.
"""
