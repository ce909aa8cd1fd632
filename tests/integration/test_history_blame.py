"""History and blame: every change to an item or one object, folded from its own stream."""

from __future__ import annotations

import pytest

from application.ledger import Ledger
from domain.errors import NotFoundError
from domain.values import Context
from tests.integration.audit_story import PENTAGON, SQUARE, Story, tell


@pytest.fixture
def story(app: Ledger) -> Story:
    return tell(app)


def test_an_items_history_lists_every_change_with_actor_session_and_what_changed(
    story: Story,
) -> None:
    entries = story.app.history.item(story.pid, story.cat1)
    assert [(e.position, e.actor, e.type, e.summary) for e in entries] == [
        (2, "alice", "Item.Uploaded", "uploaded ds/cat1.jpg: 1 object, 0 tags"),
        (9, "bob", "Item.ObjectClassChanged", "class cat → lynx"),
        (10, "carol", "Item.ObjectAdded", "added dog2 (4 pts)"),
        (11, "carol", "Item.ObjectGeometryChanged", "geometry: 4 pts → 5 pts"),
        (12, "carol", "Item.TagSet", "tag dog: — → set"),
    ]
    assert [e.session for e in entries][2:] == [story.session] * 3
    assert [e.version for e in entries] == [1, 2, 3, 4, 5]
    assert [[c.object_id for c in e.objects] for e in entries] == [
        [story.box], [story.box], [story.polygon], [story.polygon], []]


def test_an_objects_history_has_its_class_geometry_and_tags_before_and_after(
    story: Story,
) -> None:
    box = story.app.history.item(story.pid, story.cat1, object_id=story.box)
    assert [e.type for e in box] == ["Item.Uploaded", "Item.ObjectClassChanged"]
    [uploaded], [changed] = box[0].objects, box[1].objects
    assert uploaded.before is None and uploaded.after is not None
    assert (uploaded.after.class_title, uploaded.after.labeler) == ("cat", "Armen")
    assert uploaded.after.tags == (("cat", None),)
    assert changed.before == uploaded.after
    assert changed.after is not None and changed.after.class_title == "lynx"
    assert changed.after.geometry == changed.before.geometry
    polygon = story.app.history.item(story.pid, story.cat1, object_id=story.polygon)
    [added], [reshaped] = polygon[0].objects, polygon[1].objects
    assert added.before is None and added.after is not None
    assert added.after.geometry == SQUARE
    assert reshaped.before == added.after
    assert reshaped.after is not None and reshaped.after.geometry == PENTAGON
    removed = story.app.history.item(story.pid, story.cat3, object_id=story.removed)
    assert removed[-1].type == "Item.ObjectRemoved" and removed[-1].objects[0].after is None
    assert removed[-1].summary == "removed cat (2 pts)"
    assert polygon[1].as_json()["objects"][0]["after"]["class"] == "dog2"


def test_blame_credits_the_labeler_the_adder_and_the_last_changer(story: Story) -> None:
    lines = {b.object_id: b for b in story.app.history.blame(story.pid, story.cat1)}
    assert set(lines) == {story.box, story.polygon}
    box = lines[story.box]
    assert (box.class_title, box.labeler, box.created.actor, box.created.type) == (
        "lynx", "Armen", "alice", "Item.Uploaded")
    assert box.changed is not None
    assert (box.changed.actor, box.changed.position, box.changed.type) == (
        "bob", 9, "Item.ObjectClassChanged")
    polygon = lines[story.polygon]
    assert (polygon.created.actor, polygon.created.position) == ("carol", 10)
    assert polygon.changed is not None and polygon.changed.position == 11
    untouched = story.app.history.blame(story.pid, story.cat3)
    assert story.removed not in {b.object_id for b in untouched}
    assert all(b.changed is None and b.created.actor == "alice" for b in untouched)


def test_a_replaced_annotation_credits_its_actor_for_new_and_changed_objects(
    story: Story,
) -> None:
    app = story.app
    item = app.items.get(story.cat1)
    kept = item.objects[story.box]
    app.items.replace_annotation(story.cat1, Context("dave"), tags=item.tags, objects=(kept,))
    lines = app.history.blame(story.pid, story.cat1)
    assert [b.object_id for b in lines] == [story.box]
    assert lines[0].changed is not None and lines[0].changed.actor == "bob"
    last = app.history.item(story.pid, story.cat1)[-1]
    assert (last.actor, last.summary) == (
        "dave", f"+0 -1 ~0 objects: -{story.polygon} dog2 (5 pts)")


def test_a_removed_items_history_remains_and_its_blame_is_empty(story: Story) -> None:
    story.app.items.remove(story.cat3, Context("erin"))
    entries = story.app.history.item(story.pid, story.cat3)
    assert (entries[-1].actor, entries[-1].type) == ("erin", "Item.Removed")
    assert entries[-1].summary == "removed ds/cat3.jpg (2 objects)"
    assert {c.object_id for c in entries[-1].objects} == {
        o.id for o in story.app.replay.state_at(story.pid, 13).items[(1, "cat3.jpg")].objects}
    assert story.app.history.blame(story.pid, story.cat3) == []


def test_unknown_objects_and_items_of_other_projects_are_not_found(story: Story) -> None:
    with pytest.raises(NotFoundError, match="object"):
        story.app.history.item(story.pid, story.cat1, object_id=12345)
    other = story.app.projects.create("other", Context("alice"))
    with pytest.raises(NotFoundError, match="item"):
        story.app.history.item(other, story.cat1)
    with pytest.raises(NotFoundError, match="item"):
        story.app.history.blame(other, story.cat1)
