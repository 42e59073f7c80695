"""Intake: type by magic bytes, page counts, limits, damaged/encrypted files, page selection."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

import docgen
from extractions.engine.read import intake
from extractions.engine.read.intake import (
    DocumentInfo,
    PageSelectionError,
    inspect_document,
    parse_page_selection,
)
from extractions.engine.types import EngineError


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("WEBP", "image/webp"),
        ("TIFF", "image/tiff"),
        ("BMP", "image/bmp"),
        ("GIF", "image/gif"),
    ],
)
def test_image_types_are_sniffed_from_bytes(
    small_image: Image.Image, fmt: str, media_type: str
) -> None:
    data = docgen.encode_image(small_image, fmt)
    info = inspect_document(data)
    assert info == DocumentInfo(media_type=media_type, page_count=1, size=len(data))


def test_pdf_pages_are_counted(three_page_pdf: bytes) -> None:
    info = inspect_document(three_page_pdf)
    assert info == DocumentInfo("application/pdf", 3, len(three_page_pdf), encrypted=False)


def test_multipage_tiff_counts_every_page(small_image: Image.Image) -> None:
    data = docgen.multipage_tiff([small_image, small_image.rotate(90), small_image])
    assert inspect_document(data).page_count == 3


def test_animated_gif_is_one_page(small_image: Image.Image) -> None:
    buf = io.BytesIO()
    small_image.save(buf, format="GIF", save_all=True, append_images=[small_image.rotate(180)] * 3)
    assert inspect_document(buf.getvalue()).page_count == 1


def test_pdf_header_after_leading_junk_is_still_a_pdf(three_page_pdf: bytes) -> None:
    data = b"\r\n\x00junk" + three_page_pdf
    assert intake.sniff_media_type(data[:1100]) == "application/pdf"


def test_renamed_exe_posing_as_pdf_is_unsupported(tmp_path) -> None:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(docgen.fake_exe())
    with pytest.raises(EngineError) as err:
        inspect_document(path)
    assert err.value.code == "unsupported_input"
    assert "Unsupported file type" in err.value.message


@pytest.mark.parametrize("data", [b"", b"hello, plain text", b"PK\x03\x04zipfile"])
def test_other_content_is_unsupported(data: bytes) -> None:
    with pytest.raises(EngineError) as err:
        inspect_document(data)
    assert err.value.code == "unsupported_input"


def test_encrypted_pdf_is_reported_not_raised() -> None:
    data = docgen.encrypted_pdf("s3cret")
    info = inspect_document(data)
    assert info == DocumentInfo("application/pdf", 0, len(data), encrypted=True)


def test_opening_an_encrypted_pdf_for_reading_is_encrypted_document() -> None:
    src = intake.as_source(docgen.encrypted_pdf())
    with pytest.raises(EngineError) as err:
        intake.open_pdf(src)
    assert err.value.code == "encrypted_document"
    assert "password" in err.value.message


def test_corrupted_pdf_is_extraction_failed() -> None:
    with pytest.raises(EngineError) as err:
        inspect_document(docgen.corrupted_pdf())
    assert err.value.code == "extraction_failed"
    assert err.value.message == "The PDF is damaged and cannot be read (Data format error)."


def test_truncated_pdf_is_extraction_failed(three_page_pdf: bytes) -> None:
    with pytest.raises(EngineError) as err:
        inspect_document(docgen.truncated_pdf(three_page_pdf))
    assert err.value.code == "extraction_failed"


def test_damaged_image_is_extraction_failed(small_image: Image.Image) -> None:
    data = docgen.encode_image(small_image, "PNG")
    with pytest.raises(EngineError) as err:
        inspect_document(data[:20])  # signature, then nothing usable
    assert err.value.code == "extraction_failed"
    assert err.value.message.startswith("The image is damaged and cannot be read")


def test_size_limit(three_page_pdf: bytes) -> None:
    with pytest.raises(EngineError) as err:
        inspect_document(three_page_pdf, max_bytes=len(three_page_pdf) - 1)
    assert err.value.code == "document_too_large"
    assert inspect_document(three_page_pdf, max_bytes=len(three_page_pdf)).page_count == 3


def test_default_limits() -> None:
    assert intake.DEFAULT_MAX_BYTES == 150 * 1024 * 1024
    assert intake.DEFAULT_MAX_PAGE_COUNT == 1000


def test_page_limit(three_page_pdf: bytes) -> None:
    with pytest.raises(EngineError) as err:
        inspect_document(three_page_pdf, max_page_count=2)
    assert err.value.code == "page_limit_exceeded"
    assert err.value.message == "The document has 3 pages; the limit is 2."
    assert inspect_document(three_page_pdf, max_page_count=None).page_count == 3


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG claiming huge dimensions: decoding it would allocate gigabytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused() -> None:
    assert Image.MAX_IMAGE_PIXELS is not None  # the guard stays on
    with pytest.raises(EngineError) as err:
        inspect_document(_png_header_only(40_000, 40_000))
    assert err.value.code == "document_too_large"
    assert "too many pixels" in err.value.message


def test_images_over_the_warning_threshold_are_refused_too() -> None:
    # Between MAX_IMAGE_PIXELS and twice that, Pillow only warns; we refuse.
    side = int((Image.MAX_IMAGE_PIXELS * 1.5) ** 0.5)
    with pytest.raises(EngineError) as err:
        inspect_document(_png_header_only(side, side))
    assert err.value.code == "document_too_large"


def test_sources_bytes_path_and_file_objects_agree(tmp_path, three_page_pdf: bytes) -> None:
    path = tmp_path / "doc.bin"
    path.write_bytes(three_page_pdf)
    expected = inspect_document(three_page_pdf)
    assert inspect_document(path) == expected
    assert inspect_document(str(path)) == expected
    with open(path, "rb") as fh:
        assert inspect_document(fh) == expected

    class Stream(io.RawIOBase):  # not seekable: read once into memory
        def __init__(self) -> None:
            self.inner = io.BytesIO(three_page_pdf)

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:  # type: ignore[override]
            return self.inner.readinto(b)

    assert inspect_document(Stream()) == expected


class CountingFile(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, n: int | None = -1) -> bytes:
        out = super().read(n)
        self.bytes_read += len(out)
        return out

    def readinto(self, b) -> int:  # type: ignore[override]
        n = super().readinto(b)
        self.bytes_read += n
        return n


def test_inspect_reads_little_of_a_large_pdf() -> None:
    data, _ = docgen.invoice_pdf(60, rows_per_page=25)
    fh = CountingFile(data)
    info = inspect_document(fh)
    assert info.page_count == 60
    assert fh.bytes_read < len(data) / 4


def test_missing_path_is_extraction_failed(tmp_path) -> None:
    with pytest.raises(EngineError) as err:
        inspect_document(tmp_path / "nope.pdf")
    assert err.value.code == "extraction_failed"


# --------------------------------------------------------------------------- page selection


@pytest.mark.parametrize(
    ("spec", "count", "expected"),
    [
        (None, 3, [1, 2, 3]),
        ("", 2, [1, 2]),
        ("1,3,5-7", 8, [1, 3, 5, 6, 7]),
        (" 3 , 1 ", 3, [1, 3]),
        ("2-2", 3, [2]),
        ("1-3,2", 3, [1, 2, 3]),
        ("4-", 6, [4, 5, 6]),
    ],
)
def test_page_selection(spec: str | None, count: int, expected: list[int]) -> None:
    assert parse_page_selection(spec, count) == expected


def test_max_pages_keeps_the_first_selected() -> None:
    assert parse_page_selection("2,4-9", 10, max_pages=3) == [2, 4, 5]
    assert parse_page_selection(None, 10, max_pages=2) == [1, 2]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("a", "Invalid page selection 'a': use page numbers and ranges like '1,3,5-7'."),
        ("1,,2", "Invalid page selection '1,,2': use page numbers and ranges like '1,3,5-7'."),
        ("-3", "Invalid page selection '-3': use page numbers and ranges like '1,3,5-7'."),
        ("1.5", "Invalid page selection '1.5': use page numbers and ranges like '1,3,5-7'."),
        ("0", "Invalid page selection '0': pages start at 1."),
        ("5-3", "Invalid page selection '5-3': range 5-3 is reversed."),
        ("4", "Page 4 is out of range: the document has 3 pages."),
        ("2-9", "Page 9 is out of range: the document has 3 pages."),
    ],
)
def test_bad_page_selection(spec: str, message: str) -> None:
    with pytest.raises(PageSelectionError) as err:
        parse_page_selection(spec, 3)
    assert str(err.value) == message
    assert isinstance(err.value, ValueError)
    assert err.value.code == "extraction_failed"


def test_bad_max_pages() -> None:
    with pytest.raises(PageSelectionError):
        parse_page_selection(None, 3, max_pages=0)


def test_transparent_and_wide_images_become_rgb_on_white() -> None:
    clear = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    clear.putpixel((1, 1), (0, 0, 0, 255))
    rgb = intake.to_rgb(clear)
    assert rgb.mode == "RGB"
    assert rgb.getpixel((0, 0)) == (255, 255, 255) and rgb.getpixel((1, 1)) == (0, 0, 0)
    wide = Image.new("I;16", (2, 1))
    wide.putpixel((0, 0), 1000)
    wide.putpixel((1, 0), 3000)
    grey = intake.to_rgb(wide)
    assert grey.getpixel((0, 0)) == (0, 0, 0) and grey.getpixel((1, 0)) == (255, 255, 255)


def test_pdf_with_only_an_owner_password_is_readable() -> None:
    # Permissions-only protection (no password to open) is common and not "encrypted" for us.
    data = docgen.build_pdf([[(72, 72, "Readable")]], user_password="")
    assert b"/Encrypt" in data
    assert inspect_document(data) == DocumentInfo("application/pdf", 1, len(data), encrypted=False)
