"""CSV for spreadsheets: text cells that a spreadsheet would run as a formula are defused.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before looking) is evaluated as a formula when the file is opened, so a
name or summary such as ``=HYPERLINK(...)`` would run on the reader's machine. Such cells
get a leading ``'``, which spreadsheets show as text; numbers are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

AUDIT_COLUMNS = ("time", "actor", "type", "project_name", "item_path", "object_id",
                 "object_class", "target_kind", "target_id", "summary", "project_id",
                 "position", "item_id", "session_id", "bookkeeping", "notification_id")
"""Audit CSV columns (CLI and HTTP alike): what people read first, then the ids."""


def safe_cell(value: object) -> object:
    """``value`` for a CSV cell: None as empty, formula-like text prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A header row, then ``rows`` with every cell made safe (``\\n`` line ends)."""
    csv.writer(out, lineterminator="\n").writerow(header)
    write_rows(out, rows)


def write_rows(out: TextIO, rows: Iterable[Sequence[object]]) -> None:
    """Rows without a header (a file written in parts), every cell made safe."""
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
