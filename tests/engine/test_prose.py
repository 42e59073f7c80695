"""Values stated in running text: contract dates, governing law, term and parties."""

from __future__ import annotations

import textwrap

import pytest

from extractions.engine.prose import facts as prose
from extractions.engine.types import PageContent, Word

CHAR_W = 0.0085
LINE_H = 0.014


def text_page(text: str, number: int = 1) -> PageContent:
    """A text-layer page: paragraphs wrapped at 100 characters, one word per Word."""
    words: list[Word] = []
    y = 0.05
    for para in textwrap.dedent(text).strip().split("\n\n"):
        for line in textwrap.wrap(" ".join(para.split()), 100):
            x = 0.08
            for token in line.split():
                w = len(token) * CHAR_W
                words.append(Word(token, number, x, y, x + w, y + LINE_H))
                x += w + CHAR_W
            y += LINE_H * 1.3
        y += LINE_H
    return PageContent(number=number, width=612, height=792, words=words)


SCHEMA = {
    "effective_date": {
        "type": ["string", "null"],
        "description": "Date the agreement takes effect",
    },
    "jurisdiction": {"type": ["string", "null"], "description": "State whose law governs"},
    "term": {"type": ["string", "null"], "description": 'Duration as "{number} {unit}"'},
    "parties": {"type": "array", "items": {"type": "string"}},
}

NDA = """
MUTUAL NON-DISCLOSURE AGREEMENT

This Mutual Non-Disclosure Agreement (the "Agreement") is made and entered into as of the 5th day
of November, 2004 by and between Acme Widgets, Inc., a Delaware corporation ("Acme"), and Blue
River Holdings LLC ("Blue River"). The parties refer to the Asset Purchase Agreement dated October
28, 2004 between Acme and a third party.

1. Term. This Agreement shall expire two (2) years from the date hereof. The obligations of
confidentiality shall survive for a period of three (3) years following the termination of this
Agreement.

2. Governing Law. This Agreement shall be governed by and construed in accordance with the laws of
the State of New York, without regard to conflicts of law principles. Blue River is organized
under the laws of Ontario.
"""


def _find(pages: list[PageContent], name: str):
    return prose.find_field(pages, name, SCHEMA[name])


def test_contract_facts_with_citations() -> None:
    pages = [text_page(NDA)]
    eff = _find(pages, "effective_date")
    assert eff is not None and eff.value == "2004-11-05"
    assert eff.page == 1 and "November," in eff.text and eff.confidence >= 0.5

    juris = _find(pages, "jurisdiction")
    assert juris is not None and juris.value == "New York"
    x0, y0, x1, y1 = juris.bbox
    assert 0 < x0 < x1 <= 1 and 0 < y0 < y1 <= 1

    term = _find(pages, "term")
    assert term is not None and term.value == "2 years"

    parties = prose.find_list(pages, "parties", SCHEMA["parties"])
    assert [c.value for c in parties] == ["Acme Widgets Inc.", "Blue River Holdings LLC"]


def test_no_cue_no_value() -> None:
    letter = text_page(
        """
        December 20, 2013

        Dear Sirs, we are pleased to send you the information you asked for. The obligations
        below remain in effect for a period of five years following the termination of our
        discussions. Our company is incorporated under the laws of Delaware.
        """
    )
    assert _find([letter], "effective_date") is None  # a letter date is not an effective date
    assert _find([letter], "term") is None  # a survival period counted from the end
    assert _find([letter], "jurisdiction") is None  # incorporation is not governing law
    assert prose.find_list([letter], "parties", SCHEMA["parties"]) == []


def test_other_agreements_dates_are_not_the_effective_date() -> None:
    page = text_page(
        """
        This Agreement by and between TechniScan Medical Systems, Inc. and The Anson Group, LLC
        shall terminate upon the termination of the General Consulting Agreement between the
        parties dated January 5, 2006.
        """
    )
    assert _find([page], "effective_date") is None
    assert [c.value for c in prose.find_list([page], "parties", SCHEMA["parties"])] == [
        "TechniScan Medical Systems Inc.",
        "The Anson Group LLC",
    ]


