"""Table headers: which column a printed header names, and what a schema's item
properties are matched to.

Column concepts (description, quantity, unit price, amount, ...) are named by header
words in English, French and German and by each property's own name, title and aliases.
What an item schema is matched to is worked out once per schema (``item_plan``). A header
segment is cut into its column names by ``header_units``.
"""

from __future__ import annotations

from typing import Any

from ..layout.lines import Segment
from ..lexicon.columns import COLUMN_WORDS, COMPOUND_ENDINGS, HEADER_QUALIFIERS, PROPERTY_NAMES
from ..types import Word
from ..values.text import name_tokens, token_set, tokens

_COL_TOKENS = {k: {tuple(tokens(w)) for w in v} for k, v in COLUMN_WORDS.items()}
_PROP_TOKENS = {k: [tuple(tokens(w)) for w in v] for k, v in PROPERTY_NAMES.items()}


def property_columns(item_schema: dict[str, Any]) -> dict[str, str]:
    """item property name -> column concept (from its name, title, aliases, description)."""
    out: dict[str, str] = {}
    props = item_schema.get("properties") or {}
    for name, node in props.items():
        if not isinstance(node, dict):
            continue
        cands = [tuple(name_tokens(name))]
        if node.get("title"):
            cands.append(tuple(tokens(str(node["title"]))))
        cands += [tuple(tokens(str(a))) for a in node.get("x-aliases") or []]
        best: tuple[int, str] | None = None
        for toks in cands:
            for concept, names in _PROP_TOKENS.items():
                for n in names:
                    if toks == n:
                        score = 10 + len(n)
                    elif _contains(toks, n):
                        score = len(n)
                    else:
                        continue
                    if best is None or score > best[0]:
                        best = (score, concept)
        if best is None:
            # a property named like a printed header ("Bezeichnung", "Menge", "prix")
            for toks in cands:
                if toks in _EXACT:
                    best = (1, _EXACT[toks])
                    break
        if best is None:
            desc = tokens(str(node.get("description") or ""))
            for concept, names in _PROP_TOKENS.items():
                for n in names:
                    if (
                        len(n) >= 1
                        and _contains(tuple(desc), n)
                        and (best is None or len(n) > best[0])
                    ):
                        best = (len(n), concept)
        if best is not None and best[1] not in out.values():
            out[name] = best[1]
        elif best is not None or node.get("x-aliases") or node.get("title"):
            # two properties for one concept, or a column only the schema knows: the
            # property's own name, title and aliases are its header words
            out[name] = f"prop:{name}"
    return out


def _contains(seq: tuple[str, ...], sub: tuple[str, ...]) -> bool:
    n = len(sub)
    return any(seq[i : i + n] == sub for i in range(len(seq) - n + 1)) if n else False


_EXACT: dict[tuple[str, ...], str] = {}
for _c, _names in _COL_TOKENS.items():
    for _n in _names:
        _EXACT.setdefault(_n, _c)
_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _c, _names in _COL_TOKENS.items():
    for _n in _names:
        _BY_FIRST.setdefault(_n[0], []).append((_n, _c))
_FIRST_TOKENS = frozenset(_BY_FIRST)
# longest ending first: "gesamtpreis" (amount) before "preis" (unit price)
_ENDINGS = sorted(COMPOUND_ENDINGS.items(), key=lambda kv: -len(kv[0]))


def compound_concept(token: str) -> str | None:
    """The column concept of a compound header word by its ending ("Nettobetrag" -> amount,
    "Stückpreis" -> unit price), for a word longer than the ending it ends with."""
    if len(token) < 6:
        return None
    for end, concept in _ENDINGS:
        if len(token) > len(end) and token.endswith(end):
            return concept
    return None


_CONCEPT_CACHE: dict[tuple[tuple[str, ...], bool, int], str | None] = {}


