"""Invoices in the house styles of vendors the corpora do not hold, with their ground truth.

Four styles, each with placement variants drawn from a seed: a SaaS / cloud invoice (a
summary box top right, "Bill to" on the left, a borderless item table with a tax column,
"Subtotal", "VAT (21% on €…)", "Total", "Amount due"), a German Rechnung (a sender line over
the address window, an info block of "Rechnungsnummer", "Rechnungsdatum", "Leistungszeitraum",
"Fälligkeitsdatum", "zzgl. 19 % USt", the tax numbers and IBAN in a footer), a Belgian / Dutch
factuur ("Factuurnummer", "Vervaldatum", "Totaal excl. BTW", "Te betalen") and a French
facture ("Date d'échéance", "Total HT", "TVA 20 %", "Total TTC", "Net à payer"). The seller's
block moves between left, right and the footer; the buyer's block may come first; the due
date may be printed, or only a payment-terms sentence. The expected values follow the corpus
``invoice`` schema.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from faker import Faker

from .pdf import PageSpec, build_pdf, string_width

STYLES = ("saas", "de", "nl", "fr")
_LOCALE = {"saas": "en_IE", "de": "de_DE", "nl": "nl_BE", "fr": "fr_FR"}
_RATE = {"saas": 21, "de": 19, "nl": 21, "fr": 20}
_SERVICES = {
    "saas": ("Cloud Compute - Standard plan", "Object storage (TB-month)", "Support Business tier",
             "Seats - Team edition", "Data transfer out (GB)", "Managed database instance"),
    "de": ("Softwarelizenz Jahresabo", "Beratung (Stunden)", "Wartungsvertrag Basis",
           "Hosting Paket M", "Schulung vor Ort", "Einrichtungspauschale"),
    "nl": ("Licentie boekhoudsoftware", "Consultancy (uren)", "Onderhoudscontract",
           "Webhosting pakket", "Opleiding op locatie", "Installatiekosten"),
    "fr": ("Abonnement logiciel mensuel", "Prestation de conseil (jours)", "Maintenance annuelle",
           "Hébergement serveur", "Formation sur site", "Frais de mise en service"),
}  # fmt: skip
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip


@dataclass
class VendorInvoice:
    style: str
    variant: str
    pdf: bytes
    truth: dict[str, Any]


def _money(value: float, style: str, symbol: bool = True) -> str:
    whole, cents = f"{value:,.2f}".split(".")
    if style == "saas":
        return f"€{value:,.2f}" if symbol else f"{value:,.2f}"
    sep = {"de": ".", "nl": ".", "fr": " "}[style]
    text = whole.replace(",", sep) + "," + cents
    if not symbol:
        return text
    return f"€ {text}" if style == "nl" else f"{text} €"


def _date(day: date, style: str) -> str:
    if style == "saas":
        return f"{_MONTHS_EN[day.month - 1]} {day.day}, {day.year}"
    if style == "de":
        return day.strftime("%d.%m.%Y")
    return day.strftime("%d/%m/%Y")


_MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
              "Oktober", "November", "Dezember")  # fmt: skip


def _long_de(day: date) -> str:
    return f"{day.day}. {_MONTHS_DE[day.month - 1]} {day.year}"


def _right(
    texts: list, x_right: float, y: float, text: str, size: float = 9, style: str = ""
) -> None:
    texts.append((x_right - string_width(text, size, "helvetica"), y, text, size, style))


def vendor_invoice(style: str, seed: int) -> VendorInvoice:
    """One invoice of ``style`` (``STYLES``); the seed picks the vendor, items and placements."""
    rng = random.Random(f"{style}-{seed}")
    fake = Faker(_LOCALE[style])
    fake.seed_instance(seed)
    seller = fake.company()
    buyer = fake.company()
    while buyer == seller:
        buyer = fake.company()
    issued = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
    due = issued + timedelta(days=rng.choice((14, 30, 30, 45)))
    rate = _RATE[style]
    items = []
    for name in rng.sample(_SERVICES[style], rng.randint(2, 4)):
        qty = rng.choice((1, 1, 2, 3, 5, 10, 12))
        price = round(rng.uniform(9, 900), 2)
        items.append((name, qty, price, round(qty * price, 2)))
    net = round(sum(i[3] for i in items), 2)
    tax = round(net * rate / 100, 2)
    gross = round(net + tax, 2)
    number = {
        "saas": f"{rng.choice('ABCDEF')}{rng.randrange(10**7):07X}-{rng.randrange(1, 99):04d}",
        "de": f"RE-{issued.year}-{rng.randrange(100, 9999):04d}",
        "nl": f"{issued.year}/{rng.randrange(1, 9999):04d}",
        "fr": f"F{issued.year}-{rng.randrange(1, 999):03d}",
    }[style]
    seller_lines = [seller, fake.street_address(), f"{fake.postcode()} {fake.city()}"]
    buyer_lines = [buyer, fake.street_address(), f"{fake.postcode()} {fake.city()}"]
    terms_only = rng.random() < 0.25
    variant = rng.choice(("seller_left", "seller_right", "seller_footer"))
    builder = {"saas": _saas, "de": _german, "nl": _dutch, "fr": _french}[style]
    # seeds from 100 on add the harder habits (labelled customer fields, paid balances, the due
    # date only in a sentence, header words with qualifiers), drawn from their own generator so
    # that the seeds below keep their documents
    hard = random.Random(f"{style}-{seed}-hard") if seed >= 100 else None
    ctx = dict(rng=rng, fake=fake, number=number, issued=issued, due=due, rate=rate, items=items,
               net=net, tax=tax, gross=gross, seller_lines=seller_lines, buyer_lines=buyer_lines,
               terms_only=terms_only, variant=variant, hard=hard)  # fmt: skip
    page = builder(**ctx)
    truth = {
        "issuer": seller,
        "invoice_number": number,
        "date": issued.isoformat(),
        "date_due": None if terms_only else due.isoformat(),
        "amount": gross,
        "amount_untaxed": net,
        "amount_tax": tax,
        "currency": "EUR",
        "lines": [
            {"description": d, "quantity": float(q), "unit_price": p, "amount": a, "code": None}
            for d, q, p, a in items
        ],
    }
    name = variant + ("+terms" if terms_only else "") + ("+hard" if hard else "")
    return VendorInvoice(style, name, build_pdf([page]), truth)


def _items_table(texts: list, lines: list, y: float, heads: list[str], rows: list[list[str]],
                 xs: list[float], ruled_head: bool) -> float:  # fmt: skip
    """A borderless table: the first column left-aligned at xs[0], the others right-aligned at xs[i]."""
    for i, head in enumerate(heads):
        if i == 0:
            texts.append((xs[0], y, head, 8, "B"))
        else:
            _right(texts, xs[i], y, head, 8, "B")
    if ruled_head:
        lines.append((xs[0], y + 5, xs[-1], y + 5))
    y += 18
    for row in rows:
        for i, cell in enumerate(row):
            if i == 0:
                texts.append((xs[0], y, cell, 9))
            else:
                _right(texts, xs[i], y, cell, 9)
        y += 16
    return y


def _grid(texts: list, lines: list, y: float, cells: list[tuple[str, str]], x0: float = 50,
          x1: float = 545) -> float:  # fmt: skip
    """Labels as a header row with their values right-aligned under them (a recap box)."""
    width = (x1 - x0) / len(cells)
    for k, (label, value) in enumerate(cells):
        right = x0 + width * (k + 1) - 6
        _right(texts, right, y, label, 8, "B")
        _right(texts, right, y + 15, value, 9)
    lines.extend([(x0, y - 10, x1, y - 10), (x0, y + 4, x1, y + 4), (x0, y + 20, x1, y + 20)])
    return y + 36


def _label_values(texts: list, x_label: float, x_value: float, y: float,
                  pairs: list[tuple[str, str]]) -> None:  # fmt: skip
    """A block of labels with their values beside them, one 13 pt line each."""
    for k, (label, value) in enumerate(pairs):
        texts.append((x_label, y + 13 * k, label, 9))
        texts.append((x_value, y + 13 * k, value, 9))


def _totals(texts: list, y: float, pairs: list[tuple[str, str]], x_label: float, x_right: float,
            bold_last: int = 1) -> float:  # fmt: skip
    for k, (label, value) in enumerate(pairs):
        style = "B" if k >= len(pairs) - bold_last else ""
        texts.append((x_label, y, label, 9, style))
        _right(texts, x_right, y, value, 9, style)
        y += 15
    return y


def _saas(*, rng, fake, number, issued, due, rate, items, net, tax, gross, seller_lines,
          buyer_lines, terms_only, variant, hard=None) -> PageSpec:  # fmt: skip
    texts: list = []
    lines: list = []
    if variant == "seller_footer" and rng.random() < 0.5:
        texts.append((50, 50, seller_lines[0], 14, "B"))  # a logo line over the heading
    texts.append((50, 75, "Invoice", 20, "B"))
    y = 100
    box = [("Invoice number", number), ("Date of issue", _date(issued, "saas"))]
    if not terms_only:
        box.append(("Date due", _date(due, "saas")))
    if hard is not None and hard.random() < 0.6:
        box.append((hard.choice(("Account name", "Customer", "Billed to")), buyer_lines[0]))
    x_box = 50 if variant == "seller_right" else 330
    for label, value in box:
        texts.append((x_box, y, label, 9))
        texts.append((x_box + 90, y, value, 9))
        y += 14
    seller_block = [*seller_lines, fake.country(), f"VAT {fake.bothify('IE#######??').upper()}"]
    buyer_block = ["Bill to", *buyer_lines, fake.email()]
    if rng.random() < 0.5:
        buyer_block.append(f"VAT {fake.bothify('BE0#########')}")
    y_blocks = 170
    if variant == "seller_left":
        for k, text in enumerate(seller_block):
            texts.append((50, y_blocks + 13 * k, text, 9, "B" if k == 0 else ""))
        for k, text in enumerate(buyer_block):
            texts.append((250, y_blocks + 13 * k, text, 9, "B" if k == 0 else ""))
    elif variant == "seller_right":
        for k, text in enumerate(buyer_block):
            texts.append((50, y_blocks + 13 * k, text, 9, "B" if k == 0 else ""))
        for k, text in enumerate(seller_block):
            texts.append((330, 100 + 13 * k, text, 9, "B" if k == 0 else ""))
    else:
        for k, text in enumerate(buyer_block):
            texts.append((50, y_blocks + 13 * k, text, 9, "B" if k == 0 else ""))
        texts.append((50, 800, "  ·  ".join(seller_block[:3] + seller_block[4:]), 7))
    y = 270
    headline = f"{_money(gross, 'saas')} due " + (
        "on receipt" if terms_only else _date(due, "saas")
    )
    cloud = hard is not None and hard.random() < 0.5  # a cloud provider's statement habits
    if cloud and not terms_only:  # the label carries the due date before the amount
        headline = f"Total amount due by {_date(due, 'saas')}"
        texts.append((50, y, headline, 12, "B"))
        _right(texts, 545, y, _money(gross, "saas"), 12, "B")
    else:
        texts.append((50, y, headline, 14, "B"))
    y += 30
    if cloud:
        start = issued.replace(day=1)
        texts.append(
            (50, y - 8, f"Summary for {_date(start, 'saas')} - {_date(issued, 'saas')}", 9)
        )
        y += 14
    heads = ["Description", "Qty", "Unit price", "Tax", "Amount"]
    if hard is not None and hard.random() < 0.5:
        heads = ["Description", "Quantity", "Unit price (excl. tax)", "Tax", "Amount (excl. tax)"]
    xs = [50, 330, 410, 460, 545]
    for i, head in enumerate(heads):
        (
            texts.append((xs[0], y, head, 8, "B"))
            if i == 0
            else _right(texts, xs[i], y, head, 8, "B")
        )
    if hard is None or hard.random() < 0.5:
        lines.append((50, y + 5, 545, y + 5))
    y += 18
    period = rng.random() < 0.6
    start = issued.replace(day=1)
    for d, q, p, a in items:
        texts.append((50, y, d, 9))
        for i, cell in (
            (1, str(q)),
            (2, _money(p, "saas")),
            (3, f"{rate}%"),
            (4, _money(a, "saas")),
        ):
            _right(texts, xs[i], y, cell, 9)
        if period:
            y += 11
            texts.append(
                (
                    50,
                    y,
                    f"{_MONTHS_EN[start.month - 1][:3]} {start.day} - {_MONTHS_EN[issued.month - 1][:3]} {issued.day}, {issued.year}",
                    7,
                )
            )
        y += 16
    y += 10
    pairs = [("Subtotal", _money(net, "saas")), ("Total excluding tax", _money(net, "saas")),
             (f"VAT - {fake.country()} ({rate}% on {_money(net, 'saas')})", _money(tax, "saas")),
             ("Total", _money(gross, "saas"))]  # fmt: skip
    if cloud:
        previous = round(hard.uniform(50, 5000), 2)
        pairs = [("Previous balance", _money(previous, "saas")),
                 ("Payments received - thank you", f"-{_money(previous, 'saas')}"),
                 ("Subtotal in EUR", _money(net, "saas")), (f"VAT ({rate}%)", _money(tax, "saas")),
                 ("Total in EUR", _money(gross, "saas"))]  # fmt: skip
    if rng.random() < 0.5:
        pairs.append(("Amount paid", _money(0, "saas")))
    pairs.append(("Amount due", _money(gross, "saas")))
    if hard is not None and hard.random() < 0.5:  # paid by card: the balance left is nil
        pairs += [
            ("Amount paid", f"-{_money(gross, 'saas')}"),
            ("Amount remaining", _money(0, "saas")),
        ]
    y = _totals(texts, y, pairs, 300, 545)
    if terms_only:
        texts.append((50, y + 20, "Payment due within 30 days of the invoice date.", 9))
    texts.append(
        (
            50,
            812,
            f"Questions? Contact {seller_lines[0]} at billing@example.com. Customer since {issued.year - 3}.",
            7,
        )
    )
    if hard is not None:
        texts.append((400, 812, f"© {issued.year} {seller_lines[0]}", 7))
    texts.append(
        (50, 825, f"{number} · {_money(gross, 'saas')} due {_date(due, 'saas')} · Page 1 of 1", 7)
    )
    return PageSpec(texts=texts, lines=lines)


def _german(*, rng, fake, number, issued, due, rate, items, net, tax, gross, seller_lines,
            buyer_lines, terms_only, variant, hard=None) -> PageSpec:  # fmt: skip
    texts: list = []
    lines: list = []
    if variant != "seller_footer":
        x = 50 if variant == "seller_left" else 360
        for k, text in enumerate([*seller_lines, f"Tel. {fake.phone_number()}"]):
            texts.append((x, 50 + 13 * k, text, 11 if k == 0 else 9, "B" if k == 0 else ""))
    texts.append((50, 130, " · ".join(seller_lines), 6))  # the sender line over the window
    for k, text in enumerate(buyer_lines):
        texts.append((50, 150 + 13 * k, text, 10))
    info = [("Rechnungsnummer:", number), ("Rechnungsdatum:", _date(issued, "de")),
            ("Kundennummer:", str(rng.randrange(10000, 99999))),
            ("Leistungszeitraum:", f"{_date(issued - timedelta(days=30), 'de')} - {_date(issued - timedelta(days=1), 'de')}")]  # fmt: skip
    long_dates = rng.random() < 0.5
    if long_dates:
        info[1] = ("Rechnungsdatum:", _long_de(issued))
    if not terms_only:
        info.append(
            (
                rng.choice(("Fälligkeitsdatum:", "Zahlbar bis:", "Fällig am:")),
                _long_de(due) if long_dates else _date(due, "de"),
            )
        )
    if hard is not None and not terms_only and hard.random() < 0.5:
        info.pop()  # the due date only in the closing sentence
    _label_values(texts, 330, 430, 150, info)
    texts.append((50, 250, f"Rechnung Nr. {number}", 14, "B"))
    texts.append(
        (50, 270, "Sehr geehrte Damen und Herren, wir berechnen Ihnen folgende Leistungen:", 9)
    )
    heads = ["Pos.", "Bezeichnung", "Menge", "Einzelpreis", "Gesamtpreis"]
    unit = rng.random() < 0.5
    rows = [
        [str(k + 1), d, f"{q},00" + (" Stk." if unit else ""), _money(p, "de"), _money(a, "de")]
        for k, (d, q, p, a) in enumerate(items)
    ]
    xs = [50, 80, 360, 450, 545]
    if hard is not None and hard.random() < 0.5:  # unit and tax columns, amounts without "€"
        heads = ["Pos.", "Bezeichnung", "Menge", "Einheit", "Einzelpreis €", "USt.", "Gesamt €"]
        rows = [[str(k + 1), d, f"{q:g}", hard.choice(("Stk.", "Std.", "Monat")), _money(p, "de", False),
                 f"{rate} %", _money(a, "de", False)] for k, (d, q, p, a) in enumerate(items)]  # fmt: skip
        xs = [50, 80, 300, 340, 420, 470, 545]
    y = 300
    texts.append((xs[0], y, heads[0], 8, "B"))
    texts.append((xs[1], y, heads[1], 8, "B"))
    rest = range(2, len(heads))
    for i in rest:
        if heads[i] == "Einheit":
            texts.append((xs[i], y, heads[i], 8, "B"))
        else:
            _right(texts, xs[i], y, heads[i], 8, "B")
    lines.append((50, y + 5, 545, y + 5))
    y += 18
    for row in rows:
        texts.append((xs[0], y, row[0], 9))
        texts.append((xs[1], y, row[1], 9))
        for i in rest:
            if heads[i] == "Einheit":
                texts.append((xs[i], y, row[i], 9))
            else:
                _right(texts, xs[i], y, row[i], 9)
        y += 16
    lines.append((330, y - 8, 545, y - 8))
    y += 6
    pairs = [(rng.choice(("Nettobetrag", "Summe netto", "Zwischensumme")), _money(net, "de")),
             (rng.choice((f"zzgl. {rate} % USt", f"zzgl. {rate} % MwSt.", f"zzgl. USt. {rate} % auf {_money(net, 'de')}")), _money(tax, "de")),
             (rng.choice(("Gesamtbetrag", "Rechnungsbetrag", "Rechnungsbetrag brutto", "Gesamt brutto")), _money(gross, "de"))]  # fmt: skip
    if hard is not None and hard.random() < 0.5:
        pairs = [("Summe netto", _money(net, "de")), (f"USt. {rate} %", _money(tax, "de")),
                 ("Zahlbetrag", _money(gross, "de"))]  # fmt: skip
    if hard is not None and hard.random() < 0.4:  # net, rate, tax and gross in one row
        y = _grid(texts, lines, y + 10, [("Nettobetrag", _money(net, "de")), ("USt.-Satz", f"{rate} %"),
                                          ("USt.-Betrag", _money(tax, "de")), ("Bruttobetrag", _money(gross, "de"))])  # fmt: skip
    else:
        y = _totals(texts, y, pairs, 330, 545)
    y += 20
    if terms_only:
        texts.append((50, y, "Zahlbar sofort ohne Abzug.", 9))
    else:
        texts.append(
            (50, y, f"Bitte überweisen Sie den Rechnungsbetrag bis zum {_date(due, 'de')}.", 9)
        )
    texts.append((50, y + 13, "Mit freundlichen Grüßen", 9))
    lines.append((50, 765, 545, 765))
    iban = fake.iban()
    cols = [seller_lines, [f"Geschäftsführer: {fake.name()}", f"Amtsgericht {fake.city()} HRB {rng.randrange(10000, 99999)}",
                           f"Steuernummer: {rng.randrange(10, 99)}/{rng.randrange(100, 999)}/{rng.randrange(10000, 99999)}"],
            [f"USt-IdNr.: DE{rng.randrange(10**8, 10**9)}", f"IBAN: {iban}", f"BIC: {fake.swift()}"]]  # fmt: skip
    for c, col in enumerate(cols):
        for k, text in enumerate(col):
            texts.append((50 + 170 * c, 778 + 10 * k, text, 7))
    return PageSpec(texts=texts, lines=lines)


def _dutch(*, rng, fake, number, issued, due, rate, items, net, tax, gross, seller_lines,
           buyer_lines, terms_only, variant, hard=None) -> PageSpec:  # fmt: skip
    texts: list = []
    lines: list = []
    vat = f"BTW BE 0{rng.randrange(100, 999)}.{rng.randrange(100, 999)}.{rng.randrange(100, 999)}"
    seller_block = [*seller_lines, vat, f"RPR {fake.city()}"]
    client_x, seller_x = (330, 50) if variant != "seller_right" else (50, 330)
    if variant == "seller_footer":
        texts.append((50, 60, "FACTUUR", 20, "B"))
        texts.append((50, 800, " - ".join(seller_block), 7))
    else:
        for k, text in enumerate(seller_block):
            texts.append((seller_x, 50 + 13 * k, text, 11 if k == 0 else 9, "B" if k == 0 else ""))
    for k, text in enumerate(
        [
            *buyer_lines,
            f"BTW BE 0{rng.randrange(100, 999)}.{rng.randrange(100, 999)}.{rng.randrange(100, 999)}",
        ]
    ):
        texts.append((client_x, 140 + 13 * k, text, 10))
    if variant != "seller_footer":
        texts.append((50, 230, "FACTUUR", 16, "B"))
    info = [
        ("Factuurnummer", number),
        ("Factuurdatum", _date(issued, "nl")),
        ("Klantnummer", str(rng.randrange(1000, 9999))),
    ]
    if not terms_only:
        info.append(
            (rng.choice(("Vervaldatum", "Vervaldag", "Uiterste betaaldatum")), _date(due, "nl"))
        )
    if hard is not None and hard.random() < 0.5:  # the document's fields as a header row
        _grid(texts, lines, 265, info)
    else:
        _label_values(texts, 50, 150, 255, info)
    heads = ["Omschrijving", "Aantal", "Eenheidsprijs", "BTW", "Totaal"]
    rows = [[d, str(q), _money(p, "nl"), f"{rate}%", _money(a, "nl")] for d, q, p, a in items]
    y = _items_table(texts, lines, 330, heads, rows, [50, 330, 410, 460, 545], ruled_head=False)
    y += 10
    pairs = [(rng.choice(("Totaal excl. BTW", "Subtotaal", "Maatstaf van heffing")), _money(net, "nl")),
             (rng.choice((f"BTW {rate} %", f"BTW {rate}% over {_money(net, 'nl')}", f"{rate}% BTW")), _money(tax, "nl")),
             ("Totaal incl. BTW", _money(gross, "nl"))]  # fmt: skip
    if rng.random() < 0.6:
        pairs.append(("Te betalen", _money(gross, "nl")))
    if hard is not None and hard.random() < 0.5:  # a VAT recap box, then the sum to pay
        y = _grid(texts, lines, y + 10, [("Maatstaf van heffing", _money(net, "nl")), ("BTW %", f"{rate}%"),
                                          ("BTW", _money(tax, "nl")), ("Totaal incl. BTW", _money(gross, "nl"))])  # fmt: skip
        pairs = [("Te betalen", _money(gross, "nl"))]
    y = _totals(texts, y, pairs, 330, 545)
    terms = (
        "Gelieve te betalen binnen 30 dagen na factuurdatum"
        if terms_only
        else f"Gelieve te betalen voor {_date(due, 'nl')}"
    )
    texts.append((50, y + 20, f"{terms} op rekening {fake.iban()}.", 9))
    return PageSpec(texts=texts, lines=lines)


def _french(*, rng, fake, number, issued, due, rate, items, net, tax, gross, seller_lines,
            buyer_lines, terms_only, variant, hard=None) -> PageSpec:  # fmt: skip
    texts: list = []
    lines: list = []
    siret = f"SIRET {rng.randrange(10**13, 10**14)}"
    tva = f"TVA intracommunautaire : FR{rng.randrange(10, 99)}{rng.randrange(10**8, 10**9)}"
    seller_block = [*seller_lines, siret, tva]
    client_x, seller_x = (330, 50) if variant != "seller_right" else (50, 330)
    if variant == "seller_footer":
        texts.append((50, 805, " - ".join(seller_block), 6))
    else:
        for k, text in enumerate(seller_block):
            texts.append((seller_x, 50 + 13 * k, text, 11 if k == 0 else 9, "B" if k == 0 else ""))
    for k, text in enumerate(["Client :", *buyer_lines]):
        texts.append((client_x, 140 + 13 * k, text, 10, "B" if k == 0 else ""))
    texts.append((50, 230, f"FACTURE N° {number}", 16, "B"))
    info = [("Date de facture :", _date(issued, "fr"))]
    if not terms_only:
        info.append(
            (
                rng.choice(("Date d'échéance :", "Échéance :", "À payer avant le :")),
                _date(due, "fr"),
            )
        )
    due_in_text = hard is not None and not terms_only and hard.random() < 0.5
    if due_in_text:
        info.pop()
    _label_values(texts, 50, 150, 255, info)
    heads = ["Désignation", "Qté", "Prix unitaire HT", "TVA", "Montant HT"]
    rows = [[d, str(q), _money(p, "fr"), f"{rate} %", _money(a, "fr")] for d, q, p, a in items]
    y = _items_table(texts, lines, 310, heads, rows, [50, 320, 410, 460, 545], ruled_head=True)
    y += 10
    pairs = [(rng.choice(("Total HT", "Montant HT", "Sous-total HT")), _money(net, "fr")),
             (rng.choice((f"TVA {rate} %", f"TVA ({rate} %)", f"TVA {rate} % sur {_money(net, 'fr')}")), _money(tax, "fr")),
             (rng.choice(("Total TTC", "Montant TTC")), _money(gross, "fr"))]  # fmt: skip
    if rng.random() < 0.6:
        pairs.append(("Net à payer", _money(gross, "fr")))
    if hard is not None and hard.random() < 0.4:  # abbreviations written with their dots
        pairs = [("Total H.T.", _money(net, "fr")), (f"T.V.A. {rate} %", _money(tax, "fr")),
                 ("Total T.T.C.", _money(gross, "fr"))]  # fmt: skip
    elif hard is not None and hard.random() < 0.5:  # a VAT recap box
        y = _grid(texts, lines, y + 10, [("Base HT", _money(net, "fr")), ("Taux TVA", f"{rate} %"),
                                          ("Montant TVA", _money(tax, "fr")), ("Total TTC", _money(gross, "fr"))])  # fmt: skip
        pairs = [("Net à payer", _money(gross, "fr"))]
    y = _totals(texts, y, pairs, 330, 545)
    terms = (
        "Paiement à réception de facture." if terms_only else "Paiement par virement à 30 jours."
    )
    if due_in_text:
        terms = f"Paiement par virement à régler avant le {_date(due, 'fr')}."
    texts.append((50, y + 20, terms, 9))
    texts.append(
        (
            50,
            y + 33,
            "En cas de retard de paiement, une indemnité forfaitaire de 40 € sera appliquée.",
            8,
        )
    )
    return PageSpec(texts=texts, lines=lines)
