"""/api/v1/media: image bytes, stored content-addressed (by sha256), served back.

Uploading returns a media link to use in a JSON item upload; an item's own image is at
/api/v1/projects/{project}/items/{item}/media when it is held by this server's store.
"""

from __future__ import annotations

import mimetypes
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from interfaces.http.deps import Reader, ReadProject, Uploader
from interfaces.http.item_schemas import MediaPublic

router = APIRouter(tags=["media"])
Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="Hex sha256")]
IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "The image bytes"}}


@router.post("/media", status_code=201)
async def upload_media(access: Uploader, file: Annotated[UploadFile, File()]) -> MediaPublic:
    """Store an image (once per content); its link can then be used by item uploads."""
    m = await run_in_threadpool(access.ledger.media.store, file.file,
                                access.principal.token_id, access.ctx)
    return MediaPublic(uri=m.uri, sha256=m.sha256, size=m.size, width=m.width, height=m.height)


@router.get("/media/{sha256}", response_class=FileResponse, responses=IMAGE)
def get_media(access: Reader, sha256: Sha256) -> FileResponse:
    """Bytes by sha256; a token limited to a project gets only what its items link."""
    return _file(access.ledger.media.file_for(sha256, access.principal))


@router.get("/projects/{project}/items/{item}/media", response_class=FileResponse,
            responses=IMAGE)
def get_item_media(access: ReadProject, item: UUID) -> FileResponse:
    """The item's image, when its link names this server's store copy of its sha256."""
    return _file(access.ledger.media.item_file(access.pid, item))


def _file(path: object) -> FileResponse:
    kind = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
    return FileResponse(str(path), media_type=kind)
