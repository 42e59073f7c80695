"""Synthetic invoices and receipts with known ground truth, in many layouts and five languages.

Every choice is drawn from one seeded ``random.Random`` (and a Faker seeded from it), so a
seed always gives the same document and the same expected values: header and footer
arrangements, the seller's and buyer's blocks in different places, ruled, lined or bare
tables, descriptions wrapped over lines, tables running over pages, columns in different
orders and named in English, French, German, Dutch or Spanish, line amounts net or gross,
both thousands conventions, the currency before or after the amount. ``degrade.scan`` turns
any of them into a scanned copy. The expected values follow the corpus schemas (``invoice``:
issuer, number, dates, amounts, currency, lines; ``receipt``: company, date, address, total).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from faker import Faker

from .pdf import A4, LETTER, PageSpec, build_pdf, string_width

# what each language prints: its Faker locale, number style, labels and column names (one
# of the names is drawn per document)
LANGUAGES: dict[str, dict[str, Any]] = {
    "en": {
        "locale": "en_GB", "decimal": ".", "date": "%d %B %Y",
        "title": ("INVOICE", "Invoice", "TAX INVOICE"), "number": ("Invoice No:", "Invoice #", "Invoice number:"),
        "date_label": ("Date:", "Invoice date:", "Issue date:"), "due": ("Due date:", "Payment due:"),
        "bill_to": ("Bill to:", "Invoice to:", "Customer:"), "subtotal": ("Subtotal", "Net total"),
        "tax": ("VAT {rate}%", "Tax {rate}%"), "total": ("Total", "Total due", "Amount due"),
        "page": "Page {n} of {m}", "carried": "Carried forward",
        "cols": {
            "description": ("Description", "Item", "Product", "Service"), "quantity": ("Qty", "Quantity", "Units"),
            "unit_price": ("Unit price", "Price", "Rate", "Unit cost"), "amount": ("Amount", "Total", "Line total"),
            "code": ("Code", "SKU", "Item no"), "tax_rate": ("VAT", "Tax"), "position": ("#", "No"),
            "unit": ("Unit", "UoM"),
        },
    },
    "fr": {
        "locale": "fr_FR", "decimal": ",", "date": "%d/%m/%Y",
        "title": ("FACTURE", "Facture"), "number": ("Facture N° :", "N° de facture :"),
        "date_label": ("Date :", "Date de facture :"), "due": ("Échéance :", "Date d'échéance :"),
        "bill_to": ("Facturé à :", "Client :"), "subtotal": ("Total HT",), "tax": ("TVA {rate}%",),
        "total": ("Total TTC", "Net à payer"), "page": "Page {n} / {m}", "carried": "A reporter",
        "cols": {
            "description": ("Désignation", "Description", "Libellé"), "quantity": ("Quantité", "Qté"),
            "unit_price": ("Prix unitaire", "P.U. HT", "Prix unitaire HT"), "amount": ("Montant", "Montant HT", "Total HT"),
            "code": ("Référence", "Code article"), "tax_rate": ("TVA", "Taux TVA"), "position": ("N°", "Ligne"),
            "unit": ("Unité",),
        },
    },
    "de": {
        "locale": "de_DE", "decimal": ",", "date": "%d.%m.%Y",
        "title": ("RECHNUNG", "Rechnung"), "number": ("Rechnungsnummer:", "Rechnung Nr.:"),
        "date_label": ("Rechnungsdatum:", "Datum:"), "due": ("Fällig am:", "Zahlbar bis:"),
        "bill_to": ("Rechnungsempfänger:", "Kunde:"), "subtotal": ("Nettobetrag", "Zwischensumme"),
        "tax": ("MwSt. {rate}%", "USt. {rate}%"), "total": ("Gesamtbetrag", "Rechnungsbetrag"),
        "page": "Seite {n} von {m}", "carried": "Übertrag",
        "cols": {
            "description": ("Bezeichnung", "Beschreibung", "Artikel"), "quantity": ("Menge", "Anzahl"),
            "unit_price": ("Einzelpreis", "Preis", "Stückpreis"), "amount": ("Betrag", "Gesamtpreis", "Gesamt"),
            "code": ("Art.-Nr.", "Artikelnummer"), "tax_rate": ("MwSt.", "USt."), "position": ("Pos.", "Pos"),
            "unit": ("Einheit", "ME"),
        },
    },
    "nl": {
        "locale": "nl_NL", "decimal": ",", "date": "%d-%m-%Y",
        "title": ("FACTUUR", "Factuur"), "number": ("Factuurnummer:", "Factuur nr.:"),
        "date_label": ("Factuurdatum:", "Datum:"), "due": ("Vervaldatum:",),
        "bill_to": ("Factuuradres:", "Klant:"), "subtotal": ("Subtotaal", "Totaal excl. btw"),
        "tax": ("BTW {rate}%",), "total": ("Totaal", "Te betalen"), "page": "Pagina {n} van {m}",
        "carried": "Transport",
        "cols": {
            "description": ("Omschrijving", "Artikel"), "quantity": ("Aantal",),
            "unit_price": ("Stukprijs", "Prijs", "Eenheidsprijs"), "amount": ("Bedrag", "Totaal"),
            "code": ("Artikelnr.", "Code"), "tax_rate": ("BTW",), "position": ("Nr.",), "unit": ("Eenheid",),
        },
    },
    "es": {
        "locale": "es_ES", "decimal": ",", "date": "%d/%m/%Y",
        "title": ("FACTURA", "Factura"), "number": ("Factura n.º:", "Número de factura:"),
        "date_label": ("Fecha:", "Fecha de factura:"), "due": ("Vencimiento:", "Fecha de vencimiento:"),
        "bill_to": ("Cliente:", "Facturar a:"), "subtotal": ("Base imponible", "Subtotal"),
        "tax": ("IVA {rate}%",), "total": ("Total", "Total factura"), "page": "Página {n} de {m}",
        "carried": "Suma y sigue",
        "cols": {
            "description": ("Descripción", "Concepto", "Artículo"), "quantity": ("Cantidad", "Cant."),
            "unit_price": ("Precio unitario", "Precio"), "amount": ("Importe", "Total"),
            "code": ("Referencia", "Código"), "tax_rate": ("IVA",), "position": ("N.º",), "unit": ("Unidad",),
        },
    },
}  # fmt: skip

CURRENCIES = (("EUR", "€"), ("USD", "$"), ("GBP", "£"), ("CHF", "CHF"))
_GOODS = (
    "Steel bolts M8", "Copper wire 2 mm", "Safety gloves", "LED panel 60x60", "Cable ties 200 mm",
    "Drill bit set", "Wood screws 4x40", "Paint roller", "Masking tape", "Extension cord 5 m",
    "Consulting services", "Software licence", "Maintenance contract", "Installation work",
    "Transport and delivery", "Training session", "Printer toner", "Office chair", "Desk lamp",
    "Network switch 24 ports", "Hosting plan", "Support hours", "Design work", "Translation",
)  # fmt: skip
_DETAILS = (
    "including fitting and all accessories", "as agreed in the quotation of last month",
    "delivered to the main warehouse", "colour black, size large", "annual subscription, renews",
    "with two years of warranty", "for the period of one month", "packed in boxes of 50 pieces",
)  # fmt: skip

INVOICE_LINE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "description": {"type": ["string", "null"]},
        "quantity": {"type": ["number", "null"]},
        "unit_price": {"type": ["number", "null"]},
        "amount": {"type": ["number", "null"]},
        "code": {"type": ["string", "null"]},
    },
}
SYNTHETIC_INVOICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "issuer": {
            "type": ["string", "null"],
            "description": "Name of the party issuing the invoice",
        },
        "invoice_number": {"type": ["string", "null"]},
        "date": {"type": ["string", "null"], "description": "Invoice issue date"},
        "date_due": {"type": ["string", "null"], "description": "Payment due date"},
        "amount": {"type": ["number", "null"], "description": "Grand total including tax"},
        "amount_untaxed": {"type": ["number", "null"], "description": "Total before tax (net)"},
        "amount_tax": {"type": ["number", "null"], "description": "Total tax amount"},
        "currency": {"type": ["string", "null"], "description": "ISO 4217 currency code"},
        "lines": {"type": ["array", "null"], "items": INVOICE_LINE_SCHEMA},
    },
}
SYNTHETIC_RECEIPT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "company": {"type": ["string", "null"], "description": "Merchant name"},
        "date": {"type": ["string", "null"]},
        "address": {"type": ["string", "null"], "description": "Merchant address"},
        "total": {"type": ["number", "null"], "description": "Total amount paid"},
    },
}


@dataclass
class Synthetic:
    """A generated document: its bytes, what it prints (for ``schema``) and the layout choices."""

    data: bytes
    expected: dict[str, Any]
    schema: dict[str, Any]
    layout: dict[str, Any] = field(default_factory=dict)
    doc_type: str = "invoice"


def money(
    value: float, *, decimal: str, thousands: str, symbol: str = "", before: bool = True
) -> str:
    """``value`` printed with two decimals in the given convention, a currency sign or code
    before or after it."""
    neg = value < 0
    whole, cents = f"{abs(value):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = thousands.join(groups) + decimal + cents
    text = ("-" if neg else "") + text
    if not symbol:
        return text
    return f"{symbol} {text}" if before else f"{text} {symbol}"


def _quantity(value: float, decimal: str) -> str:
    return str(int(value)) if value == int(value) else f"{value:.2f}".replace(".", decimal)


def wrap_text(text: str, width: float, size: float) -> list[str]:
    """``text`` broken into lines at most ``width`` points wide at font ``size``."""
    out: list[str] = []
    line = ""
    for word in text.split():
        cand = f"{line} {word}".strip()
        if line and string_width(cand, size) > width:
            out.append(line)
            line = word
        else:
            line = cand
    if line:
        out.append(line)
    return out or [""]


# column concept -> (relative width, right-aligned)
_COLUMN_SHAPE = {
    "position": (0.5, False), "code": (1.1, False), "description": (4.0, False), "quantity": (0.9, True),
    "unit": (0.8, False), "unit_price": (1.3, True), "tax_rate": (0.8, True), "amount": (1.4, True),
}  # fmt: skip


def synthetic_invoice(seed: int) -> Synthetic:
    """One invoice drawn from ``seed`` (the same seed, the same bytes and expected values)."""
    rng = random.Random(seed)
    lang_key = rng.choice(sorted(LANGUAGES))
    lang = LANGUAGES[lang_key]
    fake = Faker(lang["locale"])
    fake.seed_instance(rng.randrange(2**31))
    pick = rng.choice
    decimal = lang["decimal"] if rng.random() < 0.8 else pick(".,")
    thousands = pick(("," if decimal == "." else ".", " ", "")) if decimal else ","
    if thousands == decimal:
        thousands = ""
    currency, symbol = pick(CURRENCIES)
    sign_before = rng.random() < 0.5
    cell_symbol = symbol if rng.random() < 0.3 else ""
    page_size = A4 if rng.random() < 0.75 else LETTER
    width, height = page_size
    size = pick((8.0, 9.0, 10.0))
    line_h = size * 1.35
    table_style = pick(("grid", "lines", "bare"))
    gross = rng.random() < 0.25  # line amounts include tax
    rate = pick((19, 20, 21, 7, 10, 0)) if not gross else pick((19, 20, 21))
    # columns: description, quantity, price, amount always; others sometimes; order varies
    extra = [c for c in ("position", "code", "unit", "tax_rate") if rng.random() < 0.35]
    middle = ["quantity", "unit_price"] + [c for c in extra if c in ("unit", "tax_rate")]
    rng.shuffle(middle)
    if "unit" in middle and "quantity" in middle:  # the unit follows the quantity
        middle.remove("unit")
        middle.insert(middle.index("quantity") + 1, "unit")
    front = [c for c in ("position", "code") if c in extra]
    order = [*front, "description", *middle, "amount"]
    if rng.random() < 0.15:  # quantity first ("Qty | Description | Price | Amount")
        order.remove("quantity")
        order.insert(0, "quantity")
    names = {c: pick(lang["cols"][c]) for c in order}
    code_in_desc = "code" not in order and rng.random() < 0.25  # "AB-1234 Steel bolts"
    narrow_desc = rng.random() < 0.35  # descriptions wrap over lines
    notes = rng.random() < 0.2  # a delivery note printed under some rows
    centred = rng.random() < 0.3  # headers centred over their columns
    qty_unit = "unit" not in order and rng.random() < 0.2  # "10 Stk" in the quantity cell
    repeat_header = rng.random() < 0.7  # on continuation pages
    desc_above = rng.random() < 0.1  # the description on its own line above the numbers
    # the items
    n_items = rng.choice((1, 2, 3, 4, 5, 6, 8, 12, 20, 30))
    lines: list[dict[str, Any]] = []
    printed: list[dict[str, str]] = []
    for i in range(n_items):
        desc = pick(_GOODS)
        if rng.random() < 0.3:
            desc = f"{desc} {pick(_DETAILS)}"
        qty = (
            float(rng.choice((1, 1, 2, 3, 5, 10, 12, 25, 100)))
            if rng.random() < 0.9
            else rng.randint(1, 40) / 4
        )
        price = round(
            rng.choice((rng.uniform(0.5, 50), rng.uniform(50, 500), rng.uniform(500, 5000))), 2
        )
        amount = round(qty * price, 2)
        code = f"{pick('ABCDEFGHKLMPRSTX')}{pick('ABCDEFGHKLMPRSTX')}-{rng.randint(100, 99999)}"
        lines.append(
            {
                "description": desc,
                "quantity": qty,
                "unit_price": price,
                "amount": amount,
                "code": code,
            }
        )
        printed.append({
            "position": str(i + 1), "code": code, "description": f"{code} {desc}" if code_in_desc else desc,
            "quantity": _quantity(qty, decimal) + (f" {pick(('pcs', 'Stk', 'h', 'u'))}" if qty_unit else ""),
            "unit": pick(("pcs", "h", "Stk", "u", "st")), "tax_rate": f"{rate}%",
            "unit_price": money(price, decimal=decimal, thousands=thousands, symbol=cell_symbol, before=sign_before),
            "amount": money(amount, decimal=decimal, thousands=thousands, symbol=cell_symbol, before=sign_before),
        })  # fmt: skip
    lines_total = round(sum(x["amount"] for x in lines), 2)
    if gross:
        total = lines_total
        net = round(total / (1 + rate / 100), 2)
        tax = round(total - net, 2)
    else:
        net = lines_total
        tax = round(net * rate / 100, 2)
        total = round(net + tax, 2)
    issuer = fake.company()
    buyer = fake.company() if rng.random() < 0.7 else fake.name()
    number = pick(("INV-{n}", "{y}-{n}", "F{y}{n}", "{n}", "RE-{y}-{n}")).format(
        n=rng.randint(100, 99999), y=rng.randint(2019, 2026)
    )
    issued = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2500))
    due = issued + timedelta(days=pick((14, 30, 45, 60)))
    # -- drawing
    margin = 40.0
    specs: list[PageSpec] = []
    spec = PageSpec()
    specs.append(spec)
    seller_right = rng.random() < 0.3
    sx, mx = (width / 2 + 20, margin) if seller_right else (margin, width / 2 + 40)
    y = 50.0
    spec.texts.append((sx, y, issuer, size + 5, "B"))
    for addr_line in fake.address().splitlines():
        y += line_h
        spec.texts.append((sx, y, addr_line, size))
    if rng.random() < 0.5:
        y += line_h
        spec.texts.append(
            (
                sx,
                y,
                f"{pick(('VAT', 'TVA', 'USt-IdNr.', 'BTW', 'NIF'))} {fake.bothify('??#########').upper()}",
                size,
            )
        )
    my = 50.0
    spec.texts.append((mx, my, pick(lang["title"]), size + 7, "B"))
    fmt = lang["date"]
    for label, value in (
        (pick(lang["number"]), number),
        (pick(lang["date_label"]), issued.strftime(fmt)),
        (pick(lang["due"]), due.strftime(fmt)),
    ):
        my += line_h + 2
        spec.texts.append((mx, my, label, size))
        spec.texts.append((mx + string_width(label, size) + 8, my, value, size))
    by = max(y, my) + 2.5 * line_h
    bx = margin if rng.random() < 0.7 else width / 2 + 20
    spec.texts.append((bx, by, pick(lang["bill_to"]), size, "B"))
    spec.texts.append((bx, by + line_h, buyer, size))
    for k, addr_line in enumerate(fake.address().splitlines()):
        spec.texts.append((bx, by + (k + 2) * line_h, addr_line, size))
    top = by + 6 * line_h
    # column geometry
    shapes = [_COLUMN_SHAPE[c] for c in order]
    # each column as wide as its header and its widest cell (the description takes the rest)
    need = [
        max([string_width(names[c], size, "helvetica") + 12] + [string_width(r[c], size) + 10 for r in printed])
        if c != "description" else 0.0
        for c in order
    ]  # fmt: skip
    spare = width - 2 * margin - sum(need)
    widths = [
        max(n, spare * s[0] / sum(x[0] for x in shapes)) if c != "description" else 0.0
        for c, n, s in zip(order, need, shapes, strict=True)
    ]
    rest = width - 2 * margin - sum(widths)
    if narrow_desc and rest > 150:
        # a narrow description column: the spare width goes to the others, names wrap
        keep = rng.uniform(110.0, 150.0)
        grow = (rest - keep) / (len(order) - 1)
        widths = [
            w + grow if c != "description" else 0.0 for c, w in zip(order, widths, strict=True)
        ]
        rest = keep
    widths[order.index("description")] = max(90.0, rest)
    xs = [margin]
    for w in widths:
        xs.append(xs[-1] + w)
    desc_col = order.index("description")
    desc_width = xs[desc_col + 1] - xs[desc_col] - 8

    def cell_x(ci: int, text: str, sz: float) -> float:
        if shapes[ci][1]:
            return xs[ci + 1] - 4 - string_width(text, sz)
        return xs[ci] + 4

    def header_x(ci: int, text: str) -> float:
        if centred:
            return (xs[ci] + xs[ci + 1] - string_width(text, size, "helvetica")) / 2
        return cell_x(ci, text, size)

    def draw_header(page: PageSpec, y0: float) -> float:
        for ci, c in enumerate(order):
            page.texts.append((header_x(ci, names[c]), y0, names[c], size, "B"))
        if table_style != "bare":
            page.lines.append((margin, y0 - size - 3, width - margin, y0 - size - 3))
            page.lines.append((margin, y0 + 4, width - margin, y0 + 4))
        return y0 + line_h + 4

    bottom = height - 70
    y = draw_header(spec, top)
    table_top = top - size - 3
    wrapped_any = False
    pages_rows: list[list[int]] = [[]]
    for i, row in enumerate(printed):
        desc_lines = wrap_text(row["description"], desc_width, size)
        wrapped_any = wrapped_any or len(desc_lines) > 1
        need = len(desc_lines) * line_h + 4
        if y + need > bottom - 4 * line_h:
            if table_style == "grid":
                for x in xs:
                    spec.lines.append((x, table_top, x, y - line_h + 4))
            if rng.random() < 0.5:
                spec.texts.append((width / 2, y + line_h, lang["carried"], size))
            spec = PageSpec()
            specs.append(spec)
            pages_rows.append([])
            y = draw_header(spec, 60.0) if repeat_header else 60.0
            table_top = 60.0 - size - 3
        pages_rows[-1].append(i)
        if desc_above:  # "FUJI XEROX A4 PAPER" on one line, its numbers under it
            ci = order.index("description")
            for text in desc_lines:
                spec.texts.append((cell_x(ci, text, size), y, text, size))
                y += line_h
            desc_lines = [""]
        for ci, c in enumerate(order):
            if c == "description":
                for k, text in enumerate(desc_lines):
                    if text:
                        spec.texts.append((cell_x(ci, text, size), y + k * line_h, text, size))
            else:
                spec.texts.append((cell_x(ci, row[c], size), y, row[c], size))
        y += len(desc_lines) * line_h
        if notes and rng.random() < 0.5:
            # a delivery note under the row: not part of its description
            note = f"{pick(('Delivery note', 'Lieferschein', 'Bon de livraison', 'Pakbon', 'Albarán'))} "
            note += f"{rng.randint(1000, 99999)} {issued.strftime(fmt)}"
            y += 0.6 * line_h
            spec.texts.append(
                (cell_x(order.index("description"), note, size - 1), y, note, size - 1, "I")
            )
            y += line_h
        if table_style != "bare":
            spec.lines.append((margin, y - line_h + 4, width - margin, y - line_h + 4))
        y += 4
    if table_style == "grid":
        for x in xs:
            spec.lines.append((x, table_top, x, y - line_h))
    # totals
    y += line_h
    tx = xs[-2] - 60
    for label, value in (
        (pick(lang["subtotal"]), net),
        (pick(lang["tax"]).format(rate=rate), tax),
        (pick(lang["total"]), total),
    ):
        text = money(value, decimal=decimal, thousands=thousands, symbol=symbol, before=sign_before)
        vx = xs[-1] - 4 - string_width(text, size)
        lx = min(tx, vx - string_width(label, size) - 24)
        spec.texts.append((lx, y, label, size, "B" if value == total else ""))
        spec.texts.append((vx, y, text, size))
        y += line_h + 2
    # footer: payment terms, the issuer again (as letterheads print it), page numbers
    footer_y = height - 40
    for page_no, page in enumerate(specs, start=1):
        page.texts.append((margin, footer_y, f"{issuer} · IBAN {fake.iban()}", size - 1))
        if len(specs) > 1:
            label = lang["page"].format(n=page_no, m=len(specs))
            page.texts.append(
                (width - margin - string_width(label, size - 1), footer_y + 12, label, size - 1)
            )
    expected = {
        "issuer": issuer, "invoice_number": number, "date": issued.isoformat(), "date_due": due.isoformat(),
        "amount": total, "amount_untaxed": net, "amount_tax": tax, "currency": currency, "lines": lines,
    }  # fmt: skip
    if "code" not in order and not code_in_desc:
        for x in lines:
            x["code"] = None
    layout = {
        "language": lang_key, "table": table_style, "columns": [names[c] for c in order], "concepts": order,
        "decimal": decimal, "thousands": thousands, "gross_lines": gross, "pages": len(specs),
        "wrapped": wrapped_any, "seller_right": seller_right, "currency_before": sign_before,
        "code_in_description": code_in_desc, "notes": notes, "centred_headers": centred,
        "quantity_with_unit": qty_unit, "repeat_header": repeat_header, "description_above": desc_above,
    }  # fmt: skip
    return Synthetic(
        build_pdf(specs, page_size=page_size), expected, SYNTHETIC_INVOICE_SCHEMA, layout
    )


def synthetic_receipt(seed: int) -> Synthetic:
    """A till receipt drawn from ``seed``: merchant and address on top (centred or left),
    items (with or without a quantity × price line), a tax line, the total, and the amounts a
    total must not be confused with (cash tendered, change, a tax base)."""
    rng = random.Random(seed)
    lang_key = rng.choice(sorted(LANGUAGES))
    lang = LANGUAGES[lang_key]
    fake = Faker(lang["locale"])
    fake.seed_instance(rng.randrange(2**31))
    decimal = lang["decimal"]
    width = rng.choice((164.0, 226.0))  # 58 or 80 mm paper
    size = rng.choice((7.0, 8.0, 9.0))
    step = size * 1.4
    centred = rng.random() < 0.7
    qty_lines = rng.random() < 0.4  # "2 x 3.50" under the item name
    symbol = rng.choice(("", "", "€", "$", "RM"))
    company = fake.company().upper()
    address = ", ".join(fake.address().splitlines())
    day = date(2018, 1, 1) + timedelta(days=rng.randint(0, 2500))
    date_text = day.strftime(rng.choice((lang["date"], "%d/%m/%Y", "%d-%m-%Y", "%d %b %Y")))
    items = []
    for _ in range(rng.randint(1, 12)):
        qty = rng.choice((1, 1, 1, 2, 3))
        price = round(rng.uniform(0.5, 40), 2)
        items.append((rng.choice(_GOODS), qty, price, round(qty * price, 2)))
    total = round(sum(x[3] for x in items), 2)
    rate = rng.choice((6, 7, 10, 19, 20, 21))
    tax = round(total - total / (1 + rate / 100), 2)
    texts: list[Any] = []

    def left(y: float, text: str, sz: float = size, style: str = "") -> None:
        texts.append((10, y, text, sz, style))

    def right(y: float, text: str, sz: float = size, style: str = "") -> None:
        texts.append((width - 10 - string_width(text, sz), y, text, sz, style))

    def head(y: float, text: str, sz: float = size, style: str = "") -> None:
        x = (width - string_width(text, sz)) / 2 if centred else 10
        texts.append((x, y, text, sz, style))

    y = 30.0
    # a long name is set smaller, then wrapped, as tills print it: never past the paper's edge
    name_size = size + 2
    while name_size > size and string_width(company, name_size) * 1.1 > width - 20:
        name_size -= 0.5
    for i, part in enumerate(wrap_text(company, (width - 20) / 1.1, name_size)):
        y += step if i else 0
        head(y, part, name_size, "B")
    for part in wrap_text(address, width - 24, size):
        y += step
        head(y, part)
    if rng.random() < 0.5:
        y += step
        head(
            y,
            f"{rng.choice(('GST ID', 'VAT', 'TVA', 'USt-IdNr', 'NIF'))}: {fake.bothify('##########')}",
        )
    y += 2 * step
    left(y, f"{date_text}  {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}")
    if rng.random() < 0.5:
        right(y, f"#{rng.randint(1000, 99999)}")
    y += 1.5 * step

    def amount(v: float) -> str:
        return money(v, decimal=decimal, thousands="", symbol=symbol, before=True)

    for name, qty, price, line_total in items:
        left(y, name[:26])
        if qty_lines and qty > 1:
            y += step
            left(y, f"  {qty} x {money(price, decimal=decimal, thousands='')}")
        right(y, amount(line_total))
        y += step
    y += 0.5 * step
    lines = [(10.0, y - step + 2, width - 10, y - step + 2)]
    if rng.random() < 0.6:
        left(y, f"{rng.choice(('Tax', 'GST', 'MwSt', 'TVA', 'IVA', 'BTW'))} {rate}%")
        right(y, amount(tax))
        y += step
    label = rng.choice(lang["total"]).upper()
    left(y, label, size + 1, "B")
    right(y, amount(total), size + 1, "B")
    y += step
    if rng.random() < 0.6:
        cash = float(int(total) + rng.choice((1, 5, 10, 20)))
        left(y, rng.choice(("CASH", "BAR", "ESPECES", "CONTANT", "EFECTIVO")))
        right(y, amount(cash))
        y += step
        left(y, rng.choice(("CHANGE", "RÜCKGELD", "RENDU", "WISSELGELD", "CAMBIO")))
        right(y, amount(round(cash - total, 2)))
        y += step
    y += step
    head(y, rng.choice(("THANK YOU", "MERCI", "DANKE", "BEDANKT", "GRACIAS")))
    page = PageSpec(texts=texts, lines=lines)
    expected = {"company": company, "date": day.isoformat(), "address": address, "total": total}
    layout = {"language": lang_key, "items": len(items), "centred": centred, "width": width}
    data = build_pdf([page], page_size=(width, y + 30))
    return Synthetic(data, expected, SYNTHETIC_RECEIPT_SCHEMA, layout, doc_type="receipt")
