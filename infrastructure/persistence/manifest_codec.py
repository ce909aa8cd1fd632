"""The bytes of version manifests: chunks, whole roots and roots as changes.

A chunk is msgpack ``[ids, versions, hashes]``: its entries' 16-byte item ids and
16-byte content hashes each concatenated, their versions as a list of integers
(msgpack gives small ones one byte). It is stored under its key, the first 16 bytes of
the sha256 of those bytes. Ids and hashes are random bytes, which no compressor
shrinks, so nothing is compressed.

A whole root is msgpack ``[position, meta version, items, classes, lasts, keys]``
(classes flat, lasts and keys concatenated); its *digest* is the first 16 bytes of
the sha256 of those bytes, whichever way the root is stored. A root stored as changes
is msgpack ``[position, meta version, items, classes, gone, lasts, keys]``: the classes
whose count changed (with their new count, 0 for none), the last item ids of the base
root's chunks that no chunk ends with any more, and the chunks it lists that the base
does not, so a version that changed 1% of a project stores a line per changed chunk
instead of one per chunk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import msgpack

from application.ports import ManifestEntry, ManifestRoot

ID = 16
"""Bytes of an item id, a content hash prefix, a chunk key and a root digest."""
UNREADABLE = (ValueError, TypeError, KeyError, IndexError, msgpack.UnpackException)
"""What bytes that are not a chunk or root of ours raise when decoded."""


def key_of(data: bytes) -> bytes:
    """A chunk's key, or a whole root's digest."""
    return hashlib.sha256(data).digest()[:ID]


def pack_chunk(entries: Sequence[ManifestEntry]) -> bytes:
    return msgpack.packb([b"".join(e.item_id for e in entries),
                          [e.version for e in entries],
                          b"".join(e.state_hash for e in entries)])


def unpack_chunk(data: bytes) -> list[ManifestEntry]:
    ids, versions, hashes = msgpack.unpackb(data)
    if not (len(ids) == len(hashes) == ID * len(versions) > 0):
        raise ValueError("a chunk's ids, versions and hashes differ in number")
    return [ManifestEntry(ids[i * ID:(i + 1) * ID], v, hashes[i * ID:(i + 1) * ID])
            for i, v in enumerate(versions)]


def pack_root(root: ManifestRoot) -> bytes:
    """A root whole: what its digest is taken of."""
    return msgpack.packb([root.position, root.meta_version, root.items,
                          [n for pair in root.classes for n in pair],
                          b"".join(last for last, _ in root.chunks),
                          b"".join(key for _, key in root.chunks)])


def unpack_root(data: bytes) -> ManifestRoot:
    position, meta_version, items, classes, lasts, keys = msgpack.unpackb(data)
    return _root(position, meta_version, items, classes, _pairs(lasts, keys))


def pack_changes(root: ManifestRoot, base: ManifestRoot) -> bytes:
    """``root`` as what differs from ``base``."""
    now, before = dict(root.chunks), dict(base.chunks)
    gone = b"".join(last for last in before if last not in now)
    new = [(last, key) for last, key in root.chunks if before.get(last) != key]
    counts, was = dict(root.classes), dict(base.classes)
    classes = [n for c in sorted(counts.keys() | was.keys()) if counts.get(c) != was.get(c)
               for n in (c, counts.get(c, 0))]
    return msgpack.packb([root.position, root.meta_version, root.items, classes, gone,
                          b"".join(last for last, _ in new), b"".join(key for _, key in new)])


def apply_changes(base: ManifestRoot, data: bytes) -> ManifestRoot:
    """The root that ``data`` (from :func:`pack_changes`) describes against ``base``."""
    reading = Resolving(base)
    reading.apply(data)
    return reading.root()


class Resolving:
    """A root read through a chain of changes: each applied in the time of its own
    size, the root built once at the end (a chain of 20 changes to a root of 25,000
    chunks costs one pass over them, not 20)."""

    def __init__(self, whole: ManifestRoot) -> None:
        self.head = (whole.position, whole.meta_version, whole.items)
        self.classes = dict(whole.classes)
        self.chunks = dict(whole.chunks)

    def apply(self, data: bytes) -> None:
        position, meta_version, items, classes, gone, lasts, keys = msgpack.unpackb(data)
        if len(gone) % ID or len(classes) % 2:
            raise ValueError("the changes' chunks or class sums are cut short")
        for i in range(0, len(gone), ID):
            del self.chunks[gone[i:i + ID]]  # KeyError: not a change of this root
        self.chunks.update(_pairs(lasts, keys))
        self.classes.update(zip(classes[::2], classes[1::2], strict=True))
        self.head = (position, meta_version, items)

    def root(self) -> ManifestRoot:
        return _root(*self.head, [n for c in sorted(self.classes) if self.classes[c]
                                  for n in (c, self.classes[c])], sorted(self.chunks.items()))


def _root(position: int, meta_version: int, items: int, classes: list[int],
          chunks: Sequence[tuple[bytes, bytes]]) -> ManifestRoot:
    if len(classes) % 2:
        raise ValueError("a root's class sums are not pairs")
    return ManifestRoot(position, meta_version, items,
                        tuple(zip(classes[::2], classes[1::2], strict=True)), tuple(chunks))


def _pairs(lasts: bytes, keys: bytes) -> list[tuple[bytes, bytes]]:
    if len(lasts) != len(keys) or len(lasts) % ID:
        raise ValueError("a root's item ids and chunk keys differ in number")
    return [(lasts[i:i + ID], keys[i:i + ID]) for i in range(0, len(lasts), ID)]
