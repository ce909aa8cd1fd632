"""Manifest chunks: built from a base plus changes they equal those cut from scratch (sums
included), compared by chunk keys they give exactly the items that differ, and their
bytes (chunks, whole roots, roots as changes) read back as written."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from uuid import UUID

import pytest

from application.ports import ManifestEntry, ManifestRoot
from application.versions.manifest_tree import (
    MIN_ENTRIES,
    Counts,
    Flat,
    ReadChunks,
    build,
    cut,
    cut_as_ids_say,
    differing,
    is_boundary,
)
from infrastructure.persistence.manifest_codec import (
    UNREADABLE,
    apply_changes,
    pack_changes,
    pack_chunk,
    pack_root,
    unpack_chunk,
    unpack_root,
)

Store = dict[bytes, list[ManifestEntry]]


def seal(entries: Sequence[ManifestEntry]) -> bytes:
    return hashlib.sha256(repr(list(entries)).encode()).digest()[:16]


def reader(store: Store) -> ReadChunks:
    def read(keys: Collection[bytes]) -> Store:
        return {k: store[k] for k in keys}
    return read


class Objects:
    """Objects per class of every item version made, as the catalog would hold them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.known: dict[tuple[bytes, int], Flat] = {}
        self.asked: list[int] = []

    def entry(self, item_id: bytes) -> ManifestEntry:
        version = self.rng.randint(1, 10**6)
        self.known[item_id, version] = (self.rng.randint(1, 3), self.rng.randint(1, 5))
        return ManifestEntry(item_id, version, self.rng.randbytes(16))

    def counts(self) -> Counts:
        def count(wanted: Mapping[bytes, int]) -> dict[bytes, Flat]:
            self.asked.append(len(wanted))
            return {i: self.known[i, v] for i, v in wanted.items()}
        return count

    def sums(self, items: Mapping[bytes, ManifestEntry]) -> tuple[tuple[int, int], ...]:
        totals: Counter[int] = Counter()
        for e in items.values():
            c, n = self.known[e.item_id, e.version]
            totals[c] += n
        return tuple(sorted(totals.items()))


def test_a_root_built_from_changes_equals_one_cut_from_scratch() -> None:
    rng = random.Random(3)
    objects = Objects(rng)
    items = {e.item_id: e for e in (objects.entry(rng.randbytes(16)) for _ in range(400))}
    store: Store = {}
    built = build(10, 1, None, items, reader(store), seal, objects.counts())
    store.update(built.fresh)
    root = built.root
    for position in range(11, 31):
        previous = dict(items)
        changes: dict[bytes, ManifestEntry | None] = {}
        for _ in range(rng.randint(1, 40)):
            kind = rng.random()
            if kind < 0.3:
                new = rng.randbytes(16)
                changes[new] = items[new] = objects.entry(new)
            elif kind < 0.6 and items:
                gone = rng.choice(sorted(items))
                del items[gone]
                changes[gone] = None
            elif items:
                moved = rng.choice(sorted(items))
                changes[moved] = items[moved] = objects.entry(moved)
        objects.asked.clear()
        built = build(position, 1, root, changes, reader(store), seal, objects.counts())
        assert sum(objects.asked) <= 2 * len(changes)  # the changed items' counts only
        store.update(built.fresh)
        scratch = build(position, 1, None, items, reader({}), seal, objects.counts())
        assert built.root == scratch.root
        assert built.root.classes == objects.sums(items)
        before, after = differing(root, built.root, reader(store))
        assert before.keys() | after.keys() == {
            i for i in previous.keys() | items.keys() if i not in previous or i not in items
            or previous[i].state_hash != items[i].state_hash}
        assert all(previous[i] == e for i, e in before.items())
        assert all(items[i] == e for i, e in after.items())
        root = built.root
    assert root.items == len(items)
    sizes = [len(store[k]) for _, k in root.chunks]
    assert len(sizes) > 10 and 3 < sum(sizes) / len(sizes) < 5


def test_chunks_end_at_their_first_boundary_item_from_their_third_entry() -> None:
    ids = sorted(UUID(int=random.Random(n).getrandbits(128)).bytes for n in range(3000))
    objects = Objects(random.Random(1))
    pieces, rest = cut([objects.entry(i) for i in ids])
    assert sum(map(len, pieces)) + len(rest) == len(ids)
    for piece, after in zip(pieces, [*pieces[1:], rest], strict=True):
        assert len(piece) >= MIN_ENTRIES and is_boundary(piece[-1].item_id)
        assert not any(is_boundary(e.item_id) for e in piece[MIN_ENTRIES - 1:-1])
        assert cut_as_ids_say(piece, final=False)
        assert not after or not cut_as_ids_say(piece + after[:1], final=True)
    assert cut_as_ids_say(rest, final=True) == bool(rest)
    sizes = Counter(map(len, pieces))
    assert 3.8 < len(ids) / len(pieces) < 4.2  # 2 + a geometric count of mean 2
    assert sum(n for size, n in sizes.items() if size > 10) < len(pieces) / 100


def _root(rng: random.Random, chunks: int, position: int = 7) -> ManifestRoot:
    pairs = sorted((rng.randbytes(16), rng.randbytes(16)) for _ in range(chunks))
    return ManifestRoot(position, 3, 40 * chunks, ((1, 900), (1004, 2), (70000, 1)),
                        tuple(pairs))


def test_chunks_and_roots_read_back_as_written() -> None:
    rng = random.Random(4)
    objects = Objects(rng)
    chunk = [objects.entry(rng.randbytes(16)) for _ in range(9)]
    data = pack_chunk(chunk)
    assert unpack_chunk(data) == chunk
    assert len(data) - 9 * 32 < 9 * 6  # ids and hashes, then at most a version's bytes
    root = _root(rng, 300)
    assert unpack_root(pack_root(root)) == root


def test_a_root_stored_as_changes_is_a_line_per_changed_chunk() -> None:
    rng = random.Random(5)
    base = _root(rng, 400)
    pairs = list(base.chunks)
    for n in rng.sample(range(len(pairs)), 12):  # rewritten in place
        pairs[n] = (pairs[n][0], rng.randbytes(16))
    del pairs[3:5]  # joined, or emptied
    pairs += [(rng.randbytes(16), rng.randbytes(16)) for _ in range(3)]  # split, or new
    root = ManifestRoot(9, 4, base.items + 5, ((1, 905),), tuple(sorted(pairs)))
    changes = pack_changes(root, base)
    assert apply_changes(base, changes) == root
    assert len(changes) < 17 * 40 < len(pack_root(root)) / 15
    assert apply_changes(base, pack_changes(base, base)) == base


@pytest.mark.parametrize("damage", [
    lambda d: d[:-1], lambda d: d[:1] + b"\xc1" + d[2:], lambda d: b"\x93\x01\x02\x03",
], ids=["cut short", "bad byte", "another shape"])
def test_damaged_bytes_raise_what_readers_catch(damage: object) -> None:
    rng = random.Random(6)
    objects = Objects(rng)
    chunk = pack_chunk([objects.entry(rng.randbytes(16)) for _ in range(5)])
    root = _root(rng, 20)
    for data, decode in ((chunk, unpack_chunk), (pack_root(root), unpack_root),
                         (pack_changes(_root(rng, 20), root),
                          lambda d: apply_changes(root, d))):
        with pytest.raises(UNREADABLE):
            decode(damage(data))  # type: ignore[operator]
