"""Calibrated confidence: the probability that an extracted value is right.

The parsing step scores its own candidates (``raw`` confidences: label match, OCR quality,
agreement); those scores rank values but are not probabilities. ``features`` turns each
value's evidence (its raw score, the OCR confidence of the words it cites, whether it is
printed as given, repeated, or balances arithmetically with other amounts, where it sits,
what kind of leaf it is; for a form pair and a line-item cell, ``evidence``: the pairing
and the cell's column) into numbers, and ``calibrate`` maps them to a probability with a
model trained by ``manage.py train_engine`` (``training/confidence.py``) on labelled corpora.
Without a model file the raw confidences are kept.

Layer: beside ``parsing`` and ``location``; may import ``forms`` (the key/value item shape,
what a printed label looks like),
``values``, ``types`` and ``model_store``.
"""
