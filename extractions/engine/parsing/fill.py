"""Filling a JSON schema from page words (the "parsing" step).

``fill_schema`` walks the schema, recognises what each field means (fields.meanings), finds
its value on the analysed pages (the fields and tables packages; forms for key/value pairs
and prose for values stated in running text), coerces it to the schema's type and records a
citation and a confidence for every non-null leaf.  The output always validates: a value
that is not found, or does not fit its type, enum or pattern, is null.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..fields import issuer, ranker
from ..fields import scalars as fl
from ..fields.finders import Region, parse_region
from ..fields.matching import (
    Candidate,
    FieldProfile,
    LabelIndex,
    add_rule_candidate,
    field_candidates,
    profile_for,
)
from ..fields.meanings import FieldMeaning, recognise
from ..forms.pairs import fill_key_value_array, is_key_value_array
from ..layout.index import DocIndex
from ..layout.lines import Line, words_bbox
from ..lexicon.concepts import LABEL_TOKENS, concept
from ..prose import facts as prose
from ..tables.rows import extract_rows
from ..types import Citation, FillResult, Found, PageContent, Word
from ..values import patterns
from ..values.amounts import parse_amount
from ..values.dates import parse_date
from ..values.text import name_tokens, parse_bool
from .choice import choice_evidence
from .reconcile import ROLES, AmountOptions, balanced_choice
from .schema import empty_value, main_type, schema_types

# --------------------------------------------------------------------------- field kinds


# a description that says the value is a date: "... date ..." or a date format
_DATE_DESCRIPTION = re.compile(
    r"^(?:\W*\w+){0,4}?\W*\b(?:date|day)\b|yyyy-mm-dd|iso[ -]?8601|\bcalendar date\b", re.I
)


def _value_kind(node: dict[str, Any], meaning: FieldMeaning, name: str) -> str:
    t = main_type(node)
    fmt = node.get("format")
    c = meaning.concept
    if t == "boolean":
        return "bool"
    if fmt in ("date", "date-time"):
        return "date"
    if fmt == "email":
        return "email"
    if c is not None:
        if t in ("number", "integer") and c.kind not in ("amount", "integer", "percent"):
            return "amount" if t == "number" else "integer"
        return c.kind
    toks = set(name_tokens(name))
    if t in ("number", "integer") and toks & {
        "rate",
        "percent",
        "percentage",
        "pct",
        "taux",
        "satz",
    }:
        return "percent"
    if t == "number":
        return "amount"
    if t == "integer":
        return "integer"
    if toks & {"date", "datum", "dated"}:
        return "date"
    if t == "string" and _DATE_DESCRIPTION.search(str(node.get("description") or "")):
        return "date"  # "flight_from": "First air date of the flight (yyyy-mm-dd)"
    if toks & {"email", "mail"}:
        return "email"
    if toks & {"phone", "telephone", "tel", "fax", "mobile"}:
        return "phone"
    if "iban" in toks:
        return "iban"
    if toks & {"number", "no", "id", "nr", "ref", "reference", "code", "num"}:
        return "id"
    return "text"


# --------------------------------------------------------------------------- coercion


def coerce(value: Any, node: dict[str, Any], kind: str, text: str = "") -> Any:
    """``value`` as the schema's type, or None when it does not fit."""
    if value is None:
        return None
    types = [t for t in schema_types(node) if t != "null"] or ["string"]
    out: Any = None
    for t in types:
        out = _coerce_one(value, t, node, kind, text)
        if out is not None:
            break
    if out is None:
        return None
    enum = node.get("enum")
    if enum:
        out = fl.match_enum(out, list(enum))
        if out is None:
            return None
    pattern = node.get("pattern")
    if pattern and isinstance(out, str) and patterns.search(pattern, out) is False:
        return None  # (a pattern RE2 cannot run is no constraint, as an invalid one was)
    const = node.get("const")
    if const is not None and out != const:
        return None
    return out


def _coerce_one(value: Any, t: str, node: dict[str, Any], kind: str, text: str) -> Any:
    if t == "string":
        if node.get("format") in ("date", "date-time") or kind == "date":
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return value
            return parse_date(str(value))
        if isinstance(value, bool):
            return text or ("true" if value else "false")
        if isinstance(value, float):
            if text:
                return text
            return f"{value:.2f}"
        return str(value)
    if t == "number":
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return float(value) if math.isfinite(float(value)) else None
        return parse_amount(str(value))
    if t == "integer":
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            v = float(value)
        else:
            p = parse_amount(str(value))
            if p is None:
                return None
            v = p
        return round(v) if abs(v - round(v)) < 1e-9 else None
    if t == "boolean":
        if isinstance(value, bool):
            return value
        return parse_bool(str(value))
    return None


