"""Line items on generated invoices: cell accuracy and row F1 per layout family, on seeds the
table rules were not written on.

    .venv/bin/python bench/line_items.py --split heldout            # report figures
    .venv/bin/python bench/line_items.py --split dev --failures     # while fixing: what went wrong
    .venv/bin/python bench/line_items.py --split heldout --scans 2  # plus two scans per family

Families (``docgen``): ``synthetic`` (``synthetic_invoice``: five languages, ruled / lined / bare
tables, column orders, wrapped descriptions, pages), ``vendor-<style>`` (``vendor_invoice``:
SaaS, German, Belgian-Dutch, French house styles) and ``tables-<kind>`` (``item_tables``:
borderless tables with discount, net and gross, tax amount columns, detail lines under the
description, continued pages, item rows with no header line). Seeds: ``dev`` are the ones to look at while fixing, ``heldout``
the ones to report (never looked at document by document). Scoring is the evaluation
harness's (``score_rows``, normalised level): cells right / cells expected, and row F1 where a
row is right when every cell its ground truth fills agrees.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docgen
from docgen.item_tables import KINDS, item_table_invoice
from docgen.vendor_invoices import STYLES, vendor_invoice
from extractions.engine.evaluation.scoring import score_rows
from extractions.engine.parsing.fill import fill_schema
from extractions.engine.pipeline import read_pages

SEEDS = {
    "dev": {"synthetic": range(1, 100), "vendor": [*range(1, 11), *range(150, 160)], "tables": range(1, 61)},
    "heldout": {"synthetic": range(7001, 7041), "vendor": range(301, 316), "tables": range(901, 921)},
}  # fmt: skip


def _line_schema() -> dict[str, Any]:
    return docgen.SYNTHETIC_INVOICE_SCHEMA


def families(split: str) -> Iterator[tuple[str, Callable[[int], tuple[bytes, list[dict]]], Any]]:
    seeds = SEEDS[split]

    def synthetic(seed: int) -> tuple[bytes, list[dict]]:
        doc = docgen.synthetic_invoice(seed)
        return doc.data, doc.expected["lines"]

    yield "synthetic", synthetic, seeds["synthetic"]
    for style in STYLES:

        def vendor(seed: int, style: str = style) -> tuple[bytes, list[dict]]:
            doc = vendor_invoice(style, seed)
            return doc.pdf, doc.truth["lines"]

        yield f"vendor-{style}", vendor, seeds["vendor"]
    for kind in KINDS:

        def tables(seed: int, kind: str = kind) -> tuple[bytes, list[dict]]:
            doc = item_table_invoice(kind, seed)
            return doc.data, doc.expected["lines"]

        yield f"tables-{kind}", tables, seeds["tables"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=sorted(SEEDS), default="heldout")
    parser.add_argument("--scans", type=int, default=0, help="scanned copies per family")
    parser.add_argument("--only", default="", help="families whose name starts with this")
    parser.add_argument("--failures", action="store_true", help="print rows read wrong")
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)
    schema = _line_schema()
    items = schema["properties"]["lines"]["items"]
    results: dict[str, dict[str, Any]] = {}
    t0 = time.time()
    for name, make, seeds in families(args.split):
        if not name.startswith(args.only):
            continue
        for scanned in (False, True) if args.scans else (False,):
            key = name + (" scan" if scanned else "")
            tot = {"cells_right": 0, "cells_expected": 0, "rows_right": 0, "rows_predicted": 0, "rows_expected": 0, "docs": 0}  # fmt: skip
            for seed in list(seeds)[: args.scans] if scanned else seeds:
                data, truth = make(seed)
                if scanned:
                    data = docgen.scan(data, seed=seed)
                got = fill_schema(read_pages(data), schema).data.get("lines") or []
                s = score_rows(got, truth, items)["norm"]
                for k in tot:
                    tot[k] += s.get(k, 1 if k == "docs" else 0)
                if (
                    args.failures
                    and not s["rows_right"] == s["rows_expected"] == s["rows_predicted"]
                ):
                    print(
                        f"--- {key} seed {seed}: rows {s['rows_right']}/{s['rows_expected']} predicted {s['rows_predicted']}"
                    )
                    for e in truth:
                        print(
                            "   exp",
                            {
                                k: e.get(k)
                                for k in ("description", "quantity", "unit_price", "amount")
                            },
                        )
                    for g in got:
                        print(
                            "   got",
                            {
                                k: g.get(k)
                                for k in ("description", "quantity", "unit_price", "amount")
                            },
                        )
            p = tot["rows_right"] / tot["rows_predicted"] if tot["rows_predicted"] else 0.0
            r = tot["rows_right"] / tot["rows_expected"] if tot["rows_expected"] else 0.0
            tot["cells"] = round(100 * tot["cells_right"] / max(1, tot["cells_expected"]), 1)
            tot["row_f1"] = round(100 * (2 * p * r / (p + r) if p + r else 0.0), 1)
            results[key] = tot
            print(f"{key:22s} docs {tot['docs']:3d}  cells {tot['cells']:5.1f} %  row F1 {tot['row_f1']:5.1f} %", flush=True)  # fmt: skip
    cells = sum(v["cells_right"] for v in results.values()) / max(1, sum(v["cells_expected"] for v in results.values()))  # fmt: skip
    print(f"{'all':22s} cells {100 * cells:5.1f} %   ({time.time() - t0:.0f} s)")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
