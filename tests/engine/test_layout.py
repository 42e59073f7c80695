"""Words -> lines -> segments -> blocks, in reading order, on hand-placed words."""

from __future__ import annotations

from extractions.engine.layout import lines as layout
from extractions.engine.types import PageContent, Word

CHAR_W = 0.009
LINE_H = 0.016


def words_at(x: float, y: float, text: str, *, skew: float = 0.0, page: int = 1) -> list[Word]:
    """One phrase as words one space apart; ``skew`` moves each word down by that much per unit x."""
    out = []
    for token in text.split():
        w = len(token) * CHAR_W
        dy = skew * x
        out.append(Word(token, page, x, y + dy, x + w, y + dy + LINE_H, 0.9, "ocr"))
        x += w + CHAR_W
    return out


def page_of(*groups: list[Word]) -> PageContent:
    return PageContent(number=1, width=1000, height=1400, words=[w for g in groups for w in g])


def test_lines_in_reading_order_whatever_the_word_order() -> None:
    ws = words_at(0.1, 0.30, "Total due: 42.00") + words_at(0.1, 0.10, "ACME Trading Ltd")
    ws += words_at(0.1, 0.20, "12 Main Street")
    page = page_of(list(reversed(ws)))
    assert layout.page_text(page) == "ACME Trading Ltd\n12 Main Street\nTotal due: 42.00"


def test_skewed_scan_lines_stay_whole() -> None:
    # a photo taken at a slight angle: each line drifts down by 4 % of its width
    page = page_of(
        words_at(
            0.05, 0.100, "Invoice number INV-2024-0042 issued on the first of March", skew=0.04
        ),
        words_at(0.05, 0.140, "Customer reference 7788 for the spring order delivered", skew=0.04),
    )
    lay = layout.analyze_page(page)
    assert [ln.text for ln in lay.lines] == [
        "Invoice number INV-2024-0042 issued on the first of March",
        "Customer reference 7788 for the spring order delivered",
    ]


def test_segments_split_at_wide_gaps_only() -> None:
    page = page_of(words_at(0.1, 0.1, "Invoice No:"), words_at(0.6, 0.1, "INV-77 A"))
    (line,) = layout.analyze_page(page).lines
    assert [s.text for s in line.segments] == ["Invoice No:", "INV-77 A"]
    assert line.segments[1].x0 == 0.6
    assert line.segment_of(2).text == "INV-77 A"


def test_tokens_are_folded_and_map_back_to_words() -> None:
    page = page_of(words_at(0.1, 0.1, "Numéro:FA-12 Straße"))
    (line,) = layout.analyze_page(page).lines
    assert line.toks == ("numero", "fa", "12", "straße")
    # every token knows its word; character offsets index the original text
    s, e = line.tok_spans[0]
    assert line.text[s:e] == "Numéro"
    assert line.tok_word[0] == 0
    assert line.words_in(s, e)[0].text == "Numéro:FA-12"
    assert line.tok_word[-1] == 1


def test_overlapping_words_from_two_lines_are_not_merged() -> None:
    # two lines closer than one line height but clearly stacked
    a = Word("upper", 1, 0.10, 0.100, 0.20, 0.116)
    b = Word("lower", 1, 0.10, 0.109, 0.20, 0.125)
    lines = layout.build_lines([a, b], word_height=LINE_H)
    assert [ln.text for ln in lines] == ["upper", "lower"]


def test_two_columns_on_one_baseline_read_left_to_right() -> None:
    page = page_of(words_at(0.55, 0.1, "Date: 12/01/2024"), words_at(0.05, 0.1, "ACME Ltd"))
    assert layout.page_text(page) == "ACME Ltd Date: 12/01/2024"


def test_blocks_group_close_overlapping_lines() -> None:
    page = page_of(
        words_at(0.1, 0.10, "ACME Ltd"),
        words_at(0.1, 0.118, "1 Main St"),
        words_at(0.1, 0.30, "Total 5.00"),
    )
    blocks = layout.build_blocks(layout.analyze_page(page))
    assert [b.text for b in blocks] == ["ACME Ltd\n1 Main St", "Total 5.00"]


def test_empty_and_blank_pages() -> None:
    assert layout.page_text(PageContent(number=1, width=10, height=10)) == ""
    blank = PageContent(1, 10, 10, [Word(" ", 1, 0.1, 0.1, 0.2, 0.12)])
    assert layout.page_text(blank) == ""


def test_analysed_pages_are_reused_until_the_words_change() -> None:
    page = page_of(words_at(0.1, 0.1, "hello world"))
    first = layout.analyze_page(page)
    assert layout.analyze_page(page) is first
    page.words.extend(words_at(0.1, 0.3, "more"))
    again = layout.analyze_page(page)
    assert again is not first
    assert again.text() == "hello world\nmore"


def test_token_index_finds_lines_by_token() -> None:
    page = page_of(words_at(0.1, 0.1, "Sub Total 5.00"), words_at(0.1, 0.2, "Total 6.00"))
    idx = layout.analyze_page(page).token_index()
    assert idx["total"] == ((0, 1), (1, 0))
