"""Table column headers: the header words (folded) that name each column concept in English,
French, German, Dutch, Spanish and Italian, the endings of compound header words (German and
Dutch glue "Netto" + "betrag"), and the names a schema gives to item properties per concept.
A new language's column headers go here."""

from __future__ import annotations

# column concept -> header words (folded) that name it
COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "description": (
        "description", "designation", "bezeichnung", "beschreibung", "produkt", "product", "products",
        "artikelbezeichnung", "item", "items", "article", "libelle", "leistung", "service", "services",
        "details", "particulars", "name", "text", "item description", "product description",
        "description of goods", "goods", "articles", "prestation", "bezeichnung der leistung",
        "artikel", "itern", "ltem", "itom",
        # nl / es / it
        "omschrijving", "artikelomschrijving", "product omschrijving", "dienst", "diensten",
        "descripcion", "concepto", "articulo", "producto", "descrizione", "articolo", "prodotto",
        "nom", "produit", "designation des produits", "denomination", "bezeichnung artikel",
        "activity", "task", "work description", "product name", "item name",
        "line item", "line items", "work performed", "services rendered", "description of services",
    ),
    "quantity": (
        "qty", "quantity", "quantite", "qte", "menge", "anzahl", "quant", "units", "pcs", "nb",
        "stk", "stuck", "qty ordered", "qty shipped", "hours", "heures", "stunden", "oty",
        # nl / es / it
        "aantal", "hoeveelheid", "cantidad", "cant", "uds", "unidades", "quantita", "qta",
        "qty hrs", "hrs", "no of units", "number of units", "seats", "licenses",
        "anz", "std", "aant", "horas", "uren", "usage", "days", "tage", "jours", "dagen", "dias",
    ),
    "unit_price": (
        "unit price", "price", "prix unitaire", "prix", "pu", "p u", "einzelpreis", "preis",
        "nettopreis", "unit cost", "rate", "price unit", "e preis", "stuckpreis", "s price",
        "rsp", "u price", "unit", "prix unitaire ht", "pu ht", "prix u", "tarif", "unit price excl",
        "einzelpreis netto", "ep", "cost",
        # nl / es / it
        "stukprijs", "prijs", "eenheidsprijs", "prijs per stuk", "prijs per eenheid",
        "precio", "precio unitario", "precio unidad", "p unit", "prezzo", "prezzo unitario",
        "price per unit", "unit rate", "hourly rate", "rate per hour", "list price",
        "unit price incl", "unit price net", "net price", "net unit price", "each",
    ),
    "amount": (
        "amount", "total", "line total", "montant", "montant ht", "prix ht", "total ht", "betrag",
        "gesamt", "gesamtbetrag", "gesamtpreis", "positionsbetrag", "summe", "net amount",
        "ext price", "extended", "value", "total price", "amount excl", "net", "netto", "montant ttc",
        "amt", "sub total", "subtotal", "line amount", "gesamtpreis netto", "total amount",
        # nl / es / it
        "bedrag", "totaal", "totaalbedrag", "bedrag excl btw", "regeltotaal", "importe", "importe total",
        "total linea", "subtotal linea", "importo", "totale", "montant total", "total ttc",
        "gross amount", "amount incl", "amount excl vat", "total excl vat", "total incl vat",
        "extended price", "ext amount", "nettobetrag", "bruttobetrag", "wert", "entgelt", "extension", "ext",
        "price total", "total ligne", "total ligne ht", "montant ligne", "montant ligne ht",
    ),
    "code": (
        "code", "art nr", "artikelnummer", "artikel nr", "art", "sku", "item no", "item code", "ref",
        "reference", "product code", "part no", "part number", "ean", "item number", "article no",
        "art nr lief", "art nr kunde", "code article", "artnr", "item id", "barcode",
        "artikelcode", "artikelnr", "referencia", "codigo", "cod", "codice", "product id", "model",
    ),
    "tax_rate": (
        "tax", "vat", "tva", "ust", "mwst", "gst", "tax rate", "taux", "steuersatz", "ust satz", "tax code",
        "btw", "btw tarief", "iva", "tipo iva", "vat rate", "vat percent", "tax percent", "mwst satz",
        "taux tva", "steuer",
    ),
    "discount": ("discount", "rem", "remise", "rabatt", "disc", "korting", "descuento", "dto", "sconto"),
    "unit": ("unit", "unite", "einheit", "uom", "me", "eenheid", "unidad", "unita", "u m", "um"),
    "position": ("pos", "position", "no", "nr", "line", "ligne", "lfd nr", "s no", "sr no", "regel", "linea",
                 "srno", "sno", "sl no", "slno", "line no"),
    "date": ("date", "datum", "fecha"),
}  # fmt: skip