def header_concept(
    text: str, extra: dict[str, set[tuple[str, ...]]], exact: bool = False
) -> str | None:
    """The column concept a printed header cell names (``extra``: the header words an item
    schema adds, see ``item_plan``), or None. ``exact``: the whole text must be a known
    header, not merely contain one (used to cut a header segment into cells)."""
    toks = tuple(tokens(text))
    if not toks:
        # "#", "№": the row number, named by a sign alone
        return "position" if text.strip() in ("#", "№", "N°", "Nº", "N.º") else None
    if len(toks) > 6:
        return None
    key = (toks, exact, id(extra))
    if key in _CONCEPT_CACHE:
        return _CONCEPT_CACHE[key]
    best: tuple[int, str] | None = None
    for concept, names in extra.items():
        if toks in names:
            best = (200, concept)
    if best is None and toks in _EXACT:
        best = (100, _EXACT[toks])
    if best is None and not exact:
        # dict.fromkeys, not set: ties between equally good names go to the first one met, the
        # same in every process (a set's order changes with PYTHONHASHSEED)
        cands = [(n, c) for t in dict.fromkeys(toks) for n, c in _BY_FIRST.get(t, ())]
        cands += [(n, c) for c, names in extra.items() for n in names]
        for n, concept in cands:
            if _contains(toks, n):
                score = 10 * len(n) - (len(toks) - len(n)) + (1 if toks[: len(n)] == n else 0)
                if best is None or score > best[0]:
                    best = (score, concept)
    if best is None and not exact and len(toks) <= 3:
        # a compound word ("Nettobetrag", "Totaalbedrag"): its ending names the column
        for t in toks:
            c = compound_concept(t)
            if c is not None:
                best = (1, c)
                break
    if best is None and exact and len(toks) == 1:
        c = compound_concept(toks[0])
        if c is not None:
            best = (1, c)
    out = best[1] if best else None
    if len(_CONCEPT_CACHE) > 20000:
        _CONCEPT_CACHE.clear()
    _CONCEPT_CACHE[key] = out
    return out


def concepts_of(present: set[str], extra: dict[str, set[tuple[str, ...]]]) -> set[str]:
    """Every column concept a header made of the ``present`` tokens could be given: those
    with a name all of whose words are present (a superset of what the rows module finds in
    a header band, so that a band whose superset fails ``could_be_header`` can be skipped)."""
    out: set[str] = set()
    for t in present.intersection(_FIRST_TOKENS):
        for n, c in _BY_FIRST[t]:
            if c not in out and present.issuperset(n):
                out.add(c)
    for c, names in extra.items():
        if c not in out and any(n and present.issuperset(n) for n in names):
            out.add(c)
    for t in present:
        c = compound_concept(t)
        if c is not None:
            out.add(c)
    # the rows module's duplicate resolution may turn a second price into the amount, an amount into the quantity
    if "unit_price" in out:
        out.add("amount")
    if "amount" in out:
        out.add("quantity")
    return out


def could_be_header(possible: set[str], wanted: set[str]) -> bool:
    """The checks find_tables makes on a header's column concepts, on a superset of them."""
    if len(possible) < 2 or len(possible & wanted) < min(2, len(wanted)):
        return False
    core = wanted & {"description", "quantity", "unit_price"}
    return not possible.isdisjoint(wanted) and not (core and possible.isdisjoint(core))


def page_may_hold_table(words: list[Word], item_schemas: list[dict[str, Any]]) -> bool:
    """Whether any of these item schemas' tables could have its header on a page with
    these words (False: no header band there can name enough of its columns, so the
    page's drawn rulings, which only place a header's column boundaries, are not needed)."""
    present = token_set([w.text for w in words])
    for item_schema in item_schemas:
        prop_cols, extra, _ = item_plan(item_schema)
        if prop_cols and could_be_header(concepts_of(present, extra), set(prop_cols.values())):
            return True
    return False


# (property -> column concept, column concept -> extra header words from the schema,
# (property, column, JSON types) of each cell to read)
ItemPlan = tuple[
    dict[str, str], dict[str, set[tuple[str, ...]]], list[tuple[str, str, tuple[str, ...]]]
]
# item schema (as text) -> what its properties are matched to; a worker sees the same few
# schemas over and over, so this is worked out once per schema, not once per document
_PLANS: dict[str, ItemPlan] = {}


