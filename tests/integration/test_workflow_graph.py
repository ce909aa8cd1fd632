"""The workflow graph: the issue's story, restart and rebuild, time travel, questions."""

from __future__ import annotations

import json

import networkx as nx
import pytest
import sqlalchemy as sa

from application.ledger import Ledger
from projections.runner import catch_up
from projections.workflow_export import export
from projections.workflow_graph import WorkflowView
from projections.workflow_render import render_svg
from tests.conftest import DEMO
from tests.integration.workflow_story import MODEL, REPORT, expected_edges, session_roles, tell

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

