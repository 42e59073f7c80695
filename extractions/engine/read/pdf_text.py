"""The PDF text layer: words with boxes, straight from pdfium's text page.

Speed matters here (text PDFs must run at 100+ pages/s end to end), so this talks
to pdfium's C API directly: one call for the page's text, then two calls per word
(the loose boxes of its first and last characters) through lean ctypes
prototypes; never one Python object per character. pdfplumber (pdfminer) is ~30x
slower and is not used for words.

Coordinates: pdfium reports PDF user space (points, origin bottom-left, before
/Rotate and the crop box). ``PageFrame`` maps that to the normalised 0..1,
top-left, upright page with an affine transform derived from
``FPDF_PageToDevice``, so rotation and crop box are handled exactly as pdfium
renders the page.
"""

from __future__ import annotations

import ctypes
import re
import struct
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..types import Ruling, Word

_FS_RECTF_PAIR = pdfium_c.FS_RECTF * 2
_c_void_p = ctypes.c_void_p


def _lean(func: object, restype: object, *argtypes: object) -> object:
    """A ctypes prototype of a pdfium function taking raw addresses (3x cheaper per call)."""
    address = ctypes.cast(func, ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_get_loose_char_box = _lean(
    pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int, _c_void_p, ctypes.c_int, _c_void_p
)
_get_text = _lean(
    pdfium_c.FPDFText_GetText, ctypes.c_int, _c_void_p, ctypes.c_int, ctypes.c_int, _c_void_p
)

_get_object = _lean(pdfium_c.FPDFPage_GetObject, _c_void_p, _c_void_p, ctypes.c_int)
_get_form_object = _lean(pdfium_c.FPDFFormObj_GetObject, _c_void_p, _c_void_p, ctypes.c_ulong)
_get_type = _lean(pdfium_c.FPDFPageObj_GetType, ctypes.c_int, _c_void_p)
_get_bounds = _lean(
    pdfium_c.FPDFPageObj_GetBounds,
    ctypes.c_int,
    _c_void_p,
    _c_void_p,
    _c_void_p,
    _c_void_p,
    _c_void_p,
)
_get_draw_mode = _lean(pdfium_c.FPDFPath_GetDrawMode, ctypes.c_int, _c_void_p, _c_void_p, _c_void_p)
_get_matrix = _lean(pdfium_c.FPDFPageObj_GetMatrix, ctypes.c_int, _c_void_p, _c_void_p)
_count_segments = _lean(pdfium_c.FPDFPath_CountSegments, ctypes.c_int, _c_void_p)
_get_segment = _lean(pdfium_c.FPDFPath_GetPathSegment, _c_void_p, _c_void_p, ctypes.c_int)
_segment_point = _lean(
    pdfium_c.FPDFPathSegment_GetPoint, ctypes.c_int, _c_void_p, _c_void_p, _c_void_p
)
_segment_type = _lean(pdfium_c.FPDFPathSegment_GetType, ctypes.c_int, _c_void_p)
_segment_close = _lean(pdfium_c.FPDFPathSegment_GetClose, ctypes.c_int, _c_void_p)
_FLOAT4 = ctypes.c_float * 4
_INT2 = ctypes.c_int * 2
_MOVETO = pdfium_c.FPDF_SEGMENT_MOVETO
_LINETO = pdfium_c.FPDF_SEGMENT_LINETO

_WORD = re.compile(r"\S+")
# U+FFFD and private-use code points come out of fonts without a usable
# ToUnicode map: text that looks present but cannot be read.
_BAD_CHARS = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL = str.maketrans({"\x02": "-", "\x00": None, "\ufffe": None, "\uffff": None})
# Typographic ligatures (one glyph for "fi", "ffl"...) are spelled out so words match.
_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
    }
)


def address(handle: object) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


