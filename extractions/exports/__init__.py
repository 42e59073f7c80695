"""Exports of many documents at once: CSV, XLSX and JSON Lines, streamed.

One extraction's documents (``GET /v1/extractions/{id}/export``) or the documents of the
extractions a list shows (``GET /v1/extractions/export`` with the list's filters; the
dashboard's Export menus keep the page's filters).

Layout (``layout.py``):

- CSV and XLSX: one row per line item. The columns are the document's own (``document_id``,
  ``extraction_id``, ``filename``, ``parser_id``, ``parser_version``, ``status``, ``reviewed``,
  ``created_at``, ``error_code``), then the schema's fields by dotted path (``seller.name``),
  then the line item's columns prefixed with the list's name (``line_items.amount``); a
  field named like a document column is ``data.<name>``. The
  line-item list is the schema's first array of objects; each of its items is a row with the
  document's fields repeated; a document without items is one row. Other lists are one
  JSON cell. List outputs (per page / per table row) give a row per element. Documents of
  several parsers share one header: the union of their schemas' columns.
- JSON Lines: one document per line, ``{document columns..., "data": the output}``; its line
  items stay nested (a JSON reader needs no repeated fields).

The output is the reviewed one when the document was reviewed, else the extracted one.
Documents are read with ``QuerySet.iterator`` in chunks, and rows written as they are read,
so memory does not grow with the number of documents (bench/export.py); the queries are a
fixed number whatever the count (the schemas once, the documents once).
"""
