"""The API fuzzed against its own OpenAPI schema (schemathesis, bounded) on a real
``annoledger serve``: whatever a client sends, valid per the schema or not, and whoever
sends it (an admin, or an annotator limited to one of two projects), the answer is never
a 5xx and its status is one the schema documents for that operation."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import status_code_conformance

from application.demo import seed_demo
from application.settings import Settings
from domain.values import Context
from infrastructure.persistence.factory import dispose_engines
from interfaces.composition import build_ledger
from tests.conftest import DEMO
from tests.e2e.live_server import free_port, live_server, wait_ready

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance]
CTX = Context("fuzz")


@dataclass
class Served:
    """A running server, its callers' headers and real values for path parameters."""

    root: str
    callers: dict[str, dict[str, str]]
    real: dict[str, list[str]]
    output: list[str]


def _drain(stream: Any, into: list[str]) -> None:
    """Keep the server's pipe empty (a full one would block it) and its log for reports."""
    for line in stream:
        into.append(line)


@pytest.fixture
def served(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           ) -> Iterator[Served]:
    media = tmp_path / "media"
    monkeypatch.setenv("ANNOLEDGER_MEDIA_ROOT", str(media))
    ledger = build_ledger(replace(settings, media_root=media))
    a = seed_demo(ledger, DEMO, CTX)
    b = ledger.projects.create("other", CTX)
    admin = ledger.tokens.issue("admin", CTX, name="admin").secret
    limited = ledger.tokens.issue("annotator", CTX, project_id=a, name="annotator@demo").secret
    dispose_engines()
    port = free_port()
    with live_server(settings.db_url, port, "--no-demo") as server:
        root = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {admin}"}
        wait_ready(f"{root}/api/v1", admin, server)
        output: list[str] = []
        threading.Thread(target=_drain, args=(server.stdout, output), daemon=True).start()
        api = f"{root}/api/v1/projects/{a}"
        item = httpx.get(f"{api}/items?limit=1", headers=auth).json()["data"][0]["id"]
        first = {kind: str(httpx.get(f"{api}/{kind}", headers=auth).json()["data"][0]["id"])
                 for kind in ("datasets", "classes", "tags")}
        objects = httpx.get(f"{api}/items/{item}/objects", headers=auth).json()
        real = {"project": [str(a), "demo", str(b), "other"], "item": [item],
                "dataset_id": [first["datasets"]], "class_id": [first["classes"]],
                "tag_id": [first["tags"]], "object": [str(o["id"]) for o in objects[:1]],
                "n": ["1", "2"], "a": ["1", "current"], "b": ["2", "current"]}
        yield Served(root, {"admin": auth, "annotator@demo": {
            "Authorization": f"Bearer {limited}"}}, real, output)


def test_no_request_fails_the_server_or_answers_an_undocumented_status(
        served: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{served.root}/openapi.json")
    failures: dict[str, str] = {}
    seen: Counter[tuple[str, int]] = Counter()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the schema has an invalid operation: {result}"
        operation = result.ok()
        for caller, headers in served.callers.items():
            _fuzz(operation, served, caller, headers, failures, seen)
    assert not failures, "\n\n".join(failures.values()) + "\n\nserver log:\n" + "".join(
        served.output[-80:])
    for caller in served.callers:  # the cases reached past validation, and were refused too
        assert {s // 100 for (c, s), _ in seen.items() if c == caller} >= {2, 4}, seen


def _fuzz(operation: Any, served: Served, caller: str, headers: dict[str, str],
          failures: dict[str, str], seen: Counter[tuple[str, int]]) -> None:
    cases = (operation.as_strategy(GenerationMode.POSITIVE)
             | operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases, pick=st.integers(-1, 7), any_version=st.booleans())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any, pick: int, any_version: bool) -> None:
        _aim(case, served.real, pick, any_version)
        response = case.call(base_url=served.root, headers=headers, timeout=30)
        seen[caller, response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as exc:  # one failure, or several
            key = f"{case.method} {case.path} as {caller}: {response.status_code}"
            failures.setdefault(key, f"{key}\n{str(exc)[:1500]}")

    run()


def _aim(case: Any, real: dict[str, list[str]], pick: int, any_version: bool) -> None:
    """Most cases reach real data (either project, an existing item...) rather than
    ids that do not exist; changes to an item then sometimes pass its If-Match."""
    if pick >= 0 and case.path_parameters:
        case.path_parameters.update({k: v[pick % len(v)] for k, v in real.items()
                                     if k in case.path_parameters and v})
    if any_version and case.headers and "If-Match" in case.headers:
        case.headers["If-Match"] = "*"