# --------------------------------------------------------------------------- filling


@dataclass(slots=True)
class _Ctx:
    doc: DocIndex
    pages: list[PageContent]
    citations: dict[str, Citation] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, dict[str, float]] = field(default_factory=dict)
    vendor: tuple[Found, list[Line]] | bool | None = False  # False = not looked for yet
    prose_doc: bool | None = None
    labels: LabelIndex | None = None  # every printed label, read on first use
    # the net / tax / gross fields of the object being filled, with their other candidates
    amounts: list[AmountOptions] = field(default_factory=list)
    choices: dict[str, _Choice] = field(default_factory=dict)  # how those amounts were chosen


def _labels(ctx: _Ctx) -> LabelIndex:
    if ctx.labels is None:
        ctx.labels = LabelIndex(ctx.doc)
    return ctx.labels


def _confidence(f: Found, type_fit: float = 1.0) -> float:
    c = f.score * (0.6 + 0.4 * f.ocr_confidence) * type_fit
    return round(min(0.99, max(0.01, c)), 4)


def _record(ctx: _Ctx, path: str, f: Found, value: Any) -> None:
    ws = f.words
    if not ws:
        return
    if len(ws) == 1:  # most values (table cells above all) are one word
        w = ws[0]
        ctx.citations[path] = Citation(w.page, (w.x0, w.y0, w.x1, w.y1), w.text)
        c = f.score * (0.6 + 0.4 * w.confidence)
        c = c if c > 0.01 else 0.01  # = min(0.99, max(0.01, c)), NaN included
        ctx.confidence[path] = round(c if c < 0.99 else 0.99, 4)
        return
    ctx.citations[path] = Citation(page=f.page, bbox=words_bbox(ws), text=f.text)
    ctx.confidence[path] = _confidence(f)


def _vendor(ctx: _Ctx, q: fl.FieldQuery | None) -> tuple[Found, list[Line]] | None:
    if ctx.vendor is False:
        vq = q
        if vq is None or vq.concept is None or vq.concept.key != "vendor_name":
            c = concept("vendor_name")
            vq = fl.FieldQuery("", "vendor", "name", c, 1.0, list(LABEL_TOKENS[c.key]))
        ctx.vendor = issuer.find_vendor_name(ctx.doc, vq)
    return ctx.vendor  # type: ignore[return-value]


def _is_prose_doc(ctx: _Ctx) -> bool:
    """Running text (long lines, few label/value pairs): contracts, letters."""
    if ctx.prose_doc is None:
        lines = [ln for lay in ctx.doc.layouts[:3] for ln in lay.lines]
        long_lines = sum(1 for ln in lines if len(ln.toks) >= 10)
        ctx.prose_doc = bool(lines) and long_lines >= 0.4 * len(lines)
    return ctx.prose_doc


def _find(ctx: _Ctx, q: fl.FieldQuery, node: dict[str, Any]) -> Found | None:
    doc = ctx.doc
    key = q.concept.key if q.concept is not None else None
    if q.kind in ("text", "date", "name") and key not in ("total", "subtotal", "tax"):
        pkind = prose.field_kind(q.name, node)
        if pkind is not None and pkind != "parties":
            cand = prose.find_field(ctx.pages, q.name, node)
            if cand is not None:
                return Found(cand.value, _cand_words(ctx, cand), float(cand.confidence))
            # a fact the text does not state is null (no first-date guess for it); only an
            # explicit "Term:" / "Effective Date:" label can still give it
            return fl.find_labelled(doc, q, colon=True) if q.phrases else None
    if q.enum and key != "currency" and any(isinstance(o, str) for o in q.enum):
        return fl.find_enum(doc, q)
    if key == "total":
        return fl.find_total(doc, q)
    if key in ("subtotal", "tax"):
        return fl.find_amount(doc, q)
    if key == "date":
        return fl.find_date(doc, q, fallback=True)
    if key == "due_date":
        return fl.find_date(doc, q, fallback=False)
    if key in ("doc_number", "customer_number", "order_number"):
        return fl.find_labelled(doc, q, "id")
    if key == "currency":
        f = fl.find_currency(doc, q)
        if f is not None and q.enum:
            m = fl.match_enum(f.value, list(q.enum))
            return Found(m, f.words, f.score) if m is not None else None
        return f
    if key == "vendor_name":
        v = _vendor(ctx, q)
        return v[0] if v else None
    if key == "vendor_address":
        return issuer.find_address(doc, q, _vendor(ctx, None))
    if key in ("customer_name", "customer_address"):
        return issuer.find_customer(doc, q, address=key == "customer_address")
    if key in ("email", "phone", "iban", "vat_id"):
        return fl.find_pattern(doc, q)
    f = fl.find_generic(doc, q)
    if f is None and q.kind in ("text", "date") and _is_prose_doc(ctx):
        cand = prose.find_field(ctx.pages, q.name, node)
        if cand is not None:
            return Found(cand.value, _cand_words(ctx, cand), float(cand.confidence))
    return f


