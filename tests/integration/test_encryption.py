"""Encryption at rest: with a cipher key, no event or snapshot state is readable as stored.

Order is encode (msgpack), compress (zstd), encrypt (AES-GCM); the hash chain covers the
stored (encrypted) bytes, so ``verify --quick`` needs no key (``verify`` replays the log
to recompute derived rows: that needs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa
from eventsourcing.cipher import AESCipher

from application.ledger import Ledger
from application.settings import Settings
from domain.errors import AnnoledgerError
from domain.values import AnnotationObject, Context
from infrastructure.compression import StateCompressor
from interfaces.composition import build_ledger
from tests.conftest import DEMO

PLAINTEXT = (b"Armen", b"test_point", b"cat1.jpg", b"real_export_vector", b"#EC6E0E")
"""A labeler's login, a class title, an item name, a media path, a class colour."""


@dataclass(frozen=True)
class Stored:
    app: Ledger
    pid: UUID
    key: str


def ledger(db_url: str, key: str = "") -> Ledger:
    return build_ledger(Settings(db_url=db_url, cipher_key=key, snapshot_every=5,
                                 item_snapshot_every=2))


def import_demo(app: Ledger) -> UUID:
    ctx = Context("alice")
    pid = app.imports.from_files("supervisely", DEMO, ctx, name="demo").project
    cat = app.projects.get(pid).meta.class_by_title("cat")
    assert cat is not None
    item = app.projects.resolve_item(pid, "ds/cat1.jpg")
    geometry = {"points": {"exterior": [[1, 2], [30, 40]], "interior": []}}
    app.items.add_object(item, AnnotationObject(0, cat.id, geometry), ctx)  # version 2: snapshot
    return pid


def stored_states(app: Ledger) -> list[bytes]:
    with app.core.recorder.engine.connect() as conn:  # type: ignore[attr-defined]
        events = conn.execute(sa.text("SELECT state FROM annoledger_events")).scalars().all()
        snaps = conn.execute(sa.text("SELECT state FROM annoledger_snapshots")).scalars().all()
    assert events and snaps, "expected events and at least one item snapshot"
    return [bytes(s) for s in [*events, *snaps]]


@pytest.fixture
def stored(db_url: str) -> Stored:
    key = AESCipher.create_key(16)
    app = ledger(db_url, key)
    return Stored(app, import_demo(app), key)


def readable(state: bytes) -> bytes:
    """What a reader without the key gets from a stored state: decompressed when it can
    be (compression alone hides text from a byte search, so that would prove nothing)."""
    try:
        return StateCompressor().decompress(state)
    except ValueError:
        return state


def test_plaintext_is_visible_without_a_key(tmp_path: Path) -> None:
    """The control for the next test: unencrypted states do show these strings."""
    app = ledger(f"sqlite:///{tmp_path}/plain.db")
    import_demo(app)
    blob = b"".join(map(readable, stored_states(app)))
    assert all(text in blob for text in PLAINTEXT)


def test_no_plaintext_is_stored_with_a_key(stored: Stored) -> None:
    for state in map(readable, stored_states(stored.app)):
        for text in PLAINTEXT:
            assert text not in state


def test_encrypted_states_round_trip_to_the_imported_content(stored: Stored) -> None:
    source, _ = stored.app.imports.formats.read("supervisely", DEMO)
    reader = ledger(stored.app.core.env["ANNOLEDGER_DB"], stored.key)  # a second process, say
    state = reader.versions.state_of(stored.pid, "current")
    assert (state.meta.classes, state.meta.tag_metas, state.meta.datasets) == (
        source.meta.classes, source.meta.tag_metas, source.meta.datasets)
    assert state.items.keys() == source.items.keys()
    for key, item in source.items.items():
        got = state.items[key]
        extra = 1 if key == (1, "cat1.jpg") else 0
        assert (got.media, got.tags, got.description) == (item.media, item.tags,
                                                           item.description)
        assert got.objects[:len(item.objects)] == item.objects
        assert len(got.objects) == len(item.objects) + extra
    assert any(o.labeler == "Armen" for i in state.items.values() for o in i.objects)
    assert reader.items.get(reader.projects.resolve_item(stored.pid, "ds/cat1.jpg")).version == 2


def test_verify_passes_over_encrypted_states(stored: Stored) -> None:
    [report] = stored.app.proofs.verify(stored.pid)
    assert report.ok and report.checked == 8
    keyless = ledger(stored.app.core.env["ANNOLEDGER_DB"])
    [chains] = keyless.proofs.verify(stored.pid, quick=True)
    assert chains.ok and chains.checked == 8
    [replayed] = keyless.proofs.verify(stored.pid)
    assert (replayed.ok, replayed.table, replayed.position) == (False, "events", 1)
    assert "an encrypted log is read with its key" in replayed.reason


@pytest.mark.parametrize("key", ["wrong", "none"])
def test_reading_with_a_wrong_or_no_key_fails(stored: Stored, key: str) -> None:
    other = ledger(stored.app.core.env["ANNOLEDGER_DB"],
                   AESCipher.create_key(16) if key == "wrong" else "")
    with pytest.raises(ValueError) as info:
        other.projects.get(stored.pid)
    assert not isinstance(info.value, AnnoledgerError)  # a decryption failure, not a refusal
    with pytest.raises(ValueError):
        other.versions.state_of(stored.pid, "current")


def test_an_encrypted_state_read_without_the_key_is_a_value_error_whatever_its_first_byte(
    stored: Stored,
) -> None:
    """Ciphertext starts with a random nonce: 1 in 128 looks like a compression flag."""
    plain = ledger(stored.app.core.env["ANNOLEDGER_DB"])
    assert plain.core.mapper.compressor is not None
    [record] = stored.app.core.store.log(stored.pid, lte=1)
    for first in (0x01, 0x02, 0x7F):  # the lz4 and zstd flags, and no flag at all
        with pytest.raises(ValueError):
            plain.core.mapper.compressor.decompress(bytes([first]) + record.state[1:])
