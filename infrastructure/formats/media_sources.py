"""How a format reader turns what it finds into media links, by who sent the files.

* :class:`OperatorFolder`: files on this machine, imported by its operator (CLI). Image
  files and local links must resolve under the imported folder (or ``--images`` folder)
  or a configured media root; the item links to the resolved file.
* :class:`UploadedFiles`: files a client sent over HTTP, unpacked in a temporary folder
  deleted after the request. Their images are put into the media store (the items link to
  the store); links written in them are data: store references or allowed schemes.

Either way, an image with neither a file nor a link keeps its bare name as its link.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

from domain.errors import ValidationError
from domain.media_policy import LinkKind, is_name, scheme_of
from domain.values import MediaLink
from infrastructure.formats.files import local_uri, sha256_file
from infrastructure.media_access import MediaAccess


class MediaSource(Protocol):
    def pixels(self, path: Path, label: str, width: int, height: int) -> MediaLink | None:
        """The link to the image file at ``path`` (``label``: the file as the user knows
        it), or None when no file is there."""

    def link(self, uri: str, sha256: str, size: int, width: int, height: int,
             field: str) -> MediaLink:
        """A link written in the files (``field`` names where), checked."""

    def name(self, name: str, width: int, height: int, field: str) -> MediaLink:
        """An image given no file and no link: its name stands for it."""


@dataclass(frozen=True)
class OperatorFolder:
    """Local files the operator imports; ``bases`` are the folders the import reads."""

    bases: tuple[Path, ...]
    where: str = "imported folder"
    access: MediaAccess = field(default_factory=MediaAccess)

    def pixels(self, path: Path, label: str, width: int, height: int) -> MediaLink | None:
        found = self.access.local_file(path, label, self.bases, self.where)
        if found is None:
            return None
        sha, size = sha256_file(found)
        return MediaLink(local_uri(found), sha, size, width, height)

    def link(self, uri: str, sha256: str, size: int, width: int, height: int,
             field: str) -> MediaLink:
        if self.access.kind(uri) is LinkKind.LOCAL:
            found = self.access.local_link(uri, field, self.bases, self.where)
            return MediaLink(local_uri(found), sha256, size, width, height)
        self.access.check_link(uri, field, names=True)
        return MediaLink(uri, sha256, size, width, height)

    def name(self, name: str, width: int, height: int, field: str) -> MediaLink:
        return _name(self.access, name, width, height, field)


@dataclass(frozen=True)
class UploadedFiles:
    """Files a client uploaded, unpacked under ``folder``; ``access`` holds the store."""

    folder: Path
    access: MediaAccess
    may_link_stored: Callable[[str], bool] | None = None
    """Whether the sender may link the stored bytes of a sha256 it names (None: any)."""

    def pixels(self, path: Path, label: str, width: int, height: int) -> MediaLink | None:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(info.st_mode):
            raise ValidationError(label, "not a regular file")
        if not path.resolve().is_relative_to(self.folder.resolve()):
            raise ValidationError(label, "resolves outside the uploaded files")
        store = self.access.store
        if store is None:
            raise RuntimeError("no media store is configured")
        try:
            with path.open("rb") as data:
                stored = store.put(data)
        except ValidationError as exc:
            raise ValidationError(label, exc.message) from None
        return MediaLink(stored.uri, stored.sha256, stored.size, width, height)

    def link(self, uri: str, sha256: str, size: int, width: int, height: int,
             field: str) -> MediaLink:
        self.access.check_link(uri, field, sha256=sha256 or None, names=True)
        stored = self.access.stored_sha(uri)
        if stored is not None and self.may_link_stored is not None and not self.may_link_stored(
                stored):
            raise ValidationError(field, "names stored media the sender did not upload (send"
                                         " the image itself, or upload it first)")
        return MediaLink(uri, sha256, size, width, height)

    def name(self, name: str, width: int, height: int, field: str) -> MediaLink:
        """A client's files name images by bare file names only: a path is cut to its last
        part (``/etc/passwd`` is kept as ``passwd``: a name, never a location)."""
        if scheme_of(name) is None and not is_name(name):
            base = PurePosixPath(name.replace("\\", "/")).name
            if not is_name(base):
                raise ValidationError(field, f"{name!r} names no image file")
            name = base
        return _name(self.access, name, width, height, field)


def _name(access: MediaAccess, name: str, width: int, height: int, field: str) -> MediaLink:
    """A name with a scheme is a link and is checked as one; any other names nothing and
    is never read (an export reads only the store and the roots)."""
    if scheme_of(name) is not None:
        access.check_link(name, field, names=True)
    return MediaLink(name, "", 0, width, height)


def coco_files(access: MediaAccess | None, path: Path,
               images: Path | None) -> OperatorFolder:
    """A COCO file's local files stay in its ``--images`` folder, or else its own folder."""
    if images is not None:
        return OperatorFolder((images,), "images folder", access or MediaAccess())
    return OperatorFolder((path.parent,), "folder of the COCO file", access or MediaAccess())
