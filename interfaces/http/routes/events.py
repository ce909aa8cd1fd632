"""/api/v1/projects/{project}/events: the project's log, oldest first, paged."""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.deps import Limit, Offset, ReadProject
from interfaces.http.schemas import EventPublic, EventsPublic

router = APIRouter(prefix="/projects/{project}/events", tags=["events"])


@router.get("")
def list_events(access: ReadProject, offset: Offset = 0, limit: Limit = 100) -> EventsPublic:
    """Events at log positions offset+1 .. offset+limit; ``count`` is the log's length."""
    head = access.ledger.projects.view(access.pid).position
    views = access.ledger.history.events(access.pid, after=offset, limit=limit)
    return EventsPublic(count=head, data=[
        EventPublic(position=v.position, time=v.time, actor=v.actor, type=v.type,
                    stream=v.stream, version=v.version, session=v.session, data=v.data)
        for v in views])
