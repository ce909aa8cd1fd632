"""The media service: image bytes stored content-addressed, the grants an upload records,
and which links a client may give and which files may be read.

The ledger itself only ever holds a :class:`domain.values.MediaLink` (URI + sha256):
the store keeps the bytes under their sha256, so uploading the same image twice stores
it once, and versions or restores never copy it. A link is data: the server reads bytes
only from its store or the configured media roots (see ``domain.media_policy``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

from application.access.authorization import Caller, scope_of
from application.core.ledger_core import LedgerCore
from application.core.states import States
from application.ports import MediaAccessRule, MediaStore
from domain.errors import NotFoundError, StaleVersionError, ValidationError
from domain.media_upload import MediaUpload
from domain.values import Context, MediaLink


class MediaFiles:
    """Stored bytes (``media_store``) and the rule on links and readable files (``access``)."""

    def __init__(self, core: LedgerCore, states: States, store: MediaStore,
                 access: MediaAccessRule) -> None:
        self.core = core
        self.states = states
        self.media_store = store
        self.access = access

    # -- stored bytes and upload grants --------------------------------------------------

    def store(self, data: BinaryIO, token_id: UUID | None = None,
              ctx: Context | None = None) -> MediaLink:
        """Store the bytes; a token's upload is recorded as its grant to link them."""
        link = self.media_store.put(data)
        if token_id is not None and not self.uploaded(token_id, link.sha256):
            actor = ctx.actor if ctx is not None else ""
            session = ctx.session_id if ctx is not None else None
            record = MediaUpload(link.sha256, token_id, link.size, actor, session)
            with suppress(StaleVersionError):  # the same bytes sent twice at once: recorded once
                self.core.save_system(record)
        return link

    def uploaded(self, token_id: UUID, sha256: str) -> bool:
        """Whether this token uploaded these bytes (one stream read)."""
        try:
            self.core.get(MediaUpload.create_id(token_id, sha256), MediaUpload, "media upload")
        except NotFoundError:
            return False
        return True

    def stored_file(self, sha256: str) -> Path:
        path = self.media_store.locate(sha256)
        if path is None:
            raise NotFoundError("media", sha256)
        return path

    # -- links and readable files --------------------------------------------------------

    def check_link(self, link: MediaLink, field: str) -> None:
        """Refuse (ValidationError naming ``field.uri``) a link a client may not give."""
        try:
            self.access.check_link(link.uri, "uri", sha256=link.sha256)
        except ValidationError as exc:
            raise exc.within(field) from None

    def stored_sha(self, link: MediaLink) -> str | None:
        """The sha256 of the store copy ``link`` names (its own), or None."""
        sha = self.access.stored_sha(link.uri)
        return sha if sha is not None and sha == link.sha256 else None

    def readable(self, link: MediaLink) -> Path | None:
        """The file whose bytes may leave the server for ``link`` (the store's copy, or a
        file under a media root), or None: the link is then data only."""
        return self.access.readable(link)

    def exportable(self, path: Path) -> Path | None:
        """``path`` resolved when an export may include its bytes; else None."""
        return self.access.allowed(path)

    # -- who may read and link which media -----------------------------------------------
    # The store is shared by every project and addressed by content: a sha256 is no secret
    # (Supervisely puts it in every image's info), so it grants nothing by itself. Bytes
    # leave the store for a limited caller only when its token uploaded them, or when its
    # project links them *as a store reference*; such a link is accepted only from a token
    # that uploaded the bytes (or from the operator, or by copying a project's own links).
    # A link declaring another project's sha256 under a remote URI serves nothing.

    def file_for(self, sha256: str, by: Caller = None) -> Path:
        """Stored bytes by sha256, for a caller who may read them (else: missing media)."""
        only = scope_of(by)
        if only is not None:
            assert by is not None
            if not (self.uploaded(by.token_id, sha256)
                    or self.project_links(only, sha256)):
                raise NotFoundError("media", sha256)
        return self.stored_file(sha256)

    def item_file(self, project_id: UUID, item_id: UUID) -> Path:
        """An item's bytes, read where an export would read them: the store's copy its own
        link names, or its file under a media root (the demo's images). Any other link is
        data only, whatever sha256 it declares."""
        item = self.core.get_item(item_id)
        if item.project_id != project_id:
            raise NotFoundError("item", item_id)
        path = self.readable(item.media)
        if path is None:
            raise NotFoundError("media of item", item_id)
        return path

    def may_link_stored(self, by: Caller) -> Callable[[str], bool] | None:
        """For files a caller uploads: which store references they may carry (None: any)."""
        if scope_of(by) is None:
            return None
        assert by is not None
        token = by.token_id
        return lambda sha256: self.uploaded(token, sha256)

    def check_store_link(self, link: MediaLink, field: str, by: Caller) -> None:
        """A limited caller may link stored bytes only when its token uploaded them."""
        sha = self.stored_sha(link)
        if sha is None or scope_of(by) is None:
            return
        assert by is not None
        if not self.uploaded(by.token_id, sha):
            raise ValidationError(f"{field}.uri", "names stored media this token did not"
                                                   " upload (upload it with POST /api/v1/media)")

    def project_links(self, project_id: UUID, sha256: str) -> bool:
        """Whether a current item of the project links this sha256 as a store reference
        (loads the items: media by hash is rare for limited tokens, which have the item's
        own media route)."""
        manifest = self.states.manifest_at(project_id, self.states.head(project_id).position)
        return any(self.stored_sha(state.media) == sha256
                   for state in self.states.items_at(manifest))
