"""Every endpoint against every kind of caller: 2xx when the role and scope cover it,
403 when the role does not, 404 for a project outside a limited token's scope (as for a
missing one), 401 without a valid token. Tokens also work from the CLI."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.token import ADMIN, ANNOTATE, MANAGE, READ, ROLES
from domain.values import AnnotationObject, Context, MediaLink, ObjectClass, Tag, TagMeta
from tests.conftest import DEMO
from tests.e2e.cli import run_cli
from tests.e2e.conftest import API, BOX, Api, png_bytes
from tests.e2e.test_http_contract import documented

CTX = Context("setup")
CAT, DOG_TAG, DS = 2707428, 28789216, 1
Req = tuple[str, str, dict[str, Any]]
RESOURCES = {"projects", "datasets", "classes", "tags", "items", "annotation", "objects",
             "versions", "events", "tokens", "media"}


@dataclass
class Env:
    api: Api
    p: UUID
    zip: bytes = b""
    sha: str = ""
    file_item: UUID = field(default_factory=uuid.uuid4)

    def name(self) -> str:
        return uuid.uuid4().hex[:10]

    def item(self) -> UUID:
        media = MediaLink("s3://b/x.jpg", "ab" * 32, 1, 10, 10)
        return self.api.ledger.items.upload_item(self.p, DS, self.name(), media, CTX)

    def obj(self) -> tuple[UUID, int]:
        item = self.item()
        oid = self.api.ledger.items.add_object(item, AnnotationObject(0, CAT, {
            "points": BOX["points"]}), CTX)
        return item, oid

    def tagged(self) -> UUID:
        item = self.item()
        self.api.ledger.items.set_tag(item, Tag(DOG_TAG), CTX)
        return item

    def dataset(self) -> int:
        return self.api.ledger.projects.create_dataset(self.p, self.name(), CTX).id

    def cls(self) -> int:
        return self.api.ledger.projects.add_class(self.p, ObjectClass(0, self.name(), "point"),
                                                  CTX).id

    def tag(self) -> int:
        return self.api.ledger.projects.add_tag_meta(self.p, TagMeta(0, self.name()), CTX).id

    def etag(self, item: UUID) -> dict[str, str]:
        return {"If-Match": f'"{self.api.ledger.items.get(item).version}"'}


def _obj_call(e: Env, method: str, body: Any = None) -> Req:
    item, oid = e.obj()
    kwargs: dict[str, Any] = {"headers": e.etag(item)}
    if body is not None:
        kwargs["json"] = body
    return method, f"/projects/{e.p}/items/{item}/objects/{oid}", kwargs


ENDPOINTS: list[tuple[str, str, Callable[[Env], Req]]] = [
    # (permission, scope: project | global | unscoped | creates, request factory);
    # creates: about a project, and creates another (refused to a limited token)
    (READ, "global", lambda e: ("GET", "/projects", {})),
    (READ, "global", lambda e: ("GET", "/me", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/verify", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/stats", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/datasets", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/datasets/{DS}", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/classes", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/classes/{CAT}", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/tags", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/tags/{DOG_TAG}", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/items", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/items/{e.file_item}", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/items/{e.file_item}/annotation", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/items/{e.file_item}/objects", {})),
    (READ, "project", lambda e: _obj_call(e, "GET")),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/items/{e.file_item}/media", {})),
    (READ, "project", lambda e: ("GET", f"/media/{e.sha}", {})),  # an item of e.p links it
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/versions", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/versions/1", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/versions/1/diff/current", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/versions/1/export?media=false", {})),
    (READ, "project", lambda e: ("GET", f"/projects/{e.p}/events?limit=5", {})),
    (ANNOTATE, "project", lambda e: ("POST", f"/projects/{e.p}/items", {"json": {
        "dataset_id": DS, "name": e.name(), "media": {
            "uri": "s3://b/y.jpg", "sha256": "cd" * 32, "size": 5, "width": 4, "height": 3}}})),
    (ANNOTATE, "project", lambda e: ("POST", f"/projects/{e.p}/items", {
        "data": {"dataset_id": str(DS), "name": e.name()},
        "files": {"file": ("f.png", png_bytes(), "image/png")}})),
    (ANNOTATE, "project", lambda e: (lambda i: ("PUT", f"/projects/{e.p}/items/{i}/annotation", {
        "headers": e.etag(i), "json": {"objects": [BOX]}}))(e.item())),
    (ANNOTATE, "project", lambda e: (lambda i: ("PUT", f"/projects/{e.p}/items/{i}/tags/"
                                                f"{DOG_TAG}", {"headers": e.etag(i),
                                                               "json": {}}))(e.item())),
    (ANNOTATE, "project", lambda e: (lambda i: ("DELETE", f"/projects/{e.p}/items/{i}/tags/"
                                                f"{DOG_TAG}", {"headers": e.etag(i)}))(
        e.tagged())),
    (ANNOTATE, "project", lambda e: (lambda i: ("POST", f"/projects/{e.p}/items/{i}/objects", {
        "headers": e.etag(i), "json": BOX}))(e.item())),
    (ANNOTATE, "project", lambda e: _obj_call(e, "PATCH", {"tags": [{"name": "cat"}]})),
    (ANNOTATE, "project", lambda e: _obj_call(e, "DELETE")),
    (ANNOTATE, "global", lambda e: ("POST", "/media", {
        "files": {"file": ("m.png", png_bytes(3, 3), "image/png")}})),
    (MANAGE, "unscoped", lambda e: ("POST", "/projects", {"json": {"name": e.name()}})),
    (MANAGE, "unscoped", lambda e: ("POST", "/projects/import", {
        "files": {"file": (f"{e.name()}.zip", e.zip, "application/zip")}})),
    (MANAGE, "project", lambda e: ("PATCH", f"/projects/{e.p}", {"json": {"name": e.name()}})),
    (MANAGE, "project", lambda e: ("POST", f"/projects/{e.p}/import", {
        "files": {"file": ("demo.zip", e.zip, "application/zip")}})),
    (MANAGE, "project", lambda e: ("POST", f"/projects/{e.p}/datasets",
                                   {"json": {"name": e.name()}})),
    (MANAGE, "project", lambda e: ("PATCH", f"/projects/{e.p}/datasets/{e.dataset()}",
                                   {"json": {"name": e.name()}})),
    (MANAGE, "project", lambda e: ("DELETE", f"/projects/{e.p}/datasets/{e.dataset()}", {})),
    (MANAGE, "project", lambda e: ("POST", f"/projects/{e.p}/classes",
                                   {"json": {"title": e.name(), "shape": "polygon"}})),
    (MANAGE, "project", lambda e: ("PATCH", f"/projects/{e.p}/classes/{e.cls()}",
                                   {"json": {"color": "#123456"}})),
    (MANAGE, "project", lambda e: ("DELETE", f"/projects/{e.p}/classes/{e.cls()}", {})),
    (MANAGE, "project", lambda e: ("POST", f"/projects/{e.p}/tags", {"json": {"name": e.name()}})),
    (MANAGE, "project", lambda e: ("PATCH", f"/projects/{e.p}/tags/{e.tag()}",
                                   {"json": {"color": "#123456"}})),
    (MANAGE, "project", lambda e: ("DELETE", f"/projects/{e.p}/tags/{e.tag()}", {})),
    (MANAGE, "project", lambda e: (lambda i: ("PATCH", f"/projects/{e.p}/items/{i}", {
        "headers": e.etag(i), "json": {"name": e.name()}}))(e.item())),
    (MANAGE, "project", lambda e: (lambda i: ("DELETE", f"/projects/{e.p}/items/{i}", {
        "headers": e.etag(i)}))(e.item())),
    (MANAGE, "project", lambda e: (e.cls(), ("POST", f"/projects/{e.p}/versions", {}))[1]),
    (MANAGE, "creates", lambda e: ("POST", f"/projects/{e.p}/versions/1/restore",
                                   {"json": {"name": e.name()}})),
    (MANAGE, "project", lambda e: (e.cls(), ("POST", f"/projects/{e.p}/versions/1/revert",
                                             {}))[1]),  # a revert that changes something
    (ADMIN, "unscoped", lambda e: ("POST", "/tokens", {"json": {"role": "auditor"}})),
    (ADMIN, "unscoped", lambda e: ("GET", "/tokens", {})),
    (ADMIN, "unscoped", lambda e: ("DELETE", f"/tokens/"
                                   f"{e.api.ledger.tokens.issue('auditor', CTX).view.id}", {})),
]


def _demo_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(DEMO.rglob("*")):
            if path.is_file() and "img" not in path.parts:
                zf.write(path, Path("demo") / path.relative_to(DEMO))
    return out.getvalue()


def _expected(kind: str, scope: UUID | None, p: UUID, permission: str, caller: str) -> int:
    if caller in ("anonymous", "invalid", "revoked"):
        return 401
    role = caller.split("@")[0]
    if permission not in ROLES[role]:
        return 403
    if scope is not None and kind == "unscoped":
        return 403
    if scope is not None and kind in ("project", "creates") and scope != p:
        return 404
    if scope is not None and kind == "creates":
        return 403
    return 200


def test_every_endpoint_answers_every_caller_as_its_role_and_scope_allow(
        api: Api, demo: UUID) -> None:
    other = api.ledger.projects.create("other", CTX)
    env = Env(api, demo, _demo_zip())
    env.file_item = api.ledger.annotations.upload_file(demo, DS, "file.png",
                                                       io.BytesIO(png_bytes()), CTX).id
    env.sha = api.ledger.items.get(env.file_item).media.sha256
    revoked = api.ledger.tokens.issue("admin", CTX)
    api.ledger.tokens.revoke(revoked.view.id, CTX)
    callers: dict[str, tuple[dict[str, str], UUID | None]] = {
        "anonymous": ({}, None),
        "invalid": ({"Authorization": "Bearer al_not-a-token"}, None),
        "revoked": ({"Authorization": f"Bearer {revoked.secret}"}, None),
        **{role: (api.token(role), None) for role in ROLES},
        "manager@other": (api.token("manager", other), other),
        "admin@this": (api.token("admin", demo), demo),
    }
    wrong = []
    spec = api.client.get("/openapi.json").json()
    for permission, kind, make in ENDPOINTS:
        for caller, (headers, scope) in callers.items():
            method, path, kwargs = make(env)
            extra = kwargs.pop("headers", {})
            r = api.client.request(method, API + path, headers={**headers, **extra}, **kwargs)
            want = _expected(kind, scope, demo, permission, caller)
            got = 200 if 200 <= r.status_code < 300 else r.status_code
            if got != want:
                wrong.append(f"{method} {path} as {caller}: {r.status_code} "
                             f"(expected {want}) {r.text[:120]}")
            if r.status_code not in (documented(spec, method, path) or ()):
                wrong.append(f"{method} {path} as {caller}: {r.status_code} is not in the "
                             f"OpenAPI schema's responses")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_every_operation_of_these_resources(api: Api, demo: UUID) -> None:
    env = Env(api, demo, _demo_zip(), sha="0" * 64)
    operations = {(method.upper(), path.removeprefix(API))
                  for path, ops in api.client.get("/openapi.json").json()["paths"].items()
                  for method, op in ops.items() if set(op.get("tags", ())) & RESOURCES}
    patterns = {op: re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", op[1]) + "$")
                for op in operations}
    covered = set()
    for _, _, make in ENDPOINTS:
        method, path, _ = make(env)
        covered |= {op for op, rx in patterns.items()
                    if op[0] == method and rx.match(path.split("?")[0])}
    assert operations - covered == set()


def test_tokens_from_the_command_line_authenticate_until_revoked(
        api: Api, demo: UUID, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    made = run_cli(capsys, db_url, "tokens", "create", "--role", "auditor", "--project",
                   "demo", "--name", "eve", "--json")
    assert made.code == 0, made.err
    secret = made.json()["token"]
    me = api.client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me["role"] == "auditor" and me["project_id"] == str(demo) and me["name"] == "eve"
    listed = run_cli(capsys, db_url, "tokens", "list", "--json").json()
    assert secret not in str(listed) and any(t["name"] == "eve" for t in listed)
    assert run_cli(capsys, db_url, "tokens", "revoke", made.json()["id"]).code == 0
    r = api.client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401
    bad = run_cli(capsys, db_url, "tokens", "create", "--role", "boss")
    assert bad.code != 0 and "role" in bad.err


def test_a_token_limited_to_a_project_sees_only_that_project(api: Api, demo: UUID) -> None:
    api.ledger.projects.create("other", CTX)
    scoped = api.token("auditor", demo)
    listed = api.client.get(f"{API}/projects", headers=scoped).json()
    assert [p["id"] for p in listed["data"]] == [str(demo)] and listed["count"] == 1
    r = api.client.get(f"{API}/projects/other", headers=scoped)
    missing = api.client.get(f"{API}/projects/nowhere", headers=scoped)
    assert r.status_code == missing.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "project not found: other"
