"""Shortcuts taken for speed give exactly what the general paths give."""

from __future__ import annotations

import functools
import gc
import random
import threading

import pytest

from extractions.engine import gc_pause
from extractions.engine.fields import meanings, scalars
from extractions.engine.layout import lines as layout
from extractions.engine.layout.index import DocIndex
from extractions.engine.lexicon.columns import COLUMN_WORDS
from extractions.engine.types import PageContent, Word
from extractions.engine.values import amounts, text


def _general(text: str, decimal: str | None) -> list[tuple[int, int, str, float, int, str | None]]:
    # a leading space never changes what is read, and keeps the text off the fast path
    return [
        (a.start - 1, a.end - 1, a.text, a.value, a.decimals, a.currency)
        for a in amounts.find_amounts(" " + text, decimal)
    ]


@pytest.mark.parametrize(
    "text", ["7", "007", "12.5", "155.42", "0,75", "2,331.30", "1.234,56", "12,345,678.9"]
)
def test_plain_number_cells_read_as_the_general_path_reads_them(text: str) -> None:
    for decimal in (None, ".", ","):
        fast = amounts.find_amounts(text, decimal)
        assert len(fast) == 1
        a = fast[0]
        assert [(a.start, a.end, a.text, a.value, a.decimals, a.currency)] == _general(
            text, decimal
        )


@pytest.mark.parametrize("text", ["1,234", "1.234", "1 234,50", "12%", "１２", "12.345.6", "-5"])
def test_numbers_whose_reading_depends_on_context_take_the_general_path(text: str) -> None:
    assert amounts._simple_amount(text) is None


def test_fast_amounts_match_the_general_path_on_random_texts() -> None:
    rng = random.Random(7)
    alphabet = "0123456789" * 4 + ".,' -()€$%a\u00a0"
    checked = 0
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
        for decimal in (None, ".", ","):
            got = amounts.find_amounts(text, decimal)
            if amounts._simple_amount(text) is None:
                continue
            checked += 1
            assert [
                (a.start, a.end, a.text, a.value, a.decimals, a.currency) for a in got
            ] == _general(text, decimal), text
    assert checked > 1000


def _labelled_pages(n: int) -> list[PageContent]:
    pages = []
    for i in range(n):
        words = [
            Word("Invoice", i + 1, 0.1, 0.1, 0.2, 0.12),
            Word("No:", i + 1, 0.21, 0.1, 0.25, 0.12),
            Word(f"INV-{100 + i}", i + 1, 0.3, 0.1, 0.4, 0.12),
        ]
        pages.append(PageContent(number=i + 1, width=600, height=800, words=words))
    return pages


def test_a_label_repeated_on_every_page_gives_the_first_page_value() -> None:
    doc = DocIndex(_labelled_pages(30))
    meaning = meanings.recognise("invoice_number", "", "", [], [])
    q = scalars.query_for("invoice_number", "invoice_number", "id", meaning, {}, [])
    f = scalars.find_labelled(doc, q, "id")
    assert f is not None and f.value == "INV-100" and f.page == 1
    assert [doc.position(lay) for lay in doc.layouts] == list(range(30))


def test_gc_pause_nests_and_restores_the_collector() -> None:
    assert gc.isenabled()
    with gc_pause.cyclic_gc_paused():
        assert not gc.isenabled()
        with gc_pause.cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()

    # another thread inside a pause keeps it until the last one leaves
    inside, leave = threading.Event(), threading.Event()

    def worker() -> None:
        with gc_pause.cyclic_gc_paused():
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    with gc_pause.cyclic_gc_paused():
        pass
    assert not gc.isenabled()
    leave.set()
    t.join(5)
    assert gc.isenabled()


def test_gc_pause_holder_can_step_out_and_back_in() -> None:
    with gc_pause.cyclic_gc_paused() as pause:
        pause.exit()  # around an OCR page
        pause.exit()  # twice is harmless
        assert gc.isenabled()
        pause.enter()
        pause.enter()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_extract_restores_the_collector_after_text_pdfs_images_and_errors() -> None:
    import docgen
    from extractions.engine import EngineError, extract

    data, _ = docgen.invoice_pdf(2, seed=1, rows_per_page=3)
    assert extract(data, docgen.INVOICE_SCHEMA).data["lines"]
    assert gc.isenabled()
    with pytest.raises(EngineError):
        extract(b"not a document at all", docgen.INVOICE_SCHEMA)
    assert gc.isenabled()


