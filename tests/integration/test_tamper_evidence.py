"""Tamper evidence: rows changed, deleted, inserted or reordered behind the ledger's back.

Each test edits ``annoledger_events`` (or a snapshot table) with SQL, bypassing the
application, then expects ``verify`` to name the first position that no longer holds,
and reads to stay correct where a cache (a snapshot) was damaged.

The second half tampers with what is derived from the log (catalog, head rows, the time
index, notification ids, snapshots, the audit index, the workflow graph): ``verify``
recomputes each from the log and names the first row that differs, exactly, while
``verify --quick`` (the chains alone) still passes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.ledger import Ledger
from application.ports import LogRecord
from application.views.projects import VerifyView
from domain.values import AnnotationObject, Context, Tag
from infrastructure.integrity import link
from infrastructure.snapshots import unpack
from tests.conftest import DEMO


@dataclass(frozen=True)
class Edited:
    app: Ledger
    pid: UUID
    item: UUID
    head: int


def box(x: int) -> dict[str, Any]:
    return {"points": {"exterior": [[x, x], [x + 10, x + 20]], "interior": []}}


@pytest.fixture
def edited(app: Ledger, ctx: Context) -> Edited:
    """The demo project (7 events), then 6 edits on one item and a version: 14 events."""
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    meta = app.projects.get(pid).meta
    cat = meta.class_by_title("cat")
    tag = meta.tag_meta_by_name("dog")
    assert cat is not None and tag is not None
    item = app.projects.resolve_item(pid, "ds/cat1.jpg")
    added = [app.items.add_object(item, AnnotationObject(0, cat.id, box(10 * i)), ctx)
             for i in range(1, 4)]
    app.items.change_object(item, added[0], ctx, geometry=box(99))
    app.items.set_tag(item, Tag(tag.id), ctx)
    app.items.remove_object(item, added[1], ctx)
    app.versions.create(pid, ctx, title="v1")
    head = app.projects.view(pid).position
    assert head == 14
    return Edited(app, pid, item, head)


def execute(app: Ledger, statement: str, **params: Any) -> None:
    """SQL straight at the database, outside the application."""
    typed = [sa.bindparam(k, type_=sa.Uuid()) for k, v in params.items() if isinstance(v, UUID)]
    with app.core.recorder.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(sa.text(statement).bindparams(*typed), params)


def row(e: Edited, position: int) -> LogRecord:
    [rec] = e.app.core.store.log(e.pid, gt=position - 1, lte=position)
    return rec


def assert_broken_at(e: Edited, position: int) -> str:
    [report] = e.app.proofs.verify(e.pid)
    assert not report.ok
    assert report.position == position, report.reason
    return report.reason


def test_verify_accepts_an_untouched_log(edited: Edited) -> None:
    [report] = edited.app.proofs.verify(edited.pid)
    assert (report.ok, report.checked, report.position) == (True, edited.head, None)


@pytest.mark.parametrize("position", [1, 5, 14])
def test_verify_names_the_position_of_a_changed_event(edited: Edited, position: int) -> None:
    state = bytearray(row(edited, position).state)
    state[len(state) // 2] ^= 0x01
    execute(edited.app, "UPDATE annoledger_events SET state = :s "
            "WHERE project_id = :pid AND position = :p", s=bytes(state), pid=edited.pid,
            p=position)
    assert_broken_at(edited, position)


def test_verify_names_the_position_of_an_event_whose_type_was_changed(edited: Edited) -> None:
    execute(edited.app, "UPDATE annoledger_events SET topic = 'domain.item:Item.Removed' "
            "WHERE project_id = :pid AND position = 9", pid=edited.pid)
    assert_broken_at(edited, 9)


def test_verify_names_the_position_of_a_deleted_event(edited: Edited) -> None:
    execute(edited.app, "DELETE FROM annoledger_events WHERE project_id = :pid "
            "AND position = 4", pid=edited.pid)
    assert "missing" in assert_broken_at(edited, 4)


def _shift_up_from(e: Edited, position: int) -> None:
    """Make room at a position (two steps: the (project, position) pair is unique)."""
    execute(e.app, "UPDATE annoledger_events SET position = -position - 1 "
            "WHERE project_id = :pid AND position >= :p", pid=e.pid, p=position)
    execute(e.app, "UPDATE annoledger_events SET position = -position "
            "WHERE project_id = :pid AND position < 0", pid=e.pid)


def _forge(e: Edited, position: int, chain: bytes, copy_of: LogRecord) -> None:
    execute(e.app, "INSERT INTO annoledger_events (notification_id, originator_id, "
            "originator_version, topic, state, project_id, position, chain, recorded_at) "
            "VALUES ((SELECT MAX(notification_id) + 1 FROM annoledger_events), :oid, :v, "
            ":topic, :state, :pid, :p, :chain, :t)",
            oid=copy_of.originator_id, v=copy_of.originator_version + 100,
            topic=copy_of.topic, state=copy_of.state, pid=e.pid, p=position, chain=chain,
            t=time.time())


def test_verify_names_the_position_of_a_forged_row_inserted_into_the_log(
    edited: Edited,
) -> None:
    template = row(edited, 8)
    _shift_up_from(edited, 6)
    _forge(edited, 6, bytes(32), template)
    assert_broken_at(edited, 6)


def test_verify_names_a_forged_row_appended_with_a_correct_link(edited: Edited) -> None:
    """A forger who knows the chain's formula can link a new last row; the head can't."""
    last = row(edited, edited.head)
    p = edited.head + 1
    chain = link(last.chain, edited.pid, p, last.originator_id, last.originator_version + 100,
                 last.topic, last.state)
    _forge(edited, p, chain, last)
    assert_broken_at(edited, p)


def test_verify_names_the_newest_event_rewritten_with_a_correct_link(edited: Edited) -> None:
    last, before = row(edited, edited.head), row(edited, edited.head - 1)
    state = last.state + b"\x00"
    chain = link(before.chain, edited.pid, edited.head, last.originator_id,
                 last.originator_version, last.topic, state)
    execute(edited.app, "UPDATE annoledger_events SET state = :s, chain = :c "
            "WHERE project_id = :pid AND position = :p", s=state, c=chain, pid=edited.pid,
            p=edited.head)
    assert_broken_at(edited, edited.head)


def test_verify_names_the_first_of_two_swapped_events(edited: Edited) -> None:
    execute(edited.app, "UPDATE annoledger_events SET position = -1 "
            "WHERE project_id = :pid AND position = 3", pid=edited.pid)
    execute(edited.app, "UPDATE annoledger_events SET position = 3 "
            "WHERE project_id = :pid AND position = 10", pid=edited.pid)
    execute(edited.app, "UPDATE annoledger_events SET position = 10 "
            "WHERE project_id = :pid AND position = -1", pid=edited.pid)
    assert_broken_at(edited, 3)


def test_verify_names_the_position_of_a_truncated_newest_event(edited: Edited) -> None:
    execute(edited.app, "DELETE FROM annoledger_events WHERE project_id = :pid "
            "AND position = :p", pid=edited.pid, p=edited.head)
    reason = assert_broken_at(edited, edited.head)
    assert f"head records {edited.head}" in reason


def test_a_corrupt_item_snapshot_is_detected_and_the_item_replays(edited: Edited) -> None:
    """cat1.jpg reached version 7: an item snapshot was taken at version 4 (every 4)."""
    app, item = edited.app, edited.item
    expected = app.items.get(item).to_state()
    state_now = app.versions.state_of(edited.pid, "current")
    with app.core.recorder.engine.connect() as conn:  # type: ignore[attr-defined]
        count = conn.execute(sa.text("SELECT COUNT(*) FROM annoledger_snapshots")).scalar()
    assert count == 1
    execute(app, "UPDATE annoledger_snapshots SET state = :s", s=b"\x00corrupt")
    assert app.core.store.stream_snapshots([(item, 4)]) == []  # the checksum refuses it
    assert app.core.snapshots is not None
    assert app.core.snapshots.recorder.select_events(item) == []
    assert app.items.get(item).to_state() == expected
    assert app.versions.state_of(edited.pid, "current") == state_now


def test_a_corrupt_project_snapshot_chunk_falls_back_to_an_older_one_then_replay(
    edited: Edited,
) -> None:
    app, pid = edited.app, edited.pid
    snapshots = app.core.project_snapshots
    assert snapshots is not None
    assert snapshots.write(pid) == 14  # at version 1's position
    expected_v1 = app.versions.state_of(pid, 1)
    app.items.remove(app.projects.resolve_item(pid, "ds/dog1.jpg"), Context("bob"))
    assert snapshots.write(pid) == 15
    expected_now = app.versions.state_of(pid, "current")
    expected_diff = app.versions.diff(pid, 1, "current")
    assert expected_diff.items_removed == ["ds/dog1.jpg"]
    record = app.core.store.latest_snapshot(pid, lte=15)
    assert record is not None and record.position == 15
    manifest = unpack(record.manifest, app.core.store.get_chunk(record.manifest))
    assert isinstance(manifest, dict) and len(manifest["chunks"]) == 1
    execute(app, "UPDATE annoledger_chunks SET data = :d WHERE key = :k",
            d=b"\x00not the chunk", k=manifest["chunks"][0])
    assert app.versions.state_of(pid, "current") == expected_now  # snapshot 14 + the tail
    assert snapshots.latest_position(pid) == 14  # the damaged one is dropped
    assert app.versions.diff(pid, 1, "current") == expected_diff
    assert app.versions.state_of(pid, 1) == expected_v1
    older = app.core.store.latest_snapshot(pid, lte=14)
    assert older is not None
    [key] = unpack(older.manifest, app.core.store.get_chunk(older.manifest))["chunks"]  # type: ignore[index]
    execute(app, "UPDATE annoledger_chunks SET data = :d WHERE key = :k", d=b"", k=key)
    assert app.versions.state_of(pid, 1) == expected_v1
    assert app.versions.diff(pid, 1, "current") == expected_diff  # (reads no snapshot)
    assert app.versions.state_of(pid, "current") == expected_now  # no snapshot left: replay
    assert snapshots.latest_position(pid) == 0


# -- derived rows: everything verify recomputes from the log ------------------------------


@dataclass(frozen=True)
class Derived:
    """The edited demo (14 events), a second project "other" imported after it, and
    the read models caught up: every table verify recomputes holds rows."""

    app: Ledger
    pid: UUID
    other: UUID
    item: UUID


@pytest.fixture
def derived(edited: Edited, ctx: Context) -> Derived:
    app = edited.app
    other = app.imports.from_files("supervisely", DEMO, ctx, name="other").project
    app.projections.catch_up()
    return Derived(app, edited.pid, other, edited.item)


def first_failure(app: Ledger) -> VerifyView:
    """Verify everything; the first log that fails, after checking ``--quick`` passes
    (the hash chains are intact: only derived rows were touched)."""
    assert all(v.ok for v in app.proofs.verify(quick=True)), "the chains must hold"
    report = app.proofs.check()
    assert not report.ok
    first = report.first
    assert first is not None
    return first


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def recorded_at(app: Ledger, pid: UUID, position: int) -> float:
    with app.core.recorder.engine.connect() as conn:  # type: ignore[attr-defined]
        return float(conn.execute(sa.text(
            "SELECT recorded_at FROM annoledger_events WHERE project_id = :pid AND "
            "position = :p").bindparams(sa.bindparam("pid", type_=sa.Uuid())),
            {"pid": pid, "p": position}).scalar_one())


def event_time(app: Ledger, pid: UUID, position: int) -> float:
    [rec] = app.core.store.log(pid, gt=position - 1, lte=position)
    event: Any = app.core.mapper.to_domain_event(rec.stored_event())
    return float(event.timestamp.timestamp())


def test_an_untouched_database_verifies_every_table(derived: Derived) -> None:
    report = derived.app.proofs.check()
    assert report.ok, [v.reason for v in report.logs + report.views if not v.ok]  # type: ignore[operator]
    assert {v.name: v.checked for v in report.logs} == {"(system)": 12, "demo": 14,
                                                         "other": 7}
    views = {v.label: v for v in report.views}
    assert views["audit index"].rows == 33 and views["audit index"].behind == 0
    assert views["workflow graph"].rows > 0 and views["workflow graph"].upto == 33


def test_a_catalog_row_renamed_and_recounted_is_named(derived: Derived) -> None:
    app, item = derived.app, derived.item
    entry = app.core.store.catalog_entry(item)
    assert entry is not None and entry.name == "cat1.jpg"
    execute(app, "UPDATE annoledger_items SET name = 'forged.jpg', objects = objects + 5 "
            "WHERE item_id = :i", i=item)
    first = first_failure(app)
    assert (first.project, first.table, first.key) == (
        derived.pid, "catalog", f"item {item} (ds/cat1.jpg)")
    assert first.reason == (f"catalog: item {item} (ds/cat1.jpg): name 'forged.jpg', log "
                            f"says 'cat1.jpg'; objects {entry.objects + 5}, log says "
                            f"{entry.objects}")


def test_a_head_row_renamed_recounted_and_redigested_is_named(derived: Derived) -> None:
    app, pid = derived.app, derived.pid
    head = app.core.store.head(pid)
    assert head is not None
    execute(app, "UPDATE annoledger_projects SET name = 'forged', items = items + 1, "
            "objects = objects - 1, items_sum = :s WHERE project_id = :pid", s="0" * 64,
            pid=pid)
    forged = app.core.store.head(pid)
    assert forged is not None and forged.name == "forged"
    first = first_failure(app)
    assert (first.project, first.name, first.table) == (pid, "demo", "heads")
    assert first.reason == (
        f"heads: project {pid}: name 'forged', log says 'demo'; items {head.items + 1}, "
        f"log says {head.items}; objects {head.objects - 1}, log says {head.objects}; "
        f"digest {forged.digest}, log says {head.digest}")


def test_a_deleted_head_row_is_named_though_the_project_vanished(derived: Derived) -> None:
    app, pid = derived.app, derived.pid
    execute(app, "DELETE FROM annoledger_projects WHERE project_id = :pid", pid=pid)
    assert pid not in [v.id for v in app.projects.all()]
    first = first_failure(app)
    assert (first.project, first.name, first.table, first.checked) == (
        pid, "demo", "heads", 14)
    assert first.reason == (f"heads: project {pid}: no head row, though the log holds 14 "
                            f"events (the project is missing from every list)")
    [alone] = app.proofs.verify(pid)
    assert alone.reason == first.reason


def test_a_time_index_moved_before_its_event_is_named(derived: Derived) -> None:
    app, pid = derived.app, derived.pid
    at = recorded_at(app, pid, 5) - 3600
    execute(app, "UPDATE annoledger_events SET recorded_at = :t WHERE project_id = :pid "
            "AND position = 5", t=at, pid=pid)
    first = first_failure(app)
    assert (first.project, first.table, first.key, first.position) == (
        pid, "time index", "position 5", 5)
    assert first.reason == (f"time index: position 5: recorded at {iso(at)}, before the "
                            f"event itself ({iso(event_time(app, pid, 5))})")


def test_a_time_index_moved_later_is_named(derived: Derived) -> None:
    """Later than the row after it (beyond clock skew), or later than now."""
    app, pid = derived.app, derived.pid
    at = recorded_at(app, pid, 8) + 1.5
    execute(app, "UPDATE annoledger_events SET recorded_at = :t WHERE project_id = :pid "
            "AND position = 7", t=at, pid=pid)
    time.sleep(0.6)  # the moved time is past by now
    first = first_failure(app)
    assert first.reason == (f"time index: position 8: recorded at "
                            f"{iso(recorded_at(app, pid, 8))}, before position 7 ({iso(at)})")
    future = time.time() + 86400
    execute(app, "UPDATE annoledger_events SET recorded_at = :t WHERE project_id = :pid "
            "AND position >= 7", t=future, pid=pid)
    first = first_failure(app)
    assert first.reason.startswith(f"time index: position 7: recorded at {iso(future)}, "
                                   f"later than now (")


def test_a_newest_time_moved_past_another_logs_is_named_in_notification_order(
    derived: Derived,
) -> None:
    """The head of demo moved later than the events recorded after it in other logs."""
    app, pid = derived.app, derived.pid
    system_first = recorded_at(app, derived.other, 1)
    at = system_first + 1.5
    execute(app, "UPDATE annoledger_events SET recorded_at = :t WHERE project_id = :pid "
            "AND position = 14", t=at, pid=pid)
    time.sleep(0.6)
    [own] = app.proofs.verify(pid)
    assert own.ok  # alone, demo's log holds together
    first = first_failure(app)
    [rec] = app.core.store.log(pid, gt=13, lte=14)
    assert first.table == "time index" and first.project != pid
    assert f", before event {rec.notification_id} ({iso(at)}), though events are " \
           f"numbered as they are recorded" in first.reason


def test_notification_ids_swapped_between_projects_are_named(derived: Derived) -> None:
    app, pid, other = derived.app, derived.pid, derived.other
    [a2, a3] = app.core.store.log(pid, gt=1, lte=3)
    [b2, b3] = app.core.store.log(other, gt=1, lte=3)
    execute(app, "UPDATE annoledger_events SET notification_id = -1 WHERE "
            "notification_id = :n", n=a2.notification_id)
    execute(app, "UPDATE annoledger_events SET notification_id = :a WHERE "
            "notification_id = :b", a=a2.notification_id, b=b3.notification_id)
    execute(app, "UPDATE annoledger_events SET notification_id = :b WHERE "
            "notification_id = -1", b=b3.notification_id)
    report = app.proofs.check()
    logs = {v.name: v for v in report.logs}
    assert logs["demo"].reason == (
        f"events: position 3: notification id {a3.notification_id} is not after position "
        f"2's {b3.notification_id}: the log's order was changed")
    assert logs["other"].reason == (
        f"events: position 3: notification id {a2.notification_id} is not after position "
        f"2's {b2.notification_id}: the log's order was changed")
    assert report.first is logs["demo"]
    assert all(v.ok for v in app.proofs.verify(quick=True))


def test_a_rewritten_audit_row_is_named(derived: Derived) -> None:
    app, pid = derived.app, derived.pid
    [rec] = app.core.store.log(pid, gt=8, lte=9)
    rows = app.audit.index.t.rows  # type: ignore[attr-defined]
    with app.core.recorder.engine.connect() as conn:  # type: ignore[attr-defined]
        summary = conn.execute(sa.select(rows.c.summary).where(
            rows.c.notification_id == rec.notification_id)).scalar_one()
    execute(app, f"UPDATE {rows.name} SET actor = 'mallory', summary = 'nothing happened' "
            "WHERE notification_id = :n", n=rec.notification_id)
    first = first_failure(app)
    assert (first.project, first.table, first.key) == (
        pid, "audit index", f"event {rec.notification_id} (position 9)")
    assert first.reason == (f"audit index: event {rec.notification_id} (position 9): actor "
                            f"'mallory', log says 'alice'; summary 'nothing happened', log "
                            f"says {summary!r}")


def test_a_rewritten_workflow_row_is_named(derived: Derived) -> None:
    app, pid = derived.app, derived.pid
    nodes = app.workflow.view.tables.nodes  # type: ignore[attr-defined]
    with app.core.recorder.engine.connect() as conn:  # type: ignore[attr-defined]
        attrs, since = conn.execute(sa.select(nodes.c.attrs, nodes.c.valid_from).where(
            nodes.c.node_id == f"project:{pid}", nodes.c.valid_to.is_(None))).one()
    forged = json.dumps({**json.loads(attrs), "name": "forged"}, sort_keys=True)
    execute(app, f"UPDATE {nodes.name} SET attrs = :a WHERE node_id = :n AND valid_to IS "
            "NULL", a=forged, n=f"project:{pid}")
    first = first_failure(app)
    assert (first.name, first.table) == ("(system)", "workflow graph")
    assert first.reason == (f"workflow graph: {nodes.name} 'project:{pid}' (from "
                            f"{iso(since)}): attrs.name 'forged', log says 'demo'")


def test_a_snapshot_rewritten_with_a_fresh_checksum_is_named(derived: Derived) -> None:
    """cat1.jpg's snapshot at version 4 (position 10) moved one object: its checksum is
    recomputed, so only a replay tells."""
    app, item = derived.app, derived.item
    agg: Any = app.core.repository.get(item, version=4)
    obj = next(iter(agg.objects.values()))
    agg.objects[obj.id] = replace(obj, geometry=box(77))
    stored = app.core.mapper.to_stored_event(type(agg).Snapshot.take(agg))
    execute(app, "UPDATE annoledger_snapshots SET state = :s, checksum = :c WHERE "
            "originator_id = :i AND originator_version = 4", s=stored.state,
            c=hashlib.sha256(stored.state).digest(), i=item)
    first = first_failure(app)
    assert (first.project, first.table, first.position) == (derived.pid, "snapshots", 10)
    assert first.reason == f"snapshots: item {item} v4: differs from its events"


def test_quick_verify_recomputes_the_chains_alone(derived: Derived) -> None:
    app = derived.app
    execute(app, "UPDATE annoledger_items SET objects = 99 WHERE item_id = :i", i=derived.item)
    quick = app.proofs.check(quick=True)
    assert quick.ok and quick.quick and quick.views == []
    assert [(v.name, v.checked) for v in quick.logs] == [
        ("(system)", 12), ("demo", 14), ("other", 7)]
    assert not app.proofs.check().ok


def test_verify_while_another_writer_edits_finds_nothing_wrong(derived: Derived) -> None:
    """Each log is read with its derived rows in one snapshot, and read models up to the
    event they applied: rows committed meanwhile never look forged."""
    app, item = derived.app, derived.item
    cat = app.projects.get(derived.pid).meta.class_by_title("cat")
    assert cat is not None
    done = threading.Event()
    failures: list[BaseException] = []

    def edit() -> None:
        try:
            for i in range(40):
                app.items.add_object(item, AnnotationObject(0, cat.id, box(i)), Context("eve"))
                if i % 10 == 0:
                    app.projections.catch_up()
        except BaseException as exc:  # reported by the test below
            failures.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=edit)
    writer.start()
    reports = []
    while not done.is_set():
        reports.append(app.proofs.check())
    writer.join()
    assert not failures
    assert reports and all(r.ok for r in reports), [
        v.reason for r in reports for v in r.logs if not v.ok]
    assert app.proofs.check().ok


def test_a_catalog_row_moved_to_a_project_without_a_log_is_named_twice(
    derived: Derived,
) -> None:
    app, item = derived.app, derived.item
    elsewhere = UUID(int=7)
    execute(app, "UPDATE annoledger_items SET project_id = :p WHERE item_id = :i",
            p=elsewhere, i=item)
    report = app.proofs.check()
    logs = {v.project: v for v in report.logs}
    assert logs[derived.pid].reason == (f"catalog: item {item} (ds/cat1.jpg): missing, "
                                        f"though the log holds it (version 7)")
    assert (logs[elsewhere].name, logs[elsewhere].reason) == (
        "?", f"catalog: item {item} (cat1.jpg): listed in a project that has no log")
    assert report.first is logs[derived.pid]
