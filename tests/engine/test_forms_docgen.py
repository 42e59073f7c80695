"""Form key/value pairs read from generated PDFs (docgen): the layouts FUNSD forms use, as a
text layer gives them (positions in points on an A4 page, 12 pt text)."""

from __future__ import annotations

import pytest

import docgen
from extractions.engine.forms import pairs as kv
from extractions.engine.pipeline import read_pages
from extractions.engine.types import ExtractionOptions

# the rules (the engine's default): no learned linker model is loaded
pytestmark = pytest.mark.usefixtures("no_learned_models")


def form_pairs(*texts: tuple) -> list[tuple[str, str | None]]:
    pdf = docgen.build_pdf([list(texts)])
    pages = read_pages(pdf, ExtractionOptions())
    return [(p.key, p.value) for p in kv.extract_pairs(pages)]


def test_label_left_of_a_multi_word_value_and_above_its_value() -> None:
    got = form_pairs(
        (60, 100, "Project Name:"),
        (160, 100, "Coal retention analyses"),
        (60, 160, "Comments:"),
        (60, 176, "Forward to the quality council"),
    )
    assert ("Project Name", "Coal retention analyses") in got
    assert ("Comments", "Forward to the quality council") in got


def test_two_column_form_pairs_each_label_with_the_value_beside_it() -> None:
    got = form_pairs(
        (60, 100, "Date:"),
        (130, 100, "9/3/92"),
        (330, 100, "Group:"),
        (400, 100, "Licensee"),
        (60, 130, "Supervisor:"),
        (130, 130, "J. S. Wigand"),
        (330, 130, "Phone:"),
        (400, 130, "555-0101"),
    )
    assert ("Date", "9/3/92") in got and ("Group", "Licensee") in got
    assert ("Supervisor", "J. S. Wigand") in got and ("Phone", "555-0101") in got
    assert ("Date", "Licensee") not in got


def test_checkbox_row_options_with_a_tick() -> None:
    got = form_pairs(
        (60, 100, "Mailed by:"),
        (160, 100, "X"),
        (175, 100, "Certified Mail"),
        (300, 100, "Regular Mail"),
    )
    keys = {k for k, _ in got}
    assert "Mailed by" in keys
    assert any(v == "X" for _, v in got)


def test_every_figure_of_a_table_row_pairs_with_its_row_label() -> None:
    got = form_pairs(
        (60, 100, "Male"),
        (200, 100, "1.9"),
        (250, 100, "(104)"),
        (300, 100, "7.5"),
        (350, 100, "(101)"),
        (60, 120, "Female"),
        (200, 120, "5.0"),
        (250, 120, "(120)"),
        (300, 120, "7.0"),
        (350, 120, "(121)"),
    )
    assert [v for k, v in got if k == "Male"] == ["1.9", "(104)", "7.5", "(101)"]
    assert [v for k, v in got if k == "Female"] == ["5.0", "(120)", "7.0", "(121)"]


def test_figures_set_close_together_are_cells_but_a_date_and_a_phone_are_one_value() -> None:
    got = form_pairs(
        (60, 100, "Total"),
        (200, 100, "3.38 3.58 3.46"),
        (60, 140, "Date"),
        (200, 140, "March 25, 1968"),
        (60, 180, "Telex:"),
        (200, 180, "32 512 7890"),
    )
    assert [v for k, v in got if k == "Total"] == ["3.38", "3.58", "3.46"]
    assert ("Telex", "32 512 7890") in got
    assert all(v != "1968" for _, v in got)


def test_a_list_of_names_under_cc_are_all_its_values() -> None:
    got = form_pairs(
        (60, 100, "cc:"),
        (100, 120, "A. H. TISCH"),
        (260, 120, "G. R. TELFORD"),
        (100, 136, "R. H. ORCUTT"),
        (260, 136, "R. G. RYAN"),
        (100, 152, "M. A. PETERSON"),
    )
    assert ("cc", "A. H. TISCH") in got
    assert ("cc", "R. H. ORCUTT") in got and ("cc", "M. A. PETERSON") in got
    # the list goes on in a second column
    assert ("cc", "G. R. TELFORD") in got and ("cc", "R. G. RYAN") in got
    # names written by their initials are answers, never labels of their own
    assert all(not k.endswith(("TISCH", "ORCUTT", "PETERSON")) for k, _ in got)


