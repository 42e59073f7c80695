"""Form key/value pairs on pages built from positioned words (as OCR or a text layer gives them)."""

from __future__ import annotations

import pytest

from extractions.engine.forms import cutting as form_cutting
from extractions.engine.forms import pairs as kv
from extractions.engine.forms import units as form_units
from extractions.engine.types import PageContent, Word

CHAR_W = 0.009


# the rules (the engine's default): no learned linker model is loaded
pytestmark = pytest.mark.usefixtures("no_learned_models")


LINE_H = 0.016


def page(*items: tuple, number: int = 1, confidence: float = 1.0) -> PageContent:
    """Words at (x, y): each item is one phrase, split into words one space apart.

    An item may carry a 4th element, its line height (default LINE_H).
    """
    words = []
    for x, y, text, *rest in items:
        h = rest[0] if rest else LINE_H
        for token in text.split():
            w = len(token) * CHAR_W
            words.append(Word(token, number, x, y, x + w, y + h, confidence, "ocr"))
            x += w + CHAR_W
    return PageContent(number=number, width=1000, height=1400, words=words, source="ocr")


def as_tuples(pairs) -> list[tuple[str, str | None]]:
    return [(p.key, p.value) for p in pairs]


def test_colon_labels_with_values_right_and_below_and_empty() -> None:
    p = page(
        (0.10, 0.10, "Date: 12/04/1987"),
        (0.55, 0.10, "Fax No.:"),
        (0.70, 0.10, "555-0199"),
        (0.10, 0.20, "Reasons:"),
        (0.10, 0.22, "Adjustment due to timing of projects."),
        (0.10, 0.30, "Approved By:"),
    )
    assert as_tuples(kv.extract_pairs([p])) == [
        ("Date", "12/04/1987"),
        ("Fax No.", "555-0199"),
        ("Reasons", "Adjustment due to timing of projects."),
        ("Approved By", None),
    ]


def test_stacked_values_repeat_the_key_and_citations_point_at_words() -> None:
    p = page(
        (0.10, 0.50, "cc:"),
        (0.20, 0.50, "S. Willinger"),
        (0.20, 0.52, "G. D. Raphael"),
        (0.20, 0.54, "V. Hansberry"),
        (0.60, 0.70, "Project No. 1987-113CA"),
        confidence=0.9,
    )
    pairs = kv.extract_pairs([p])
    assert as_tuples(pairs) == [
        ("cc", "S. Willinger"),
        ("cc", "G. D. Raphael"),
        ("cc", "V. Hansberry"),
        ("Project No.", "1987-113CA"),
    ]
    first = pairs[0]
    assert first.page == 1
    x0, y0, x1, y1 = first.value_bbox
    assert (round(x0, 3), round(y0, 3), round(y1, 3)) == (0.2, 0.5, 0.516)
    assert x1 > x0 + len("S. Willinger") * 0.5 * CHAR_W
    assert 0 < first.confidence <= 0.9


