"""Schema sets: the same corpus scored with schemas written the way customers write them.

A corpus ships one schema per doc type, whose field names the engine's authors have seen. A
customer names fields their own way ("supplier", "pay_by", "vendorName"), so ``evaluate``
can also run every document with another *schema set* and map the answers back onto the
corpus's field names before scoring them with the corpus's rules.

A set is a folder of ``<set>.<doc_type>.json`` files in ``customer_schemas/``, each holding::

    {"schema": {...the customer's JSON Schema...},
     "corpus_fields": {"their_field": "corpus_field",
                       "their_items": ["corpus_items", {"their_column": "corpus_column"}]}}

``corpus`` is the identity set: the corpus's own schemas. A doc type a set does not cover is
run with the corpus's schema (and said so in the report).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CUSTOMER_SCHEMAS = Path(__file__).with_name("customer_schemas")
CORPUS_SET = "corpus"


@dataclass(slots=True)
class SchemaSet:
    name: str
    # doc_type -> (schema the engine runs with, their field -> corpus field)
    entries: dict[str, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)

    def covers(self, doc_type: str) -> bool:
        return doc_type in self.entries

    def schema_for(self, doc_type: str, corpus_schema: dict[str, Any]) -> dict[str, Any]:
        got = self.entries.get(doc_type)
        return got[0] if got else corpus_schema

    def to_corpus(self, doc_type: str, data: Any) -> Any:
        """The engine's answer under this set's names, renamed to the corpus's field names."""
        got = self.entries.get(doc_type)
        if got is None or not isinstance(data, dict):
            return data
        return translate(data, got[1])

    def path_renamer(self, doc_type: str) -> Callable[[str], str]:
        """A value's path under this set's names -> its path under the corpus's (the path
        unchanged where the set does not rename it)."""
        got = self.entries.get(doc_type)
        mapping: dict[str, Any] = got[1] if got else {}

        def rename(path: str) -> str:
            m = _PATH_HEAD.match(path)
            if m is None:
                return path
            head, rest = m.group(1), path[m.end(1) :]
            target = mapping.get(head)
            if target is None:
                return path
            if isinstance(target, list):
                corpus_name, columns = target
                col = _PATH_COLUMN.match(rest)
                if col is not None:
                    rest = f"{col.group(1)}.{columns.get(col.group(2), col.group(2))}"
                return f"{corpus_name}{rest}"
            return f"{target}{rest}"

        return rename


# "field" / "field.sub" / "items[2].column" -> the top-level name, and a row's column
_PATH_HEAD = re.compile(r"^([^.\[]+)")
_PATH_COLUMN = re.compile(r"^(\[\d+\])\.([^.\[]+)$")


def translate(data: dict[str, Any], mapping: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for theirs, target in mapping.items():
        value = data.get(theirs)
        if isinstance(target, list):
            corpus_name, columns = target
            if isinstance(value, list):
                value = [
                    {columns.get(k, k): v for k, v in row.items()} if isinstance(row, dict) else row
                    for row in value
                ]
            out[corpus_name] = value
        else:
            out[target] = value
    return out


def available_sets() -> list[str]:
    names = {p.name.split(".", 1)[0] for p in CUSTOMER_SCHEMAS.glob("*.json")}
    return [CORPUS_SET, *sorted(names)]


def load_schema_set(name: str) -> SchemaSet:
    """A named set; ``ValueError`` naming the known sets when there is no such set."""
    if name == CORPUS_SET:
        return SchemaSet(CORPUS_SET)
    files = sorted(CUSTOMER_SCHEMAS.glob(f"{name}.*.json"))
    if not files:
        raise ValueError(f"no schema set {name!r} (known: {', '.join(available_sets())})")
    out = SchemaSet(name)
    for path in files:
        doc_type = path.name[len(name) + 1 : -len(".json")]
        spec = json.loads(path.read_text(encoding="utf-8"))
        out.entries[doc_type] = (spec["schema"], spec["corpus_fields"])
    return out
