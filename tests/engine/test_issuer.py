"""The issuer's name and address on receipts: which line, and the OCR repairs a name allows."""

from __future__ import annotations

from typing import Any

import pytest

from extractions.engine.fields.address import repair_address
from extractions.engine.fields.issuer import clean_name, repair_name
from extractions.engine.fields.parties import label_continues, plausible_name
from extractions.engine.parsing.fill import fill_schema
from extractions.engine.types import PageContent, Word

CHAR_W = 0.009
LINE_H = 0.016

RECEIPT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "company": {"type": ["string", "null"], "description": "Merchant / company name as printed on the receipt."},
        "address": {"type": ["string", "null"], "description": "Merchant address as printed (lines joined with spaces)."},
    },
}  # fmt: skip


def page_of(*items: tuple[float, float, str] | tuple[float, float, str, float]) -> PageContent:
    """OCR words at (x, y); an optional fourth item scales the font (a logo line)."""
    words = []
    for item in items:
        x, y, text = item[:3]
        size = item[3] if len(item) > 3 else 1.0
        for token in text.split():
            w = len(token) * CHAR_W * size
            words.append(Word(token, 1, x, y, x + w, y + LINE_H * size, 0.95, "ocr"))
            x += w + CHAR_W * size
    return PageContent(number=1, width=800, height=1600, words=words, source="ocr")


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("SANYUSTATIONERYSHOP", "SANYU STATIONERY SHOP"),  # spaces lost by OCR
        ("BIGFURNITURESTORE", "BIG FURNITURE STORE"),
        ("WORKSHOP", "WORKSHOP"),  # short: plausibly one word
        ("HYPERMARKET", "HYPERMARKET"),
        ("First City Parking Sn Bhd", "First City Parking Sdn Bhd"),
        ("ABC TRADING SDN BND", "ABC TRADING SDN BHD"),
        ("ONE TWO SEAFOOD RESTAURANT SDN HD", "ONE TWO SEAFOOD RESTAURANT SDN BHD"),
        ("KL HEALTHCARE SIN BHD", "KL HEALTHCARE SDN BHD"),
        ("XYZ 5DN. BHD.", "XYZ SDN. BHD."),
        ("ONE TWO SEAFOOD RESTAURANT SDN DHD", "ONE TWO SEAFOOD RESTAURANT SDN BHD"),
        ("ENTERPRISE (SETIA ALAM)SDN BHU", "ENTERPRISE (SETIA ALAM)SDN BHD"),
        ("ABC SUN BHU", "ABC SUN BHU"),  # both words misread
        ("ABC SON BHO", "ABC SON BHO"),  # both words misread: not enough evidence
        ("AIK_HUAT HARDWAKE SDN BHD", "AIK HUAT HARDWARE SDN BHD"),  # _ for a space, K for R
        ("Lim Hariware Trading", "Lim Hardware Trading"),
        ("INDUSTRIAS ARREGUI S.A.", "INDUSTRIAS ARREGUI S.A."),  # Spanish, not a misread
        ("MEGA HARDWARES", "MEGA HARDWARES"),  # a letter more: not one misread letter
        ("99 SPEED MART 5/B", "99 SPEED MART S/B"),
        ("Zen and coffee 28S/B", "Zen and coffee 28 S/B"),
        ("MR. D.I.Y. (M) SDN BHD", "MR. D.I.Y. (M) SDN BHD"),
        ("KEDAI S/B", "KEDAI S/B"),
    ],
)
def test_repair_name(raw: str, repaired: str) -> None:
    assert repair_name(raw) == repaired


def test_clean_name_stops_at_a_registration_number_mid_line() -> None:
    assert clean_name("MYNEWS RETAIL SB(306295-X) FKA BISON STORES SB") == "MYNEWS RETAIL SB"
    assert (
        clean_name("GARDENIA BAKERIES (KL) SDN BHD (139386 X)") == "GARDENIA BAKERIES (KL) SDN BHD"
    )
    assert clean_name("ABC (1998) SDN BHD") == "ABC (1998) SDN BHD"  # a year is not a reg. no.