def test_signature_block_and_letter_addressee_fill_placeholders() -> None:
    intro = text_page(
        """
        This is a Non-Disclosure Agreement effective as of the date stated below, between
        SRI/Surgical Express, Inc., a Florida corporation (the "Company"), and the undersigned
        (the "Counterparty").
        """
    )
    signatures = text_page(
        """
        Accepted and Agreed as of 10 th October, 2011 by:

        "Counterparty" Name: Richard Steeves Title: Group CEO
        """,
        number=2,
    )
    pages = [intro, signatures]
    assert [c.value for c in prose.find_list(pages, "parties", SCHEMA["parties"])] == [
        "SRI/Surgical Express Inc.",
        "Richard Steeves",
    ]
    eff = _find(pages, "effective_date")
    assert eff is not None and eff.value == "2011-10-10" and eff.page == 2


def test_place_law_wording() -> None:
    page = text_page(
        "This Agreement shall be governed by Delaware law. Acme is a Texas corporation."
    )
    juris = _find([page], "jurisdiction")
    assert juris is not None and juris.value == "Delaware"
    english = text_page("This agreement is subject to English law and the courts of London.")
    assert _find([english], "jurisdiction").value == "England"


def test_normalize_value_of_labelled_text() -> None:
    assert prose.normalize_value("term", SCHEMA["term"], "two (2) years") == "2 years"
    assert prose.normalize_value("term", SCHEMA["term"], "is defined in the Agreement") is None
    eff = SCHEMA["effective_date"]
    assert prose.normalize_value("effective_date", eff, "August 3, 2004") == "2004-08-03"
    assert prose.normalize_value("effective_date", eff, "AND TERMINATION") is None
    juris = SCHEMA["jurisdiction"]
    assert prose.normalize_value("jurisdiction", juris, "the State of Delaware") == "Delaware"
    assert prose.normalize_value("jurisdiction", juris, "of employment.") is None


def test_field_kind_from_names_and_descriptions() -> None:
    assert prose.field_kind("governing_law", {}) == "jurisdiction"
    assert prose.field_kind("contract_parties", {}) == "parties"
    assert prose.field_kind("agreement_duration", {}) == "term"
    assert prose.field_kind("effective", {}) == "effective_date"
    assert (
        prose.field_kind("x1", {"description": "Date the agreement takes effect"})
        == "effective_date"
    )
    assert prose.field_kind("total", {"description": "Grand total"}) is None
    assert prose.find_field([text_page(NDA)], "total", {"type": "number"}) is None


def _parties(*texts: str) -> list[str]:
    pages = [text_page(t, number=i + 1) for i, t in enumerate(texts)]
    return [c.value for c in prose.find_list(pages, "parties", SCHEMA["parties"])]


def test_parties_defined_by_an_alias_without_between() -> None:
    assert _parties(
        """
        CONFIDENTIALITY AGREEMENT

        In connection with a possible transaction, Harbor Foods, Inc. (the "Recipient") and
        Orchard Restaurant Group Inc. (the "Company"), agree as follows:

        1. Evaluation Material. The Company and its advisers, including Pine & Company, Inc.
        ("Pine"), may furnish the Recipient with information.
        """
    ) == ["Harbor Foods Inc.", "Orchard Restaurant Group Inc."]  # not the adviser of section 1


def test_one_named_party_and_the_signing_individual() -> None:
    intro = """
        EMPLOYEE PROPRIETARY INFORMATION AGREEMENT

        The following agreement (the "Agreement") between Lakeside Wireless, Inc., a Delaware
        corporation (the "Company"), and the individual identified on the signature page
        ("Employee" or "I") is effective as of the first day of my employment.

        1. Confidential Information. I will hold the Company's information in confidence.
        """
    signed = """
        COMPANY: EMPLOYEE:

        By: /s/ Maria Lopez /s/ Daniel K. Brooks
        """
    assert _parties(intro, signed) == ["Lakeside Wireless Inc.", "Daniel K. Brooks"]
    blank = """
        COMPANY: EMPLOYEE:

        By: Name: Title:
        """
    assert _parties(intro, blank) == ["Lakeside Wireless Inc."]


