"""Features of the learned form linker: units, the entities they group into, and key/value links.

A page's units (units.py, with the role and the links the rules gave them) are merged into
*groups* (a label or an answer printed over one or more units and lines); groups get a role
(key, value or other) and value groups a key. Each stage is a LightGBM model over the features
below (linker.py runs them; ``training/forms_linker.py`` fits them on FUNSD's entities and
links). The same functions build the training examples and the run-time ones, so the two cannot
drift apart. Distances are page-normalised, heights in units of the page's median word height.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..types import KeyValuePair, Word
from .units import (
    ALPHA,
    DIGIT,
    KEY_END,
    MARK,
    Unit,
    dot_label,
    is_caps,
    is_prose,
    label_like,
    lexicon_label,
    value_like,
)

ROLES = ("key", "value", "other", "colkey", "?")
DATE = re.compile(r"\b\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?\d{2,4}\b|\b(?:19|20)\d\d\b")
AMOUNT = re.compile(r"[$€£]|\d[.,]\d\d\b")
BELOW_LIMIT = 0.35  # a value is looked for at most this far (page share) from its key
LEFT_LIMIT = 0.08  # ... and starting at most this far left of the key


@dataclass(slots=True)
class PageUnits:
    """One page's units in reading order, with what the rules made of them."""

    units: list[Unit]
    word_height: float
    rule_key: set[int] = field(default_factory=set)  # unit indexes the rules paired as a key
    rule_value: set[int] = field(default_factory=set)
    rule_links: set[tuple[int, int]] = field(default_factory=set)  # (key unit, value unit)
    rule_joined: set[tuple[int, int]] = field(default_factory=set)  # a key and its next line


@dataclass(slots=True)
class Group:
    """Units read as one entity (a label, or an answer over several lines)."""

    members: list[int]  # unit indexes, reading order
    units: list[Unit]
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0
    text: str = ""

    def __post_init__(self) -> None:
        self.x0 = min(u.x0 for u in self.units)
        self.y0 = min(u.y0 for u in self.units)
        self.x1 = max(u.x1 for u in self.units)
        self.y1 = max(u.y1 for u in self.units)
        self.text = " ".join(u.text for u in self.units)

    @property
    def words(self) -> list[Word]:
        return [w for u in self.units for w in u.words]


def collect_units(
    lines: list[list[Unit]], pairs: list[KeyValuePair], word_height: float
) -> PageUnits:
    units = sorted((u for ln in lines for u in ln), key=lambda u: (u.line, u.x0))
    out = PageUnits(units, max(word_height, 1e-4))
    by_word = {id(w): i for i, u in enumerate(units) for w in u.words}
    for p in pairs:
        ks = {by_word[id(w)] for w in p.key_words if id(w) in by_word}
        vs = {by_word[id(w)] for w in p.value_words if id(w) in by_word}
        out.rule_key |= ks
        out.rule_value |= vs
        out.rule_links |= {(k, v) for k in ks for v in vs}
    for i, u in enumerate(units):
        # "This Change:" / "(From Current Budget)": the rules read the second line as the key's
        out.rule_joined |= {(i, by_word[id(w)]) for w in u.extra_key if id(w) in by_word}
    return out


def text_shape(text: str) -> list[float]:
    words = text.split()
    chars = [c for c in text if not c.isspace()]
    n = max(len(chars), 1)
    letters = [c for c in chars if c.isalpha()]
    return [
        len(words),
        len(chars),
        len(ALPHA.findall(text)) / n,
        len(DIGIT.findall(text)) / n,
        sum(c.isupper() for c in letters) / max(len(letters), 1),
        sum(1 for w in words if w[:1].isupper()) / max(len(words), 1),
        float(bool(KEY_END.search(text))),
        float(":" in text),
        float(text.endswith(".")),
        float(text.startswith("(")),
        float(bool(MARK.match(text.strip()))),
        float(bool(DATE.search(text))),
        float(bool(AMOUNT.search(text))),
        float("/" in text),
        float(text[:1].islower()),
        float(is_caps(text)),
        float(text.endswith((",", "-", "&")) or text.split()[-1:] in (["and"], ["of"], ["the"])),
    ]


