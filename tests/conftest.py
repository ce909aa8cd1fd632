"""Fixtures shared by every level: a database URL per backend, and an application."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.ledger import Ledger
from application.settings import Settings
from domain.values import Context
from infrastructure.persistence.factory import dispose_engines
from interfaces.composition import build_ledger
from tests.backends import require_pg

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "infrastructure" / "demo_data" / "real_export_vector"
FIXTURES = ROOT / "tests" / "fixtures"


def editable_demo(tmp_path: Path, name: str = "edited") -> Path:
    """A writable copy of the real export (the shared copy is read-only)."""
    copy = tmp_path / name
    shutil.copytree(DEMO, copy, symlinks=True)
    for p in copy.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return copy


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path}/ledger.db" if request.param == "sqlite" else require_pg()
    yield url
    dispose_engines()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db_url=db_url, actor="tester", snapshot_every=50, item_snapshot_every=4)


@pytest.fixture
def app(settings: Settings) -> Ledger:
    return build_ledger(settings)


@pytest.fixture
def ctx() -> Context:
    return Context("alice")
