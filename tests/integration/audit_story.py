"""A short, known history over the real Supervisely export, shared by the audit,
history, replay and proof tests: who did what is fixed, so tests can name it exactly.

    alice imports the demo (7 events)                                  positions 1-7
    bob adds class lynx and reclassifies cat1's cat box as lynx         positions 8-9
    carol, in a labeling session: adds a 4-point polygon to cat1,
      makes it 5 points, tags cat1 "dog", removes cat3's cat box        positions 10-13
    alice creates version 1                                             position 14

and its second act (:func:`edit_everything`), in which erin touches the lynx box in every
way an edit can, keeping its point count, then replaces the annotation and renames the
item (positions 15-24).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ledger import Ledger
from domain.values import AnnotationObject, Context, ObjectClass, Tag, TagMeta
from tests.conftest import DEMO

SQUARE = {"points": {"exterior": [[10, 10], [60, 10], [60, 60], [10, 60]], "interior": []}}
PENTAGON = {"points": {"exterior": [[10, 10], [60, 10], [70, 35], [60, 60], [10, 60]],
                       "interior": []}}
DRAGGED = {"points": {"exterior": [[10, 10], [60, 10], [76, 43], [60, 60], [10, 60]],
                      "interior": []}}
"""The pentagon with one vertex dragged by (6, 8): 10 px"""
BOX = {"points": {"exterior": [[501, 18], [1536, 1868]], "interior": []}}
"""cat1's box as the export has it"""
BOX_MOVED = {"points": {"exterior": [[511, 28], [1546, 1878]], "interior": []}}


@dataclass(frozen=True)
class Story:
    app: Ledger
    pid: UUID
    cat1: UUID
    cat3: UUID
    box: int
    """cat1's cat box: uploaded by alice (labeler Armen), reclassified by bob"""
    polygon: int
    """added to cat1 by carol, then reshaped by carol"""
    removed: int
    """cat3's cat box, removed by carol"""
    session: UUID
    lynx: int
    t0: float
    """after the import, before bob's edits"""
    t1: float
    """after bob's edits, before carol's"""
    t2: float
    """after carol's edits"""


def pause() -> float:
    time.sleep(0.02)
    now = time.time()
    time.sleep(0.02)
    return now


def tell(app: Ledger) -> Story:
    pid = app.imports.from_files("supervisely", DEMO, Context("alice"), name="demo").project
    t0 = pause()
    bob = Context("bob")
    lynx = app.projects.add_class(pid, ObjectClass(0, "lynx", "rectangle"), bob)
    meta = app.projects.get(pid).meta
    cat, dog2, dog_tag = (meta.class_by_title("cat"), meta.class_by_title("dog2"),
                          meta.tag_meta_by_name("dog"))
    assert cat is not None and dog2 is not None and dog_tag is not None
    cat1 = app.projects.resolve_item(pid, "ds/cat1.jpg")
    cat3 = app.projects.resolve_item(pid, "ds/cat3.jpg")
    box = next(o.id for o in app.items.get(cat1).objects.values() if o.class_id == cat.id)
    app.items.change_object(cat1, box, bob, class_id=lynx.id)
    t1 = pause()
    session = app.sessions.start("labeling-ui", "labeling_job", Context("carol"))
    carol = Context("carol", session)
    polygon = app.items.add_object(cat1, AnnotationObject(0, dog2.id, SQUARE), carol)
    app.items.change_object(cat1, polygon, carol, geometry=PENTAGON)
    app.items.set_tag(cat1, Tag(dog_tag.id), carol)
    removed = next(o.id for o in app.items.get(cat3).objects.values() if o.class_id == cat.id)
    app.items.remove_object(cat3, removed, carol)
    t2 = pause()
    app.versions.create(pid, Context("alice"), "v1")
    assert app.projects.view(pid).position == 14
    return Story(app, pid, cat1, cat3, box, polygon, removed, session, lynx.id, t0, t1, t2)


def edit_everything(story: Story) -> dict[int, str]:
    """erin's edits after version 1, and what each should be summarised as, by position::

        15  adds tag meta ``color`` (any string)
        16  moves the lynx box by (10, 10)
        17  drags one vertex of carol's pentagon by (6, 8)
        18  tags the box color=red (keeping its cat tag); 19  makes it blue
        20  makes herself the box's labeler;  21  describes the box
        22  changes the box's class back to cat
        23  replaces cat1's annotation: the box where it was, the pentagon gone
        24  renames cat1.jpg to kitten.jpg
    """
    app, erin = story.app, Context("erin")
    color = app.projects.add_tag_meta(story.pid, TagMeta(0, "color", "any_string"), erin)
    cat = app.projects.get(story.pid).meta.class_by_title("cat")
    assert cat is not None
    app.items.change_object(story.cat1, story.box, erin, geometry=BOX_MOVED)
    app.items.change_object(story.cat1, story.polygon, erin, geometry=DRAGGED)
    kept = app.items.get(story.cat1).objects[story.box].tags
    app.items.change_object(story.cat1, story.box, erin, tags=(*kept, Tag(color.id, "red")))
    app.items.change_object(story.cat1, story.box, erin, tags=(*kept, Tag(color.id, "blue")))
    app.items.change_object(story.cat1, story.box, erin, labeler="erin")
    app.items.change_object(story.cat1, story.box, erin, description="half hidden")
    app.items.change_object(story.cat1, story.box, erin, class_id=cat.id)
    item = app.items.get(story.cat1)
    back = replace(item.objects[story.box], geometry=BOX)
    app.items.replace_annotation(story.cat1, erin, tags=item.tags, objects=(back,))
    app.items.move(story.cat1, item.dataset_id, "kitten.jpg", erin)
    assert app.projects.view(story.pid).position == 24
    return {
        15: "tag color added",
        16: "box (501,18)-(1536,1868) → (511,28)-(1546,1878)",
        17: "1 of 5 points moved (max 10 px)",
        18: "tag color: — → red",
        19: "tag color: red → blue",
        20: "labeler Armen → erin",
        21: "description changed",
        22: "class lynx → cat",
        23: f"+0 -1 ~1 objects: -{story.polygon} dog2 (5 pts); "
            f"~{story.box} box (511,28)-(1546,1878) → (501,18)-(1536,1868)",
        24: "ds/cat1.jpg → ds/kitten.jpg",
    }


def execute(app: Ledger, statement: str, **params: Any) -> None:
    """SQL straight at the database, outside the application."""
    typed = [sa.bindparam(k, type_=sa.Uuid()) for k, v in params.items() if isinstance(v, UUID)]
    with app.core.recorder.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(sa.text(statement).bindparams(*typed), params)
