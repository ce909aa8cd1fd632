"""Load test of the HTTP API: N clients for T seconds on loopback, then a log audit.

For each backend a fresh database gets a project of ITEMS items; ``annoledger serve``
starts on 127.0.0.1 (SQLite: 1 worker; PostgreSQL: --workers); half the clients edit
(read the ETag, add an object with If-Match; a 412 is a conflict, re-read and go on),
half read (an annotation, a page of items, a page of the log). Each client is its own
process. Afterwards every acknowledged edit must be in the project log exactly once.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

API = "/api/v1"
BOX = {"classTitle": "box", "points": {"exterior": [[1, 2], [30, 40]], "interior": []}}


# -- one client process ------------------------------------------------------------------

def client(base: str, token: str, project: str, items: list[str], seconds: float,
           editor: bool, seed: int) -> dict[str, Any]:
    import httpx

    rng = random.Random(seed)
    lat: dict[str, list[float]] = defaultdict(list)
    status: Counter[str] = Counter()
    acks: list[tuple[str, int, int]] = []
    auth = {"Authorization": f"Bearer {token}"}
    next_id = 10**12 + seed * 10**7
    with httpx.Client(base_url=base, headers=auth, timeout=60) as http:
        def call(kind: str, method: str, url: str, **kw: Any) -> httpx.Response:
            t = time.perf_counter()
            r = http.request(method, url, **kw)
            lat[kind].append((time.perf_counter() - t) * 1000)
            status[f"{kind} {r.status_code}"] += 1
            return r

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            item = rng.choice(items)
            path = f"{API}/projects/{project}/items/{item}"
            if editor:
                tag = call("read item", "GET", path).headers["ETag"]
                next_id += 1
                r = call("edit", "POST", f"{path}/objects", json={**BOX, "id": next_id},
                         headers={"If-Match": tag})
                if r.status_code == 201:
                    acks.append((item, next_id, int(r.headers["ETag"].strip('"'))))
            else:
                kind = rng.choice(("read annotation", "read items", "read log"))
                url = {"read annotation": f"{path}/annotation",
                       "read items": f"{API}/projects/{project}/items?limit=50",
                       "read log": f"{API}/projects/{project}/events?limit=50&offset="
                                   f"{rng.randrange(0, 200)}"}[kind]
                call(kind, "GET", url)
    return {"lat": lat, "status": status, "acks": acks}


# -- the orchestrator --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reset_pg(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine("postgresql+psycopg://" + url.removeprefix("postgresql://"))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def seed(db_url: str, items: int) -> tuple[str, list[str], str]:
    from application import Settings
    from domain.values import Context, MediaLink, ObjectClass
    from interfaces.composition import build_ledger

    app, ctx = build_ledger(Settings(db_url=db_url)), Context("load")
    pid = app.projects.create("load", ctx)
    ds = app.projects.create_dataset(pid, "ds", ctx).id
    app.projects.add_class(pid, ObjectClass(0, "box", "rectangle"), ctx)
    ids = [str(app.items.upload_item(pid, ds, f"{i:05}.jpg", MediaLink(
        f"s3://load/{i}.jpg", f"{i:064x}", 1, 100, 100), ctx)) for i in range(items)]
    token = app.tokens.issue("annotator", ctx, name="load").secret
    return str(pid), ids, token


def run_backend(label: str, db_url: str, workers: int, args: argparse.Namespace) -> bool:
    project, items, token = seed(db_url, args.items)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-c", "from interfaces.cli.main import main; main()", "--db", db_url,
         "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--no-demo"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(base, token)
        results = run_clients(base, token, project, items, args)
        ok = audit(base, token, project, results)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(f"{label}, {workers} worker(s), {args.clients} clients x {args.seconds:g} s",
           results, args.seconds)
    return ok


def wait_ready(base: str, token: str) -> None:
    import httpx

    for _ in range(300):
        try:
            if httpx.get(f"{base}{API}/me", headers={"Authorization": f"Bearer {token}"}
                         ).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def run_clients(base: str, token: str, project: str, items: list[str],
                args: argparse.Namespace) -> list[dict[str, Any]]:
    procs = []
    for n in range(args.clients):
        spec = json.dumps([base, token, project, items, args.seconds, n % 2 == 0, n])
        procs.append(subprocess.Popen([sys.executable, __file__, "--client", spec],
                                      stdout=subprocess.PIPE))
    return [json.loads(p.communicate(timeout=args.seconds + 120)[0]) for p in procs]


def audit(base: str, token: str, project: str, results: list[dict[str, Any]]) -> bool:
    """Every acknowledged edit is in the log exactly once, at the version acknowledged."""
    import httpx

    acks = [tuple(a) for r in results for a in r["acks"]]
    added: Counter[tuple[str, int, int]] = Counter()
    offset = 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
        while page := http.get(f"{API}/projects/{project}/events",
                               params={"offset": offset, "limit": 1000}).json()["data"]:
            added.update((e["stream"], e["data"]["obj"]["id"], e["version"]) for e in page
                         if e["type"] == "Item.ObjectAdded")
            offset = page[-1]["position"]
    once = sum(1 for a in acks if added[a] == 1)
    extra = sum(added.values()) - len(acks)
    print(f"\naudit: {len(acks)} acknowledged edits, {once} in the log exactly once, "
          f"{extra} unacknowledged in the log")
    return once == len(acks)


def report(title: str, results: list[dict[str, Any]], seconds: float) -> None:
    lat: dict[str, list[float]] = defaultdict(list)
    status: Counter[str] = Counter()
    for r in results:
        for kind, values in r["lat"].items():
            lat[kind] += values
        status.update(r["status"])
    print(f"\n{title}")
    print(f"{'kind':<16}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}  statuses")
    for kind in sorted(lat):
        v = sorted(lat[kind])
        p99 = v[min(len(v) - 1, int(len(v) * 0.99))]
        codes = ", ".join(f"{k.split()[-1]}: {n}" for k, n in sorted(status.items())
                          if k.rsplit(" ", 1)[0] == kind)
        print(f"{kind:<16}{len(v):>10}{len(v) / seconds:>10.1f}{statistics.median(v):>10.1f}"
              f"{p99:>10.1f}  {codes}")
    total = sum(len(v) for v in lat.values())
    print(f"{'all':<16}{total:>10}{total / seconds:>10.1f}")


def main() -> None:
    if sys.argv[1:2] == ["--client"]:
        sys.stdout.write(json.dumps(client(*json.loads(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--items", type=int, default=64)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--pg", help="PostgreSQL URL of a database to WIPE and use")
    parser.add_argument("--workers", type=int, default=4, help="server workers on PostgreSQL")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            ok &= run_backend("SQLite", f"sqlite:///{Path(tmp) / 'load.db'}", 1, args)
    if args.pg:
        reset_pg(args.pg)
        ok &= run_backend("PostgreSQL", args.pg, args.workers, args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