def test_name_under_a_label_is_its_answer_and_never_a_label() -> None:
    got = form_pairs(
        (60, 100, "Submitted by:"),
        (60, 116, "W. O. Crain"),
        (60, 160, "Requested by:"),
        (60, 176, "Dr. H. J. Minnemeyer"),
    )
    assert ("Submitted by", "W. O. Crain") in got
    assert ("Requested by", "Dr. H. J. Minnemeyer") in got
    assert all(v is not None for _, v in got)


def test_a_label_cut_at_a_wide_gap_is_joined_before_its_colon() -> None:
    got = form_pairs(
        (60, 100, "OTHER"),
        (130, 100, "INFORMATION:"),
        (240, 100, "Sent by courier"),
        (60, 140, "Date"),
        (100, 140, "Requested:"),
        (240, 140, "2/22/91"),
    )
    assert ("OTHER INFORMATION", "Sent by courier") in got
    assert ("Date Requested", "2/22/91") in got


def test_a_date_printed_with_wide_gaps_is_one_value() -> None:
    got = form_pairs(
        (60, 100, "Date:"),
        (130, 100, "September"),
        (215, 100, "25,"),
        (255, 100, "1969"),
        (60, 140, "RECEIVED"),
        (160, 140, "APR"),
        (200, 140, "2"),
        (225, 140, "1984"),
    )
    assert ("Date", "September 25, 1969") in got
    assert all(k not in ("September", "APR") for k, _ in got)


def test_a_label_ending_on_a_connecting_word_goes_on_in_the_line_under_it() -> None:
    got = form_pairs(
        (60, 100, "EXTENT OF"),
        (60, 114, "DISTRIBUTION:"),
        (200, 114, "National"),
        (60, 160, "TYPE OF"),
        (60, 174, "PRODUCT:"),
    )
    assert ("EXTENT OF DISTRIBUTION", "National") in got
    assert ("TYPE OF PRODUCT", None) in got


def test_a_rule_of_dashes_and_a_date_after_a_label_end_the_label() -> None:
    got = form_pairs(
        (60, 100, "Written by -- John Bohlken"),
        (60, 140, "Date Submitted September 26, 1995"),
        (60, 180, "Comments: see the memo of September 11, 1989"),
    )
    assert ("Written by", "John Bohlken") in got
    assert ("Date Submitted", "September 26, 1995") in got
    assert ("Comments", "see the memo of September 11, 1989") in got


def test_rows_of_figures_under_a_section_label_keep_their_own_labels() -> None:
    got = form_pairs(
        (60, 100, "SEX:"),
        (60, 116, "Male"),
        (200, 116, "1.9"),
        (250, 116, "(104)"),
        (300, 116, "7.5"),
        (60, 132, "Female"),
        (200, 132, "5.0"),
        (250, 132, "(120)"),
        (300, 132, "7.0"),
    )
    assert ("SEX", "Male") not in got
    assert [v for k, v in got if k == "Male"] == ["1.9", "(104)", "7.5"]
    assert [v for k, v in got if k == "Female"] == ["5.0", "(120)", "7.0"]


def test_labels_led_by_a_bullet_dash() -> None:
    got = form_pairs(
        (60, 100, "- CIRCULATION"),
        (250, 100, "560,000"),
        (60, 120, "- COUPON EXPIRATION DATE"),
        (250, 120, "8/31/92"),
    )
    assert ("- CIRCULATION", "560,000") in got
    assert ("- COUPON EXPIRATION DATE", "8/31/92") in got


def test_figures_of_a_grid_pair_with_their_row_and_their_column_labels() -> None:
    got = form_pairs(
        (200, 76, "SCORE BASE"),
        (300, 76, "SCORE"),
        (350, 76, "BASE"),
        (60, 92, "SEX:"),
        (60, 100, "Male"),
        (200, 100, "1.9"),
        (250, 100, "(104)"),
        (300, 100, "7.5"),
        (350, 100, "(101)"),
        (60, 116, "Female"),
        (200, 116, "5.0"),
        (250, 116, "(120)"),
        (300, 116, "7.0"),
        (350, 116, "(121)"),
    )
    assert [v for k, v in got if k == "Male"] == ["1.9", "(104)", "7.5", "(101)"]
    assert sorted(v for k, v in got if k == "SCORE") == ["1.9", "5.0", "7.0", "7.5"]
    assert sorted(v for k, v in got if k == "BASE") == ["(101)", "(104)", "(120)", "(121)"]
