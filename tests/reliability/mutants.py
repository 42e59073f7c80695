"""Hostile and broken documents, generated deterministically (no file is stored in the repo).

``mutants(count, seed)`` returns ``count`` named inputs: hand-made nasty structures first
(huge declared dimensions, deeply nested or cyclic PDF objects, a compression bomb, a zip
bomb renamed .pdf, a 1×100000 image, polyglots, drawings that draw themselves:
drawing_bombs.py), then random mutations (truncation, bit flips,
chunk splices) of small valid PDFs and images until ``count`` is reached.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image, ImageDraw

from docgen import encrypted_pdf, simple_invoice_pdf


@dataclass(frozen=True, slots=True)
class Mutant:
    name: str
    filename: str
    data: bytes


# --------------------------------------------------------------------------- building blocks


def pdf_from_objects(objects: list[bytes], *, root: int = 1, xref: bool = True) -> bytes:
    """A PDF file around ``objects`` (object n is objects[n-1]) with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    start = out.tell()
    if xref:
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\n" % (len(objects) + 1, root))
    out.write(b"startxref\n%d\n%%%%EOF\n" % start)
    return out.getvalue()


def _page_pdf(
    *, contents: bytes = b"", media_box: bytes = b"[0 0 612 792]", extra: bytes = b""
) -> bytes:
    stream = b"<< /Length %d >>\nstream\n" % len(contents) + contents + b"\nendstream"
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox "
            + media_box
            + b" /Contents 4 0 R"
            + extra
            + b" >>",
            stream,
        ]
    )


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_declaring(width: int, height: int, *, rows: int = 1) -> bytes:
    """A PNG whose header claims ``width``×``height`` with only ``rows`` rows of real data."""
    row = b"\x00" + b"\xff" * min(width, 4096)
    idat = zlib.compress(row * rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def image_bytes(fmt: str, size: tuple[int, int] = (96, 40), text: str = "Total 12.50") -> bytes:
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((4, 12), text, fill="black")
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real small JPEG whose SOF0 frame header is rewritten to a huge size."""
    data = bytearray(image_bytes("JPEG", (16, 16)))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def gif_declaring(width: int, height: int) -> bytes:
    data = bytearray(image_bytes("GIF", (16, 16)))
    struct.pack_into("<HH", data, 6, width, height)
    return bytes(data)


def bmp_declaring(width: int, height: int) -> bytes:
    data = bytearray(image_bytes("BMP", (16, 16)))
    struct.pack_into("<ii", data, 18, width, height)
    return bytes(data)


def tiff_declaring(width: int, height: int) -> bytes:
    data = bytearray(image_bytes("TIFF", (16, 16)))
    # Little-endian TIFF: patch the ImageWidth (256) and ImageLength (257) entries of IFD 0.
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):
            value = width if tag == 256 else height
            if kind == 3:
                struct.pack_into("<H", data, entry + 8, min(value, 65535))
            else:
                struct.pack_into("<I", data, entry + 8, value)
    return bytes(data)


def flate_bomb_pdf(megabytes: int) -> bytes:
    """A page whose content stream inflates to ``megabytes`` MB of spaces (~1000:1)."""
    comp = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    body = b"".join(comp.compress(chunk) for _ in range(megabytes)) + comp.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            stream,
        ]
    )


def zip_bomb(megabytes: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("invoice.pdf", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
    return buf.getvalue()


def nested_array_pdf(depth: int) -> bytes:
    nested = b"[" * depth + b"]" * depth
    return _page_pdf(contents=b"BT /F1 12 Tf 72 700 Td (deep) Tj ET", extra=b" /Deep " + nested)


def nested_dict_pdf(depth: int) -> bytes:
    nested = b"<< /A " * depth + b"1" + b" >>" * depth
    return _page_pdf(extra=b" /Deep " + nested)


def deep_page_tree_pdf(depth: int) -> bytes:
    """Pages nodes nested ``depth`` levels before the one leaf page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = 2 + level
        parent = b" /Parent %d 0 R" % (number - 1) if level else b""
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>" % (number + 1, parent))
    leaf = 2 + depth
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] >>" % (leaf - 1))
    return pdf_from_objects(objects)


def cyclic_page_tree_pdf() -> bytes:
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
            b"<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >>",
        ]
    )


