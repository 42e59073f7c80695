"""Forms (FUNSD-style): key/value pairs, a printed label and the value filled in next to it.

``units`` cuts a page into label- or value-like runs of words, ``placement`` says where an
answer sits relative to its label, ``grid`` reads grids of column labels over values, and
``pairs`` decides keys and values (``extract_pairs``) and fills ``{key, value}`` schema
arrays. May import ``layout`` and ``types`` only.
"""
