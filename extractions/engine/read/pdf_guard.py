"""A PDF's drawing graph, checked before PDFium parses a page.

PDFium expands a form XObject every time a content stream draws it (``/X Do``), and a form can
draw forms in turn. A 689-byte PDF whose form draws itself twice makes loading its page grow
without bound (2 ** PDFium's nesting limit of forms): the worker reached 2.9 GB and was killed,
again on every retry. A chain of forms that each draw the next many times ("billion laughs")
does the same without a cycle. This module walks the graph of everything that runs content —
pages, annotation appearances, form XObjects, tiling patterns and Type 3 glyphs — as resource
names resolve (a form without ``/Resources`` uses its caller's), and refuses with
``document_malformed`` before any page is loaded:

- a cycle (a form, pattern or glyph that ends up drawing itself);
- nesting deeper than ``MAX_NESTING``;
- more than ``MAX_EXECUTIONS`` content-stream runs over the whole document once expanded;
- a page tree deeper than ``MAX_PAGE_TREE_DEPTH``.

Cost: a byte search of the file first. A PDF with no form, pattern or Type 3 font written in
plain sight (no object streams, no ``#``-escaped names) cannot do any of this, and is passed
without parsing; otherwise pdfminer reads only the objects on the way (page tree, resources),
and content streams are inflated at most ``MAX_STREAM_BYTES`` each and ``TIME_BUDGET_SECONDS``
in all. What cannot be read is left to PDFium, which runs under the worker's memory limit (and
a document whose run was lost is retried in a child with a lower one).

Plain Python (no Django).
"""

from __future__ import annotations

import logging
import mmap
import re
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from ..types import DOCUMENT_MALFORMED, DOCUMENT_TOO_LARGE, EngineError

MAX_NESTING = 32
MAX_EXECUTIONS = 100_000
MAX_PAGE_TREE_DEPTH = 64
MAX_STREAM_BYTES = 32 * 1024 * 1024
TIME_BUDGET_SECONDS = 5.0

# Without one of these in the file's bytes, nothing can draw a form, a tiling pattern or a
# glyph procedure. An object stream hides objects in compressed bytes; a #-escaped name can
# spell any of them (/Fo#72m is /Form), so escaped names are decoded and compared.
_KEY_NAMES = frozenset({"Form", "PatternType", "Type3", "ObjStm"})
_NEEDS_A_LOOK = re.compile(
    rb"/(?:Form|Type3|ObjStm)(?![^\s/\[\]()<>{}%])|/PatternType\s*1(?!\d)"
    rb"|/[^\s/\[\]()<>{}%]*#[0-9A-Fa-f]{2}[^\s/\[\]()<>{}%]*"
)
_SCAN_CHUNK = 8 * 1024 * 1024

# A name operand and the operator right after it: "/Fm1 Do", "/P0 scn", "/F1 12 Tf".
_NAME = rb"/([^\s/\[\]()<>{}%]+)"
_DRAWS = re.compile(_NAME + rb"\s+Do(?![^\s/\[\]()<>{}%])")
_PAINTS = re.compile(_NAME + rb"\s+(?:scn|SCN)(?![^\s/\[\]()<>{}%])")
_FONTS = re.compile(_NAME + rb"\s+[-+.\d]+\s+Tf(?![^\s/\[\]()<>{}%])")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")

logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its complaints about damaged files


def check_pdf(source: Any) -> None:
    """Raise ``EngineError(document_malformed)`` when the PDF's content would draw itself or
    explode once expanded; ``document_too_large`` when reading its objects runs out of memory.
    ``source``: a path, bytes or a seekable binary file (``DocumentSource.pdfium_input()``)."""
    if not _may_nest(source):
        return
    try:
        with _opened(source) as fh:
            _Graph(fh).check()
    except EngineError:
        raise
    except MemoryError as exc:
        raise EngineError(
            DOCUMENT_TOO_LARGE, "The PDF's objects need more memory than allowed to read."
        ) from exc
    except (_OutOfBudget, RecursionError):
        return  # too costly to check here: PDFium under the memory limit decides
    except Exception:
        return  # pdfminer cannot read it: PDFium, more lenient, decides


# --------------------------------------------------------------------------- the file


def _may_nest(source: Any) -> bool:
    if isinstance(source, bytes | bytearray | memoryview):
        return _mentions_a_key_name(source)
    with _opened(source) as fh:
        try:
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
                return _mentions_a_key_name(view)
        except (AttributeError, OSError, ValueError):  # not a real file: read it in chunks
            fh.seek(0)
            tail = b""
            while chunk := fh.read(_SCAN_CHUNK):
                if _mentions_a_key_name(tail + chunk):
                    return True
                tail = chunk[-256:]
            return False


