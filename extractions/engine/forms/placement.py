"""Where a form's labels and answers sit relative to each other.

Geometry helpers of pairs.py: the answer right of a label (also a little off its baseline), the
one under it, lines that wrap back under it, paragraphs and stacked answers below, labels
printed on two lines, capital headings over an answer, centred section headings.
"""

from __future__ import annotations

from .units import (
    ALPHA,
    BELOW_RIGHT,
    CENTRED,
    DIGIT,
    FAR_LABEL,
    OFFSET_GAP,
    OFFSET_OVERLAP,
    Unit,
    dot_label,
    is_caps,
    is_label_word,
    is_prose,
    label_like,
    label_like_key,
    lexicon_label,
    style,
    value_like,
)

# Words that end a phrase leading into the fields below it.
LEAD_WORDS = frozenset(["to", "from", "for", "by", "of", "at", "in", "on", "with"])


def gap_ok(left: Unit, right: Unit, page_w: float = 1.0) -> bool:
    # OCR word boxes estimated from a line box can overlap their neighbour a little.
    return -0.6 * left.height <= right.x0 - left.x1 < 0.45 * page_w


def right_of(key: Unit, lines: list[list[Unit]]) -> Unit | None:
    """The free unit right of ``key``: on its line, or on the line just above / below when
    the two overlap vertically (typed answers often sit a little off the printed baseline).

    A label-looking unit far away is another field, not the value of a key without colon.
    """
    units = lines[key.line]
    i = units.index(key)
    cands = []
    nxt = units[i + 1] if i + 1 < len(units) else None
    if nxt is not None and nxt.role == "?" and gap_ok(key, nxt):
        cands.append(nxt)
    elif (
        nxt is not None
        and nxt.role == "key"
        and (nxt.weak or (key.colon and dot_label(nxt) and nxt is units[-1]))
        and not nxt.colon
        and label_like_key(key)
        and nxt.x0 - key.x1 < key.height
        and (key.colon or style(nxt.text) != style(key.text))
    ):
        # "SIGNATURE Amelin Poole  DATE 8/22/83", "Reason(s): Low bidder.": a label followed
        # closely by an answer that only looked like a label.
        cands.append(nxt)
    h = key.height
    for li in (key.line - 1, key.line + 1):
        if not 0 <= li < len(lines):
            continue
        u = next((o for o in lines[li] if o.x1 > key.x1), None)
        if u is None or u.role != "?" or not -0.6 * h <= u.x0 - key.x1 < OFFSET_GAP:
            continue
        ov = min(u.y1, key.y1) - max(u.y0, key.y0)
        # nothing of the key's own line may sit between them
        if ov >= OFFSET_OVERLAP * min(h, u.height) and not any(
            key.x1 <= o.x0 < u.x0 for o in units if o is not key
        ):
            cands.append(u)
    if not cands:
        return None
    best = min(cands, key=lambda u: u.x0)
    if key.colon or best.role == "key" or value_like(best) or not label_like(best):
        return best
    if key.column and best in units and best.x0 - key.column < 3 * key.height:
        # the answers typed right after a column of labels, however they are lettered (a
        # second column of options stands further off: its tick boxes come first)
        return best
    if best.x0 - key.x1 > FAR_LABEL:
        return None
    # Without a colon, a label-looking neighbour is an answer only when its lettering
    # differs ("ACCOUNT NAME New Products"); "First  Middle", "ONE YEAR  TWO YEAR" are labels.
    if style(best.text) != style(key.text):
        return best
    # a full stop read for a colon keeps an answer close by ("Brand. Misty"), not the next
    # option further on ("FULL INSPECTION.   SPOT CHECK")
    if dot_label(key) and best.x0 - key.x1 < 3 * key.height:
        return best
    return best if close_answer(key, best, units) else None


def close_answer(key: Unit, best: Unit, units: list[Unit]) -> bool:
    """An answer lettered like its label but typed close after it ("Maker  AMF", "Species
    Mice"), where a row of labels ("First  Middle  Last") goes on with one more label."""
    if best not in units or best.x0 - key.x1 >= 3 * key.height:
        return False
    after = units[units.index(best) + 1 :]
    nxt = after[0] if after else None
    return nxt is None or not (
        label_like(nxt) and not value_like(nxt) and style(nxt.text) == style(best.text)
    )


