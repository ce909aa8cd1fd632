"""The scripted MLOps story (sessions, versions, models), told through the Python API.

import -> version 1 -> augmentation (adds a flipped copy, drops an image) -> split into
train/val datasets -> training with an automatic version (2) -> evaluation -> report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from application.ledger import Ledger
from domain.session import NodeRef
from domain.values import Context, MediaLink
from tests.conftest import DEMO

MODEL = "s3://models/yolo-cats.pt"
REPORT = "s3://reports/eval-cats.html"


@dataclass
class Story:
    project: UUID
    sessions: dict[str, UUID] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)
    flipped: UUID | None = None
    dropped: UUID | None = None

    def mark(self, name: str) -> None:
        time.sleep(0.002)
        self.times[name] = datetime.now(UTC).timestamp()
        time.sleep(0.002)


def tell(app: Ledger, actor: str = "alice") -> Story:
    ctx = Context(actor)
    result = app.imports.from_files("supervisely", DEMO, ctx, name="cats")
    story = Story(result.project)
    app.versions.create(story.project, ctx, "first pass")
    story.mark("before augmentation")

    aug = app.sessions.start("flip-augment", "augmentation", ctx,
                            inputs=[NodeRef("project_version", f"{story.project}@1")])
    inner = Context(actor, aug)
    cat1 = app.projects.resolve_item(story.project, "ds/cat1.jpg")
    media = app.items.get(cat1).media
    story.flipped = app.items.upload_item(story.project, app.items.get(cat1).dataset_id,
                                    "cat1_flipped.jpg", MediaLink(
                                        media.uri + "#flip", media.sha256, media.size,
                                        media.width, media.height), inner)
    story.dropped = app.projects.resolve_item(story.project, "ds/dog3.jpg")
    app.items.remove(story.dropped, inner)
    app.sessions.add_output(aug, NodeRef("project", str(story.project)))
    app.sessions.finish(aug)

    split = app.sessions.start("train-val-split", "split", ctx, parameters={"val": 0.2},
                              inputs=[NodeRef("project", "cats")])
    for name in ("train", "val"):
        app.sessions.add_output(split, NodeRef("dataset", f"cats/{name}", title=name))
    app.sessions.finish(split)
    story.mark("before training")

    train = app.sessions.start("train-yolo", "training", ctx, parameters={"epochs": 3},
                              inputs=[NodeRef("project", "cats"),
                                      NodeRef("dataset", "cats/train")])
    app.sessions.progress(train, 3, 3, "epoch 3")
    app.sessions.add_output(train, NodeRef("model_weight", MODEL, title="yolo-cats"))
    app.sessions.finish(train)

    evaluation = app.sessions.start("evaluate", "evaluation", ctx, inputs=[
        NodeRef("model_weight", MODEL), NodeRef("dataset", "cats/val")])
    app.sessions.add_output(evaluation, NodeRef("report", REPORT, title="mAP report"))
    app.sessions.finish(evaluation)
    story.mark("end")
    story.sessions = {"augmentation": aug, "split": split, "training": train,
                      "evaluation": evaluation}
    return story


def expected_edges(story: Story, sessions: dict[str, str]) -> set[tuple[str, str, str]]:
    """Every edge the story's graph must hold; ``sessions`` maps a role to its node."""
    p = f"project:{story.project}"
    v1, v2 = f"version:{story.project}@1", f"version:{story.project}@2"
    train, val = "dataset:cats/train", "dataset:cats/val"
    model, report = f"model_weight:{MODEL}", f"report:{REPORT}"
    s = sessions
    return {
        (f"folder:{DEMO.resolve()}", s["import"], "input"), (s["import"], p, "output"),
        (p, s["version create"], "input"), (s["version create"], v1, "output"),
        (p, v1, "version"), (p, v2, "version"),
        (v1, s["augmentation"], "input"), (s["augmentation"], p, "output"),
        (p, s["split"], "input"), (s["split"], train, "output"), (s["split"], val, "output"),
        (v2, s["training"], "input"), (train, s["training"], "input"),
        (s["training"], model, "output"),
        (model, s["evaluation"], "input"), (val, s["evaluation"], "input"),
        (s["evaluation"], report, "output"),
    }


APPS = {"import": "annoledger import supervisely", "version create": "annoledger versions create",
        "augmentation": "flip-augment", "split": "train-val-split", "training": "train-yolo",
        "evaluation": "evaluate"}


def session_roles(nodes: dict[str, dict[str, object]]) -> dict[str, str]:
    """Role -> session node id, found by app name among ``{node id: attributes}``."""
    by_app = {str(a.get("app")): n for n, a in nodes.items() if n.startswith("session:")}
    return {role: by_app[app] for role, app in APPS.items()}
