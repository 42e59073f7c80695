"""Intake: what is this document, how many pages, may we process it?

Everything here is cheap: the type comes from magic bytes (never the file name),
pages are counted from the PDF's page tree or the image's frame directory, and no
text is extracted. ``inspect_document`` is what the web app calls at submission
time to count credits; the pipeline calls ``open_document`` to get a handle it
can read pages from.
"""

from __future__ import annotations

import io
import os
import re
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, NamedTuple

import pypdfium2 as pdfium
from PIL import Image, ImageOps

from ..types import (
    DOCUMENT_TOO_LARGE,
    ENCRYPTED_DOCUMENT,
    EXTRACTION_FAILED,
    PAGE_LIMIT_EXCEEDED,
    UNSUPPORTED_INPUT,
    EngineError,
)

Source = bytes | bytearray | memoryview | str | os.PathLike | IO[bytes]

DEFAULT_MAX_BYTES = 150 * 1024 * 1024
DEFAULT_MAX_PAGE_COUNT = 1000

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
TIFF = "image/tiff"
BMP = "image/bmp"
GIF = "image/gif"
# Every type the engine reads: the name people know it by and its usual extensions. Each list
# of supported types shown to people (refusals, file pickers, the API docs) is built from this.
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    PDF: ("PDF", (".pdf",)),
    PNG: ("PNG", (".png",)),
    JPEG: ("JPEG", (".jpg", ".jpeg")),
    WEBP: ("WebP", (".webp",)),
    TIFF: ("TIFF", (".tif", ".tiff")),
    BMP: ("BMP", (".bmp",)),
    GIF: ("GIF", (".gif",)),
}
SUPPORTED_MEDIA_TYPES: tuple[str, ...] = tuple(FORMATS)


def supported_formats() -> str:
    """The supported types for people: "PDF, PNG, JPEG, WebP, TIFF, BMP or GIF"."""
    names = [name for name, _ in FORMATS.values()]
    return f"{', '.join(names[:-1])} or {names[-1]}"


def file_input_accept() -> str:
    """An HTML file input's ``accept`` for the supported types (extensions and media types)."""
    return ",".join([ext for _, exts in FORMATS.values() for ext in exts] + list(FORMATS))


# PDFium is not thread-safe, not even across documents: every use of it in this
# process (web threads inspecting uploads, rendering page images, a pipeline)
# holds this lock. Pipelines hold it per page, never while OCR runs.
PDFIUM_LOCK = threading.RLock()

# The PDF spec lets a header start anywhere in the first 1024 bytes (and readers,
# pdfium included, accept such files), so we look that far for it.
_PDF_HEADER_WINDOW = 1024
_PDF_HEADER = re.compile(rb"%PDF-\d")


class PageSelectionError(EngineError, ValueError):
    """A page selection (``"1,3,5-7"``) that is malformed or outside the document."""

    def __init__(self, message: str) -> None:
        super().__init__(EXTRACTION_FAILED, message)


@dataclass(slots=True)
class DocumentInfo:
    media_type: str
    page_count: int  # 0 when the document is encrypted (pages cannot be read without the password)
    size: int  # bytes
    encrypted: bool = False


