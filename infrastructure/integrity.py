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
    walk = ChainWalk(project_id, head_position, head_chain)
    for row in rows:
        if not walk.step(row):
            break
    return walk.finish()


class ChainWalk:
    """The chain recomputed one row at a time, so a pass that reads each row for other
    checks too (``verify`` recomputing derived rows) reads the log once.

    :meth:`step` each row in position order until it returns False (that row breaks
    the chain), then :meth:`finish` compares what was walked with the head row.
    """

    def __init__(self, project_id: UUID, head_position: int, head_chain: bytes) -> None:
        self.project_id = project_id
        self.head_position, self.head_chain = head_position, head_chain
        self.prev, self.expected, self.checked = GENESIS, 1, 0
        self.at_head = GENESIS  # the recomputed link at the head's position
        self.broken: VerifyResult | None = None

    def step(self, row: ChainRow) -> bool:
        """True when ``row`` continues the chain; False (and the walk is over) if not."""
        if self.broken is not None:
            return False
        if row.position != self.expected:
            what = "missing" if row.position > self.expected else "duplicated or reordered"
            return self._break(self.expected, f"position {self.expected} is {what}")
        computed = link(self.prev, self.project_id, row.position, row.originator_id,
                        row.originator_version, row.topic, row.state)
        if computed != row.chain:
            return self._break(row.position,
                               f"position {row.position} does not match its hash link")
        self.prev, self.expected, self.checked = computed, self.expected + 1, self.checked + 1
        if self.checked == self.head_position:
            self.at_head = computed
        return True

    def _break(self, position: int, reason: str) -> bool:
        self.broken = VerifyResult(self.project_id, self.checked, False, position, reason,
                                   self.prev)
        return False

    def finish(self) -> VerifyResult:
        """The outcome: the first break, or the walked rows against the head row."""
        if self.broken is not None:
            return self.broken
        checked, head_position, prev = self.checked, self.head_position, self.prev
        if checked < head_position:  # the newest events were cut off
            return VerifyResult(
                self.project_id, checked, False, checked + 1,
                f"log ends at position {checked} but the head records {head_position}", prev,
            )
        if self.at_head != self.head_chain:  # rows up to the head were rewritten afresh
            return VerifyResult(
                self.project_id, checked, False, head_position,
                f"position {head_position} does not match the head's hash link", prev,
            )
        if checked > head_position:  # rows appended behind the ledger's back
            return VerifyResult(
                self.project_id, checked, False, head_position + 1,
                f"log goes on to position {checked} but the head records {head_position}",
                prev,
            )
        return VerifyResult(self.project_id, checked, True, None, "", prev)
