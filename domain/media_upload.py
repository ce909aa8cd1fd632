"""A token's upload of media bytes: the grant that lets it link and read them.

The media store is content-addressed and shared by every project, so knowing an image's
sha256 must not be enough to read it or to link it into one's own project. Each upload
through the API records which token sent which bytes; a token limited to one project
may then link (and fetch by hash) only media it uploaded, or media its project already
links from the store. The record's id is derived from (token, sha256), so checking a
grant is one stream read and uploading the same bytes twice records it once.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

_NAMESPACE = UUID("b6a7f0d2-53c1-4f7e-8d0a-3e9c2b71a4f5")


class MediaUpload(Aggregate):
    @event("Recorded")
    def __init__(self, sha256: str, token_id: UUID, size: int, actor: str,
                 session_id: UUID | None) -> None:
        self.sha256 = sha256
        self.token_id = token_id
        self.size = size
        self.actor = actor

    @staticmethod
    def create_id(token_id: UUID, sha256: str) -> UUID:
        return uuid5(_NAMESPACE, f"{token_id}/{sha256}")
