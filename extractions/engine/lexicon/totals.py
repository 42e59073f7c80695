"""The words around a receipt's total: a rounding adjustment printed after it, the amount
tendered and the change given back (they tell the payable total when no label does)."""

from __future__ import annotations

from ..values.text import tokens

ROUNDING = [tuple(tokens(x)) for x in ("rounding", "rounding adj", "rounding adjustment", "round off",
                                          "rounded", "round adj", "pembundaran", "arrondi", "rundung")]  # fmt: skip
PAYMENT = [tuple(tokens(x)) for x in ("cash", "pay", "paid", "paid amount", "tender", "tendered", "payment",
                                         "amount paid", "amount tendered", "espece", "especes", "bar", "gegeben")]  # fmt: skip
CHANGE = [tuple(tokens(x)) for x in ("change", "change due", "cash change", "rendu", "monnaie rendue",
                                        "ruckgeld", "zuruck")]  # fmt: skip
# Names of a tax, and the words that say an amount has the tax in it: "Total GST" is the
# tax line, "Total (GST incl.)" the payable total (EN/FR/DE/NL/ES/MS).
TAX_WORDS = frozenset(
    ("tax", "taxes", "vat", "gst", "sst", "tva", "mwst", "ust", "iva", "btw", "cukai")
)
INCLUSIVE_WORDS = frozenset(("incl", "inc", "inclusive", "included", "including", "inkl", "inklusive",
                             "incluse", "inclus", "incluida", "incluido", "inbegrepen", "termasuk"))  # fmt: skip
# Words that make a label name a sum ("Total VAT", "MwSt. gesamt", "Summe").
TOTAL_WORDS = frozenset(("total", "totals", "gesamt", "summe", "totaal", "totale", "sum"))
