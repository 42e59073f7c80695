"""The printed words of business documents, per language: what labels name each field
concept (``concepts``), which headers name table columns (``columns``), the words around a
receipt's total (``totals``), the words of a postal address (``addresses``), and the repair of label words misread by OCR built from them
(``ocr_repair``).

Data, and what is derived from it once. May import ``values`` only (below ``layout``, which
repairs OCR tokens with it): a new language mostly means new phrases here.
"""
