"""Images: text drawn with Pillow's default (FreeType) font at a large size so that OCR reads it
reliably, encoded in any format the engine takes, with EXIF orientation tags, multi-page TIFFs
and plain single-colour pictures."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont


@dataclass
class TextImage:
    image: Image.Image
    lines: list[tuple[str, tuple[int, int, int, int]]]  # text, pixel box (x0, y0, x1, y1)


def text_image(
    lines: Sequence[str],
    *,
    font_size: int = 48,
    margin: int = 60,
    line_gap: float = 0.8,
    size: tuple[int, int] | None = None,
) -> TextImage:
    """Black text on white, drawn with Pillow's default font at ``font_size`` px."""
    font = ImageFont.load_default(size=font_size)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    boxes = [probe.textbbox((0, 0), line, font=font) for line in lines]
    step = int(font_size * (1 + line_gap))
    width = size[0] if size else margin * 2 + max(b[2] for b in boxes)
    height = size[1] if size else margin * 2 + step * (len(lines) - 1) + font_size + font_size // 3
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    placed = []
    for i, line in enumerate(lines):
        x, y = margin, margin + i * step
        draw.text((x, y), line, fill="black", font=font)
        placed.append((line, tuple(int(v) for v in draw.textbbox((x, y), line, font=font))))
    return TextImage(img, placed)  # type: ignore[arg-type]


def encode_image(img: Image.Image, fmt: str, *, exif_orientation: int | None = None) -> bytes:
    """Encode as PNG/JPEG/WEBP/BMP/GIF/TIFF, optionally with an EXIF orientation tag."""
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif.tobytes()
    if fmt.upper() in ("JPEG", "JPG"):
        kwargs["quality"] = 92
    img.save(buf, format=fmt.upper().replace("JPG", "JPEG"), **kwargs)
    return buf.getvalue()


def with_exif_rotation(img: Image.Image, orientation: int = 6) -> bytes:
    """A JPEG stored sideways whose EXIF tag says how to turn it upright (as phones do)."""
    stored = {
        3: Image.Transpose.ROTATE_180,
        6: Image.Transpose.ROTATE_90,  # stored turned left; viewers turn it right (clockwise)
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    return encode_image(img.transpose(stored), "JPEG", exif_orientation=orientation)


def multipage_tiff(images: Sequence[Image.Image]) -> bytes:
    buf = io.BytesIO()
    first, *rest = [i.convert("RGB") for i in images]
    first.save(buf, format="TIFF", save_all=True, append_images=rest, compression="tiff_deflate")
    return buf.getvalue()


def png_bytes(
    size: tuple[int, int] = (60, 40), color: str | tuple[int, int, int] = "white"
) -> bytes:
    """A picture of one colour, as PNG."""
    return encode_image(Image.new("RGB", size, color), "PNG")
