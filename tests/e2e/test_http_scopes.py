"""Every operation of the OpenAPI schema, for every role, global and limited to its own
project, on its own project and on another one.

Two demo projects: ``own`` (the one limited tokens hold) and ``rival``. Each has an
uploaded image, and a finished training session that read it and wrote a model. A row
says what an operation needs (the right, and whether it is about one project); the
matrix asks each caller for it on each side and expects:

* 401/403 as the role allows the route; 403 also when the use case needs a right the
  role lacks (a version created through a session needs ``manage``);
* for a limited token and the rival's project: exactly the answer for a missing one
  (same status, same body once the reference is named alike);
* for whole-system views read by a limited token: nothing of the rival (its id, name,
  sessions, model, image hash).

An operation without a row fails :func:`test_every_operation_has_a_row`.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from application.demo import seed_demo
from domain.session import NodeRef
from domain.token import ADMIN, ANNOTATE, MANAGE, READ, ROLES
from domain.values import Context
from tests.conftest import DEMO
from tests.e2e.conftest import API, Api, png_bytes
from tests.e2e.test_http_roles import ENDPOINTS, Env, _demo_zip

pytestmark = pytest.mark.timeout(600)
CTX = Context("setup")
DS = 1
Req = tuple[str, str, dict[str, Any]]


@dataclass
class Side(Env):
    """One project as the matrix uses it: the roles matrix's helpers plus its workflow."""

    title: str = ""
    run: str = ""
    model: str = ""
    last_session: str = ""

    def running(self) -> str:
        """A session someone else (the operator) started on this project, still open."""
        self.last_session = str(self.api.ledger.sessions.start(
            "labeler", "labeling_job", CTX, inputs=[NodeRef("project", str(self.p))]))
        return self.last_session

    def secrets(self) -> list[str]:
        """What a reader limited to another project must never see of this one."""
        return [str(self.p), self.title, self.run, self.model, self.sha, str(self.file_item)]


def make_side(api: Api, title: str, color: str) -> Side:
    p = seed_demo(api.ledger, DEMO, Context("seeder"), name=title)
    side = Side(api, p, _demo_zip(), title=title)
    side.file_item = api.ledger.annotations.upload_file(p, DS, "file.png",
                                            io.BytesIO(png_bytes(color=color)), CTX).id
    side.sha = api.ledger.items.get(side.file_item).media.sha256
    run = api.ledger.sessions.start("trainer", "training", CTX,
                                   inputs=[NodeRef("project", str(p))])
    side.model = f"s3://models/{title}.pt"
    api.ledger.sessions.add_output(run, NodeRef("model_weight", side.model))
    api.ledger.sessions.finish(run, "succeeded")
    side.run = str(run)
    return side


@dataclass(frozen=True)
class Row:
    needs: str
    """The right the operation needs (on the side's project, for ``project`` rows)."""
    kind: str
    """``project``: about the side's project; ``outside``: names the side's project where a
    project unknown to the caller is taken as an outside dataset; ``global``: a view or
    change of no project; ``unscoped``: refused to limited tokens; ``creates``: about the
    side's project, and creates another project (refused to limited tokens)."""
    make: Callable[[Side], Req]
    route: str | None = None
    """The route's own right, when the use case needs more (``needs``)."""


def _start(kind: str, auto: bool = False) -> Callable[[Side], Req]:
    return lambda e: ("POST", "/sessions", {"json": {
        "app": "scoped", "kind": kind, "auto_version": auto,
        "inputs": [{"type": "project", "ref": str(e.p)}]}})


def _run_event(inputs: Callable[[Side], list[dict[str, Any]]]) -> Callable[[Side], Req]:
    return lambda e: ("POST", "/lineage", {"json": {
        "eventType": "START", "eventTime": "2026-01-01T00:00:00Z", "producer": "tests",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "ml", "name": "train", "facets": {
            "jobType": {"jobType": "TRAINING", "processingType": "BATCH"}}},
        "inputs": inputs(e), "outputs": []}})


def _session_post(suffix: str, body: dict[str, Any]) -> Callable[[Side], Req]:
    return lambda e: ("POST", f"/sessions/{e.running()}/{suffix}", {"json": body})


def _const(value: str) -> Callable[[Side], str]:
    return lambda e: value