def test_gc_pause_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with gc_pause.cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_released_layouts_are_freed_without_the_collector() -> None:
    def live_lines() -> int:
        # ``type(o) is``, not isinstance: a dead weak proxy left by another test raises
        # ReferenceError on isinstance.
        return sum(1 for o in gc.get_objects() if type(o) is layout.Line)

    pages = _labelled_pages(3)
    gc.collect()
    gc.disable()
    try:
        before = live_lines()
        for p in pages:
            assert layout.analyze_page(p).lines[0].segments
        assert live_lines() == before + 3
        layout.release_layouts(pages)
        assert all(p.cache is None for p in pages)
        assert live_lines() == before  # freed by reference counting alone
    finally:
        gc.enable()


def test_folding_by_table_matches_char_by_char_folding() -> None:
    texts = ["Numéro: FA-12 Straße", "ÉTÉ Œuvre ﬁn", "İstanbul Ǆ ½ №5", "naïve café 東京 ８"]
    for t in texts:
        assert text.fold_same_length(t) == "".join(text._fold_char(c) for c in t)
        assert len(text.fold_same_length(t)) == len(t)


def test_token_positions_are_worked_out_on_first_use() -> None:
    page = PageContent(
        number=1,
        width=600,
        height=800,
        words=[Word("Total:", 1, 0.1, 0.1, 0.2, 0.12), Word("12,50", 1, 0.3, 0.1, 0.4, 0.12)],
    )
    (line,) = layout.analyze_page(page).lines
    assert line.toks == ("total", "12", "50")
    assert line._tok_word is None
    assert line.tok_word == (0, 1, 1)
    assert line.tok_spans == ((0, 5), (7, 9), (10, 12))


def test_possible_header_concepts_cover_what_clustering_finds() -> None:
    from extractions.engine.tables import rows as tables

    rng = random.Random(3)
    names = [n for words in COLUMN_WORDS.values() for n in words]
    for _ in range(300):
        header = rng.sample(names, rng.randint(1, 5))
        words, x = [], 0.02
        for name in header:
            for token in name.split():
                words.append(Word(token.title(), 1, x, 0.2, x + 0.01 * len(token), 0.215))
                x += 0.01 * len(token) + 0.008
            x += 0.05
        lay = layout.analyze_page(PageContent(number=1, width=600, height=800, words=words))
        band = lay.lines
        found = {c.concept for c in tables._cluster_band(band, lay, {}) if c.concept}
        assert found <= tables._possible_concepts(band, {}), header


def _reference_lines(ws: list[Word], word_height: float) -> list[list[Word]]:
    """The line grouping loop as first written (attribute lookups, nearest word always
    sought): the optimised one must group every word the same way."""
    ws = sorted(ws, key=lambda w: (w.y0 + w.y1, w.x0))
    open_lines: list[list[Word]] = []
    open_cy: list[float] = []
    open_x1: list[float] = []
    done: list[list[Word]] = []
    close_gap = 1.5 * word_height
    for w in ws:
        wcy = (w.y0 + w.y1) / 2
        wh = max(w.y1 - w.y0, word_height * 0.5)
        if open_lines and wcy - min(open_cy) > close_gap:
            keep = [i for i, c in enumerate(open_cy) if wcy - c <= close_gap]
            done.extend(ln for i, ln in enumerate(open_lines) if wcy - open_cy[i] > close_gap)
            open_lines = [open_lines[i] for i in keep]
            open_cy = [open_cy[i] for i in keep]
            open_x1 = [open_x1[i] for i in keep]
        best, best_d = -1, 0.0
        for i, ln in enumerate(open_lines):
            ref = ln[-1]
            d = abs(wcy - (ref.y0 + ref.y1) / 2)
            if d > 0.3 * wh and len(ln) > 1:
                best_dx = 2.0
                for o in ln[-8:]:
                    dx = abs(o.x0 - w.x0)
                    if dx < best_dx:
                        best_dx, ref = dx, o
                d = abs(wcy - (ref.y0 + ref.y1) / 2)
            rh = max(ref.y1 - ref.y0, word_height * 0.5)
            if d > 0.45 * min(wh, rh) + 0.1 * word_height:
                continue
            if best >= 0 and d >= best_d:
                continue
            if w.x0 < open_x1[i] - 0.5 * (w.x1 - w.x0) and layout._overlaps_x(ln, w):
                continue
            best, best_d = i, d
        if best < 0:
            open_lines.append([w])
            open_cy.append(wcy)
            open_x1.append(w.x1)
        else:
            open_lines[best].append(w)
            open_cy[best] = max(open_cy[best], wcy)
            open_x1[best] = max(open_x1[best], w.x1)
    done.extend(open_lines)
    return done


