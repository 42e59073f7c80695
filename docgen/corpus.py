"""A synthetic corpus on disk, in the format of ``../shared/corpus`` (``manifest.jsonl``,
``schemas/<doc_type>.json``, one file per document), so that ``manage.py evaluate`` and the
training command read generated documents exactly like real ones.

    python -m docgen.corpus OUT_DIR --invoices 200 --receipts 50 --scans 0.2 --seed 1

Seeded: the same arguments write the same files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path

from .degrade import scan
from .synthetic import Synthetic, synthetic_invoice, synthetic_receipt


def synthetic_documents(
    *, invoices: int = 0, receipts: int = 0, scans: float = 0.0, seed: int = 0
) -> Iterator[tuple[str, Synthetic, bool]]:
    """(id, document, scanned) for ``invoices`` invoices and ``receipts`` receipts; a share
    ``scans`` of them degraded into scans."""
    rng = random.Random(seed)
    plan = [("invoice", i) for i in range(invoices)] + [("receipt", i) for i in range(receipts)]
    for kind, i in plan:
        doc_seed = seed * 1_000_003 + i
        doc = synthetic_invoice(doc_seed) if kind == "invoice" else synthetic_receipt(doc_seed)
        scanned = rng.random() < scans
        if scanned:
            doc.data = scan(doc.data, seed=doc_seed)
        yield f"synthetic/{kind}_{i:05d}", doc, scanned


def write_corpus(
    out: str | Path, *, invoices: int = 0, receipts: int = 0, scans: float = 0.0, seed: int = 0
) -> Path:
    """Write the documents, their manifest and schemas under ``out``; return the folder."""
    root = Path(out)
    (root / "synthetic").mkdir(parents=True, exist_ok=True)
    (root / "schemas").mkdir(exist_ok=True)
    schemas: dict[str, dict] = {}
    with open(root / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        for doc_id, doc, scanned in synthetic_documents(
            invoices=invoices, receipts=receipts, scans=scans, seed=seed
        ):
            path = root / f"{doc_id}.pdf"
            path.write_bytes(doc.data)
            schemas[doc.doc_type] = doc.schema
            entry = {
                "file": f"{doc_id}.pdf",
                "id": doc_id,
                "doc_type": doc.doc_type,
                "expected": doc.expected,
                "scored_fields": list(doc.expected),
                "layout": {**doc.layout, "scanned": scanned},
                "sha256": hashlib.sha256(doc.data).hexdigest(),
            }
            manifest.write(json.dumps(entry, ensure_ascii=False) + "\n")
    for doc_type, schema in schemas.items():
        with open(root / "schemas" / f"{doc_type}.json", "w", encoding="utf-8") as fh:
            json.dump(schema, fh, indent=2)
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--invoices", type=int, default=100)
    parser.add_argument("--receipts", type=int, default=0)
    parser.add_argument("--scans", type=float, default=0.0, help="share of scanned copies")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    root = write_corpus(
        args.out,
        invoices=args.invoices,
        receipts=args.receipts,
        scans=args.scans,
        seed=args.seed,
    )
    print(f"wrote {root / 'manifest.jsonl'}")


if __name__ == "__main__":
    main()
