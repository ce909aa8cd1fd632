"""Version manifests as content-addressed chunks: compare reads only what differs.

The compare of two versions (or of one and now) by their stored manifests must give
exactly what comparing the whole states gives (the manifests at the versions' positions
rebuilt from snapshots and the log, every changed stream loaded: the reference below),
whatever the edits; versions share the chunks nobody changed and store their roots as
what changed; a database whose versions have no stored manifest (or an unreadable one)
still compares, and gets the same manifests; ``verify`` names a manifest whose bytes, or
whose content, is not what the log gives.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.core.loading import gc_paused
from application.ledger import Ledger
from application.ports import ManifestRoot
from application.settings import Settings
from application.versions.manifest_tree import Flat, build
from domain.compare import Comparison, compare
from domain.digest import item_hash
from domain.state import MetaState
from domain.values import AnnotationObject, Context, Dataset, MediaLink, ObjectClass, Tag, TagMeta
from infrastructure.persistence.factory import dispose_engines
from interfaces.composition import build_ledger
from tests.conftest import FIXTURES

BOX = 7
LABEL = 3


def box(x: int) -> dict[str, Any]:
    return {"points": {"exterior": [[x, x], [x + 10, x + 20]], "interior": []}}


def reference_diff(app: Ledger, pid: UUID, a: int | str, b: int | str) -> Comparison:
    """The compare of whole states: the manifests at both positions rebuilt from
    snapshots and the log, every item whose stream version differs loaded on both
    sides, and per-class counts summed over every item. An item whose stream moved on
    while its content did not (an edit undone) is no change, as for the digest (its
    path may differ only through a renamed dataset, as every other item's there)."""
    states = app.states
    ma, mb = app.versions.manifest_of(pid, a), app.versions.manifest_of(pid, b)
    meta_a, meta_b = states.meta_at(pid, ma.meta_version), states.meta_at(pid, mb.meta_version)
    changed = {i for i in ma.versions.keys() | mb.versions.keys()
               if ma.versions.get(i) != mb.versions.get(i)}
    with gc_paused():
        old = {s.id: s for s in states.items_at(ma, changed)}
        new = {s.id: s for s in states.items_at(mb, changed)}
    same = {i for i in old.keys() & new.keys() if item_hash(old[i]) == item_hash(new[i])}
    before = {f"{meta_a.dataset_path(s.dataset_id)}/{s.name}": s
              for i, s in old.items() if i not in same}
    after = {f"{meta_b.dataset_path(s.dataset_id)}/{s.name}": s
             for i, s in new.items() if i not in same}
    return compare(meta_a, meta_b, before, after, states.class_counts(ma),
                   states.class_counts(mb))


@dataclass
class Workload:
    """A project of ``items`` items over two datasets, edited at random."""

    app: Ledger
    ctx: Context
    rng: random.Random
    pid: UUID
    items: list[UUID]
    names: int = 0

    @classmethod
    def start(cls, app: Ledger, ctx: Context, items: int = 60, seed: int = 5) -> Workload:
        meta = MetaState("work", {BOX: ObjectClass(BOX, "box", "rectangle")},
                         {LABEL: TagMeta(LABEL, "checked")},
                         {1: Dataset(1, "train"), 2: Dataset(2, "val")})
        pid = app.projects.create("work", ctx, meta)
        work = cls(app, ctx, random.Random(seed), pid, [])
        for _ in range(items):
            work.add()
        return work

    def add(self) -> None:
        self.names += 1
        n = self.names
        objects = tuple(AnnotationObject(0, BOX, box(n + k)) for k in range(self.rng.randint(0, 3)))
        self.items.append(self.app.items.upload_item(
            self.pid, self.rng.choice((1, 2)), f"{n:04d}.jpg",
            MediaLink(f"file:///{n}.jpg", f"{n:064x}", 1, 64, 64), self.ctx, objects=objects))

    def edit(self) -> None:
        """One random edit: of an item (objects, tags, name, dataset, removal), of the
        meta, or one undone at once (the stream moves on, the content does not)."""
        app, ctx, rng = self.app, self.ctx, self.rng
        item = rng.choice(self.items)
        objects = app.items.get(item).objects
        kind = rng.choice(("add", "add", "object", "object", "drop", "tag", "rename", "move",
                           "remove", "meta", "undone"))
        if kind == "add":
            self.add()
        elif kind == "object" and objects:
            app.items.change_object(item, rng.choice(list(objects)), ctx,
                                    geometry=box(rng.randint(100, 900)))
        elif kind == "drop" and objects:
            app.items.remove_object(item, rng.choice(list(objects)), ctx)
        elif kind == "tag":
            app.items.set_tag(item, Tag(LABEL), ctx)
        elif kind in ("rename", "move"):
            current = app.items.get(item)
            dataset = current.dataset_id if kind == "rename" else 3 - current.dataset_id
            self.names += 1
            app.items.move(item, dataset, f"{self.names:04d}-{current.name}", ctx)
        elif kind == "remove" and len(self.items) > 10:
            app.items.remove(item, ctx)
            self.items.remove(item)
        elif kind == "meta":
            app.projects.change_dataset(self.pid, rng.choice((1, 2)), ctx,
                                        name=f"split-{self.names}")
            self.names += 1
        elif kind == "undone" and objects:
            object_id = rng.choice(list(objects))
            geometry = objects[object_id].geometry
            app.items.change_object(item, object_id, ctx, geometry=box(999))
            app.items.change_object(item, object_id, ctx, geometry=geometry)
        else:
            app.items.add_object(item, AnnotationObject(0, BOX, box(rng.randint(0, 99))), ctx)


def stored_root(app: Ledger, pid: UUID, number: int) -> ManifestRoot:
    root = app.versions.manifests.store.root(pid, number)
    assert root is not None, f"version {number} has no stored manifest"
    return root


def execute(app: Ledger, sql: str, **params: Any) -> list[Any]:
    with app.core.recorder.engine.begin() as conn:  # type: ignore[attr-defined]
        result = conn.execute(sa.text(sql), params)
        return list(result) if result.returns_rows else []


def test_the_chunked_compare_gives_what_the_whole_states_give(app: Ledger, ctx: Context
                                                               ) -> None:
    work = Workload.start(app, ctx)
    app.versions.create(work.pid, ctx, "start")
    for round_ in range(4):
        for _ in range(25):
            work.edit()
        app.versions.create(work.pid, ctx, f"round {round_}")
    for _ in range(10):
        work.edit()
    refs: list[int | str] = [*range(1, 6), "current"]
    compared = 0
    for i, a in enumerate(refs):
        for b in refs[i + 1:]:
            got = app.versions.diff(work.pid, a, b).as_json(per_item=True)
            assert got == reference_diff(app, work.pid, a, b).as_json(per_item=True), (a, b)
            compared += bool(got["items"]["added"] or got["items"]["modified"])
    assert compared == 15  # every pair differs: the test compares something
    first_last = app.versions.diff(work.pid, 1, "current")
    assert first_last.items_added and first_last.items_removed and first_last.meta


def test_versions_share_every_chunk_an_edit_left_alone(app: Ledger, ctx: Context) -> None:
    work = Workload.start(app, ctx, items=200)
    app.versions.create(work.pid, ctx)
    app.items.add_object(work.items[0], AnnotationObject(0, BOX, box(5)), ctx)
    app.versions.create(work.pid, ctx)
    first, second = stored_root(app, work.pid, 1), stored_root(app, work.pid, 2)
    assert len(first.chunks) >= 3  # 200 items: about 12 chunks
    assert len(second.chunks) == len(first.chunks)
    new = {k for _, k in second.chunks} - {k for _, k in first.chunks}
    assert len(new) == 1  # the edited item's chunk; every other one is shared
    keys = {bytes(r[0]) for r in execute(app, "SELECT key FROM annoledger_manifest_chunks")}
    assert {k for _, k in (*first.chunks, *second.chunks)} == keys  # one row each
    assert (second.items, second.classes) == (first.items, tuple(
        (c, n + 1 if c == BOX else n) for c, n in first.classes))
    rows = {r[0]: (r[1], r[2]) for r in execute(
        app, "SELECT number, base, length(data) FROM annoledger_manifest_roots")}
    assert rows[1][0] is None and rows[2][0] == 1  # whole, then what changed since
    assert rows[2][1] < rows[1][1] / 3


def test_roots_stored_as_changes_read_back_and_start_whole_again(
    app: Ledger, ctx: Context, settings: Settings
) -> None:
    work = Workload.start(app, ctx, items=200)
    roots: list[ManifestRoot] = []
    for _ in range(12):
        app.versions.create(work.pid, ctx)
        roots.append(stored_root(app, work.pid, len(roots) + 1))
        for _ in range(6):
            work.edit()
    rows = execute(app, "SELECT number, base, length(data) FROM annoledger_manifest_roots "
                        "ORDER BY number")
    whole = [n for n, base, _ in rows if base is None]
    assert whole[0] == 1 and len(whole) >= 2  # the changes outgrew a whole root
    size = {n: length for n, _, length in rows}
    for start, end in zip(whole, [*whole[1:], len(rows) + 1], strict=True):
        assert sum(size[n] for n in range(start + 1, end)) < size[start] * 1.1
    dispose_engines()  # read back by a fresh process's ledger
    again = build_ledger(settings)
    assert [stored_root(again, work.pid, n) for n in range(1, 13)] == roots
    assert all(v.ok for v in again.proofs.verify(work.pid))


def test_versions_without_stored_manifests_get_the_same_ones(app: Ledger, ctx: Context
                                                              ) -> None:
    work = Workload.start(app, ctx)
    for _ in range(3):
        app.versions.create(work.pid, ctx)
        for _ in range(15):
            work.edit()
    stored = {n: stored_root(app, work.pid, n) for n in (1, 2, 3)}
    execute(app, "DELETE FROM annoledger_manifest_roots")  # as a database of 0.1.0
    assert app.versions.manifests.store.root(work.pid, 3) is None
    for a, b in ((1, 3), (2, "current")):
        assert app.versions.diff(work.pid, a, b).as_json(per_item=True) == reference_diff(
            app, work.pid, a, b).as_json(per_item=True)
    # built from the state at each position, they equal those built at each create
    assert {n: stored_root(app, work.pid, n) for n in (1, 2, 3)} == stored
    assert all(v.ok for v in app.proofs.verify(work.pid))


def test_the_stored_ledger_of_release_0_1_compares_and_verifies(tmp_path: Any) -> None:
    copy = tmp_path / "ledger.db"
    shutil.copyfile(FIXTURES / "stored_ledger" / "ledger.db", copy)
    app = build_ledger(Settings(db_url=f"sqlite:///{copy}", actor="tester"))
    try:
        pid = app.projects.resolve("cats")
        diff = app.versions.diff(pid, 1, 2).as_json()
        assert diff["items"]["modified"] == ["ds/cat1.jpg", "ds/dog1.jpg"]
        assert diff == reference_diff(app, pid, 1, 2).as_json()
        assert stored_root(app, pid, 2).items == 6
        assert all(v.ok for v in app.proofs.verify(pid))
    finally:
        dispose_engines()


def _verify_fails(app: Ledger, pid: UUID) -> tuple[str, str, str]:
    view = app.proofs.verify(pid)[0]
    assert not view.ok
    return view.table, view.key, view.reason


@pytest.fixture
def versioned(app: Ledger, ctx: Context) -> Workload:
    work = Workload.start(app, ctx)
    app.versions.create(work.pid, ctx)
    for _ in range(20):
        work.edit()
    app.versions.create(work.pid, ctx)
    assert all(v.ok for v in app.proofs.verify(work.pid))
    return work


def test_verify_names_a_chunk_whose_bytes_changed_and_compare_stays_right(
    app: Ledger, versioned: Workload
) -> None:
    pid = versioned.pid
    own = {k for _, k in stored_root(app, pid, 2).chunks} - {
        k for _, k in stored_root(app, pid, 1).chunks}
    key = min(own)
    data = execute(app, "SELECT data FROM annoledger_manifest_chunks WHERE key = :k",
                   k=key)[0][0]
    forged = bytes(data[:-1]) + bytes([data[-1] ^ 1])
    execute(app, "UPDATE annoledger_manifest_chunks SET data = :d WHERE key = :k",
            d=forged, k=key)
    assert _verify_fails(app, pid) == (
        "version manifests", "version 2", f"version manifests: version 2: chunk "
        f"{key.hex()[:12]} is missing or does not match its key")
    assert app.versions.diff(pid, 1, 2).as_json(per_item=True) == reference_diff(
        app, pid, 1, 2).as_json(per_item=True)


@pytest.mark.parametrize("number", [1, 2], ids=["the whole root", "the changes"])
def test_a_damaged_root_is_named_by_verify_and_rebuilt_for_compare(
    versioned: Workload, settings: Settings, number: int
) -> None:
    """Version 2's root is stored as changes to version 1's; a damaged row is not read
    (nor is any root the digest of its own row says was read wrong through it): compare
    rebuilds it from the log and stores it again."""
    pid = versioned.pid
    data = execute(versioned.app, "SELECT data FROM annoledger_manifest_roots "
                   "WHERE number = :n", n=number)[0][0]
    execute(versioned.app, "UPDATE annoledger_manifest_roots SET data = :d WHERE number = :n",
            d=bytes(data[:-1]) + bytes([data[-1] ^ 1]), n=number)
    dispose_engines()
    app = build_ledger(settings)  # a process that has not read the roots before
    table, key, reason = _verify_fails(app, pid)
    assert (table, key) == ("version manifests", f"version {number}")
    assert f"root of version {number} does not match its digest" in reason
    assert app.versions.manifests.store.root(pid, number) is None
    assert app.versions.diff(pid, 1, 2).as_json(per_item=True) == reference_diff(
        app, pid, 1, 2).as_json(per_item=True)
    assert all(v.ok for v in app.proofs.verify(pid))  # stored again by the compare


Forgery = Callable[[Any], Any]


def unchanged_sums(wanted: Mapping[bytes, int]) -> dict[bytes, Flat]:
    """Counts for a forged build that leave the root's sums as they were."""
    return dict.fromkeys(wanted, ())


@pytest.mark.parametrize(("forge", "text"), [
    (lambda e: e._replace(state_hash=bytes(16)), "content hash differs from the log"),
    (lambda e: e._replace(version=e.version + 1), "log says v"),
], ids=["content hash", "version"])
def test_verify_recomputes_a_manifest_forged_with_matching_keys(
    app: Ledger, versioned: Workload, forge: Forgery, text: str
) -> None:
    """A manifest rewritten whole (chunk, root and the version's row agree) is still
    not what the log gives."""
    pid, store = versioned.pid, app.versions.manifests.store
    root = stored_root(app, pid, 2)
    entry = store.chunks([root.chunks[0][1]])[root.chunks[0][1]][0]
    forged = build(root.position, root.meta_version, root, {entry.item_id: forge(entry)},
                   store.chunks, store.seal, unchanged_sums)
    execute(app, "DELETE FROM annoledger_manifest_roots WHERE number = 2")
    store.save(pid, 2, forged.root, forged.fresh)
    table, key, reason = _verify_fails(app, pid)
    assert (table, key) == ("version manifests", "version 2")
    assert text in reason
    assert str(UUID(bytes=entry.item_id)) in reason


def test_verify_recomputes_a_root_whose_sums_were_forged(app: Ledger, versioned: Workload
                                                         ) -> None:
    pid, store = versioned.pid, app.versions.manifests.store
    root = stored_root(app, pid, 2)
    sums = tuple((c, n + 1 if c == BOX else n) for c, n in root.classes)
    execute(app, "DELETE FROM annoledger_manifest_roots WHERE number = 2")
    store.save(pid, 2, dataclasses.replace(root, classes=sums), {})
    assert _verify_fails(app, pid) == (
        "version manifests", "version 2",
        "version manifests: version 2: the root's objects per class differ from the log's")
