"""The demo project ``annoledger serve`` seeds a fresh database with.

A real Supervisely export is imported, versioned, edited a little (one box tightened,
one image tagged) and versioned again, so a newcomer finds a diff to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from application.core.clock import utc_now
from domain.values import Context, Tag

if TYPE_CHECKING:
    from application.ledger import Ledger

DEMO_NAME = "demo"


def seed_demo(ledger: Ledger, path: Path, ctx: Context, name: str = DEMO_NAME) -> UUID:
    project_id = ledger.imports.from_files("supervisely", path, ctx, name=name).project
    ledger.versions.create(project_id, ctx, "imported", "the Supervisely export as imported")
    meta = ledger.projects.get(project_id).meta
    boxes = {c.id for c in meta.classes.values() if c.shape == "rectangle"}
    for entry in ledger.core.store.catalog(project_id):
        item = ledger.items.get(entry.item_id)
        box = next((o for o in item.objects.values() if o.class_id in boxes), None)
        if box is None:
            continue
        (x1, y1), (x2, y2) = box.geometry["points"]["exterior"]
        tighter = {"points": {"exterior": [[x1 + 5, y1 + 5], [x2 - 5, y2 - 5]],
                              "interior": []}}
        ledger.items.change_object(item.id, box.id, ctx, geometry=tighter,
                          expected_version=item.version)
        tag = meta.tag_meta_by_name("cat")
        if tag is not None and all(t.meta_id != tag.id for t in item.tags):
            now = utc_now()
            ledger.items.set_tag(item.id, Tag(tag.id, None, ctx.actor, now, now), ctx)
        break
    ledger.versions.create(project_id, ctx, "reviewed", "one box tightened, one image tagged")
    return project_id
