"""/api/v1/projects/{project}/tags: tag metas (name, value type, allowed values)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from domain.values import TagMeta
from interfaces.http.deps import Limit, ManageProject, NameFilter, Offset, ReadProject
from interfaces.http.schemas import TagMetaCreate, TagMetaPublic, TagMetasPublic, TagMetaUpdate

router = APIRouter(prefix="/projects/{project}/tags", tags=["tags"])


def tag_meta_public(t: TagMeta) -> TagMetaPublic:
    return TagMetaPublic(id=t.id, name=t.name, value_type=t.value_type, values=list(t.values),
                         color=t.color, applicable_type=t.applicable_type,
                         classes=list(t.classes))


@router.get("")
def list_tag_metas(access: ReadProject, offset: Offset = 0, limit: Limit = 100,
                   name: NameFilter = None) -> TagMetasPublic:
    metas = sorted(access.ledger.projects.get(access.pid).tag_metas.values(), key=lambda t: t.id)
    found = [t for t in metas if not name or name.casefold() in t.name.casefold()]
    return TagMetasPublic(data=[tag_meta_public(t) for t in found[offset:offset + limit]],
                          count=len(found))


@router.post("", status_code=201)
def add_tag_meta(access: ManageProject, body: TagMetaCreate) -> TagMetaPublic:
    tm = TagMeta(0, body.name, body.value_type, tuple(body.values), body.color,
                 body.applicable_type, tuple(body.classes))
    return tag_meta_public(access.ledger.projects.add_tag_meta(access.pid, tm, access.ctx))


@router.get("/{tag_id}")
def get_tag_meta(access: ReadProject, tag_id: int) -> TagMetaPublic:
    return tag_meta_public(access.ledger.projects.get(access.pid).get_tag_meta(tag_id))


@router.patch("/{tag_id}")
def change_tag_meta(access: ManageProject, tag_id: int, body: TagMetaUpdate) -> TagMetaPublic:
    changes: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
               for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    return tag_meta_public(access.ledger.projects.change_tag_meta(access.pid, tag_id, access.ctx,
                                                         **changes))


@router.delete("/{tag_id}", status_code=204)
def remove_tag_meta(access: ManageProject, tag_id: int) -> Response:
    """Only a tag meta no item or object uses can be removed."""
    access.ledger.projects.remove_tag_meta(access.pid, tag_id, access.ctx)
    return Response(status_code=204)
