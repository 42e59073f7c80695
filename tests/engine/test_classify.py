"""Choosing a classifier label from the document text."""

from __future__ import annotations

from extractions.engine.classify import classify, fold, score_labels
from extractions.engine.types import ClassifierLabelSpec, PageContent, Word


def text_page(*lines: str) -> PageContent:
    words = []
    for i, line in enumerate(lines):
        x = 0.05
        for token in line.split():
            words.append(
                Word(token, 1, x, 0.05 + i * 0.03, x + 0.01 * len(token), 0.065 + i * 0.03)
            )
            x += 0.01 * (len(token) + 1)
    return PageContent(number=1, width=612, height=792, words=words)


LABELS = [
    ClassifierLabelSpec(
        name="invoice",
        description="A supplier invoice or bill asking for payment, with line items and VAT.",
        keywords=["invoice", "facture", "Rechnung", "amount due"],
    ),
    ClassifierLabelSpec(
        name="receipt",
        description="A till receipt from a shop or restaurant, paid at the counter.",
        keywords=["receipt", "cash", "change", "thank you"],
    ),
    ClassifierLabelSpec(
        name="nda",
        description="A non-disclosure agreement between parties about confidential information.",
        keywords=["non-disclosure", "confidential information", "governing law"],
    ),
]

INVOICE = text_page(
    "ACME GmbH", "INVOICE No. 2024-17", "Description Qty Amount", "Amount due: 120.00 EUR"
)
FACTURE = text_page(
    "Au bon moulin", "FACTURE FA-2017-0010", "Désignation Quantité Total TTC", "TVA 20 %"
)
RECHNUNG = text_page(
    "Muster AG", "Rechnungsnummer 471102", "Rechnung vom 01.02.2024", "Gesamtbetrag 50,00 €"
)
RECEIPT = text_page(
    "KEDAI RUNCIT", "CASH RECEIPT", "TOTAL 13.30", "CASH 20.00", "CHANGE 6.70", "THANK YOU"
)
NDA = text_page(
    "MUTUAL NON-DISCLOSURE AGREEMENT",
    "The parties wish to exchange Confidential Information.",
    "Governing Law. This Agreement is governed by the laws of Delaware.",
)
OTHER = text_page("Weather report for Tuesday", "Sunny spells and light winds")


def test_each_document_gets_its_label() -> None:
    assert classify([INVOICE], LABELS, 0.2).label == "invoice"
    assert classify([FACTURE], LABELS, 0.2).label == "invoice"
    assert classify([FACTURE], LABELS, 0.2).score >= 0.4  # one clear keyword is strong evidence
    assert classify([RECHNUNG], LABELS, 0.2).label == "invoice"
    assert classify([RECEIPT], LABELS, 0.2).label == "receipt"
    assert classify([NDA], LABELS, 0.2).label == "nda"


def test_scores_are_per_label_in_0_1_and_the_winner_leads() -> None:
    res = classify([NDA], LABELS, 0.2)
    assert set(res.scores) == {"invoice", "receipt", "nda"}
    assert all(0.0 <= s <= 1.0 for s in res.scores.values())
    assert res.score == res.scores["nda"] > res.scores["invoice"] + 0.3
    assert res.scores["receipt"] < 0.1  # "exchange" does not contain the keyword "change"
    assert res.as_dict()["label"] == "nda"


def test_no_label_under_the_threshold() -> None:
    res = classify([OTHER], LABELS, 0.2)
    assert res.label is None and res.score < 0.2
    assert classify([INVOICE], LABELS, 0.99).label is None  # a strict threshold refuses
    assert classify([INVOICE], [], 0.2).label is None


def test_description_alone_is_enough_without_keywords() -> None:
    labels = [
        ClassifierLabelSpec(name="purchase_order", description="Purchase order sent to a vendor"),
        ClassifierLabelSpec(name="payslip", description="Monthly salary payslip of an employee"),
    ]
    po = text_page("PURCHASE ORDER PO-77", "Vendor: Widgets Ltd", "Deliver by 3 March")
    scores = score_labels([po], labels)
    assert scores["purchase_order"] > scores["payslip"]
    assert classify([po], labels, 0.2).label == "purchase_order"


def test_fold_ignores_case_and_accents() -> None:
    assert fold("DÉSIGNATION Quantité") == "designation quantite"
