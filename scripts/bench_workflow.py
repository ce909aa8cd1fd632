"""Benchmark of the workflow graph (issue 5, item 7).

1. build: the projection caught up from N session events (default 100,000) on SQLite;
2. queries: upstream / downstream at depth 20 on a graph of M nodes (default 100,000),
   timed on random nodes (target <= 50 ms), and the graph's memory (tracemalloc);
3. time travel: loading the graph as of the middle of its history.

Sessions form a random DAG: each reads 2 data nodes written recently (so lineage is
deep) and writes 3 new ones; events per session: Started, 2 InputAdded, 3 OutputAdded,
Finished. Events are written in bulk (the bench measures the projection, not the
writes).

    python scripts/bench_workflow.py [--events 100000] [--nodes 100000] [--db DIR]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import sqlalchemy as sa

from application import Settings
from application.core.bulk import Batch
from application.ports import SYSTEM_PROJECT, ProjectWrite
from domain.session import AppSession, NodeRef
from interfaces.composition import build_ledger
from projections.runner import catch_up
from projections.workflow_graph import WorkflowView
from projections.workflow_queries import downstream, reach, upstream

EVENTS_PER_SESSION = 7
DEPTH = 20


def sessions(count: int, seed: int = 5) -> Iterator[Batch]:
    rng = random.Random(seed)
    data = [f"s3://seed/{i}" for i in range(20)]
    batch: list[AppSession] = []
    for i in range(count):
        s = AppSession.start(f"app-{i % 50}", "transformation", "bench", uuid4(),
                             parameters={"i": i})
        recent = data[-3000:]
        for ref in {rng.choice(recent), rng.choice(recent)}:
            s.add_input(NodeRef("dataset", ref))
        while len(s.inputs) < 2:
            s.add_input(NodeRef("dataset", rng.choice(data)))
        for k in range(3):
            ref = f"s3://data/{i}/{k}"
            s.add_output(NodeRef("dataset", ref))
            data.append(ref)
        s.finish("succeeded")
        batch.append(s)
        if len(batch) == 1000:
            yield batch, ProjectWrite(SYSTEM_PROJECT)
            batch = []
    if batch:
        yield batch, ProjectWrite(SYSTEM_PROJECT)


def ledger(directory: Path, name: str, n_sessions: int) -> tuple[object, float]:
    app = build_ledger(Settings(db_url=f"sqlite:///{directory / name}.db"))
    started = time.perf_counter()
    written = app.core.write_batches(sessions(n_sessions))
    return app, written / (time.perf_counter() - started)


def build(app: object) -> tuple[WorkflowView, int, float]:
    view = WorkflowView(app.workflow.view.storage)  # type: ignore[attr-defined]
    view.reset()
    started = time.perf_counter()
    applied = catch_up(app.core, view)  # type: ignore[attr-defined]
    return view, applied, time.perf_counter() - started


def timed(fn: object, nodes: list[str], *args: object) -> tuple[list[float], list[int]]:
    times, sizes = [], []
    for node in nodes:
        t = time.perf_counter()
        found = fn(*args[:1], node, *args[1:])  # type: ignore[operator]
        times.append((time.perf_counter() - t) * 1000)
        sizes.append(len(found))
    return times, sizes


def summary(label: str, times: list[float], sizes: list[int]) -> str:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    return (f"  {label:<28} median {statistics.median(times):7.2f} ms  p95 {p95:7.2f} ms  "
            f"max {times[-1]:7.2f} ms  (nodes reached: median {statistics.median(sizes):.0f}, "
            f"max {max(sizes)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", type=Path, default=None, help="Keep the databases here")
    args = parser.parse_args()
    directory = args.db or Path(tempfile.mkdtemp(prefix="bench-wf-"))
    directory.mkdir(parents=True, exist_ok=True)

    n = args.events // EVENTS_PER_SESSION
    app, write_rate = ledger(directory, "build", n)
    view, applied, seconds = build(app)
    print(f"build: {applied:,} session events ({n:,} sessions) -> "
          f"{len(view.graph()):,} nodes in {seconds:.2f} s = {applied / seconds:,.0f} events/s "
          f"(bulk write {write_rate:,.0f} events/s)")

    n = args.nodes // 4
    app, _ = ledger(directory, "query", n)
    view, applied, seconds = build(app)
    loaded = time.perf_counter()
    WorkflowView(view.storage).graph()
    loaded = time.perf_counter() - loaded
    gc.collect()
    tracemalloc.start()
    g = WorkflowView(view.storage).graph()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"graph: {len(g):,} nodes, {g.number_of_edges():,} edges from {applied:,} events "
          f"(projection {seconds:.2f} s); load from tables {loaded:.2f} s")
    print(f"memory: {current / 2**20:.1f} MiB held ({current / len(g):.0f} B/node), "
          f"peak while loading {peak / 2**20:.1f} MiB (tracemalloc)")
    rng = random.Random(7)
    data = [x for x in g.nodes if x.startswith("dataset:s3://data/")]
    late = rng.sample(data[-len(data) // 4:], args.queries)
    early = rng.sample(data[: len(data) // 4], args.queries)
    print(f"queries at depth {DEPTH} ({args.queries} random nodes each):")
    print(summary("upstream (walk)", *timed(_reach_up, late, g, DEPTH)))
    print(summary("downstream (walk)", *timed(reach, early, g, DEPTH)))
    print(summary("upstream (sub-graph copy)", *timed(upstream, late, g, DEPTH)))
    print(summary("downstream (sub-graph copy)", *timed(downstream, early, g, DEPTH)))
    with view.tables.engine.connect() as conn:
        t = view.tables.nodes
        lo, hi = conn.execute(sa.select(sa.func.min(t.c.valid_from),
                                        sa.func.max(t.c.valid_from))).one()
    started = time.perf_counter()
    past = view.graph(as_of=(lo + hi) / 2)
    print(f"as of mid-history: {len(past):,} nodes loaded in "
          f"{time.perf_counter() - started:.2f} s")
    print(f"databases in {directory}")


def _reach_up(g: object, node: str, depth: int) -> dict[str, int]:
    return reach(g, node, depth, downstream=False)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
