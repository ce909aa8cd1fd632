"""App sessions and declared nodes: the rules the domain keeps."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.data_node import DataNode, data_node_id
from domain.errors import ConflictError, ValidationError
from domain.session import NODE_TYPES, SESSION_KINDS, AppSession, NodeRef


def _session(kind: str = "augmentation", **kw: object) -> AppSession:
    return AppSession.start("flip", kind, "alice", uuid4(), **kw)  # type: ignore[arg-type]


def test_a_started_session_is_running_with_its_parameters() -> None:
    s = _session(parameters={"p": 0.5, "axes": ("x",)})
    assert (s.status, s.kind, s.actor, s.finished) == ("running", "augmentation", "alice", False)
    assert s.parameters == {"p": 0.5, "axes": ["x"]}  # plain JSON values
    assert [type(e).__name__ for e in s.collect_events()] == ["Started"]


def test_training_sessions_always_read_versions() -> None:
    assert _session("training").auto_version is True
    assert _session("evaluation").auto_version is False
    assert _session("evaluation", auto_version=True).auto_version is True


@pytest.mark.parametrize(("app", "kind", "field"), [
    ("", "import", "app"), ("x" * 256, "import", "app"), ("a", "painting", "kind")])
def test_a_session_needs_an_app_name_and_a_known_kind(app: str, kind: str, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        AppSession.start(app, kind, "alice", uuid4())
    assert err.value.field == field


@pytest.mark.parametrize("params", [{"x": float("nan")}, {"x": object()}, {1: "a"}])
def test_parameters_must_be_json_values(params: dict[object, object]) -> None:
    with pytest.raises(ValidationError):
        _session(parameters=params)


def test_kinds_and_node_types_are_supervisely_s_plus_report() -> None:
    assert {"import", "labeling_job", "training", "evaluation", "export", "other"} <= set(
        SESSION_KINDS)
    assert set(NODE_TYPES) == {"project", "project_version", "dataset", "file", "model_weight",
                               "folder", "task", "job", "app_session", "report"}


def test_the_same_input_or_output_twice_records_one_event() -> None:
    s = _session()
    s.collect_events()
    assert s.add_input(NodeRef("dataset", "cats/train", "train")) is True
    assert s.add_input(NodeRef("dataset", "cats/train", "other title")) is False
    assert s.add_output(NodeRef("model_weight", "s3://m.pt")) is True
    assert s.add_output(NodeRef("model_weight", "s3://m.pt")) is False
    assert [type(e).__name__ for e in s.collect_events()] == ["InputAdded", "OutputAdded"]
    assert s.inputs == [NodeRef("dataset", "cats/train", "train")]


@pytest.mark.parametrize("node", [NodeRef("picture", "x"), NodeRef("file", " "),
                                  NodeRef("file", "x" * 2001)])
def test_a_node_needs_a_known_type_and_a_reference(node: NodeRef) -> None:
    with pytest.raises(ValidationError):
        _session().add_input(node)


def test_progress_is_checked() -> None:
    s = _session()
    s.report_progress(3, 10, "epoch 3")
    assert s.progress == (3, 10, "epoch 3")
    for done, total in ((-1, 10), (11, 10), (True, 10)):
        with pytest.raises(ValidationError):
            s.report_progress(done, total)  # type: ignore[arg-type]


def test_a_finished_session_is_closed() -> None:
    s = _session()
    with pytest.raises(ValidationError):
        s.finish("done")
    s.finish("failed")
    assert (s.status, s.finished) == ("failed", True)
    for act in (lambda: s.finish("succeeded"), lambda: s.add_input(NodeRef("file", "a")),
                lambda: s.add_output(NodeRef("file", "a")), lambda: s.report_progress(1, 2)):
        with pytest.raises(ConflictError):
            act()


def test_lineage_keys_are_remembered_once() -> None:
    s = _session()
    s.collect_events()
    s.mark_lineage("run|COMPLETE|t")
    s.mark_lineage("run|COMPLETE|t")
    assert len(s.collect_events()) == 1 and s.lineage_keys == {"run|COMPLETE|t"}


def test_a_declared_node_has_an_id_derived_from_its_type_and_ref() -> None:
    node = DataNode.declare(NodeRef("job", "ns#export", "export"))
    assert node.id == data_node_id("job", "ns#export")
    node.describe("", "writes COCO", "")
    node.describe("", "writes COCO", "")
    node.add_input(NodeRef("dataset", "ns#in"))
    node.add_input(NodeRef("dataset", "ns#in"))
    names = [type(e).__name__ for e in node.collect_events()]
    assert names == ["Declared", "Described", "Linked"]
    assert node.node.title == "export" and node.node.description == "writes COCO"


def test_a_session_keeps_the_times_its_producer_gave_and_refuses_naive_ones() -> None:
    from datetime import UTC, datetime

    start, end = datetime(2026, 1, 2, 3, 4, 5, 678901, UTC), datetime(2026, 1, 2, 4, 0, tzinfo=UTC)
    s = _session(started_at=start)
    s.add_input(NodeRef("dataset", "s3://raw"), start)
    s.add_output(NodeRef("dataset", "s3://clean"), end)
    s.finish("succeeded", end)
    assert (s.started_at, s.finished_at) == (start, end)
    events = s.collect_events()
    assert [getattr(e, "at", None) for e in events[1:3]] == [start, end]
    with pytest.raises(ValidationError, match="UTC offset") as caught:
        _session(started_at=datetime(2026, 1, 2))
    assert caught.value.field == "started_at"
    with pytest.raises(ValidationError):
        _session().add_input(NodeRef("dataset", "x"), datetime(2026, 1, 2))
    assert _session().started_at is None  # recorded now: the event's own time
