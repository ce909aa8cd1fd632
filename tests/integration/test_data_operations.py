"""Data operations on a real project (COCO val2014 sample), on SQLite and PostgreSQL:
recorded as sessions with their parameters and seed, the version read, provenance in
the new project's first event, re-runs to the same digest, in-place runs recording
only differences, refusals that write nothing."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.ledger import Ledger
from domain.errors import ValidationError
from domain.values import Context
from tests.conftest import FIXTURES

COCO = FIXTURES / "instances_val2014_100.json"


@pytest.fixture
def coco(app: Ledger, ctx: Context) -> UUID:
    return app.imports.from_files("coco", COCO, ctx, name="coco").project


def positions(app: Ledger) -> dict[UUID, int]:
    return {h.project_id: h.position for h in app.core.store.heads()}


def test_a_run_is_a_session_reading_a_version_and_a_rerun_gives_the_same_digest(
        app: Ledger, ctx: Context, coco: UUID) -> None:
    assert app.versions.all(coco) == []
    result = app.operations.run(coco, "split", {"parts": "train=0.8,val=0.2",
                                                "stratify": True}, ctx)
    assert result.source_version == 1  # the project had changed: a version was made first
    assert app.versions.get(coco, 1).digest == app.projects.view(coco).digest
    view = app.projects.view(result.project)
    assert (view.name, view.items, view.objects) == ("coco · split", 100, 839)
    session = app.sessions.get(result.session)
    assert (session.app, session.kind, session.status) == (
        "annoledger ops split", "split", "succeeded")
    assert session.parameters["params"] == {"parts": {"train": 0.8, "val": 0.2},
                                            "stratify": True}
    assert isinstance(session.parameters["seed"], int)
    assert [(n.type, n.ref) for n in session.inputs] == [("project_version", f"{coco}@1")]
    assert [(n.type, n.ref) for n in session.outputs] == [("project", str(result.project))]
    created = app.core.get_project(result.project)
    assert created.provenance is not None
    assert (created.provenance.project_id, created.provenance.version,
            created.provenance.operation) == (coco, 1, "split")
    first = next(iter(app.core.store.log(result.project)))
    assert first.topic.endswith("Project.Created")

    again = app.operations.rerun(result.session, ctx, name="coco split again")
    assert again.source_version == 1 and again.project != result.project
    assert app.projects.view(again.project).digest == view.digest
    assert app.sessions.get(again.session).parameters["seed"] == session.parameters["seed"]
    other_seed = app.operations.run(coco, "split", {"parts": "train=0.8,val=0.2"}, ctx,
                                    seed=session.parameters["seed"] + 1)
    assert other_seed.source_version == 1  # unchanged since: the latest version is read
    assert len(app.versions.all(coco)) == 1
    assert app.projects.view(other_seed.project).name == "coco · split (2)"


def test_in_place_records_only_differences_and_reaches_the_derived_digest(
        app: Ledger, ctx: Context, coco: UUID) -> None:
    split = app.operations.run(coco, "split", {"parts": "a=0.5,b=0.5"}, ctx, seed=5)
    merged = app.operations.run(split.project, "merge", {"datasets": "a,b", "into": "all"},
                                ctx)
    before = app.projects.view(split.project).position
    in_place = app.operations.run(split.project, "merge", {"datasets": ["a", "b"],
                                                           "into": "all"}, ctx, in_place=True)
    assert in_place.project == split.project and in_place.source_version == 1
    assert app.projects.view(split.project).digest == app.projects.view(merged.project).digest
    written = app.projects.view(split.project).position - before
    assert 0 < written < 2 * 100 + 10  # a remove and an add per moved item, a few meta events
    renamed = app.operations.run(coco, "rename-classes", {"map": "bus=vehicle"}, ctx,
                                 in_place=True)
    assert renamed.items == 100
    meta = app.projects.get(coco).meta
    assert meta.class_by_title("vehicle") is not None and meta.class_by_title("bus") is None


def test_filter_keeps_items_where_the_predicate_holds(app: Ledger, ctx: Context,
                                                      coco: UUID) -> None:
    kept = app.operations.run(coco, "filter", {"where": 'count(class="person") >= 3'}, ctx)
    state = app.versions.state_of(kept.project, "current")
    person = state.meta.class_by_title("person")
    assert person is not None and 0 < kept.items < 100
    assert all(sum(o.class_id == person.id for o in i.objects) >= 3
               for i in state.items.values())
    source = app.versions.state_of(coco, 1)
    assert kept.items == sum(sum(o.class_id == person.id for o in i.objects) >= 3
                             for i in source.items.values())


@pytest.mark.parametrize(("operation", "params", "field"), [
    ("filter", {"where": 'count(class="unicorn") > 0'}, "where"),
    ("filter", {"where": "count(class= > 0"}, "where"),
    ("split", {"parts": "train=0.5"}, "parts"),
    ("merge", {"datasets": "nowhere", "into": "x"}, "datasets.nowhere"),
    ("subsample", {"count": 1000}, "count"),
    ("rename-classes", {"map": "bus=car"}, "map.bus"),
    ("split", {"parts": "train=1", "shuffle": True}, "shuffle"),
    ("shuffle", {}, "operation"),
])
def test_a_refused_run_names_the_parameter_and_writes_nothing(
        app: Ledger, ctx: Context, coco: UUID, operation: str, params: dict[str, object],
        field: str) -> None:
    before = positions(app)
    sessions = len(app.sessions.list(limit=None))
    with pytest.raises(ValidationError) as caught:
        app.operations.run(coco, operation, params, ctx)
    assert caught.value.field == field
    assert positions(app) == before
    assert len(app.sessions.list(limit=None)) == sessions
    assert app.versions.all(coco) == []


def test_rerun_refuses_a_session_that_is_no_operation(app: Ledger, ctx: Context,
                                                      coco: UUID) -> None:
    imported = app.sessions.list(limit=1)[0]
    with pytest.raises(ValidationError, match="is not a data operation run"):
        app.operations.rerun(imported.id, ctx)


def test_a_chosen_version_is_read_even_after_later_changes(app: Ledger, ctx: Context,
                                                           coco: UUID) -> None:
    app.versions.create(coco, ctx, "v1")
    item = next(iter(app.versions.state_of(coco, 1).items.values()))
    assert item.id is not None
    app.items.remove(item.id, ctx)
    result = app.operations.run(coco, "subsample", {"count": 100}, ctx, version=1, seed=2)
    assert result.source_version == 1 and result.items == 100
    latest = app.operations.run(coco, "subsample", {"fraction": 1}, ctx, seed=2)
    assert latest.source_version == 2 and latest.items == 99