def handmade() -> list[Mutant]:
    from tests.reliability.drawing_bombs import RECURSIVE  # (it builds on this module)

    invoice = simple_invoice_pdf("INV-FUZZ")
    items = [
        ("empty", "empty.pdf", b""),
        ("one-byte", "x.pdf", b"%"),
        ("header-only", "h.pdf", b"%PDF-1.7\n"),
        ("header-garbage", "g.pdf", b"%PDF-1.4\n" + random.Random(7).randbytes(4096)),
        ("no-xref", "noxref.pdf", _page_pdf(contents=b"BT ET")[:-60]),
        ("count-2147483647", "count.pdf", invoice.replace(b"/Count 1", b"/Count 2147483647", 1)),
        ("count-negative", "neg.pdf", invoice.replace(b"/Count 1", b"/Count -5", 1)),
        ("mediabox-huge", "huge-box.pdf", _page_pdf(media_box=b"[0 0 14400000 14400000]")),
        ("mediabox-inverted", "inv-box.pdf", _page_pdf(media_box=b"[612 792 0 0]")),
        ("mediabox-zero", "zero-box.pdf", _page_pdf(media_box=b"[0 0 0 0]")),
        ("mediabox-nan", "nan-box.pdf", _page_pdf(media_box=b"[0 0 1e400 -1e400]")),
        ("nested-arrays-20000", "deep-arrays.pdf", nested_array_pdf(20_000)),
        ("nested-dicts-5000", "deep-dicts.pdf", nested_dict_pdf(5_000)),
        ("deep-page-tree-3000", "deep-tree.pdf", deep_page_tree_pdf(3_000)),
        ("cyclic-page-tree", "cycle.pdf", cyclic_page_tree_pdf()),
        ("flate-bomb-300mb", "bomb.pdf", flate_bomb_pdf(300)),
        ("zip-bomb-renamed", "invoice.pdf", zip_bomb(200)),
        ("encrypted", "locked.pdf", encrypted_pdf()),
        ("png-100000x100000", "huge.png", png_declaring(100_000, 100_000)),
        ("png-1x100000", "tall.png", png_declaring(1, 100_000, rows=100_000)),
        ("png-100000x1", "wide.png", png_declaring(100_000, 1)),
        ("png-0x0", "zero.png", png_declaring(0, 0)),
        ("jpeg-65500x65500", "huge.jpg", jpeg_declaring(65_500, 65_500)),
        ("gif-65535x65535", "huge.gif", gif_declaring(65_535, 65_535)),
        ("bmp-huge", "huge.bmp", bmp_declaring(60_000, -60_000)),
        ("tiff-huge", "huge.tiff", tiff_declaring(100_000, 100_000)),
        # Polyglots: a valid PDF that is also a ZIP; an HTML page that is also a PDF (the
        # header may start anywhere in the first 1024 bytes); a GIF carrying a script.
        ("polyglot-pdf-zip", "poly.pdf", invoice + zip_bomb(1)),
        (
            "polyglot-html-pdf",
            "page.html",
            b"<html><script>alert(document.domain)</script>" + invoice,
        ),
        (
            "polyglot-gif-js",
            "x.gif",
            b"GIF89a/*" + b"\x00" * 8 + b"*/=alert(1);" + image_bytes("GIF"),
        ),
        (
            "svg-as-pdf",
            "drawing.pdf",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        ),
    ]
    # Drawings that never end or multiply themselves (issue #19 item 2).
    items += [(name, f"{name}.pdf", build()) for name, build in RECURSIVE.items()]
    return [Mutant(name, filename, data) for name, filename, data in items]


# --------------------------------------------------------------------------- random mutations


def _bases() -> list[tuple[str, str, bytes]]:
    """Half PDFs, half images of every supported format (images cost an OCR run each)."""
    pdf = ("pdf", "invoice.pdf", simple_invoice_pdf("INV-M"))
    pdf2 = ("pdf2", "two.pdf", simple_invoice_pdf("INV-M2", pages=2))
    images = [
        ("png", "scan.png", image_bytes("PNG")),
        ("jpeg", "photo.jpg", image_bytes("JPEG")),
        ("gif", "scan.gif", image_bytes("GIF")),
        ("tiff", "scan.tiff", image_bytes("TIFF")),
        ("bmp", "scan.bmp", image_bytes("BMP")),
        ("webp", "scan.webp", image_bytes("WEBP")),
    ]
    out = []
    for i, image in enumerate(images):
        out += [(pdf, pdf2)[i % 2], image]
    return out


def _mutate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    kind = rng.choice(("truncate", "bitflip", "bitflip", "splice", "zero-run"))
    if kind == "truncate":
        cut = rng.randint(1, max(1, len(data) - 1))
        return f"truncate@{cut}", data[:cut]
    buf = bytearray(data)
    if kind == "bitflip":
        flips = rng.choice((1, 2, 8, 64))
        # Keep the magic bytes most of the time, so the damage reaches the parsers.
        low = 8 if rng.random() < 0.8 else 0
        for _ in range(flips):
            i = rng.randrange(low, len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        return f"bitflip×{flips}", bytes(buf)
    if kind == "splice":
        a, b = sorted(rng.sample(range(8, len(buf)), 2))
        at = rng.randrange(8, len(buf))
        return f"splice[{a}:{b}]@{at}", bytes(buf[:at] + buf[a:b] + buf[at:])
    start = rng.randrange(8, len(buf))
    length = rng.randint(1, 512)
    buf[start : start + length] = b"\x00" * len(buf[start : start + length])
    return f"zero-run@{start}+{length}", bytes(buf)


def mutants(count: int, *, seed: int = 20261123) -> list[Mutant]:
    out = handmade()
    rng = random.Random(seed)
    bases = _bases()
    n = 0
    while len(out) < count:
        label, filename, data = bases[n % len(bases)]
        how, mutated = _mutate(rng, data)
        out.append(Mutant(f"{label}-{how}", filename, mutated))
        n += 1
    return out[:count]
