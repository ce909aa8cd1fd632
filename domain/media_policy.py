"""Which media links a client may give: links are data, never a path the server trusts.

A link is one of:

* a **store reference** ``annoledger:media:<sha256>``: bytes held by the server's own
  content-addressed media store (uploaded through ``POST /api/v1/media``);
* a **remote** URI whose scheme is on the allow-list (``https``, ``http``, ``s3``, ``gs``,
  ``az`` by default): kept as data, never fetched nor read by the server;
* a **name**: a bare file name (no scheme, no separator) that an import keeps for an image
  it was given no location for; it locates nothing and is never read;
* anything else (``file://``, local paths, ``..``, other schemes): **local**. Only the
  machine's operator may link local files, through a CLI import of a folder; the check of
  those files is the file system's business (``infrastructure.media_access``).

Pure: this module never touches the file system.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from domain.errors import ValidationError

DEFAULT_SCHEMES: tuple[str, ...] = ("https", "http", "s3", "gs", "az")
STORE_PREFIX = "annoledger:media:"
"""A store reference is this prefix and the bytes' hex sha256."""

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_AUTHORITY = re.compile(r"^//[^/?#\s]+")


class LinkKind(Enum):
    STORE = "store"
    REMOTE = "remote"
    NAME = "name"
    LOCAL = "local"
    REFUSED = "refused"


def store_reference(sha256: str) -> str:
    """The URI by which a link names the media store's copy of ``sha256``."""
    if not _SHA256.match(sha256):
        raise ValidationError("sha256", "must be 64 lowercase hex digits")
    return STORE_PREFIX + sha256


def store_sha(uri: str) -> str | None:
    """The sha256 a store reference names, or None when ``uri`` is no store reference."""
    if not uri.startswith(STORE_PREFIX):
        return None
    sha = uri[len(STORE_PREFIX):]
    return sha if _SHA256.match(sha) else None


def scheme_of(uri: str) -> str | None:
    """The URI's scheme in lower case (RFC 3986 syntax), or None when it has none."""
    found = _SCHEME.match(uri)
    return found.group(1).lower() if found else None


def file_uri_path(uri: str) -> str | None:
    """The absolute path a ``file:`` URI names on this machine (any case of the scheme;
    host empty or ``localhost``), or None for any other URI."""
    if scheme_of(uri) != "file":
        return None
    rest = uri[len("file:"):]
    if rest.startswith("//"):
        host, slash, path = rest[2:].partition("/")
        if host.lower() not in ("", "localhost") or not slash:
            return None
        rest = "/" + path
    return rest if rest.startswith("/") else None


def is_name(uri: str) -> bool:
    """A bare file name: no scheme, no separator, not a dot name, no control character."""
    return (bool(uri) and uri not in (".", "..") and not any(c in uri for c in "/\\:")
            and not _CONTROL.search(uri))


@dataclass(frozen=True, slots=True)
class MediaPolicy:
    """The allow-list of schemes a client's media link may use."""

    schemes: frozenset[str] = frozenset(DEFAULT_SCHEMES)

    @classmethod
    def of(cls, schemes: Iterable[str]) -> MediaPolicy:
        cleaned = frozenset(s.strip().lower() for s in schemes if s.strip())
        for s in cleaned:
            if not _SCHEME.match(s + ":") or s in ("file", "annoledger"):
                raise ValidationError("media_schemes", f"{s!r} cannot be an allowed scheme")
        return cls(cleaned)

    def kind(self, uri: str) -> LinkKind:
        if _CONTROL.search(uri):
            return LinkKind.REFUSED
        if store_sha(uri) is not None:
            return LinkKind.STORE
        scheme = scheme_of(uri)
        if scheme is None:
            return LinkKind.NAME if is_name(uri) else LinkKind.LOCAL
        if scheme == "file":
            return LinkKind.LOCAL
        if scheme in self.schemes and _AUTHORITY.match(uri[len(scheme) + 1:]):
            return LinkKind.REMOTE
        return LinkKind.REFUSED

    def check(self, uri: str, field: str, *, sha256: str | None = None,
              names: bool = False) -> LinkKind:
        """Accept a link a client gave, or raise ValidationError naming ``field``.

        Store references and remote URIs pass; bare names only when ``names`` (an import
        keeping the name of an image it has no location for). A store reference must name
        the link's own ``sha256`` when one is given.
        """
        kind = self.kind(uri)
        if kind is LinkKind.STORE:
            if sha256 is not None and store_sha(uri) != sha256:
                raise ValidationError(field, "a store reference must name the link's sha256")
            return kind
        if kind is LinkKind.REMOTE or (kind is LinkKind.NAME and names):
            return kind
        raise ValidationError(field, self.refusal(uri, kind))

    def refusal(self, uri: str, kind: LinkKind) -> str:
        allowed = ", ".join(sorted(self.schemes)) or "none"
        if kind is LinkKind.REFUSED and _CONTROL.search(uri):
            reason = "control characters are not allowed in a link"
        elif kind is LinkKind.LOCAL:
            reason = "a file or path of the server cannot be linked"
        elif kind is LinkKind.NAME:
            reason = "a bare file name locates no image"
        elif uri.startswith(STORE_PREFIX):
            reason = "a store reference names a 64 hex digit sha256"
        else:
            scheme = scheme_of(uri)
            reason = (f"scheme {scheme!r} is not allowed" if scheme not in self.schemes
                      else f"the link needs a host: {scheme}://<host>/...")
        return (f"{reason}; upload the image (POST /api/v1/media) and use its link, or give a "
                f"URI with one of the schemes: {allowed}")
