"""Any field a customer names: label matching by sense, values by geometry, the ranker."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

import docgen
from extractions.engine import model_store
from extractions.engine.fields import ranker
from extractions.engine.fields.matching import (
    FEATURES,
    LabelIndex,
    field_candidates,
    profile_for,
)
from extractions.engine.fields.meanings import recognise
from extractions.engine.layout.index import DocIndex
from extractions.engine.lexicon.synonyms import sense_of
from extractions.engine.parsing.fill import fill_schema, new_context, scalar_candidates
from extractions.engine.parsing.schema import output_schema
from extractions.engine.pipeline import read_pages
from extractions.engine.types import PageContent


def pdf_pages(*pages: list[tuple[float, float, str, float]]) -> list[PageContent]:
    return read_pages(docgen.build_pdf([list(p) for p in pages]))


@pytest.fixture
def no_model(monkeypatch):
    """The engine as a bare checkout runs it: no model file, the rules decide."""
    monkeypatch.setattr(ranker, "model", lambda: None)


def _ad_buy_page() -> list[PageContent]:
    return pdf_pages(
        [
            (50, 50, "WKRP-TV", 16),
            (50, 80, "Order #: 2005382", 10),
            (300, 80, "Print Date: 05/27/20", 10),
            (50, 100, "Advertiser Name: Friends of Jane Doe", 10),
            (50, 120, "Agency Name: Media Partners LLC", 10),
            (50, 140, "Flight Dates: 10/01/20 - 10/31/20", 10),
            (50, 400, "Gross Amount: $12,500.00", 10),
            (50, 415, "Agency Commission: $1,875.00", 10),
            (50, 430, "Net Amount: $10,625.00", 10),
        ]
    )


AD_BUY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "order_ref": {"type": "string", "description": "The order number"},
        "client_name": {"type": "string", "description": "Who buys the airtime"},
        "gross_cost": {"type": "number"},
        "net_cost": {"type": "number"},
        "runs_from": {"type": "string", "format": "date"},
        "runs_until": {"type": "string", "format": "date"},
    },
}


def test_senses_fold_abbreviations_and_languages() -> None:
    assert sense_of("Amt") == sense_of("amount") == sense_of("Betrag") == sense_of("montant")
    assert sense_of("Nr") == sense_of("no") == sense_of("number") == sense_of("nummer")
    assert sense_of("Rechnung") == sense_of("invoice") == sense_of("factuur")
    assert sense_of("advertiser") == sense_of("client") == sense_of("Kunde")
    assert sense_of("first") == sense_of("start") == sense_of("von")
    assert sense_of("Qty") == sense_of("Menge") == sense_of("cantidad")
    assert sense_of("gross") != sense_of("net")


def test_a_field_knows_which_end_of_a_range_it_is() -> None:
    node = {"type": "string", "format": "date"}
    assert profile_for("first_air_date", node, "date", None).position == -1
    assert profile_for("lastAirDate", node, "date", None).position == 1
    assert profile_for("flight", {**node, "description": "Day the flight ends"}, "date", None)
    assert profile_for("air_date", node, "date", None).position == 0


def test_a_printed_range_gives_one_candidate_per_end(no_model) -> None:
    pages = _ad_buy_page()
    doc = DocIndex(pages)
    p = profile_for("runs_until", {"type": "string", "format": "date"}, "date", None)
    cands = field_candidates(doc, LabelIndex(doc), p)
    ranged = [c for c in cands if c.feats.get("range_len") == 2]
    assert {c.found.value for c in ranged} == {"2020-10-01", "2020-10-31"}
    last = [c for c in ranged if c.feats["position_match"] == 1.0]
    assert [c.found.value for c in last] == ["2020-10-31"]
    assert all(len(c.vector()) == len(FEATURES) for c in cands)


def test_unseen_field_names_read_an_ad_buy_order() -> None:
    """Names no concept knows, matched by sense: the model (or the rules without it)."""
    pages = _ad_buy_page()
    res = fill_schema(pages, AD_BUY_SCHEMA)
    assert res.data["order_ref"] == "2005382"
    assert res.data["gross_cost"] == 12500.0
    assert res.data["net_cost"] == 10625.0
    assert res.data["runs_from"] == "2020-10-01"
    assert res.data["runs_until"] == "2020-10-31"
    # a name: the best-ranked candidate is the advertiser's (answered when likely enough)
    assert res.data["client_name"] in ("Friends of Jane Doe", None)
    ctx = new_context(pages)
    node = AD_BUY_SCHEMA["properties"]["client_name"]
    _kind, _rule, cands = scalar_candidates(ctx, node, "client_name", "client_name", [])
    ss = ranker.scores(cands)
    assert cands[max(range(len(ss)), key=ss.__getitem__)].found.value == "Friends of Jane Doe"
    jsonschema.validate(res.data, output_schema(AD_BUY_SCHEMA))
    for path, value in res.data.items():
        if value is not None:
            assert path in res.citations and 0 < res.confidence[path] <= 0.99


def test_without_a_model_the_rules_still_decide(no_model) -> None:
    pages = _ad_buy_page()
    res = fill_schema(pages, AD_BUY_SCHEMA)
    # the label matcher fills what no concept covers ...
    assert res.data["order_ref"] == "2005382"
    assert res.data["runs_until"] == "2020-10-31"
    # ... and never invents: a field nothing on the page is labelled like stays null
    res = fill_schema(pages, {"type": "object", "properties": {"pallets": {"type": "integer"}}})
    assert res.data == {"pallets": None}


def test_a_year_or_the_net_is_not_the_gross_total(no_model) -> None:
    pages = pdf_pages(
        [
            (50, 50, "Statement 2024", 14),
            (50, 100, "Net Amount: 800.00", 10),
            (50, 115, "Gross Amount: 952.00", 10),
            (50, 130, "Balance: 0.00", 10),
        ]
    )
    doc = DocIndex(pages)
    p = profile_for("gross", {"type": "number"}, "amount", None)
    cands = field_candidates(doc, LabelIndex(doc), p)
    best = max(cands, key=ranker.rule_score)
    assert best.found.value == 952.0
    assert all(c.found.value != 2024 for c in cands)


def test_the_model_file_loads_fast_when_present() -> None:
    import time

    model_store.forget_loaded_models()
    t0 = time.perf_counter()
    m = ranker.model()
    elapsed = time.perf_counter() - t0
    if m is None:
        pytest.skip("no field_ranker model file")
    assert elapsed < 1.0 and all(0.0 <= t < 1.0 for t in m.thresholds.values())


@pytest.mark.parametrize(
    ("name", "concept"),
    [
        ("sum_vat", "tax"),  # the specific word beats the generic one
        ("sum_net", "subtotal"),
        ("net", "subtotal"),
        ("document_no", "doc_number"),
        ("payment_deadline", "due_date"),
        ("merchant_location", "vendor_address"),
        ("flight_from", None),  # "from" names the sender only on its own
        ("from", "vendor_name"),
        ("retailer", "vendor_name"),
        ("bought_on", "date"),
        ("invoice_ref", "doc_number"),
        ("payable_by", "due_date"),
        ("total_incl_vat", "total"),  # the total with VAT, not the VAT
    ],
)
def test_field_names_map_to_the_concept_they_name(name: str, concept: str | None) -> None:
    m = recognise(name)
    assert (m.concept.key if m.concept else None) == concept


def test_a_description_saying_date_makes_a_date_field() -> None:
    node = {"type": "string", "description": "First air date of the flight (yyyy-mm-dd)"}
    pages = _ad_buy_page()
    assert fill_schema(pages, {"type": "object", "properties": {"flight_from": node}}).data == {
        "flight_from": "2020-10-01"
    }


def test_the_forest_reader_predicts_what_lightgbm_does() -> None:
    """The engine reads LightGBM's text model with numpy alone (no lightgbm import)."""
    lightgbm = pytest.importorskip("lightgbm")
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 5))
    x[:, 3] = (x[:, 3] > 0).astype(float)  # a 0/1 feature, as most of the ranker's are
    y = ((x[:, 0] + x[:, 3] - 0.5 * x[:, 2]) > 0.3).astype(int)
    params = {"objective": "binary", "num_leaves": 7, "verbose": -1, "num_threads": 1}
    booster = lightgbm.train(params, lightgbm.Dataset(x, label=y), num_boost_round=20)
    forest = ranker.Forest(booster.model_to_string())
    got = forest.predict(x[:50].tolist())
    assert np.allclose(got, booster.predict(x[:50]), atol=1e-9)