def _cand_words(ctx: _Ctx, cand: Any) -> list[Any]:
    """Words under a Candidate's bbox (prose gives a bbox, the citation needs words)."""
    x0, y0, x1, y1 = cand.bbox
    for p in ctx.pages:
        if p.number == cand.page:
            ws = [
                w
                for w in p.words
                if w.x0 >= x0 - 1e-6
                and w.x1 <= x1 + 1e-6
                and w.y0 >= y0 - 1e-6
                and w.y1 <= y1 + 1e-6
            ]
            if ws:
                return ws
    return [Word(str(cand.text), cand.page, x0, y0, x1, y1)]


# (path, name, node as text, parents) -> (kind, query, profile): what a field means and how
# to look for it depends on the schema alone, so a worker that sees the same schema for
# document after document works it out once
_LEAF_PLANS: dict[
    tuple[str, str, str, tuple[str, ...]], tuple[str, fl.FieldQuery, FieldProfile]
] = {}


def _leaf_plan(
    node: dict[str, Any], name: str, path: str, parents: list[str]
) -> tuple[str, fl.FieldQuery, FieldProfile]:
    key = (path, name, repr(node), tuple(parents))
    plan = _LEAF_PLANS.get(key)
    if plan is None:
        if len(_LEAF_PLANS) >= 4096:
            _LEAF_PLANS.clear()
        meaning = recognise(
            name,
            str(node.get("title") or ""),
            str(node.get("description") or ""),
            [str(a) for a in node.get("x-aliases") or []],
            parents,
        )
        kind = _value_kind(node, meaning, name)
        if meaning.concept is not None and main_type(node) == "boolean":
            meaning = FieldMeaning(None, 0.0)
        q = fl.query_for(path, name, kind, meaning, node, parents)
        profile = profile_for(name, node, kind, meaning.concept, parents)
        plan = _LEAF_PLANS[key] = (kind, q, profile)
    return plan


# value kinds the label matcher reads (the others: patterns, enums, booleans, by the rules)
_MATCHED_KINDS = frozenset({"amount", "integer", "date", "id", "text", "name"})
# the issuer's name and address are the parties finder's (fields.issuer), not a label's
_RULES_ONLY = frozenset({"vendor_name", "vendor_address", "currency", "email", "phone", "iban"})


def _matchable(ctx: _Ctx, q: fl.FieldQuery, node: dict[str, Any], found: bool) -> bool:
    key = q.concept.key if q.concept is not None else None
    if q.kind not in _MATCHED_KINDS or key in _RULES_ONLY or node.get("enum"):
        return False
    # facts stated in running text (a contract's term, its governing law) are the prose
    # finder's: a label next to them is rare and a sentence's words are no label
    if prose.field_kind(q.name, node) is None:
        return True
    return q.kind == "date" and not (found or _is_prose_doc(ctx))


def scalar_candidates(
    ctx: _Ctx, node: dict[str, Any], name: str, path: str, parents: list[str]
) -> tuple[str, Found | None, list[Candidate] | None]:
    """The rules' pick for a scalar field and, when the label matcher reads the field, every
    candidate value with its features (``None``: the rules alone decide). Also what
    ``training.field_ranker`` learns from."""
    kind, q, profile = _leaf_plan(node, name, path, parents)
    rule = _find(ctx, q, node)
    if not _matchable(ctx, q, node, rule is not None):
        return kind, rule, None
    cands = field_candidates(ctx.doc, _labels(ctx), profile, q.concept_score)
    add_rule_candidate(cands, rule, profile)
    return kind, rule, cands


def _fill_leaf(ctx: _Ctx, node: dict[str, Any], name: str, path: str, parents: list[str]) -> Any:
    kind, f, cands = scalar_candidates(ctx, node, name, path, parents)
    rule = f
    scores: list[float] = []
    replaced = False
    if cands is not None:
        # the ranker's pick replaces the rules' one; where it finds no candidate likely
        # enough, the rules' pick (a value printed next to a known label) stands
        got, scores = ranker.choose_scored(cands)
        if got is not None and not got[0].feats.get("rule_agree"):
            f = got[0].found
            f.score = round(min(0.95, max(0.05, got[1])), 4)
            replaced = True
    if f is not None and not f.words:
        f = None
    choice = _Choice(rule, cands, scores, replaced)
    _note_amount(ctx, node, name, path, parents, f, choice)
    return _leaf_value(ctx, node, kind, path, f, choice)


