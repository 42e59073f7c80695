"""PDFs whose drawing never ends or multiplies itself, written byte by byte (issue #19 item 2).

``self_drawing_form_pdf`` is the adversarial run's case: a page draws form /X, whose own
resources name /X again and whose content draws it twice: each level doubles, and PDFium
loading the page grew a worker to 2.9 GB until it was killed. The others are the same attack
by other routes (a form without resources that inherits the page's, a cycle of two forms, a
tiling pattern painting with itself, a Type 3 glyph showing itself, a chain of forms that
multiply without a cycle, names spelled with # escapes, objects hidden in an object stream),
plus two legitimate drawings that must still be read.
"""

from __future__ import annotations

import zlib

from tests.reliability.mutants import pdf_from_objects

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
BOX = b"/BBox [0 0 612 792]"


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< " + entries + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def page(resources: bytes, contents: int = 5) -> bytes:
    return (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
        + resources
        + b" /Contents %d 0 R >>" % contents
    )


def _twice(name: bytes) -> bytes:
    return b"q .5 0 0 .5 0 0 cm /%s Do Q q .5 0 0 .5 306 396 cm /%s Do Q" % (name, name)


def self_drawing_form_pdf() -> bytes:
    return pdf_from_objects(
        [
            CATALOG,
            PAGES,
            page(b"<< /XObject << /X 4 0 R >> >>"),
            stream(_twice(b"X"), b"/Type /XObject /Subtype /Form " + BOX + b" /Resources 6 0 R"),
            stream(b"/X Do"),
            b"<< /XObject << /X 4 0 R >> >>",
        ]
    )


def inherited_self_drawing_form_pdf() -> bytes:
    """The form has no /Resources: its /X is looked up in the page's, which is itself."""
    return pdf_from_objects(
        [
            CATALOG,
            PAGES,
            page(b"<< /XObject << /X 4 0 R >> >>"),
            stream(_twice(b"X"), b"/Type /XObject /Subtype /Form " + BOX),
            stream(b"/X Do"),
        ]
    )


def form_cycle_pdf() -> bytes:
    return pdf_from_objects(
        [
            CATALOG,
            PAGES,
            page(b"<< /XObject << /A 4 0 R >> >>"),
            stream(
                b"/B Do", b"/Subtype /Form " + BOX + b" /Resources << /XObject << /B 6 0 R >> >>"
            ),
            stream(b"/A Do"),
            stream(
                b"/A Do", b"/Subtype /Form " + BOX + b" /Resources << /XObject << /A 4 0 R >> >>"
            ),
        ]
    )


def form_fanout_pdf(levels: int = 9, fanout: int = 10) -> bytes:
    """Form n draws form n+1 ``fanout`` times: fanout ** levels draws, no cycle."""
    first = 6
    objects = [CATALOG, PAGES, page(b"<< /XObject << /F0 %d 0 R >> >>" % first)]
    objects += [b"null", stream(b"/F0 Do")]  # 4 unused, 5 the page content
    for level in range(levels):
        body = (
            b" ".join([b"/F%d Do" % (level + 1)] * fanout)
            if level < levels - 1
            else b"0 0 1 1 re f"
        )
        entries = b"/Subtype /Form " + BOX
        if level < levels - 1:
            entries += b" /Resources << /XObject << /F%d %d 0 R >> >>" % (
                level + 1,
                first + level + 1,
            )
        objects.append(stream(body, entries))
    return pdf_from_objects(objects)


def recursive_pattern_pdf() -> bytes:
    tiling = b"/PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 10 10] /XStep 5 /YStep 5"
    return pdf_from_objects(
        [
            CATALOG,
            PAGES,
            page(b"<< /Pattern << /P 4 0 R >> >>"),
            stream(
                b"/Pattern cs /P scn 0 0 10 10 re f",
                tiling + b" /Resources << /Pattern << /P 4 0 R >> >>",
            ),
            stream(b"/Pattern cs /P scn 0 0 612 792 re f"),
        ]
    )