@pytest.mark.parametrize("seed", range(12))
def test_line_grouping_matches_the_reference_loop(seed: int) -> None:
    rng = random.Random(seed)
    words = []
    for row in range(rng.randint(3, 30)):
        y = 0.05 + row * rng.uniform(0.012, 0.03)
        x = rng.uniform(0.02, 0.1)
        skew = rng.choice([0.0, 0.0, rng.uniform(-0.05, 0.05)])
        flat = rng.random() < 0.5  # a text layer (one top/bottom per line) or a scan
        for _ in range(rng.randint(1, 14)):
            w = rng.uniform(0.02, 0.09)
            dy = skew * x + (0.0 if flat else rng.uniform(-0.003, 0.003))
            h = 0.013 if flat else rng.uniform(0.008, 0.02)
            words.append(Word("w", 1, x, y + dy, x + w, y + dy + h))
            x += w + rng.uniform(0.003, 0.06)
            if x > 0.95:
                break
    rng.shuffle(words)
    wh, _ = layout._unit_sizes(words)
    got = layout._build_lines(words, wh)
    want = _reference_lines(words, wh)

    def groups(lines: list[list[Word]]) -> list[tuple[int, ...]]:
        return sorted(tuple(sorted(map(id, ln))) for ln in lines)

    assert groups([ln.words for ln in got]) == groups(want)


def test_schema_plans_are_reused_and_follow_schema_changes() -> None:
    import copy

    from extractions.engine.parsing import fill as parsing
    from extractions.engine.parsing.fill import fill_schema
    from extractions.engine.tables import headers

    page = PageContent(
        number=1,
        width=600,
        height=800,
        words=[
            Word("Ref", 1, 0.1, 0.1, 0.15, 0.12),
            Word("code:", 1, 0.16, 0.1, 0.22, 0.12),
            Word("AB-778", 1, 0.3, 0.1, 0.4, 0.12),
            Word("Order:", 1, 0.1, 0.2, 0.18, 0.22),
            Word("PO-12", 1, 0.3, 0.2, 0.4, 0.22),
        ],
    )
    schema = {
        "type": "object",
        "properties": {"thing": {"type": "string", "x-aliases": ["Ref code"]}},
    }
    assert fill_schema([page], schema).data == {"thing": "AB-778"}
    plans = len(parsing._LEAF_PLANS)
    assert fill_schema([page], copy.deepcopy(schema)).data == {"thing": "AB-778"}
    assert len(parsing._LEAF_PLANS) == plans  # same schema text: same plan
    schema["properties"]["thing"]["x-aliases"] = ["Order"]
    assert fill_schema([page], schema).data == {"thing": "PO-12"}

    items = {"type": "object", "properties": {"qty": {"type": "number"}}}
    first = headers.item_plan(items)
    assert headers.item_plan(copy.deepcopy(items)) is first
    assert headers.item_plan({**items, "title": "x"}) is not first


def test_rulings_are_read_only_on_pages_that_could_hold_a_table_header() -> None:
    import docgen
    from extractions.engine import extract
    from extractions.engine.pipeline import table_item_schemas
    from extractions.engine.read import pages
    from extractions.engine.tables import headers

    items = table_item_schemas(docgen.INVOICE_SCHEMA, "per_doc")
    assert items == [docgen.INVOICE_SCHEMA["properties"]["lines"]["items"]]
    assert (
        table_item_schemas({"type": "object", "properties": {"n": {"type": "number"}}}, "per_doc")
        == []
    )

    header = docgen.PageSpec(
        texts=[(50, 100, "Description"), (300, 100, "Qty"), (400, 100, "Amount"), (50, 130, "Bolts"),
               (300, 130, "2"), (400, 130, "4.00")],
        lines=[(290, 90, 290, 140), (390, 90, 390, 140), (40, 110, 500, 110)],
    )  # fmt: skip
    terms = docgen.PageSpec(
        texts=[(50, 100, "Terms and conditions apply to every order.")],
        lines=[(40, 110, 500, 110), (290, 90, 290, 140)],
    )
    data = docgen.build_pdf([header, terms])
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        wants = functools.partial(headers.page_may_hold_table, item_schemas=items)
        first, _ = pages.read_pdf_page(doc[0], 1, rulings=wants)
        second, _ = pages.read_pdf_page(doc[1], 2, rulings=wants)
        everything, _ = pages.read_pdf_page(doc[1], 2, rulings=True)
    finally:
        doc.close()
    assert len(first.rulings) == 3
    assert second.rulings == [] and len(everything.rulings) == 2
    result = extract(data, docgen.INVOICE_SCHEMA)
    assert result.data["lines"] == [
        {"description": "Bolts", "quantity": 2.0, "unit_price": None, "amount": 4.0}
    ]
