"""Tables, named after the application (``<name>_events`` and so on).

``<name>_item_states`` keeps the catalog rows that changes superseded (an item's entry
at an earlier version: content hash, counts, what it referred to), so a restore refers
to an item's state at a version without decoding it, and a restored project's
references stay known after their items were written into its own streams.

``<name>_manifest_roots`` holds the root of each version's manifest (whole, or as what
changed since an earlier version's root) and ``<name>_manifest_chunks`` its chunks,
each stored once under its 16-byte key
(:mod:`infrastructure.persistence.manifest_store`). A database that predates a table
gains it, empty, at start.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    events: Table
    snapshots: Table
    projects: Table
    items: Table
    project_snapshots: Table
    chunks: Table
    tracking: Table
    item_states: Table
    manifest_roots: Table
    manifest_chunks: Table


def project_name_index(prefix: str) -> str:
    """The unique index on live project names (the head rows of events that belong to no
    project carry an empty name and are left out). It makes a name taken by a concurrent
    writer fail that writer's whole transaction, which no check before it can."""
    return f"{prefix}_project_name"


def retired_indexes(prefix: str) -> tuple[str, ...]:
    """Indexes older databases hold and the ledger no longer reads: dropped at start.

    ``<prefix>_ev_time`` (project, time) cost a page write per event; a position at a
    time is found by bisecting positions instead (recorded times follow positions).
    """
    return (f"{prefix}_ev_time",)


def build_tables(prefix: str) -> Tables:
    md = MetaData()
    events = Table(
        f"{prefix}_events", md,
        # SQLite: exactly INTEGER, so the id is the rowid (no second index of ids).
        Column("notification_id", BigInteger().with_variant(Integer, "sqlite"),
               primary_key=True, autoincrement=False),
        Column("originator_id", Uuid, nullable=False),
        Column("originator_version", Integer, nullable=False),
        Column("topic", Text, nullable=False),
        Column("state", LargeBinary, nullable=False),
        Column("project_id", Uuid, nullable=False),
        Column("position", BigInteger, nullable=False),
        Column("chain", LargeBinary, nullable=False),
        Column("recorded_at", Float, nullable=False),
        UniqueConstraint("originator_id", "originator_version", name=f"{prefix}_ev_stream"),
        UniqueConstraint("project_id", "position", name=f"{prefix}_ev_position"),
    )
    snapshots = Table(
        f"{prefix}_snapshots", md,
        Column("originator_id", Uuid, nullable=False),
        Column("originator_version", Integer, nullable=False),
        Column("topic", Text, nullable=False),
        Column("state", LargeBinary, nullable=False),
        Column("checksum", LargeBinary, nullable=False),
        PrimaryKeyConstraint("originator_id", "originator_version"),
    )
    projects = Table(
        f"{prefix}_projects", md,
        Column("project_id", Uuid, primary_key=True),
        Column("name", Text, nullable=False, default=""),
        Column("position", BigInteger, nullable=False),
        Column("chain", LargeBinary, nullable=False),
        Column("meta_hash", String(64), nullable=False),
        Column("items_sum", String(64), nullable=False),
        Column("items", BigInteger, nullable=False),
        Column("objects", BigInteger, nullable=False),
    )
    live_name = projects.c.name != ""
    Index(project_name_index(prefix), projects.c.name, unique=True,
          sqlite_where=live_name, postgresql_where=live_name)
    items = Table(
        f"{prefix}_items", md,
        Column("item_id", Uuid, primary_key=True),
        Column("project_id", Uuid, nullable=False),
        Column("dataset_id", Integer, nullable=False),
        Column("name", Text, nullable=False),
        Column("version", Integer, nullable=False),
        Column("objects", Integer, nullable=False),
        Column("state_hash", String(64), nullable=False),
        Column("classes", Text, nullable=False),
        Column("tag_ids", Text, nullable=False),
        *_reference_columns(),
        UniqueConstraint("project_id", "dataset_id", "name", name=f"{prefix}_item_name"),
    )
    referring = items.c.source_id.isnot(None)
    Index(f"{prefix}_item_refs", items.c.project_id, sqlite_where=referring,
          postgresql_where=referring)
    item_states = Table(
        f"{prefix}_item_states", md,
        Column("item_id", Uuid, nullable=False),
        Column("version", Integer, nullable=False),
        Column("project_id", Uuid, nullable=False),
        Column("dataset_id", Integer, nullable=False),
        Column("name", Text, nullable=False),
        Column("objects", Integer, nullable=False),
        Column("state_hash", String(64), nullable=False),
        Column("classes", Text, nullable=False),
        Column("tag_ids", Text, nullable=False),
        *_reference_columns(),
        PrimaryKeyConstraint("item_id", "version"),
    )
    was_referring = item_states.c.source_id.isnot(None)
    Index(f"{prefix}_item_state_refs", item_states.c.project_id,
          sqlite_where=was_referring, postgresql_where=was_referring)
    project_snapshots = Table(
        f"{prefix}_project_snapshots", md,
        Column("project_id", Uuid, nullable=False),
        Column("position", BigInteger, nullable=False),
        Column("manifest", String(64), nullable=False),
        Column("meta_version", Integer, nullable=False),
        PrimaryKeyConstraint("project_id", "position"),
    )
    chunks = Table(
        f"{prefix}_chunks", md,
        Column("key", String(64), primary_key=True),
        Column("data", LargeBinary, nullable=False),
    )
    tracking = Table(
        f"{prefix}_tracking", md,
        Column("application_name", Text, primary_key=True),
        Column("notification_id", BigInteger, nullable=False),
    )
    manifest_roots = Table(
        f"{prefix}_manifest_roots", md,
        Column("project_id", Uuid, nullable=False),
        Column("number", Integer, nullable=False),
        Column("position", BigInteger, nullable=False),
        # the version whose root ``data`` is stored against; NULL: ``data`` is whole
        Column("base", Integer, nullable=True),
        Column("digest", LargeBinary, nullable=False),
        Column("data", LargeBinary, nullable=False),
        PrimaryKeyConstraint("project_id", "number"),
    )
    manifest_chunks = Table(
        # SQLite: keyed by the key itself (no rowid, so no second index of keys)
        f"{prefix}_manifest_chunks", md,
        Column("key", LargeBinary, primary_key=True),
        Column("data", LargeBinary, nullable=False),
        sqlite_with_rowid=False,
    )
    return Tables(md, events, snapshots, projects, items, project_snapshots, chunks, tracking,
                  item_states, manifest_roots, manifest_chunks)


def _reference_columns() -> tuple[Column[object], ...]:
    """What a restored project's item refers to until its first change (the source
    item's id and version); NULL for an item with events of its own."""
    return (Column("source_id", Uuid, nullable=True),
            Column("source_version", Integer, nullable=True))


def added_columns(tables: Tables) -> list[Column[object]]:
    """Columns added to existing tables since the first release: a database that
    predates one gains it at start (:func:`infrastructure.persistence.migrations.add_columns`)."""
    return [tables.items.c.source_id, tables.items.c.source_version]
