"""/api/v1/projects/{project}/items/{item}/objects: one annotation object at a time.

Objects are Supervisely objects (``classTitle`` or ``classId``, geometry keys, ``tags``,
``description``, ``labelerLogin``, ``createdAt``, ``updatedAt``). Changes need ``If-Match``
with the item's ETag and answer with the object as written and the ETag of the version
written.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, Response

from application import SavedItem
from interfaces.http.deps import AnnotateProject, IfMatch, ReadProject
from interfaces.http.errors import etag
from interfaces.http.item_schemas import ObjectCreate, ObjectPublic, ObjectUpdate

router = APIRouter(prefix="/projects/{project}/items/{item}/objects", tags=["objects"])
ObjectId = Annotated[int, Path(alias="object", ge=-(2**63), lt=2**63,
                                   description="The object's id (any integer)")]
OBJECT = {"model": ObjectPublic, "headers": {"ETag": {"description": "The item's version",
                                                       "schema": {"type": "string"}}}}


def object_response(saved: SavedItem, object_id: int, status: int = 200) -> JSONResponse:
    return JSONResponse(saved.object(object_id), status_code=status,
                        headers={"ETag": etag(saved.version)})


@router.get("", responses={200: {"model": list[ObjectPublic]}}, response_class=JSONResponse)
def list_objects(access: ReadProject, item: UUID) -> JSONResponse:
    saved = access.ledger.annotations.current(access.pid, item)
    return JSONResponse(saved.annotation()["objects"], headers={"ETag": etag(saved.version)})


@router.post("", status_code=201, responses={201: OBJECT}, response_class=JSONResponse)
def add_object(access: AnnotateProject, item: UUID, expected: IfMatch,
               body: ObjectCreate) -> JSONResponse:
    """Add an object; without an ``id`` it gets a fresh one."""
    object_id, saved = access.ledger.annotations.add_object(
        access.pid, item, expected, body.model_dump(exclude_unset=True), access.ctx)
    return object_response(saved, object_id, 201)


@router.get("/{object}", responses={200: OBJECT}, response_class=JSONResponse)
def get_object(access: ReadProject, item: UUID, object_id: ObjectId) -> JSONResponse:
    return object_response(access.ledger.annotations.current(access.pid, item), object_id)


@router.patch("/{object}", responses={200: OBJECT}, response_class=JSONResponse)
def change_object(access: AnnotateProject, item: UUID, object_id: ObjectId, expected: IfMatch,
                  body: ObjectUpdate) -> JSONResponse:
    """Change any of the object's fields: ``classTitle``/``classId``, the geometry,
    ``tags``, ``description``, ``labelerLogin``, ``createdAt``, ``updatedAt``; what is not
    given stays. Any other field is refused (422 naming it), and so is a class of another
    shape (an object keeps its shape: remove it and add one). ``updatedAt``: as sent, or
    else the time of the change when anything changed."""
    saved = access.ledger.annotations.patch_object(
        access.pid, item, expected, object_id, body.model_dump(exclude_unset=True), access.ctx)
    return object_response(saved, object_id)


@router.delete("/{object}", status_code=204)
def remove_object(access: AnnotateProject, item: UUID, object_id: ObjectId,
                  expected: IfMatch) -> Response:
    version = access.ledger.annotations.remove_object(access.pid, item, expected, object_id,
                                                      access.ctx)
    return Response(status_code=204, headers={"ETag": etag(version)})