def item_plan(item_schema: dict[str, Any]) -> ItemPlan:
    """What an item schema's properties are matched to (see ``ItemPlan``), worked out once
    per schema text and kept."""
    try:
        key = repr(item_schema)
    except Exception:  # pragma: no cover - a schema repr cannot fail in practice
        return _make_item_plan(item_schema)
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) >= 256:
            _PLANS.clear()
            _CONCEPT_CACHE.clear()  # keyed by id() of the plans' header words
        plan = _PLANS[key] = _make_item_plan(item_schema)
    return plan


def _make_item_plan(item_schema: dict[str, Any]) -> ItemPlan:
    prop_cols = property_columns(item_schema)
    extra: dict[str, set[tuple[str, ...]]] = {}
    props = item_schema.get("properties") or {}
    for name, col in prop_cols.items():
        if col.startswith("prop:"):
            node = props.get(name) or {}
            words = {tuple(name_tokens(name))}
            if node.get("title"):
                words.add(tuple(tokens(str(node["title"]))))
            words |= {tuple(tokens(str(a))) for a in node.get("x-aliases") or []}
            extra[col] = words
    # header words the schema adds for known concepts (aliases, titles)
    for name, col in prop_cols.items():
        node = props.get(name) or {}
        for a in [*(node.get("x-aliases") or []), node.get("title") or ""]:
            toks = tuple(tokens(str(a)))
            if toks and not col.startswith("prop:"):
                extra.setdefault(col, set()).add(toks)
    # what each property's cells hold, worked out once rather than per cell
    cells: list[tuple[str, str, tuple[str, ...]]] = []
    for name, col in prop_cols.items():
        types = (props.get(name) or {}).get("type")
        types = types if isinstance(types, list) else [types or "string"]
        cells.append((name, col, tuple(types)))
    return prop_cols, extra, cells


def header_units(seg: Segment, extra: dict[str, set[tuple[str, ...]]]) -> list[list[Word]]:
    """A header segment cut where a new column name starts ("Pos Art-Nr Beschreibung")."""
    words = seg.words
    units: list[list[Word]] = []
    i = 0
    while i < len(words):
        j_best = 0
        if not tokens(words[i].text) and header_concept(words[i].text, extra) == "position":
            units.append([words[i]])  # "#": a column of its own, not a sign before "SKU"
            i += 1
            continue
        if units and (
            units[-1][-1].text in ("&", "+")
            or (units[-1][-1].text == "/" and _same_column(units[-1][:-1], words[i:], extra))
            or (
                tokens(units[-1][-1].text)[-1:]
                and tokens(units[-1][-1].text)[-1] in HEADER_QUALIFIERS
            )
        ):
            # "excl. | VAT", "NOM & | DESIGNATION": the qualifier's object, same column
            units[-1].append(words[i])
            i += 1
            continue
        for j in range(min(len(words), i + 4), i, -1):
            text = " ".join(w.text for w in words[i:j])
            if header_concept(text, extra, exact=True):
                j_best = j
                break
        if j_best:
            unit = list(words[i:j_best])
            if units and header_concept(
                " ".join(w.text for w in units[-1]), extra
            ) == header_concept(" ".join(w.text for w in unit), extra):
                units[-1].extend(unit)  # two names of one column ("Summe netto", "Net total")
            else:
                units.append(unit)
            i = j_best
        else:
            if units:
                units[-1].append(words[i])
            else:
                units.append([words[i]])
            i += 1
    return units


def _same_column(
    left: list[Word], right: list[Word], extra: dict[str, set[tuple[str, ...]]]
) -> bool:
    """ "Artikel / Leistung": two names of one column; "Pos / Beschreibung" names two."""
    a = header_concept(" ".join(w.text for w in left), extra)
    b = header_concept(" ".join(w.text for w in right[:3]), extra)
    return a is None or b is None or a == b
