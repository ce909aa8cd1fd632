"""The item catalog: the current state index written with the events that change it.

It answers "which items does a project hold, under which names, with how many
objects" without replaying anything, enforces unique item names per dataset with a
database constraint, and feeds the project's incremental digest. A row a change
supersedes (an earlier version, a removed item) moves to the item states table, so a
restore finds an item's entry at any version it stood at without decoding it, and
copies it in the database (:func:`infrastructure.persistence.references.copy_references`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc

from application.ports import CatalogEntry, ProjectWrite
from domain.digest import MODULUS
from domain.errors import DuplicateNameError
from infrastructure.persistence.references import copy_references
from infrastructure.persistence.schema import Tables

_BATCH = 500


@dataclass(slots=True)
class CatalogDelta:
    items: int = 0
    objects: int = 0
    added: int = 0
    removed: int = 0

    def items_sum(self, before: int) -> str:
        return f"{(before + self.added - self.removed) % MODULUS:064x}"


def apply_catalog(conn: Connection, tables: Tables, write: ProjectWrite) -> CatalogDelta:
    delta = CatalogDelta()
    if write.references is not None:
        # A restore's rows, copied in the database: each is new, no row to find.
        copied = copy_references(conn, tables, write.project_id, write.references)
        delta.items, delta.objects, delta.added = copied
    if not write.items:
        return delta
    t = tables.items
    latest = {e.item_id: e for e in write.items}  # the last entry per item wins
    # A reference is written once, by the restore that creates its item: no row to find.
    old = dict(_existing(conn, t, [i for i, e in latest.items() if e.source is None]))
    to_delete = [i for i, e in latest.items() if e.removed and i in old]
    _keep_superseded(conn, tables, [i for i, e in latest.items() if i in old and (
        e.removed or e.version != old[i].version)])
    inserts: list[dict[str, object]] = []
    in_place: list[dict[str, object]] = []
    moves: list[dict[str, object]] = []
    for item_id, e in latest.items():
        before = old.get(item_id)
        if before is not None:
            delta.removed += before.state_hash
            delta.objects -= before.objects
            delta.items -= 1
        if e.removed:
            continue
        delta.added += e.state_hash
        delta.objects += e.objects
        delta.items += 1
        row = _row(write.project_id, e)
        if before is None:
            inserts.append(row)
        elif (before.dataset_id, before.name) == (e.dataset_id, e.name):
            in_place.append(row)
        else:
            moves.append(row)
    for i in range(0, len(to_delete), _BATCH):
        conn.execute(t.delete().where(t.c.item_id.in_(to_delete[i:i + _BATCH])))
    if in_place:
        # Same (dataset, name): the row stays where it is and no name index entry moves.
        conn.execute(_update_in_place(t), [{f"b_{k}": v for k, v in r.items()} for r in in_place])
    try:
        if moves:
            # Renamed or moved: two-step so that swapping names between items in one
            # batch never trips the unique-name constraint.
            ids = [m["item_id"] for m in moves]
            for i in range(0, len(ids), _BATCH):
                conn.execute(t.delete().where(t.c.item_id.in_(ids[i:i + _BATCH])))
            conn.execute(t.insert(), moves)
        if inserts:
            conn.execute(t.insert(), inserts)
    except sa_exc.IntegrityError as exc:
        raise _duplicate(moves + inserts) from exc
    return delta


_IN_PLACE_COLUMNS = ("version", "objects", "state_hash", "classes", "tag_ids", "source_id",
                     "source_version")
_STATE_COLUMNS = ("item_id", "version", "project_id", "dataset_id", "name", "objects",
                  "state_hash", "classes", "tag_ids", "source_id", "source_version")


def _keep_superseded(conn: Connection, tables: Tables, ids: list[UUID]) -> None:
    """Copy the rows about to be replaced or deleted into the item states table."""
    t, kept = tables.items, tables.item_states
    for i in range(0, len(ids), _BATCH):
        conn.execute(_keep_q(t, kept), {"ids": ids[i:i + _BATCH]})


# Statements built once per table and reused with bound parameters (``ids``: an
# expanding list), as :mod:`infrastructure.persistence.statements` explains: built per
# call, these three cost an edit some 0.4 ms of SQLAlchemy's cache-key work.

@lru_cache(maxsize=64)
def _keep_q(t: sa.Table, kept: sa.Table) -> sa.Insert:
    """Copy the catalog rows of items ``ids`` into the item states table."""
    return kept.insert().from_select(
        list(_STATE_COLUMNS), sa.select(*(t.c[c] for c in _STATE_COLUMNS)).where(
            t.c.item_id.in_(sa.bindparam("ids", expanding=True))))


@lru_cache(maxsize=64)
def _existing_q(t: sa.Table) -> sa.Select[Any]:
    """What :func:`apply_catalog` needs of the catalog rows of items ``ids``."""
    return sa.select(t.c.item_id, t.c.version, t.c.objects, t.c.state_hash, t.c.dataset_id,
                     t.c.name).where(t.c.item_id.in_(sa.bindparam("ids", expanding=True)))


@lru_cache(maxsize=64)
def _update_in_place(t: sa.Table) -> sa.Update:
    """An UPDATE by item id of the columns that change while the name stays put."""
    return (t.update().where(t.c.item_id == sa.bindparam("b_item_id"))
            .values({c: sa.bindparam(f"b_{c}") for c in _IN_PLACE_COLUMNS}))


@dataclass(slots=True, frozen=True)
class _Existing:
    version: int
    objects: int
    state_hash: int
    dataset_id: int
    name: str


def _existing(
    conn: Connection, t: sa.Table, ids: list[UUID]
) -> Iterator[tuple[UUID, _Existing]]:
    for i in range(0, len(ids), _BATCH):
        for r in conn.execute(_existing_q(t), {"ids": ids[i:i + _BATCH]}):
            yield r.item_id, _Existing(r.version, r.objects, int(r.state_hash, 16),
                                       r.dataset_id, r.name)


def _row(project_id: UUID, e: CatalogEntry) -> dict[str, object]:
    return {
        "item_id": e.item_id, "project_id": project_id, "dataset_id": e.dataset_id,
        "name": e.name, "version": e.version, "objects": e.objects,
        "state_hash": f"{e.state_hash:064x}", "classes": ",".join(f"{c}:{n}" for c, n in e.classes),
        "tag_ids": ",".join(map(str, e.tag_ids)),
        "source_id": e.source[0] if e.source else None,
        "source_version": e.source[1] if e.source else None,
    }


def _duplicate(rows: list[dict[str, object]]) -> DuplicateNameError:
    """Name the item whose (dataset, name) was taken; the transaction rolls back anyway."""
    seen: set[tuple[object, object]] = set()
    for row in rows:
        key = (row["dataset_id"], row["name"])
        if key in seen or len(rows) == 1:
            return DuplicateNameError(
                f"dataset {key[0]} already holds an item named '{key[1]}'")
        seen.add(key)
    return DuplicateNameError(f"one of {len(rows)} item names is taken in its dataset")
