"""/api/v1/projects/{project}/items: upload (JSON media link or a multipart file), list,
read, move or rename, remove. An item's ETag is its stream version."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError as PydanticError
from starlette.datastructures import UploadFile

from application import SavedItem
from domain.supervisely_json import tags_json
from domain.values import MediaLink
from interfaces.http.deps import (
    AnnotateProject,
    IfMatch,
    Limit,
    ManageProject,
    NameFilter,
    Offset,
    ReadProject,
)
from interfaces.http.errors import Problem, etag
from interfaces.http.item_schemas import (
    ItemCreate,
    ItemPublic,
    ItemsPublic,
    ItemSummary,
    ItemUpdate,
    MediaPublic,
    SlyTag,
)
from interfaces.http.schemas import Id, Name, RequestBody

router = APIRouter(prefix="/projects/{project}/items", tags=["items"])

UPLOAD_FORM: dict[str, Any] = {
    "type": "object", "required": ["file", "dataset_id"],
    "properties": {"file": {"type": "string", "format": "binary"},
                   "dataset_id": {"type": "integer", "minimum": 0},
                   "name": {"type": "string", "minLength": 1, "maxLength": 255,
                            "description": "Default: the file's name"}},
}
UPLOAD_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/ItemCreate"}},
    "multipart/form-data": {"schema": UPLOAD_FORM}}}}


class FileFields(RequestBody):
    dataset_id: Id
    name: Name


def item_public(saved: SavedItem, response: Response) -> ItemPublic:
    """The item as ``saved`` holds it: a write's own state and version (its ETag), never
    a read after the write."""
    item, meta = saved.state, saved.meta
    m = item.media
    response.headers["ETag"] = etag(saved.version)
    return ItemPublic(
        id=saved.id, project_id=saved.project_id, dataset_id=item.dataset_id,
        dataset=meta.dataset_path(item.dataset_id) if item.dataset_id in meta.datasets else "",
        name=item.name, version=saved.version, objects=len(item.objects),
        media=MediaPublic(uri=m.uri, sha256=m.sha256, size=m.size, width=m.width,
                          height=m.height),
        tags=[SlyTag.model_validate(t) for t in tags_json(meta, item.tags)])


@router.get("")
def list_items(access: ReadProject, offset: Offset = 0, limit: Limit = 100,
               name: NameFilter = None,
               dataset_id: Annotated[int | None, Query(ge=0, lt=2**31,
                                                       description="Only this dataset")] = None,
               ) -> ItemsPublic:
    page, count = access.ledger.annotations.page(access.pid, dataset_id=dataset_id, name=name,
                                           offset=offset, limit=limit)
    return ItemsPublic(count=count, data=[
        ItemSummary(id=e.item_id, dataset_id=e.dataset_id, name=e.name, version=e.version,
                    objects=e.objects) for e in page])


@router.post("", status_code=201, openapi_extra=UPLOAD_BODY, response_model=ItemPublic)
async def upload_item(access: AnnotateProject, request: Request,
                      response: Response) -> ItemPublic:
    """JSON: a media link (uri, sha256, size, width, height) and an optional annotation;
    the uri is a link from ``POST /api/v1/media`` or uses an allowed scheme (https, http,
    s3, gs, az by default): never a file of the server (422 naming ``media.uri``).
    Multipart: the image file itself, stored content-addressed in the media store."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    ledger = access.ledger
    try:
        if kind == "multipart/form-data":
            form = await request.form(max_files=1, max_fields=4)
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise Problem(422, "file: a multipart 'file' part is required", field="file",
                              slug="validation")
            fields = FileFields.model_validate({"dataset_id": form.get("dataset_id"),
                                                "name": form.get("name") or upload.filename})
            saved = await run_in_threadpool(ledger.annotations.upload_file, access.pid,
                                            fields.dataset_id, fields.name, upload.file,
                                            access.ctx)
        elif kind in ("application/json", ""):
            body = ItemCreate.model_validate_json(await request.body())
            media = body.media
            link = MediaLink(media.uri, media.sha256, media.size, media.width, media.height)
            ledger.media.check_link(link, "media")
            ledger.media.check_store_link(link, "media", access.principal)
            ann = body.annotation.model_dump(exclude_unset=True) if body.annotation else None
            saved = await run_in_threadpool(ledger.annotations.upload, access.pid,
                                            body.dataset_id, body.name, link, ann, access.ctx)
        else:
            raise Problem(415, f"send application/json or multipart/form-data, not '{kind}'",
                          slug="unsupported-media-type")
    except PydanticError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in exc.errors()]) from None
    response.headers["Location"] = f"{request.url.path}/{saved.id}"
    return item_public(saved, response)


@router.get("/{item}")
def get_item(access: ReadProject, item: UUID, response: Response) -> ItemPublic:
    return item_public(access.ledger.annotations.current(access.pid, item), response)


@router.patch("/{item}")
def move_item(access: ManageProject, item: UUID, expected: IfMatch, body: ItemUpdate,
              response: Response) -> ItemPublic:
    """Move to another dataset and/or rename."""
    return item_public(access.ledger.annotations.move(
        access.pid, item, expected, body.dataset_id, body.name, access.ctx), response)


@router.delete("/{item}", status_code=204)
def remove_item(access: ManageProject, item: UUID, expected: IfMatch) -> Response:
    version = access.ledger.annotations.remove(access.pid, item, expected, access.ctx)
    return Response(status_code=204, headers={"ETag": etag(version)})