def test_label_without_colon_before_a_number_and_a_column_table() -> None:
    p = page(
        (0.10, 0.10, "Initiation Date 8/3/87"),
        (0.10, 0.30, "Supplier"),
        (0.40, 0.30, "Cost"),
        (0.60, 0.30, "Interview"),
        (0.10, 0.32, "Kapuler Research"),
        (0.40, 0.32, "$70,825"),
        (0.60, 0.32, "$47.22"),
        (0.10, 0.34, "Market Facts, Inc."),
        (0.40, 0.34, "$112,000"),
        (0.60, 0.34, "$74.67"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Initiation Date", "8/3/87") in got
    # Every cell is paired with its column header; text cells only where the row has numbers.
    assert ("Cost", "$70,825") in got and ("Cost", "$112,000") in got
    assert ("Interview", "$47.22") in got and ("Interview", "$74.67") in got
    assert ("Supplier", "Market Facts, Inc.") not in got or ("Supplier", "Kapuler Research") in got
    _pairs, tables = kv.analyze_form([p])
    assert tables and tables[0].headers == ["Supplier", "Cost", "Interview"]
    assert tables[0].rows[1]["Interview"] == "$74.67"


def test_ocr_glued_words_are_cut() -> None:
    p = page(
        (0.10, 0.10, "FAX NUMBER:_(405) 840-0639"),
        (0.10, 0.20, "DATE3/23/91"),
        (0.10, 0.30, "MARKETLakeland"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("FAX NUMBER", "(405) 840-0639") in got
    assert ("DATE", "3/23/91") in got
    glued = form_cutting.explode_words(p.words[-1:])
    assert [w.text for w in glued] == ["MARKET", "Lakeland"]
    assert glued[0].x1 == glued[1].x0 and glued[0].x0 == p.words[-1].x0


def test_prose_lines_are_not_pairs() -> None:
    p = page(
        (0.10, 0.10, "Please make the necessary arrangements for the visit of our team"),
        (0.10, 0.12, "and return this form to the office before the end of the month."),
    )
    assert kv.extract_pairs([p]) == []
    assert kv.extract_pairs([PageContent(1, 100, 100, [], source="empty")]) == []


def test_is_key_value_array() -> None:
    def item(**props: str) -> dict:
        return {"type": "object", "properties": {k: {"type": v} for k, v in props.items()}}

    assert kv.is_key_value_array(item(key="string", value="string"))
    assert kv.is_key_value_array(item(question="string", answer="string"))
    assert kv.is_key_value_array(item(label="string", value="string", page="integer"))
    assert not kv.is_key_value_array(item(description="string", amount="number"))
    assert not kv.is_key_value_array(item(key="string", value="number"))
    assert not kv.is_key_value_array({"type": "string"})
    # names a customer composes in any casing
    assert kv.is_key_value_array(item(label="string", filledValue="string"))
    assert kv.key_value_names(item(label="string", filledValue="string")) == (
        "label",
        "filledValue",
    )
    assert kv.key_value_names(item(field_label="string", field_value="string")) == (
        "field_label",
        "field_value",
    )
    assert kv.key_value_names(item(fieldName="string", answerText="string")) == (
        "fieldName",
        "answerText",
    )
    assert not kv.is_key_value_array(item(productName="string", unitPrice="string"))


def test_fill_key_value_array_items_citations_confidence() -> None:
    p = page((0.10, 0.10, "Name: Ada Lovelace"), (0.10, 0.20, "Signature:"))
    schema = {
        "type": "object",
        "properties": {
            "label": {"type": "string"},
            "answer": {"type": ["string", "null"]},
            "note": {"type": ["string", "null"]},
        },
    }
    items, cits, confs = kv.fill_key_value_array([p], schema)
    assert items == [
        {"label": "Name", "answer": "Ada Lovelace", "note": None},
        {"label": "Signature", "answer": None, "note": None},
    ]
    assert set(cits) == {"[0].label", "[0].answer", "[1].label"}
    assert cits["[0].answer"].text == "Ada Lovelace" and cits["[0].answer"].page == 1
    assert set(confs) == set(cits) and all(0 < c <= 1 for c in confs.values())


def test_value_next_to_its_own_label_is_not_taken_by_a_label_above() -> None:
    p = page(
        (0.20, 0.10, "Department"),
        (0.10, 0.125, "Date:"),
        (0.20, 0.125, "6-29-94"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Date", "6-29-94") in got
    assert ("Department", "6-29-94") not in got


def test_typed_answer_slightly_off_the_label_baseline() -> None:
    h = 0.02
    p = page(
        (0.10, 0.30, "POPULATION", h),
        (0.25, 0.30, "400,400", h),
        (0.10, 0.35, "OPERATOR.", h),
        (0.20, 0.35 - 0.0115, "The Lamar Corp.", h),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("OPERATOR", "The Lamar Corp.") in got
    assert ("POPULATION", "400,400") in got


def test_ocr_glue_between_label_and_answer_ends_the_label() -> None:
    p = page(
        (0.10, 0.10, "MARKETLakeland Metro Market"),
        (0.10, 0.20, "Division(s) to be contactedBoston"),
        (0.10, 0.30, "Final Report Due 11/16New Balance: (872,055.53)"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("MARKET", "Lakeland Metro Market") in got
    assert ("Division(s) to be contacted", "Boston") in got
    assert ("New Balance", "(872,055.53)") in got


def test_full_stop_read_for_a_colon_and_names_ending_with_an_abbreviation() -> None:
    p = page(
        (0.10, 0.10, "Water Treatment:"),
        (0.10, 0.14, "Housekeeping/Cleaning:"),
        (0.10, 0.18, "Other."),
        (0.10, 0.30, "Brand."),
        (0.19, 0.30, "Misty"),
        (0.30, 0.30, "FULL INSPECTION."),
        (0.50, 0.30, "SPOT CHECK"),
        (0.10, 0.40, "Facility:"),
        (0.10, 0.42, "The Lamar Corp."),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Housekeeping/Cleaning", None) in got
    assert ("Other", None) in got
    assert ("Brand", "Misty") in got
    assert ("FULL INSPECTION", None) in got and ("SPOT CHECK", None) in got
    assert ("Facility", "The Lamar Corp.") in got


def test_bracketed_qualifier_after_the_colon_belongs_to_the_label() -> None:
    p = page(
        (0.10, 0.10, "Advance Registration Fee: (prior to August 10)"),
        (0.70, 0.10, "$ 170.00"),
        (0.10, 0.20, "FAX TELEPHONE NUMBER: (904) 464-0744"),
        (0.10, 0.30, "DESIGN ON DISPLAY: (Condition of Copy)"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Advance Registration Fee: (prior to August 10)", "$ 170.00") in got
    assert ("FAX TELEPHONE NUMBER", "(904) 464-0744") in got
    assert ("DESIGN ON DISPLAY", "(Condition of Copy)") in got


def test_heading_in_capitals_over_a_typed_answer() -> None:
    p = page(
        (0.30, 0.05, "CITY OF SPRINGFIELD CHEMICAL PLAN"),
        (0.40, 0.07, "1993 INVENTORY"),
        (0.13, 0.20, "STORAGE RECOMMENDATIONS"),
        (0.18, 0.22, "Refrigerate in amber glass bottle at no more than 8 C"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert (
        "STORAGE RECOMMENDATIONS",
        "Refrigerate in amber glass bottle at no more than 8 C",
    ) in got
    assert all(k != "CITY OF SPRINGFIELD CHEMICAL PLAN" or v is None for k, v in got)


def test_label_wrapped_on_two_lines_is_one_key_but_a_list_is_not() -> None:
    p = page(
        (0.50, 0.30, "AVERAGE DAILY"),
        (0.70, 0.30, "218,499"),
        (0.50, 0.318, "EFFECTIVE CIRCULATION"),
        (0.10, 0.50, "Date"),
        (0.10, 0.53, "Date"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("AVERAGE DAILY EFFECTIVE CIRCULATION", "218,499") in got
    assert got.count(("Date", None)) == 2


def test_grid_headers_with_brackets_and_text_cells() -> None:
    p = page(
        (0.10, 0.30, "Supplier"),
        (0.40, 0.30, "Cost ($)"),
        (0.60, 0.30, "Total Cost"),
        (0.10, 0.33, "Kapuler Research"),
        (0.40, 0.33, "$70,825"),
        (0.60, 0.33, "$74,000"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Supplier", "Kapuler Research") in got
    assert ("Cost ($)", "$70,825") in got and ("Total Cost", "$74,000") in got


def test_label_value_cut_depends_on_what_precedes_the_segment() -> None:
    p = page(
        (0.05, 0.10, "Field Start"),
        (0.28, 0.10, "Aug. 1984"),
        (0.05, 0.20, "cc:"),
        (0.20, 0.20, "S. Willinger"),
        (0.53, 0.20, "Project No. 1987-113CA"),
        (0.10, 0.30, "DATE 11/4/93"),
        (0.44, 0.30, "TIME 3:28 CST"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Field Start", "Aug. 1984") in got
    assert ("Project No.", "1987-113CA") in got
    assert ("DATE", "11/4/93") in got and ("TIME", "3:28 CST") in got


def test_form_words_survive_one_ocr_error() -> None:
    assert form_units.is_label_word("SGNATURE") and form_units.is_label_word("Telephone:")
    assert form_units.is_label_word("#") and not form_units.is_label_word("FORM")
    assert not form_units.is_label_word("Lakeland")


def test_answer_under_a_colon_label_is_not_a_label_of_the_far_right_number() -> None:
    p = page(
        (0.14, 0.15, "Facility:"),
        (0.71, 0.15, "Permit #:"),
        (0.21, 0.17, "American Tobacco Company"),
        (0.80, 0.17, "0001"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Facility", "American Tobacco Company") in got
    assert ("Permit #", "0001") in got


def test_label_and_answer_told_apart_by_their_lettering() -> None:
    p = page(
        (0.46, 0.10, "Account Name CAPRI"),
        (0.11, 0.20, "PROJECT LEADER Williams/Giordano TOTAL BUDGET"),
        (0.24, 0.30, "First"),
        (0.40, 0.30, "Middle"),
        (0.55, 0.30, "Last"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Account Name", "CAPRI") in got
    assert ("PROJECT LEADER", "Williams/Giordano") in got and ("TOTAL BUDGET", None) in got
    assert ("First", None) in got and ("Middle", None) in got
    assert all(v is None for k, v in got if k in ("First", "Middle", "Last"))


def test_options_listed_under_a_colon_label_are_all_its_answers() -> None:
    p = page(
        (0.23, 0.54, "NO DOCUMENTS WERE FOUND WITHIN THE ORIGINAL:"),
        (0.41, 0.57, "FILE FOLDER"),
        (0.41, 0.60, "HANGING FILE"),
        (0.41, 0.63, "ENVELOPE"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    key = "NO DOCUMENTS WERE FOUND WITHIN THE ORIGINAL"
    assert got == [(key, "FILE FOLDER"), (key, "HANGING FILE"), (key, "ENVELOPE")]


def test_lone_centred_line_is_a_section_heading() -> None:
    p = page(
        (0.10, 0.10, "Please return this form to the office before the end of the month"),
        (0.34, 0.20, "CHEMICAL USAGE"),
        (0.10, 0.25, "ANNUAL USAGE:"),
        (0.35, 0.25, "74880"),
        (0.10, 0.30, "Comments"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("ANNUAL USAGE", "74880") in got and ("Comments", None) in got
    assert all(k != "CHEMICAL USAGE" for k, _v in got)


def test_answer_wrapping_back_under_its_label_gives_one_pair_per_line() -> None:
    p = page(
        (0.11, 0.20, "GENERAL PROJECT DESCRIPTION True 100's, Regular and Menthol tar"),
        (0.11, 0.218, "reduction to the range of 8-10mg. tar. Variations to be: 1) Same taste"),
        (0.11, 0.236, "characteristics as current product."),
        (0.39, 0.30, "Magazines: People, Rolling Stone,"),
        (0.39, 0.318, "Mademoiselle, New York Magazine"),
        (0.11, 0.40, "DATE 11/4/93"),
        (0.11, 0.418, "The following document, including cover page, is 3 pages long."),
    )
    got = as_tuples(kv.extract_pairs([p]))
    key = "GENERAL PROJECT DESCRIPTION"
    assert (key, "True 100's, Regular and Menthol tar") in got
    assert (key, "reduction to the range of 8-10mg. tar. Variations to be: 1) Same taste") in got
    assert (key, "characteristics as current product.") in got
    assert ("Magazines", "Mademoiselle, New York Magazine") in got
    assert ("DATE", "11/4/93") in got and len([k for k, _ in got if k == "DATE"]) == 1
    assert all(k != "tar. Variations to be" for k, _ in got)


def test_paragraphs_under_a_label_with_an_instruction() -> None:
    p = page(
        (0.08, 0.49, "COMMENTS: (Description of Location or Rotary Plan)"),
        (0.07, 0.51, "This is a comparatively easy market to cover. It is less than an hour"),
        (0.07, 0.525, "from the airport and no changes were made."),
        (0.07, 0.56, "The only other tobacco in the market was a panel currently showing"),
        (0.07, 0.575, "Camel."),
        (0.08, 0.70, "INSPECTION BY:"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert got == [
        ("COMMENTS", "(Description of Location or Rotary Plan)"),
        (
            "COMMENTS",
            "This is a comparatively easy market to cover. It is less than an hour "
            "from the airport and no changes were made.",
        ),
        ("COMMENTS", "The only other tobacco in the market was a panel currently showing Camel."),
        ("INSPECTION BY", None),
    ]


def test_ticks_are_answers_of_the_option_before_them() -> None:
    p = page(
        (0.10, 0.10, "Yes x No"),
        (0.10, 0.20, "Hotel/Motel reservations needed xX"),
        (0.54, 0.30, "A.D.M._Sales RepresentativeX"),
        (0.10, 0.40, "Signature Cuaex"),
        (0.10, 0.50, "Method of travel: Air XAuto"),
        (0.10, 0.60, "Transport: Rail X_ Coach"),
        (0.05, 0.70, "part of supplier, New Balance:"),
        (0.68, 0.70, "(452,408.08)"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Yes", "x") in got and ("No", None) in got
    assert ("Hotel/Motel reservations needed", "xX") in got
    assert ("A.D.M. Sales Representative", "X") in got
    assert all(v != "x" for k, v in got if k.startswith("Signature"))
    assert ("Auto", None) in got and ("Coach", None) in got
    assert ("New Balance", "(452,408.08)") in got


def test_fax_transmission_line_at_the_top_is_not_a_field() -> None:
    p = page(
        (0.07, 0.03, "06/29/94 08:25 81"),
        (0.45, 0.03, "LORILLARD 25 JAX SALES"),
        (0.07, 0.30, "DATE:"),
        (0.20, 0.30, "6-29-94"),
    )
    assert as_tuples(kv.extract_pairs([p])) == [("DATE", "6-29-94")]


def test_a_year_may_qualify_a_label() -> None:
    p = page(
        (0.15, 0.55, "1993 ANNUAL USAGE (LBS.):"),
        (0.39, 0.57, "74880"),
        (0.15, 0.59, "1993 AVG. MONTHLY USAGE (LBS.) 6240"),
        (0.10, 0.70, "cc:"),
        (0.22, 0.70, "G. D. Raphael"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("1993 AVG. MONTHLY USAGE (LBS.)", "6240") in got
    assert ("1993 ANNUAL USAGE (LBS.)", "74880") in got
    assert ("cc", "G. D. Raphael") in got


def test_bracketed_note_under_a_label() -> None:
    p = page(
        (0.12, 0.48, "This Change:"),
        (0.41, 0.48, "+14,165.00"),
        (0.12, 0.498, "(From Current Budget)"),
        (0.12, 0.53, "THIS AMOUNT"),
        (0.33, 0.53, "200.00"),
        (0.12, 0.548, "(From Next Year's Budget)"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("This Change: (From Current Budget)", "+14,165.00") in got
    assert ("THIS AMOUNT", "200.00") in got and ("(From Next Year's Budget)", None) in got


def test_phrase_leading_into_labels_is_a_header() -> None:
    p = page(
        (0.19, 0.33, "PLEASE TRANSMIT THIS DOCUMENT TO:"),
        (0.19, 0.37, "NAME:"),
        (0.30, 0.37, "Mr. A. J. Giacoio"),
        (0.19, 0.41, "Approved By:"),
        (0.19, 0.45, "Date:"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert got == [("NAME", "Mr. A. J. Giacoio"), ("Approved By", None), ("Date", None)]


def test_labels_lettered_alike_are_not_each_others_answers() -> None:
    p = page(
        (0.60, 0.50, "YEAR FOUR"),
        (0.72, 0.50, "YEAR FIVE"),
        (0.72, 0.53, "UNITS"),
        (0.10, 0.60, "SIGNATURE Amelin Poole"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("YEAR FOUR", None) in got and ("YEAR FIVE", None) in got
    assert ("SIGNATURE", "Amelin Poole") in got


def test_text_under_a_label_with_a_short_answer_is_not_its_paragraph() -> None:
    p = page(
        (0.18, 0.40, "Reference: BC20-48"),
        (0.18, 0.42, "B164 is insoluble according: to this procedure"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert got == [("Reference", "BC20-48")]


def test_colon_set_apart_by_ocr_still_ends_the_label() -> None:
    p = page((0.10, 0.20, "AMOUNT OF CHANGE"), (0.30, 0.20, ":"), (0.45, 0.20, "+1,000"))
    assert as_tuples(kv.extract_pairs([p])) == [("AMOUNT OF CHANGE", "+1,000")]


def test_ocr_variants_of_the_same_form_read_alike() -> None:
    # The same fields as other tests, as another OCR run reads them: no colon after
    # "Permit #", a space in "MARKET Lakeland", glue in "LEADERWilliams", a speck by a title.
    p = page(
        (0.05, 0.066, "d"),
        (0.38, 0.07, "PROJECT STATUS REPORT"),
        (0.10, 0.10, "Please return this form to the office before the end of the month, thanks"),
        (0.14, 0.15, "Facility:"),
        (0.71, 0.15, "Permit #"),
        (0.21, 0.17, "American Tobacco Company"),
        (0.80, 0.17, "0001"),
        (0.07, 0.25, "MARKET Lakeland Metro Market"),
        (0.11, 0.30, "PROJECT LEADERWilliams/Giordano TOTAL BUDGET"),
        (0.14, 0.40, "Telephone:"),
        (0.39, 0.40, "Area Code:"),
        (0.42, 0.42, "Monday (Y/N)."),
        (0.57, 0.42, "Tuesday (Y/N)"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Facility", "American Tobacco Company") in got and ("Permit #", "0001") in got
    assert ("MARKET", "Lakeland Metro Market") in got
    assert ("PROJECT LEADER", "Williams/Giordano") in got and ("TOTAL BUDGET", None) in got
    assert ("Area Code", None) in got and ("Tuesday (Y/N)", None) in got
    assert all(k != "PROJECT STATUS REPORT" for k, _ in got)


def test_sentences_and_broken_words_are_not_labels() -> None:
    p = page(
        (0.06, 0.91, "IF ANY OF THESE PAGES ARE NOT LEGIBLE OR YOU DO NOT RECEIVE ALL OF"),
        (0.06, 0.93, "THIS TRANSMISSION, PLEASE CALL (904) 464-0800 AS SOON AS POSSIBLE."),
        (0.29, 0.50, "Com-"),
    )
    assert kv.extract_pairs([p]) == []


def test_grid_cells_lettered_unlike_their_column_label_are_answers() -> None:
    p = page(
        (0.10, 0.40, "RECIPIENT"),
        (0.30, 0.40, "COMPANY"),
        (0.50, 0.40, "FAX NO."),
        (0.70, 0.40, "PHONE NO."),
        (0.10, 0.43, "John Mulderig"),
        (0.30, 0.43, "Philip Morris"),
        (0.50, 0.43, "917-663-5796"),
        (0.70, 0.43, "917-663-3056"),
        (0.10, 0.46, "Gregory Little"),
        (0.30, 0.46, "Acme Tools"),
        (0.50, 0.46, "917-663-5979"),
        (0.70, 0.46, "917-663-3077"),
    )
    # two typed figures make the rows answers; the names count because they are lettered
    # unlike the capitals of their column labels
    got = as_tuples(kv.extract_pairs([p]))
    assert ("RECIPIENT", "John Mulderig") in got and ("RECIPIENT", "Gregory Little") in got
    assert ("COMPANY", "Acme Tools") in got and ("FAX NO.", "917-663-5979") in got


def test_ticked_options_under_column_labels_are_not_a_grid() -> None:
    p = page(
        (0.10, 0.40, "REQUEST TYPE"),
        (0.40, 0.40, "PRIORITY"),
        (0.07, 0.43, "X"),
        (0.10, 0.43, "1. Enhancement"),
        (0.40, 0.43, "Immediate"),
        (0.10, 0.46, "2. Maintenance"),
        (0.37, 0.46, "X"),
        (0.40, 0.46, "High"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("PRIORITY", "Immediate") not in got and ("PRIORITY", "High") not in got


def test_answers_beside_a_column_of_labels_are_taken_however_they_are_lettered() -> None:
    p = page(
        (0.04, 0.50, "Labels"),
        (0.16, 0.50, "White"),
        (0.04, 0.53, "Closures"),
        (0.16, 0.53, "Blue"),
        (0.04, 0.56, "Tear Tape"),
        (0.16, 0.56, "Red"),
        # a second column of options further off is not a column of answers
        (0.40, 0.70, "OFFICIAL"),
        (0.70, 0.70, "TEMPORARY"),
        (0.40, 0.73, "PERSONAL"),
        (0.70, 0.73, "RECORDED"),
        (0.40, 0.76, "ARCHIVED"),
        (0.70, 0.76, "DELETED"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Labels", "White") in got and ("Closures", "Blue") in got
    assert ("Tear Tape", "Red") in got
    assert ("OFFICIAL", "TEMPORARY") not in got and ("PERSONAL", "RECORDED") not in got


def test_a_measure_then_the_next_label_in_one_segment_are_cut() -> None:
    p = page(
        (0.09, 0.30, "Rod Length"),
        (0.46, 0.30, "84 mm Total Weight 974 mg"),
        (0.09, 0.40, "Address"),
        (0.46, 0.40, "12 Main Street"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Rod Length", "84 mm") in got and ("Total Weight", "974 mg") in got
    assert ("Address", "12 Main Street") in got


def test_answer_lettered_like_its_label_but_typed_close_after_it() -> None:
    p = page(
        (0.10, 0.30, "Subject"),
        (0.20, 0.30, "L&M Lawsuit"),
        (0.10, 0.40, "First"),
        (0.19, 0.40, "Middle"),
        (0.30, 0.40, "Last"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Subject", "L&M Lawsuit") in got
    assert ("First", "Middle") not in got


def test_sentence_tail_on_a_line_of_its_own_is_not_an_empty_field() -> None:
    p = page(
        (0.10, 0.30, "Two copies of this form are to be returned with one"),
        (0.10, 0.318, "completed copy."),
        (0.10, 0.40, "Signature"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("completed copy.", None) not in got and ("completed copy", None) not in got
    assert ("Signature", None) in got


def test_note_in_brackets_alone_is_not_an_empty_field() -> None:
    p = page(
        (0.40, 0.20, "(Indicate N/A If Not Applicable)"),
        (0.10, 0.30, "Brand:"),
        (0.25, 0.30, "Kent"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Brand", "Kent") in got
    assert all(not k.startswith("(") for k, _ in got)


def test_options_listed_one_per_line_are_not_one_wrapped_label() -> None:
    p = page(
        (0.10, 0.400, "Product List"),
        (0.28, 0.400, "x"),
        (0.10, 0.418, "Packaging Detail"),
        (0.10, 0.436, "Processing Detail"),
        (0.10, 0.454, "Blend Formulae"),
    )
    got = as_tuples(kv.extract_pairs([p]))
    assert ("Product List", "x") in got
    assert ("Packaging Detail", None) in got
