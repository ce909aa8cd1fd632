"""Manifests cut into content-addressed chunks, rebuilt and compared by what changed.

A manifest lists every item of a project at a log position (its version and content
hash: :class:`application.ports.ManifestEntry`), sorted by item id and cut into chunks:
a chunk ends at its first *boundary* item (one whose id hashes to an even number) from
its :data:`MIN_ENTRIES`-th entry on. Where the cuts fall depends on the ids since the
last cut alone, so an edit rewrites the chunk of each changed item, an item added or
removed re-cuts from its chunk until a cut falls where one fell before (a chunk or two),
and every other chunk keeps its bytes and its key, as the leaves of git trees and of
Dolt's prolly trees do. Chunks hold 4 entries on average at any project size, seldom
many more (the larger a chunk, the likelier an edit lands in it: a cut at every
boundary item would make the chunk an edit rewrites hold 7 on average; this makes it
4.5). The root lists the chunks by their last item id, with the sums over every item
(items, objects per class), which a build keeps up to date from the counts of the
items that changed alone.

Two manifests are compared by their chunk keys: a chunk both list holds the same
entries on both sides, so only the chunks one of them lacks are read.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from hashlib import blake2b

from application.ports import ManifestEntry, ManifestRoot

MIN_ENTRIES = 3
"""No chunk ends before its third entry. A version writes the chunk of each changed item
(some 35 bytes an entry) and a line of the root per changed chunk (some 35 bytes): with
1% of 3,000 items changed, chunks of 4 write about 5 KiB, of 8 twice as much; smaller
ones would make the root, which every compare reads whole, longer."""

Flat = tuple[int, ...]
"""Objects per class, flat: ``(class id, count, class id, count, ...)``."""
ReadChunks = Callable[[Collection[bytes]], Mapping[bytes, list[ManifestEntry]]]
"""Chunks by key; raises :class:`DamagedManifest` when one cannot be read intact."""
Seal = Callable[[Sequence[ManifestEntry]], bytes]
"""The key a chunk of entries is stored under."""
Counts = Callable[[Mapping[bytes, int]], Mapping[bytes, Flat]]
"""Each item's objects per class at a version (item id -> version): what the root's
sums gain or lose when the item comes or goes."""


def hash_prefix(state_hash: int) -> bytes:
    """What an entry keeps of an item's content hash (:func:`domain.digest.item_hash`):
    its first 16 bytes, big-endian, as unlikely to collide by chance as a UUID4."""
    return state_hash.to_bytes(32, "big")[:16]


class DamagedManifest(Exception):
    """A chunk a root lists is missing or does not match its key."""


@dataclass
class Built:
    """A root, and the chunks it lists that were cut while building it (not read)."""

    root: ManifestRoot
    fresh: dict[bytes, list[ManifestEntry]] = field(default_factory=dict)


def is_boundary(item_id: bytes) -> bool:
    """Whether a chunk may end with this item (about one item in two)."""
    return blake2b(item_id, digest_size=1).digest()[0] % 2 == 0


def ends(item_id: bytes, size: int) -> bool:
    """Whether a chunk ends with this item, its ``size``-th entry."""
    return size >= MIN_ENTRIES and is_boundary(item_id)


def cut_as_ids_say(chunk: Sequence[ManifestEntry], final: bool) -> bool:
    """Whether ``chunk`` ends at its first cut and nowhere before (the final chunk of a
    manifest may end after its last item without one)."""
    if not chunk or any(ends(e.item_id, n) for n, e in enumerate(chunk[:-1], 1)):
        return False
    return final or ends(chunk[-1].item_id, len(chunk))


def cut(entries: Sequence[ManifestEntry]) -> tuple[list[list[ManifestEntry]],
                                                   list[ManifestEntry]]:
    """Chunks ending where the ids say, and the entries after the last cut."""
    pieces: list[list[ManifestEntry]] = []
    piece: list[ManifestEntry] = []
    for entry in entries:
        piece.append(entry)
        if ends(entry.item_id, len(piece)):
            pieces.append(piece)
            piece = []
    return pieces, piece


def build(position: int, meta_version: int, base: ManifestRoot | None,
          changes: Mapping[bytes, ManifestEntry | None], read: ReadChunks,
          seal: Seal, counts: Counts) -> Built:
    """The root at ``position``: ``base`` with ``changes`` (None: the item is gone),
    every entry if there is no base. Reads the chunks that hold a change, and a
    neighbour when a boundary item left; asks ``counts`` for the items that came and
    went, at their versions."""
    old = base.chunks if base is not None else ()
    lasts = [last for last, _ in old]
    by_chunk: dict[int, dict[bytes, ManifestEntry | None]] = defaultdict(dict)
    for item_id, entry in changes.items():
        by_chunk[min(bisect_left(lasts, item_id), max(len(old) - 1, 0))][item_id] = entry
    decoded = dict(read({old[j][1] for j in by_chunk if j < len(old)}))
    went: dict[bytes, int] = {}
    came: dict[bytes, int] = {}
    out = Built(ManifestRoot(position, meta_version, 0, (), ()))
    chunks: list[tuple[bytes, bytes]] = []
    carry: list[ManifestEntry] = []

    def emit(piece: list[ManifestEntry]) -> None:
        key = seal(piece)
        out.fresh[key] = piece
        chunks.append((piece[-1].item_id, key))

    for j in range(max(len(old), 1)):
        mine = by_chunk.get(j)
        if mine is None and not carry:
            chunks.extend(old[j:j + 1])  # (none when there is no base)
            continue
        entries: list[ManifestEntry] = []
        if j < len(old):
            key = old[j][1]
            entries = decoded[key] if key in decoded else read([key])[key]
        if mine:
            kept = {e.item_id: e for e in entries}
            for item_id, entry in mine.items():
                gone = kept.pop(item_id, None)
                if gone is not None:
                    went[item_id] = gone.version
                if entry is not None:
                    kept[item_id] = entry
                    came[item_id] = entry.version
            entries = sorted(kept.values())
        pieces, carry = cut(carry + entries)
        for piece in pieces:
            emit(piece)
    if carry:
        emit(carry)
    items = (base.items if base is not None else 0) + len(came) - len(went)
    out.root = ManifestRoot(position, meta_version, items,
                            _sums(base, counts(went), counts(came)), tuple(chunks))
    return out


def differing(a: ManifestRoot, b: ManifestRoot, read: ReadChunks
              ) -> tuple[dict[bytes, ManifestEntry], dict[bytes, ManifestEntry]]:
    """The entries of items whose content differs between ``a`` and ``b`` (present on
    one side only, or with another content hash), on each side; only the chunks one
    root lists and the other does not are read."""
    keys_a = {key for _, key in a.chunks}
    keys_b = {key for _, key in b.chunks}
    only_a, only_b = keys_a - keys_b, keys_b - keys_a
    found = read(only_a | only_b)
    before = {e.item_id: e for key in only_a for e in found[key]}
    after = {e.item_id: e for key in only_b for e in found[key]}
    for item_id in before.keys() & after.keys():
        if before[item_id].state_hash == after[item_id].state_hash:
            del before[item_id], after[item_id]
    return before, after


def _sums(base: ManifestRoot | None, went: Mapping[bytes, Flat],
          came: Mapping[bytes, Flat]) -> tuple[tuple[int, int], ...]:
    """The base's objects per class, less the items that went, plus those that came."""
    totals: Counter[int] = Counter(dict(base.classes)) if base is not None else Counter()
    for flats, sign in ((went.values(), -1), (came.values(), 1)):
        for flat in flats:
            for i in range(0, len(flat), 2):
                totals[flat[i]] += sign * flat[i + 1]
    return tuple(sorted((c, n) for c, n in totals.items() if n))
