"""Replay tools: the state at a position or time, steps, bisect, geometry-aware compare."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from application.ledger import Ledger
from domain.digest import state_digest
from domain.errors import ValidationError
from domain.values import AnnotationObject, Context, ObjectClass
from interfaces.cli.main import main
from tests.conftest import DEMO
from tests.integration.audit_story import PENTAGON, tell


def shifted(geometry: dict[str, Any], dx: int, dy: int = 0) -> dict[str, Any]:
    points = geometry["points"]
    return {"points": {"exterior": [[x + dx, y + dy] for x, y in points["exterior"]],
                       "interior": points.get("interior", [])}}


def test_the_state_at_a_versions_position_has_the_versions_digest(app: Ledger) -> None:
    story = tell(app)
    version = app.versions.get(story.pid, 1)
    view = app.replay.show(story.pid, position=version.position)
    assert (view.position, view.digest) == (version.position, version.digest)
    imported = app.replay.show(story.pid, position=7)
    assert (imported.items, imported.objects, imported.empty_items) == (6, 9, 0)
    assert "lynx" not in imported.classes and sum(imported.classes.values()) == 9
    with pytest.raises(ValidationError, match="position"):
        app.replay.show(story.pid, position=15)


def test_as_of_a_time_gives_the_state_last_recorded_before_it(app: Ledger) -> None:
    story = tell(app)
    assert app.replay.show(story.pid, as_of=story.t0).position == 7
    assert app.replay.show(story.pid, as_of=story.t1).position == 9
    assert app.replay.show(story.pid, as_of=time.time()).position == 14
    with pytest.raises(ValidationError, match="did not exist"):
        app.replay.show(story.pid, as_of=story.t0 - 3600)


def test_a_past_state_exports_as_a_project_that_imports_to_the_same_digest(
    app: Ledger, tmp_path: Path,
) -> None:
    story = tell(app)
    view = app.replay.show(story.pid, position=11, export=tmp_path / "at11")
    again = app.imports.from_files("supervisely", tmp_path / "at11", Context("alice"), name="again")
    assert app.projects.view(again.project).digest == view.digest
    assert view.digest == state_digest(app.replay.state_at(story.pid, 11))


def test_stepping_shows_each_event_with_what_it_changed(app: Ledger) -> None:
    story = tell(app)
    steps = app.replay.step(story.pid, 8, 14)
    assert [(s.position, s.actor, s.summary) for s in steps] == [
        (8, "bob", "class lynx added (rectangle)"),
        (9, "bob", "class cat → lynx"),
        (10, "carol", "added dog2 (4 pts)"),
        (11, "carol", "geometry: 4 pts → 5 pts"),
        (12, "carol", "tag dog: — → set"),
        (13, "carol", "removed cat (2 pts)"),
        (14, "alice", "version 1 'v1' at position 13"),
    ]
    assert steps[1].target == f"object:{story.box}" and steps[3].session == str(story.session)
    assert app.replay.step(story.pid, 11, 11)[0].summary == "geometry: 4 pts → 5 pts"
    with pytest.raises(ValidationError, match="from"):
        app.replay.step(story.pid, 9, 8)


def test_bisect_finds_the_planted_faulty_event(app: Ledger) -> None:
    """80 ordinary edits, and among them one reclassification, one emptied item and one
    lost cat box: each predicate names exactly the event that planted it."""
    alice, labeler, mallory = Context("alice"), Context("labeler-1"), Context("mallory")
    pid = app.imports.from_files("supervisely", DEMO, alice, name="demo").project
    lynx = app.projects.add_class(pid, ObjectClass(0, "lynx", "rectangle"), alice)
    state = app.replay.state_at(pid, app.projects.view(pid).position)
    meta = app.projects.get(pid).meta
    cat = meta.class_by_title("cat")
    assert cat is not None
    boxes = [(i.id, o) for i in state.items.values() for o in i.objects if o.class_id == cat.id]
    cats = len(boxes)
    (victim_item, victim), (moved_item, moved) = boxes[0], boxes[1]
    flat = {c.id for c in meta.classes.values() if c.shape in ("rectangle", "polygon", "line")}
    other = next((i.id, o) for i in state.items.values() for o in i.objects
                 if o.class_id in flat and o.class_id != cat.id)
    dog2 = app.projects.resolve_item(pid, "ds/dog2.jpg")
    planted: dict[str, int] = {}
    for step in range(80):
        assert moved_item is not None and victim_item is not None
        app.items.change_object(moved_item, moved.id, labeler,
                                geometry=shifted(moved.geometry, step))
        if step == 23:
            app.items.change_object(victim_item, victim.id, mallory, class_id=lynx.id)
            planted["class"] = app.projects.view(pid).position
        if step == 41:
            for object_id in list(app.items.get(dog2).objects):
                app.items.remove_object(dog2, object_id, mallory)
            planted["empty"] = app.projects.view(pid).position
        if step == 62:
            app.items.remove_object(moved_item, moved.id, mallory)
            planted["cats"] = app.projects.view(pid).position
            moved_item, moved = other
    found = app.replay.bisect(pid, f'class_of(object={victim.id}) == "lynx"')
    assert found.position == planted["class"]
    assert found.event is not None and found.event.actor == "mallory"
    assert found.event.summary == "class cat → lynx"
    assert len(found.probes) <= 10
    assert app.replay.bisect(pid, "empty_items() > 0").position == planted["empty"]
    assert app.replay.bisect(pid, f'count(class="cat") < {cats - 1}').position == planted["cats"]
    lost = app.replay.bisect(pid, f"not exists(object={moved.id}) and items() == 6")
    assert lost.position is None and lost.event is None
    with pytest.raises(ValidationError, match="predicate"):
        app.replay.bisect(pid, "items() >>> 3")


def test_bisect_refuses_a_class_or_tag_the_project_never_had(app: Ledger) -> None:
    story = tell(app)
    with pytest.raises(ValidationError) as caught:
        app.replay.bisect(story.pid, 'count(class="persn") < 12')
    assert caught.value.field == "predicate"
    assert "unknown class 'persn'" in str(caught.value)
    assert "'cat'" in str(caught.value) and "'lynx'" in str(caught.value)
    with pytest.raises(ValidationError, match=r"unknown tag 'dgo'.*'dog'"):
        app.replay.bisect(story.pid, 'tagged(tag="dgo") > 0')
    with pytest.raises(ValidationError, match="unknown class 'lynxx'"):
        app.replay.bisect(story.pid, f'class_of(object={story.box}) == "lynxx"')


def test_bisect_accepts_a_class_the_project_had_before_renaming_it(app: Ledger) -> None:
    story = tell(app)
    ctx = Context("dave")
    app.projects.change_class(story.pid, story.lynx, ctx, title="bobcat")
    renamed = app.projects.view(story.pid).position
    found = app.replay.bisect(story.pid, 'count(class="bobcat") > 0')
    assert (found.position, found.from_start) == (renamed, False)
    gone = app.replay.bisect(story.pid, 'count(class="lynx") == 0 and count() > 0', start=9)
    assert gone.position == renamed and gone.event is not None
    assert gone.event.summary.startswith("class")


def test_bisect_says_a_predicate_holds_from_the_start_instead_of_blaming_an_event(
    app: Ledger,
) -> None:
    story = tell(app)
    cats = app.replay.show(story.pid, position=7).classes["cat"]
    empty = app.replay.bisect(story.pid, f'count(class="cat") < {cats + 50}')
    assert (empty.position, empty.from_start, empty.event) == (1, True, None)
    assert empty.as_json()["holds_from_start"] is True
    found = app.replay.bisect(story.pid, f'count(class="cat") < {cats}', start=7)
    assert (found.position, found.from_start) == (9, False)
    assert found.event is not None and found.event.summary == "class cat → lynx"
    assert found.as_json()["holds_from_start"] is False
    later = app.replay.bisect(story.pid, f'count(class="cat") < {cats}', start=10)
    assert (later.position, later.from_start, later.event) == (10, True, None)
    assert all(position >= 10 for position, _ in later.probes)
    with pytest.raises(ValidationError) as caught:
        app.replay.bisect(story.pid, "items() > 0", start=15)
    assert caught.value.field == "from"


def test_the_bisect_command_refuses_an_unknown_class_in_one_line_and_says_from_the_start(
    app: Ledger, db_url: str, capsys: pytest.CaptureFixture[str],
) -> None:
    tell(app)
    base = ["--db", db_url, "replay", "bisect", "demo", "--predicate"]
    with pytest.raises(SystemExit) as refused:
        main([*base, 'count(class="persn") < 12'])
    err = capsys.readouterr().err
    assert refused.value.code == 1
    assert err.count("\n") == 1 and "predicate: unknown class 'persn'" in err
    main([*base, 'count(class="cat") < 100'])
    out = capsys.readouterr().out
    assert "holds from the start: at position 1 of 14" in out and "first true" not in out
    main([*base, 'count(class="cat") < 100', "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert (shown["position"], shown["holds_from_start"], shown["event"]) == (1, True, None)
    main([*base, "count(class=\"lynx\") > 0", "--from", "2"])
    assert "first true at position 9 of 14" in capsys.readouterr().out


def test_geometry_aware_compare_tells_moves_resizes_reshapes_and_reclassifications_apart(
    app: Ledger,
) -> None:
    story = tell(app)
    ctx = Context("frank")
    fox = app.projects.add_class(story.pid, ObjectClass(0, "fox", "polygon"), ctx)
    dog1 = app.projects.resolve_item(story.pid, "ds/dog1.jpg")
    rect = {"points": {"exterior": [[100, 100], [140, 120]], "interior": []}}
    resized = app.items.add_object(dog1, AnnotationObject(0, story.lynx, rect), ctx)
    app.versions.create(story.pid, ctx, "v2")
    box = app.items.get(story.cat1).objects[story.box]
    app.items.change_object(story.cat1, story.box, ctx, geometry=shifted(box.geometry, 30, 5))
    app.items.change_object(dog1, resized, ctx, geometry={
        "points": {"exterior": [[100, 100], [180, 130]], "interior": []}})
    ring = PENTAGON["points"]["exterior"]
    app.items.change_object(story.cat1, story.polygon, ctx, class_id=fox.id, geometry={
        "points": {"exterior": [*ring, [30, 70]], "interior": []}})
    point_id, point = next(iter(app.items.get(story.cat3).objects.items()))
    app.items.remove_object(story.cat3, point_id, ctx)
    app.items.add_object(story.cat3, AnnotationObject(0, point.class_id, point.geometry), ctx)
    result = app.replay.diff_geometry(story.pid, 2, "current", 0.5)
    assert [m.before for m in result.of("moved")] == [story.box]
    assert [m.before for m in result.of("resized")] == [resized]
    assert [m.before for m in result.of("reshaped")] == [story.polygon]
    assert [m.before for m in result.of("reclassified")] == [story.polygon]
    [rematched] = [m for m in result.matches if m.by == "iou"]
    assert (rematched.before, rematched.iou, rematched.changes) == (point_id, 1.0, ())
    assert result.counts()["added"] == result.counts()["removed"] == 0
    plain = app.versions.diff(story.pid, 2, "current")
    assert plain.count("added") == plain.count("removed") == 1
    with pytest.raises(ValidationError, match="iou"):
        app.replay.diff_geometry(story.pid, 2, "current", 0)
