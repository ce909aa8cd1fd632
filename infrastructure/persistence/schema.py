"""Tables, named after the application (``<name>_events`` and so on)."""

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


def project_name_index(prefix: str) -> str:
    """The unique index on live project names (the head rows of events that belong to no
    project carry an empty name and are left out). It makes a name taken by a concurrent
    writer fail that writer's whole transaction, which no check before it can."""
    return f"{prefix}_project_name"


def build_tables(prefix: str) -> Tables:
    md = MetaData()
    events = Table(
        f"{prefix}_events", md,
        Column("notification_id", BigInteger, primary_key=True, autoincrement=False),
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
    Index(f"{prefix}_ev_time", events.c.project_id, events.c.recorded_at)
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
        UniqueConstraint("project_id", "dataset_id", "name", name=f"{prefix}_item_name"),
    )
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
    return Tables(md, events, snapshots, projects, items, project_snapshots, chunks, tracking)
