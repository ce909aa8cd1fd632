"""/api/v1/projects/{project}/datasets: nested datasets of a project."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from domain.state import MetaState
from domain.values import Dataset
from interfaces.http.deps import Limit, ManageProject, NameFilter, Offset, ReadProject
from interfaces.http.schemas import DatasetCreate, DatasetPublic, DatasetsPublic, DatasetUpdate

router = APIRouter(prefix="/projects/{project}/datasets", tags=["datasets"])


def dataset_public(meta: MetaState, ds: Dataset) -> DatasetPublic:
    return DatasetPublic(id=ds.id, name=ds.name, parent_id=ds.parent_id,
                         path=meta.dataset_path(ds.id), description=ds.description)


@router.get("")
def list_datasets(access: ReadProject, offset: Offset = 0, limit: Limit = 100,
                  name: NameFilter = None) -> DatasetsPublic:
    meta = access.ledger.projects.get(access.pid).meta
    found = [d for d in sorted(meta.datasets.values(), key=lambda d: meta.dataset_path(d.id))
             if not name or name.casefold() in d.name.casefold()]
    return DatasetsPublic(data=[dataset_public(meta, d) for d in found[offset:offset + limit]],
                          count=len(found))


@router.post("", status_code=201)
def create_dataset(access: ManageProject, body: DatasetCreate) -> DatasetPublic:
    ds = access.ledger.projects.create_dataset(access.pid, body.name, access.ctx, body.parent_id,
                                               body.description)
    return dataset_public(access.ledger.projects.get(access.pid).meta, ds)


@router.get("/{dataset_id}")
def get_dataset(access: ReadProject, dataset_id: int) -> DatasetPublic:
    project = access.ledger.projects.get(access.pid)
    return dataset_public(project.meta, project.get_dataset(dataset_id))


@router.patch("/{dataset_id}")
def change_dataset(access: ManageProject, dataset_id: int, body: DatasetUpdate) -> DatasetPublic:
    """Rename, move (``parent_id``; null moves it to the top level) and/or describe."""
    changes: dict[str, Any] = {}
    if body.name:
        changes["name"] = body.name
    if body.description is not None:
        changes["description"] = body.description
    if "parent_id" in body.model_fields_set:
        changes["parent_id"] = body.parent_id
    access.ledger.projects.change_dataset(access.pid, dataset_id, access.ctx, **changes)
    return get_dataset(access, dataset_id)


@router.delete("/{dataset_id}", status_code=204)
def remove_dataset(access: ManageProject, dataset_id: int) -> Response:
    """Only an empty dataset (no items, no child datasets) can be removed."""
    access.ledger.projects.remove_dataset(access.pid, dataset_id, access.ctx)
    return Response(status_code=204)