def sniff_media_type(head: bytes) -> str | None:
    """The media type announced by a file's first bytes, or None if it is none we read."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if head[:2] == b"BM" and len(head) >= 14:
        return BMP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if _PDF_HEADER.search(head[:_PDF_HEADER_WINDOW]):
        return PDF
    return None


# --------------------------------------------------------------------------- sources


class DocumentSource:
    """A uniform view of bytes, a path or a binary file object.

    Paths are never read whole: pdfium opens them lazily and Pillow seeks in them.
    File objects are used in place when seekable, else read into memory once.
    """

    def __init__(self, source: Source) -> None:
        self.path: str | None = None
        self.data: bytes | None = None
        self.fileobj: IO[bytes] | None = None
        if isinstance(source, bytes | bytearray | memoryview):
            self.data = bytes(source)
        elif isinstance(source, str | os.PathLike):
            self.path = os.fspath(source)
            if not os.path.isfile(self.path):
                raise EngineError(EXTRACTION_FAILED, f"No such file: {self.path}")
        elif hasattr(source, "read"):
            if _seekable(source):
                self.fileobj = source
            else:
                self.data = source.read()
        else:
            raise TypeError(f"Unsupported document source: {type(source).__name__}")

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        if self.path is not None:
            return os.path.getsize(self.path)
        assert self.fileobj is not None
        pos = self.fileobj.tell()
        try:
            return self.fileobj.seek(0, io.SEEK_END)
        finally:
            self.fileobj.seek(pos)

    def head(self, n: int = _PDF_HEADER_WINDOW + 8) -> bytes:
        if self.data is not None:
            return self.data[:n]
        if self.path is not None:
            with open(self.path, "rb") as fh:
                return fh.read(n)
        assert self.fileobj is not None
        self.fileobj.seek(0)
        head = self.fileobj.read(n)
        self.fileobj.seek(0)
        return head

    def pdfium_input(self) -> Any:
        if self.data is not None:
            return self.data
        if self.path is not None:
            return self.path
        assert self.fileobj is not None
        self.fileobj.seek(0)
        return self.fileobj

    def pillow_input(self) -> Any:
        if self.data is not None:
            return io.BytesIO(self.data)
        if self.path is not None:
            return self.path
        assert self.fileobj is not None
        self.fileobj.seek(0)
        return self.fileobj


def _seekable(fileobj: Any) -> bool:
    try:
        return bool(fileobj.seekable()) and hasattr(fileobj, "tell")
    except (AttributeError, OSError, ValueError):
        return False


def as_source(source: Source | DocumentSource) -> DocumentSource:
    return source if isinstance(source, DocumentSource) else DocumentSource(source)


# --------------------------------------------------------------------------- opening


def open_pdf(src: DocumentSource, *, password: str | None = None) -> pdfium.PdfDocument:
    """Open a PDF with pdfium, turning its failures into engine failure codes."""
    try:
        return pdfium.PdfDocument(src.pdfium_input(), password=password, autoclose=False)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text or "security" in text:
            raise EngineError(
                ENCRYPTED_DOCUMENT,
                "The PDF is password-protected; send it without a password to extract it.",
            ) from exc
        raise EngineError(
            EXTRACTION_FAILED,
            f"The PDF is damaged and cannot be read ({_pdfium_reason(exc)}).",
        ) from exc


def _pdfium_reason(exc: Exception) -> str:
    match = re.search(r"PDFium: ([^)]*)", str(exc))
    return match.group(1) if match else str(exc)


def open_image(src: DocumentSource) -> Image.Image:
    """Open (not decode) an image; Pillow's decompression-bomb guard stays on."""
    try:
        with warnings.catch_warnings():
            # Above MAX_IMAGE_PIXELS Pillow only warns; we refuse, as it is
            # bigger than any page we can OCR sensibly.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(src.pillow_input())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise EngineError(
            DOCUMENT_TOO_LARGE,
            f"The image has too many pixels to process safely ({exc}).",
        ) from exc
    except Exception as exc:  # Pillow raises many types for bad input
        raise EngineError(
            EXTRACTION_FAILED, f"The image is damaged and cannot be read ({exc})."
        ) from exc


def image_frame_count(img: Image.Image, media_type: str) -> int:
    # Frames of a GIF or WebP are an animation, not pages: only TIFF has pages.
    if media_type != TIFF:
        return 1
    try:
        return max(1, int(getattr(img, "n_frames", 1)))
    except Exception as exc:
        raise EngineError(
            EXTRACTION_FAILED, f"The TIFF file is damaged and its pages cannot be counted ({exc})."
        ) from exc


class ImagePage(NamedTuple):
    number: int
    image: Image.Image  # upright RGB, at most ``max_side`` px on its longer side
    size: tuple[int, int]  # upright size of the page at full resolution


_TURNED = (5, 6, 7, 8)  # EXIF orientations that swap width and height


def iter_image_pages(
    img: Image.Image, media_type: str, numbers: list[int], *, max_side: int | None = None
) -> Iterator[ImagePage]:
    """The selected frames as upright RGB images, decoding one at a time.

    With ``max_side``, a large JPEG is decoded at reduced scale (DCT scaling:
    a fraction of the memory and time) and any frame is scaled down to fit.
    """
    for number in numbers:
        try:
            if media_type == TIFF:
                img.seek(number - 1)
            w, h = img.size
            turned = img.getexif().get(0x0112) in _TURNED
            full = (h, w) if turned else (w, h)
            if max_side and media_type == JPEG and max(w, h) > 2 * max_side:
                ratio = max_side / max(w, h)
                img.draft("RGB", (max(1, int(w * ratio) + 1), max(1, int(h * ratio) + 1)))
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                frame = ImageOps.exif_transpose(img)
                if max_side and max(frame.size) > max_side:
                    frame.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
                frame = to_rgb(frame)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise EngineError(
                DOCUMENT_TOO_LARGE, f"Page {number} has too many pixels to process safely ({exc})."
            ) from exc
        except (EngineError, MemoryError):
            raise  # MemoryError: the per-task memory limit, reported as document_too_large
        except Exception as exc:
            raise EngineError(
                EXTRACTION_FAILED, f"Page {number} of the image cannot be decoded ({exc})."
            ) from exc
        yield ImagePage(number, frame, full)


def to_rgb(img: Image.Image) -> Image.Image:
    """An RGB copy; transparent areas become white (paper), not black."""
    if img.mode == "RGB":
        return img.copy()
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = img.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # Wide grey levels: stretch to 8 bits by the image's own range.
        lo, hi = img.getextrema()  # type: ignore[misc]
        scale = 255.0 / (hi - lo) if hi > lo else 1.0
        img = img.convert("F").point(lambda v: (v - lo) * scale).convert("L")
    return img.convert("RGB")


# --------------------------------------------------------------------------- public


