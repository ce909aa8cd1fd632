"""The scripted MLOps story (sessions, versions, models), told through the Python API.

import -> version 1 -> augmentation (adds a flipped copy, drops an image) -> split into
train/val datasets -> training with an automatic version (2) -> evaluation -> report.
And the revert story (:func:`tell_revert`): a model trained before a revert, whose lineage
must not take in the revert or what came after it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

import networkx as nx

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


@dataclass
class RevertStory:
    """A model trained on version 2, then a revert to version 1, a relabel, version 3 and a
    session after it: what is upstream or downstream of each depends on when it happened."""

    project: UUID
    model: str
    sessions: dict[str, str] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)

    def version(self, number: int) -> str:
        return f"version:{self.project}@{number}"

    def mark(self, name: str) -> None:
        time.sleep(0.002)
        self.times[name] = datetime.now(UTC).timestamp()
        time.sleep(0.002)


def tell_revert(app: Ledger, actor: str = "alice") -> RevertStory:
    """import -> v1 -> dog3 removed -> training reads v2, writes the model -> revert to v1 ->
    a relabel session removes cat2 -> v3 -> a late session removes cat3."""
    ctx = Context(actor)
    project = app.imports.from_files("supervisely", DEMO, ctx, name="cats").project
    story = RevertStory(project, f"model_weight:{MODEL}")
    app.versions.create(project, ctx, "first")
    app.items.remove(app.projects.resolve_item(project, "ds/dog3.jpg"), ctx)
    train = app.sessions.start("train-yolo", "training", ctx,
                               inputs=[NodeRef("project", "cats")])
    app.sessions.add_output(train, NodeRef("model_weight", MODEL, title="yolo-cats"))
    app.sessions.finish(train)
    story.sessions["training"] = f"session:{train}"
    story.mark("trained")
    app.versions.revert(project, 1, ctx)
    story.mark("reverted")
    story.sessions["relabel"] = f"session:{_editing(app, project, 'relabel', 'ds/cat2.jpg')}"
    app.versions.create(project, ctx, "third")
    story.mark("version 3")
    story.sessions["late"] = f"session:{_editing(app, project, 'late-fix', 'ds/cat3.jpg')}"
    story.mark("end")
    return story


def _editing(app: Ledger, project: UUID, name: str, removes: str) -> UUID:
    """A labeling session that reads and writes the project, removing one item."""
    ctx = Context("alice")
    session = app.sessions.start(name, "labeling_job", ctx,
                                 inputs=[NodeRef("project", str(project))])
    app.items.remove(app.projects.resolve_item(project, removes), Context("alice", session))
    app.sessions.add_output(session, NodeRef("project", str(project)))
    app.sessions.finish(session)
    return session


def apps(g: nx.MultiDiGraph, nodes: Iterable[str]) -> list[str]:
    """The app names of the sessions among ``nodes``, in their order."""
    return [str(g.nodes[n].get("app")) for n in nodes if n.startswith("session:")]
