"""Reading a document: intake (type by magic bytes, page count, limits, page selection), the
PDF text layer (words with boxes, drawn rulings), OCR of scans and images, embedded images,
and page images for the UI.

Owns everything that touches pdfium, Pillow and RapidOCR; gives ``PageContent`` (words,
rulings) to the rest of the engine. May import ``types`` and ``gc_pause`` only: nothing
here knows about layout, fields or schemas.
"""
