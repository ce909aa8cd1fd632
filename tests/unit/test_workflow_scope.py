"""The readable sub-graph: what a reader of some projects may see of the workflow."""

from __future__ import annotations

import networkx as nx

from projections.workflow_scope import readable_subgraph


def _graph() -> nx.MultiDiGraph:
    """Projects a and b; a was restored from b's version 1; sessions on a, on b, on both."""
    g = nx.MultiDiGraph()
    g.add_node("project:a", name="cats", restored_from="b@1")
    g.add_node("project:b", name="dogs")
    g.add_node("version:a@1", project="a", number=1)
    g.add_node("version:b@1", project="b", number=1)
    for s in ("session:on-a", "session:on-b", "session:on-both", "session:nothing"):
        g.add_node(s, app=s)
    for n in ("model_weight:ma", "model_weight:mb", "dataset:shared", "dataset:lonely"):
        g.add_node(n)
    g.add_edge("project:a", "version:a@1", key="version")
    g.add_edge("project:b", "version:b@1", key="version")
    g.add_edge("version:b@1", "project:a", key="restored")
    g.add_edge("version:a@1", "session:on-a", key="input")
    g.add_edge("dataset:shared", "session:on-a", key="input")
    g.add_edge("session:on-a", "model_weight:ma", key="output")
    g.add_edge("version:b@1", "session:on-b", key="input")
    g.add_edge("dataset:shared", "session:on-b", key="input")
    g.add_edge("session:on-b", "model_weight:mb", key="output")
    g.add_edge("project:a", "session:on-both", key="input")
    g.add_edge("project:b", "session:on-both", key="input")
    g.add_edge("session:on-b", "session:on-both", key="input")
    g.add_edge("dataset:lonely", "session:nothing", key="input")
    return g


def test_a_reader_of_one_project_sees_it_its_sessions_and_what_they_touched() -> None:
    g = _graph()
    seen = readable_subgraph(g, lambda p: p == "a")
    assert set(seen.nodes) == {"project:a", "version:a@1", "session:on-a", "session:on-both",
                               "model_weight:ma", "dataset:shared"}
    assert set(seen.edges(keys=True)) == {
        ("project:a", "version:a@1", "version"), ("version:a@1", "session:on-a", "input"),
        ("dataset:shared", "session:on-a", "input"),
        ("session:on-a", "model_weight:ma", "output"),
        ("project:a", "session:on-both", "input")}
    assert "restored_from" not in seen.nodes["project:a"]
    assert g.nodes["project:a"]["restored_from"] == "b@1"  # the source graph is untouched


def test_a_reader_of_every_project_sees_all_but_sessions_of_no_project() -> None:
    g = _graph()
    seen = readable_subgraph(g, lambda p: True)
    assert set(g.nodes) - set(seen.nodes) == {"session:nothing", "dataset:lonely"}
    assert seen.nodes["project:a"]["restored_from"] == "b@1"
    assert readable_subgraph(g, lambda p: False).number_of_nodes() == 0