def recursive_type3_pdf() -> bytes:
    font = (
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 10 10] /FontMatrix [.1 0 0 .1 0 0]"
        b" /CharProcs << /a 6 0 R >> /Encoding << /Differences [97 /a] >> /FirstChar 97"
        b" /LastChar 97 /Widths [10] /Resources << /Font << /T 4 0 R >> >> >>"
    )
    return pdf_from_objects(
        [
            CATALOG,
            PAGES,
            page(b"<< /Font << /T 4 0 R >> >>"),
            font,
            stream(b"BT /T 12 Tf 72 700 Td (aaaa) Tj ET"),
            stream(b"10 0 0 0 10 10 d1 BT /T 1 Tf (aa) Tj ET"),
        ]
    )


def escaped_names_pdf() -> bytes:
    """/Fo#72m is /Form, /X#4fbject is /XObject: the byte search cannot be fooled."""
    return (
        self_drawing_form_pdf()
        .replace(b"/Subtype /Form", b"/Subtype /Fo#72m")
        .replace(b"/XObject <<", b"/X#4fbject <<")
    )


def object_stream_pdf() -> bytes:
    """PDF 1.5: the page and the name /Form sit in a compressed object stream, found through a
    cross-reference stream; the form's /Subtype refers to that name indirectly."""
    packed = {
        1: CATALOG,
        2: PAGES,
        3: page(b"<< /XObject << /X 4 0 R >> >>"),
        6: b"/Form",
    }
    bodies, offsets, position = [], [], 0
    for body in packed.values():
        offsets.append(position)
        bodies.append(body)
        position += len(body) + 1
    header = b" ".join(b"%d %d" % (n, o) for n, o in zip(packed, offsets, strict=True)) + b"\n"
    objstm_data = zlib.compress(header + b"\n".join(bodies) + b"\n")
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    located: dict[int, int] = {}

    def add(number: int, body: bytes) -> None:
        located[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    add(4, stream(_twice(b"X"), b"/Subtype 6 0 R " + BOX))
    add(5, stream(b"/X Do"))
    add(
        7,
        b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(packed), len(header), len(objstm_data))
        + objstm_data
        + b"\nendstream",
    )
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]  # object 0: free
    index_in_stream = {number: i for i, number in enumerate(packed)}
    for number in range(1, 9):
        if number in index_in_stream:
            rows.append(
                b"\x02" + (7).to_bytes(4, "big") + index_in_stream[number].to_bytes(2, "big")
            )
        elif number in located:
            rows.append(b"\x01" + located[number].to_bytes(4, "big") + b"\x00\x00")
        else:  # 8: the cross-reference stream itself
            rows.append(b"\x01" + len(out).to_bytes(4, "big") + b"\x00\x00")
    xref_data = b"".join(rows)
    start = len(out)
    out.extend(
        b"8 0 obj\n<< /Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % len(xref_data)
        + xref_data
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start
    )
    return bytes(out)


def logo_forms_pdf(times: int = 40) -> bytes:
    """Legitimate: a logo form drawn ``times`` times through a wrapper form, and resources
    shared by the page and both forms (they name each other, nothing draws itself)."""
    shared = (
        b"<< /XObject << /Wrap 4 0 R /Logo 6 0 R >>"
        b" /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    )
    draws = b" ".join(b"q 1 0 0 1 %d 0 cm /Logo Do Q" % (i * 10) for i in range(times))
    return pdf_from_objects(
        [
            CATALOG,
            PAGES,
            page(b"7 0 R"),
            stream(draws, b"/Subtype /Form " + BOX + b" /Resources 7 0 R"),
            stream(b"/Wrap Do BT /F1 12 Tf 72 700 Td (Invoice INV-77) Tj ET"),
            stream(b"0 0 8 8 re f", b"/Subtype /Form /BBox [0 0 8 8] /Resources 7 0 R"),
            shared,
        ]
    )


RECURSIVE = {
    "self-drawing-form": self_drawing_form_pdf,
    "inherited-self-drawing-form": inherited_self_drawing_form_pdf,
    "form-cycle": form_cycle_pdf,
    "form-fanout-10^9": form_fanout_pdf,
    "recursive-tiling-pattern": recursive_pattern_pdf,
    "recursive-type3-glyph": recursive_type3_pdf,
    "escaped-names": escaped_names_pdf,
    "object-stream": object_stream_pdf,
}