def _mentions_a_key_name(data: Any) -> bool:
    for match in _NEEDS_A_LOOK.finditer(data):
        token = match.group(0)
        if b"#" not in token:
            return True
        # An escaped name (also found in binary stream data by chance): only its meaning counts.
        if _decode_name(token[1:]) in _KEY_NAMES:
            return True
    return False


class _opened:
    """The source as a binary file positioned at 0 (a path is opened, then closed)."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.owned: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        import io
        import os

        if isinstance(self.source, bytes | bytearray | memoryview):
            return io.BytesIO(bytes(self.source))
        if isinstance(self.source, str | os.PathLike):
            self.owned = open(self.source, "rb")
            return self.owned
        self.source.seek(0)
        return self.source

    def __exit__(self, *exc: object) -> None:
        if self.owned is not None:
            self.owned.close()
        elif not isinstance(self.source, bytes | bytearray | memoryview):
            self.source.seek(0)


# --------------------------------------------------------------------------- the graph


class _OutOfBudget(Exception):
    pass


def _name(value: Any) -> str | None:
    """A PDF name object's name (pdfminer's PSLiteral), else None."""
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else None


def _decode_name(raw: bytes) -> str:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


@dataclass(slots=True)
class _Node:
    """A content stream run with given resources."""

    key: tuple[int, int]
    stream: Any
    resources: Any
    what: str


@dataclass(slots=True)
class _Frame:
    node: _Node
    children: list[tuple[_Node, int]]
    index: int = 0
    total: int = 1


@dataclass
class _Graph:
    fh: IO[bytes]
    deadline: float = field(default_factory=lambda: time.monotonic() + TIME_BUDGET_SECONDS)
    executions: dict[tuple[int, int], int] = field(default_factory=dict)
    names_used: dict[int, tuple[Counter, Counter, Counter]] = field(default_factory=dict)
    spent: int = 0

    def check(self) -> None:
        from pdfminer.pdfdocument import PDFDocument
        from pdfminer.pdfparser import PDFParser

        self.doc = PDFDocument(PDFParser(self.fh))
        for number, (page, resources) in enumerate(self._pages(), start=1):
            for root in self._roots(page, resources, number):
                self.spent += self._expand(root)
                if self.spent > MAX_EXECUTIONS:
                    raise _malformed(
                        f"its pages draw more than {MAX_EXECUTIONS:,} forms, patterns or glyph "
                        "procedures once expanded (a drawing that multiplies itself)"
                    )

    # ----------------------------------------------------------------------- resolving

    def _resolve(self, value: Any) -> Any:
        from pdfminer.pdftypes import resolve1

        self._tick()
        return resolve1(value)

    def _dict(self, value: Any) -> dict:
        value = self._resolve(value)
        attrs = getattr(value, "attrs", value)  # a stream's dictionary
        return attrs if isinstance(attrs, dict) else {}

    def _tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise _OutOfBudget

    # ----------------------------------------------------------------------- pages

    def _pages(self) -> Iterator[tuple[dict, Any]]:
        """(page dictionary, its resources) in order, walking the page tree without
        recursion; inherited /Resources follow the tree."""
        root = self.doc.catalog.get("Pages")
        stack: list[tuple[Any, Any, int]] = [(root, None, 1)]
        seen: set[int] = set()
        while stack:
            ref, inherited, depth = stack.pop()
            if depth > MAX_PAGE_TREE_DEPTH:
                raise _malformed(f"its page tree nests deeper than {MAX_PAGE_TREE_DEPTH} levels")
            objid = getattr(ref, "objid", None)
            if objid is not None:
                if objid in seen:
                    continue  # a cycle in the tree: PDFium skips it too
                seen.add(objid)
            node = self._dict(ref)
            resources = node.get("Resources", inherited)
            kind = _name(self._resolve(node.get("Type")))
            kids = self._resolve(node.get("Kids"))
            if kind == "Pages" or (kind is None and isinstance(kids, list)):
                if isinstance(kids, list):
                    stack.extend((kid, resources, depth + 1) for kid in reversed(kids))
            else:
                yield node, resources

    def _roots(self, page: dict, resources: Any, number: int) -> Iterator[_Node]:
        contents = self._resolve(page.get("Contents"))
        parts = contents if isinstance(contents, list) else [contents]
        for i, part in enumerate(parts):
            stream = self._resolve(part)
            if _is_stream(stream):
                yield self._node(stream, resources, f"page {number}", salt=i)
        annots = self._resolve(page.get("Annots"))
        for annot in annots if isinstance(annots, list) else []:
            appearances = self._dict(self._dict(annot).get("AP"))
            for state in appearances.values():
                state = self._resolve(state)
                streams = state.values() if isinstance(state, dict) else [state]
                for stream in streams:
                    stream = self._resolve(stream)
                    if _is_stream(stream):
                        yield self._node(stream, resources, f"an annotation of page {number}")

    def _node(self, stream: Any, inherited: Any, what: str, salt: int = 0) -> _Node:
        own = stream.attrs.get("Resources")
        resources = self._resolve(own) if own is not None else self._resolve(inherited)
        return _Node((_identity(stream, salt), id(resources)), stream, resources, what)

    # ----------------------------------------------------------------------- expansion

    def _expand(self, root: _Node) -> int:
        """How many content runs drawing ``root`` costs, expanded (saturating just above
        MAX_EXECUTIONS). Iterative depth-first search with memo and cycle detection."""
        if root.key in self.executions:
            return self.executions[root.key]
        stack = [_Frame(root, self._children(root))]
        on_path = {root.key}
        while stack:
            frame = stack[-1]
            if frame.index < len(frame.children):
                child, times = frame.children[frame.index]
                frame.index += 1
                known = self.executions.get(child.key)
                if known is None:
                    if child.key in on_path:
                        raise _malformed(f"{child.what} draws itself (a recursive content stream)")
                    if len(stack) >= MAX_NESTING:
                        raise _malformed(
                            f"its forms, patterns or glyph procedures nest deeper than "
                            f"{MAX_NESTING} levels"
                        )
                    frame.index -= 1  # come back to count it once it is known
                    on_path.add(child.key)
                    stack.append(_Frame(child, self._children(child)))
                    continue
                frame.total = min(frame.total + times * known, MAX_EXECUTIONS + 1)
                continue
            stack.pop()
            on_path.discard(frame.node.key)
            self.executions[frame.node.key] = frame.total
        return self.executions[root.key]

    def _children(self, node: _Node) -> list[tuple[_Node, int]]:
        draws, paints, fonts = self._names(node.stream)
        resources = self._dict(node.resources)
        out: list[tuple[_Node, int]] = []
        for category, used, kind in (("XObject", draws, "form"), ("Pattern", paints, "pattern")):
            if not used:
                continue
            table = self._dict(resources.get(category))
            for name, times in used.items():
                target = self._resolve(table.get(name))
                if not _is_stream(target):
                    continue
                if kind == "form" and _name(self._resolve(target.attrs.get("Subtype"))) != "Form":
                    continue  # an image
                if kind == "pattern" and self._resolve(target.attrs.get("PatternType")) != 1:
                    continue  # a shading pattern: no content
                out.append((self._node(target, node.resources, f"{kind} /{name}"), times))
        if fonts:
            table = self._dict(resources.get("Font"))
            for name, times in fonts.items():
                font = self._dict(table.get(name))
                if _name(self._resolve(font.get("Subtype"))) != "Type3":
                    continue
                glyph_resources = font.get("Resources", node.resources)
                for glyph, proc in self._dict(font.get("CharProcs")).items():
                    proc = self._resolve(proc)
                    if _is_stream(proc):
                        child = self._node(proc, glyph_resources, f"glyph {glyph} of font /{name}")
                        out.append((child, times))
        return out

    def _names(self, stream: Any) -> tuple[Counter, Counter, Counter]:
        """Names drawn (Do), painted with (scn) and selected as font (Tf) by a stream."""
        key = id(stream)
        if key not in self.names_used:
            data = self._content(stream)
            self.names_used[key] = tuple(  # type: ignore[assignment]
                Counter(_decode_name(m) for m in pattern.findall(data))
                for pattern in (_DRAWS, _PAINTS, _FONTS)
            )
        return self.names_used[key]

    def _content(self, stream: Any) -> bytes:
        """The stream's content, inflated to at most MAX_STREAM_BYTES (b"" when its filters
        are not the ones content uses)."""
        from pdfminer.ascii85 import ascii85decode, asciihexdecode

        self._tick()
        if stream.data is not None:
            return stream.data[:MAX_STREAM_BYTES]
        data = stream.rawdata or b""
        if stream.decipher and stream.objid is not None:
            data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
        for fltr, _params in stream.get_filters():
            name = _name(fltr)
            if name in ("FlateDecode", "Fl"):
                inflater = zlib.decompressobj()
                try:
                    data = inflater.decompress(data, MAX_STREAM_BYTES)
                except zlib.error:
                    return b""
            elif name in ("ASCII85Decode", "A85"):
                data = ascii85decode(data)
            elif name in ("ASCIIHexDecode", "AHx"):
                data = asciihexdecode(data)
            else:
                return b""
        return data[:MAX_STREAM_BYTES]


def _is_stream(value: Any) -> bool:
    return hasattr(value, "attrs") and hasattr(value, "rawdata")


def _identity(stream: Any, salt: int) -> int:
    objid = getattr(stream, "objid", None)
    return objid if objid is not None else -(id(stream) + salt)


def _malformed(why: str) -> EngineError:
    return EngineError(
        DOCUMENT_MALFORMED,
        f"The PDF is malformed: {why}. It was not processed; fix or re-export the file.",
    )
