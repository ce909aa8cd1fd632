"""Tamper evidence: rows changed, deleted, inserted or reordered behind the ledger's back.

Each test edits ``annoledger_events`` (or a snapshot table) with SQL, bypassing the
application, then expects ``verify`` to name the first position that no longer holds,
and reads to stay correct where a cache (a snapshot) was damaged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.ledger import Ledger
from application.ports import LogRecord
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
    assert app.versions.state_of(pid, 1) == expected_v1  # no snapshot left: a full replay
    assert app.versions.diff(pid, 1, "current") == expected_diff
    assert snapshots.latest_position(pid) == 0
