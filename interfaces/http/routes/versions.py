"""/api/v1/projects/{project}/versions: create, list, read, diff, restore, revert, export.

Creating a version when nothing changed answers 409 naming the latest version. Restore
makes a new project (never in place); revert records new events in this project.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from application import require_unscoped
from domain.values import Version
from interfaces.http.deps import Access, Limit, ManageProject, Offset, ReadProject
from interfaces.http.download_names import download_label
from interfaces.http.files import export_zip
from interfaces.http.routes.projects import project_public
from interfaces.http.schemas import (
    DiffPublic,
    ProjectPublic,
    QueryBool,
    RestoreRequest,
    RevertPublic,
    VersionCreate,
    VersionPublic,
    VersionsPublic,
)

router = APIRouter(prefix="/projects/{project}/versions", tags=["versions"])
Number = Annotated[int, Path(ge=1, lt=2**31, description="A version number")]
Ref = Annotated[str, Path(pattern=r"^([1-9][0-9]{0,8}|current)$",
                          description="A version number, or 'current'")]
ZIP: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {}}, "description": "A Supervisely project"}}


def version_public(access: Access, v: Version) -> VersionPublic:
    items, objects = access.ledger.versions.counts(access.pid, v)
    return VersionPublic(number=v.number, title=v.title, description=v.description,
                         author=v.author, created_at=v.created_at, position=v.position,
                         digest=v.digest, items=items, objects=objects)


def _ref(value: str) -> int | str:
    return value if value == "current" else int(value)


@router.get("")
def list_versions(access: ReadProject, offset: Offset = 0, limit: Limit = 100) -> VersionsPublic:
    versions = access.ledger.versions.all(access.pid)
    return VersionsPublic(data=[version_public(access, v)
                                for v in versions[offset:offset + limit]],
                          count=len(versions))


@router.post("", status_code=201, responses={409: {"description": "Nothing changed since the "
                                                                  "latest version"}})
def create_version(access: ManageProject, body: VersionCreate | None = None) -> VersionPublic:
    """Refused (409, naming the latest) when the project equals its latest version."""
    body = body or VersionCreate(title="", description="")
    return version_public(access, access.ledger.versions.create(
        access.pid, access.ctx, body.title, body.description))


@router.get("/{n}")
def get_version(access: ReadProject, n: Number) -> VersionPublic:
    return version_public(access, access.ledger.versions.get(access.pid, n))


@router.get("/{a}/diff/{b}")
def diff_versions(access: ReadProject, a: Ref, b: Ref,
                  per_item: Annotated[QueryBool,
                                      Query(description="List objects per item")] = False,
                  ) -> DiffPublic:
    """Items and objects added, removed, changed from A to B; objects per class on each."""
    comparison = access.ledger.versions.diff(access.pid, _ref(a), _ref(b))
    result: dict[str, Any] = comparison.as_json(per_item)
    return DiffPublic.model_validate(result)


@router.post("/{n}/restore", status_code=201)
def restore_version(access: ManageProject, n: Number,
                    body: RestoreRequest | None = None) -> ProjectPublic:
    """A new project with the version's state; media are linked, history is not copied.
    A token limited to one project may not create another (as with POST /projects)."""
    require_unscoped(access.principal, "restore a version into a new project")
    body = body or RestoreRequest(name=None, datasets=None)
    new = access.ledger.versions.restore(access.pid, n, access.ctx, name=body.name,
                                datasets=body.datasets)
    return project_public(access.ledger, new)


@router.post("/{n}/revert", responses={409: {"description": "The project already equals "
                                                            "the version"}})
def revert_version(access: ManageProject, n: Number) -> RevertPublic:
    """Bring this project back to the version's state by recording new events. A project
    already equal to the version is refused as an unchanged version is (409
    ``no-changes``), and records nothing."""
    events = access.ledger.versions.revert(access.pid, n, access.ctx)
    return RevertPublic(project=access.pid, events=events,
                        digest=access.ledger.projects.view(access.pid).digest)


@router.get("/{n}/export", response_class=FileResponse, responses=ZIP)
async def export_version(access: ReadProject, n: Ref,
                         media: Annotated[QueryBool, Query(description="Include image files held "
                                                                  "locally")] = True,
                         ) -> FileResponse:
    """The version (or ``current``) as a Supervisely project zip. Images are included only
    from the media store and the configured media roots; any other link is exported as its
    URI (``meta/<item>.json``), never read."""
    path, cleanup = await run_in_threadpool(export_zip, access.ledger, access.pid, _ref(n),
                                            media)
    name = download_label(access.ledger.projects.view(access.pid).name, _ref(n))
    return FileResponse(path, media_type="application/zip", filename=f"{name}.zip",
                        background=BackgroundTask(cleanup))
