"""The words of a printed postal address, per language: the street words (a line naming one is
a street even without its number), the other words of an address (unit, floor, building,
district), and country names (a line ending in one ends the address).

Lower case, without accents where OCR often drops them (both spellings where it does not).
"""

from __future__ import annotations


def _words(*groups: str) -> frozenset[str]:
    return frozenset(w for g in groups for w in g.split())


# A line that names one of these is a street line: "Jalan Loke Yew", "Calle de Alcalá".
STREET_WORDS = _words(
    "street road rd avenue ave blvd boulevard lane drive highway hwy parkway terrace crescent",  # en
    "jalan jln lorong lebuh lebuhraya persiaran",  # ms
    "rue chemin allee impasse quai route",  # fr
    "strasse straße str weg gasse damm ufer",  # de
    "calle avenida avda paseo ronda camino rambla alameda cuesta carretera travesia glorieta",  # es
    "pasaje pasadizo callejon callejón",  # es
    "via viale corso vicolo strada rua travessa estrada",  # it, pt
    "straat laan gracht kade singel",  # nl
)
# Street words that end compound street names: "Hauptstraße", "Goethestr.", "Keizersgracht",
# "Damstraat", "Marienplatz".
STREET_SUFFIXES = ("strasse", "straße", "str", "gasse", "weg", "platz", "allee", "damm", "ufer",
                   "gracht", "straat", "laan", "plein", "kade", "singel", "vej", "gatan", "gata",
                   "vagen", "vägen", "katu")  # fmt: skip
# Other words only addresses print: with a number on the line they make it an address line.
ADDRESS_WORDS = STREET_WORDS | _words(
    "st no lot floor flr level suite apt unit building bldg plaza block blk square place",  # en
    "industrial park section",  # en
    "taman seksyen bandar kawasan tingkat bangunan menara wisma kompleks kampung kg",  # ms
    "kuala selangor johor",  # ms
    "bd place cedex bis",  # fr
    "platz allee postfach",  # de
    "piso puerta bajo acceso urbanizacion poligono cañada",  # es
    "piazza largo piano scala interno praça praca andar",  # it, pt
    "plein",  # nl
)
# Country names an address may end with (English and own spellings).
COUNTRIES = (
    "malaysia", "singapore", "indonesia", "germany", "deutschland", "france", "belgium",
    "belgique", "nederland", "netherlands", "espana", "españa", "spain", "italia", "italy",
    "united states", "usa", "u.s.a", "united kingdom", "uk", "canada", "india", "australia",
    "austria", "osterreich", "österreich", "switzerland", "schweiz", "suisse", "portugal",
    "mexico", "méxico", "thailand", "philippines", "vietnam", "new zealand", "ireland",
)  # fmt: skip
# Labels of the lines that follow an address (phone, e-mail, web, tax and company ids, the
# document's own fields): the address ends before a line that prints one.
AFTER_ADDRESS = _words(
    "tel telephone phone fax email e-mail www http hp mobile whatsapp web contact fon",
    "gst vat tax abn gstin sst",  # en
    "tva siret siren rcs",  # fr
    "ust mwst ust-id steuer steuernr uid hrb",  # de
    "nif cif nie iva",  # es, it, pt
    "piva kvk btw rsin",  # it, nl
    "invoice receipt date cashier bill doc table order inv iban bic",  # the document's fields
)
# Words of the register, tax-number and bank lines a company prints in its own page footer
# ("Amtsgericht Köln HRB 1234", "RPR Gent", "SIRET …", "IBAN …"): a footer naming them
# belongs to the issuer, since a buyer's block never carries its court register or account.
SELLER_REGISTRATION = _words(
    "iban bic swift vat",  # en
    "siret siren rcs ape naf tva",  # fr
    "amtsgericht registergericht handelsregister hrb hra steuernummer steuernr ustidnr idnr",  # de
    "geschaftsfuhrer geschaeftsfuehrer",  # de
    "rpr rpm kbo ondernemingsnummer kvk btw rsin",  # nl, be
    "cif nif iva piva rea",  # es, it
)
