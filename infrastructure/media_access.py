"""Which local files annoledger may read as media: the one place that decides.

* A client's link (HTTP) is data: :meth:`MediaAccess.check_link` accepts store references
  and remote URIs of allowed schemes (:class:`domain.media_policy.MediaPolicy`), plus the
  ``file://`` URI the media store itself used to hand out for its own files.
* A CLI import links local files only when they resolve (symlinks included) under the
  imported folder or a configured media root, and are regular files:
  :meth:`MediaAccess.local_file`.
* An export reads bytes only from the media store or the configured roots, checked again
  when it runs (:meth:`MediaAccess.readable`, :meth:`MediaAccess.allowed`): a link stored
  long ago, or a root since removed from the settings, reads nothing.

The ledger's own database (and its ``-wal``, ``-shm``, ``-journal`` companions) is never
read as media, even when it lies under a root.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from domain.errors import ValidationError
from domain.media_policy import LinkKind, MediaPolicy, file_uri_path, store_sha
from domain.values import MediaLink
from infrastructure.media_store import LocalMediaStore

DATABASE_COMPANIONS = ("", "-wal", "-shm", "-journal")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SQLITE = re.compile(r"^sqlite(?:\+\w+)?:///(.*)$")


class MediaAccess:
    def __init__(self, policy: MediaPolicy | None = None, store: LocalMediaStore | None = None,
                 roots: Iterable[Path] = (), denied: Iterable[Path] = ()) -> None:
        self.policy = policy or MediaPolicy()
        self.store = store
        self.roots = tuple(Path(r) for r in roots)
        self.denied = frozenset(_resolved(Path(d)) for d in denied)

    # -- links a client gives ------------------------------------------------------------

    def check_link(self, uri: str, field: str, *, sha256: str | None = None,
                   names: bool = False) -> None:
        """Accept a link given over HTTP or in uploaded files; else ValidationError(field)."""
        legacy = self._legacy_store_sha(uri)
        if legacy is not None:
            if sha256 is not None and legacy != sha256:
                raise ValidationError(field, "a store link must name the link's sha256")
            return
        self.policy.check(uri, field, sha256=sha256, names=names)

    def stored_sha(self, uri: str) -> str | None:
        """The sha256 a store reference (or the store's own older ``file://`` URI) names."""
        return store_sha(uri) or self._legacy_store_sha(uri)

    def kind(self, uri: str) -> LinkKind:
        return LinkKind.STORE if self._legacy_store_sha(uri) else self.policy.kind(uri)

    # -- local files an operator imports -------------------------------------------------

    def local_file(self, path: Path, label: str, bases: Sequence[Path],
                   where: str) -> Path | None:
        """The resolved regular file at ``path`` when it stays under ``bases`` or a root;
        None when nothing is there (a dangling link included); else ValidationError
        naming ``label``. ``where`` says what ``bases`` are (``imported folder``)."""
        if not os.path.lexists(path):
            return None
        try:
            resolved = path.resolve(strict=True)
        except FileNotFoundError:
            return None
        except (OSError, RuntimeError) as exc:
            raise ValidationError(label, f"cannot be resolved: {exc}") from None
        if not self._under(resolved, [*bases, *self._all_roots()]):
            kind = "symlink" if _through_link(path) else "path"
            raise ValidationError(label, f"{kind} resolves outside the {where} and the media"
                                         " roots")
        self._check_file(resolved, label)
        return resolved

    def local_link(self, uri: str, field: str, bases: Sequence[Path], where: str) -> Path:
        """A local link (``file://`` URI or absolute path) written in imported files, by the
        operator: the file must exist and stay under ``bases`` or a root."""
        raw = file_uri_path(uri)
        if raw is None and uri.startswith("/"):
            raw = uri
        if raw is None:
            raise ValidationError(field, "a local link is a file:// URI or an absolute path")
        try:
            found = self.local_file(Path(raw), field, bases, where)
        except ValidationError as exc:
            raise ValidationError(field, f"link to {raw}: {exc.message}") from None
        if found is None:
            raise ValidationError(field, "links to no file")
        return found

    # -- what an export may read ---------------------------------------------------------

    def readable(self, link: MediaLink) -> Path | None:
        """The file whose bytes an export may include for ``link``, or None (its URI alone
        is exported)."""
        sha = store_sha(link.uri) or self._legacy_store_sha(link.uri)
        if sha is not None:
            found = self.store.locate(sha) if self.store is not None else None
            return self.allowed(found) if found is not None else None
        raw = file_uri_path(link.uri)
        return self.allowed(Path(raw)) if raw is not None else None

    def allowed(self, path: Path) -> Path | None:
        """``path`` resolved, when it is a regular file under the store or a root and not
        the ledger's own database; else None."""
        try:
            resolved = path.resolve(strict=True)
            info = resolved.stat()
        except (OSError, RuntimeError):
            return None
        if not stat.S_ISREG(info.st_mode) or resolved in self.denied:
            return None
        return resolved if self._under(resolved, self._all_roots()) else None

    # -- helpers -------------------------------------------------------------------------

    def _all_roots(self) -> list[Path]:
        roots = [*self.roots, *([self.store.root] if self.store is not None else [])]
        return [_resolved(r) for r in roots]

    def _under(self, path: Path, bases: Iterable[Path]) -> bool:
        return any(path.is_relative_to(_resolved(b)) for b in bases)

    def _check_file(self, resolved: Path, label: str) -> None:
        if resolved in self.denied:
            raise ValidationError(label, "is the ledger's own database: never read as media")
        if not stat.S_ISREG(resolved.stat().st_mode):
            raise ValidationError(label, "not a regular file")

    def _legacy_store_sha(self, uri: str) -> str | None:
        """The sha256 of a ``file://`` URI the media store handed out for its own file."""
        sha = uri.rpartition("/")[2]
        if self.store is None or not _SHA256.match(sha) or not uri.startswith("file://"):
            return None
        return sha if self.store.path_of(sha).as_uri() == uri else None


def database_files(db_url: str) -> list[Path]:
    """The files of a SQLite database URL (none for a server database)."""
    found = _SQLITE.match(db_url)
    if found is None:
        return []
    raw = found.group(1).split("?", 1)[0]
    if not raw or raw == ":memory:":
        return []
    return [Path(raw + suffix) for suffix in DATABASE_COMPANIONS]


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _through_link(path: Path) -> bool:
    """Whether ``path`` or one of its folders is a symbolic link."""
    return any(p.is_symlink() for p in (path, *path.parents))
