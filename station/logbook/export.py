"""Any table of the coach page (and of `station log`) as CSV or JSON, a row at a time."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator


def _cells(row: dict, columns: Iterable[str]) -> list:
    return [";".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v)
            for v in (row.get(c) for c in columns)]


def csv_lines(rows: Iterable[dict], columns: list[str] | tuple[str, ...]) -> Iterator[str]:
    """A header of `columns`, then one line per row (lists joined with ';')."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(_cells(row, columns))
        if out.tell() > 16384:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def json_lines(rows: Iterable[dict], columns: list[str] | tuple[str, ...]) -> Iterator[str]:
    """A JSON list of objects with `columns`, one object a line."""
    yield "["
    for i, row in enumerate(rows):
        yield ("\n" if i == 0 else ",\n") + json.dumps({c: row.get(c) for c in columns})
    yield "\n]\n"


def to_csv(rows: Iterable[dict], columns: list[str] | tuple[str, ...]) -> str:
    return "".join(csv_lines(rows, columns))


def to_json(rows: Iterable[dict], columns: list[str] | tuple[str, ...]) -> str:
    return "".join(json_lines(rows, columns))
