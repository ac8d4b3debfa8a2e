"""Any table of the coach page (and of `station log`) as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json


def to_csv(rows: list[dict], columns: list[str] | tuple[str, ...]) -> str:
    """A header of `columns`, then one line per row (lists joined with ';')."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([";".join(map(str, v)) if isinstance(v, list) else
                         ("" if v is None else v) for v in (row.get(c) for c in columns)])
    return out.getvalue()


def to_json(rows: list[dict], columns: list[str] | tuple[str, ...]) -> str:
    return json.dumps([{c: row.get(c) for c in columns} for row in rows], indent=1)