TEXT_SHAPE = [
    "words",
    "chars",
    "alpha",
    "digits",
    "upper",
    "title",
    "colon_end",
    "colon",
    "stop_end",
    "bracket",
    "mark",
    "date",
    "amount",
    "slash",
    "lower_start",
    "caps",
    "open_end",
]


def unit_cues(u: Unit) -> list[float]:
    return [
        float(label_like(u)),
        float(lexicon_label(u)),
        float(value_like(u)),
        float(is_prose(u)),
        float(dot_label(u)),
        float(u.colon),
        u.conf,
    ]


UNIT_CUES = ["label_like", "lexicon", "value_like", "prose", "dot_label", "colon_unit", "conf"]


def _rule_role(pu: PageUnits, i: int) -> list[float]:
    role = pu.units[i].role
    return [float(role == r) for r in ROLES] + [float(i in pu.rule_key), float(i in pu.rule_value)]


RULE_ROLE = [f"rule_{r}" for r in ROLES] + ["rule_paired_key", "rule_paired_value"]

# --------------------------------------------------------------------------- merging units


def merge_candidates(pu: PageUnits) -> list[tuple[int, int]]:
    """Unit pairs that may be one entity: neighbours on a line, or a line and the next under it."""
    us, wh = pu.units, pu.word_height
    out = []
    for i, a in enumerate(us):
        for j in range(i + 1, len(us)):
            b = us[j]
            if b.line == a.line:
                if j == i + 1:
                    out.append((i, j))
                continue
            if b.y0 - a.y1 > 2.5 * wh:
                if b.line > a.line + 3:
                    break
                continue
            hov = min(a.x1, b.x1) - max(a.x0, b.x0)
            if hov > 0 or abs(a.x0 - b.x0) < 0.03:
                out.append((i, j))
    return out


def merge_features(pu: PageUnits, i: int, j: int) -> list[float]:
    a, b = pu.units[i], pu.units[j]
    wh = pu.word_height
    hov = min(a.x1, b.x1) - max(a.x0, b.x0)
    return [
        float(a.line == b.line),
        (b.x0 - a.x1) / wh,
        (b.y0 - a.y1) / wh,
        (b.x0 - a.x0) / wh,
        (b.x1 - a.x1) / wh,
        hov / max(min(a.x1 - a.x0, b.x1 - b.x0), 1e-4),
        a.height / wh,
        b.height / wh,
        (b.height + 1e-4) / (a.height + 1e-4),
        a.x0,
        a.y0,
        float((i, j) in pu.rule_links),
        float((i, j) in pu.rule_joined),
        *text_shape(a.text),
        *text_shape(b.text),
        *unit_cues(a),
        *unit_cues(b),
        *_rule_role(pu, i),
        *_rule_role(pu, j),
    ]


MERGE_FEATURES = [
    "same_line",
    "gap_x",
    "gap_y",
    "dx0",
    "dx1",
    "h_overlap",
    "a_h",
    "b_h",
    "h_ratio",
    "a_x0",
    "a_y0",
    "rule_link",
    "rule_joined",
    *(f"a_{n}" for n in TEXT_SHAPE),
    *(f"b_{n}" for n in TEXT_SHAPE),
    *(f"a_{n}" for n in UNIT_CUES),
    *(f"b_{n}" for n in UNIT_CUES),
    *(f"a_{n}" for n in RULE_ROLE),
    *(f"b_{n}" for n in RULE_ROLE),
]


