"""Provable history: a digest of the log's head that an auditor keeps, and proofs that
today's log extends it; rewritten events and snapshots make both checks fail."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from typing import Any
from uuid import UUID

import pytest

from application.ledger import Ledger
from application.ports import LogRecord
from domain.digest import state_digest
from domain.errors import ValidationError
from domain.values import Context, ObjectClass
from infrastructure.integrity import link
from infrastructure.snapshots import pack, unpack
from tests.integration.audit_story import Story, execute, tell


@pytest.fixture
def story(app: Ledger) -> Story:
    return tell(app)


def record(s: Story, position: int) -> LogRecord:
    [rec] = s.app.core.store.log(s.pid, gt=position - 1, lte=position)
    return rec


def forge_event(s: Story, position: int, **changes: Any) -> None:
    """Re-encode the event at a position with other values (a decodable, plausible lie)."""
    rec = record(s, position)
    event = s.app.core.mapper.to_domain_event(rec.stored_event())
    forged = s.app.core.mapper.to_stored_event(dataclasses.replace(event, **changes))  # type: ignore[type-var]
    execute(s.app, "UPDATE annoledger_events SET state = :s WHERE project_id = :pid "
            "AND position = :p", s=forged.state, pid=s.pid, p=position)


def relink(s: Story, start: int) -> None:
    """What a careful forger does next: recompute every link from there, and the head."""
    chain = record(s, start - 1).chain
    for rec in s.app.core.store.log(s.pid, gt=start - 1):
        chain = link(chain, s.pid, rec.position, rec.originator_id, rec.originator_version,
                     rec.topic, rec.state)
        execute(s.app, "UPDATE annoledger_events SET chain = :c WHERE project_id = :pid AND "
                "position = :p", c=chain, pid=s.pid, p=rec.position)
    execute(s.app, "UPDATE annoledger_projects SET chain = :c WHERE project_id = :pid",
            c=chain, pid=s.pid)


def forge_item_snapshot(s: Story, item: UUID, version: int, object_id: int) -> None:
    """Move one object in a stored item snapshot and give it a checksum that holds."""
    agg: Any = copy.deepcopy(s.app.core.repository.get(item, version=version))
    obj = agg.objects[object_id]
    agg.objects[object_id] = dataclasses.replace(obj, geometry={
        "points": {"exterior": [[0, 0], [5, 5]], "interior": []}})
    stored = s.app.core.mapper.to_stored_event(type(agg).Snapshot.take(agg))
    execute(s.app, "UPDATE annoledger_snapshots SET state = :s, checksum = :c WHERE "
            "originator_id = :oid AND originator_version = :v", s=stored.state,
            c=hashlib.sha256(stored.state).digest(), oid=item, v=version)


def test_the_untouched_log_extends_its_digest_and_so_does_the_log_grown_since(
    story: Story,
) -> None:
    report = story.app.proofs.log_digest()
    assert report.ok and report.digest is not None and report.digest.startswith("ald1.")
    assert report.projects == 2 and report.snapshots >= 1
    story.app.items.remove(story.cat3, Context("zoe"))
    later = story.app.projects.create("later", Context("zoe"))
    proof = story.app.proofs.verify_since(report.digest)
    assert proof.ok, proof.problems
    assert proof.projects == 3
    assert story.app.proofs.log_digest().digest != report.digest
    assert story.app.projects.view(later).position == 1


def test_rewriting_an_old_event_and_a_snapshot_fails_both_checks(story: Story) -> None:
    digest = story.app.proofs.log_digest().digest
    assert digest is not None
    forge_event(story, 9, class_id=story.lynx + 1000)
    forge_item_snapshot(story, story.cat1, 4, story.box)
    fresh = story.app.proofs.log_digest()
    assert not fresh.ok and fresh.digest is None
    assert any("chain broken at position 9" in p for p in fresh.problems)
    assert any(f"snapshots: item {story.cat1} v4: differs from its events" in p
               for p in fresh.problems)
    proof = story.app.proofs.verify_since(digest)
    assert not proof.ok
    assert any("history up to the recorded position 14 was changed: the chain breaks at "
               "position 9" in p for p in proof.problems)
    assert any("differs from its events" in p for p in proof.problems)


def test_a_forger_who_relinks_the_chain_fools_verify_but_not_an_old_digest(
    story: Story,
) -> None:
    digest = story.app.proofs.log_digest().digest
    assert digest is not None
    stored = story.app.projects.view(story.pid).digest
    rec = record(story, 8)
    event = story.app.core.mapper.to_domain_event(rec.stored_event())
    forge_event(story, 8, object_class=dataclasses.replace(
        event.object_class, title="puma"))  # type: ignore[attr-defined]
    relink(story, 8)
    [chains] = story.app.proofs.verify(story.pid, quick=True)
    assert chains.ok
    # The rows derived from the log still hold the class's old title: the digest in the
    # head row is not the forged log's.
    forged = state_digest(story.app.versions.state_of(story.pid, "current"))
    [derived] = story.app.proofs.verify(story.pid)
    assert (derived.ok, derived.table, derived.reason) == (
        False, "heads", f"heads: project {story.pid}: digest {stored}, log says {forged}")
    proof = story.app.proofs.verify_since(digest)
    assert not proof.ok
    assert proof.problems == [f"project demo ({story.pid}): the chain at position 14 no "
                              f"longer matches the digest: history up to it was rewritten"]


def test_a_rewritten_snapshot_alone_fails_both_checks(story: Story) -> None:
    digest = story.app.proofs.log_digest().digest
    assert digest is not None
    forge_item_snapshot(story, story.cat1, 4, story.polygon)
    assert story.app.proofs.verify(story.pid, quick=True)[0].ok
    [derived] = story.app.proofs.verify(story.pid)
    assert (derived.table, derived.position, derived.reason) == (
        "snapshots", 11, f"snapshots: item {story.cat1} v4: differs from its events")
    assert not story.app.proofs.log_digest().ok
    assert not story.app.proofs.verify_since(digest).ok


def test_a_rewritten_project_snapshot_fails_both_checks(story: Story) -> None:
    position = story.app.core.project_snapshots.write(story.pid)  # type: ignore[union-attr]
    digest = story.app.proofs.log_digest().digest
    assert digest is not None and position == 14
    store = story.app.core.store
    manifest: Any = unpack(snapshot_key(story, position), store.get_chunk(
        snapshot_key(story, position)))
    entries: Any = unpack(manifest["chunks"][0], store.get_chunk(manifest["chunks"][0]))
    entries[0][1] -= 1  # an older version of the first item
    key, data = pack(entries)
    manifest["chunks"][0] = key
    manifest_key, manifest_data = pack(manifest)
    store.put_chunks({key: data, manifest_key: manifest_data})
    execute(story.app, "UPDATE annoledger_project_snapshots SET manifest = :m WHERE "
            "project_id = :pid AND position = :p", m=manifest_key, pid=story.pid, p=position)
    problem = f"snapshots: project snapshot at position {position}: differs from the log"
    assert any(problem in p for p in story.app.proofs.log_digest().problems)
    assert any(problem in p for p in story.app.proofs.verify_since(digest).problems)


def snapshot_key(s: Story, position: int) -> str:
    record_ = s.app.core.store.latest_snapshot(s.pid, position)
    assert record_ is not None
    return record_.manifest


def test_a_snapshot_whose_checksum_fails_is_reported(story: Story) -> None:
    execute(story.app, "UPDATE annoledger_snapshots SET checksum = :c WHERE "
            "originator_id = :oid", c=bytes(32), oid=story.cat1)
    assert any("fails its checksum" in p for p in story.app.proofs.log_digest().problems)


def test_a_log_cut_short_with_its_head_rewound_does_not_extend_the_digest(
    story: Story,
) -> None:
    digest = story.app.proofs.log_digest().digest
    assert digest is not None
    execute(story.app, "DELETE FROM annoledger_events WHERE project_id = :pid AND "
            "position > 12", pid=story.pid)
    execute(story.app, "UPDATE annoledger_projects SET position = 12, chain = :c WHERE "
            "project_id = :pid", c=record(story, 12).chain, pid=story.pid)
    assert story.app.proofs.verify(story.pid, quick=True)[0].ok
    [derived] = story.app.proofs.verify(story.pid)  # cat3's box was removed at position 13
    assert (derived.table, derived.key) == ("catalog", f"item {story.cat3} (ds/cat3.jpg)")
    assert derived.reason.startswith(f"catalog: item {story.cat3} (ds/cat3.jpg): version 2, "
                                     f"log says 1; objects 2, log says 3; content hash ")
    problems = story.app.proofs.verify_since(digest).problems
    assert any("the log ends at position 12, before the recorded position 14" in p
               for p in problems)


def test_a_digest_altered_by_one_character_is_refused(story: Story) -> None:
    digest = story.app.proofs.log_digest().digest
    assert digest is not None
    body_char = digest[-5]
    altered = digest[:-5] + ("A" if body_char != "A" else "B") + digest[-4:]
    with pytest.raises(ValidationError, match="digest"):
        story.app.proofs.verify_since(altered)
    with pytest.raises(ValidationError, match="not a log digest"):
        story.app.proofs.verify_since("sha256:abc")


def test_a_project_aggregate_snapshot_is_replayed_too(app: Ledger) -> None:
    """A project snapshots itself every 64 of its events: checked like an item's, never
    reported as a snapshot with no matching event."""
    ctx = Context("alice")
    pid = app.projects.create("many", ctx)
    for i in range(70):
        app.projects.add_class(pid, ObjectClass(0, f"class {i}", "rectangle"), ctx)
    [untouched] = app.proofs.verify(pid)
    assert untouched.ok, untouched.reason
    digest = app.proofs.log_digest()
    assert digest.ok and digest.snapshots == 2  # and a project snapshot (every 50)
    agg: Any = copy.deepcopy(app.core.repository.get(pid, version=64))
    first = next(iter(agg.classes.values()))
    agg.classes[first.id] = dataclasses.replace(first, title="forged")
    stored = app.core.mapper.to_stored_event(type(agg).Snapshot.take(agg))
    execute(app, "UPDATE annoledger_snapshots SET state = :s, checksum = :c WHERE "
            "originator_id = :pid AND originator_version = 64", s=stored.state,
            c=hashlib.sha256(stored.state).digest(), pid=pid)
    [forged] = app.proofs.verify(pid)
    assert (forged.table, forged.position, forged.reason) == (
        "snapshots", 64, "snapshots: project v64: differs from its events")
    assert app.proofs.verify(pid, quick=True)[0].ok
