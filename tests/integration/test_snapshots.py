"""Snapshots are caches: snapshot + tail equals a full replay, at every log position.

Hypothesis draws random command sequences on a small project, with a project snapshot
every 3 events and an item snapshot every 2 item versions. Afterwards, at every
position, the state the application rebuilds (nearest project snapshot, item
snapshots, the tail) must equal a pure in-memory fold of the log up to that position.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.ledger import Ledger
from application.settings import Settings
from domain.item import Item
from domain.project import Project
from domain.state import ItemState, MetaState
from domain.values import AnnotationObject, Context, Dataset, MediaLink, ObjectClass, Tag, TagMeta
from interfaces.composition import build_ledger

CTX = Context("prop")
BOX, FLAG, NOTE = 1, 1, 2
KINDS = ("upload", "add", "add", "change", "remove_object", "tag", "untag", "move",
         "remove_item", "dataset")
COMMANDS = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 50), st.integers(0, 500)),
    min_size=1, max_size=25,
)
_names = itertools.count()


def rectangle(n: int) -> dict[str, Any]:
    return {"points": {"exterior": [[n, n + 1], [n + 7, n + 9]], "interior": []}}


def media(n: int) -> MediaLink:
    return MediaLink(f"file:///media/{n}.jpg", f"{n:064x}", 100 + n, 64, 48)


def new_project(app: Ledger) -> UUID:
    name = f"prop-{next(_names)}"
    meta = MetaState(name, {BOX: ObjectClass(BOX, "box", "rectangle")},
                     {FLAG: TagMeta(FLAG, "flag"), NOTE: TagMeta(NOTE, "note", "any_string")},
                     {1: Dataset(1, "train"), 2: Dataset(2, "val")})
    return app.projects.create(name, CTX, meta)


def run(app: Ledger, pid: UUID, kind: str, a: int, b: int) -> None:
    """Apply one drawn command, choosing its targets from the project's current state."""
    datasets = sorted(app.projects.get(pid).meta.datasets)
    live = [e.item_id for e in app.core.store.catalog(pid)]
    if kind == "upload" or not live:
        objects = tuple(AnnotationObject(0, BOX, rectangle(b + i)) for i in range(a % 3))
        app.items.upload_item(pid, datasets[a % len(datasets)], f"img{next(_names)}.jpg", media(b),
                        CTX, objects=objects)
        return
    item_id = live[a % len(live)]
    item = app.items.get(item_id)
    object_ids, tags = sorted(item.objects), [t.meta_id for t in item.tags]
    if kind == "add" or (kind in ("change", "remove_object") and not object_ids):
        app.items.add_object(item_id, AnnotationObject(0, BOX, rectangle(b)), CTX)
    elif kind == "change":
        new_tags = (Tag(NOTE, f"n{b}"),) if b % 2 else None
        app.items.change_object(item_id, object_ids[b % len(object_ids)], CTX,
                          geometry=rectangle(b + 1000), tags=new_tags)
    elif kind == "remove_object":
        app.items.remove_object(item_id, object_ids[b % len(object_ids)], CTX)
    elif kind == "tag" or (kind == "untag" and not tags):
        app.items.set_tag(item_id, Tag(NOTE, f"v{b}") if b % 2 else Tag(FLAG), CTX)
    elif kind == "untag":
        app.items.remove_tag(item_id, tags[b % len(tags)], CTX)
    elif kind == "move":
        app.items.move(item_id, datasets[b % len(datasets)], f"moved{next(_names)}.jpg", CTX)
    elif kind == "remove_item":
        app.items.remove(item_id, CTX)
    else:
        app.projects.create_dataset(pid, f"ds{next(_names)}", CTX)


def replayed(app: Ledger, pid: UUID) -> list[tuple[MetaState, dict[UUID, ItemState]]]:
    """The state after each position, by folding every event of the log in memory."""
    aggregates: dict[UUID, Any] = {}
    states = []
    for rec in app.core.store.log(pid):
        event: Any = app.core.mapper.to_domain_event(rec.stored_event())
        aggregates[rec.originator_id] = event.mutate(aggregates.get(rec.originator_id))
        project = aggregates[pid]
        assert isinstance(project, Project)
        items = {i: agg.to_state() for i, agg in aggregates.items()
                 if isinstance(agg, Item) and not agg.removed}
        states.append((project.meta, items))
    return states


def rebuilt(app: Ledger, pid: UUID, position: int) -> tuple[MetaState, dict[UUID, ItemState],
                                                                 Counter[int]]:
    manifest = app.states.manifest_at(pid, position)
    items = {s.id: s for s in app.states.items_at(manifest)}
    return app.states.meta_at(pid, manifest.meta_version), items, app.states.class_counts(manifest)  # type: ignore[return-value]


def check_every_position(app: Ledger, pid: UUID) -> None:
    expected = replayed(app, pid)
    assert len(expected) == app.projects.view(pid).position
    for position, (meta, items) in enumerate(expected, 1):
        got_meta, got_items, counts = rebuilt(app, pid, position)
        assert got_meta == meta, f"meta differs at position {position}"
        assert got_items == items, f"items differ at position {position}"
        assert counts == Counter(o.class_id for s in items.values() for o in s.objects), \
            f"class counts differ at position {position}"


def test_snapshot_plus_tail_equals_full_replay_at_every_position(db_url: str) -> None:
    app = build_ledger(Settings(db_url=db_url, snapshot_every=3, item_snapshot_every=2))
    assert app.core.project_snapshots is not None and app.core.snapshots is not None
    examples = 15 if db_url.startswith("sqlite") else 5

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(commands=COMMANDS)
    def check(commands: list[tuple[str, int, int]]) -> None:
        pid = new_project(app)
        for kind, a, b in commands:
            run(app, pid, kind, a, b)
        head = app.projects.view(pid).position
        assert app.core.project_snapshots is not None
        assert (app.core.project_snapshots.latest_position(pid) > 0) == (head >= 3)
        check_every_position(app, pid)

    check()


def test_item_snapshots_are_taken_every_n_versions_and_used(db_url: str) -> None:
    """The property above only proves something if item snapshots really exist."""
    app = build_ledger(Settings(db_url=db_url, snapshot_every=3, item_snapshot_every=2))
    pid = new_project(app)
    item = app.items.upload_item(pid, 1, "a.jpg", media(1), CTX)
    for n in range(4):
        app.items.add_object(item, AnnotationObject(0, BOX, rectangle(n)), CTX)
    assert app.core.snapshots is not None
    versions = [s.originator_version for s in app.core.snapshots.recorder.select_events(item)]
    assert versions == [2, 4]
    assert [s.originator_version for s in app.core.store.stream_snapshots([(item, 4)])] == [4]
    check_every_position(app, pid)
