"""Table column headers: the header words (folded) that name each column concept in English,
French and German, and the names a schema gives to item properties per concept. A new
language's column headers go here."""

from __future__ import annotations

# column concept -> header words (folded) that name it
COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "description": (
        "description", "designation", "bezeichnung", "beschreibung", "produkt", "product", "products",
        "artikelbezeichnung", "item", "items", "article", "libelle", "leistung", "service", "services",
        "details", "particulars", "name", "text", "item description", "product description",
        "description of goods", "goods", "articles", "prestation", "bezeichnung der leistung",
        "artikel", "itern", "ltem", "itom",
    ),
    "quantity": (
        "qty", "quantity", "quantite", "qte", "menge", "anzahl", "quant", "units", "pcs", "nb",
        "stk", "stuck", "qty ordered", "qty shipped", "hours", "heures", "stunden", "oty",
    ),
    "unit_price": (
        "unit price", "price", "prix unitaire", "prix", "pu", "p u", "einzelpreis", "preis",
        "nettopreis", "unit cost", "rate", "price unit", "e preis", "stuckpreis", "s price",
        "rsp", "u price", "unit", "prix unitaire ht", "pu ht", "prix u", "tarif", "unit price excl",
        "einzelpreis netto", "ep", "cost",
    ),
    "amount": (
        "amount", "total", "line total", "montant", "montant ht", "prix ht", "total ht", "betrag",
        "gesamt", "gesamtbetrag", "gesamtpreis", "positionsbetrag", "summe", "net amount",
        "ext price", "extended", "value", "total price", "amount excl", "net", "netto", "montant ttc",
        "amt", "sub total", "subtotal", "line amount", "gesamtpreis netto", "total amount",
    ),
    "code": (
        "code", "art nr", "artikelnummer", "artikel nr", "art", "sku", "item no", "item code", "ref",
        "reference", "product code", "part no", "part number", "ean", "item number", "article no",
        "art nr lief", "art nr kunde", "code article", "artnr", "item id", "barcode",
    ),
    "tax_rate": ("tax", "vat", "tva", "ust", "mwst", "gst", "tax rate", "taux", "steuersatz", "ust satz", "tax code"),
    "discount": ("discount", "rem", "remise", "rabatt", "disc"),
    "unit": ("unit", "unite", "einheit", "uom", "me"),
    "position": ("pos", "position", "no", "nr", "line", "ligne", "lfd nr", "s no", "sr no"),
    "date": ("date", "datum"),
}  # fmt: skip

# names a schema gives to item properties, per column concept
PROPERTY_NAMES: dict[str, tuple[str, ...]] = {
    "description": ("description", "desc", "name", "item", "product", "label", "designation", "title",
                    "text", "article name", "item name", "product name", "details", "service"),
    "quantity": ("quantity", "qty", "count", "units", "menge", "quantite", "hours"),
    "unit_price": ("unit price", "price", "unit cost", "rate", "price per unit", "einzelpreis", "prix unitaire",
                   "unit amount", "price unit"),
    "amount": ("amount", "total", "line total", "line amount", "net amount", "total price", "montant", "betrag",
               "subtotal", "value", "amount net", "total amount", "extended price", "price total"),
    "code": ("code", "sku", "item code", "article number", "product code", "part number", "ref", "reference",
             "article", "item number", "item no", "ean", "id", "art nr", "product id"),
    "tax_rate": ("tax rate", "vat rate", "tax", "vat", "tax percent", "tva", "gst", "rate tax"),
    "discount": ("discount", "rebate", "remise"),
    "unit": ("unit", "uom", "unit of measure"),
    "position": ("position", "pos", "line number", "line no", "index"),
    "date": ("date",),
}  # fmt: skip