def test_letter_agreement_names_its_addressee() -> None:
    assert _parties(
        """
        March 17, 2010

        Northgate Systems, Inc.

        27 Parkway Avenue

        Ladies and Gentlemen:

        In connection with your consideration of a possible transaction involving Redwood
        Technologies, Inc. or its subsidiaries (collectively, the "Company"), you have requested
        information.
        """
    ) == ["Redwood Technologies Inc.", "Northgate Systems Inc."]


def test_parties_heading_with_a_person() -> None:
    assert _parties(
        """
        COVENANT NOT TO COMPETE

        PARTIES: Jane Q. Public ("Employee") ACME, Inc., an Oregon corporation ("ACME")

        DATE: October 6, 1994
        """
    ) == ["Jane Q. Public", "ACME Inc."]


def test_a_us_contract_reads_its_numeric_signature_date_month_first() -> None:
    intro = text_page(
        """
        As an associate of Harbor Retail, Inc. (the "Company"), you will have access to
        confidential information. The Company was founded on March 4, 1989.
        """
    )
    signed = text_page("HARBOR RETAIL: ASSOCIATE: Date: 8/11/08 Date: 8/7/08", number=2)
    eff = _find([intro, signed], "effective_date")
    assert eff is not None and eff.value == "2008-08-11" and eff.page == 2
    assert prose.prose_order(["signed on 11 March 2008, paid 4/5/08"]) == "dmy"
    assert prose.prose_order(["paid 13/05/08 and 4/5/08"]) == "dmy"  # numbers decide


@pytest.mark.parametrize(
    "sentence",
    [
        "This Agreement shall be governed by and in accordance with the laws and public policies "
        "of the State of Delaware.",
        "This Agreement shall be governed by, and construed in accordance with, the internal law, "
        "and not the law of conflicts, of the State of Delaware, without regard to conflicts.",
        "Any dispute about the validity of this Agreement shall be resolved in accordance with "
        "the laws of the State of Delaware.",
    ],
)
def test_governing_law_wordings(sentence: str) -> None:
    juris = _find([text_page(sentence)], "jurisdiction")
    assert juris is not None and juris.value == "Delaware"


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        ("This Agreement shall, except as otherwise set forth herein, cease to be effective two "
         "years after the date hereof.", "2 years"),
        ("Your obligations under this agreement shall remain in effect for a period of two years "
         "from the date hereof.", "2 years"),
        ("This Agreement shall continue until the earlier of (i) closing and (ii) a period of "
         "twelve (12) months from the execution date of this Agreement.", "12 months"),
        # periods counted from the end of the term, or notice periods, are not the term
        ("During the term of this Agreement and for a period of one (1) year thereafter, "
         "Employee shall not solicit any employee.", None),
        ("During the term of this Agreement and for the ten (10) year period following my "
         "termination of service, I will hold the information in confidence.", None),
        ("This Agreement may be terminated upon thirty (30) days prior written notice to the "
         "other party.", None),
    ],
)  # fmt: skip
def test_term_wordings(sentence: str, term: str | None) -> None:
    found = _find([text_page(sentence)], "term")
    assert (found.value if found else None) == term


def test_a_defined_name_after_a_heading_and_with_two_suffixes() -> None:
    assert _parties(
        """
        NON-DISCLOSURE AGREEMENT Director and Above ACME CORPORATION and its subsidiaries
        (collectively, the "Company"), is headquartered in Cincinnati, Ohio. The employee
        ("Employee") entering into this Agreement agrees as follows:
        """
    ) == ["ACME CORPORATION"]
    assert _parties(
        """
        In connection with a possible transaction, Redwood Data Group Inc. and its affiliates
        (the "Company") and you agree as follows:
        """
    ) == ["Redwood Data Group Inc."]


def test_a_party_identified_below_is_read_from_its_label_on_the_signature_page() -> None:
    assert _parties(
        """
        This Mutual Nondisclosure Agreement is entered into by and between Gamma Software, Inc.
        ("Gamma") and the party identified below ("Counterparty").
        """,
        """
        Counterparty: Delta Partners LLP

        By: /s/ Jane Roe
        """,
    ) == ["Gamma Software Inc.", "Delta Partners LLP"]


