"""OpenLineage: the official client posts to our API; events land in the workflow graph."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import httpx
import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.generated.dataset_type_dataset import DatasetTypeDatasetFacet
from openlineage.client.generated.job_type_job import JobTypeJobFacet
from openlineage.client.transport.http import (
    ApiKeyTokenProvider,
    HttpCompression,
    HttpConfig,
    HttpTransport,
)

from application.ledger import Ledger
from application.settings import Settings
from domain.errors import NotFoundError
from domain.values import Context
from interfaces.http.main import create_app
from tests.conftest import DEMO, FIXTURES
from tests.e2e.lineage_server import LoseResponses, serving

pytestmark = pytest.mark.timeout(120)
CAPTURED = json.loads((FIXTURES / "openlineage" / "captured_requests.json").read_text())


@pytest.fixture
def token(app: Ledger) -> str:
    return app.tokens.issue("admin", Context("ops"), name="openlineage").secret


@pytest.fixture
def lossy(app: Ledger, settings: Settings) -> LoseResponses:
    return LoseResponses(create_app(settings, ledger=app), 0)


@pytest.fixture
def url(lossy: LoseResponses) -> Iterator[str]:
    with serving(lossy) as base:
        yield base


def _client(url: str, token: str, gzip_body: bool = True) -> OpenLineageClient:
    config = HttpConfig(url=url, auth=ApiKeyTokenProvider({"apiKey": token}),
                        compression=HttpCompression.GZIP if gzip_body else None,
                        retry={"total": 5, "backoff_factor": 0.01,
                               "status_forcelist": [500, 502, 503, 504],
                               "allowed_methods": ["POST"]})
    return OpenLineageClient(transport=HttpTransport(config))


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _run(state: RunState, run_id: str, job: Job, *, inputs: list[InputDataset] | None = None,
         outputs: list[OutputDataset] | None = None) -> RunEvent:
    return RunEvent(eventType=state, eventTime=_now(), run=Run(runId=run_id), job=job,
                    inputs=inputs or [], outputs=outputs or [])


def test_a_run_from_the_client_becomes_a_session_linked_to_our_version(
    app: Ledger, url: str, token: str
) -> None:
    project = app.imports.from_files("supervisely", DEMO, Context("ops"), name="cats").project
    app.versions.create(project, Context("ops"), "v1")
    client, run_id = _client(url, token), str(uuid4())
    job = Job(namespace="ml-platform", name="train_detector", facets={"jobType": JobTypeJobFacet(
        processingType="BATCH", integration="CUSTOM", jobType="training")})
    source = InputDataset(namespace="annoledger", name=f"project/{project}@v1")
    model = OutputDataset(namespace="s3://models", name="detector.pt", facets={
        "datasetType": DatasetTypeDatasetFacet(datasetType="MODEL")})
    client.emit(_run(RunState.START, run_id, job, inputs=[source]))
    client.emit(_run(RunState.COMPLETE, run_id, job, outputs=[model]))

    g = app.workflow.graph()
    session = f"session:{run_id}"
    assert g.nodes[session]["session_kind"] == "training"
    assert g.nodes[session]["status"] == "succeeded"
    assert g.has_edge(f"version:{project}@1", session, "input")
    assert g.has_edge(session, "model_weight:s3://models#detector.pt", "output")
    found = app.workflow.trained_on("cats", "ds/cat1.jpg")
    assert [f["model"]["id"] for f in found] == ["model_weight:s3://models#detector.pt"]

    answer = httpx.get(f"{url}/api/v1/lineage", params={
        "nodeId": "job:ml-platform:train_detector", "depth": 1},
        headers={"Authorization": f"Bearer {token}"}).json()
    by_id = {n["id"]: n for n in answer["graph"]}
    assert set(by_id) == {"job:ml-platform:train_detector",
                          f"dataset:annoledger:project/{project}@v1",
                          "dataset:s3://models:detector.pt"}
    job_node = by_id["job:ml-platform:train_detector"]
    assert job_node["type"] == "JOB" and job_node["data"]["latestRun"]["state"] == "COMPLETE"
    assert job_node["inEdges"] == [{"origin": f"dataset:annoledger:project/{project}@v1",
                                    "destination": "job:ml-platform:train_detector"}]


def test_client_retries_change_nothing_twice(
    app: Ledger, url: str, token: str, lossy: LoseResponses
) -> None:
    lossy.left = 2  # the first two answers are lost after the event was applied
    client, run_id = _client(url, token, gzip_body=False), str(uuid4())
    job = Job(namespace="etl", name="export_coco")
    out = OutputDataset(namespace="file:///exports", name="coco/instances.json")
    client.emit(_run(RunState.COMPLETE, run_id, job, outputs=[out]))
    assert lossy.lost == 2
    session = app.sessions.get(UUID(run_id))
    assert session.version == 4  # Started, OutputAdded, Finished, LineageApplied: once
    assert len(session.outputs) == 1 and session.status == "succeeded"


def test_dataset_and_job_events_declare_nodes(app: Ledger, url: str, token: str) -> None:
    client = _client(url, token)
    client.emit(DatasetEvent(eventTime=_now(), dataset=StaticDataset(namespace="s3://raw",
                                                                      name="frames")))
    client.emit(JobEvent(eventTime=_now(), job=Job(namespace="etl", name="extract_frames"),
                         inputs=[InputDataset(namespace="s3://raw", name="frames")],
                         outputs=[OutputDataset(namespace="s3://clean", name="frames")]))
    g = app.workflow.graph()
    job = "job:etl#extract_frames"
    assert g.has_edge("dataset:s3://raw#frames", job, "input")
    assert g.has_edge(job, "dataset:s3://clean#frames", "output")


def test_captured_requests_are_accepted_plain_or_gzip_with_a_bearer_token(
    app: Ledger, url: str, token: str
) -> None:
    bodies = [r["body"] for r in CAPTURED]
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{url}/api/v1/lineage", json=bodies[0]).status_code == 401
    first = httpx.post(f"{url}/api/v1/lineage", json=bodies[0], headers=auth)
    assert first.status_code == 201 and first.json()[0]["applied"] is True
    again = httpx.post(f"{url}/api/v1/lineage", json=bodies[0], headers=auth)
    assert again.json()[0]["applied"] is False
    packed = gzip.compress(json.dumps(bodies[1:]).encode())
    rest = httpx.post(f"{url}/api/v1/lineage", content=packed, headers=auth | {
        "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert [r["applied"] for r in rest.json()] == [True, True]
    bad = httpx.post(f"{url}/api/v1/lineage", content=b"{", headers=auth)
    assert bad.status_code == 400
    g = app.workflow.graph()
    runs = [n for n, a in g.nodes(data=True) if a.get("app") == "cv-platform/export_coco"]
    assert len(runs) == 3
    assert all(g.has_edge("dataset:sly://project/1#version/3", r, "input") for r in runs)


def test_our_sessions_exported_as_openlineage_feed_back_to_the_same_nodes(
    app: Ledger, url: str, token: str
) -> None:
    app.imports.from_files("supervisely", DEMO, Context("ops"), name="cats")
    before = app.workflow.graph()
    lines = httpx.get(f"{url}/api/v1/workflow/openlineage",
                      headers={"Authorization": f"Bearer {token}"}).text.splitlines()
    events = [json.loads(x) for x in lines]
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    answers = httpx.post(f"{url}/api/v1/lineage", json=events,
                         headers={"Authorization": f"Bearer {token}"}).json()
    assert [a["applied"] for a in answers] == [True, True]
    after = app.workflow.graph()
    assert set(after.edges(keys=True)) == set(before.edges(keys=True))


def _same_time(a: str | None, b: str) -> bool:
    return a is not None and datetime.fromisoformat(a) == datetime.fromisoformat(b)


def test_the_captured_runs_keep_their_event_time_not_their_arrival(
    app: Ledger, url: str, token: str
) -> None:
    bodies = [r["body"] for r in CAPTURED]
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{url}/api/v1/lineage", json=bodies, headers=auth).status_code == 201
    g = app.workflow.graph()
    exported = [json.loads(x) for x in httpx.get(f"{url}/api/v1/workflow/openlineage",
                                                 headers=auth).text.splitlines()]
    for body in bodies:
        run, sent = body["run"]["runId"], body["eventTime"]
        node = g.nodes[f"session:{run}"]
        assert _same_time(node["started_at"], sent) and _same_time(node["finished_at"], sent)
        shown = httpx.get(f"{url}/api/v1/sessions/{run}", headers=auth).json()
        assert _same_time(shown["started_at"], sent) and _same_time(shown["finished_at"], sent)
        assert {e["eventType"]: _same_time(e["eventTime"], sent) for e in exported
                if e["run"]["runId"] == run} == {"START": True, "COMPLETE": True}
        edge = g.edges["dataset:sly://project/1#version/3", f"session:{run}", "input"]
        assert edge["at"] == datetime.fromisoformat(sent).timestamp()


def test_a_run_reported_late_is_placed_at_its_own_times(
    app: Ledger, url: str, token: str
) -> None:
    client, run_id = _client(url, token), str(uuid4())
    job = Job(namespace="etl", name="clean_frames")
    start, end = "2026-11-20T10:00:00+00:00", "2026-11-20T11:30:00+00:00"
    client.emit(RunEvent(eventType=RunState.START, eventTime=start, run=Run(runId=run_id),
                         job=job, inputs=[InputDataset(namespace="s3://raw", name="frames")]))
    client.emit(RunEvent(eventType=RunState.COMPLETE, eventTime=end, run=Run(runId=run_id),
                         job=job, outputs=[OutputDataset(namespace="s3://clean", name="f")]))
    session = app.sessions.view(UUID(run_id))
    assert _same_time(session.started_at, start) and _same_time(session.finished_at, end)
    g = app.workflow.graph()
    at = datetime.fromisoformat
    assert g.edges["dataset:s3://raw#frames", f"session:{run_id}", "input"]["at"] == at(
        start).timestamp()
    assert g.edges[f"session:{run_id}", "dataset:s3://clean#f", "output"]["at"] == at(
        end).timestamp()
    assert _same_time(g.nodes[f"session:{run_id}"]["finished_at"], end)


def test_event_time_is_checked_and_missing_means_arrival(
    app: Ledger, url: str, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    event = {"eventType": "COMPLETE", "run": {"runId": str(uuid4())}, "producer": "tests",
             "job": {"namespace": "etl", "name": "no_time"}}
    bad = httpx.post(f"{url}/api/v1/lineage", json=[event, event | {"eventTime": "yesterday"}],
                     headers=auth)
    assert bad.status_code == 422 and bad.json()["field"] == "[1].eventTime"
    with pytest.raises(NotFoundError):
        app.sessions.get(UUID(event["run"]["runId"]))  # nothing of the batch was written
    before = datetime.now(UTC)
    ok = httpx.post(f"{url}/api/v1/lineage", json=event, headers=auth)
    assert ok.status_code == 201, ok.text
    shown = app.sessions.view(UUID(event["run"]["runId"]))
    assert datetime.fromisoformat(shown.started_at) >= before
