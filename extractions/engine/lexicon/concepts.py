"""Business-document concepts (total, invoice number, vendor name, ...) and how documents
print them: the label phrases in English, French and German (and a few other languages),
labels that look alike but mean something else, the strongest labels, and how a schema may
name the field.

A new language's labels go into the phrase lists below ("a | b | c"); everything else
(``LABEL_TOKENS`` and friends, the OCR word repair) is derived from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..values.text import tokens


@dataclass(frozen=True, slots=True)
class Concept:
    key: str
    kind: str  # amount, date, text, name, address, id, currency, email, phone, iban, vat, percent
    names: tuple[str, ...]  # how a schema may call the field (matched against name/description)
    labels: tuple[str, ...]  # how a document prints the label, multilingual
    negative: tuple[str, ...] = ()  # labels that contain a label above but mean something else
    strong: tuple[str, ...] = ()  # labels that identify the value best (final totals ...)
    label_tokens: tuple[tuple[str, ...], ...] = field(default=(), compare=False)


def _p(text: str) -> tuple[str, ...]:
    """Phrases written "a | b | c" (compact tables of printed labels)."""
    return tuple(x.strip() for x in text.split("|") if x.strip())


CONCEPTS: list[Concept] = [
    Concept(
        "total",
        "amount",
        names=_p(
            "total | grand total | total amount | amount total | amount due | total due | "
            "amount payable | gross amount | amount gross | total including tax | total incl tax | "
            "amount including tax | balance due | total paid | amount paid | total ttc | "
            "montant ttc | net a payer | gesamtbetrag | bruttobetrag | rechnungsbetrag | endbetrag | "
            "amount | total price | sum | total incl vat | total including vat | total incl gst | "
            "total inclusive | total gross | gross total | brutto | ttc | total brutto | "
            "summe brutto | to pay | amount to pay | total to pay | te betalen | a payer | "
            "net a payer | zu zahlen | zahlbetrag"
        ),
        labels=_p(
            "total | grand total | total amount | total amt | total due | amount due | balance due | "
            "amount payable | total payable | net total | nett total | total incl | "
            "total inclusive | total including | rounded total | total rounded | "
            "total after rounding | round total | total sales inclusive | total amount payable | "
            "due payable | payable | total to pay | amount to pay | invoice total | total invoice | "
            "total ttc | montant ttc | net a payer | net a payer ttc | total a payer | a payer | "
            "montant total | montant du | solde du | gesamtbetrag | gesamtsumme | rechnungsbetrag | "
            "rechnungssumme | zahlbetrag | bruttosumme | bruttobetrag | endbetrag | summe | gesamt | "
            "zu zahlen | totale | importe total | total a pagar | totale da pagare | totaal | "
            "te betalen | jumlah | jumlah besar | jumlah bersih | jumlah perlu dibayar | due | "
            "total t t c | montant t t c | net a payer t t c | totaal incl b t w"
        ),
        negative=_p(
            "sub total | subtotal | total ht | total hors taxe | total hors taxes | total tax | "
            "total taxes | total tva | total gst | total sst | total vat | total excl | "
            "total excluding | total exclusive | total sales excluding | total net | "
            "net total excl | total qty | total quantity | total items | total item | "
            "total discount | total savings | total saving | total remise | total weight | "
            "total points | total pcs | total units | total number | total before | "
            "totaal excl | totaal exclusief | subtotaal | totaal btw | maatstaf van heffing | "
            "total h t | montant h t | total t v a | totaal b t w | "
            "total amount excluding | total amt excl | gesamtbetrag der zuschlage | "
            "gesamtbetrag der abschlage | gesamt netto | summe netto | nettobetrag | total hors | "
            "tax total | ust gesamt | mwst gesamt | total rounding | change due | due date | "
            "date due | due on | due by"
        ),
        strong=_p(
            "grand total | amount due | total due | amount payable | total payable | rounded total | "
            "total rounded | total after rounding | nett total | total incl | total inclusive | "
            "total including | total sales inclusive | total ttc | net a payer | total a payer | "
            "due payable | zahlbetrag | gesamtbetrag | bruttosumme | rechnungsbetrag | endbetrag"
        ),
    ),
    Concept(
        "subtotal",
        "amount",
        names=_p(
            "subtotal | sub total | net | net amount | amount net | net total | total net | "
            "amount untaxed | untaxed amount | total before tax | total excluding tax | "
            "amount excluding tax | total excl tax | total ht | montant ht | nettobetrag | netto | "
            "taxable amount | total without tax | pre tax | amount excl vat | excl vat | "
            "amount excl tax | excl tax | amount before tax | before tax | total excl vat | "
            "amount excluding vat | total excluding vat | net excl vat"
        ),
        labels=_p(
            "subtotal | sub total | total ht | montant ht | total hors taxes | total hors taxe | "
            "net amount | total net | total excl | net total | total excluding | total exclusive | "
            "total sales excluding | total before tax | amount before tax | taxable amount | "
            "nettobetrag | netto | summe netto | gesamt netto | nettosumme | "
            "rechnungssumme ohne ust | positionssumme | warenwert | zwischensumme | sous total | "
            "base ht | total amount excluding | "
            # nl / be: "Maatstaf van heffing" is the Belgian legal name of the taxable base
            "subtotaal | sub totaal | totaal excl | totaal exclusief | totaal zonder btw | "
            "maatstaf van heffing | bedrag excl btw | netto bedrag | totaal netto | "
            "total h t | montant h t | totaal excl b t w"
        ),
        strong=_p("subtotal | sub total | total ht | nettobetrag | rechnungssumme ohne ust"),
    ),
    Concept(
        "tax",
        "amount",
        names=_p(
            "tax | tax amount | amount tax | total tax | vat | vat amount | gst | sales tax | tva | "
            "montant tva | mwst | ust | steuer | iva | btw | cukai | steuerbetrag | taxes | "
            "total vat | vat total | tax total | total tva | total mwst | total btw | btw bedrag"
        ),
        labels=_p(
            "total tax | tax total | total taxes | tax | vat total | gst total | tva total | "
            "tax amount | vat | vat amount | total vat | gst | total gst | gst amount | gst 6 | "
            "sst | service tax | sales tax | tva | total tva | montant tva | mwst | ust | "
            "ust gesamt | mwst gesamt | umsatzsteuer | mehrwertsteuer | steuerbetrag | steuer | "
            "taxes | btw | btw bedrag | totaal btw | btw totaal | "
            # abbreviations written with their dots fold to letters: "T.V.A.", "B.T.W."
            "t v a | montant t v a | total t v a | b t w | totaal b t w"
        ),
        negative=_p(
            "tax invoice | gst reg | gst id | gst no | tax id | vat no | vat id | vat number | "
            "tva intracom | n tva | ust id | ust idnr | steuernummer | steuer nr | total incl | "
            "incl gst | inclusive gst | excl gst | excluding gst | total ttc | "
            "zuzuglich umsatzsteuer | btw nr | btw nummer | btw id | btw be | btw nl | excl btw | "
            "incl btw | btw plichtig | t v a intracommunautaire | n t v a | excl b t w | incl b t w"
        ),
        strong=_p(
            "total tax | total taxes | tax total | total vat | vat total | total gst | gst total | "
            "ust gesamt | mwst gesamt | total tva | montant tva | steuerbetrag | tax amount | "
            "vat amount | gst amount"
        ),
    ),
    Concept(
        "due_date",
        "date",
        names=_p(
            "due date | date due | payment due | due | payment date | echeance | date echeance | "
            "faellig | fallig | falligkeit | zahlungsziel | pay by | deadline | payment deadline | "
            "payable by | pay until | payable until | faelligkeit | faelligkeitsdatum | "
            "falligkeitsdatum | vervaldatum | date d echeance | scadenza"
        ),
        labels=_p(
            "due date | date due | payment due | due on | due by | pay by | payable by | "
            "date d echeance | echeance | date limite de paiement | a regler avant le | fallig am | "
            "falligkeit | faellig | zahlbar bis | zahlungsziel | bitte uberweisen sie bis zum | "
            "remit until | pay until | payable until | to be paid by | payment until | "
            "please pay by | zahlbar bis zum | zahlungsziel bis | faellig bis | fallig bis | "
            "a payer avant le | payable avant le | date limite | bis zum | "
            # nl / be, es, it
            "vervaldatum | vervaldag | uiterste betaaldatum | uiterste betaaldag | "
            "te betalen voor | te betalen tegen | uiterlijk te betalen op | betalen voor | "
            "fecha de vencimiento | fecha vencimiento | vencimiento | data scadenza | scadenza"
        ),
    ),
    Concept(
        "date",
        "date",
        names=_p(
            "date | invoice date | issue date | date issued | document date | transaction date | "
            "receipt date | purchase date | order date | bill date | date de facture | "
            "rechnungsdatum | datum | billing date | bought on | purchased on | sold on | "
            "date of purchase | issued on | issued | factuurdatum | date facture | fecha factura | "
            "fecha | data fattura | invoice dated | date of invoice"
        ),
        labels=_p(
            "invoice date | date of invoice | date of issue | issue date | issued on | date issued | "
            "document date | bill date | receipt date | transaction date | trans date | date | "
            "dated | date de facture | date facture | date d emission | date de l avoir | fait le | "
            "rechnungsdatum | belegdatum | fecha | fecha de factura | data fattura | factuurdatum | "
            "tarikh | datum | vom | von | du | le"
        ),
        negative=_p(
            "due date | date due | delivery date | date of delivery | ship date | shipping date | "
            "order date | date d echeance | date de livraison | leistungsdatum | lieferdatum | "
            "liefer und leistungsdatum | date of birth | birth | dob | expiry | expires | exp | "
            "valid until | valid till | valid thru | best before | member since | gultig bis | "
            "valable jusqu | expiry date | exp date | print date | printed | period"
        ),
        strong=_p("invoice date | date de facture | rechnungsdatum | date of issue | issue date"),
    ),
    Concept(
        "doc_number",
        "id",
        names=_p(
            "invoice number | invoice no | invoice id | invoice num | number | document number | "
            "doc number | receipt number | receipt no | bill number | bill no | reference | "
            "numero facture | numero de facture | rechnungsnummer | credit note number | "
            "invoice nr | document no | document nr | document id | doc no | doc id | "
            "invoice ref | invoice reference | bill ref | bill reference | inv no | inv number | "
            "inv num | inv nr | inv id | factuurnummer | numero | nummer"
        ),
        labels=_p(
            "invoice number | invoice no | invoice nr | invoice num | invoice | inv no | inv | "
            "tax invoice no | tax invoice | bill no | bill number | bill | receipt no | "
            "receipt number | receipt | document no | document number | doc no | credit note | "
            "credit note no | facture | facture n | facture no | numero de facture | n de facture | "
            "avoir | avoir n | rechnung | rechnung nr | rechnungsnummer | rechnungs nr | "
            "mietrechnung nr | handelsrechnung nr | handelsrechnung | schlussrechnung | "
            "teilrechnung | abschlagsrechnung | gutschrift nr | mietrechnung | invoice n | "
            "credit note n | gutschrift | beleg nr | belegnummer | factura | numero de factura | "
            "fattura | numero fattura | factuur | factuurnummer | no resit | no invois | nr | no | "
            "number | ref"
        ),
        negative=_p(
            "customer no | customer number | order no | order number | account no | phone no | "
            "tel no | fax no | vat no | gst reg no | reg no | company no | kundennummer | "
            "kunden nr | bestellnummer | auftragsnummer | n tva | steuernummer | ust id | "
            "invoice date | invoice total | invoice amount | tax invoice date | table no | cashier | "
            "date | po no | hrb nr"
        ),
        strong=_p(
            "invoice number | invoice no | rechnungsnummer | numero de facture | invoice nr | "
            "facture n"
        ),
    ),
    Concept(
        "currency",
        "currency",
        names=_p("currency | currency code | devise | monnaie | wahrung | waehrung"),
        labels=_p("currency | devise | monnaie | wahrung | rechnungswahrung | waehrung"),
    ),
    Concept(
        "vendor_address",
        "address",
        names=_p(
            "address | vendor address | seller address | supplier address | merchant address | "
            "company address | store address | issuer address | shop address | adresse | anschrift | "
            "business address | location | merchant location | store location | shop location | "
            "business location"
        ),
        labels=_p("address | adresse | anschrift | addr"),
    ),
    Concept(
        "customer_address",
        "address",
        names=_p(
            "customer address | client address | buyer address | billing address | bill to address | "
            "recipient address | shipping address | ship to address | delivery address | "
            "adresse de livraison | adresse de facturation | lieferadresse | rechnungsadresse"
        ),
        labels=_p(
            "bill to | billing address | invoice to | sold to | ship to | deliver to | "
            "shipping address | delivery address | adresse de facturation | adresse de livraison | "
            "factured a | lieferadresse | rechnungsadresse"
        ),
    ),
    Concept(
        "customer_name",
        "name",
        names=_p(
            "customer | customer name | client | client name | buyer | buyer name | bill to | "
            "recipient | sold to | purchaser | kunde | empfanger | acheteur"
        ),
        labels=_p(
            "customer | customer name | client | bill to | billed to | sold to | invoice to | "
            "buyer | kaufer | kaufer leistungsempfanger | kunde | rechnungsempfanger | acheteur | "
            "account name | client name | kundenname | klantnaam | klant | nom du client | "
            "cliente | facture a | factuur aan"
        ),
    ),
    Concept(
        "vendor_name",
        "name",
        names=_p(
            "vendor | vendor name | seller | seller name | supplier | supplier name | merchant | "
            "merchant name | company | company name | issuer | issuer name | store | store name | "
            "shop | shop name | business name | emetteur | fournisseur | vendeur | lieferant | "
            "verkaufer | rechnungssteller | from | biller | retailer | retailer name | outlet | "
            "outlet name | dealer | issued by | sold by | billed by | verkaeufer | leverancier | "
            "provider | service provider | sender | proveedor | fornitore | emisor"
        ),
        labels=_p(
            "vendor | seller | supplier | merchant | from | verkaufer | lieferant | vendeur | "
            "fournisseur | emetteur | rechnungssteller"
        ),
    ),
    Concept(
        "email",
        "email",
        names=_p("email | e mail | mail | courriel"),
        labels=_p("email | e mail | mail"),
    ),
    Concept(
        "phone",
        "phone",
        names=_p("phone | telephone | tel | phone number | mobile | fax | telefon"),
        labels=_p("phone | tel | telephone | telefon | fon | mobile | hp | fax"),
    ),
    Concept(
        "iban",
        "iban",
        names=_p("iban | bank account | account iban"),
        labels=_p("iban"),
    ),
    Concept(
        "vat_id",
        "vat",
        names=_p(
            "vat id | vat number | vat no | tax id | tax number | gst id | gst number | gst reg no | "
            "ust id | ust idnr | numero tva | tva intracommunautaire | steuernummer"
        ),
        labels=_p(
            "vat no | vat id | vat number | vat reg no | tax id | gst reg no | gst reg | gst id | "
            "gst no | ust id | ust idnr | ust id nr | n tva | tva | tva intracommunautaire | "
            "steuernummer | steuer nr"
        ),
    ),
    Concept(
        "customer_number",
        "id",
        names=_p(
            "customer number | customer id | client number | account number | kundennummer | "
            "numero client"
        ),
        labels=_p(
            "customer no | customer number | customer id | account no | kundennummer | kunden nr | "
            "numero client | n client | client n"
        ),
    ),
    Concept(
        "order_number",
        "id",
        names=_p(
            "order number | po number | purchase order | order id | bestellnummer | "
            "numero de commande"
        ),
        labels=_p(
            "order no | order number | po number | po no | po | purchase order | bestellung | "
            "bestellnummer | auftragsnummer | commande | bon de commande | votre reference | "
            "your reference"
        ),
    ),
]

_BY_KEY = {c.key: c for c in CONCEPTS}

# Labels that sit inside a sentence and take the value printed right after them.
INLINE_LABELS: set[tuple[str, ...]] = {
    tuple(tokens(x))
    for x in ("vom", "von", "du", "le", "dated", "issued at", "issued on", "am", "bis zum", "until")
}


def concept(key: str) -> Concept:
    return _BY_KEY[key]


def _tok_tuple(phrase: str) -> tuple[str, ...]:
    return tuple(tokens(phrase))


# pre-tokenised forms, computed once
LABEL_TOKENS: dict[str, list[tuple[str, ...]]] = {
    c.key: [_tok_tuple(x) for x in c.labels] for c in CONCEPTS
}
NEGATIVE_TOKENS: dict[str, list[tuple[str, ...]]] = {
    c.key: [_tok_tuple(x) for x in c.negative] for c in CONCEPTS
}
STRONG_TOKENS: dict[str, set[tuple[str, ...]]] = {
    c.key: {_tok_tuple(x) for x in c.strong} for c in CONCEPTS
}
NAME_TOKENS: dict[str, list[tuple[str, ...]]] = {
    c.key: [_tok_tuple(x) for x in c.names] for c in CONCEPTS
}
