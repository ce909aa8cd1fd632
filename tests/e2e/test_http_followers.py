"""While the server runs, the read models follow the log without being asked."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient

from application.settings import Settings
from domain.values import Context
from interfaces.composition import build_ledger
from interfaces.http.main import create_app
from tests.conftest import DEMO


def test_the_audit_index_and_workflow_graph_catch_up_in_the_background(
    settings: Settings, tmp_path: Path
) -> None:
    ledger = build_ledger(replace(settings, media_root=tmp_path / "media"))
    with TestClient(create_app(settings, ledger=ledger)):
        ledger.imports.from_files("supervisely", DEMO, Context("bob"), name="demo")
        last = ledger.core.recorder.max_notification_id()  # type: ignore[attr-defined]
        assert ledger.audit.index is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            ledger.audit.index.position() < last
            or ledger.workflow.view.position() < last
        ):
            time.sleep(0.1)
        assert ledger.audit.index.position() == last
        assert ledger.workflow.view.position() == last