@dataclass(slots=True)
class PageFrame:
    """Affine map from PDF user space to the normalised upright page."""

    a: float
    b: float
    c: float
    d: float
    e: float
    f: float
    width: float  # upright size in points (rotation and crop box applied)
    height: float

    @classmethod
    def of(cls, page: pdfium.PdfPage) -> PageFrame:
        # Device coordinates are integers: a large virtual device keeps 1e-6 precision.
        scale = 1_000_000
        dx, dy = ctypes.c_int(), ctypes.c_int()
        points = []
        for px, py in ((0.0, 0.0), (1000.0, 0.0), (0.0, 1000.0)):
            pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, scale, scale, 0, px, py, dx, dy)
            points.append((dx.value / scale, dy.value / scale))
        (u0, v0), (u1, v1), (u2, v2) = points
        width, height = page.get_size()
        return cls(
            a=(u1 - u0) / 1000.0,
            b=(v1 - v0) / 1000.0,
            c=(u2 - u0) / 1000.0,
            d=(v2 - v0) / 1000.0,
            e=u0,
            f=v0,
            width=float(width),
            height=float(height),
        )

    def rect(
        self, left: float, bottom: float, right: float, top: float
    ) -> tuple[float, float, float, float]:
        """Normalised (x0, y0, x1, y1) of a PDF-space rectangle, clamped to the page."""
        a, b, c, d, e, f = self.a, self.b, self.c, self.d, self.e, self.f
        xa, ya = a * left + c * bottom + e, b * left + d * bottom + f
        xb, yb = a * right + c * top + e, b * right + d * top + f
        x0, x1 = (xa, xb) if xa <= xb else (xb, xa)
        y0, y1 = (ya, yb) if ya <= yb else (yb, ya)
        return (
            0.0 if x0 < 0.0 else (1.0 if x0 > 1.0 else x0),
            0.0 if y0 < 0.0 else (1.0 if y0 > 1.0 else y0),
            0.0 if x1 < 0.0 else (1.0 if x1 > 1.0 else x1),
            0.0 if y1 < 0.0 else (1.0 if y1 > 1.0 else y1),
        )

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f)


@dataclass(slots=True)
class TextLayer:
    words: list[Word]
    chars: int  # non-space characters on the page
    bad_chars: int  # characters that cannot be read (no Unicode mapping)

    @property
    def usable(self) -> bool:
        return self.chars > 0 and self.bad_chars <= 0.25 * self.chars


def page_text(textpage: pdfium.PdfTextPage) -> str:
    """All characters of the page, one str index per pdfium character index."""
    count = textpage.count_chars()
    if count <= 0:
        return ""
    buf = ctypes.create_string_buffer((count + 1) * 2)
    _get_text(address(textpage.raw), 0, count, ctypes.addressof(buf))
    raw = buf.raw[: count * 2]
    text = raw.decode("utf-16-le", "surrogatepass")
    if len(text) != count:
        # Surrogate pairs merged into one str char: keep indices aligned with pdfium's.
        text = "".join(map(chr, struct.unpack(f"<{count}H", raw)))
    return text


def read_words(textpage: pdfium.PdfTextPage, frame: PageFrame, number: int) -> TextLayer:
    text = page_text(textpage)
    if not text:
        return TextLayer([], 0, 0)
    tp = address(textpage.raw)
    pair = _FS_RECTF_PAIR()
    first = ctypes.addressof(pair)
    last = first + ctypes.sizeof(pdfium_c.FS_RECTF)
    unpack = struct.Struct("<8f").unpack_from
    getbox = _get_loose_char_box
    rect = frame.rect
    # Upright pages (no /Rotate) map x and y independently: inline that common case.
    upright = frame.b == 0.0 and frame.c == 0.0 and frame.a > 0.0 and frame.d < 0.0
    a, d, e, f = frame.a, frame.d, frame.e, frame.f
    words: list[Word] = []
    append = words.append
    # non-space characters (what the words are made of): str.split and the regex agree
    # on what whitespace is
    chars = len("".join(text.split()))
    unpack4 = _UNPACK_4F
    for match in _WORD.finditer(text):
        start, end = match.span()
        getbox(tp, start, first)
        if end - start == 1:  # one character: its box is both ends
            l1, t1, r1, b1 = l2, t2, r2, b2 = unpack4(pair)
        else:
            getbox(tp, end - 1, last)
            # FS_RECTF is (left, top, right, bottom) in PDF space.
            l1, t1, r1, b1, l2, t2, r2, b2 = unpack(pair)
        if upright:
            x0 = a * (l1 if l1 < l2 else l2) + e
            x1 = a * (r1 if r1 > r2 else r2) + e
            y0 = d * (t1 if t1 > t2 else t2) + f
            y1 = d * (b1 if b1 < b2 else b2) + f
            if x0 < 0.0 or y0 < 0.0 or x1 > 1.0 or y1 > 1.0:
                if x1 <= 0.0 or y1 <= 0.0 or x0 >= 1.0 or y0 >= 1.0:
                    continue  # outside the crop box: not visible
                x0, y0 = max(x0, 0.0), max(y0, 0.0)
                x1, y1 = min(x1, 1.0), min(y1, 1.0)
        else:
            x0, y0, x1, y1 = rect(
                l1 if l1 < l2 else l2,
                b1 if b1 < b2 else b2,
                r1 if r1 > r2 else r2,
                t1 if t1 > t2 else t2,
            )
            if (x0 == x1 and (x0 in (0.0, 1.0))) or (y0 == y1 and (y0 in (0.0, 1.0))):
                continue  # clamped flat onto the border: outside the crop box
        token = match.group()
        if not (token.isascii() and token.isprintable()):
            token = token.translate(_LIGATURES)
            if not token.isprintable():
                token = _clean(token)
                if not token:
                    continue
        append(Word(token, number, x0, y0, x1, y1))
    bad = len(_BAD_CHARS.findall(text))
    return TextLayer(words, chars, bad)


