"""Fixtures of the HTTP API tests: the app on each backend, tokens per role, the demo."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from application.demo import seed_demo
from application.ledger import Ledger
from application.settings import Settings
from domain.values import Context
from interfaces.composition import build_ledger
from interfaces.http.main import create_app
from tests.conftest import DEMO

API = "/api/v1"


@dataclass
class Api:
    """A test client on the app, the ledger behind it, and an admin token."""

    client: TestClient
    ledger: Ledger
    admin: dict[str, str]

    def token(self, role: str, project: UUID | None = None) -> dict[str, str]:
        secret = self.ledger.tokens.issue(role, Context("tests"), project_id=project,
                                         name=role).secret
        return {"Authorization": f"Bearer {secret}"}

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                **kwargs: Any) -> Any:
        return self.client.request(method, API + path,
                                   headers={**self.admin, **(headers or {})}, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def position(self, project: UUID) -> int:
        return self.ledger.projects.view(project).position


@pytest.fixture
def api_settings(settings: Settings, tmp_path: Path) -> Settings:
    return replace(settings, media_root=tmp_path / "media")


@pytest.fixture
def api(api_settings: Settings) -> Api:
    ledger = build_ledger(api_settings)
    client = TestClient(create_app(api_settings, ledger=ledger, max_json=1 << 20))
    secret = ledger.tokens.issue("admin", Context("tests"), name="admin").secret
    return Api(client, ledger, {"Authorization": f"Bearer {secret}"})


@pytest.fixture
def demo(api: Api) -> UUID:
    """The demo project: 6 images, 9 objects, versions 1 and 2."""
    return seed_demo(api.ledger, DEMO, Context("seeder"))


def png_bytes(width: int = 8, height: int = 6, color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def first_item(api: Api, project: UUID) -> tuple[str, str]:
    """The id of the project's first item and its ETag."""
    item = api.get(f"/projects/{project}/items?limit=1").json()["data"][0]["id"]
    return item, api.get(f"/projects/{project}/items/{item}").headers["ETag"]


BOX = {"classTitle": "cat", "points": {"exterior": [[10, 20], [110, 220]], "interior": []}}
