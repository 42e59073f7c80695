"""Typed values: text folding and tokens, dates, amounts and currencies, identifiers.

Owns reading a value's text into its type (``find_*`` return matches with their character
spans; ``parse_*`` the value alone). Plain functions on strings, the bottom layer next to
``types``: may import nothing from the engine. A new language's month names go into ``dates``,
its currency words into ``amounts``.
"""
