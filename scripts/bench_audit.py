"""Benchmark of audit queries and object history at 2,000,000 events (issue 6).

1. generate: one project of ITEMS items (one box each), then rounds of edits in which
   every item's box is changed once (moved; every 10th round reclassified, every 7th
   retagged) by one of 50 labelers in one of 200 app sessions, until the log holds
   EVENTS events; written with the bulk path, one transaction per round;
2. index: the audit projection caught up from the first event (events/s);
3. audit: actor + time range, newest 100 rows (target <= 100 ms), over random labelers
   and random windows of 10% of the history; also project + time, object, type, session;
4. history: every change of one object (target <= 10 ms), and blame of its item.

    python scripts/bench_audit.py [--events 2000000] [--items 20000] [--db URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from application import AuditFilter, Ledger, Settings
from application.core.bulk import BATCH_ITEMS, Batch
from application.core.catalog import catalog_entry
from application.ports import ProjectWrite
from domain.item import Item
from domain.state import ItemState, MetaState
from domain.values import AnnotationObject, Context, Dataset, MediaLink, ObjectClass, Tag, TagMeta
from interfaces.composition import build_ledger

ACTORS = [f"labeler-{i:02d}" for i in range(50)]
SESSIONS = [uuid4() for _ in range(200)]
NOW = "2024-01-01T00:00:00.000Z"


def box(x: int, y: int) -> dict[str, Any]:
    return {"points": {"exterior": [[x, y], [x + 40, y + 30]], "interior": []}}


def generate(app: Ledger, events: int, items: int) -> UUID:
    meta = MetaState("bench", {1: ObjectClass(1, "box", "rectangle"),
                               2: ObjectClass(2, "crate", "rectangle")},
                     {1: TagMeta(1, "checked")}, {1: Dataset(1, "ds")})
    pid = app.projects.create("bench", Context("admin"), meta)
    meta = app.projects.get(pid).meta
    rng = random.Random(6)
    media = MediaLink("s3://bench/img.jpg", "0" * 64, 1000, 640, 480)
    uploads = [Item.upload(pid, meta, ItemState(1, f"{i:06d}.jpg", media, (), (
        AnnotationObject(i + 1, 1, box(i % 600, i % 450), (), "importer", NOW, NOW),)),
        Context("importer")) for i in range(items)]
    total = app.core.write_batches(_batches(pid, uploads)) + 1
    rounds = 0
    while total < events:
        n = min(items, events - total)
        for k, item in enumerate(uploads[:n]):
            ctx = Context(rng.choice(ACTORS), rng.choice(SESSIONS))
            oid = k + 1
            obj = item.objects[oid]
            if rounds % 10 == 9:
                item.change_object(meta, oid, ctx, NOW, class_id=3 - obj.class_id)
            elif rounds % 7 == 6:
                tags = () if obj.tags else (Tag(1, None, ctx.actor, NOW, NOW),)
                item.change_object(meta, oid, ctx, NOW, tags=tags)
            else:
                x, y = obj.geometry["points"]["exterior"][0]
                item.change_object(meta, oid, ctx, NOW, geometry=box(
                    (x + rng.randint(1, 9)) % 600, (y + rng.randint(1, 9)) % 450))
        total += app.core.write_batches(_batches(pid, uploads[:n]))
        rounds += 1
        app.core.maybe_snapshot(pid)
        print(f"  round {rounds}: {total:,} events", flush=True)
    return pid


def _batches(pid: UUID, items: list[Item]) -> Iterator[Batch]:
    for i in range(0, len(items), BATCH_ITEMS):
        chunk = items[i:i + BATCH_ITEMS]
        yield chunk, ProjectWrite(pid, items=[catalog_entry(x) for x in chunk])


def timed(label: str, runs: int, fn: Callable[[int], object]) -> tuple[float, float]:
    """Median and 95th percentile of ``runs`` calls, after one warm-up call."""
    fn(-1)
    times = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    print(f"{label:<46} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   max {times[-1]:7.2f} ms")
    return p50, p95


def time_span(app: Ledger) -> tuple[float, float]:
    """The first and last event times in the audit index."""
    index: Any = app.audit.index
    rows = index.t.rows
    with index.engine.connect() as conn:
        first, last = conn.execute(sa.select(sa.func.min(rows.c.time),
                                             sa.func.max(rows.c.time))).one()
    return float(first), float(last)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--db", default="", help="database URL (default: a new SQLite file)")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--queries-only", action="store_true",
                        help="time the queries on a database generated before (--db)")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench_audit.db'}"
    app = build_ledger(Settings(db_url=url, actor="bench"))
    print(f"database {url}")
    if args.queries_only:
        pid = app.projects.resolve("bench")
    else:
        start = time.perf_counter()
        pid = generate(app, args.events, args.items)
        took = time.perf_counter() - start
        print(f"generated {app.projects.view(pid).position:,} events in {took:.1f} s "
              f"({app.projects.view(pid).position / took:,.0f} events/s)")
    head = app.projects.view(pid).position
    start = time.perf_counter()
    indexed = app.audit.catch_up()
    took = time.perf_counter() - start
    print(f"audit index caught up {indexed:,} events in {took:.1f} s "
          f"({indexed / max(took, 1e-9):,.0f} events/s)")
    t_start, t_end = time_span(app)
    rng = random.Random(7)
    span = (t_end - t_start) * 0.1

    def actor_window(_: int) -> object:
        since = rng.uniform(t_start, t_end - span)
        where = AuditFilter(actor=rng.choice(ACTORS), since=since, until=since + span)
        page = app.audit.query(where)
        assert page.rows, "no rows in the window"
        return page

    print(f"\nqueries ({args.runs} runs each), {head:,} events in the log:")
    timed("audit: actor + time range (10%), 100 rows", args.runs, actor_window)
    timed("audit: project + time range, 100 rows", args.runs, lambda _: app.audit.query(AuditFilter(
        project_id=pid, since=rng.uniform(t_start, t_end - span), until=t_end)))
    timed("audit: one object, all its rows", args.runs, lambda _: app.audit.query(AuditFilter(
        object_id=rng.randint(1, args.items)), limit=1000))
    timed("audit: type ObjectClassChanged, 100 rows", args.runs, lambda _: app.audit.query(
        AuditFilter(type="ObjectClassChanged")))
    timed("audit: session + actor, 100 rows", args.runs, lambda _: app.audit.query(AuditFilter(
        session_id=rng.choice(SESSIONS), actor=rng.choice(ACTORS))))
    items = {e.name: e.item_id for e in app.core.store.catalog(pid)}

    def history(_: int) -> object:
        k = rng.randrange(args.items)
        entries = app.history.item(pid, items[f"{k:06d}.jpg"], object_id=k + 1)
        assert entries
        return entries

    timed(f"history of one object (~{head // args.items} events)", args.runs, history)
    timed("blame of one item", args.runs, lambda _: app.history.blame(
        pid, items[f"{rng.randrange(args.items):06d}.jpg"]))


if __name__ == "__main__":
    main()
