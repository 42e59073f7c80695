"""Degrading a generated PDF into a scan: pages rendered to images (pypdfium2), then turned a
little, blurred, speckled with noise and JPEG-compressed (Pillow, numpy), and put back into
an image-only PDF, so the engine must OCR it. Seeded: a seed gives the same bytes."""

from __future__ import annotations

import io
import random

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter

from .pdf import scanned_pdf


def degrade_image(
    img: Image.Image,
    *,
    seed: int = 0,
    max_angle: float = 1.5,
    blur: float | None = None,
    noise: float | None = None,
    jpeg_quality: int | None = None,
) -> Image.Image:
    """One page image as a scanner or a phone would give it (each effect drawn from
    ``seed`` unless given)."""
    rng = random.Random(seed)
    angle = rng.uniform(-max_angle, max_angle)
    blur = rng.uniform(0.0, 0.9) if blur is None else blur
    noise = rng.uniform(2.0, 12.0) if noise is None else noise
    quality = rng.randint(35, 85) if jpeg_quality is None else jpeg_quality
    out = img.convert("L")
    if angle:
        out = out.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if blur > 0:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if noise > 0:
        gen = np.random.default_rng(rng.randrange(2**32))
        arr = np.asarray(out, dtype=np.float32)
        arr = arr + gen.normal(0.0, noise, arr.shape)
        out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def scan(pdf: bytes, *, seed: int = 0, dpi: int = 150, max_angle: float = 1.5) -> bytes:
    """``pdf`` rendered at ``dpi`` and degraded page by page into an image-only PDF."""
    doc = pdfium.PdfDocument(pdf)
    images = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(scale=dpi / 72)
            img = bitmap.to_pil()
            images.append(degrade_image(img, seed=seed * 1000 + i, max_angle=max_angle))
            page.close()
    finally:
        doc.close()
    return scanned_pdf(images, dpi=dpi)
