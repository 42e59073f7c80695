"""Typed values: text folding and tokens, dates, amounts and currencies, identifiers.

Owns reading a value's text into its type (``find_*`` return matches with their character
spans; ``parse_*`` the value alone). Plain functions on strings: imports nothing from the
engine (the bottom layer, next to ``types``).
"""
