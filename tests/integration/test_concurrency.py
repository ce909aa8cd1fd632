"""Concurrent writers: threads in one process, applications side by side, processes.

Annotators editing different items never conflict; two writers on one item meet the
optimistic-concurrency check (one wins, the other gets StaleVersionError, nothing is
lost); concurrent version creates get distinct, contiguous numbers.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypeVar
from uuid import UUID

import pytest

from application.ledger import Ledger
from application.settings import Settings
from domain.errors import NoChangesError, StaleVersionError
from domain.state import MetaState
from domain.values import AnnotationObject, Context, Dataset, MediaLink, ObjectClass
from infrastructure.persistence.factory import dispose_engines
from interfaces.composition import build_ledger

T = TypeVar("T")
BOX = 1
ITEMS = 8


@dataclass(frozen=True)
class Project:
    pid: UUID
    items: list[UUID]


def ledger(db_url: str) -> Ledger:
    return build_ledger(Settings(db_url=db_url, snapshot_every=20, item_snapshot_every=4))


def box(n: int, object_id: int = 0) -> AnnotationObject:
    return AnnotationObject(object_id, BOX, {"points": {"exterior": [[n, n], [n + 5, n + 5]],
                                                        "interior": []}})


@pytest.fixture
def project(app: Ledger, ctx: Context) -> Project:
    meta = MetaState("team", {BOX: ObjectClass(BOX, "box", "rectangle")}, {},
                     {1: Dataset(1, "ds")})
    pid = app.projects.create("team", ctx, meta)
    items = [app.items.upload_item(pid, 1, f"{n}.jpg", MediaLink(f"file:///{n}.jpg", f"{n:064x}",
                                                            1, 8, 8), ctx)
             for n in range(ITEMS)]
    return Project(pid, items)


def in_threads(jobs: list[Callable[[], T]]) -> list[T | BaseException]:
    """Run every job at once (a barrier releases them together); results or errors."""
    barrier = threading.Barrier(len(jobs))

    def start(job: Callable[[], T]) -> T | BaseException:
        barrier.wait()
        try:
            return job()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(start, jobs))


def added_object_ids(app: Ledger, pid: UUID) -> Counter[int]:
    ids: Counter[int] = Counter()
    for rec in app.core.store.log(pid):
        if rec.topic.endswith(".ObjectAdded"):
            ids[app.core.mapper.to_domain_event(rec.stored_event()).obj.id] += 1  # type: ignore[attr-defined]
    return ids


def test_annotators_editing_different_items_never_conflict(
    app: Ledger, project: Project, ctx: Context
) -> None:
    def annotate(item: UUID) -> Callable[[], list[int]]:
        return lambda: [app.items.add_object(item, box(n), ctx) for n in range(5)]

    results = in_threads([annotate(item) for item in project.items])
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert all(len(app.items.get(i).objects) == 5 for i in project.items)
    assert sum(added_object_ids(app, project.pid).values()) == 5 * ITEMS
    [report] = app.proofs.verify(project.pid)
    assert report.ok and report.checked == 1 + ITEMS + 5 * ITEMS


def test_two_writers_on_one_item_from_the_same_version_one_is_refused(
    app: Ledger, project: Project, ctx: Context, db_url: str
) -> None:
    other = ledger(db_url)
    item = project.items[0]
    meta = app.projects.get(project.pid).meta
    mine, theirs = app.items.get(item), other.items.get(item)
    assert mine.version == theirs.version == 1
    mine.add_object(meta, box(1, 101), ctx)
    app.core.save_item(mine)
    theirs.add_object(meta, box(2, 202), Context("bob"))
    with pytest.raises(StaleVersionError):
        other.core.save_item(theirs)
    assert set(other.items.get(item).objects) == {101}  # the refused save left nothing
    assert app.core.store.catalog_entry(item).version == 2  # type: ignore[union-attr]
    other.items.add_object(item, box(2, 202), Context("bob"))  # again, from the new version
    assert set(app.items.get(item).objects) == {101, 202}  # no lost update
    assert app.proofs.verify(project.pid)[0].ok


def test_racing_writers_on_one_item_exactly_one_wins_each_round(
    app: Ledger, project: Project, ctx: Context, db_url: str
) -> None:
    apps = [app, ledger(db_url), ledger(db_url)]
    item = project.items[0]

    def attempt(writer: Ledger, object_id: int, version: int) -> Callable[[], int]:
        return lambda: writer.items.add_object(item, box(object_id, object_id), ctx,
                                               expected_version=version)

    for round_ in range(4):
        version = app.items.get(item).version
        results = in_threads([attempt(a, 1000 * round_ + n, version)
                              for n, a in enumerate(apps, 1)])
        won = [r for r in results if isinstance(r, int)]
        refused = [r for r in results if isinstance(r, StaleVersionError)]
        assert (len(won), len(refused)) == (1, len(apps) - 1), results
        assert app.items.get(item).version == version + 1
    assert len(app.items.get(item).objects) == 4
    assert app.proofs.verify(project.pid)[0].ok


def test_a_command_on_a_stale_expected_version_is_refused(
    app: Ledger, project: Project, ctx: Context
) -> None:
    item = project.items[0]
    app.items.add_object(item, box(1), ctx, expected_version=1)
    before = app.projects.view(project.pid).position
    with pytest.raises(StaleVersionError):
        app.items.add_object(item, box(2), ctx, expected_version=1)
    with pytest.raises(StaleVersionError):
        app.items.remove(item, ctx, expected_version=3)
    assert app.projects.view(project.pid).position == before
    assert app.items.get(item).version == 2


def test_concurrent_edits_and_version_creates_get_distinct_contiguous_numbers(
    app: Ledger, project: Project, ctx: Context
) -> None:
    def edit_then_version(item: UUID) -> Callable[[], int]:
        def job() -> int:
            app.items.add_object(item, box(7), ctx)
            return app.versions.create(project.pid, ctx, title=str(item)).number
        return job

    results = in_threads([edit_then_version(i) for i in project.items])
    numbers = sorted(r for r in results if isinstance(r, int))
    refusals = [r for r in results if not isinstance(r, int)]
    assert all(isinstance(r, NoChangesError) for r in refusals), refusals
    assert numbers == list(range(1, len(numbers) + 1))
    versions = app.versions.all(project.pid)
    assert [v.number for v in versions] == numbers
    assert all(a.position < b.position and a.digest != b.digest
               for a, b in pairwise(versions))
    assert versions[-1].digest == app.projects.view(project.pid).digest  # every edit is in


def test_two_concurrent_creates_on_an_unchanged_project_give_one_version(
    app: Ledger, project: Project, ctx: Context
) -> None:
    results = in_threads([lambda: app.versions.create(project.pid, ctx).number] * 4)
    assert sorted(r for r in results if isinstance(r, int)) == [1]
    assert sum(isinstance(r, NoChangesError) for r in results) == 3


EDITS = 8
"""Per worker process: half on its own item, half on an item all workers share."""


def _edit_in_a_process(db_url: str, own: UUID, shared: UUID, worker: int,
                       start: Any, results: Any) -> None:
    """A worker process: its own application on the same database."""
    acknowledged, conflicts = [], 0
    try:
        app = ledger(db_url)
        ctx = Context(f"worker{worker}")
        start.wait(timeout=60)  # every worker has started: now they race
        for n in range(EDITS):
            object_id, target = worker * 1000 + n, own if n % 2 else shared
            for _ in range(100):
                try:
                    app.items.add_object(target, box(n, object_id), ctx)
                    break
                except StaleVersionError:
                    conflicts += 1
            else:
                raise RuntimeError(f"worker {worker} never got edit {n} in")
            acknowledged.append(object_id)
        results.put((worker, acknowledged, conflicts, ""))
    except Exception as exc:
        results.put((worker, acknowledged, conflicts, repr(exc)))
    finally:
        dispose_engines()


def test_every_acknowledged_edit_from_many_processes_is_in_the_log_exactly_once(
    app: Ledger, project: Project, db_url: str
) -> None:
    spawn = multiprocessing.get_context("spawn")
    workers, shared = (1, 2, 3), project.items[0]
    start, results = spawn.Barrier(len(workers)), spawn.Queue()
    processes = [spawn.Process(target=_edit_in_a_process,
                               args=(db_url, project.items[w], shared, w, start, results))
                 for w in workers]
    for process in processes:
        process.start()
    reports = [results.get(timeout=120) for _ in workers]
    for process in processes:
        process.join(timeout=60)
    assert [r[3] for r in reports] == ["", "", ""]
    acknowledged = [o for r in reports for o in r[1]]
    assert len(acknowledged) == len(workers) * EDITS
    assert added_object_ids(app, project.pid) == Counter(acknowledged)  # each exactly once
    per_item = EDITS // 2
    assert len(app.items.get(shared).objects) == per_item * len(workers)  # none lost
    assert all(len(app.items.get(project.items[w]).objects) == per_item for w in workers)
    [report] = app.proofs.verify(project.pid)
    assert report.ok and report.checked == 1 + ITEMS + len(acknowledged)
