"""The workflow graph: the issue's story, restart and rebuild, time travel, questions."""

from __future__ import annotations

import json
from uuid import UUID

import networkx as nx
import pytest
import sqlalchemy as sa

from application.ledger import Ledger
from domain.errors import NotFoundError
from domain.session import NodeRef
from domain.values import Context
from projections.runner import catch_up
from projections.workflow_export import export
from projections.workflow_graph import WorkflowView
from projections.workflow_queries import graph_json
from projections.workflow_render import render_svg
from tests.conftest import DEMO
from tests.integration.workflow_story import (
    MODEL,
    REPORT,
    apps,
    expected_edges,
    session_roles,
    tell,
    tell_revert,
)

pytestmark = pytest.mark.timeout(120)


def _edges(g: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    return set(g.edges(keys=True))


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert sorted(a.edges(keys=True, data=True)) == sorted(b.edges(keys=True, data=True))


def test_the_story_gives_the_expected_graph(app: Ledger) -> None:
    story = tell(app)
    g = app.workflow.graph()
    roles = session_roles(dict(g.nodes(data=True)))
    assert _edges(g) == expected_edges(story, roles)
    assert len(g) == 6 + 1 + 1 + 2 + 2 + 1 + 1  # sessions, folder, project, versions, ...
    training = g.nodes[roles["training"]]
    assert (training["session_kind"], training["status"], training["auto_version"]) == (
        "training", "succeeded", True)
    assert training["progress_done"] == 3 and training["parameters"] == {"epochs": 3}
    v2 = g.nodes[f"version:{story.project}@2"]
    assert v2["session"] == str(story.sessions["training"])  # created for the training
    assert g.nodes[f"project:{story.project}"]["name"] == "cats"


def test_restart_resumes_and_equals_a_rebuild_from_scratch(app: Ledger) -> None:
    tell(app)
    storage = app.workflow.view.storage
    first = WorkflowView(storage)
    notes = app.core.recorder.select_notifications(start=0, limit=10_000)  # type: ignore[attr-defined]
    half = notes[: len(notes) // 2]
    first.apply([(n, app.core.mapper.to_domain_event(n)) for n in half])
    first.apply([(n, app.core.mapper.to_domain_event(n)) for n in half[:5]])  # a replayed batch
    assert first.position() == half[-1].id

    restarted = WorkflowView(storage)  # a new process: nothing in memory
    assert restarted.position() == half[-1].id
    catch_up(app.core, restarted, batch=7)
    resumed = restarted.graph()
    rows = _row_counts(restarted)
    assert rows["current nodes"] == len(resumed) and rows["current edges"] == len(
        resumed.edges)

    restarted.reset()
    assert restarted.position() == 0 and len(restarted.graph()) == 0
    catch_up(app.core, restarted)
    _same(resumed, restarted.graph())
    assert _row_counts(restarted) == rows


def test_an_incrementally_kept_graph_equals_one_read_back(app: Ledger) -> None:
    workflow = app.workflow
    workflow.graph()  # cached, then kept up to date batch by batch
    tell(app)
    kept = workflow.graph()
    _same(kept, WorkflowView(workflow.view.storage).graph())


def test_as_of_shows_the_graph_as_it_stood(app: Ledger) -> None:
    story = tell(app)
    wf = app.workflow
    before = wf.graph(story.times["before training"])
    assert f"model_weight:{MODEL}" not in before
    assert f"version:{story.project}@2" not in before
    roles = session_roles(dict(wf.graph().nodes(data=True)))
    assert before.nodes[roles["split"]]["status"] == "succeeded"
    early = wf.graph(story.times["before augmentation"])
    assert roles["augmentation"] not in early and f"version:{story.project}@1" in early
    _same(wf.graph(story.times["end"]), wf.graph())


def test_upstream_and_downstream_respect_the_depth(app: Ledger) -> None:
    story = tell(app)
    wf = app.workflow
    up = wf.upstream(f"report:{REPORT}", depth=2)
    assert {n.split(":")[0] for n in up} == {"report", "session", "model_weight", "dataset"}
    full = wf.upstream(f"report:{REPORT}")
    assert f"version:{story.project}@1" in full and f"folder:{DEMO.resolve()}" in full
    down = wf.downstream("cats@2", depth=2)
    assert f"model_weight:{MODEL}" in down and f"report:{REPORT}" not in down
    assert f"report:{REPORT}" in wf.downstream("cats@2")


def test_which_models_were_trained_on_a_version_holding_an_item(app: Ledger) -> None:
    story = tell(app)
    wf = app.workflow
    for item in ("ds/cat1.jpg", "ds/cat1_flipped.jpg", str(story.flipped)):
        found = wf.trained_on("cats", item)
        assert [f["model"]["id"] for f in found] == [f"model_weight:{MODEL}"]
        assert found[0]["versions"] == [f"version:{story.project}@2"]
        assert found[0]["sessions"] == [f"session:{story.sessions['training']}"]
    assert wf.trained_on("cats", str(story.dropped)) == []  # only in version 1
    assert wf.trained_on("cats", "ds/cat1.jpg", story.times["before training"]) == []


def test_provenance_names_the_versions_and_sessions_behind_a_model(app: Ledger) -> None:
    story = tell(app)
    found = app.workflow.provenance(f"model_weight:{MODEL}")
    assert found["trained_on"] == [f"version:{story.project}@2"]
    assert [v["id"] for v in found["versions"]] == [f"version:{story.project}@2",
                                                    f"version:{story.project}@1"]
    apps = [s["app"] for s in found["sessions"]]
    assert apps[0] == "train-yolo" and {"train-val-split", "flip-augment",
                                        "annoledger import supervisely"} <= set(apps)


def test_svg_and_exports_hold_every_node(app: Ledger) -> None:
    tell(app)
    g = app.workflow.graph()
    svg = render_svg(g)
    assert svg.startswith("<svg") and svg.count('class="node session') == 6
    assert svg.count('class="edge') == len(g.edges)
    data = json.loads(export(g, "json"))
    assert len(data["nodes"]) == len(g) and len(data["edges"]) == len(g.edges)
    assert nx.is_isomorphic(nx.parse_graphml(export(g, "graphml")), g)
    assert export(g, "mermaid").count(" -->|") == len(g.edges)
    assert export(g, "dot").count(" -> ") == len(g.edges)


def test_restores_link_the_version_to_the_new_project(app: Ledger) -> None:
    story = tell(app)
    restored = app.versions.restore(story.project, 1, app.core.ctx("bob"))
    g = app.workflow.graph()
    v1 = f"version:{story.project}@1"
    assert g.has_edge(v1, f"project:{restored}", "restored")
    restore_session = [n for n in g.pred[f"project:{restored}"] if n.startswith("session:")]
    assert [g.nodes[s]["app"] for s in restore_session] == ["annoledger versions restore"]
    assert g.has_edge(v1, restore_session[0], "input")


def _row_counts(view: WorkflowView) -> dict[str, int]:
    t = view.tables
    with t.engine.connect() as conn:
        def count(table: sa.Table, current: bool) -> int:
            q = sa.select(sa.func.count()).select_from(table)
            if current:
                q = q.where(table.c.valid_to.is_(None))
            return int(conn.execute(q).scalar() or 0)

        return {"current nodes": count(t.nodes, True), "current edges": count(t.edges, True),
                "node rows": count(t.nodes, False), "edge rows": count(t.edges, False)}



# -- lineage true in time ------------------------------------------------------------------


def test_a_model_trained_before_a_revert_does_not_list_it(app: Ledger) -> None:
    story = tell_revert(app)
    found = app.workflow.provenance(story.model)
    assert [v["id"] for v in found["versions"]] == [story.version(2)]
    assert found["trained_on"] == [story.version(2)]
    assert [s["app"] for s in found["sessions"]] == ["train-yolo",
                                                     "annoledger import supervisely"]
    assert app.workflow.provenance(story.model, as_of=story.times["trained"]) == found


def test_upstream_of_a_version_holds_nothing_after_it(app: Ledger) -> None:
    story = tell_revert(app)
    up = app.workflow.upstream(story.version(3))
    assert story.sessions["late"] not in up and story.sessions["training"] not in up
    assert {"relabel", "annoledger versions revert", "annoledger import supervisely"} <= set(
        apps(up, up.nodes))
    assert story.version(1) in up and story.version(2) not in up
    up2 = app.workflow.upstream(story.version(2))
    assert set(apps(up2, up2.nodes)) == {"annoledger import supervisely"}
    assert app.workflow.upstream(f"{app.projects.view(story.project).name}@3",
                                 as_of=story.times["end"]).nodes == up.nodes


def test_downstream_of_a_version_holds_nothing_before_it(app: Ledger) -> None:
    story = tell_revert(app)
    down = app.workflow.downstream(story.version(1))
    assert story.model not in down and story.version(2) not in down
    assert story.sessions["training"] not in down
    assert {story.version(3), story.sessions["relabel"], story.sessions["late"]} <= set(down)
    assert set(app.workflow.downstream(story.version(2))) == {
        story.version(2), story.sessions["training"], story.model}
    early = app.workflow.downstream(story.version(1), as_of=story.times["reverted"])
    assert story.version(3) not in early and story.sessions["relabel"] not in early


def test_answers_are_sorted_nearest_first_then_by_time_then_id(app: Ledger) -> None:
    ctx = Context("alice")
    made = {}
    for name, sid in (("make-a", "ffffffff-0000-4000-8000-000000000000"),
                      ("make-b", "00000000-0000-4000-8000-000000000001")):
        session = app.sessions.start(name, "transformation", ctx, session_id=UUID(sid))
        app.sessions.add_output(session, NodeRef("dataset", f"zz/{name}" if name == "make-a"
                                                 else f"aa/{name}"))
        app.sessions.finish(session)
        made[name] = f"session:{session}"
    train = app.sessions.start("train", "training", ctx, inputs=[
        NodeRef("dataset", "zz/make-a"), NodeRef("dataset", "aa/make-b")])
    app.sessions.add_output(train, NodeRef("model_weight", MODEL))
    app.sessions.finish(train)

    found = app.workflow.provenance(f"model_weight:{MODEL}")
    assert [s["app"] for s in found["sessions"]] == ["train", "make-a", "make-b"]
    assert [s["distance"] for s in found["sessions"]] == [1, 3, 3]
    nodes = graph_json(app.workflow.upstream(f"model_weight:{MODEL}"))["nodes"]
    assert [(n["distance"], n["id"]) for n in nodes] == [
        (0, f"model_weight:{MODEL}"), (1, f"session:{train}"), (2, "dataset:zz/make-a"),
        (2, "dataset:aa/make-b"), (3, made["make-a"]), (3, made["make-b"])]
    down = graph_json(app.workflow.downstream(made["make-b"]))["nodes"]
    assert [n["distance"] for n in down] == [0, 1, 2, 3]


def test_as_of_finds_items_and_projects_by_the_names_they_had(app: Ledger) -> None:
    story = tell_revert(app)
    then = story.times["trained"]
    app.projects.rename(story.project, "felines", Context("alice"))
    with pytest.raises(NotFoundError):
        app.workflow.trained_on("felines", "ds/cat2.jpg")  # removed by the relabel
    found = app.workflow.trained_on("felines", "ds/cat2.jpg", as_of=then)
    assert [(f["model"]["id"], f["versions"]) for f in found] == [
        (story.model, [story.version(2)])]
    assert app.workflow.resolve("cats@2", app.workflow.graph(then)) == story.version(2)
    assert app.workflow.provenance("cats@2", as_of=then)["node"]["id"] == story.version(2)
    with pytest.raises(NotFoundError):
        app.workflow.resolve("cats@2")  # the name it has no longer


def test_a_session_is_one_run_whatever_order_its_inputs_came_in(app: Ledger) -> None:
    ctx = Context("alice")
    train = app.sessions.start("train", "training", ctx)
    app.sessions.add_output(train, NodeRef("model_weight", MODEL))
    app.sessions.add_input(train, NodeRef("dataset", "s3://labels"))  # reported after
    app.sessions.finish(train)
    assert f"model_weight:{MODEL}" in app.workflow.downstream("dataset:s3://labels")
    assert "dataset:s3://labels" in app.workflow.upstream(f"model_weight:{MODEL}")
