"""The audit index: every event an indexed row (actor, time, type, target, project and
log position, item path, object class, session, before/after summary), kept up to date
with a tracked position, and rebuilt when the code deriving it changes."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from application.ledger import Ledger
from application.settings import Settings
from application.views.audit import AuditFilter, AuditRow
from domain.errors import ValidationError
from interfaces.composition import build_ledger
from projections.audit_index import AuditIndex, derive_rows
from projections.audit_schema import SCHEMA_KEY
from tests.integration.audit_story import Story, edit_everything, tell


@pytest.fixture
def story(app: Ledger) -> Story:
    return tell(app)


def rows(app: Ledger, **where: object) -> list[AuditRow]:
    return app.audit.query(AuditFilter(**where), limit=1000).rows  # type: ignore[arg-type]


def test_each_change_is_a_row_naming_actor_target_position_session_and_what_changed(
    story: Story,
) -> None:
    by_position = {r.position: r for r in rows(story.app, project_id=story.pid)}
    assert sorted(by_position) == list(range(1, 15))
    reclassified = by_position[9]
    assert (reclassified.actor, reclassified.type, reclassified.target_kind,
            reclassified.target_id, reclassified.item_id, reclassified.object_id,
            reclassified.summary) == ("bob", "Item.ObjectClassChanged", "object",
                                      str(story.box), story.cat1, story.box, "class cat → lynx")
    reshaped = by_position[11]
    assert (reshaped.actor, reshaped.session_id, reshaped.summary) == (
        "carol", story.session, "geometry: 4 pts → 5 pts")
    assert by_position[8].summary == "class lynx added (rectangle)"
    assert (by_position[8].target_kind, by_position[8].target_id) == ("class", str(story.lynx))
    assert by_position[10].summary == "added dog2 (4 pts)"
    assert by_position[12].summary == "tag dog: — → set"
    assert (by_position[12].target_kind, by_position[13].summary) == (
        "tag", "removed cat (2 pts)")
    assert by_position[2].summary == "uploaded ds/cat1.jpg: 1 object, 0 tags"
    assert (by_position[14].target_kind, by_position[14].target_id) == ("version", "1")
    assert by_position[1].summary == "project 'demo': 5 classes, 2 tags, 1 dataset"
    log = story.app.history.log_entries(story.pid, limit=100, newest=False)
    assert [(e.position, e.actor, e.type) for e in log] == [
        (p, r.actor, r.type) for p, r in sorted(by_position.items())]


def test_each_row_names_the_project_the_item_by_path_and_the_object_by_class(
    story: Story,
) -> None:
    by_position = {r.position: r for r in rows(story.app, project_id=story.pid)}
    assert {r.project_name for r in by_position.values()} == {"demo"}
    reclassified, removed = by_position[9], by_position[13]
    assert (reclassified.item_path, reclassified.object_id, reclassified.object_class) == (
        "ds/cat1.jpg", story.box, "lynx")
    assert (removed.item_path, removed.object_id, removed.object_class) == (
        "ds/cat3.jpg", story.removed, "cat")
    assert (by_position[12].item_path, by_position[12].object_class) == ("ds/cat1.jpg", "")
    assert (by_position[1].item_path, by_position[1].item_id) == ("", None)
    assert not any(r.bookkeeping for r in by_position.values())


def test_object_finds_every_event_that_touched_it_each_saying_what_changed(
    story: Story,
) -> None:
    said = edit_everything(story)
    found = [(r.position, r.type, r.summary) for r in rows(story.app, object_id=story.box)]
    assert found[::-1] == [
        (2, "Item.Uploaded", "uploaded ds/cat1.jpg: 1 object, 0 tags"),
        (9, "Item.ObjectClassChanged", "class cat → lynx"),
        (16, "Item.ObjectGeometryChanged", said[16]),
        (18, "Item.ObjectTagsChanged", said[18]),
        (19, "Item.ObjectTagsChanged", said[19]),
        (20, "Item.ObjectDetailsChanged", said[20]),
        (21, "Item.ObjectDetailsChanged", said[21]),
        (22, "Item.ObjectClassChanged", said[22]),
        (23, "Item.AnnotationReplaced", said[23]),
    ]
    assert [r.position for r in rows(story.app, object_id=story.polygon)][::-1] == [
        10, 11, 17, 23]
    by_position = {r.position: r for r in rows(story.app, project_id=story.pid)}
    assert {p: by_position[p].summary for p in said} == said
    assert [by_position[p].object_class for p in (16, 21, 22)] == ["lynx", "lynx", "cat"]
    assert by_position[17].object_class == "dog2"
    for row in by_position.values():
        assert "pts → " not in row.summary or row.summary == "geometry: 4 pts → 5 pts"
        assert "+0 -0 ~0" not in row.summary and "nothing changed" not in row.summary


def test_an_item_is_found_by_every_path_it_had_and_by_its_id(story: Story) -> None:
    edit_everything(story)
    app = story.app
    by_id = [r.position for r in rows(app, item_id=story.cat1)]
    assert by_id == [24, 23, 22, 21, 20, 19, 18, 17, 16, 12, 11, 10, 9, 2]
    assert [r.position for r in rows(app, item_path="ds/cat1.jpg")] == by_id
    assert [r.position for r in rows(app, item_path="ds/kitten.jpg")] == by_id
    assert [r.position for r in rows(app, item_path="ds/kitten.jpg",
                                     project_id=story.pid)] == by_id
    paths = {r.position: r.item_path for r in rows(app, item_id=story.cat1)}
    assert paths[24] == "ds/kitten.jpg" and set(paths.values()) == {"ds/cat1.jpg",
                                                                  "ds/kitten.jpg"}
    assert all(paths[p] == "ds/cat1.jpg" for p in by_id if p < 24)
    other = app.projects.create("other", app.core.ctx("zoe"))
    assert rows(app, item_path="ds/cat1.jpg", project_id=other) == []
    assert rows(app, item_path="ds/cat9.jpg") == []
    with pytest.raises(ValidationError, match="item"):
        app.audit.query(AuditFilter(item_path="cat1.jpg"))


def test_session_bookkeeping_is_left_out_unless_asked_for(story: Story) -> None:
    app = story.app
    assert {r.type.partition(".")[0] for r in rows(app)} == {"Item", "Project"}
    everything = rows(app, include_sessions=True)
    bookkeeping = [r for r in everything if r.bookkeeping]
    assert {r.type for r in bookkeeping} >= {"AppSession.Started", "AppSession.Finished"}
    assert all(r.type.startswith("AppSession.") for r in bookkeeping)
    assert len(everything) == len(rows(app)) + len(bookkeeping)
    started = rows(app, type="AppSession.Started")
    assert started and all(r.bookkeeping for r in started)
    assert "AppSession.Started" in {r.type for r in rows(app, session_id=story.session)}


def test_the_log_says_what_the_audit_index_says(story: Story) -> None:
    edit_everything(story)
    app = story.app
    indexed = sorted(rows(app, project_id=story.pid), key=lambda r: r.position)
    log = app.history.log_entries(story.pid, limit=100, newest=False)
    assert [(e.position, e.summary, e.item, e.object_class) for e in log] == [
        (r.position, r.summary, r.item_path, r.object_class) for r in indexed]
    # from the middle of the log: briefs built from the items as they stood then
    tail = app.history.log_entries(story.pid, limit=5)
    assert [(e.position, e.summary) for e in tail] == [
        (r.position, r.summary) for r in indexed[-5:]]
    steps = app.replay.step(story.pid, 17, 23)
    assert [s.summary for s in steps] == [r.summary for r in indexed[16:23]]


def _stored(index: AuditIndex) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    with index.engine.connect() as conn:
        stored = [dict(r._mapping) for r in conn.execute(
            sa.select(index.t.rows).order_by(index.t.rows.c.notification_id))]
        refs = [tuple(r) for r in conn.execute(sa.select(
            index.t.objects.c.notification_id, index.t.objects.c.object_id).order_by(
            index.t.objects.c.notification_id, index.t.objects.c.object_id))]
    return stored, refs  # type: ignore[return-value]


def test_replaying_the_log_through_the_derivation_gives_the_stored_rows(
    story: Story,
) -> None:
    edit_everything(story)
    app = story.app
    app.audit.catch_up()
    index = app.audit.index
    assert isinstance(index, AuditIndex)
    ev = index.t.events
    with index.engine.connect() as conn:
        where = {r[0]: (r[1], r[2]) for r in conn.execute(
            sa.select(ev.c.notification_id, ev.c.project_id, ev.c.position))}
    notes = app.core.recorder.select_notifications(start=1, limit=10_000)  # type: ignore[attr-defined]
    derived = list(derive_rows(
        (n.id, app.core.mapper.to_domain_event(n), *where.get(n.id, (None, 0)))
        for n in notes))
    stored, refs = _stored(index)
    assert [r for r, _ in derived] == stored
    assert sorted((ref["notification_id"], ref["object_id"]) for _, rs in derived
                  for ref in rs) == refs


def test_an_index_derived_by_older_code_is_rebuilt_not_served(
    story: Story, settings: Settings,
) -> None:
    app = story.app
    before = rows(app, include_sessions=True)
    index = app.audit.index
    assert isinstance(index, AuditIndex)
    engine = index.engine
    with engine.begin() as conn:  # as version 1 of the index left a database
        for table in (index.t.rows, index.t.objects, index.t.state):
            conn.execute(sa.text(f'DROP TABLE "{table.name}"'))
        conn.execute(sa.text("CREATE TABLE annoledger_audit_events (notification_id "
                             "BIGINT PRIMARY KEY, summary TEXT)"))
    assert index.tracking.max_tracking_id(index.name) == index.position() > 0
    assert rows(build_ledger(settings), include_sessions=True) == before
    assert "annoledger_audit_events" not in sa.inspect(engine).get_table_names()
    with engine.begin() as conn:  # rows another version derived, with its marker
        conn.execute(index.t.rows.update().values(summary="forged"))
        conn.execute(index.t.state.update().where(index.t.state.c.key == SCHEMA_KEY)
                     .values(data="1"))
    assert rows(build_ledger(settings), include_sessions=True) == before


def test_an_actor_and_a_time_range_select_exactly_that_actors_changes(story: Story) -> None:
    found = rows(story.app, actor="bob", since=story.t0, until=story.t1)
    assert [r.type for r in found] == ["Item.ObjectClassChanged", "Project.ClassAdded"]
    assert rows(story.app, actor="carol", until=story.t1) == []
    assert rows(story.app, actor="bob", since=story.t1) == []
    assert {r.actor for r in rows(story.app, since=story.t1, until=story.t2)} == {"carol"}


def test_filters_by_item_object_type_and_session(story: Story) -> None:
    app = story.app
    assert [r.type for r in rows(app, object_id=story.box)] == [
        "Item.ObjectClassChanged", "Item.Uploaded"]
    assert [r.type for r in rows(app, object_id=story.removed)] == [
        "Item.ObjectRemoved", "Item.Uploaded"]
    assert [r.position for r in rows(app, item_id=story.cat1)] == [12, 11, 10, 9, 2]
    assert [r.position for r in rows(app, type="ObjectGeometryChanged")] == [11]
    assert rows(app, type="Item.ObjectGeometryChanged") == rows(app, type="ObjectGeometryChanged")
    in_session = rows(app, session_id=story.session)
    assert [r.type for r in in_session] == [
        "Item.ObjectRemoved", "Item.TagSet", "Item.ObjectGeometryChanged", "Item.ObjectAdded",
        "AppSession.Started"]
    assert {r.actor for r in in_session} == {"carol"}
    assert rows(app, actor="carol", object_id=story.polygon, type="ObjectAdded")[0].position == 10


def test_pages_are_newest_first_and_point_to_the_next_page(story: Story) -> None:
    everything = rows(story.app)
    assert [r.time for r in everything] == sorted((r.time for r in everything), reverse=True)
    seen, offset = [], 0
    while True:
        page = story.app.audit.query(limit=4, offset=offset)
        seen += page.rows
        if page.next_offset is None:
            break
        offset = page.next_offset
    assert seen == everything
    with pytest.raises(ValidationError, match="limit"):
        story.app.audit.query(limit=0)
    with pytest.raises(ValidationError, match="since"):
        story.app.audit.query(AuditFilter(since=story.t2, until=story.t0))


def test_catching_up_resumes_from_the_tracked_position_and_applies_nothing_twice(
    story: Story, settings: Settings,
) -> None:
    app = story.app
    before = rows(app)
    index = app.audit.index
    assert isinstance(index, AuditIndex)
    last = app.core.recorder.max_notification_id()  # type: ignore[attr-defined]
    assert index.position() == last
    notes = app.core.recorder.select_notifications(start=1, limit=5)  # type: ignore[attr-defined]
    index.apply([(n, app.core.mapper.to_domain_event(n)) for n in notes])
    assert index.position() == last and rows(app) == before
    other = build_ledger(settings)
    assert other.audit.catch_up() == 0
    assert rows(other) == before
    index.reset()
    assert index.position() == 0
    assert app.audit.catch_up() == last
    assert rows(app) == before


def test_every_object_of_the_real_export_can_be_followed_from_its_upload(app: Ledger) -> None:
    story = tell(app)
    state = app.replay.state_at(story.pid, 7)
    ids = [o.id for i in state.items.values() for o in i.objects]
    assert len(ids) == 9
    for object_id in ids:
        assert rows(app, object_id=object_id)[-1].type == "Item.Uploaded"
