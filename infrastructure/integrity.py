"""The hash chain that makes every project's log tamper-evident.

Each stored event commits to its predecessor in the same project's log::

    chain[p] = sha256(chain[p-1] | project id | p | stream id | stream version
                      | topic | sha256(state))

with ``chain[0]`` = 32 zero bytes. The writer computes it inside the insert transaction
(it holds the database's writer slot, so the predecessor is known), and the project's
head row keeps the last link. Changing, deleting, inserting or reordering a row breaks
the chain at that position; cutting off the newest events is caught against the head
or against a digest an auditor kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

GENESIS = bytes(32)


def link(
    prev: bytes, project_id: UUID, position: int, originator_id: UUID,
    originator_version: int, topic: str, state: bytes,
) -> bytes:
    h = hashlib.sha256(prev)
    h.update(project_id.bytes)
    h.update(position.to_bytes(8, "big"))
    h.update(originator_id.bytes)
    h.update(originator_version.to_bytes(8, "big", signed=True))
    h.update(topic.encode())
    h.update(hashlib.sha256(state).digest())
    return h.digest()


@dataclass(frozen=True, slots=True)
class ChainRow:
    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    chain: bytes


@dataclass(frozen=True, slots=True)
class VerifyResult:
    project_id: UUID
    checked: int
    ok: bool
    position: int | None = None
    reason: str = ""
    head: bytes = GENESIS


def verify_chain(
    project_id: UUID, rows: Iterable[ChainRow], head_position: int, head_chain: bytes
) -> VerifyResult:
    """Walk the rows in position order; name the first position that does not match."""
    prev, expected, checked = GENESIS, 1, 0
    at_head = GENESIS  # the recomputed link at the head's position
    for row in rows:
        if row.position != expected:
            what = "missing" if row.position > expected else "duplicated or reordered"
            return VerifyResult(project_id, checked, False, expected,
                                f"position {expected} is {what}", prev)
        computed = link(prev, project_id, row.position, row.originator_id,
                        row.originator_version, row.topic, row.state)
        if computed != row.chain:
            return VerifyResult(project_id, checked, False, row.position,
                                f"position {row.position} does not match its hash link", prev)
        prev, expected, checked = computed, expected + 1, checked + 1
        if checked == head_position:
            at_head = computed
    if checked < head_position:  # the newest events were cut off
        return VerifyResult(
            project_id, checked, False, checked + 1,
            f"log ends at position {checked} but the head records {head_position}", prev,
        )
    if at_head != head_chain:  # rows up to the head were rewritten with fresh links
        return VerifyResult(
            project_id, checked, False, head_position,
            f"position {head_position} does not match the head's hash link", prev,
        )
    if checked > head_position:  # rows appended behind the ledger's back
        return VerifyResult(
            project_id, checked, False, head_position + 1,
            f"log goes on to position {checked} but the head records {head_position}", prev,
        )
    return VerifyResult(project_id, checked, True, None, "", prev)
