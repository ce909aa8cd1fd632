"""The audit index: every event an indexed row (actor, time, type, target, project and
log position, session, before/after summary), kept up to date with a tracked position."""

from __future__ import annotations

import pytest

from application.ledger import Ledger
from application.settings import Settings
from application.views.audit import AuditFilter, AuditRow
from domain.errors import ValidationError
from interfaces.composition import build_ledger
from projections.audit_index import AuditIndex
from tests.integration.audit_story import Story, tell


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
    assert by_position[2].summary == "uploaded ds/cat1.jpg: 1 objects, 0 tags"
    assert (by_position[14].target_kind, by_position[14].target_id) == ("version", "1")
    assert by_position[1].summary == "project 'demo': 5 classes, 2 tags, 1 datasets"
    log = story.app.history.log_entries(story.pid, limit=100, newest=False)
    assert [(e.position, e.actor, e.type) for e in log] == [
        (p, r.actor, r.type) for p, r in sorted(by_position.items())]


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
