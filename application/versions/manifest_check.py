"""Stored version manifests recomputed from the log, for ``verify``.

A version's manifest is derived from the log: every item standing at the version's
position, at the version it had then, with its content hash, and the meta's version
there; the root sums the items and their objects per class and cuts the entries into
chunks where the item ids say (:mod:`application.versions.manifest_tree`). Compare
trusts all of it (equal chunk keys are skipped, equal hashes are not loaded, the sums
are its chart), so all of it is checked:

- each chunk's bytes against its key, and each root against its digest (as they are
  read);
- each entry's hash against the item replayed to that version, when the log reaches
  the event that made the version (each distinct entry once);
- at the version's position, the items and versions against the log's, the meta's
  version, the root's sums against the objects of the items standing there, the order
  of the entries and where the chunks end;
- at the log's end, each root against the version it is stored for (its position).

:class:`ManifestCheck` is fed the log in order by
:class:`application.compliance.log_check.LogCheck`; it yields ``(key, text)`` pairs,
``key`` naming the version.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

from application.ports import LogRecord, ManifestEntry, StoredVersionManifest
from application.versions.manifest_tree import cut_as_ids_say, hash_prefix
from domain.digest import item_hash
from domain.item import Item
from domain.values import Version

Found = tuple[str, str]
"""``(which version, what differs)``."""
Counts = Callable[[UUID], tuple[tuple[int, int], ...]]
"""An item's objects per class where the replay stands."""


class ManifestCheck:
    def __init__(self, stored: Sequence[StoredVersionManifest], counts: Counts) -> None:
        self.stored = list(stored)
        self.counts = counts
        self.counted: dict[UUID, tuple[int, tuple[tuple[int, int], ...]]] = {}
        """Item id -> (version, its objects per class), as last summed."""
        self.opening: list[Found] = [(_key(m), m.error) for m in stored if m.error]
        self.pending: dict[int, list[StoredVersionManifest]] = {m.position: [] for m in stored}
        self.content: dict[tuple[bytes, int], dict[bytes, int]] = {}
        """(item id, version) -> each hash stored for it -> a version holding it."""
        for m in self.stored:
            if m.root is None:
                continue
            self.pending[m.position].append(m)
            for chunk in m.chunks.values():
                for e in chunk:
                    self.content.setdefault((e.item_id, e.version), {}).setdefault(
                        e.state_hash, m.number)

    def feed(self, rec: LogRecord, aggregate: Any, live: Mapping[UUID, int],
             meta_version: int) -> Iterator[Found]:
        """The log's next record, replayed: ``aggregate`` as it stands after it, ``live``
        the items standing then (id -> version), ``meta_version`` the project's."""
        while self.opening:
            yield self.opening.pop(0)
        if isinstance(aggregate, Item):
            stored = self.content.pop((aggregate.id.bytes, aggregate.version), None)
            if stored:
                want = hash_prefix(item_hash(aggregate.to_state()))
                for got, number in stored.items():
                    if got != want:
                        yield (f"version {number}", f"item {aggregate.id} v{aggregate.version}: "
                               "content hash differs from the log")
        waiting = self.pending.pop(rec.position, ())
        if waiting:
            sums = self._sums(live)
            for m in waiting:
                yield from _at_position(m, live, meta_version, sums)

    def _sums(self, live: Mapping[UUID, int]) -> tuple[tuple[int, int], ...]:
        """Objects per class over the items standing (each item counted once per
        version of it)."""
        totals: Counter[int] = Counter()
        for item_id, version in live.items():
            seen = self.counted.get(item_id)
            if seen is None or seen[0] != version:
                seen = self.counted[item_id] = (version, self.counts(item_id))
            for class_id, n in seen[1]:
                totals[class_id] += n
        return tuple(sorted((c, n) for c, n in totals.items() if n))

    def end(self, versions: Sequence[Version]) -> Iterator[Found]:
        """Once the log's last record was fed: roots left unchecked, and roots stored
        for a version that is not at their position."""
        for waiting in self.pending.values():
            for m in waiting:
                yield _key(m), f"position {m.position} is past the log's end"
        positions = {v.number: v.position for v in versions}
        for m in self.stored:
            if positions.get(m.number) != m.position:
                where = positions.get(m.number)
                yield _key(m), (f"stored for position {m.position}, but " + (
                    "the log has no such version" if where is None else
                    f"the version stands at position {where}"))


def _at_position(m: StoredVersionManifest, live: Mapping[UUID, int],
                 meta_version: int, sums: tuple[tuple[int, int], ...]) -> Iterator[Found]:
    root = m.root
    assert root is not None
    key = _key(m)
    if root.position != m.position:
        yield key, f"root names position {root.position}"
    if root.meta_version != meta_version:
        yield key, f"meta version {root.meta_version}, log says {meta_version}"
    entries: list[ManifestEntry] = []
    for n, (last, chunk_key) in enumerate(root.chunks):
        chunk = m.chunks.get(chunk_key, [])
        if not chunk or chunk[-1].item_id != last or not cut_as_ids_say(
                chunk, n == len(root.chunks) - 1):
            yield key, f"chunk {chunk_key.hex()[:12]} is not cut where its item ids say"
            return
        entries.extend(chunk)
    ids = [e.item_id for e in entries]
    if ids != sorted(set(ids)):
        yield key, "entries are not in item id order, or repeat an item"
        return
    found = {e.item_id: e.version for e in entries}
    want = {i.bytes: v for i, v in live.items()}
    if found != want:
        yield key, _versions_text(found, want)
    if root.items != len(entries):
        yield key, f"the root counts {root.items} items, its entries {len(entries)}"
    if root.classes != sums:
        yield key, "the root's objects per class differ from the log's"


def _versions_text(found: Mapping[bytes, int], want: Mapping[bytes, int]) -> str:
    extra = sorted(found.keys() - want.keys())
    if extra:
        return f"lists item {UUID(bytes=extra[0])}, not in the log at that position"
    missing = sorted(want.keys() - found.keys())
    if missing:
        return f"lacks item {UUID(bytes=missing[0])}, which the log holds there"
    item = min(i for i in found if found[i] != want[i])
    return f"item {UUID(bytes=item)} at v{found[item]}, log says v{want[item]}"


def _key(m: StoredVersionManifest) -> str:
    return f"version {m.number}"
