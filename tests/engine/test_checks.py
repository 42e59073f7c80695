"""The arithmetic self-checks shared by the engine and the parsers' validation rules."""

from __future__ import annotations

from extractions.engine.values import checks


def test_net_plus_tax_equals_gross() -> None:
    ok = checks.net_plus_tax_equals_gross(net=100.0, tax=19.0, gross=119.0)
    assert ok.ok is True and ok.involves == ("net", "tax", "gross") and ok.message == ""
    off = checks.net_plus_tax_equals_gross(net=100.0, tax=19.0, gross=120.0)
    assert off.ok is False and off.expected == 119.0 and off.actual == 120.0
    assert "119.00" in off.message and "120.00" in off.message
    # a cent of rounding is not a failure; a missing value makes the check not applicable
    assert checks.net_plus_tax_equals_gross(net=10.004, tax=1.9, gross=11.91).ok is True
    assert checks.net_plus_tax_equals_gross(net=None, tax=1.0, gross=2.0).ok is None
    assert checks.net_plus_tax_equals_gross(net=True, tax=1.0, gross=2.0).ok is None


def test_lines_sum_to_total() -> None:
    assert checks.lines_sum_to_total(line_amounts=[30.0, 135.0, 60.0], total=225.0).ok is True
    bad = checks.lines_sum_to_total(line_amounts=[30.0, 135.0], total=225.0)
    assert bad.ok is False and bad.expected == 165.0 and "2 line amounts" in bad.message
    assert checks.lines_sum_to_total(line_amounts=[], total=225.0).ok is None
    assert checks.lines_sum_to_total(line_amounts=[1.0, None], total=1.0).ok is None


def test_quantity_times_unit_price() -> None:
    assert checks.quantity_times_unit_price(quantity=12, unit_price=2.5, amount=30.0).ok
    # a unit price printed rounded (1/3 of 10.00 as 3.33): 3 × 3.33 = 9.99 vs 10.00 is fine
    assert checks.quantity_times_unit_price(quantity=3, unit_price=3.33, amount=10.0).ok
    wrong = checks.quantity_times_unit_price(quantity=12, unit_price=2.5, amount=3.0)
    assert wrong.ok is False and wrong.expected == 30.0
    assert checks.quantity_times_unit_price(quantity=None, unit_price=2.5, amount=3.0).ok is None
    assert set(checks.CHECK_NAMES) == {
        checks.NET_PLUS_TAX_EQUALS_GROSS,
        checks.LINES_SUM_TO_TOTAL,
        checks.QUANTITY_TIMES_UNIT_PRICE,
        checks.DATE_WITHIN_RANGE,
    }


def test_date_within_range_of_the_document_date() -> None:
    def check(date, reference="2026-03-14", before=0, after=30):
        return checks.date_within_range(
            date=date, document_date=reference, days_before=before, days_after=after
        )

    assert check("2026-04-13").ok is True  # 30 days after: the end is included
    assert check("2026-03-14").ok is True
    late = check("2026-04-14")
    assert late.ok is False and late.actual == 31.0 and "31 days after" in late.message
    early = check("2026-03-10", before=3)
    assert early.ok is False and "4 days before" in early.message and "at most 3" in early.message
    assert check("2026-03-11", before=3).ok is True
    # dates the rules cannot read are not applicable, never failures
    assert check(None).ok is None and check("14/03/2026").ok is None
    assert check("2026-03-20", reference="").ok is None


def test_balancing_reading_picks_the_first_candidate_that_balances() -> None:
    readings = [
        {"net": 100.0, "tax": 20.0, "gross": 125.0},  # a year or a balance taken as the gross
        {"net": 100.0, "tax": 20.0, "gross": 120.0},
        {"net": 100.0, "tax": 25.0, "gross": 125.0},
    ]
    got = checks.balancing_reading(readings, checks.net_plus_tax_equals_gross)
    assert got is not None and got[0] == 1 and got[1].expected == 120.0
    assert checks.balancing_reading(readings[:1], checks.net_plus_tax_equals_gross) is None
    # a column reading of a row: which number is the unit price
    rows = [
        {"quantity": 4.0, "unit_price": 10.0, "amount": 2.5},
        {"quantity": 4.0, "unit_price": 2.5, "amount": 10.0},
    ]
    assert checks.balancing_reading(rows, checks.quantity_times_unit_price)[0] == 1


def test_balanced_share_counts_only_applicable_checks() -> None:
    results = [
        checks.quantity_times_unit_price(quantity=2, unit_price=3.0, amount=6.0),
        checks.quantity_times_unit_price(quantity=2, unit_price=3.0, amount=7.0),
        checks.quantity_times_unit_price(quantity=None, unit_price=3.0, amount=7.0),
    ]
    assert checks.balanced_share(results) == 0.5
    assert checks.balanced_share(results[2:]) is None