def test_a_comma_list_of_parties_and_a_lower_case_legal_form() -> None:
    assert _parties(
        """
        This letter agreement is made among Orion Systems, Inc. (the "Company"), St. Clair J.
        Barrow & Company, L.L.C. ("Barrow") and the funds it advises.
        """
    ) == ["Orion Systems Inc.", "St. Clair J. Barrow & Company L.L.C."]
    assert _parties(
        """
        This Agreement is made by and between North Shore Coating, Inc. ("North Shore") and
        ZQX incorporated ("ZQX").
        """
    ) == ["North Shore Coating Inc.", "ZQX incorporated"]


def test_a_holding_name_with_an_ampersand_and_a_long_alias_clause() -> None:
    assert _parties(
        """
        This Agreement is entered into by and between NORDIC HOLDINGS & INVESTMENTS LIMITED,
        a company organized under the laws of Gibraltar ("Nordic"), and TELEMARK ASA ("Telemark").
        """
    ) == ["NORDIC HOLDINGS & INVESTMENTS LIMITED", "TELEMARK ASA"]
    assert _parties(
        """
        CONSULTING AND NON-DISCLOSURE AGREEMENT AND GENERAL RELEASE

        RIVER-STONE COMPANIES, INC., a Delaware corporation, its affiliates and subsidiaries (all of
        whom are collectively referred to throughout this Consulting and Non-Disclosure Agreement
        and General Release as "River-Stone"), and MARK T. HOLLOWAY ("Holloway") agree as follows:
        """
    ) == ["RIVER-STONE COMPANIES INC.", "MARK T. HOLLOWAY"]


def test_an_employees_letter_agreement_names_the_company_and_the_addressee() -> None:
    assert _parties(
        """
        Edward L. Mason

        8000 West Florissant Ave.

        Dear Ed:

        This Letter Agreement ("Agreement") sets out the terms of your retirement as an officer of
        Lindell Electric Co. Throughout this Agreement, the term "Lindell" means Lindell Electric
        Co. together with its subsidiaries.
        """
    ) == ["Lindell Electric Co.", "Edward L. Mason"]


def test_with_no_name_in_the_opening_the_signing_companies_are_the_parties() -> None:
    assert _parties(
        """
        CONFIDENTIALITY AGREEMENT

        The undersigned agree to keep the information exchanged in confidence.
        """,
        """
        IN WITNESS WHEREOF, the parties have signed this Agreement.

        ORION DATA SYSTEMS, INC.

        By: /s/ Jane Roe

        BLUEWATER PARTNERS LLC

        By: /s/ John Doe
        """,
    ) == ["ORION DATA SYSTEMS INC.", "BLUEWATER PARTNERS LLC"]


def test_an_adviser_defined_in_the_opening_is_not_a_party() -> None:
    assert _parties(
        """
        In connection with your consideration of a possible transaction involving Redwood
        Technologies, Inc. (collectively, the "Company"), you have requested information. The
        Company is being advised by Granite Key Partners LLC (together, "Granite Key").
        """
    ) == ["Redwood Technologies Inc."]


def test_an_officer_signing_for_the_company_is_not_the_individual_party() -> None:
    intro = """
        As a condition of your employment with Harbor Pharmacy, Inc. (the "Corporation"), you
        agree to the following:

        1. Confidential Information. You will keep the Corporation's information secret.
        """
    signed = """
        IN WITNESS WHEREOF, the undersigned has executed this Agreement.

        /s/ Lisa Morgan

        Chief Human Resources Officer

        Harbor Pharmacy, Inc.
        """
    assert _parties(intro, signed) == ["Harbor Pharmacy Inc."]


def test_two_named_companies_take_no_signer_as_a_third_party() -> None:
    assert _parties(
        """
        This Agreement is made by and between Harbor Foods, Inc. ("Harbor") and Orchard Group
        LLC ("Orchard"). Article I sets out what you may disclose.
        """,
        "/s/ Jane Roe\n\nChief Executive Officer",
    ) == ["Harbor Foods Inc.", "Orchard Group LLC"]
