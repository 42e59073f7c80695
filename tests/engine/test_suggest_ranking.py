"""Suggest from a sample proposes the fields a person would name: capped, ranked by evidence,
junk names dropped, near-duplicates merged (generated documents read by the engine)."""

from __future__ import annotations

import re

import pytest

from docgen import MM, build_pdf
from docgen.business import LEASE_FOOTER_LABELS, german_lease_pdf
from extractions.engine import ExtractionOptions, read_pages, suggest_schema
from extractions.engine.parsing.ranking import Candidate, is_junk, rank_candidates
from extractions.engine.parsing.suggest import MAX_PROPERTIES, snake_case


def _fold(text: str) -> str:
    return re.sub(r"\W", "", text).casefold()


@pytest.mark.parametrize("seed", [1, 2])
def test_a_three_page_german_lease_gives_its_labelled_values_and_no_junk(seed: int) -> None:
    pdf, values = german_lease_pdf(seed)
    pages = read_pages(pdf, ExtractionOptions())
    assert len(pages) == 3
    props = suggest_schema(pages)["properties"]

    assert len(props) <= MAX_PROPERTIES
    titles = {_fold(p["title"]) for p in props.values()}
    found = [label for label in values if _fold(label) in titles]
    assert len(found) >= 0.9 * len(values), sorted(set(values) - set(found))
    # the form's footer, on every page, is not a field; nor are sentence fragments
    for label in LEASE_FOOTER_LABELS:
        assert snake_case(label) not in props and _fold(label) not in titles
    for name, prop in props.items():
        assert len(name.split("_")) <= 5, name
        assert not prop["title"][:1].islower(), prop["title"]
        assert prop["x-aliases"][0] == prop["title"]
    # typed by their values
    assert props[snake_case("Mietbeginn")]["format"] == "date"
    assert props[snake_case("Kaltmiete")]["type"] == ["number", "null"]


def _form(labels: list[tuple[str, str]], *, pages: int = 1) -> list:
    per_page = -(-len(labels) // pages)
    specs = []
    for p in range(pages):
        chunk = labels[p * per_page : (p + 1) * per_page]
        specs.append(
            [
                item
                for i, (label, value) in enumerate(chunk)
                for item in (
                    (20 * MM, (20 + 6 * i) * MM, f"{label}:", 9),
                    (80 * MM, (20 + 6 * i) * MM, value, 9),
                )
            ]
        )
    return read_pages(build_pdf(specs), ExtractionOptions())


def test_at_most_25_fields_and_the_typed_ones_first() -> None:
    costs = "rent heating water power parking cleaning garden insurance lift waste internet"
    events = "start end signing handover inspection payment notice renewal review move"
    typed = [(f"{w.title()} amount", f"{100 + i},50 EUR") for i, w in enumerate(costs.split())]
    typed += [(f"{w.title()} date", f"0{1 + i % 9}.03.2026") for i, w in enumerate(events.split())]
    remarks = "kitchen bathroom cellar attic balcony windows doors floors walls heating system "
    remarks += "garage stairs entrance mailbox intercom lighting smoke detector antenna shutters"
    texts = [(f"{w.title()} remark", "see the attached sheet") for w in remarks.split()[:20]]
    labels = [x for pair in zip(texts, typed, strict=False) for x in pair] + typed[len(texts) :]
    props = suggest_schema(_form(labels, pages=2))["properties"]
    assert len(props) == MAX_PROPERTIES
    kept = {p["title"] for p in props.values()}
    assert {label for label, _ in typed} <= kept  # the 21 typed values outrank the remarks
    # in the order the document prints them
    order = [label for label, _ in labels if label in kept]
    assert [p["title"] for p in props.values()] == order


def test_near_duplicates_are_one_field_with_every_printed_label() -> None:
    pages = _form(
        [
            ("Invoice No", "INV-77"),
            ("Customer name", "Globex"),
            ("Invoice number", "INV-77"),
            ("Custmer name", "Globex"),
            ("Rechnungs-Nr", "R-1"),
            ("Rechnungsnr", "R-1"),
            ("Due date", "2026-04-01"),
            ("Issue date", "2026-03-01"),
        ],
        pages=2,
    )
    props = suggest_schema(pages)["properties"]
    aliases = {name: p["x-aliases"] for name, p in props.items()}
    (invoice,) = [a for a in aliases.values() if "Invoice No" in a]
    assert "Invoice number" in invoice
    (customer,) = [a for a in aliases.values() if "Customer name" in a]
    assert "Custmer name" in customer
    (german,) = [a for a in aliases.values() if "Rechnungsnr" in a]
    assert "Rechnungs-Nr" in german
    # different words stay different fields
    assert {"due_date", "issue_date"} <= set(props)
    assert len(props) == 5


def _cand(label: str, value: str | None = "x", order: int = 0, page: int = 1) -> Candidate:
    return Candidate(
        name=snake_case(label),
        label=label,
        value=value,
        page=page,
        order=order,
        typed=False,
        prop={"type": ["string", "null"]},
    )


@pytest.mark.parametrize(
    ("label", "junk"),
    [
        ("No", True),  # too short
        ("1234 56", True),  # mostly digits
        ("URN", True),  # abbreviations only, unknown to the lexicon
        ("CEN/EU", True),
        ("erforderlich werden. Hinweis", True),  # a sentence fragment
        ("bitte beachten", True),
        ("This label is far too long to be a field", True),
        ("VAT 20%", False),  # abbreviations the lexicon knows as labels
        ("Tax", False),
        ("Qty", False),
        ("IBAN", False),
        ("Kaltmiete", False),
        ("Invoice number", False),
    ],
)
def test_junk_names(label: str, junk: bool) -> None:
    assert is_junk(_cand(label)) is junk


def test_page_furniture_is_dropped_unless_it_is_one_typed_value() -> None:
    footer = [_cand("Formular", f"4711-{p}", order=10 * p, page=p) for p in (1, 2, 3)]
    policy = [
        Candidate(
            name="policy_date",
            label="Policy date",
            value="01.02.2026",
            page=p,
            order=10 * p + 1,
            typed=True,
            prop={"type": ["string", "null"], "format": "date"},
        )
        for p in (1, 2, 3)
    ]
    kept = rank_candidates(
        [*footer, *policy, _cand("Tenant", "A. Smith", order=2)], page_count=3, limit=25
    )
    assert [c.name for c in kept] == ["tenant", "policy_date"]  # in document order
