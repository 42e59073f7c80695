"""Training the engine's learned models (``manage.py train_engine``).

Each learned model has a *trainer* here: it reads the training corpora (and synthetic documents
from ``docgen``), builds examples with the same feature code the engine runs at extraction time,
fits the model, and writes it under ``extractions/engine/models/`` (small: the whole folder
stays under 10 MB) with a report of what it measured (cross-validated by document group, so the
figures say how the model does on documents it has not seen).

The top layer, above ``evaluation`` (whose harness runs the engine over a corpus and judges
every value): may import anything in the engine; nothing in the engine imports it (the
engine only *loads* the model files, through ``model_store``).
"""
