"""Form key/value pairs (FUNSD-style): a printed label and the value filled in next to it.

A label is a short phrase, usually ending with ``:``; its value sits to the right on the same
line, or just below it. ``extract_pairs`` finds them on any page (text layer or OCR words);
``fill_key_value_array`` turns them into the items of a schema array whose items look like
``{key, value}`` objects, for the schema filler (parsing.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .types import BBox, Citation, KeyValuePair, PageContent, Word, union_bbox

# Item property names that mean "the label" and "the filled value" of a key/value array.
KEY_NAMES = ("key", "label", "name", "question", "field", "field_name", "title", "attribute")
VALUE_NAMES = ("value", "answer", "text", "content", "field_value", "response")


@dataclass(slots=True)
class _Segment:
    """Words of one line that belong together (no wide horizontal gap between them)."""

    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _median(values: list[float], default: float) -> float:
    if not values:
        return default
    s = sorted(values)
    return s[len(s) // 2]


def _group_lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped into text lines (vertical overlap), each sorted left to right."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: ((w.y0 + w.y1) / 2, w.x0)):
        cy = (w.y0 + w.y1) / 2
        h = max(w.y1 - w.y0, 1e-6)
        best = None
        for line in lines[-4:]:
            ly0 = min(x.y0 for x in line)
            ly1 = max(x.y1 for x in line)
            lh = max(ly1 - ly0, 1e-6)
            if ly0 - 0.1 * h <= cy <= ly1 + 0.1 * h and abs((ly0 + ly1) / 2 - cy) < 0.6 * max(
                h, lh
            ):
                best = line
        if best is None:
            lines.append([w])
        else:
            best.append(w)
    for line in lines:
        line.sort(key=lambda w: w.x0)
    lines.sort(key=lambda ln: min(w.y0 for w in ln))
    return lines


def _segments(line: list[Word], char_w: float) -> list[_Segment]:
    """Split one line where the gap between two words is much wider than a space."""
    segs: list[_Segment] = []
    cur = _Segment()
    prev: Word | None = None
    for w in line:
        if prev is not None:
            gap = w.x0 - prev.x1
            if gap > 2.5 * char_w or prev.text.endswith(":"):
                segs.append(cur)
                cur = _Segment()
        cur.words.append(w)
        prev = w
    if cur.words:
        segs.append(cur)
    return segs


def _char_width(words: list[Word]) -> float:
    widths = [(w.x1 - w.x0) / max(len(w.text), 1) for w in words if w.text.strip()]
    return _median(widths, 0.01)


_KEY_END = re.compile(r"[:：]\s*$")


def _clean_key(text: str) -> str:
    return _KEY_END.sub("", text).strip()


def _looks_like_key(seg: _Segment) -> bool:
    text = seg.text.strip()
    if not _KEY_END.search(text):
        return False
    letters = sum(c.isalpha() for c in text)
    return letters >= 1 and len(text) <= 80


def extract_pairs(pages: list[PageContent]) -> list[KeyValuePair]:
    """Key/value pairs of every page, in reading order.

    A key is a line segment that ends with a colon; its value is the next segment to its right
    on the same line, else the segment right below it when that one is not itself a key. A
    key with nothing next to it gives a pair whose value is ``None`` (an empty form field).
    """
    out: list[KeyValuePair] = []
    for page in pages:
        words = [w for w in page.words if w.text.strip()]
        if not words:
            continue
        char_w = _char_width(words)
        lines = [_segments(line, char_w) for line in _group_lines(words)]
        used: set[int] = set()
        for li, segs in enumerate(lines):
            for si, seg in enumerate(segs):
                if id(seg) in used or not _looks_like_key(seg):
                    continue
                used.add(id(seg))
                value: _Segment | None = None
                if si + 1 < len(segs) and not _looks_like_key(segs[si + 1]):
                    value = segs[si + 1]
                elif li + 1 < len(lines):
                    value = _below(seg, lines[li + 1])
                    if value is not None and (_looks_like_key(value) or id(value) in used):
                        value = None
                key_conf = sum(w.confidence for w in seg.words) / len(seg.words)
                if value is not None:
                    used.add(id(value))
                    val_conf = sum(w.confidence for w in value.words) / len(value.words)
                    conf = 0.6 * min(key_conf, val_conf)
                else:
                    conf = 0.4 * key_conf
                out.append(
                    KeyValuePair(
                        key=_clean_key(seg.text),
                        value=value.text if value is not None else None,
                        page=page.number,
                        key_words=list(seg.words),
                        value_words=list(value.words) if value is not None else [],
                        confidence=round(conf, 4),
                    )
                )
    return out


def _below(key: _Segment, next_line: list[_Segment]) -> _Segment | None:
    """The segment of the next line that starts under ``key``, if close enough vertically."""
    for seg in next_line:
        if seg.y0 - key.y1 > 1.5 * max(key.height, 1e-6):
            return None
        if seg.x0 < key.x1 and seg.x1 > key.x0 and abs(seg.x0 - key.x0) < 3 * key.height + 0.05:
            return seg
    return None


def _prop_types(prop: dict) -> set[str]:
    t = prop.get("type", "string")
    return set(t) if isinstance(t, list) else {t}


def _find_prop(props: dict, names: tuple[str, ...]) -> str | None:
    lowered = {k.lower(): k for k in props}
    for n in names:
        if n in lowered and "string" in _prop_types(props[lowered[n]]):
            return lowered[n]
    return None


def is_key_value_array(item_schema: dict) -> bool:
    """Whether an array's item schema is a ``{key, value}``-style object (form pairs).

    True when the item is an object with a string "key-like" property (key / label / name /
    question / field) and a string "value-like" one (value / answer / text), and at most a few
    other properties.
    """
    if not isinstance(item_schema, dict):
        return False
    props = item_schema.get("properties") or {}
    if "object" not in _prop_types(item_schema) and not props:
        return False
    if len(props) > 4:
        return False
    return _find_prop(props, KEY_NAMES) is not None and _find_prop(props, VALUE_NAMES) is not None


def fill_key_value_array(
    pages: list[PageContent], item_schema: dict
) -> tuple[list[dict], dict[str, Citation], dict[str, float]]:
    """Items for a key/value array, with citations and confidences keyed by relative path.

    Paths are relative to the array: ``"[0].key"``, ``"[0].value"``; the caller prefixes them
    with the array's own path. Any other property of the item is set to ``None``.
    """
    props = item_schema.get("properties") or {}
    kname = _find_prop(props, KEY_NAMES) or "key"
    vname = _find_prop(props, VALUE_NAMES) or "value"
    items: list[dict] = []
    citations: dict[str, Citation] = {}
    confidence: dict[str, float] = {}
    for i, pair in enumerate(extract_pairs(pages)):
        item = {p: None for p in props}
        item[kname] = pair.key
        item[vname] = pair.value
        items.append(item)
        citations[f"[{i}].{kname}"] = Citation(pair.page, pair.key_bbox, pair.key)
        confidence[f"[{i}].{kname}"] = pair.confidence
        if pair.value is not None:
            vb: BBox = union_bbox(pair.value_words)
            citations[f"[{i}].{vname}"] = Citation(pair.page, vb, pair.value)
            confidence[f"[{i}].{vname}"] = pair.confidence
    return items, citations, confidence