def _clean(token: str) -> str:
    token = token.translate(_CONTROL)
    try:
        token = token.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        token = token.encode("utf-8", "replace").decode("utf-8")
    return "".join(ch for ch in token if ch.isprintable())


# --------------------------------------------------------------------------- objects

_PATH = pdfium_c.FPDF_PAGEOBJ_PATH
_IMAGE = pdfium_c.FPDF_PAGEOBJ_IMAGE
_FORM = pdfium_c.FPDF_PAGEOBJ_FORM
_MAX_OBJECTS = 20_000  # beyond this a page is artwork, not a table: stop looking


@dataclass(slots=True)
class PageObjects:
    rulings: list[Ruling]
    images: list[tuple[tuple[float, float, float, float], object]]  # (normalised bbox, raw handle)
    count: int


def _bounds(obj: int) -> tuple[float, float, float, float] | None:
    """(left, bottom, right, top) of a page object; ``obj`` is its raw address."""
    buf = _FLOAT4()
    base = ctypes.addressof(buf)
    if not _get_bounds(obj, base, base + 4, base + 8, base + 12):
        return None
    return buf[0], buf[1], buf[2], buf[3]


_OBJ_PTR = pdfium_c.FPDF_PAGEOBJECT


def _as_obj(obj: int) -> object:
    """A typed pdfium page-object handle for the (rarer) calls made through the bindings."""
    return ctypes.cast(obj, _OBJ_PTR)


