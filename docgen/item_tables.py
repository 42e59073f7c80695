"""Invoices whose line-item tables are printed the ways the other generators do not: the
item table is what varies, the rest of the page is a plain letterhead.

Kinds (``KINDS``), each seeded, in English, French, German, Dutch or Spanish, either number
convention, the currency sign before or after the amounts or not printed in the cells:

- ``borderless``: no rule at all, the header only bold, columns in a drawn order (the
  quantity or a code first, the unit price after the amount's neighbours);
- ``discount``: a discount column (a percentage or an amount) between the unit price and the
  line amount, so that quantity x price is not the amount;
- ``netgross``: net amount, VAT rate, VAT amount and gross amount columns; the line amount
  of the ground truth is the net one (quantity x unit price);
- ``twoline``: header names set on two lines ("Unit / price", "Einzel- / preis") and
  descriptions wrapped over two or three lines;
- ``continued``: a long table running over two or three pages, the header repeated (or not)
  on each, "continued" and a carried-forward subtotal at the foot of a page;
- ``wild``: the habits of real vendors' tables: header names with a currency or a slash
  ("Amount (EUR)", "Qty/Hrs", "Preis/Einheit"), in capitals; section headings between rows;
  a flat fee with no quantity or price; numbers on the last line of a wrapped description;
  a detail line (a period, an SKU) in small print under the description (not part of it);
- ``headerless``: item rows with no header line at all (small vendors, SaaS receipts): the
  numbers in right-aligned columns, or the quantity and price in one cell ("3 x 12.00")
  between the description and the amount.

The ground truth follows the corpus ``invoice`` schema's ``lines`` (description, quantity,
unit price, amount; ``code`` when a code column is printed).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from faker import Faker

from .pdf import A4, PageSpec, build_pdf, string_width
from .synthetic import SYNTHETIC_INVOICE_SCHEMA, money, wrap_text

KINDS = ("borderless", "discount", "netgross", "twoline", "continued", "wild", "headerless")

_LOCALE = {"en": "en_US", "fr": "fr_FR", "de": "de_DE", "nl": "nl_BE", "es": "es_ES"}
# concept -> header names per language; "|" marks where a two-line header breaks
_HEADS: dict[str, dict[str, tuple[str, ...]]] = {
    "description": {"en": ("Description", "Item|description", "Product / Service", "Details"),
                    "fr": ("Désignation", "Description", "Libellé"),
                    "de": ("Bezeichnung", "Beschreibung", "Leistung", "Artikel|bezeichnung"),
                    "nl": ("Omschrijving", "Artikel|omschrijving", "Product"),
                    "es": ("Descripción", "Concepto", "Artículo")},
    "quantity": {"en": ("Qty", "Quantity", "Units", "Hours"), "fr": ("Qté", "Quantité"),
                 "de": ("Menge", "Anzahl", "Stunden"), "nl": ("Aantal", "Hoeveelheid"),
                 "es": ("Cantidad", "Cant.", "Uds.")},
    "unit_price": {"en": ("Unit|price", "Price", "Rate", "Unit cost", "Price per|unit"),
                   "fr": ("Prix|unitaire", "P.U. HT", "Prix unitaire HT"),
                   "de": ("Einzel|preis", "Preis", "Stückpreis", "E-Preis"),
                   "nl": ("Stuk|prijs", "Prijs", "Eenheids|prijs", "Prijs per|stuk"),
                   "es": ("Precio|unitario", "Precio", "P. unit.")},
    "amount": {"en": ("Amount", "Line|total", "Total", "Ext. price"), "fr": ("Montant", "Montant|HT", "Total HT"),
               "de": ("Betrag", "Gesamt|preis", "Gesamt", "Summe"), "nl": ("Bedrag", "Totaal"),
               "es": ("Importe", "Total")},
    "net": {"en": ("Net|amount", "Net", "Amount excl.|VAT"), "fr": ("Montant|HT", "Total HT"),
            "de": ("Netto|betrag", "Netto"), "nl": ("Bedrag|excl. BTW", "Netto"), "es": ("Importe|neto", "Neto")},
    "gross": {"en": ("Gross|amount", "Total incl.|VAT", "Gross"), "fr": ("Montant|TTC", "Total TTC"),
              "de": ("Brutto|betrag", "Brutto"), "nl": ("Bedrag|incl. BTW", "Bruto"), "es": ("Importe|total", "Total")},
    "tax_rate": {"en": ("VAT %", "Tax rate", "VAT"), "fr": ("TVA %", "Taux|TVA"), "de": ("USt. %", "MwSt.|Satz"),
                 "nl": ("BTW %", "BTW|tarief"), "es": ("IVA %", "% IVA")},
    "tax_amount": {"en": ("VAT|amount", "Tax"), "fr": ("Montant|TVA", "TVA"), "de": ("USt.|Betrag", "MwSt."),
                   "nl": ("BTW|bedrag", "BTW"), "es": ("Cuota|IVA", "IVA")},
    "discount": {"en": ("Discount", "Disc."), "fr": ("Remise",), "de": ("Rabatt",), "nl": ("Korting",),
                 "es": ("Descuento", "Dto.")},
    "code": {"en": ("SKU", "Item no.", "Code"), "fr": ("Réf.", "Référence"), "de": ("Art.-Nr.", "Artikelnr."),
             "nl": ("Artikelnr.", "Code"), "es": ("Código", "Ref.")},
}  # fmt: skip
_TEXT = {
    "en": ("INVOICE", "Invoice no.", "Bill to", "Subtotal", "VAT", "Total", "continued on next page", "Carried forward"),
    "fr": ("FACTURE", "Facture n°", "Client", "Total HT", "TVA", "Total TTC", "suite page suivante", "A reporter"),
    "de": ("RECHNUNG", "Rechnungs-Nr.", "Rechnungsempfänger", "Zwischensumme", "USt.", "Gesamtbetrag",
           "Fortsetzung auf der nächsten Seite", "Übertrag"),
    "nl": ("FACTUUR", "Factuurnummer", "Klant", "Subtotaal", "BTW", "Te betalen", "vervolg op volgende pagina", "Transport"),
    "es": ("FACTURA", "Factura n.º", "Cliente", "Base imponible", "IVA", "Total factura", "continúa en la página siguiente",
           "Suma y sigue"),
}  # fmt: skip
_GOODS = {
    "en": ("Cloud compute instance (vCPU hours)", "Object storage", "Premium support plan", "User licences",
           "Implementation services", "API requests (per million)", "Backup retention add-on",
           "Consulting - senior engineer", "Data transfer out", "Onboarding workshop"),
    "fr": ("Abonnement logiciel", "Hébergement mutualisé", "Prestation de développement", "Licences utilisateurs",
           "Support technique niveau 2", "Formation des équipes", "Nom de domaine", "Sauvegarde externalisée"),
    "de": ("Softwarewartung", "Lizenzgebühr Cloud-Paket", "Beratungsleistung", "Einrichtung Arbeitsplatz",
           "Speicherplatz Erweiterung", "Projektmanagement", "Schulung Mitarbeiter", "Support-Pauschale"),
    "nl": ("Licentie software", "Webhosting pakket", "Advieswerk", "Onderhoud installatie", "Opleiding personeel",
           "Domeinnaam registratie", "Projectbegeleiding", "Serverbeheer"),
    "es": ("Licencia de software", "Servicio de alojamiento", "Consultoría técnica", "Mantenimiento anual",
           "Formación de personal", "Soporte técnico", "Desarrollo a medida", "Copias de seguridad"),
}  # fmt: skip
_MORE = {
    "en": ("for the billing period of this month", "including setup and configuration", "as per order reference"),
    "fr": ("pour la période de facturation du mois", "y compris installation et paramétrage", "selon bon de commande"),
    "de": ("für den Abrechnungszeitraum des Monats", "inklusive Einrichtung und Konfiguration", "gemäß Bestellung"),
    "nl": ("voor de factuurperiode van deze maand", "inclusief installatie en configuratie", "volgens bestelbon"),
    "es": ("para el periodo de facturación del mes", "incluida instalación y configuración", "según pedido"),
}  # fmt: skip
# names real vendors print besides the plain ones (the "wild" kind)
_WILD_HEADS: dict[str, dict[str, tuple[str, ...]]] = {
    "description": {"en": ("Item & Description", "Service description", "Particulars"),
                    "fr": ("Désignation des prestations", "Description / Libellé"),
                    "de": ("Artikel / Leistung", "Leistungsbeschreibung", "Position / Beschreibung"),
                    "nl": ("Omschrijving dienst", "Product / Dienst"), "es": ("Descripción del servicio",)},
    "quantity": {"en": ("Qty/Hrs", "No. of units", "Hrs", "QTY."), "fr": ("Qté.", "Nb"),
                 "de": ("Anz.", "Stk.", "Menge/Std."), "nl": ("Aant.", "Aantal/uren"), "es": ("Ud.", "Unidades")},
    "unit_price": {"en": ("Rate/hr", "Price/unit", "Unit Price (excl. VAT)", "Unit price ({cur})"),
                   "fr": ("Prix U. HT", "PU HT ({cur})"), "de": ("Preis/Einheit", "Einzelpreis netto", "EP ({cur})"),
                   "nl": ("Prijs/st.", "Prijs per eenheid"), "es": ("Precio Ud.", "Precio/ud. ({cur})")},
    "amount": {"en": ("Total (excl. VAT)", "Net total", "Amount ({cur})"), "fr": ("Total ligne HT", "Montant ({cur})"),
               "de": ("Gesamtpreis netto", "Betrag ({cur})", "Summe netto"), "nl": ("Totaal excl. BTW", "Bedrag ({cur})"),
               "es": ("Importe neto", "Importe ({cur})")},
}  # fmt: skip
_SECTIONS = {"en": ("Hardware", "Services", "Licences", "Recurring charges"), "fr": ("Prestations", "Matériel", "Abonnements"),
             "de": ("Dienstleistungen", "Hardware", "Lizenzen"), "nl": ("Diensten", "Materiaal", "Abonnementen"),
             "es": ("Servicios", "Material", "Suscripciones")}  # fmt: skip
_FLAT = {"en": "Setup fee", "fr": "Frais de dossier", "de": "Versandpauschale", "nl": "Administratiekosten",
         "es": "Gastos de envío"}  # fmt: skip
_RIGHT = {
    "qty_price",
    "quantity",
    "unit_price",
    "amount",
    "net",
    "gross",
    "tax_rate",
    "tax_amount",
    "discount",
}


@dataclass
class ItemTableInvoice:
    kind: str
    data: bytes
    expected: dict[str, Any]
    layout: dict[str, Any]
    schema: dict[str, Any]


def item_table_invoice(kind: str, seed: int) -> ItemTableInvoice:
    """One invoice whose item table is of ``kind`` (``KINDS``), drawn from ``seed``."""
    rng = random.Random(f"items-{kind}-{seed}")
    lang = rng.choice(sorted(_LOCALE))
    fake = Faker(_LOCALE[lang])
    fake.seed_instance(seed)
    decimal = "." if lang == "en" else ","
    if rng.random() < 0.2:
        decimal = "," if decimal == "." else "."
    thousands = rng.choice(("," if decimal == "." else ".", " "))
    symbol, before = rng.choice(
        (("€", False), ("€", True), ("$", True), ("EUR", False), ("£", True))
    )
    cell_symbol = symbol if rng.random() < 0.4 else ""
    rate = rng.choice((19, 20, 21, 10))

    def fmt(v: float, sign: str = cell_symbol) -> str:
        return money(v, decimal=decimal, thousands=thousands, symbol=sign, before=before)

    def qty_text(q: float) -> str:
        text = f"{q:.2f}" if (q != int(q) or rng_q_dec) else str(int(q))
        return text.replace(".", decimal)

    rng_q_dec = rng.random() < 0.25  # quantities printed with decimals ("1.00")
    # columns
    cols = ["description", "quantity", "unit_price", "amount"]
    if kind == "discount":
        cols.insert(3, "discount")
    if kind == "netgross":
        cols = ["description", "quantity", "unit_price", "net", "tax_rate", "tax_amount", "gross"]
        if rng.random() < 0.4:
            cols.remove("tax_amount")
    headerless = kind == "headerless"
    if headerless and rng.random() < 0.4:
        cols = ["description", "qty_price", "amount"]  # "3 x 12.00" in one cell
    if not headerless and rng.random() < 0.3:
        cols.insert(0, "code")
    if kind in ("borderless", "continued") and rng.random() < 0.3:
        cols.remove("quantity")
        cols.insert(0 if cols[0] != "code" else 1, "quantity")
    if kind in ("borderless", "twoline") and rng.random() < 0.3:
        cols.insert(cols.index("amount"), "tax_rate")
    heads = {c: "" if headerless else rng.choice(_HEADS[c][lang]) for c in cols}
    wild = random.Random(f"wild-{seed}") if kind == "wild" else None
    if wild is not None:
        cur = {"€": "EUR", "$": "USD", "£": "GBP"}.get(symbol, symbol)
        for c in cols:
            if c in _WILD_HEADS and wild.random() < 0.6:
                heads[c] = wild.choice(_WILD_HEADS[c][lang]).format(cur=wild.choice((cur, symbol)))
        if wild.random() < 0.3:
            heads = {c: h.upper() for c, h in heads.items()}
    heads = {c: _head_lines(h, lang, kind == "twoline") for c, h in heads.items()}
    # items
    n = rng.randint(32, 60) if kind == "continued" else rng.randint(2, 7)
    goods = list(_GOODS[lang])
    truth: list[dict[str, Any]] = []
    printed: list[dict[str, str]] = []
    pct_discount = rng.random() < 0.6
    for _ in range(n):
        desc = rng.choice(goods)
        if kind == "twoline" or rng.random() < 0.25:
            desc = f"{desc} {rng.choice(_MORE[lang])}"
        q = float(rng.choice((1, 1, 2, 3, 4, 5, 10, 12, 24, 50, 100, 250)))
        if rng.random() < 0.15:
            q = rng.randint(1, 30) / 2
        price = round(
            rng.choice((rng.uniform(1, 99), rng.uniform(100, 999), rng.uniform(1000, 9000))), 2
        )
        gross_line = round(q * price, 2)
        disc = rng.choice((0, 5, 10, 15, 20, 25)) if kind == "discount" else 0
        amount = round(gross_line * (100 - disc) / 100, 2)
        code = f"{rng.choice('ABCDKLMPSTX')}{rng.randint(1000, 99999)}"
        vat = round(amount * rate / 100, 2)
        truth.append({"description": desc, "quantity": q, "unit_price": price, "amount": amount,
                      "code": code if "code" in cols else None})  # fmt: skip
        printed.append({
            "description": desc, "quantity": qty_text(q), "unit_price": fmt(price), "amount": fmt(amount),
            "net": fmt(amount), "gross": fmt(round(amount + vat, 2)), "tax_rate": f"{rate}%" if rng.random() < 0.5 else f"{rate} %",
            "tax_amount": fmt(vat), "code": code,
            # drawn only here: the other kinds' seeds keep their documents
            "qty_price": f"{qty_text(q)} {rng.choice(('x', '×', 'x', '@')) if headerless else 'x'} {fmt(price)}",
            "discount": ((f"{disc}%" if disc else "") if pct_discount else (fmt(-(gross_line - amount)) if disc else "")),
        })  # fmt: skip
    # the wild habits: a flat fee, section headings, numbers at the foot of a wrapped
    # description, detail lines under it
    sections: dict[int, str] = {}
    details: dict[int, str] = {}
    bottom_numbers = False
    if wild is not None:
        if wild.random() < 0.35:
            k = wild.randrange(len(truth) + 1)
            fee = round(wild.uniform(5, 150), 2)
            truth.insert(k, {"description": _FLAT[lang], "quantity": None, "unit_price": None, "amount": fee,
                             "code": None})  # fmt: skip
            printed.insert(k, {c: "" for c in printed[0]} | {"description": _FLAT[lang], "amount": fmt(fee),
                                                              "net": fmt(fee)})  # fmt: skip
        if wild.random() < 0.35 and len(truth) > 2:
            names = wild.sample(_SECTIONS[lang], 2)
            sections = {0: names[0], wild.randrange(1, len(truth)): names[1]}
        bottom_numbers = wild.random() < 0.3
        if wild.random() < 0.35:
            for k in range(len(truth)):
                if truth[k]["quantity"] is not None and wild.random() < 0.6:
                    details[k] = wild.choice((f"SKU {wild.randint(10000, 99999)}-{wild.choice('ABCX')}",
                                              fake.date(pattern="%d/%m/%Y") + " - " + fake.date(pattern="%d/%m/%Y")))  # fmt: skip
    # geometry
    width, height = A4
    margin = 40.0
    size = rng.choice((8.0, 8.5, 9.0))
    line_h = size * 1.3
    share = {"qty_price": 1.6, "description": 4.2, "code": 1.0, "quantity": 0.9, "unit_price": 1.3, "amount": 1.4, "net": 1.3,
             "gross": 1.3, "tax_rate": 0.8, "tax_amount": 1.1, "discount": 1.0}  # fmt: skip
    if kind == "twoline":
        share["description"] = 2.6
    # each column at least as wide as its header and widest cell; the rest shared out
    need = {c: max([string_width(part, size, "helvetica") + 12 for part in heads[c].split("|")]
                   + [string_width(r[c], size, "helvetica") + 12 for r in printed]) for c in cols}  # fmt: skip
    need["description"] = 90.0
    spare = max(0.0, width - 2 * margin - sum(need.values()))
    total_share = sum(share[c] for c in cols)
    xs = [margin]
    for c in cols:
        xs.append(xs[-1] + need[c] + spare * share[c] / total_share)
    di = cols.index("description")
    desc_w = xs[di + 1] - xs[di] - 10
    ruled = kind != "borderless" and rng.random() < 0.5
    zebra_rules = kind != "borderless" and rng.random() < 0.3

    def cell(page: PageSpec, ci: int, y: float, text: str, style: str = "") -> None:
        if cols[ci] in _RIGHT:
            page.texts.append(
                (xs[ci + 1] - 5 - string_width(text, size, "helvetica"), y, text, size, style)
            )
        else:
            page.texts.append((xs[ci] + 3, y, text, size, style))

    def header(page: PageSpec, y: float) -> float:
        if headerless:
            return y
        two = any("|" in h for h in heads.values())
        for ci, c in enumerate(cols):
            parts = heads[c].split("|")
            if two and len(parts) == 1:
                parts = ["", parts[0]]  # one-line names sit on the lower line
            for k, part in enumerate(parts):
                if part:
                    cell(page, ci, y + k * line_h, part.strip(), "B")
        y += line_h * (2 if two else 1)
        if ruled or rng.random() < 0.5:
            page.lines.append((margin, y - line_h + 3, width - margin, y - line_h + 3))
        return y + 4

    pages = [PageSpec()]
    page = pages[0]
    seller = fake.company()
    buyer = fake.company()
    title, num_label, bill_label, sub_label, tax_label, total_label, cont_label, carried = _TEXT[
        lang
    ]
    page.texts.append((margin, 55, seller, 13, "B"))
    for k, text in enumerate(fake.address().splitlines()):
        page.texts.append((margin, 70 + 11 * k, text, 8))
    page.texts.append((width - margin - string_width(title, 18), 60, title, 18, "B"))
    number = f"{rng.randint(2023, 2026)}-{rng.randint(100, 9999)}"
    page.texts.append((360, 85, f"{num_label} {number}", 9))
    page.texts.append((360, 98, fake.date(pattern="%d.%m.%Y" if lang == "de" else "%d/%m/%Y"), 9))
    page.texts.append((margin, 140, bill_label, 9, "B"))
    page.texts.append((margin, 152, buyer, 9))
    for k, text in enumerate(fake.address().splitlines()):
        page.texts.append((margin, 164 + 11 * k, text, 9))
    y = header(page, 230)
    bottom = height - 90
    page_sum = 0.0
    for ri, (row, t) in enumerate(zip(printed, truth, strict=True)):
        desc_lines = wrap_text(row["description"], desc_w, size)
        need = len(desc_lines) * line_h + 5
        if ri in sections:
            page.texts.append((xs[di] + 3, y + 2, sections[ri], size, "B"))
            y += line_h + 6
        if y + need > bottom:
            page.texts.append((xs[di] + 3, y + line_h, carried, size, "B"))
            cell(page, len(cols) - 1, y + line_h, fmt(page_sum), "B")
            page.texts.append((margin, y + 2.5 * line_h, cont_label, size - 1, "I"))
            page = PageSpec()
            pages.append(page)
            y = 60.0
            if rng.random() < 0.8:
                y = header(page, y)
            page.texts.append((xs[di] + 3, y, carried, size, "B"))
            cell(page, len(cols) - 1, y, fmt(page_sum), "B")
            y += line_h + 4
        num_y = y + (len(desc_lines) - 1) * line_h if bottom_numbers else y
        for ci, c in enumerate(cols):
            if c == "description":
                for k, text in enumerate(desc_lines):
                    cell(page, ci, y + k * line_h, text)
            elif row[c]:
                cell(page, ci, num_y, row[c])
        page_sum = round(page_sum + t["amount"], 2)
        y += len(desc_lines) * line_h + 5
        if ri in details:  # hugging the item's name, in smaller type
            small = size - 1.5
            page.texts.append((xs[di] + 3, y - 5 + small * 0.15, details[ri], small, "I"))
            y += small * 1.2
        if zebra_rules:
            page.lines.append((margin, y - line_h + 4, width - margin, y - line_h + 4))
    net = round(sum(t["amount"] for t in truth), 2)
    tax = round(net * rate / 100, 2)
    y += line_h
    if not ruled:
        page.lines.append((xs[-3], y - line_h, width - margin, y - line_h))
    for label, value, style in (
        (sub_label, net, ""),
        (f"{tax_label} {rate}%", tax, ""),
        (total_label, round(net + tax, 2), "B"),
    ):
        text = fmt(value, symbol)
        vx = width - margin - 5 - string_width(text, size, "helvetica")
        page.texts.append((min(xs[-3], vx - string_width(label, size) - 20), y, label, size, style))
        page.texts.append((vx, y, text, size, style))
        y += line_h + 2
    for k, p in enumerate(pages, start=1):
        p.texts.append((margin, height - 40, f"{seller} · IBAN {fake.iban()}", 7))
        if len(pages) > 1:
            p.texts.append((width - margin - 50, height - 40, f"{k} / {len(pages)}", 7))
    expected = {"lines": truth}
    layout = {"kind": kind, "language": lang, "columns": [heads[c] for c in cols], "concepts": cols,
              "decimal": decimal, "thousands": thousands, "pages": len(pages), "cell_symbol": cell_symbol}  # fmt: skip
    return ItemTableInvoice(kind, build_pdf(pages), expected, layout, SYNTHETIC_INVOICE_SCHEMA)


def _head_lines(name: str, lang: str, two: bool) -> str:
    """A header name on one line, or on two ("|" between them): a German or Dutch compound
    ("Einzel|preis") is one word on one line, hyphenated over two."""
    if "|" not in name:
        return name
    first, second = name.split("|")
    compound = lang in ("de", "nl") and " " not in first and " " not in second
    if two:
        return f"{first}-|{second}" if compound else name
    return f"{first}{second}" if compound else f"{first} {second}"