def name_answer(u: Unit, answers: set[int]) -> bool:
    """A name under a colon label that merely ends with a form word ("American Tobacco
    Company" under "Facility:"); "Approved By" or "Date" there are labels."""
    words = u.text.split()
    return id(u) in answers and len(words) >= 2 and not is_label_word(words[0])


def numeric(u: Unit) -> bool:
    return len(DIGIT.findall(u.text)) >= len(ALPHA.findall(u.text))


def content_centre(lines: list[list[Unit]]) -> float:
    """Horizontal centre of the printed area (scans are rarely centred on the sheet): the
    median left and right ends of the page's wide lines."""
    ends = [(us[0].x0, us[-1].x1) for us in lines if us and us[-1].x1 - us[0].x0 > 0.5]
    if not ends:
        return 0.5
    x0s = sorted(e[0] for e in ends)
    x1s = sorted(e[1] for e in ends)
    return (x0s[len(x0s) // 2] + x1s[len(x1s) // 2]) / 2


def centred_heading(u: Unit, lines: list[list[Unit]], centre: float) -> bool:
    """A lone line centred on the page ("CHEMICAL USAGE", "FIELD TRIP") heads a section; a
    field label without an answer sits at the left of its line or among other fields."""
    return (
        sum(1 for o in lines[u.line] if len(ALPHA.findall(o.text)) >= 3) == 1
        and not u.colon
        and abs((u.x0 + u.x1) / 2 - centre) < CENTRED
        and u.x0 > 0.2
    )


def two_line_keys(lines: list[list[Unit]]) -> None:
    """A label printed on two lines ("AVERAGE DAILY" / "EFFECTIVE CIRCULATION") is one key.

    The second line starts where the key starts, right under it, reads as a label (no colon,
    no digits, not answer-like text) and has nothing to its right.
    """
    for units in lines:
        for u in units:
            if u.role != "key" or u.colon or u.extra_key or u.line + 1 >= len(lines):
                continue
            nxt = lines[u.line + 1]
            h = u.height
            b = next((o for o in nxt if abs(o.x0 - u.x0) < h), None)
            if (
                b is None
                or b.role not in ("?", "key")
                or (b.role == "key" and not b.weak)
                or b.colon
                or b.text.startswith("(")  # a bracketed note under a label is its own field
                or b.y0 - u.y0 > 1.4 * h  # wrapped lines are tight; a list of options is not
                or not label_like(b)
                or value_like(b)
                or DIGIT.search(b.text)
                or label_like_key(b)  # "Date" under "Date": a field of its own
            ):
                continue
            if any(value_like(o) for o in nxt[nxt.index(b) + 1 :]):
                continue  # it has an answer of its own: a field, not a continuation
            if _third_label(u, b, lines):
                continue  # options stacked one per line ("Cost Analysis" / "Spec. Change")
            u.extra_key = list(b.words)
            b.role = "other"


def _third_label(u: Unit, b: Unit, lines: list[list[Unit]]) -> bool:
    """A third label lettered alike right under the second, where both start: a list of
    options, one per line, not a label wrapped over two lines."""
    if b.line + 1 >= len(lines):
        return False
    h = u.height
    c = next((o for o in lines[b.line + 1] if abs(o.x0 - b.x0) < h), None)
    return (
        c is not None
        and c.y0 - b.y0 <= 1.4 * h
        and label_like(c)
        and not value_like(c)
        and not DIGIT.search(c.text)
        and style(c.text) == style(b.text)
    )


def heading_label(u: Unit, lines: list[list[Unit]]) -> bool:
    """A label in capitals over a typed answer ("STORAGE RECOMMENDATIONS" / "Refrigerate …").

    Without a colon or a form word, the answer right under it, in lower case or digits,
    is what makes it a label.
    """
    if not (label_like(u) and is_caps(u.text)) or len(ALPHA.findall(u.text)) < 4:
        return False
    below = unit_below(u, lines, 1)
    return (
        below is not None
        and below.role == "?"
        and value_like(below)
        and not is_caps(below.text)
        and below.y0 - u.y1 < 1.2 * u.height
        # a line centred under it is a subtitle ("1994 COLLECTION")
        and (below.x1 > u.x1 or abs(below.x0 + below.x1 - u.x0 - u.x1) > 0.04)
    )


def unit_below(key: Unit, lines: list[list[Unit]], max_lines: int = 2) -> Unit | None:
    """The unit right under ``key``: next lines, starting within the key's horizontal span."""
    h = max(key.height, 0.008)
    for li in range(key.line + 1, min(len(lines), key.line + 1 + max_lines)):
        for u in lines[li]:
            if u.y0 - key.y1 > 2.2 * h:
                return None
            # Under the key, or starting a little right of its end ("Facility:" / "The …").
            if u.x0 >= key.x0 - 2 * h and u.x0 <= key.x1 + BELOW_RIGHT:
                return u
    return None


def wrapped_lines(key: Unit, value: Unit, lines: list[list[Unit]]) -> list[Unit]:
    """Lines of an answer written beside its label that wrap back under the label
    ("GENERAL PROJECT DESCRIPTION True 100's, Regular and Menthol tar / reduction to …").

    Each such line starts where the label starts and runs on under the answer.
    """
    text = value.text.rstrip()
    open_end = text.endswith((",", "-", ";")) or (
        len(text.split()) >= 3 and not text.endswith((".", "!", "?", ")"))
    )
    if value.line != key.line or not open_end:
        return []
    out: list[Unit] = []
    prev = value
    h = max(key.height, 0.008)
    for li in range(key.line + 1, min(len(lines), key.line + 6)):
        b = lines[li][0] if lines[li] else None
        if (
            b is None
            or b.role != "?"
            or b.colon
            or abs(b.x0 - key.x0) > 1.5 * h
            or b.y0 - prev.y1 > 1.2 * h
            or b.x1 <= value.x0
            or label_like_key(b)
            or not (value_like(b) or is_prose(b) or text.endswith(","))
        ):
            break
        out.append(b)
        prev = b
    return out


def paragraphs_below(key: Unit, value: Unit, lines: list[list[Unit]]) -> list[list[Unit]]:
    """Paragraphs written under a label whose own line holds an instruction
    ("COMMENTS: (Description of Location …)" / "This is a comparatively easy market …").

    They start where the label starts and are running text; a blank line separates two.
    """
    if value.line != key.line or not value.text.startswith("("):
        return []
    paras: list[list[Unit]] = []
    prev = value
    h = max(key.height, 0.008)
    for li in range(key.line + 1, min(len(lines), key.line + 16)):
        units = lines[li]
        b = units[0] if units else None
        if b is None or b.colon or abs(b.x0 - key.x0) > 1.5 * h:
            break
        if b.role != "?" and not (paras and b.role == "key" and len(units) == 1):
            break  # a key alone on its line may still end a paragraph ("Camel.")
        gap = b.y0 - prev.y1
        para = paras[-1] if paras else []
        pitch = para[1].y0 - para[0].y0 if len(para) >= 2 else 2 * h
        if para and gap < 1.2 * h and b.y0 - prev.y0 < 1.5 * pitch:
            para.append(b)  # the paragraph goes on, however short the line
        elif gap < (3 if paras else 1.5) * h and is_prose(b) and b.x1 - b.x0 > 0.3:
            paras.append([b])
        else:
            break
        prev = b
    return paras


def stacked_below(first: Unit, lines: list[list[Unit]], key: Unit) -> list[Unit]:
    """Further values under the first one, left-aligned with it ("cc: A / B / C")."""
    out: list[Unit] = []
    prev = first
    h = max(first.height, 0.008)
    for li in range(first.line + 1, min(len(lines), first.line + 6)):
        cands = [
            u
            for u in lines[li]
            if abs(u.x0 - first.x0) < 1.5 * h and (u.role == "?" or (u.role == "key" and u.weak))
        ]
        if not cands:
            break
        u = cands[0]
        if u.y0 - prev.y1 > 1.2 * h or u.colon or (lexicon_label(u) and not key.colon):
            break
        # Nothing may sit in the key's column on that line (it would be another field).
        if any(o is not u and o.x1 <= first.x0 and o.x1 > key.x0 for o in lines[li]):
            break
        out.append(u)
        prev = u
    return out


def lead_in(u: Unit, lines: list[list[Unit]]) -> bool:
    """A phrase introducing the labels under it ("PLEASE TRANSMIT THIS DOCUMENT TO:" over
    "NAME:", "OFFICE:"): several words ending with a preposition, a colon label right under
    it at the same indent. It is a section header, not an empty field."""
    words = u.text.rstrip(":： ").split()
    if len(words) < 4 or words[-1].lower() not in LEAD_WORDS:
        return False
    below = unit_below(u, lines, 1)
    return below is not None and below.colon and abs(below.x0 - u.x0) < 2 * u.height
