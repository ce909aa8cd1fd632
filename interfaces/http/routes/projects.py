"""/api/v1/projects: list, create, read, rename, verify."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from application import Ledger
from interfaces.http.deps import (
    Limit,
    ManageProject,
    Manager,
    NameFilter,
    Offset,
    Reader,
    ReadProject,
)
from interfaces.http.schemas import ProjectCreate, ProjectPublic, ProjectsPublic, ProjectUpdate

router = APIRouter(prefix="/projects", tags=["projects"])


def project_public(ledger: Ledger, project_id: UUID) -> ProjectPublic:
    v = ledger.projects.view(project_id)
    return ProjectPublic(id=v.id, name=v.name, items=v.items, objects=v.objects,
                         position=v.position, digest=v.digest)


@router.get("")
def list_projects(access: Reader, offset: Offset = 0, limit: Limit = 100,
                  name: NameFilter = None) -> ProjectsPublic:
    """Projects by name; a token limited to a project sees only that one."""
    scope = access.principal.project_id
    views = [v for v in access.ledger.projects.all()
             if (scope is None or v.id == scope)
             and (not name or name.casefold() in v.name.casefold())]
    data = [ProjectPublic(id=v.id, name=v.name, items=v.items, objects=v.objects,
                          position=v.position, digest=v.digest)
            for v in views[offset:offset + limit]]
    return ProjectsPublic(data=data, count=len(views))


@router.post("", status_code=201)
def create_project(access: Manager, body: ProjectCreate) -> ProjectPublic:
    project_id = access.ledger.projects.create(body.name, access.ctx)
    return project_public(access.ledger, project_id)


@router.get("/{project}")
def get_project(access: ReadProject) -> ProjectPublic:
    return project_public(access.ledger, access.pid)


@router.patch("/{project}")
def rename_project(access: ManageProject, body: ProjectUpdate) -> ProjectPublic:
    """Names are unique, since a project can be named instead of its id."""
    access.ledger.projects.rename(access.pid, body.name, access.ctx)
    return project_public(access.ledger, access.pid)


@router.get("/{project}/stats")
def project_stats(access: ReadProject) -> dict[str, Any]:
    """Objects per class now (what the web page draws as a distribution)."""
    ledger = access.ledger
    counts = ledger.states.current_class_counts(access.pid)
    classes = ledger.projects.get(access.pid).classes.values()
    view = ledger.projects.view(access.pid)
    return {"items": view.items, "objects": view.objects, "classes": [
        {"id": c.id, "title": c.title, "color": c.color, "objects": counts.get(c.id, 0)}
        for c in sorted(classes, key=lambda c: c.id)]}


@router.get("/{project}/verify")
def verify_project(access: ReadProject, quick: bool = False) -> dict[str, Any]:
    """Recompute the project's hash chain and (unless ``quick``) every row derived from
    its log (catalog, head, time index, snapshots); name the first that does not match,
    with its ``table`` and ``key``."""
    report = access.ledger.proofs.verify(access.pid, quick=quick)[0]
    return {"ok": report.ok, "checked": report.checked, "position": report.position,
            "reason": report.reason, "head": report.head, "table": report.table,
            "key": report.key}