@dataclass(slots=True)
class _Choice:
    """How a scalar's value was chosen: what the confidence model reads (``choice_evidence``)."""

    rule: Found | None
    cands: list[Candidate] | None
    scores: list[float]
    replaced: bool  # the ranker's pick replaced the rules' one


def _note_amount(
    ctx: _Ctx,
    node: dict[str, Any],
    name: str,
    path: str,
    parents: list[str],
    picked: Found | None,
    choice: _Choice,
) -> None:
    """Keep a net / tax / gross field's pick and its alternatives for ``reconcile``."""
    kind, q, _profile = _leaf_plan(node, name, path, parents)
    role = ROLES.get(q.concept.key) if q.concept is not None else None
    if role is None or kind != "amount":
        return
    others = [c.found for c in sorted(choice.cands or [], key=lambda c: -c.found.score)]
    if choice.rule is not None:
        others.insert(0, choice.rule)
    others = [o for o in others if o is not picked and o.words]
    ctx.amounts.append(AmountOptions(path, role, picked, others))
    ctx.choices[path] = choice


def _leaf_value(
    ctx: _Ctx, node: dict[str, Any], kind: str, path: str, f: Found | None, choice: _Choice
) -> Any:
    if f is None or not f.words:
        return None
    value = coerce(f.value, node, kind, _plain_text(f))
    if value is None:
        return None
    _record(ctx, path, f, value)
    if path in ctx.citations:
        ctx.evidence[path] = choice_evidence(
            chosen=f,
            rule=choice.rule,
            cands=choice.cands,
            scores=choice.scores,
            replaced=choice.replaced,
            kind=kind,
        )
    return value


def _plain_text(f: Found) -> str:
    return f.text if isinstance(f.value, (bool, float, int)) else ""


