"""Embedded images of PDF pages (``content_images``), and the page image of image inputs."""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..types import BBox, ImageInfo
from .pdf_text import PageFrame, page_objects

# Images smaller than this (bullets, rules drawn as bitmaps, tracking pixels) are not content.
MIN_IMAGE_SIDE_PX = 16
MIN_IMAGE_AREA = 0.0005  # of the page


def pdf_page_images(page: pdfium.PdfPage, number: int) -> list[ImageInfo]:
    """Placements of embedded raster images on one page, largest first."""
    frame = PageFrame.of(page)
    objs = page_objects(page, frame, number, rulings=False, images=True)
    return content_images(objs.images, number)


def content_images(placements: list[tuple[BBox, Any]], number: int) -> list[ImageInfo]:
    """The placements (box, pdfium image object of a page still open) that are content,
    largest first."""
    out: list[ImageInfo] = []
    w, h = ctypes.c_uint(), ctypes.c_uint()
    for bbox, obj in placements:
        x0, y0, x1, y1 = bbox
        if (x1 - x0) * (y1 - y0) < MIN_IMAGE_AREA:
            continue
        if not pdfium_c.FPDFImageObj_GetImagePixelSize(obj, w, h):
            continue
        if w.value < MIN_IMAGE_SIDE_PX or h.value < MIN_IMAGE_SIDE_PX:
            continue
        out.append(ImageInfo(page=number, bbox=bbox, width=int(w.value), height=int(h.value)))
    out.sort(key=lambda i: -(i.bbox[2] - i.bbox[0]) * (i.bbox[3] - i.bbox[1]))
    return out


def whole_page_image(number: int, width: int, height: int) -> ImageInfo:
    """An image input is itself one image covering its page."""
    return ImageInfo(page=number, bbox=(0.0, 0.0, 1.0, 1.0), width=width, height=height)
