"""User text in every export is escaped for its format: Mermaid, DOT, GraphML, SVG, CSV."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from interfaces.csv_cells import safe_cell, write_csv
from projections.markup import dot_text, mermaid_text, xml_text
from projections.workflow_export import export
from projections.workflow_render import render_svg

EVIL = '<script>alert("x")</script> | ]) #quot; \\N & \x01 end'
SESSION = "session:7f9c0c2e-0000-4000-8000-000000000001"
PROJECT = "project:7f9c0c2e-0000-4000-8000-000000000002"
WEIGHT = "model_weight:s3://bucket/<b>w.pt"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node(SESSION, app=EVIL, session_kind="training", status='"done"<i>',
               params={"note": EVIL})
    g.add_node(PROJECT, name=EVIL)
    g.add_node(WEIGHT, ref="s3://bucket/<b>w.pt")
    g.add_edge(PROJECT, SESSION, key="input")
    g.add_edge(SESSION, WEIGHT, key="output")
    return g


def test_mermaid_carries_no_markup_and_no_quote_that_ends_a_label(graph: nx.MultiDiGraph,
                                                                  ) -> None:
    text = export(graph, "mermaid")
    assert "<script" not in text and "<b>" not in text and "<i>" not in text
    for line in text.splitlines()[1:4]:
        assert line.count('"') == 2, line  # a label's quotes are the only ones
    assert "#60;script#62;" in text and "#34;x#34;" in text and "#35;quot;" in text
    assert "training · #34;done#34;#60;i#62;" in text


def test_mermaid_text_escapes_each_special_character() -> None:
    assert mermaid_text('a<b>&"|#`[]') == "a#60;b#62;#38;#34;#124;#35;#96;#91;#93;"
    assert mermaid_text("one\ntwo\rthree") == "one two three"


def test_dot_labels_stay_inside_their_quoted_strings(graph: nx.MultiDiGraph) -> None:
    text = export(graph, "dot")
    quoted = r'"(?:[^"\\]|\\.)*"'
    for line in text.splitlines():
        unquoted = re.sub(quoted, "", line)
        assert "<" not in unquoted and "script" not in unquoted, line
    assert '\\"x\\"' in text and "\\\\N" in text  # a name's \N is not Graphviz's node name
    assert "training · \\\"done\\\"<i>" in text
    assert dot_text('a\\b"c\nd') == 'a\\\\b\\"c\\nd'


def test_graphml_parses_and_round_trips_the_names(graph: nx.MultiDiGraph) -> None:
    text = export(graph, "graphml")
    root = ET.fromstring(text)
    values = [d.text or "" for d in root.iter("{http://graphml.graphdrawing.org/xmlns}data")]
    assert EVIL.replace("\x01", "\ufffd") in values
    assert not any("\x01" in v for v in values)


def test_svg_parses_and_has_no_element_made_from_a_name(graph: nx.MultiDiGraph) -> None:
    text = render_svg(graph, title=EVIL)
    root = ET.fromstring(text)
    tags = {e.tag.removeprefix(SVG) for e in root.iter()}
    assert tags <= {"svg", "title", "defs", "marker", "path", "rect", "g", "text"}
    assert root.find(f"{SVG}title").text == EVIL.replace("\x01", "\ufffd")  # type: ignore
    assert xml_text('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"


@pytest.mark.parametrize("cell", ["=1+2", "+cmd", "-2+3", "@SUM(A1)", "\t=x", "\r=x",
                                  '=HYPERLINK("http://x")'])
def test_formula_like_csv_cells_get_a_leading_quote(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["alice", "a=b", "", 5, -3, 2.5])
def test_other_csv_cells_are_kept(cell: object) -> None:
    assert safe_cell(cell) == cell
    assert safe_cell(None) == ""


def test_write_csv_defuses_every_text_cell_and_round_trips_the_rest() -> None:
    out = io.StringIO()
    write_csv(out, ("actor", "summary", "position"),
              [("=cmd|' /C calc'!A0", "renamed to @evil", -4), ("bob", None, 7)])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["actor", "summary", "position"],
                    ["'=cmd|' /C calc'!A0", "renamed to @evil", "-4"], ["bob", "", "7"]]
