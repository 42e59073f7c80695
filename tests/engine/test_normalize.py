"""Typed value parsing: dates, amounts, currencies, booleans and identifiers."""

from __future__ import annotations

import pytest

from extractions.engine.values.amounts import (
    currency_code,
    decimal_convention,
    find_amounts,
    find_currency,
    parse_amount,
    parse_integer,
)
from extractions.engine.values.dates import date_order, find_dates, parse_date
from extractions.engine.values.identifiers import (
    find_email,
    find_iban,
    find_phone,
    find_vat_id,
    iban_valid,
)
from extractions.engine.values.text import norm_text, parse_bool, tokens


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("18 MAR 2018", "2018-03-18"),
        ("Date: 18/03/18 10:22", "2018-03-18"),
        ("2018-03-18", "2018-03-18"),
        ("MAR 18, 2018", "2018-03-18"),
        ("March 18th 2018", "2018-03-18"),
        ("13. November 2017", "2017-11-13"),
        ("1er janvier 2018", "2018-01-01"),
        ("le 3 février 2019", "2019-02-03"),
        ("9. Mai 2017", "2017-05-09"),
        ("4. März 2020", "2020-03-04"),
        ("12 déc. 2021", "2021-12-12"),
        ("09.05.2017", "2017-05-09"),
        ("18-03-2018 12:30:11", "2018-03-18"),
        ("12/25/2017", "2017-12-25"),  # month-first is the only valid reading
        ("16/04/201816:28", "2018-04-16"),  # OCR glued the time to the year
        ("11/02/1819:21", "2018-02-11"),
        ("27032018 No CS-20243", "2018-03-27"),
        ("20180318", "2018-03-18"),
    ],
)
def test_dates_in_common_printed_forms(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text", ["XE11-22 - 30", "31803014", "Total 12.50", "Ref 1/2/345", "99/99/2018"]
)
def test_things_that_are_not_dates(text: str) -> None:
    assert parse_date(text) is None


def test_ambiguous_dates_follow_the_requested_order() -> None:
    (d,) = find_dates("10/03/2018")
    assert d.ambiguous
    assert d.iso("dmy") == "2018-03-10"
    assert d.iso("mdy") == "2018-10-03"
    assert d.alternatives() == ["2018-03-10", "2018-10-03"]


def test_numbers_glued_to_a_codes_letters_are_not_a_date() -> None:
    assert find_dates("BALL PEN KC1069 RC11-23-42-12/144") == []
    assert find_dates("SKU ABC12-05-19") == []
    # a date after a label, a space or a sign, and the first date of a range, still are
    assert [d.text for d in find_dates("Date:12/03/2018 #02/03/20 - 02/09/20")] == [
        "12/03/2018",
        "02/03/20",
        "02/09/20",
    ]


def test_document_order_is_day_first_unless_it_shows_otherwise() -> None:
    assert date_order(["Invoice 10/03/2018", "Due 10/04/2018"]) == "dmy"
    assert date_order(["Invoice 10/03/2018", "Paid 11/17/2017"]) == "mdy"
    assert date_order(["Invoice 10/03/2018", "Paid 17/11/2017"]) == "dmy"


