"""Scoring the engine on a labelled corpus (``manage.py evaluate``): ``harness`` reads the
corpus, runs the engine (caching what was read by file hash) and builds the report;
``scoring`` says how a field is scored, from its schema only; ``calibration`` judges every
value and measures how far its confidence can be trusted.

Below ``training`` only: may import the pipeline and anything below it.
"""
