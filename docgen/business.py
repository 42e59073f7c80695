"""Purchase orders, bank statements and ID cards, with what they print under the field names
of the parser templates (parsers/parser_templates/): the documents the templates are tested on
where the corpora have none. Values vary with ``seed``; the layouts are the common ones (labels
left of their values, a table under a header row, totals under the table)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from .pdf import A4, MM, PageSpec, build_pdf

_COMPANIES = (
    "Harbour Engineering GmbH",
    "Northwind Traders Ltd",
    "Globex Industrial SA",
    "Initech Components BV",
    "Stark Workshop Inc",
    "Tyrell Logistics AB",
)
_ARTICLES = (
    "Hex bolts M10, zinc plated",
    "Copper cable 2.5 mm²",
    "Safety gloves, size L",
    "Pallet wrap film 500 mm",
    "Ball bearing 6204-2RS",
    "Hydraulic hose 1/2 inch",
    "LED panel 60x60",
    "Cable ties 300 mm (100)",
)
_PEOPLE = (
    ("MUSTERMANN", "ERIKA"),
    ("DUPONT", "MARIE CLAIRE"),
    ("ROSSI", "MARCO"),
    ("SVENSSON", "ANNA LENA"),
    ("NOWAK", "PIOTR"),
)
_CITIES = ("BERLIN", "LYON", "MILANO", "GÖTEBORG", "KRAKÓW")
_PAYEES = (
    "Card payment SUPERMARKT 2241",
    "Salary ACME GMBH",
    "Rent March",
    "Direct debit TELECOM",
    "Transfer J. SMITH",
    "Card payment FUEL STATION 17",
)


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _iban(rng: random.Random) -> str:
    """A German IBAN with valid check digits (ISO 13616 mod 97), grouped by four."""
    bban = "".join(str(rng.randrange(10)) for _ in range(18))
    digits = bban + "1314" + "00"  # "DE" as 13 14, then the check digits' place
    check = 98 - int(digits) % 97
    raw = f"DE{check:02d}{bban}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _date(rng: random.Random, year: int = 2026) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 300))


def purchase_order_pdf(seed: int = 1) -> tuple[bytes, dict[str, Any]]:
    rng = random.Random(seed)
    buyer, supplier = rng.sample(_COMPANIES, 2)
    number = f"PO-{rng.randrange(10000, 99999)}"
    ordered = _date(rng)
    delivery = ordered + dt.timedelta(days=rng.randrange(7, 30))
    lines = []
    for article in rng.sample(_ARTICLES, rng.randrange(3, 6)):
        quantity = rng.randrange(1, 40)
        price = rng.randrange(150, 9000) / 100
        lines.append(
            {
                "item_code": f"A-{rng.randrange(1000, 9999)}",
                "description": article,
                "quantity": float(quantity),
                "unit_price": price,
                "amount": round(quantity * price, 2),
            }
        )
    total = round(sum(line["amount"] for line in lines), 2)
    spec = PageSpec(
        texts=[
            (20 * MM, 22 * MM, buyer, 16, "B"),
            (20 * MM, 29 * MM, "Industriestrasse 12, 20095 Hamburg", 10),
            (130 * MM, 22 * MM, "PURCHASE ORDER", 15, "B"),
            (120 * MM, 38 * MM, f"PO Number: {number}", 11),
            (120 * MM, 45 * MM, f"Order date: {ordered.isoformat()}", 11),
            (120 * MM, 52 * MM, f"Delivery date: {delivery.isoformat()}", 11),
            (20 * MM, 45 * MM, f"Supplier: {supplier}", 11),
            (20 * MM, 52 * MM, "Currency: EUR", 11),
        ]
    )
    columns = (20, 42, 122, 142, 170)
    y = 72
    header = ("Item", "Description", "Qty", "Unit price", "Amount")
    spec.texts += [(x * MM, y * MM, text, 10, "B") for x, text in zip(columns, header, strict=True)]
    spec.lines.append((18 * MM, (y + 2) * MM, 195 * MM, (y + 2) * MM))
    for line in lines:
        y += 8
        cells = (
            line["item_code"],
            line["description"],
            str(int(line["quantity"])),
            _money(line["unit_price"]),
            _money(line["amount"]),
        )
        spec.texts += [(x * MM, y * MM, text, 10) for x, text in zip(columns, cells, strict=True)]
    spec.lines.append((18 * MM, (y + 3) * MM, 195 * MM, (y + 3) * MM))
    spec.texts += [
        (130 * MM, (y + 13) * MM, "Total:", 12, "B"),
        (165 * MM, (y + 13) * MM, f"{_money(total)} EUR", 12, "B"),
    ]
    expected = {
        "po_number": number,
        "order_date": ordered.isoformat(),
        "delivery_date": delivery.isoformat(),
        "buyer_name": buyer,
        "supplier_name": supplier,
        "currency": "EUR",
        "total": total,
        "line_items": lines,
    }
    return build_pdf([spec], page_size=A4), expected


def bank_statement_pdf(seed: int = 1) -> tuple[bytes, dict[str, Any]]:
    rng = random.Random(seed)
    surname, given = rng.choice(_PEOPLE)
    holder = f"{given.title()} {surname.title()}"
    start = dt.date(2026, rng.randrange(1, 12), 1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    iban = _iban(rng)
    opening = rng.randrange(50000, 500000) / 100
    balance = opening
    transactions = []
    day = start
    for payee in rng.sample(_PAYEES, rng.randrange(4, 7)):
        day = min(end, day + dt.timedelta(days=rng.randrange(1, 6)))
        amount = rng.randrange(500, 250000) / 100 * (1 if payee.startswith("Salary") else -1)
        balance = round(balance + amount, 2)
        transactions.append(
            {"date": day.isoformat(), "description": payee, "amount": amount, "balance": balance}
        )
    spec = PageSpec(
        texts=[
            (20 * MM, 22 * MM, "First Harbour Bank", 16, "B"),
            (20 * MM, 29 * MM, "Account statement", 12),
            (20 * MM, 42 * MM, f"Account holder: {holder}", 11),
            (20 * MM, 49 * MM, f"IBAN: {iban}", 11),
            (120 * MM, 42 * MM, f"Statement date: {end.isoformat()}", 11),
            (120 * MM, 49 * MM, f"Period start: {start.isoformat()}", 11),
            (120 * MM, 56 * MM, f"Period end: {end.isoformat()}", 11),
            (20 * MM, 56 * MM, "Currency: EUR", 11),
            (20 * MM, 68 * MM, "Opening balance:", 11, "B"),
            (60 * MM, 68 * MM, _money(opening), 11, "B"),
        ]
    )
    columns = (20, 45, 140, 170)
    y = 80
    header = ("Date", "Description", "Amount", "Balance")
    spec.texts += [(x * MM, y * MM, text, 10, "B") for x, text in zip(columns, header, strict=True)]
    spec.lines.append((18 * MM, (y + 2) * MM, 195 * MM, (y + 2) * MM))
    for t in transactions:
        y += 8
        cells = (t["date"], t["description"], _money(t["amount"]), _money(t["balance"]))
        spec.texts += [(x * MM, y * MM, text, 10) for x, text in zip(columns, cells, strict=True)]
    spec.lines.append((18 * MM, (y + 3) * MM, 195 * MM, (y + 3) * MM))
    spec.texts += [
        (20 * MM, (y + 13) * MM, "Closing balance:", 11, "B"),
        (60 * MM, (y + 13) * MM, _money(balance), 11, "B"),
    ]
    expected = {
        "bank_name": "First Harbour Bank",
        "account_holder": holder,
        "iban": iban,
        "statement_date": end.isoformat(),
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "currency": "EUR",
        "opening_balance": opening,
        "closing_balance": balance,
        "transactions": transactions,
    }
    return build_pdf([spec], page_size=A4), expected


def id_card_pdf(seed: int = 1) -> tuple[bytes, dict[str, Any]]:
    """The front of an identity card, printed as labelled lines on a card-sized page."""
    rng = random.Random(seed)
    surname, given = rng.choice(_PEOPLE)
    born = dt.date(rng.randrange(1950, 2005), rng.randrange(1, 13), rng.randrange(1, 29))
    issued = _date(rng, year=rng.randrange(2018, 2026))
    expires = issued.replace(year=issued.year + 10)
    number = f"{rng.choice('CFGHJK')}{rng.randrange(10000000, 99999999)}"
    place = rng.choice(_CITIES)
    sex = rng.choice("FM")
    fmt = "%d.%m.%Y"
    size = (86 * MM * 2, 54 * MM * 2)  # a card, drawn at twice its size
    spec = PageSpec(
        texts=[
            (8 * MM, 10 * MM, "IDENTITY CARD", 14, "B"),
            (8 * MM, 22 * MM, f"Surname: {surname}", 11),
            (8 * MM, 30 * MM, f"Given names: {given}", 11),
            (8 * MM, 38 * MM, f"Date of birth: {born.strftime(fmt)}", 11),
            (8 * MM, 46 * MM, f"Place of birth: {place}", 11),
            (8 * MM, 54 * MM, "Nationality: EUROPEAN UNION", 11),
            (8 * MM, 62 * MM, f"Sex: {sex}", 11),
            (90 * MM, 22 * MM, f"Document No: {number}", 11),
            (90 * MM, 30 * MM, f"Date of issue: {issued.strftime(fmt)}", 11),
            (90 * MM, 38 * MM, f"Date of expiry: {expires.strftime(fmt)}", 11),
            (90 * MM, 46 * MM, "Authority: CITY OF EXAMPLE", 11),
        ],
        rects=[(4 * MM, 4 * MM, 164 * MM, 100 * MM)],
    )
    expected = {
        "document_number": number,
        "surname": surname,
        "given_names": given,
        "date_of_birth": born.isoformat(),
        "place_of_birth": place,
        "nationality": "EUROPEAN UNION",
        "sex": sex,
        "issue_date": issued.isoformat(),
        "expiry_date": expires.isoformat(),
        "issuing_authority": "CITY OF EXAMPLE",
    }
    return build_pdf([spec], page_size=size), expected


# The form footer printed on every page of the lease: codes, not fields.
LEASE_FOOTER_LABELS = ("Formular", "URN", "CEN/EU", "Seite")
_LEASE_CLAUSES = (
    "§ 3 Miete und Nebenkosten. Die Miete ist monatlich im Voraus, spätestens am dritten "
    "Werktag des Monats, auf das Konto des Vermieters zu zahlen. Über die Vorauszahlungen "
    "auf die Betriebskosten wird jährlich abgerechnet.",
    "§ 4 Mietsicherheit. Der Mieter leistet eine Kaution in Höhe von drei Monatsmieten. Er "
    "ist berechtigt, sie in drei gleichen monatlichen Teilzahlungen zu erbringen.",
    "§ 5 Schönheitsreparaturen. Die Schönheitsreparaturen trägt der Mieter, soweit sie durch "
    "seine Nutzung erforderlich werden. Hinweis: Fristen gelten nur als Richtwerte.",
    "§ 6 Tierhaltung. Kleintiere dürfen ohne Zustimmung gehalten werden. Für andere Tiere ist "
    "die vorherige Zustimmung des Vermieters erforderlich. Achtung: Die Zustimmung kann "
    "widerrufen werden, wenn Unzuträglichkeiten eintreten.",
    "§ 7 Kündigung. Die Kündigung bedarf der Schriftform. Es gelten die gesetzlichen Fristen. "
    "Bitte beachten: Maßgeblich ist der Zugang des Kündigungsschreibens.",
    "§ 8 Hausordnung. Die beigefügte Hausordnung ist Bestandteil dieses Vertrages.",
)


def german_lease_pdf(seed: int = 1) -> tuple[bytes, dict[str, Any]]:
    """A three-page German residential lease (Mietvertrag): parties and key figures as labelled
    values on page 1, clauses in running text (with "Hinweis:"-style remarks) on page 2,
    signatures on page 3, and a form footer of codes on every page. Returns the PDF and the
    labelled values a person would make fields of (label -> printed value)."""
    rng = random.Random(seed)
    (landlord_surname, landlord_given), (tenant_surname, tenant_given) = rng.sample(_PEOPLE, 2)
    start = dt.date(2026, rng.randrange(1, 13), 1)
    rent = rng.randrange(500, 1500)
    costs = rng.randrange(80, 300)
    values = {
        "Vermieter": f"{landlord_given.title()} {landlord_surname.title()}",
        "Mieter": f"{tenant_given.title()} {tenant_surname.title()}",
        "Anschrift der Wohnung": f"Lindenstraße {rng.randrange(1, 90)}, 10115 Berlin",
        "Mietbeginn": start.strftime("%d.%m.%Y"),
        "Wohnfläche": f"{rng.randrange(35, 120)} m²",
        "Anzahl der Zimmer": str(rng.randrange(1, 5)),
        "Kaltmiete": f"{rent:,.2f} EUR".replace(",", "X").replace(".", ",").replace("X", "."),
        "Nebenkosten": f"{costs:,.2f} EUR".replace(".", ","),
        "Kaution": f"{3 * rent:,.2f} EUR".replace(",", "X").replace(".", ",").replace("X", "."),
        "IBAN": _iban(rng),
        "BIC": "COBADEFFXXX",
        "Kontoinhaber": f"{landlord_given.title()} {landlord_surname.title()}",
        "Geschoss": f"{rng.randrange(1, 6)}. OG",
        "Stellplatz": f"Nr. {rng.randrange(1, 40)}",
        "Heizkosten": f"{rng.randrange(40, 150)},00 EUR",
        "Fälligkeit der Miete": "3. Werktag des Monats",
        "Telefon Vermieter": f"030 {rng.randrange(1000000, 9999999)}",
        "E-Mail Vermieter": "vermietung@example.de",
        "Mietdauer": "unbefristet",
        "Kündigungsfrist": "3 Monate",
        "Haustiere erlaubt": rng.choice(("ja", "nein")),
        "Schlüssel übergeben": f"{rng.randrange(2, 6)} Stück",
        "Zählerstand Strom": f"{rng.randrange(10000, 99999)} kWh",
        "Zählerstand Wasser": f"{rng.randrange(100, 999)} m³",
        "Übergabedatum": (start - dt.timedelta(days=rng.randrange(1, 5))).strftime("%d.%m.%Y"),
    }

    def footer(n: int) -> list[Any]:
        form, urn, cen, page = LEASE_FOOTER_LABELS
        return [
            (20 * MM, 285 * MM, f"{form} 4711-B", 7),
            (60 * MM, 285 * MM, f"{urn}: {rng.randrange(10**7, 10**8)}", 7),
            (100 * MM, 285 * MM, f"{cen}: 2019/1150", 7),
            (170 * MM, 285 * MM, f"{page} {n} von 3", 7),
        ]

    first = PageSpec(
        texts=[
            (20 * MM, 22 * MM, "Mietvertrag für Wohnraum", 16, "B"),
            (20 * MM, 30 * MM, "§ 1 Vertragsparteien und Mietsache", 11, "B"),
            *(
                item
                for i, (label, value) in enumerate(values.items())
                for item in (
                    (20 * MM, (40 + 7 * i) * MM, f"{label}:", 10),
                    (75 * MM, (40 + 7 * i) * MM, value, 10),
                )
            ),
            (20 * MM, 230 * MM, "§ 2 Mietzeit", 11, "B"),
            (20 * MM, 238 * MM, "Das Mietverhältnis läuft auf unbestimmte Zeit.", 10),
            *footer(1),
        ]
    )
    second = PageSpec(texts=footer(2))
    y = 25
    for clause in _LEASE_CLAUSES:
        words, line = clause.split(), ""
        for word in words:
            if len(line) + len(word) > 95:
                second.texts.append((20 * MM, y * MM, line, 10))
                y, line = y + 6, ""
            line = f"{line} {word}".strip()
        second.texts.append((20 * MM, y * MM, line, 10))
        y += 10
    third = PageSpec(
        texts=[
            (20 * MM, 30 * MM, "§ 9 Sonstige Vereinbarungen: keine", 10),
            (20 * MM, 60 * MM, "Ort, Datum:", 10),
            (20 * MM, 80 * MM, "Unterschrift Vermieter:", 10),
            (110 * MM, 80 * MM, "Unterschrift Mieter:", 10),
            *footer(3),
        ]
    )
    return build_pdf([first, second, third], page_size=A4), values
