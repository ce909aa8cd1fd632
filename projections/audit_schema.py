"""Tables of the audit index (``<app>_audit<version>_*``), created on first use.

``events``: one row per event (its notification id is the key): actor, time, type (and
its ``event`` name alone, for filters that name no aggregate), target, project (id and
name), log position, item (id and ``dataset/name``), object (id and class title), app
session, whether it is session bookkeeping, and a short summary; indexed for the
questions auditors ask: by actor, project, event or session within a time range, by item
id or path.
``objects`` (keyed by object, then event): every object an event touched (an upload
touches all of its objects), for "everything that happened to object O". ``state``: the
briefs the projection folds to write before/after summaries (:mod:`domain.changes`).
The index's position is kept with every other view's (:mod:`projections.runner`).

The index is a projection, rebuilt from the log whenever its rows change shape: a new
:data:`VERSION` names new tables, and :data:`SCHEMA_KEY` in ``state`` records the version
the rows were derived with, so a database indexed by older code is rebuilt, never served
stale (``projections.audit_index.AuditIndex.ensure``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

VERSION = 2
"""The shape of the rows and briefs; a new one rebuilds the index from the log."""
SCHEMA_KEY = "#schema"
"""The ``state`` row holding the version the index's rows were derived with."""
MAX_PATH = 512
"""Characters of an item path kept (its index entry stays within PostgreSQL's btree limit)."""


@dataclass(frozen=True)
class AuditTables:
    metadata: MetaData
    rows: Table
    objects: Table
    state: Table
    events: sa.TableClause
    """The application's own events table, read (never written) for project and position."""
    retired: tuple[str, ...]
    """Tables of older versions of the index, dropped when it is rebuilt."""


def audit_tables(app_name: str = "annoledger") -> AuditTables:
    prefix = app_name.lower()
    p = f"{prefix}_audit{VERSION}"
    md = MetaData()
    rows = Table(
        f"{p}_events", md,
        Column("notification_id", BigInteger, primary_key=True, autoincrement=False),
        Column("time", Float, nullable=False),
        Column("actor", String(255), nullable=False),
        Column("type", String(100), nullable=False),
        Column("event", String(64), nullable=False),
        Column("target_kind", String(16), nullable=False),
        Column("target_id", String(64), nullable=False),
        Column("project_id", Uuid, nullable=True),
        Column("project_name", String(255), nullable=False),
        Column("position", BigInteger, nullable=False),
        Column("item_id", Uuid, nullable=True),
        Column("item_path", String(MAX_PATH), nullable=False),
        Column("object_id", BigInteger, nullable=True),
        Column("object_class", String(255), nullable=False),
        Column("session_id", Uuid, nullable=True),
        Column("bookkeeping", Boolean, nullable=False),
        Column("summary", Text, nullable=False),
    )
    Index(f"{p}_actor_time", rows.c.actor, rows.c.time, rows.c.notification_id)
    Index(f"{p}_project_time", rows.c.project_id, rows.c.time, rows.c.notification_id)
    Index(f"{p}_item", rows.c.item_id, rows.c.notification_id)
    Index(f"{p}_item_path", rows.c.item_path, rows.c.item_id)
    Index(f"{p}_event_time", rows.c.event, rows.c.time)
    Index(f"{p}_session_time", rows.c.session_id, rows.c.time)
    Index(f"{p}_time", rows.c.time, rows.c.notification_id)
    objects = Table(
        f"{p}_objects", md,
        Column("object_id", BigInteger, primary_key=True, autoincrement=False),
        Column("notification_id", BigInteger, primary_key=True, autoincrement=False),
    )
    state = Table(
        f"{p}_state", md,
        Column("key", String(40), primary_key=True),
        Column("data", Text, nullable=False),
    )
    events = sa.table(
        f"{prefix}_events",
        sa.column("notification_id", BigInteger),
        sa.column("project_id", Uuid),
        sa.column("position", BigInteger),
    )
    retired = tuple(f"{prefix}_audit{v}_{t}" for v in ("", *range(2, VERSION))
                    for t in ("events", "objects", "state"))
    return AuditTables(md, rows, objects, state, events, retired)
