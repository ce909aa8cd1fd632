"""/api/v1/projects/import and /api/v1/projects/{project}/import: project files in.

A Supervisely project as a zip (``meta.json`` + dataset folders), or a COCO instances
JSON file. Into an existing project, only what differs is recorded. Images in a zip are
put into the media store (items link to it); links written in the files must be store
links or URIs of an allowed scheme (422 naming the file and field otherwise).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool

from interfaces.http.deps import ManageProject, Manager
from interfaces.http.files import import_upload
from interfaces.http.schemas import ImportPublic

router = APIRouter(prefix="/projects", tags=["projects"])
Format = Annotated[Literal["supervisely", "coco"], Form(description="supervisely: a zip; "
                                                                   "coco: an instances JSON")]
Upload = Annotated[UploadFile, File(description="The project files")]


@router.post("/import", status_code=201)
async def import_project(access: Manager, file: Upload, format: Format = "supervisely",
                         name: Annotated[str | None, Form(min_length=1, max_length=255)] = None,
                         ) -> ImportPublic:
    """A new project from files; its name defaults to the uploaded file's name."""
    r = await run_in_threadpool(import_upload, access.ledger, format, file.file,
                                file.filename or "", access.ctx, name=name,
                                may_link_stored=access.ledger.media.may_link_stored(access.principal))
    return ImportPublic(project=r.project, items=r.items, objects=r.objects, events=r.events)


@router.post("/{project}/import")
async def sync_project(access: ManageProject, file: Upload,
                       format: Format = "supervisely") -> ImportPublic:
    """Bring the project to the uploaded content, recording only the differences."""
    r = await run_in_threadpool(import_upload, access.ledger, format, file.file,
                                file.filename or "", access.ctx, into=access.pid,
                                may_link_stored=access.ledger.media.may_link_stored(access.principal))
    return ImportPublic(project=r.project, items=r.items, objects=r.objects, events=r.events)
