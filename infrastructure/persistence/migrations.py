"""Columns and indexes a database written by an earlier release lacks, added at start.

``create_all`` creates missing tables (with their indexes) but never changes a table
that exists: a column added to one since (:func:`schema.added_columns`) is added here
with ``ALTER TABLE ... ADD COLUMN`` (nullable, so existing rows keep their meaning), then
the table's missing indexes are created. Both run while holding the writer slot, and
check first, so processes starting together agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from infrastructure.persistence.engine import writing
from infrastructure.persistence.schema import Tables, added_columns


def add_columns(engine: Engine, tables: Tables) -> list[str]:
    """Add what is missing; returns the ``table.column`` names added."""
    added: list[str] = []
    with writing(engine) as conn:
        for column in added_columns(tables):
            table = column.table
            present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
            if column.name in present:
                continue
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
            added.append(f"{table.name}.{column.name}")
        for table in {c.table for c in added_columns(tables)}:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
    return added
