"""/api/v1/projects/{project}/operations: run a data operation on a version.

The body names the operation and its parameters as the CLI's ``ops`` commands take
them (``{"operation": "split", "params": {"parts": {"train": 0.8, "val": 0.2}}}``),
with the version to read (default: the latest, created first when the project changed
since), the new project's name, ``in_place`` and the seed. Needs the manage right on
the project; writing a new project is refused to a token limited to one project (the
new project would be outside its scope), as a restore is. A bad parameter is 422
naming it, and nothing is written.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from application import require_unscoped
from interfaces.http.deps import ManageProject
from interfaces.http.schemas import Name, RequestBody, Schema

router = APIRouter(prefix="/projects/{project}/operations", tags=["operations"])


class OperationRequest(RequestBody):
    operation: Annotated[str, Field(max_length=64, description="augment, convert, rasterize, "
                                    "rename-classes, split, merge, subsample or filter")]
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="The operation's parameters")
    version: int | None = Field(None, ge=1, lt=2**31, description="Default: the latest")
    name: Name | None = Field(None, description="Default: '<source> · <operation>'")
    in_place: bool = Field(False, description="Record the result in this project")
    seed: int | None = Field(None, ge=0, lt=2**63, description="Default: drawn, recorded")


class OperationPublic(Schema):
    session: UUID
    project: UUID
    source_version: int
    items: int
    objects: int


@router.post("", status_code=201)
async def run_operation(access: ManageProject, body: OperationRequest) -> OperationPublic:
    """Derive a new project (or new events in this one) from a version, recorded as an
    app session holding the parameters and seed."""
    if not body.in_place:
        require_unscoped(access.principal, "write an operation's result as a new project")
    result = await run_in_threadpool(
        access.ledger.operations.run, access.pid, body.operation, body.params, access.ctx,
        version=body.version, name=body.name, in_place=body.in_place, seed=body.seed)
    return OperationPublic(**result.as_json())
