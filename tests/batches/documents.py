"""Test documents made on the fly (no corpus files): PDFs and images of a known page count."""

from __future__ import annotations

import io

from PIL import Image


def pdf_bytes(pages: int = 1, *, size: tuple[int, int] = (200, 260)) -> bytes:
    """A valid PDF with ``pages`` blank pages (Pillow writes it)."""
    images = [Image.new("RGB", size, (255, 255, 255)) for _ in range(pages)]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return buf.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buf, "PNG")
    return buf.getvalue()
