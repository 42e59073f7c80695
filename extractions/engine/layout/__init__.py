"""Page layout: words -> lines -> segments -> blocks in reading order (``lines``), and the
analysed pages of one document with its conventions, day/month order and decimal separator
(``index.DocIndex``).

May import ``lexicon`` (OCR label-word repair), ``values`` and ``types``; knows nothing of
fields, tables or schemas.
"""