def test_a_logo_over_the_legal_name_is_not_one_name() -> None:
    page = page_of(
        (0.15, 0.03, "Welcome to the Family"),
        (0.15, 0.06, "FamilyMart", 2.2),
        (0.10, 0.11, "Maxincome Resources Sdn Bhd (383322-D)"),
        (0.10, 0.13, "No 16A, Jalan Astaka U8/83, Bukit Jelutong"),
        (0.15, 0.15, "40150 Shah Alam, Selangor"),
        (0.20, 0.17, "GST ID : 000468594688"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["company"] == "FamilyMart"


def test_a_name_wrapped_over_three_lines() -> None:
    page = page_of(
        (0.12, 0.05, "AIK HUAT HARDWARE"),
        (0.12, 0.07, "ENTERPRISE (SETIA"),
        (0.18, 0.09, "ALAM) SDN BHD"),
        (0.35, 0.11, "822737-X"),
        (0.15, 0.13, "NO. 17-G, JALAN SETIA INDAH"),
        (0.15, 0.15, "SEKSYEN U13, 40170 SHAH ALAM,"),
        (0.10, 0.17, "TEL: 012 - 6651703"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["company"] == "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD"
    assert res.data["address"] == "NO. 17-G, JALAN SETIA INDAH SEKSYEN U13, 40170 SHAH ALAM,"


def test_a_slogan_names_the_brand_whose_legal_line_is_the_issuer() -> None:
    page = page_of(
        (0.05, 0.05, "THANK YOU FOR SHOPPING WITH acmeNEWS.com"),
        (0.05, 0.07, "RIVERSIDE MALL"),
        (0.05, 0.09, "LOT 2, GROUND FLOOR, RIVERSIDE MALL, NO 2,"),
        (0.05, 0.11, "JALAN PJU 1A/7A, 47301 PETALING JAYA"),
        (0.05, 0.13, "careline: 1800 881231"),
        (0.05, 0.15, "ACMENEWS RETAIL SB(306295-X) FKA OLD STORES SB"),
        (0.05, 0.17, "TAX REG ID 000709361664"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["company"] == "ACMENEWS RETAIL SB"
    # the address printed above the legal name
    assert (
        res.data["address"]
        == "LOT 2, GROUND FLOOR, RIVERSIDE MALL, NO 2, JALAN PJU 1A/7A, 47301 PETALING JAYA"
    )


def test_an_outlet_name_between_the_name_and_the_address_is_skipped() -> None:
    page = page_of(
        (0.10, 0.05, "MENTAI INITIAL SDN BHD (1206674-T)"),
        (0.18, 0.07, "SUSHI MENTAI PLAZA DANAU"),
        (0.14, 0.09, "NO.37-1, PLAZA DANAU DESA 2,"),
        (0.14, 0.11, "58100 KUALA LUMPUR."),
        (0.14, 0.13, "(GST Reg. No : 000435761152)"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["company"] == "MENTAI INITIAL SDN BHD"
    assert res.data["address"] == "NO.37-1, PLAZA DANAU DESA 2, 58100 KUALA LUMPUR."


INVOICE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "supplier": {"type": ["string", "null"], "description": "Company that sent us the bill"},
    },
}


def _issuer(page: PageContent) -> Any:
    return fill_schema([page], INVOICE).data["supplier"]


def test_the_seller_section_and_its_name_field_not_the_buyer_section() -> None:
    page = page_of(
        (0.10, 0.02, "Sample invoices for e-invoicing, (c) 2022"),
        (0.11, 0.06, "Commercial invoice (380) No. 181301674"),
        (0.12, 0.11, "Currency:"), (0.44, 0.11, "EUR"),
        (0.12, 0.20, "Käufer"),
        (0.12, 0.22, "Name:"), (0.44, 0.22, "Harbour Consulting GmbH"),
        (0.12, 0.34, "Verkäufer"),
        (0.12, 0.36, "Nummer:"), (0.44, 0.36, "549910"),
        (0.12, 0.38, "Name:"), (0.44, 0.38, "Nordlicht Werkstatt GmbH"),
        (0.12, 0.40, "Anschrift:"), (0.44, 0.40, "Erfurter Strasse 13"),
    )  # fmt: skip
    assert _issuer(page) == "Nordlicht Werkstatt GmbH"


def test_a_label_word_inside_a_name_or_another_label_is_not_the_seller_label() -> None:
    page = page_of(
        (0.07, 0.05, "KAVERI METAL COMPANY"), (0.49, 0.05, "Invoice No."),
        (0.07, 0.07, "OLD NO: 12, NEW NO: 33, MAIN STREET."), (0.49, 0.07, "812"),
        (0.07, 0.09, "PH: 044-28612601"), (0.49, 0.09, "Supplier's Ref."),
        (0.07, 0.11, "Merchant ID: 4445060632312"),
        (0.07, 0.30, "Lieferant GmbH"),
    )  # fmt: skip
    assert _issuer(page) == "KAVERI METAL COMPANY"


def test_a_logo_word_is_spelled_out_by_the_legal_name_under_it() -> None:
    page = page_of(
        (0.08, 0.02, "brightdesk", 2.5), (0.79, 0.02, "INVOICE"),
        (0.09, 0.11, "Brightdesk Inc.,(formerly known as Deskly Inc.)"),
        (0.09, 0.13, "2950 S. Delaware St,"),
        (0.09, 0.15, "Phone: +1 (866) 832 3090"),
        (0.09, 0.20, "BILLED TO"),
        (0.09, 0.22, "Walker Holdings LLC"),
    )  # fmt: skip
    assert _issuer(page) == "Brightdesk Inc."


def test_an_envelope_addressee_is_not_the_issuer_a_footer_is() -> None:
    page = page_of(
        (0.09, 0.15, "Mrs Jane Miller"),
        (0.09, 0.17, "227 N 5th Ave"),
        (0.09, 0.19, "98642 Ridgefield"),
        (0.05, 0.30, "I N V O I C E  F 247120"),
        (0.06, 0.85, "Thank you for your business"),
        (0.06, 0.87, "Lakeside Airport Hotel"),
        (0.06, 0.89, "Terminal 1, Ring 15, 60549 Frankfurt am Main, Germany"),
        (0.06, 0.91, "Tel: +49 69 695977 0 | Fax: +49 69 695977 4999"),
    )
    assert _issuer(page) == "Lakeside Airport Hotel"


def test_a_shop_name_may_start_with_a_number() -> None:
    page = page_of(
        (0.19, 0.18, "88 QUICK MARTS/B (123456-X)"),
        (0.25, 0.20, "LOT P.T. 12345, BATU 4"),
        (0.23, 0.22, "JALAN KAPAR, MUKIM KAPAR"),
        (0.23, 0.27, "GST ID. NO: 000181747712"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["company"].startswith("88 QUICK MART")
    assert res.data["address"].startswith("LOT P.T. 12345")


def test_a_location_field_is_the_merchants_address_not_its_name() -> None:
    page = page_of(
        (0.12, 0.05, "MENTAI INITIAL SDN BHD (1206674-T)"),
        (0.14, 0.07, "NO.37-1, PLAZA DANAU DESA 2,"),
        (0.14, 0.09, "58100 KUALA LUMPUR."),
        (0.14, 0.11, "(GST Reg. No : 000435761152)"),
    )
    schema = {
        "type": "object",
        "properties": {
            "merchant": {"type": "string", "description": "Business name at the top"},
            "merchant_location": {"type": "string", "description": "Business address"},
        },
    }
    data = fill_schema([page], schema).data
    assert data["merchant"] == "MENTAI INITIAL SDN BHD"
    assert data["merchant_location"] == "NO.37-1, PLAZA DANAU DESA 2, 58100 KUALA LUMPUR."


def test_an_address_ends_at_its_country_before_an_outlet_name() -> None:
    page = page_of(
        (0.10, 0.05, "ACME SNACKS SDN BHD (12345-A)"),
        (0.10, 0.07, "No 8, Jalan 7/118B, Desa Tun Razak"),
        (0.10, 0.09, "56000 Kuala Lumpur, Malaysia"),
        (0.10, 0.11, "RIVERSIDE CITY MALL"),
        (0.10, 0.13, "GST ID No: 000123456789"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["address"] == "No 8, Jalan 7/118B, Desa Tun Razak 56000 Kuala Lumpur, Malaysia"


@pytest.mark.parametrize(
    ("items", "issuer"),
    [
        (  # Spanish: the title is no name, the customer's line is not the issuer
            [(0.05, 0.03, "FACTURA", 2), (0.05, 0.08, "Cliente:"), (0.2, 0.08, "Comercial Lopez S.L."),
             (0.55, 0.08, "Suministros Garcia S.L."), (0.55, 0.10, "Calle Mayor 1, 28001 Madrid")],
            "Suministros Garcia S.L.",
        ),
        (  # Dutch: the customer block comes first
            [(0.05, 0.05, "Factuuradres"), (0.05, 0.07, "Klant BV"),
             (0.05, 0.09, "Kerkstraat 1, 1000 AB Amsterdam"),
             (0.55, 0.05, "Leverancier Techniek B.V.", 1.3), (0.55, 0.08, "Dorpsweg 3, Rotterdam")],
            "Leverancier Techniek B.V.",
        ),
        (  # an Indian GST invoice's copy marker is a heading, not a name
            [(0.40, 0.02, "Tax Invoice"), (0.63, 0.02, "(ORIGINAL FOR RECIPIENT)"),
             (0.07, 0.05, "SRI GANESH TRADERS"), (0.07, 0.07, "12, MAIN ROAD, CHENNAI-600014"),
             (0.07, 0.09, "GSTIN/UIN: 33AAJPS6304G1ZS")],
            "SRI GANESH TRADERS",
        ),
        (  # "Bill To:" first, the seller on the right in a larger font
            [(0.05, 0.05, "Bill To:"), (0.05, 0.07, "Wayne Facilities Ltd"),
             (0.05, 0.09, "1 Main Road, Gotham"), (0.6, 0.05, "Globex Industrial GmbH", 1.6),
             (0.6, 0.08, "Hauptstrasse 5, 10115 Berlin")],
            "Globex Industrial GmbH",
        ),
    ],
)  # fmt: skip
def test_seller_not_buyer_across_languages(items: list[Any], issuer: str) -> None:
    assert _issuer(page_of(*items)) == issuer


BUYER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "buyer": {"type": ["string", "null"], "description": "Customer billed"},
        "buyer_address": {"type": ["string", "null"], "description": "Billing address"},
    },
}


def test_the_buyer_section_gives_the_customer_and_its_address() -> None:
    page = page_of(
        (0.12, 0.34, "Verkäufer"),
        (0.12, 0.36, "Name:"), (0.44, 0.36, "Nordlicht Werkstatt GmbH"),
        (0.12, 0.50, "Käufer/Leistungsempfänger"),
        (0.12, 0.52, "Nummer:"), (0.44, 0.52, "16259"),
        (0.12, 0.54, "Name:"), (0.44, 0.54, "Harbour Consulting GmbH"),
        (0.12, 0.56, "Anschrift:"), (0.44, 0.56, "Musterstr. 18"),
        (0.44, 0.58, "DE 76138 Karlsruhe"),
        (0.12, 0.60, "USt.-Id.-Nr.:"), (0.44, 0.60, "DE123456789"),
    )  # fmt: skip
    data = fill_schema([page], BUYER).data
    assert data == {
        "buyer": "Harbour Consulting GmbH",
        "buyer_address": "Musterstr. 18, DE 76138 Karlsruhe",
    }


def test_a_bill_to_heading_in_a_row_of_column_headers() -> None:
    page = page_of(
        (0.50, 0.05, "Roofing Renovations INC"),
        (0.06, 0.28, "Billed To"), (0.32, 0.28, "Date of Issue"), (0.51, 0.28, "Invoice Number"),
        (0.06, 0.30, "Real Property Management"), (0.32, 0.30, "01/29/2020"),
        (0.06, 0.32, "1901 Lendew St Suite 7"),
        (0.06, 0.34, "Greensboro, NC"), (0.32, 0.34, "Due Date"),
    )  # fmt: skip
    data = fill_schema([page], BUYER).data
    assert data["buyer"] == "Real Property Management"
    assert data["buyer_address"] == "1901 Lendew St Suite 7, Greensboro, NC"


def test_the_seller_address_is_the_seller_sections_even_after_the_buyers() -> None:
    page = page_of(
        (0.12, 0.20, "Käufer"),
        (0.12, 0.22, "Name:"), (0.44, 0.22, "Harbour Consulting GmbH"),
        (0.12, 0.24, "Anschrift:"), (0.44, 0.24, "Kundenweg 2"),
        (0.12, 0.34, "Verkäufer"),
        (0.12, 0.36, "Name:"), (0.44, 0.36, "Nordlicht Werkstatt GmbH"),
        (0.12, 0.38, "Anschrift:"), (0.44, 0.38, "Erfurter Strasse 13"),
        (0.44, 0.40, "DE 74465 Demoort"),
    )  # fmt: skip
    schema = {
        "type": "object",
        "properties": {
            "seller": {"type": "string"},
            "seller_address": {"type": "string", "description": "Address of the seller"},
        },
    }
    assert fill_schema([page], schema).data == {
        "seller": "Nordlicht Werkstatt GmbH",
        "seller_address": "Erfurter Strasse 13, DE 74465 Demoort",
    }


def test_a_sentence_at_the_top_is_no_name_and_a_postal_line_keeps_its_street() -> None:
    page = page_of(
        (0.17, 0.04, "Goods Sold Are Not Returnable."),
        (0.22, 0.29, "Kota Cash & Carry Sdn.Bhd"),
        (0.40, 0.31, "(317041-W)"),
        (0.28, 0.33, "PT17920, SEKSYEN U9,"),
        (0.33, 0.35, "40150 SHAH ALAM,"),
    )
    assert fill_schema([page], RECEIPT).data["company"] == "Kota Cash & Carry Sdn. Bhd"
    page = page_of(
        (0.32, 0.21, "RELAIS DU LAC", 1.5),
        (0.30, 0.25, "ROUTE NATIONALE SEPT", 1.5),
        (0.36, 0.28, "15000 BELVILLE", 1.5),
        (0.30, 0.31, "Tel. :05.22.95.66.66", 1.5),
    )
    assert fill_schema([page], RECEIPT).data["address"] == "ROUTE NATIONALE SEPT 15000 BELVILLE"


def test_a_wrapped_name_whose_bracketed_line_is_taller() -> None:
    page = page_of(
        (0.14, 0.12, "AIK HUAT HARDWARE", 2.1),
        (0.13, 0.14, "ENTERPRISE (SETIA", 2.35),
        (0.21, 0.16, "ALAM) SDN BHD", 1.55),
        (0.19, 0.18, "NO. 17-G, 822737-X"),
        (0.39, 0.19, "JALAN SETIA INDAH"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["company"] == "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD"


def test_a_lone_trade_word_line_ends_the_name_printed_above_it() -> None:
    page = page_of(
        (0.17, 0.138, "KSL POWER HARDWARE", 1.2),
        (0.30, 0.160, "TRADING"),
        (0.31, 0.216, "002458685-T"),
        (0.30, 0.245, "13-1, Jalan PJU 5/10,"),
    )
    assert fill_schema([page], RECEIPT).data["company"] == "KSL POWER HARDWARE TRADING"


def test_names_that_look_like_label_continuations_are_still_names() -> None:
    assert plausible_name("S & P Global Inc.")
    assert plausible_name("S. C. Johnson & Son")
    assert plausible_name("Service Corporation International")
    assert label_continues(" Service: 1800-889-1055")  # "Customer Service: …"
    assert not plausible_name("ID: 4445060632312")
    assert not plausible_name("GmbH")  # the label word was the start of "Lieferant GmbH"
    assert label_continues("'s Ref.") and label_continues("/Consignor")
    assert not label_continues(" Acme Trading Ltd")


def test_an_address_below_a_former_name_is_found_from_its_postal_code() -> None:
    page = page_of(
        (0.10, 0.05, "Northwind Eateries Sdn Bhd"),
        (0.30, 0.07, "(12345-M)"),
        (0.20, 0.09, "formerly known as"),
        (0.05, 0.11, "Southwind Kitchens Sdn Bhd"),
        (0.15, 0.13, "Licensee of Burgerhaus"),
        (0.02, 0.15, "Level 3, Menara Contoh, Example Park"),
        (0.02, 0.17, "No.9, Jalan Contoh 2/1,46000 Petaling Jaya"),
        (0.30, 0.19, "Selangor"),
        (0.15, 0.21, "(GST ID No: 000123456789)"),
        (0.15, 0.23, "Tel No. 03-1234-5678"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["address"] == (
        "Level 3, Menara Contoh, Example Park No.9, Jalan Contoh 2/1,46000 Petaling Jaya Selangor"
    )


def test_a_postal_code_alone_does_not_make_an_address_of_the_lines_around_it() -> None:
    page = page_of(
        (0.10, 0.05, "Northwind Eateries Sdn Bhd"),
        (0.20, 0.07, "formerly known as"),
        (0.05, 0.09, "Southwind Kitchens Sdn Bhd"),
        (0.15, 0.11, "Licensee of Burgerhaus"),
        (0.15, 0.13, "Tel No. 03-1234-5678"),
        (0.05, 0.15, "10115 Berlin"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["address"] is None  # the postal line lies after the phone line: not its block


def test_a_us_address_below_a_dba_line_is_found_from_its_zip_code() -> None:
    page = page_of(
        (0.10, 0.05, "Lakeside Foods LLC"),
        (0.20, 0.07, "doing business as"),
        (0.10, 0.09, "Corner Deli Holdings Inc"),
        (0.10, 0.11, "412 Main St, Suite 5"),
        (0.10, 0.13, "Springfield, IL 62704"),
        (0.10, 0.15, "Phone: (217) 555-0143"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["address"] == "412 Main St, Suite 5 Springfield, IL 62704"


def test_a_street_line_without_a_number_starts_the_address_a_garbled_phone_label_ends_it() -> None:
    page = page_of(
        (0.05, 0.05, "Healthy Living Pharmacy Sdn Bhd"),
        (0.05, 0.07, "Jalan Besar Kampung Baru"),
        (0.05, 0.09, "12 Ground Floor"),
        (0.05, 0.11, "Jalan Pasar"),
        (0.05, 0.13, "Te1:0-222 6498"),  # "Tel" misread: a short label and a number
        (0.05, 0.15, "Company Reg #1234567-T"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["address"] == "Jalan Besar Kampung Baru 12 Ground Floor Jalan Pasar"


def test_an_outlet_name_without_a_street_word_stays_out_of_the_address() -> None:
    page = page_of(
        (0.05, 0.05, "Nordic Home Retail Sdn Bhd"),
        (0.05, 0.07, "NORDIC HOME RIVERSIDE"),
        (0.05, 0.09, "No 2A Jalan Contoh"),
        (0.05, 0.11, "55100 Kuala Lumpur"),
        (0.05, 0.13, "GST No.: 000115154944"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["address"] == "No 2A Jalan Contoh 55100 Kuala Lumpur"


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("No: G3, BIk G, JIn PJU 1A/3,", "No: G3, Blk G, Jln PJU 1A/3,"),
        ("Jalan lpoh Batu 5", "Jalan Ipoh Batu 5"),
        ("Lot PT1, BLOCK A, IKEA Way", "Lot PT1, BLOCK A, IKEA Way"),  # all capitals: kept
        ("12 lane road, level 2", "12 lane road, level 2"),
        ("NO.12,JA:AN SS4C/5, SE_ANGOR", "NO.12,JALAN SS4C/5, SELANGOR"),  # a sign for an L
        ("Menara Contoh, Leve1 2,", "Menara Contoh, Level 2,"),  # a digit for an l
        ("Lot PT1, Blok A1, SS21/39", "Lot PT1, Blok A1, SS21/39"),  # codes keep their digits
        ("Kampung Sr! Gaya", "Kampung Sr! Gaya"),  # no address word to read
    ],
)
def test_repair_address_undoes_ocr_i_l_confusions(raw: str, repaired: str) -> None:
    assert repair_address(raw) == repaired


def test_a_name_wrapped_over_two_lines_ends_at_its_registration_number() -> None:
    page = page_of(
        (0.25, 0.05, "RESTAURANT GOLDEN"),
        (0.30, 0.07, "GOLDEN HOUSE"),
        (0.33, 0.09, "001234567-K"),
        (0.25, 0.11, "13, JLN TASIK UTAMA 8"),
        (0.35, 0.13, "57000 KL"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["company"] == "RESTAURANT GOLDEN GOLDEN HOUSE"


def test_a_second_name_line_without_a_closing_registration_number_is_not_joined() -> None:
    page = page_of(
        (0.10, 0.05, "THREE BROTHERS"),
        (0.12, 0.07, "NOODLE HOUSE"),
        (0.12, 0.09, "109, SS21/1A,"),
        (0.12, 0.11, "DAMANSARA UTAMA"),
        (0.12, 0.13, "GST ID : 001661886464"),
    )
    res = fill_schema([page], RECEIPT)
    assert res.data["company"] == "THREE BROTHERS"


def test_a_line_that_only_says_what_kind_of_business_is_not_the_name() -> None:
    page = page_of(
        (0.10, 0.05, "THREE BROTHERS"),
        (0.25, 0.07, "BISTRO & CAFE"),
        (0.25, 0.09, "109, SS21/1A,"),
        (0.25, 0.11, "DAMANSARA UTAMA"),
        (0.20, 0.13, "GST ID : 001661886464"),
    )
    assert fill_schema([page], RECEIPT).data["company"] == "THREE BROTHERS"
    shop = page_of((0.10, 0.05, "HARDWARE TRADING"), (0.10, 0.07, "12, Jalan Besar, 45600 Batang"))
    assert fill_schema([shop], RECEIPT).data["company"] == "HARDWARE TRADING"  # nothing else


@pytest.mark.parametrize(
    ("street", "town"),
    [
        ("Calle de Alcalá 91 Piso 5", "28009 Madrid"),  # es
        ("Via Roma 10 Scala B", "00184 Roma"),  # it
        ("Rua Augusta 27 2 andar", "1100-048 Lisboa"),  # pt
        ("Keizersgracht 120", "1015 CW Amsterdam"),  # nl: no street word, a number and a town
    ],
)
def test_street_words_of_other_languages_start_the_address(street: str, town: str) -> None:
    page = page_of(
        (0.10, 0.05, "COMERCIAL NORTE S.L."),
        (0.08, 0.07, street),
        (0.08, 0.09, town),
        (0.08, 0.11, "NIF: B12345678"),
    )
    assert fill_schema([page], RECEIPT).data["address"] == f"{street} {town}"


def test_a_bare_postal_code_after_a_comma_closes_the_address() -> None:
    page = page_of(
        (0.10, 0.05, "LLANO Y PAZOS S.COOP."),
        (0.08, 0.07, "Cuesta Florentina 735, Cádiz,"),
        (0.30, 0.09, "11866"),
        (0.25, 0.11, "NIF: 9707573946"),
    )
    assert fill_schema([page], RECEIPT).data["address"] == "Cuesta Florentina 735, Cádiz, 11866"
    shop = page_of(
        (0.10, 0.05, "LLANO Y PAZOS S.COOP."),
        (0.08, 0.07, "Cuesta Florentina 735, 11866 Cádiz"),
        (0.30, 0.09, "0598"),  # a till or store number under a finished address
        (0.25, 0.11, "NIF: 9707573946"),
    )
    assert fill_schema([shop], RECEIPT).data["address"] == "Cuesta Florentina 735, 11866 Cádiz"


def test_a_label_word_inside_a_hyphenated_street_name_does_not_end_the_address() -> None:
    page = page_of(
        (0.06, 0.05, "TLUSTEK"),
        (0.06, 0.07, "Margrit-Steuer-Allee 1/2, 96212"),
        (0.06, 0.09, "Gießen"),
        (0.06, 0.11, "Steuer-Nr: 4761608691"),
    )
    assert fill_schema([page], RECEIPT).data["address"] == "Margrit-Steuer-Allee 1/2, 96212 Gießen"


def test_an_address_found_from_a_postal_code_printed_after_the_town() -> None:
    page = page_of(
        (0.10, 0.05, "COMPAÑÍA NORTE S.COOP."),
        (0.25, 0.07, "antes Hermanos Norte"),
        (0.12, 0.09, "Pasadizo Gerónimo Montoya 13"),
        (0.20, 0.11, "Puerta 5 , Lleida, 24539"),
        (0.25, 0.13, "NIF: 3228982999"),
    )
    assert (
        fill_schema([page], RECEIPT).data["address"]
        == "Pasadizo Gerónimo Montoya 13 Puerta 5 , Lleida, 24539"
    )