def test_only_ambiguous_dates_are_read_month_first_when_that_keeps_them_together() -> None:
    # a flight 3/2 - 3/8 with weekly lines: a week of March, not February to August
    flight = ["Flight: 3/2/2020 - 3/8/2020", "Week 03/02/20", "Week 03/03/20", "03/12/20"]
    assert date_order(flight) == "mdy"
    # an invoice dated 1 February, due 1 March: a month apart either way, day-first stays
    assert date_order(["Date 01/02/2020", "Delivery 01/02/2020", "Due 01/03/2020"]) == "dmy"
    # two dates are too few to tell
    assert date_order(["From 3/2/2020", "To 3/8/2020"]) == "dmy"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("TOTAL 60.31", 60.31),
        ("1.234,56 €", 1234.56),
        ("1,234.56", 1234.56),
        ("120 000,00 €", 120000.0),
        ("1'234.50 CHF", 1234.5),
        ("RM13.30", 13.3),
        ("$8.60", 8.6),
        ("-12.00", -12.0),
        ("(12.00)", -12.0),
        ("12.00-", -12.0),
        ("26,0000", 26.0),
        ("0,750", 0.75),
        ("Total TTC 671,15 €", 671.15),
        ("GST @6%: $0.49", 0.49),  # the percentage is not the amount
        ("Total PM1.00", 1.0),  # OCR garbled the glued currency
    ],
)
def test_amounts_with_either_decimal_convention(text: str, value: float) -> None:
    assert parse_amount(text) == pytest.approx(value)


def test_amount_spans_and_what_is_not_an_amount() -> None:
    found = find_amounts("20Unit(s) 4,55 € 10% 81,90 €")
    assert [(a.text, a.value) for a in found] == [
        ("20", 20.0),
        ("4,55", 4.55),
        ("10", 10.0),
        ("81,90", 81.9),
    ]
    assert found[1].currency == "EUR"
    # times, dates, codes glued to letters and hyphenated references are not amounts
    assert find_amounts("Paid Time 30/04/2017 21:51") == []
    assert find_amounts("INV2017") == []
    assert [a.value for a in find_amounts("Ref 2017-05")] == [2017.0, 5.0]


def test_three_digit_groups_use_the_document_convention() -> None:
    assert parse_amount("1.250") == 1250.0
    assert parse_amount("1.250", decimal=".") == 1.25
    assert decimal_convention(["4,55 €", "81,90 €", "1.234,00"]) == ","
    assert decimal_convention(["4.55", "81.90"]) == "."
    assert decimal_convention(["no numbers"]) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Total 12,00 €", "EUR"),
        ("EUR 5", "EUR"),
        ("£ 3.20", "GBP"),
        ("RM 13.30", "MYR"),
        ("S$ 4.00", "SGD"),
        ("CHF 1'200", "CHF"),
        ("Betrag in Euro", "EUR"),
        ("USD", "USD"),
        ("Total 12.00", None),
    ],
)
def test_currencies_to_iso_4217(text: str, code: str | None) -> None:
    assert find_currency(text) == code


def test_currency_code_normalises_printed_forms() -> None:
    assert currency_code("eur") == "EUR"
    assert currency_code("€") == "EUR"
    assert currency_code("RM") == "MYR"
    assert currency_code("nothing") is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("Yes", True), ("oui", True), ("Ja", True), ("X", True), ("☑", True), ("No", False),
     ("nein", False), ("Non", False), ("☐", False), ("maybe", None)],
)  # fmt: skip
def test_booleans_in_three_languages(text: str, value: bool | None) -> None:
    assert parse_bool(text) is value


def test_identifiers() -> None:
    assert (
        find_iban("IBAN : FR76 3000 6000 0112 3456 7890 189 - BIC") == "FR7630006000011234567890189"
    )
    assert find_iban("IBAN DE88200800000970375700") == "DE88200800000970375700"
    assert iban_valid("DE88200800000970375701") is False
    assert find_vat_id("USt-ID: DE136695976") == "DE136695976"
    assert find_vat_id("TVA : FR11999999998 - SIRET") == "FR11999999998"
    assert find_email("write to sav@example.fr today") == "sav@example.fr"
    assert find_phone("Tel: 03-7845 1234") == "03-7845 1234"
    assert find_phone("Date 12/01/2018") is None


def test_integer_and_text_helpers() -> None:
    assert parse_integer("Qty: 12") == 12
    assert parse_integer("Qty: 1.5") is None
    assert tokens("Rechnungs-Nr. Straße") == ["rechnungs", "nr", "straße"]
    assert norm_text("  Café  & Co.!") == "cafe co"
