"""/api/v1/projects/{project}/items/{item}/annotation and item tags, in Supervisely JSON.

Reads carry the item's ETag; every change needs ``If-Match`` with it (428 without, 412
with a stale one, naming the current ETag) and answers with the annotation as it wrote it
and the ETag of the version it wrote (never a read after it, which could already hold
another client's change).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from application import SavedItem
from interfaces.http.deps import AnnotateProject, IfMatch, ReadProject
from interfaces.http.errors import etag
from interfaces.http.item_schemas import AnnotationPublic, AnnotationUpdate, ItemTagSet

router = APIRouter(prefix="/projects/{project}/items/{item}", tags=["annotation"])
ETAG = {"ETag": {"description": "The item's version", "schema": {"type": "string"}}}
ANNOTATION: dict[int | str, dict[str, Any]] = {200: {
    "model": AnnotationPublic, "description": "Supervisely annotation JSON", "headers": ETAG}}


def annotation_response(saved: SavedItem) -> JSONResponse:
    return JSONResponse(saved.annotation(), headers={"ETag": etag(saved.version)})


@router.get("/annotation", responses=ANNOTATION, response_class=JSONResponse)
def get_annotation(
    access: ReadProject, item: UUID,
    version: Annotated[int | None, Query(ge=1, lt=2**31, description=(
        "The annotation as it stood at this version of the project (its ETag is the "
        "item's version then); now when left out"))] = None,
) -> JSONResponse:
    if version is None:
        return annotation_response(access.ledger.annotations.current(access.pid, item))
    return annotation_response(access.ledger.versions.item_at(access.pid, version, item))


@router.put("/annotation", responses=ANNOTATION, response_class=JSONResponse)
def put_annotation(access: AnnotateProject, item: UUID, expected: IfMatch,
                   body: AnnotationUpdate) -> JSONResponse:
    """Replace tags, objects and description at once; objects keep the ids given. An
    object the item has keeps its shape (a class of another shape: 422 naming the class
    field), and its labeler and creation time when they are left out. ``updatedAt``: as
    sent, or else now for an object that changed."""
    return annotation_response(access.ledger.annotations.put(
        access.pid, item, expected, body.model_dump(exclude_unset=True), access.ctx))


@router.put("/tags/{tag_id}", responses=ANNOTATION, response_class=JSONResponse)
def set_item_tag(access: AnnotateProject, item: UUID, tag_id: int, expected: IfMatch,
                 body: ItemTagSet) -> JSONResponse:
    """Set (or replace) the item's tag of this tag meta."""
    return annotation_response(access.ledger.annotations.set_tag(
        access.pid, item, expected, tag_id, body.value, access.ctx))


@router.delete("/tags/{tag_id}", status_code=204)
def remove_item_tag(access: AnnotateProject, item: UUID, tag_id: int,
                    expected: IfMatch) -> Response:
    version = access.ledger.annotations.remove_tag(access.pid, item, expected, tag_id, access.ctx)
    return Response(status_code=204, headers={"ETag": etag(version)})
