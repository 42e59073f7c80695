"""Fields with one value: what a schema field means (``meanings``: its concept, from its name,
title, description and aliases), finding printed labels and the value next to them
(``finders``), the scalar finders per kind of field (``scalars``: totals, amounts, dates,
ids, currency, enums, patterns, unknown fields), any field matched to printed labels by the
senses of its words (``matching``) and chosen among its candidates by a learned model
(``ranker``), and the issuer's name and address and the parties under labels (``issuer``; its address
block: ``address``).

May import ``layout``, ``lexicon``, ``values``, ``types`` and ``model_store`` (the ranker's
model file); not tables, forms or prose (``parsing`` combines them).
"""