def _wf(path: str, **params: Callable[[Side], str]) -> Callable[[Side], Req]:
    return lambda e: ("GET", f"/workflow/{path}", {"params": {k: f(e) for k, f in
                                                              params.items()}})


ROWS: list[Row] = [Row(p, k, m) for p, k, m in ENDPOINTS] + [
    Row(ANNOTATE, "project", _start("labeling_job")),
    Row(MANAGE, "project", _start("training"), route=ANNOTATE),
    Row(MANAGE, "project", _start("other", auto=True), route=ANNOTATE),
    Row(ANNOTATE, "global", lambda e: ("POST", "/sessions", {"json": {
        "app": "outside", "kind": "other", "inputs": [{"type": "dataset", "ref": "s3://d"}]}})),
    Row(READ, "global", lambda e: ("GET", "/sessions", {})),
    Row(READ, "project", lambda e: ("GET", f"/sessions/{e.run}", {})),
    Row(MANAGE, "project", _session_post("inputs", {"type": "dataset", "ref": "s3://in"}),
        route=ANNOTATE),
    Row(MANAGE, "project", _session_post("outputs", {"type": "report", "ref": "r.html"}),
        route=ANNOTATE),
    Row(MANAGE, "project", _session_post("progress", {"done": 1, "total": 2}),
        route=ANNOTATE),
    Row(MANAGE, "project", _session_post("finish", {"status": "failed"}), route=ANNOTATE),
    Row(READ, "project", _wf("upstream", node=lambda e: f"project:{e.p}")),
    Row(READ, "project", _wf("downstream", node=lambda e: f"project:{e.p}")),
    Row(READ, "project", _wf("provenance", node=lambda e: f"model_weight:{e.model}")),
    Row(READ, "project", _wf("svg", node=lambda e: f"project:{e.p}")),
    Row(READ, "project", _wf("trained-on", project=lambda e: str(e.p),
                             item=lambda e: str(e.file_item))),
    Row(READ, "global", _wf("svg")),
    *[Row(READ, "global", _wf("export", format=_const(f)))
      for f in ("json", "graphml", "mermaid", "dot")],
    Row(READ, "global", _wf("openlineage")),
    Row(READ, "project", lambda e: ("GET", "/lineage", {
        "params": {"nodeId": f"dataset:annoledger:project/{e.p}"}})),
    Row(READ, "global", lambda e: ("GET", "/lineage", {
        "params": {"nodeId": "job:annoledger:trainer"}})),
    Row(MANAGE, "outside", _run_event(lambda e: [
        {"namespace": "annoledger", "name": f"project/{e.p}"}]), route=ANNOTATE),
    Row(ANNOTATE, "global", _run_event(lambda e: [{"namespace": "s3://b", "name": "d"}])),
    Row(READ, "project", lambda e: ("GET", "/audit", {"params": {"project": str(e.p)}})),
    Row(READ, "global", lambda e: ("GET", "/audit", {"params": {"limit": 1000}})),
    Row(READ, "project", lambda e: ("GET", "/audit.csv", {"params": {"project": str(e.p)}})),
    Row(READ, "global", lambda e: ("GET", "/audit.csv", {})),
    Row(READ, "project", lambda e: ("GET", f"/projects/{e.p}/items/{e.file_item}/history", {})),
    Row(READ, "project", lambda e: ("GET", f"/projects/{e.p}/items/{e.file_item}/blame", {})),
    Row(MANAGE, "project", lambda e: ("POST", f"/projects/{e.p}/operations", {"json": {
        "operation": "subsample", "params": {"fraction": 1}, "in_place": True}})),
    Row(MANAGE, "creates", lambda e: ("POST", f"/projects/{e.p}/operations", {"json": {
        "operation": "subsample", "params": {"fraction": 1}}})),
]


def expected(row: Row, role: str, limited: bool, own: bool) -> int:
    if (row.route or row.needs) not in ROLES[role]:
        return 403
    if limited and row.kind == "unscoped":
        return 403
    if limited and not own and row.kind in ("project", "creates"):
        return 404
    if limited and row.kind == "creates":
        return 403
    if limited and not own and row.kind == "outside":
        return 200  # the project is, to this caller, an outside dataset like a missing one
    return 200 if row.needs in ROLES[role] else 403