def check_size(size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise EngineError(
            DOCUMENT_TOO_LARGE,
            f"The document is {_mb(size)}; the limit is {_mb(max_bytes)}.",
        )


def check_page_count(page_count: int, max_page_count: int | None) -> None:
    if max_page_count is not None and page_count > max_page_count:
        raise EngineError(
            PAGE_LIMIT_EXCEEDED,
            f"The document has {page_count} pages; the limit is {max_page_count}.",
        )


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def detect(src: DocumentSource) -> str:
    media_type = sniff_media_type(src.head())
    if media_type is None:
        raise EngineError(
            UNSUPPORTED_INPUT,
            f"Unsupported file type: expected a {supported_formats()} file.",
        )
    return media_type


@dataclass(slots=True)
class OpenDocument:
    """A document that passed intake, with the open handle the reading steps use."""

    info: DocumentInfo
    pdf: pdfium.PdfDocument | None = None
    image: Image.Image | None = None

    def close(self) -> None:
        if self.pdf is not None:
            with PDFIUM_LOCK:
                self.pdf.close()
            self.pdf = None
        if self.image is not None:
            self.image.close()
            self.image = None


def open_document(
    source: Source | DocumentSource,
    *,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    max_page_count: int | None = DEFAULT_MAX_PAGE_COUNT,
    allow_encrypted: bool = False,
) -> OpenDocument:
    """Sniff, count and check limits, keeping the document open for reading.

    Raises ``EngineError``: ``unsupported_input``, ``document_too_large``,
    ``page_limit_exceeded``, ``encrypted_document`` (unless ``allow_encrypted``,
    which returns an unopened document with ``info.encrypted``) or
    ``extraction_failed`` (damaged file).
    """
    src = as_source(source)
    size = src.size
    check_size(size, max_bytes)
    media_type = detect(src)
    if media_type == PDF:
        try:
            with PDFIUM_LOCK:
                doc = open_pdf(src)
                page_count = len(doc)
        except EngineError as exc:
            if exc.code == ENCRYPTED_DOCUMENT and allow_encrypted:
                return OpenDocument(DocumentInfo(media_type, 0, size, encrypted=True))
            raise
        opened = OpenDocument(DocumentInfo(media_type, page_count, size), pdf=doc)
        if opened.info.page_count < 1:
            opened.close()
            raise EngineError(EXTRACTION_FAILED, "The PDF has no pages.")
    else:
        img = open_image(src)
        opened = OpenDocument(DocumentInfo(media_type, 0, size), image=img)
        try:
            opened.info.page_count = image_frame_count(img, media_type)
        except EngineError:
            opened.close()
            raise
    try:
        check_page_count(opened.info.page_count, max_page_count)
    except EngineError:
        opened.close()
        raise
    return opened


def inspect_document(
    source: Source | DocumentSource,
    *,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    max_page_count: int | None = DEFAULT_MAX_PAGE_COUNT,
) -> DocumentInfo:
    """Type, page count and encryption of a document, without extracting anything.

    Raises ``EngineError`` with ``unsupported_input``, ``document_too_large``,
    ``page_limit_exceeded`` or ``extraction_failed`` (damaged file). A PDF that
    needs a password is *not* an error here: it comes back with
    ``encrypted=True`` and ``page_count=0`` so the caller decides.
    Pass ``None`` as a limit to skip that check.
    """
    with PDFIUM_LOCK:
        opened = open_document(
            source, max_bytes=max_bytes, max_page_count=max_page_count, allow_encrypted=True
        )
        opened.close()
    return opened.info


_RANGE = re.compile(r"^(\d+)?\s*(-)?\s*(\d+)?$")


def parse_page_selection(
    spec: str | None, page_count: int, *, max_pages: int | None = None
) -> list[int]:
    """Pages (1-based, ascending, unique) chosen by ``spec`` such as ``"1,3,5-7"``.

    ``None`` or an empty string selects every page; ``"5-"`` runs to the last page.
    At most ``max_pages`` pages are kept (the first ones). Raises
    ``PageSelectionError`` (a ``ValueError``) for bad syntax or pages outside
    ``1..page_count``.
    """
    if max_pages is not None and max_pages < 1:
        raise PageSelectionError(f"max_pages must be at least 1, not {max_pages}.")
    if spec is None or not str(spec).strip():
        pages = list(range(1, page_count + 1))
    else:
        chosen: set[int] = set()
        for part in str(spec).split(","):
            part = part.strip()
            match = _RANGE.match(part)
            if not part or not match or (match.group(1) is None):
                raise PageSelectionError(
                    f"Invalid page selection {spec!r}: use page numbers and ranges like '1,3,5-7'."
                )
            first = int(match.group(1))
            last = first
            if match.group(2):
                last = int(match.group(3)) if match.group(3) else page_count
            if first < 1:
                raise PageSelectionError(f"Invalid page selection {spec!r}: pages start at 1.")
            if last < first:
                raise PageSelectionError(
                    f"Invalid page selection {spec!r}: range {first}-{last} is reversed."
                )
            if last > page_count or first > page_count:
                bad = max(first, last)
                raise PageSelectionError(
                    f"Page {bad} is out of range: the document has {page_count} "
                    f"page{'s' if page_count != 1 else ''}."
                )
            chosen.update(range(first, last + 1))
        pages = sorted(chosen)
    if max_pages is not None:
        pages = pages[:max_pages]
    return pages