def make_groups(pu: PageUnits, joined: list[tuple[int, int]]) -> list[Group]:
    """Connected unit sets (union-find over the joined pairs), in reading order."""
    parent = list(range(len(pu.units)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in joined:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    members: dict[int, list[int]] = {}
    for i in range(len(pu.units)):
        members.setdefault(find(i), []).append(i)
    return [Group(m, [pu.units[i] for i in m]) for _, m in sorted(members.items())]


# --------------------------------------------------------------------------- roles


def _same_line_neighbours(groups: list[Group], g: Group) -> tuple[Group | None, Group | None]:
    left = right = None
    for o in groups:
        if o is g or min(o.y1, g.y1) - max(o.y0, g.y0) <= 0.5 * min(o.y1 - o.y0, g.y1 - g.y0):
            continue
        if o.x0 >= g.x1 - 0.005 and (right is None or o.x0 < right.x0):
            right = o
        if o.x1 <= g.x0 + 0.005 and (left is None or o.x1 > left.x1):
            left = o
    return left, right


def _below(groups: list[Group], g: Group) -> Group | None:
    best = None
    for o in groups:
        if o is g or o.y0 < g.y1 - 0.002 or min(o.x1, g.x1) - max(o.x0, g.x0) <= 0:
            continue
        if best is None or o.y0 < best.y0:
            best = o
    return best


def role_features(pu: PageUnits, groups: list[Group], g: Group) -> list[float]:
    wh = pu.word_height
    left, right = _same_line_neighbours(groups, g)
    below = _below(groups, g)
    row = [
        o for o in groups if min(o.y1, g.y1) - max(o.y0, g.y0) > 0.5 * min(o.y1 - o.y0, g.y1 - g.y0)
    ]
    first = g.members[0]
    roles = [pu.units[i].role for i in g.members]
    n = len(g.members)
    return [
        g.x0,
        g.y0,
        g.x1,
        g.y1,
        (g.x1 - g.x0),
        (g.y1 - g.y0) / wh,
        max(u.height for u in g.units) / wh,
        n,
        len({u.line for u in g.units}),
        *text_shape(g.text),
        *unit_cues(g.units[0]),
        *(sum(r == role for r in roles) / n for role in ROLES),
        sum(i in pu.rule_key for i in g.members) / n,
        sum(i in pu.rule_value for i in g.members) / n,
        float(first in pu.rule_key),
        (right.x0 - g.x1) if right else 1.0,
        float(bool(right and KEY_END.search(right.text))),
        float(bool(right and value_like(right.units[0]))),
        float(bool(right and label_like(right.units[0]))),
        (g.x0 - left.x1) if left else 1.0,
        float(bool(left and KEY_END.search(left.text))),
        float(bool(left and label_like(left.units[0]))),
        (below.y0 - g.y1) / wh if below else 50.0,
        float(bool(below and value_like(below.units[0]))),
        float(bool(below and KEY_END.search(below.text))),
        len(row),
        sum(1 for o in row if o.x0 < g.x0),
        float(g.text.rstrip().endswith("?")),
    ]


ROLE_FEATURES = [
    "x0",
    "y0",
    "x1",
    "y1",
    "w",
    "h",
    "max_unit_h",
    "units",
    "lines",
    *TEXT_SHAPE,
    *UNIT_CUES,
    *(f"share_{r}" for r in ROLES),
    "share_rule_key",
    "share_rule_value",
    "first_rule_key",
    "right_gap",
    "right_colon",
    "right_value_like",
    "right_label_like",
    "left_gap",
    "left_colon",
    "left_label_like",
    "below_gap",
    "below_value_like",
    "below_colon",
    "row_groups",
    "row_index",
    "question_mark",
]

# --------------------------------------------------------------------------- links


def link_candidates(groups: list[Group]) -> list[tuple[int, int]]:
    """(key group, value group) pairs: values right of or under their key, not too far."""
    out = []
    for ki, k in enumerate(groups):
        for vi, v in enumerate(groups):
            if ki == vi or v.y1 < k.y0 or v.x1 < k.x0 - LEFT_LIMIT:
                continue
            dx = max(0.0, v.x0 - k.x1, k.x0 - v.x1)
            dy = max(0.0, v.y0 - k.y1)
            if dx * dx + dy * dy <= BELOW_LIMIT * BELOW_LIMIT:
                out.append((ki, vi))
    return out


def _between(groups: list[Group], k: Group, v: Group) -> int:
    """Groups lying in the box spanned by the key and its value (other fields in the way)."""
    x0, y0 = min(k.x1, v.x0), min(k.y1, v.y0)
    x1, y1 = max(k.x1, v.x0), max(k.y1, v.y0)
    if v.y0 >= k.y1:  # under: the band between the key's bottom and the value's top
        x0, x1, y0, y1 = max(k.x0, v.x0), min(k.x1, v.x1), k.y1, v.y0
        if x1 <= x0:
            x0, x1 = min(k.x0, v.x0), max(k.x1, v.x1)
    n = 0
    for o in groups:
        if o is k or o is v:
            continue
        if o.x0 < x1 and o.x1 > x0 and o.y0 < y1 and o.y1 > y0:
            n += 1
    return n


def link_features(
    pu: PageUnits,
    groups: list[Group],
    ki: int,
    vi: int,
    role_probs: list[list[float]],
    ranks: tuple[int, int],
) -> list[float]:
    k, v = groups[ki], groups[vi]
    wh = pu.word_height
    vov = min(k.y1, v.y1) - max(k.y0, v.y0)
    hov = min(k.x1, v.x1) - max(k.x0, v.x0)
    dx = max(0.0, v.x0 - k.x1, k.x0 - v.x1)
    dy = max(0.0, v.y0 - k.y1)
    rule = any((a, b) in pu.rule_links for a in k.members for b in v.members)
    return [
        (v.x0 - k.x1),
        (v.x0 - k.x0),
        (v.y0 - k.y1) / wh,
        (v.y0 - k.y0) / wh,
        ((v.y0 + v.y1) - (k.y0 + k.y1)) / 2 / wh,
        ((v.x0 + v.x1) - (k.x0 + k.x1)) / 2,
        vov / max(min(k.y1 - k.y0, v.y1 - v.y0), 1e-4),
        hov / max(min(k.x1 - k.x0, v.x1 - v.x0), 1e-4),
        (dx * dx + dy * dy) ** 0.5,
        float(v.x0 >= k.x1 - 0.005),
        float(v.y0 >= k.y1 - 0.3 * wh),
        _between(groups, k, v),
        ranks[0],
        ranks[1],
        float(rule),
        *role_probs[ki],
        *role_probs[vi],
        *text_shape(k.text)[:8],
        *text_shape(v.text),
        (v.y1 - v.y0) / wh,
        (k.y1 - k.y0) / wh,
        float(lexicon_label(k.units[0])),
        float(value_like(v.units[0])),
    ]


LINK_FEATURES = [
    "dx_edge",
    "dx_left",
    "dy_edge",
    "dy_top",
    "dy_centre",
    "dx_centre",
    "v_overlap",
    "h_overlap",
    "distance",
    "right",
    "below",
    "between",
    "rank_for_value",
    "rank_for_key",
    "rule_link",
    "k_p_key",
    "k_p_value",
    "k_p_other",
    "v_p_key",
    "v_p_value",
    "v_p_other",
    *(f"k_{n}" for n in TEXT_SHAPE[:8]),
    *(f"v_{n}" for n in TEXT_SHAPE),
    "v_h",
    "k_h",
    "k_lexicon",
    "v_value_like",
]


def candidate_ranks(
    groups: list[Group], cands: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int]]:
    """Per candidate: the rank of its key among the value's keys by distance, and of the value
    among the key's values (the nearest label is usually the one)."""

    def dist(ki: int, vi: int) -> float:
        k, v = groups[ki], groups[vi]
        dx = max(0.0, v.x0 - k.x1, k.x0 - v.x1)
        dy = max(0.0, v.y0 - k.y1)
        return (dx * dx + dy * dy) ** 0.5

    by_v: dict[int, list[tuple[float, int]]] = {}
    by_k: dict[int, list[tuple[float, int]]] = {}
    for ki, vi in cands:
        d = dist(ki, vi)
        by_v.setdefault(vi, []).append((d, ki))
        by_k.setdefault(ki, []).append((d, vi))
    rv = {vi: {ki: r for r, (_, ki) in enumerate(sorted(lst))} for vi, lst in by_v.items()}
    rk = {ki: {vi: r for r, (_, vi) in enumerate(sorted(lst))} for ki, lst in by_k.items()}
    return {(ki, vi): (rv[vi][ki], rk[ki][vi]) for ki, vi in cands}