def _fill_object(
    ctx: _Ctx, node: dict[str, Any], prefix: str, parents: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    outer_amounts, ctx.amounts = ctx.amounts, []
    leaves: dict[str, tuple[str, dict[str, Any], list[str]]] = {}
    for name, sub in (node.get("properties") or {}).items():
        if not isinstance(sub, dict):
            out[name] = None
            continue
        path = f"{prefix}.{name}" if prefix else name
        t = main_type(sub)
        if t == "object":
            out[name] = _fill_object(ctx, sub, path, [*parents, name])
        elif t == "array":
            out[name] = _fill_array(ctx, sub, name, path, parents)
        else:
            leaves[path] = (name, sub, parents)
            out[name] = _fill_leaf(ctx, sub, name, path, parents)
    changes = balanced_choice(ctx.amounts) if len(ctx.amounts) >= 2 else None
    for path, f in (changes or {}).items():
        name, sub, pars = leaves[path]
        ctx.citations.pop(path, None)
        ctx.confidence.pop(path, None)
        ctx.evidence.pop(path, None)
        # the arithmetic, not the ranker's or the rules' pick, chose this one
        choice = dataclasses.replace(ctx.choices[path], replaced=True)
        out[name] = _leaf_value(ctx, sub, _leaf_plan(sub, name, path, pars)[0], path, f, choice)
    ctx.amounts = outer_amounts
    return out


def _fill_array(ctx: _Ctx, node: dict[str, Any], name: str, path: str, parents: list[str]) -> Any:
    items = node.get("items") if isinstance(node.get("items"), dict) else {}
    nullable = "null" in schema_types(node)
    if main_type(items) == "object":
        if is_key_value_array(items):
            rows, cits, confs = fill_key_value_array(ctx.pages, items)
            for k, c in cits.items():
                ctx.citations[f"{path}{k}"] = c
            for k, v in confs.items():
                ctx.confidence[f"{path}{k}"] = v
            return rows if rows or not nullable else None
        rows = _rows(ctx, items, path)
        return rows if rows or not nullable else None
    # an array of scalars: the parties of a contract, every email printed ...
    out: list[Any] = []
    for cand in prose.find_list(ctx.pages, name, node):
        v = coerce(cand.value, items, "text")
        if v is None:
            continue
        p = f"{path}[{len(out)}]"
        out.append(v)
        ctx.citations[p] = Citation(cand.page, cand.bbox, cand.text)
        ctx.confidence[p] = round(min(0.99, max(0.01, float(cand.confidence))), 4)
    if not out:
        meaning = recognise(name, str(node.get("title") or ""), "", None, parents)
        kind = meaning.concept.kind if meaning.concept is not None else None
        if kind in ("email", "phone", "iban", "vat"):
            for f in _every_match(ctx.doc, kind):
                v = coerce(f.value, items, kind)
                if v is None or v in out:
                    continue
                _record(ctx, f"{path}[{len(out)}]", f, v)
                out.append(v)
    return out if out or not nullable else None


def _every_match(doc: DocIndex, kind: str) -> list[Found]:
    """Every email / phone / IBAN / VAT id printed, in reading order (one per line)."""
    found = []
    for lay, ln in doc.lines():
        f = parse_region(doc, Region(lay, ln, 0, len(ln.text), "same"), kind)
        if f is not None and f.words:
            f.score = 0.6
            found.append(f)
    return found


def _rows(ctx: _Ctx, item_schema: dict[str, Any], path: str) -> list[dict[str, Any]]:
    props = item_schema.get("properties") or {}
    # per property, once: whether a cell can fill it and how its value is coerced
    plan: list[tuple[str, Any, Any]] = []
    for pname, pnode in props.items():
        t = main_type(pnode) if isinstance(pnode, dict) else "object"
        coercer = None if t in ("object", "array") else _cell_coercer(pnode, t)
        plan.append((pname, pnode, coercer))
    out: list[dict[str, Any]] = []
    for r in extract_rows(ctx.doc, item_schema):
        i = len(out)
        item: dict[str, Any] = {}
        for pname, pnode, coercer in plan:
            f = r.get(pname)
            if f is None or coercer is None:
                item[pname] = empty_value(pnode) if isinstance(pnode, dict) else None
                continue
            v = coercer(f)
            item[pname] = v
            if v is not None:
                _record(ctx, f"{path}[{i}].{pname}", f, v)
        out.append(item)
    return out


def _cell_coercer(node: dict[str, Any], t: str) -> Any:
    """How a table cell's value becomes this property's value, decided once per property.

    A plain ``number`` property (no enum, pattern or const) takes the parsed amount as is:
    that is what ``coerce`` would do, without re-reading the schema for every cell."""
    kind = "amount" if t in ("number", "integer") else "text"
    plain = not any(k in node for k in ("enum", "pattern", "const"))
    if plain and [x for x in schema_types(node) if x != "null"] == ["number"]:

        def number(f: Found) -> Any:
            v = f.value
            if isinstance(v, float) and math.isfinite(v):
                return v
            return coerce(v, node, kind, _plain_text(f))

        return number
    return lambda f: coerce(f.value, node, kind, _plain_text(f))


def fill_schema(
    pages: list[PageContent], schema: dict[str, Any], target: str = "per_doc"
) -> FillResult:
    """Fill ``schema`` from ``pages``; ``target`` is per_doc, per_page or per_table_row."""
    if not isinstance(schema, dict):
        schema = {}
    if target == "per_page":
        data: list[Any] = []
        cits: dict[str, Citation] = {}
        confs: dict[str, float] = {}
        evidence: dict[str, dict[str, float]] = {}
        for i, page in enumerate(pages):
            r = _fill_doc([page], schema)
            data.append(r.data)
            cits.update({f"[{i}]{_sep(k)}{k}": v for k, v in r.citations.items()})
            confs.update({f"[{i}]{_sep(k)}{k}": v for k, v in r.confidence.items()})
            evidence.update({f"[{i}]{_sep(k)}{k}": v for k, v in r.evidence.items()})
        return FillResult(data=data, citations=cits, confidence=confs, evidence=evidence)
    if target == "per_table_row":
        ctx = _Ctx(DocIndex(pages), pages)
        item_schema = schema if main_type(schema) == "object" else (schema.get("items") or {})
        rows = _rows(ctx, item_schema, "")
        return FillResult(data=rows, citations=ctx.citations, confidence=ctx.confidence)
    return _fill_doc(pages, schema)


def _sep(key: str) -> str:
    return "" if key.startswith("[") else "."


def new_context(pages: list[PageContent]) -> _Ctx:
    """The filling state of one document (its analysed pages, citations, confidences)."""
    return _Ctx(DocIndex(pages), pages)


def _fill_doc(pages: list[PageContent], schema: dict[str, Any]) -> FillResult:
    ctx = new_context(pages)
    if main_type(schema) != "object":
        return FillResult(data=empty_value(schema))
    data = _fill_object(ctx, schema, "", [])
    return FillResult(
        data=data, citations=ctx.citations, confidence=ctx.confidence, evidence=ctx.evidence
    )
