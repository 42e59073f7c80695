"""Words that mean the same in field names and printed labels, across EN/FR/DE/NL/ES.

A schema's field ("client", "pay_by", "contract_no") and the label a page prints for it
("Advertiser Name:", "Zahlbar bis", "Contract #") rarely share a spelling. Each group below
is one *sense*; ``sense_of`` folds a token to its sense (abbreviations included), so field
and label are compared by sense rather than by spelling. ``OPPOSITES`` are senses that make a
label mean the other value of a pair (net vs gross, start vs end, sub vs grand total).

A new language adds its words to the groups ("a | b | c"); nothing else changes.
"""

from __future__ import annotations

from functools import lru_cache

from ..values.text import fold


def _p(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split("|") if x.strip())


# sense -> the words (folded, one token each) that carry it
SENSES: dict[str, tuple[str, ...]] = {
    "number": _p(
        "number | numbers | no | nr | num | nbr | nummer | numero | nro | n | nº | id | ident | "
        "identifier | ref | reference | referenz | kenmerk | referencia | code | codes"
    ),
    # an order and a contract are the same deal to a field name ("Contract #" prints the
    # order number on a station's order, "Order no." the contract's)
    "order": _p(
        "order | orders | po | bestellung | auftrag | commande | pedido | bestelling | "
        "contract | contracts | vertrag | contrat | contrato | agreement | deal"
    ),
    # the document a field's name speaks of is the one on the page: a "document number" is
    # the invoice's (or the receipt's, the order's) own number
    "invoice": _p(
        "invoice | invoices | bill | billing | bills | rechnung | facture | factura | factuur | "
        "nota | fattura | document | doc | dokument | beleg"
    ),
    "receipt": _p("receipt | bon | beleg | quittung | recu | ticket | recibo | kassenbon"),
    "amount": _p(
        "amount | amounts | amt | sum | betrag | summe | montant | importe | bedrag | "
        "cost | costs | price | value | charges | charge | prix | preis | precio | prijs | "
        "kosten | coste | cout"
    ),
    "total": _p(
        "total | totals | tot | grand | gesamt | totaal | totale | overall | final | "
        "payable | paid | pay"
    ),
    "gross": _p("gross | brutto | ttc | bruto | incl | including | inclusive"),
    "net": _p(
        "net | nett | netto | ht | neto | excl | excluding | exclusive | untaxed | before | "
        "subtotal | sub"
    ),
    "tax": _p(
        "tax | taxes | vat | gst | sst | hst | tva | mwst | ust | iva | btw | steuer | "
        "umsatzsteuer | mehrwertsteuer | impuesto | belasting"
    ),
    "date": _p(
        "date | dates | dated | datum | fecha | data | dt | day | on | jour | tag | dag | dia"
    ),
    "due": _p(
        "due | deadline | faellig | fallig | falligkeit | faelligkeit | echeance | vencimiento | "
        "vervaldatum | scadenza | "
        "vervaldag | by | limit | limite"
    ),
    "issue": _p(
        "issue | issued | issuing | emission | ausstellung | ausgestellt | emision | uitgifte"
    ),
    "start": _p(
        "start | starts | starting | begin | beginning | first | from | since | von | ab | "
        "debut | desde | inicio | van | vanaf | effective | commence | commencement"
    ),
    "end": _p(
        "end | ends | ending | last | to | thru | through | till | until | bis | fin | au | "
        "hasta | tot | einde | expiry | expiration | expires"
    ),
    "period": _p(
        "period | flight | flights | run | runs | range | schedule | campaign | zeitraum | "
        "periode | periodo | term | dates | air"
    ),
    "party_buyer": _p(
        "client | clients | customer | customers | buyer | purchaser | advertiser | "
        "advertisers | account | kunde | klant | cliente | acheteur | comprador | koper | "
        "sold | bill-to | billed | recipient | empfanger | destinataire | ordered | sponsor | "
        "sponsors | payer"
    ),
    "party_seller": _p(
        "vendor | supplier | seller | merchant | store | shop | company | issuer | from | "
        "lieferant | verkaufer | fournisseur | vendeur | proveedor | vendedor | leverancier | "
        "verkoper | station | firm | business | restaurant"
    ),
    "name": _p("name | names | naam | nom | nombre | bezeichnung | title"),
    "address": _p(
        "address | addresses | location | adresse | anschrift | direccion | adres | domicile | "
        "street | located | where"
    ),
    "phone": _p("phone | telephone | tel | telefon | telefono | telefoon | mobile | fax"),
    "email": _p("email | mail | courriel | correo"),
    "currency": _p("currency | ccy | cur | wahrung | devise | moneda | valuta | iso"),
    "quantity": _p(
        "quantity | qty | quantities | menge | anzahl | quantite | qte | cantidad | cant | "
        "aantal | units | count | pcs"
    ),
    "product": _p(
        "product | item | items | article | artikel | produit | producto | artikelnummer | "
        "sku | description | desc | omschrijving | beschreibung"
    ),
    "agency": _p("agency | agentur | agence | agencia | bureau"),
    "commission": _p("commission | provision | comision | commissie"),
    "estimate": _p("estimate | quote | quotation | angebot | devis | offerte | presupuesto"),
    "payment": _p("payment | payments | zahlung | paiement | pago | betaling | remit"),
}

# senses whose presence in a label makes it the other value of a field's pair
OPPOSITES: dict[str, tuple[str, ...]] = {
    "gross": ("net", "commission", "tax"),
    "net": ("gross", "tax"),
    "tax": ("net", "gross"),
    "start": ("end",),
    "end": ("start",),
    "due": ("issue",),
    "issue": ("due",),
    "party_buyer": ("party_seller", "agency"),
    "party_seller": ("party_buyer",),
}

# senses too common to say much alone (a label "Date" matches every date field a little)
WEAK_SENSES = frozenset({"date", "name", "number", "amount", "total"})

_BY_WORD: dict[str, str] = {}
for _sense, _words in SENSES.items():
    for _w in _words:
        _BY_WORD.setdefault(fold(_w), _sense)


def _stem(t: str) -> str:
    for suf in ("ing", "ers", "es", "er", "s", "ed", "e"):
        if len(t) > len(suf) + 3 and t.endswith(suf):
            return t[: -len(suf)]
    return t


@lru_cache(maxsize=16384)
def sense_of(token: str) -> str:
    """The sense of a token (its synonym group), else its stem: "amt" -> "amount",
    "Rechnung" -> "invoice", "advertisers" -> "party_buyer", "campaigns" -> "campaign"."""
    t = fold(token)
    got = _BY_WORD.get(t)
    if got is not None:
        return got
    s = _stem(t)
    got = _BY_WORD.get(s)
    return got if got is not None else s


def senses(toks: list[str] | tuple[str, ...]) -> list[str]:
    return [sense_of(t) for t in toks]
