"""/api/v1/projects/{project}/classes: object classes (title, shape, color)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from domain.values import ObjectClass
from interfaces.http.deps import Limit, ManageProject, NameFilter, Offset, ReadProject
from interfaces.http.schemas import ClassCreate, ClassesPublic, ClassPublic, ClassUpdate

router = APIRouter(prefix="/projects/{project}/classes", tags=["classes"])


def class_public(c: ObjectClass) -> ClassPublic:
    return ClassPublic(id=c.id, title=c.title, shape=c.shape, color=c.color,
                       geometry_config=c.geometry_config)


@router.get("")
def list_classes(access: ReadProject, offset: Offset = 0, limit: Limit = 100,
                 name: NameFilter = None) -> ClassesPublic:
    classes = sorted(access.ledger.projects.get(access.pid).classes.values(), key=lambda c: c.id)
    found = [c for c in classes if not name or name.casefold() in c.title.casefold()]
    return ClassesPublic(data=[class_public(c) for c in found[offset:offset + limit]],
                         count=len(found))


@router.post("", status_code=201)
def add_class(access: ManageProject, body: ClassCreate) -> ClassPublic:
    cls = ObjectClass(0, body.title, body.shape, body.color, body.geometry_config)
    return class_public(access.ledger.projects.add_class(access.pid, cls, access.ctx))


@router.get("/{class_id}")
def get_class(access: ReadProject, class_id: int) -> ClassPublic:
    return class_public(access.ledger.projects.get(access.pid).get_class(class_id))


@router.patch("/{class_id}")
def change_class(access: ManageProject, class_id: int, body: ClassUpdate) -> ClassPublic:
    """Change title, color, geometry config; the shape only while no object uses it."""
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items()
               if v is not None or k == "geometry_config"}
    changed = access.ledger.projects.change_class(access.pid, class_id, access.ctx, **changes)
    return class_public(changed)


@router.delete("/{class_id}", status_code=204)
def remove_class(access: ManageProject, class_id: int) -> Response:
    """Only a class no object uses can be removed."""
    access.ledger.projects.remove_class(access.pid, class_id, access.ctx)
    return Response(status_code=204)