def _matrix(obj: int) -> tuple[float, float, float, float, float, float]:
    m = pdfium_c.FS_MATRIX()
    if not _get_matrix(obj, ctypes.addressof(m)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(
    inner: tuple[float, float, float, float, float, float],
    outer: tuple[float, float, float, float, float, float],
) -> tuple[float, float, float, float, float, float]:
    a1, b1, c1, d1, e1, f1 = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def page_objects(
    page: pdfium.PdfPage, frame: PageFrame, number: int, *, rulings: bool, images: bool
) -> PageObjects:
    """Drawn line segments (for ruled tables) and image placements of a page."""
    out = PageObjects([], [], 0)
    bufs = _Buffers()
    stack: list[tuple[int, bool, tuple[float, ...]]] = [(address(page.raw), False, _IDENTITY)]
    while stack:
        container, is_form, ctm = stack.pop()
        if is_form:
            n = pdfium_c.FPDFFormObj_CountObjects(_as_obj(container))
            get = _get_form_object
        else:
            n = pdfium_c.FPDFPage_CountObjects(page.raw)
            get = _get_object
        get_type = _get_type
        for i in range(n):
            out.count += 1
            if out.count > _MAX_OBJECTS:
                return out
            obj = get(container, i)
            if not obj:
                continue
            kind = get_type(obj)
            if kind == _FORM:
                if rulings or images:
                    stack.append((obj, True, _compose(_matrix(obj), ctm)))
            elif kind == _PATH and rulings:
                _path_rulings(obj, ctm, frame, number, out.rulings, bufs)
            elif kind == _IMAGE and images:
                box = _bounds(obj)
                if box is not None:
                    x0, y0, x1, y1 = _transform_rect(box, ctm)
                    out.images.append((frame.rect(x0, y0, x1, y1), _as_obj(obj)))
    return out


class _Buffers:
    """ctypes out-parameters allocated once per page, not once per path object."""

    __slots__ = ("f4", "f4_addr", "matrix", "matrix_addr", "mode", "mode_addr")

    def __init__(self) -> None:
        self.f4 = _FLOAT4()
        self.f4_addr = ctypes.addressof(self.f4)
        self.mode = _INT2()
        self.mode_addr = ctypes.addressof(self.mode)
        self.matrix = pdfium_c.FS_MATRIX()
        self.matrix_addr = ctypes.addressof(self.matrix)


_UNPACK_4F = struct.Struct("<4f").unpack_from
_UNPACK_2I = struct.Struct("<2i").unpack_from
_UNPACK_6F = struct.Struct("<6f").unpack_from


def _transform_rect(
    box: tuple[float, float, float, float], m: tuple[float, ...]
) -> tuple[float, float, float, float]:
    if m is _IDENTITY:
        return box
    left, bottom, right, top = box
    xs, ys = [], []
    for x, y in ((left, bottom), (right, top), (left, top), (right, bottom)):
        xs.append(m[0] * x + m[2] * y + m[4])
        ys.append(m[1] * x + m[3] * y + m[5])
    return min(xs), min(ys), max(xs), max(ys)


_MIN_RULE_PT = 4.0  # shorter segments are glyph parts or ticks, not table rules
_THIN_PT = 3.0  # a filled rectangle thinner than this is drawn as a rule


def _path_rulings(
    obj: int,
    ctm: tuple[float, ...],
    frame: PageFrame,
    number: int,
    out: list[Ruling],
    bufs: _Buffers | None = None,
) -> None:
    b = bufs or _Buffers()
    fa = b.f4_addr
    if not _get_bounds(obj, fa, fa + 4, fa + 8, fa + 12):
        return
    box = _UNPACK_4F(b.f4)
    left, bottom, right, top = box if ctm is _IDENTITY else _transform_rect(box, ctm)
    w, h = right - left, top - bottom
    if w < _MIN_RULE_PT and h < _MIN_RULE_PT:
        return
    _get_draw_mode(obj, b.mode_addr, b.mode_addr + 4)
    stroke = _UNPACK_2I(b.mode)[1]
    if (h <= _THIN_PT or w <= _THIN_PT) and not stroke:
        # A filled hairline rectangle: its midline is the rule.
        if h <= _THIN_PT:
            mid = (bottom + top) / 2
            _add(frame, number, left, mid, right, mid, out)
        else:
            mid = (left + right) / 2
            _add(frame, number, mid, bottom, mid, top, out)
        return
    if not stroke:
        return  # a filled area (cell shading, logo): its edges are not drawn lines
    # Stroked lines and boxes: keep their axis-aligned straight segments.
    if _get_matrix(obj, b.matrix_addr):
        own = _UNPACK_6F(b.matrix)
        m = own if ctm is _IDENTITY else _compose(own, ctm)
    else:
        m = _IDENTITY if ctm is _IDENTITY else _compose(_IDENTITY, ctm)
    count = _count_segments(obj)
    if count <= 0 or count > 2000:
        return
    ma, mb, mc, md, me, mf = m
    get_segment, segment_point, segment_type = _get_segment, _segment_point, _segment_type
    segment_close = _segment_close
    unpack2 = _UNPACK_2F
    start = prev = None
    for i in range(count):
        seg = get_segment(obj, i)
        if not seg or not segment_point(seg, fa, fa + 4):
            continue
        x, y = unpack2(b.f4)
        pt = (ma * x + mc * y + me, mb * x + md * y + mf)
        kind = segment_type(seg)
        if kind == _MOVETO:
            start = prev = pt
            continue
        if kind == _LINETO and prev is not None:
            _add_segment(frame, number, prev, pt, out)
        prev = pt
        if segment_close(seg) and start is not None:
            _add_segment(frame, number, pt, start, out)
            prev = start


_UNPACK_2F = struct.Struct("<2f").unpack_from


def _add_segment(
    frame: PageFrame,
    number: int,
    p: tuple[float, float],
    q: tuple[float, float],
    out: list[Ruling],
) -> None:
    dx, dy = abs(q[0] - p[0]), abs(q[1] - p[1])
    if max(dx, dy) < _MIN_RULE_PT or min(dx, dy) > 1.0:
        return  # too short, or diagonal
    _add(frame, number, p[0], p[1], q[0], q[1], out)


def _add(
    frame: PageFrame, number: int, x0: float, y0: float, x1: float, y1: float, out: list[Ruling]
) -> None:
    u0, v0 = frame.point(x0, y0)
    u1, v1 = frame.point(x1, y1)
    if u0 > u1 or (u0 == u1 and v0 > v1):
        u0, v0, u1, v1 = u1, v1, u0, v0
    out.append(
        Ruling(
            number,
            min(max(u0, 0.0), 1.0),
            min(max(v0, 0.0), 1.0),
            min(max(u1, 0.0), 1.0),
            min(max(v1, 0.0), 1.0),
        )
    )


def page_needs_ocr(page: pdfium.PdfPage, layer: TextLayer) -> bool:
    """True when the page shows something but its text layer cannot be used for it.

    Scans carry an image and no (or a token) text layer; some PDFs draw text as
    vector outlines or with fonts that have no Unicode mapping.
    """
    if layer.usable and layer.chars >= 40:
        return False
    n_objects = pdfium_c.FPDFPage_CountObjects(page.raw)
    if n_objects == 0:
        return False  # a blank page
    if not layer.usable:
        return True
    # Few characters: OCR only if an image covers much of the page (a scan with a stamp).
    frame = PageFrame.of(page)
    objs = page_objects(page, frame, 0, rulings=False, images=True)
    covered = sum((x1 - x0) * (y1 - y0) for (x0, y0, x1, y1), _ in objs.images)
    return covered >= 0.3
