"""Generated documents: the one generator of the test suite's, the benchmarks' and (next) the
engine's synthetic training documents. No corpus file is needed.

- ``pdf``: PDFs with a real text layer at exact coordinates (fpdf2), scans of images,
  encrypted and blank PDFs, page rotation and crop boxes;
- ``images``: text drawn for OCR, any image format, EXIF orientation, multi-page TIFFs;
- ``invoices``: invoice layouts with the schema of what they print;
- ``bad``: inputs the engine must refuse;
- ``item_tables``: seeded invoices whose line-item tables vary the ways real vendors print
  them (borderless, discount, net / VAT / gross columns, two-line headers, continued pages,
  section headings, small-print detail lines), scored by ``bench/line_items.py``;
- ``synthetic``: seeded invoices and receipts with their ground truth in many layouts and five
  languages (training and round-trip tests); ``degrade``: any PDF turned into a degraded scan.

Layouts are data (text items, rulings, images per page); the drawing is done once, here. More
kinds of documents (receipts, other invoice layouts and languages) are modules like
``invoices``; degrading a page into a scan belongs next to ``images``. Not imported by the web
process or the workers at run time (tests, benchmarks and the training command import it); its
libraries (fpdf2, Pillow, pypdfium2) are regular dependencies.
"""

from .bad import corrupted_pdf, fake_exe, truncated_pdf
from .degrade import degrade_image, scan
from .images import (
    TextImage,
    encode_image,
    multipage_tiff,
    png_bytes,
    text_image,
    with_exif_rotation,
)
from .invoices import (
    INVOICE_SCHEMA,
    LINE_ITEM_INVOICE_SCHEMA,
    LINE_ITEMS,
    SIMPLE_INVOICE_SCHEMA,
    invoice_pdf,
    line_item_invoice_pdf,
    line_item_schema,
    simple_invoice_pdf,
)
from .pdf import (
    A4,
    LETTER,
    MM,
    PageSpec,
    blank_pdf,
    build_pdf,
    encrypted_pdf,
    scanned_pdf,
    string_width,
    text_pdf,
    transform_pdf,
)
from .synthetic import (
    SYNTHETIC_INVOICE_SCHEMA,
    SYNTHETIC_RECEIPT_SCHEMA,
    Synthetic,
    synthetic_invoice,
    synthetic_receipt,
)

__all__ = [
    "A4",
    "INVOICE_SCHEMA",
    "LETTER",
    "LINE_ITEMS",
    "LINE_ITEM_INVOICE_SCHEMA",
    "MM",
    "SIMPLE_INVOICE_SCHEMA",
    "SYNTHETIC_INVOICE_SCHEMA",
    "SYNTHETIC_RECEIPT_SCHEMA",
    "PageSpec",
    "Synthetic",
    "TextImage",
    "blank_pdf",
    "build_pdf",
    "corrupted_pdf",
    "degrade_image",
    "encode_image",
    "encrypted_pdf",
    "fake_exe",
    "invoice_pdf",
    "line_item_invoice_pdf",
    "line_item_schema",
    "multipage_tiff",
    "png_bytes",
    "scan",
    "scanned_pdf",
    "simple_invoice_pdf",
    "string_width",
    "synthetic_invoice",
    "synthetic_receipt",
    "text_image",
    "text_pdf",
    "transform_pdf",
    "truncated_pdf",
    "with_exif_rotation",
]