@pytest.fixture
def sides(api: Api) -> tuple[Side, Side]:
    return make_side(api, "own-k3x", "red"), make_side(api, "rival-q8z", "blue")


def _send(api: Api, headers: dict[str, str], req: Req) -> Any:
    method, path, kwargs = req
    kwargs = dict(kwargs)
    extra = kwargs.pop("headers", {})
    return api.client.request(method, API + path, headers={**headers, **extra}, **kwargs)


def _swapped(req: Req, swaps: dict[str, str]) -> Req | None:
    """The same request naming what does not exist instead (None for file uploads)."""
    method, path, kwargs = req
    if "files" in kwargs or "data" in kwargs:
        return None
    text = json.dumps([path, kwargs])
    for real, fake in swaps.items():
        text = text.replace(real, fake)
    path, kwargs = json.loads(text)
    return method, path, kwargs


def _normal(body: str, names: dict[str, str]) -> str:
    for value, placeholder in names.items():
        body = body.replace(value, placeholder)
    return body


def test_every_operation_answers_each_role_on_its_own_and_another_project(
        api: Api, sides: tuple[Side, Side]) -> None:
    own, rival = sides
    callers = [(role, limited) for role in ROLES for limited in (False, True)]
    tokens = {(role, limited): api.token(role, own.p if limited else None)
              for role, limited in callers}
    wrong: list[str] = []
    for row in ROWS:
        for role, limited in callers:
            who = f"{role}{'@own' if limited else ''}"
            for side in ((own,) if row.kind in ("global", "unscoped") else (own, rival)):
                req = row.make(side)
                r = _send(api, tokens[role, limited], req)
                want = expected(row, role, limited, side is own)
                got = 200 if 200 <= r.status_code < 300 else r.status_code
                where = f"{req[0]} {req[1]} {req[2].get('params', '')} as {who} on {side.title}"
                if got != want:
                    wrong.append(f"{where}: {r.status_code} (expected {want}) {r.text[:150]}")
                    continue
                if limited and row.kind == "global" and got == 200:
                    leaked = [s for s in rival.secrets() if s in r.text]
                    if leaked:
                        wrong.append(f"{where}: shows the rival's {leaked}")
                if limited and side is rival:
                    wrong += _differs_from_missing(api, tokens[role, limited], req, r, rival,
                                                   where)
    assert not wrong, "\n".join(wrong)


def _differs_from_missing(api: Api, headers: dict[str, str], req: Req, got: Any,
                          rival: Side, where: str) -> list[str]:
    """The answer about the rival equals the answer about a project that does not exist."""
    fakes = {str(rival.p): str(uuid.uuid4()), rival.run: str(uuid.uuid4()),
             rival.sha: "f" * 64, rival.model: "s3://models/nowhere.pt"}
    if rival.last_session:
        fakes[rival.last_session] = str(uuid.uuid4())
    missing_req = _swapped(req, fakes)
    if missing_req is None:
        return []
    missing = _send(api, headers, missing_req)
    names = {real: f"<{i}>" for i, real in enumerate(fakes)}
    fake_names = {fake: f"<{i}>" for i, fake in enumerate(fakes.values())}
    if missing.status_code != got.status_code or (got.status_code >= 300 and (
            _normal(got.text, names) != _normal(missing.text, fake_names))):
        return [f"{where}: {got.status_code} {got.text[:150]} but for a missing one "
                f"{missing.status_code} {missing.text[:150]}"]
    return []


def test_every_operation_has_a_row(api: Api, sides: tuple[Side, Side]) -> None:
    own, _ = sides
    operations = {(method.upper(), path.removeprefix(API))
                  for path, ops in api.client.get("/openapi.json").json()["paths"].items()
                  for method in ops if path.startswith(API)}
    patterns = {op: re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", op[1]) + "$")
                for op in operations}
    covered = set()
    for row in ROWS:
        method, path, _ = row.make(own)
        covered |= {op for op, rx in patterns.items()
                    if op[0] == method and rx.match(path.split("?")[0])}
    assert operations - covered == set()
    assert {ADMIN, MANAGE, ANNOTATE, READ} == {r.needs for r in ROWS}
