"""The catalog updates a changed item's row in place unless its (dataset, name) moved;
renames, moves between datasets and name swaps in one batch still pass the
unique-name constraint, and a rename onto a taken name is still refused."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from application.ports import CatalogEntry, ProjectWrite
from domain.errors import DuplicateNameError
from infrastructure.persistence.catalog import apply_catalog
from infrastructure.persistence.engine import reading, writing
from infrastructure.persistence.factory import shared_engine
from infrastructure.persistence.schema import Tables, build_tables


def _write(project: UUID, *entries: CatalogEntry) -> ProjectWrite:
    return ProjectWrite(project, list(entries))


def _rows(url: str, t: Tables, project: UUID) -> dict[UUID, tuple[int, str, int]]:
    with reading(shared_engine(url)) as conn:
        q = sa.select(t.items.c.item_id, t.items.c.dataset_id, t.items.c.name,
                      t.items.c.version).where(t.items.c.project_id == project)
        return {r.item_id: (r.dataset_id, r.name, r.version) for r in conn.execute(q)}


def test_updates_in_place_renames_and_swaps_in_one_batch(db_url: str) -> None:
    tables = build_tables(f"cat{uuid4().hex[:8]}")
    engine = shared_engine(db_url)
    tables.metadata.create_all(engine)
    try:
        project = uuid4()
        a, b, c, d = uuid4(), uuid4(), uuid4(), uuid4()

        def entry(i: UUID, ds: int, name: str, v: int) -> CatalogEntry:
            return CatalogEntry(i, ds, name, v, objects=v, state_hash=v * 7 + 1)

        with writing(engine) as conn:
            apply_catalog(conn, tables, _write(project, entry(a, 1, "a.jpg", 1),
                                               entry(b, 1, "b.jpg", 1), entry(c, 1, "c.jpg", 1),
                                               entry(d, 2, "d.jpg", 1)))
        with writing(engine) as conn:  # c edited in place, a and b swap, d moves dataset
            delta = apply_catalog(conn, tables, _write(
                project, entry(a, 1, "b.jpg", 2), entry(b, 1, "a.jpg", 2),
                entry(c, 1, "c.jpg", 2), entry(d, 1, "d.jpg", 2)))
        assert (delta.items, delta.objects) == (0, 4)
        assert _rows(db_url, tables, project) == {
            a: (1, "b.jpg", 2), b: (1, "a.jpg", 2), c: (1, "c.jpg", 2), d: (1, "d.jpg", 2)}
        with pytest.raises(DuplicateNameError, match=r"c\.jpg"), writing(engine) as conn:
            apply_catalog(conn, tables, _write(project, entry(a, 1, "c.jpg", 3)))
        with writing(engine) as conn:  # one renamed, the other takes its old name
            apply_catalog(conn, tables, _write(
                project, entry(c, 1, "e.jpg", 3), entry(a, 1, "c.jpg", 3),
                entry(b, 1, "a.jpg", 3)))
        assert _rows(db_url, tables, project) == {
            a: (1, "c.jpg", 3), b: (1, "a.jpg", 3), c: (1, "e.jpg", 3), d: (1, "d.jpg", 2)}
    finally:
        tables.metadata.drop_all(engine)
