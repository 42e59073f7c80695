"""The evaluation harness: scoring rules, and a run over a tiny corpus generated here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import docgen
from extractions.engine.evaluation import harness, schema_sets, scoring, summary

# --------------------------------------------------------------------------- scoring rules


def levels(exact: int, norm_spaced: int, norm: int, fuzzy: int) -> dict[str, int]:
    return {"exact": exact, "norm_spaced": norm_spaced, "norm": norm, "fuzzy": fuzzy}


def test_scalar_levels_and_alternatives() -> None:
    assert scoring.score_scalar("INV-001", "INV-001") == levels(1, 1, 1, 1)
    assert scoring.score_scalar("Acme, Inc", "ACME INC.") == levels(0, 1, 1, 1)
    assert scoring.score_scalar("Acme Incorporated", "Acme Inc.") == levels(0, 0, 0, 0)
    assert scoring.score_scalar("Jda Software Grup", "Jda Software Group") == levels(0, 0, 0, 1)
    # Spacing is annotator noise: "norm" ignores it, "norm_spaced" does not.
    assert scoring.score_scalar("SANYUSTATIONERY SHOP", "SANYU STATIONERY SHOP") == levels(
        0, 0, 1, 1
    )
    assert scoring.score_scalar("ZEN 28S/B", "Zen 28 S/B") == levels(0, 0, 1, 1)
    assert scoring.score_scalar("LJAN HING", "LIAN HING") == levels(0, 0, 0, 1)
    # Ambiguous dates: any listed reading (or the raw string) is right.
    alts = ["2018-03-10", "2018-10-03"]
    assert scoring.score_scalar("2018-10-03", "10/03/2018", alts)["exact"] == 1
    assert scoring.score_scalar("2018-03-11", "10/03/2018", alts)["fuzzy"] == 0
    # Numbers compare by value, never fuzzily.
    assert scoring.score_scalar(13.3, 13.30)["exact"] == 1
    assert scoring.score_scalar("13.30", 13.3)["exact"] == 1
    assert scoring.score_scalar(13.31, 13.3) == levels(0, 0, 0, 0)
    # A null expectation is scored: only "no value" is right.
    assert scoring.score_scalar(None, None)["exact"] == 1
    assert scoring.score_scalar("Delaware", None)["fuzzy"] == 0
    assert scoring.score_scalar(None, "Delaware")["fuzzy"] == 0


def test_string_set_f1() -> None:
    exp = ["Vocus Inc.", "Gtcr LLC"]
    assert scoring.score_string_set(["Vocus, Inc.", "GTCR LLC"], exp) == levels(0, 1, 1, 1)
    assert scoring.score_string_set(["VocusInc.", "GTCR LLC"], exp)["norm_spaced"] == pytest.approx(
        0.5
    )
    assert scoring.score_string_set(["VocusInc.", "GTCR LLC"], exp)["norm"] == 1.0
    half = scoring.score_string_set(["Vocus Inc.", "Someone Else"], exp)
    assert half["exact"] == pytest.approx(0.5)
    assert scoring.score_string_set([], [])["exact"] == 1.0
    assert scoring.score_string_set(["X Corp"], [])["exact"] == 0.0


def test_pairs_are_a_one_to_one_set() -> None:
    item = {
        "type": "object",
        "properties": {"key": {"type": "string"}, "value": {"type": "string"}},
    }
    exp = [
        {"key": "Date", "value": "12/2/87"},
        {"key": "Date", "value": None},
        {"key": "FAX NO.", "value": "555-1234"},
    ]
    pred = [
        {"key": "Date:", "value": "12/2/87"},
        {"key": "Date", "value": "12/2/87"},  # a duplicate cannot match twice
        {"key": "FAX NO", "value": "555-1234"},
        {"key": "Date", "value": None},
    ]
    s = scoring.score_pairs(pred, exp, item)
    assert s["exact"] == {"matched": 2, "predicted": 4, "expected": 3}
    assert s["norm"]["matched"] == 3
    assert s["norm_spaced"]["matched"] == 3
    summary = harness.summarise_field("form", "pairs", "pairs", [s])
    assert summary.scores["norm"] == pytest.approx(2 * 0.75 * 1.0 / 1.75)


def test_rows_cell_accuracy_matches_rows_by_content() -> None:
    item = {
        "type": "object",
        "properties": {
            "description": {"type": "string"},
            "quantity": {"type": "number"},
            "amount": {"type": "number"},
        },
    }
    exp = [
        {"description": "Nougat 250g", "quantity": 20, "amount": 81.9},
        {"description": "Biscuits", "quantity": 15, "amount": 48.0},
    ]
    # Predicted out of order, with one wrong cell and one spurious row.
    pred = [
        {"description": "Biscuits", "quantity": 15, "amount": 48.0},
        {"description": "TOTAL", "quantity": None, "amount": 129.9},
        {"description": "Nougat 250g", "quantity": 2, "amount": 81.9},
    ]
    s = scoring.score_rows(pred, exp, item)["exact"]
    assert s == {
        "cells_right": 5,
        "cells_expected": 6,
        "rows_right": 1,  # Nougat's quantity is wrong: its row is not right
        "rows_matched": 2,
        "rows_predicted": 3,
        "rows_expected": 2,
    }


def test_field_kind_comes_from_the_schema() -> None:
    assert scoring.field_kind({"type": ["string", "null"]}) == "scalar"
    assert scoring.field_kind({"type": "array", "items": {"type": "string"}}) == "string_set"
    kv_items = {"type": "object", "properties": {"question": {}, "answer": {}}}
    kv_items["properties"] = {"question": {"type": "string"}, "answer": {"type": "string"}}
    assert scoring.field_kind({"type": "array", "items": kv_items}) == "pairs"
    rows = {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "number"}}}
    assert scoring.field_kind({"type": ["array", "null"], "items": rows}) == "rows"


# --------------------------------------------------------------------------- a generated corpus

SCHEMA = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": ["string", "null"], "description": "Invoice number"},
        "total": {"type": ["number", "null"], "description": "Total amount due"},
        "po_number": {"type": ["string", "null"], "description": "Purchase order number"},
    },
}


def _pdf(path: Path, lines: list[str]) -> None:
    path.write_bytes(docgen.text_pdf(*lines))


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "docs").mkdir(parents=True)
    (root / "schemas").mkdir()
    (root / "schemas" / "bill.json").write_text(json.dumps(SCHEMA))
    rows = []
    # The third label is deliberately wrong, to check that scoring can fail.
    for i, (number, total, label) in enumerate(
        [
            ("INV-1001", "120.50", "INV-1001"),
            ("INV-1002", "99.00", "INV-1002"),
            ("INV-1003", "7.25", "WRONG"),
        ]
    ):
        name = f"docs/bill{i}.pdf"
        _pdf(root / name, ["ACME Supplies Ltd", f"Invoice number: {number}", f"Total: {total}"])
        rows.append(
            {
                "file": name,
                "id": f"bill{i}",
                "doc_type": "bill",
                "expected": {"invoice_number": label, "total": float(total), "po_number": None},
                "scored_fields": ["invoice_number", "total", "po_number"],
            }
        )
    with open(root / "manifest.jsonl", "w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return root


def test_run_corpus_end_to_end(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    calls: list[str] = []
    real_reader = harness.default_reader()

    def counting_reader(path: str):
        calls.append(path)
        return real_reader(path)

    report = harness.run_corpus(root, reader=counting_reader)
    assert len(calls) == 3
    by_field = {f.field: f for f in report.fields}
    assert set(by_field) == {"invoice_number", "total", "po_number"}
    assert by_field["invoice_number"].n == 3
    assert by_field["invoice_number"].scores["exact"] == pytest.approx(2 / 3)
    assert by_field["total"].scores["exact"] == pytest.approx(1.0)
    assert by_field["po_number"].scores["exact"] == pytest.approx(1.0)  # null is right here
    sp = report.speed["bill"]
    assert sp["documents"] == 3 and sp["pages"] == 3 and sp["errors"] == 0
    assert sp["pages_per_second"] > 0

    # Only OCR is cached: text layers are read again (cheap), so nothing is kept for these.
    cache = tmp_path / "cache"
    again = harness.run_corpus(root, cache_dir=cache)
    assert again.speed["bill"]["cached"] == 0 and not any(cache.iterdir())
    assert [f.scores for f in again.fields] == [f.scores for f in report.fields]

    table = harness.format_report(report)
    assert "invoice_number" in table and "66.7%" in table and "pages/s" in table
    json.dumps(report.as_dict(), default=str)


def test_cached_ocr_gives_the_same_scores_and_counts_the_original_read(
    tmp_path: Path, ocr_calls: list[int]
) -> None:
    from extractions.engine.read import ocr_cache

    root = tmp_path / "corpus"
    (root / "docs").mkdir(parents=True)
    (root / "schemas").mkdir()
    schema = {"type": "object", "properties": {"total": {"type": ["number", "null"]}}}
    (root / "schemas" / "receipt.json").write_text(json.dumps(schema))
    image = docgen.text_image(["GROCER 42", "TOTAL 18.50"], font_size=44, margin=40).image
    (root / "docs" / "r1.png").write_bytes(docgen.encode_image(image, "PNG"))
    row = {
        "file": "docs/r1.png",
        "doc_type": "receipt",
        "expected": {"total": 18.5},
        "scored_fields": ["total"],
    }
    (root / "manifest.jsonl").write_text(json.dumps(row) + "\n")
    calls = ocr_calls
    cache = tmp_path / "cache"
    first = harness.run_corpus(root, cache_dir=cache)
    assert len(calls) == 1 and first.speed["receipt"]["cached"] == 0
    second = harness.run_corpus(root, cache_dir=cache)
    assert len(calls) == 1  # OCR did not run again
    assert second.speed["receipt"]["cached"] == 1
    assert [f.scores for f in second.fields] == [f.scores for f in first.fields]
    assert second.documents[0].data == first.documents[0].data
    # reading from the cache is not reported as free: the original OCR's time is counted
    (entry,) = cache.glob("*.json")
    original = ocr_cache.decode(json.loads(entry.read_text()))
    assert original is not None and original.seconds > 0
    assert second.documents[0].read_seconds >= original.seconds * 0.9


def test_filters_and_errors_are_reported(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    (root / "docs" / "bill1.pdf").write_bytes(b"%PDF-1.7 broken")
    report = harness.run_corpus(root, limit=2)
    assert [d.id for d in report.documents] == ["bill0", "bill1"]
    broken = report.documents[1]
    assert broken.error and broken.fields["invoice_number"]["scores"]["exact"] == 0
    assert "error docs/bill1.pdf" in harness.format_report(report)
    assert harness.run_corpus(root, doc_type="other").documents == []
    # A doc_type without its schema file is reported, not fatal.
    with open(root / "manifest.jsonl", "a") as fh:
        fh.write(
            json.dumps(
                {
                    "file": "docs/bill0.pdf",
                    "id": "x",
                    "doc_type": "memo",
                    "expected": {"title": "A"},
                    "scored_fields": ["title"],
                }
            )
            + "\n"
        )
    memo = harness.run_corpus(root, doc_type="memo")
    assert memo.documents[0].error.startswith("schema for 'memo'")
    assert memo.fields[0].scores["exact"] == 0.0


# --------------------------------------------------------------------------- schema sets, summary


def test_a_customer_schema_set_is_run_and_mapped_back(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    customer = schema_sets.SchemaSet(
        "acme",
        {
            "bill": (
                {
                    "type": "object",
                    "properties": {
                        "ref": {"type": "string", "description": "Invoice number"},
                        "to_pay": {"type": "number", "description": "Total amount due"},
                    },
                },
                {"ref": "invoice_number", "to_pay": "total"},
            )
        },
    )
    report = harness.run_corpus(root, schema_set=customer)
    assert report.schema_set == "acme"
    # The engine answered under the customer's names; scoring saw the corpus's.
    assert report.documents[0].data == {"invoice_number": "INV-1001", "total": 120.5}
    by_field = {f.field: f.scores["exact"] for f in report.fields}
    assert by_field["invoice_number"] == pytest.approx(2 / 3)
    assert by_field["total"] == pytest.approx(1.0)
    # A corpus field the set does not ask for is unanswered: right only where null.
    assert by_field["po_number"] == pytest.approx(1.0)


def test_translate_renames_array_columns() -> None:
    data = {"items": [{"what": "Tea", "n": 2}], "who": "Acme", "extra": 1}
    mapping = {"items": ["lines", {"what": "description", "n": "quantity"}], "who": "issuer"}
    assert schema_sets.translate(data, mapping) == {
        "lines": [{"description": "Tea", "quantity": 2}],
        "issuer": "Acme",
    }


def test_shipped_schema_sets_load_and_cover_their_doc_types() -> None:
    names = schema_sets.available_sets()
    assert names[0] == "corpus" and len(names) >= 3
    for name in names[1:]:
        s = schema_sets.load_schema_set(name)
        assert s.entries, name
        for doc_type, (schema, mapping) in s.entries.items():
            # every mapped field exists in the customer's schema
            assert set(mapping) <= set(schema["properties"]), (name, doc_type)
    with pytest.raises(ValueError, match="known: corpus"):
        schema_sets.load_schema_set("nope")


def test_summary_means_every_field_score(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    report = harness.run_corpus(root)
    scores = {s.field: s.score for s in summary.field_scores(report)}
    assert scores == pytest.approx({"invoice_number": 2 / 3, "po_number": 1.0, "total": 1.0})
    g = summary.groups(summary.field_scores(report))
    assert g["bill header"] == pytest.approx((2 / 3 + 2) / 3)
    assert g["overall"] == g["bill header"]
    table = summary.format_summary([("mine", report)])
    assert "overall" in table and "88.9%" in table


def test_summary_of_pairs_and_rows_per_document(tmp_path: Path) -> None:
    doc = harness.DocResult

    def at_every_level(counts: dict[str, int]) -> dict[str, dict[str, int]]:
        return dict.fromkeys(scoring.LEVELS, counts)

    pairs_good = {
        "kind": "pairs",
        "scores": at_every_level({"matched": 2, "predicted": 2, "expected": 2}),
    }
    pairs_bad = {
        "kind": "pairs",
        "scores": at_every_level({"matched": 0, "predicted": 5, "expected": 1}),
    }
    rows = {
        "kind": "rows",
        "scores": at_every_level(
            {
                "cells_right": 5,
                "cells_expected": 6,
                "rows_right": 1,
                "rows_matched": 2,
                "rows_predicted": 3,
                "rows_expected": 2,
            }
        ),
    }
    docs = [
        doc("a", "form", "a", 1, 0, 0, False, {"pairs": pairs_good}),
        doc("b", "form", "b", 1, 0, 0, False, {"pairs": pairs_bad}),
        doc("c", "invoice", "c", 1, 0, 0, False, {"lines": rows}),
    ]
    report = harness.build_report("x", docs)
    got = {(s.doc_type, s.field): s.score for s in summary.field_scores(report)}
    # forms weigh the same whatever their pair count: (1 + 0) / 2
    assert got[("form", "pairs")] == pytest.approx(0.5)
    assert got[("invoice", "lines")] == pytest.approx(5 / 6)
    # one right row of 3 predicted and 2 expected: P 1/3, R 1/2
    assert got[("invoice", "lines rows")] == pytest.approx(0.4)
    assert summary.groups(summary.field_scores(report))["overall"] == pytest.approx(
        (0.5 + 5 / 6 + 0.4) / 3
    )


def test_evaluate_command_runs_several_corpora_and_sets(tmp_path: Path) -> None:
    from io import StringIO

    from django.core.management import call_command

    first = _corpus(tmp_path / "one")
    second = _corpus(tmp_path / "two")
    out = StringIO()
    report_path = tmp_path / "r.json"
    call_command(
        "evaluate",
        "--corpus",
        str(first),
        "--corpus",
        str(second),
        "--quiet",
        "--json",
        str(report_path),
        stdout=out,
    )
    text = out.getvalue()
    assert text.count("doc_type   field") == 2
    assert "overall" in text and "88.9%" in text
    payload = json.loads(report_path.read_text())
    assert [r["schema_set"] for r in payload["runs"]] == ["corpus", "corpus"]
    assert payload["runs"][0]["summary"]["overall"] == pytest.approx(8 / 9)