# the ending of a compound header word -> its column concept ("Nettobetrag", "Stückpreis",
# "Totaalbedrag", "Liefermenge"); tried only on a word no header name matches whole, longest
# ending first
COMPOUND_ENDINGS: dict[str, str] = {
    "betrag": "amount", "summe": "amount", "bedrag": "amount", "gesamtpreis": "amount",
    "totaal": "amount", "importe": "amount",
    "preis": "unit_price", "prijs": "unit_price",
    "menge": "quantity", "anzahl": "quantity", "aantal": "quantity",
    "bezeichnung": "description", "beschreibung": "description", "omschrijving": "description",
    "nummer": "code",
}  # fmt: skip

# names a schema gives to item properties, per column concept
PROPERTY_NAMES: dict[str, tuple[str, ...]] = {
    "description": ("description", "desc", "name", "item", "product", "label", "designation", "title",
                    "text", "article name", "item name", "product name", "details", "service",
                    "omschrijving", "descripcion", "bezeichnung", "beschreibung", "libelle", "concepto"),
    "quantity": ("quantity", "qty", "count", "units", "menge", "quantite", "hours", "aantal", "cantidad",
                 "anzahl", "number of units", "quantita", "qte", "stuck", "pieces", "pcs"),
    "unit_price": ("unit price", "price", "unit cost", "rate", "price per unit", "einzelpreis", "prix unitaire",
                   "unit amount", "price unit", "stukprijs", "precio unitario", "prijs", "precio",
                   "price each", "each", "eenheidsprijs", "prix", "prezzo", "prezzo unitario"),
    "amount": ("amount", "total", "line total", "line amount", "net amount", "total price", "montant", "betrag",
               "subtotal", "value", "amount net", "total amount", "extended price", "price total",
               "bedrag", "importe", "line net", "gross amount", "amount gross",
               "sum", "line sum", "gesamtpreis", "gesamt", "summe", "totaal", "montant ht", "total ht",
               "importo", "totale"),
    "code": ("code", "sku", "item code", "article number", "product code", "part number", "ref", "reference",
             "article", "item number", "item no", "ean", "id", "art nr", "product id", "artikelnummer"),
    "tax_rate": ("tax rate", "vat rate", "tax", "vat", "tax percent", "tva", "gst", "rate tax", "btw", "iva"),
    "discount": ("discount", "rebate", "remise", "korting", "descuento"),
    "unit": ("unit", "uom", "unit of measure"),
    "position": ("position", "pos", "line number", "line no", "index"),
    "date": ("date",),
}  # fmt: skip

# words that end a line-item table besides the total, subtotal and tax labels: a page's running
# total carried to the next page, a balance
TABLE_STOP_WORDS: tuple[str, ...] = (
    "carried forward", "amount carried forward", "brought forward", "ubertrag", "zwischensumme",
    "a reporter", "subtotaal", "totaal", "saldo", "balance due",
    "amount due", "total due", "base imponible", "suma", "totale", "imponibile",
    "igst", "cgst", "sgst", "round off", "rounding", "arrondi",
)  # fmt: skip

# labels of a page's running total printed where a continued table starts or a page's part of
# it ends ("Übertrag 1.234,00"): the rows go on past them
CARRIED_WORDS: tuple[str, ...] = (
    "carried forward", "amount carried forward", "brought forward", "ubertrag", "a reporter",
    "report", "transport", "suma y sigue", "uebertrag", "vortrag", "carry over",
)  # fmt: skip

# words after which a header goes on with what would otherwise start a column of its own
# ("Amount excl. VAT", "Prix hors TVA", "Price per unit", "Name and description")
HEADER_QUALIFIERS: frozenset[str] = frozenset(
    ("excl", "incl", "excluding", "including", "ex", "ohne", "inkl", "exkl", "zzgl", "hors",
     "sans", "avec", "per", "pro", "par", "before", "after", "sin", "con", "exclusief", "inclusief",
     "and", "et", "und", "en", "y")
)  # fmt: skip

# header words that mean "description" itself: of two text columns ("Activity | Description",
# "Item | Description"), the one so named describes the item
DESCRIPTION_WORDS: frozenset[str] = frozenset(
    ("description", "beschreibung", "omschrijving", "descripcion", "descrizione", "designation",
     "bezeichnung", "libelle", "descriptif")
)  # fmt: skip

# units of measure printed next to a quantity ("25 Stk", "3 h", "2 x"), folded
UNIT_WORDS: frozenset[str] = frozenset(
    ("pcs", "pc", "pce", "pces", "stk", "st", "stck", "stuck", "h", "hr", "hrs", "u", "un", "ud", "uds",
     "kg", "g", "m", "m2", "m3", "mm", "cm", "km", "l", "lt", "ltr", "liter", "litre", "liters", "each", "ea",
     "box", "set", "pair", "pkt", "pack", "unit", "units", "x", "day", "days", "month", "months", "std",
     "piece", "pieces", "unite", "unites", "uur", "stuks", "unidad", "unidades", "ml", "t", "lb", "lbs")
)  # fmt: skip
