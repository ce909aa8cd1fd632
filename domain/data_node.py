"""Workflow nodes declared on their own, outside any session.

OpenLineage producers may describe a dataset (``DatasetEvent``) or a job's static
inputs and outputs (``JobEvent``) without a run. Such a node is an aggregate whose id
is derived from its type and reference, so that every declaration of the same node
lands in the same stream (and two producers racing to declare it meet the store's
optimistic-concurrency check instead of creating twins).

A link may carry the time its producer gave (a JobEvent's ``eventTime``); without one it
is the time the link was recorded, as for sessions (:mod:`domain.session`).
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.session import NodeRef, check_moment


def data_node_id(type: str, ref: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"annoledger:node:{type}:{ref}")


class DataNode(Aggregate):
    """A node's card text, and for a job node the nodes it reads and writes."""

    @event("Declared")
    def __init__(self, type: str, ref: str, title: str, description: str, link: str,
                 id: UUID) -> None:
        self.node = NodeRef(type, ref, title, description, link)
        self.inputs: list[NodeRef] = []
        self.outputs: list[NodeRef] = []
        self.lineage_keys: set[str] = set()

    @classmethod
    def declare(cls, node: NodeRef) -> DataNode:
        node.check()
        return cls(node.type, node.ref, node.title, node.description, node.link,
                   id=data_node_id(node.type, node.ref))

    def describe(self, title: str, description: str, link: str) -> None:
        """New card text; empty values keep the current ones."""
        n = self.node
        new = NodeRef(n.type, n.ref, title or n.title, description or n.description,
                      link or n.link).check()
        if new != n:
            self._described(n.type, n.ref, new.title, new.description, new.link)

    def add_input(self, node: NodeRef, at: datetime | None = None) -> None:
        """A node this (job) node reads: an edge ``node -> self``."""
        if all((i.type, i.ref) != (node.type, node.ref) for i in self.inputs):
            self._link("input", node.check(), at)

    def add_output(self, node: NodeRef, at: datetime | None = None) -> None:
        """A node this (job) node writes: an edge ``self -> node``."""
        if all((o.type, o.ref) != (node.type, node.ref) for o in self.outputs):
            self._link("output", node.check(), at)

    def mark_lineage(self, key: str) -> None:
        if key not in self.lineage_keys:
            self._lineage_applied(key)

    def _link(self, direction: str, node: NodeRef, at: datetime | None) -> None:
        self._linked(direction, self.node.type, self.node.ref, node.type, node.ref,
                     node.title, node.description, node.link, check_moment(at, "at"))

    @event("Described")
    def _described(self, type: str, ref: str, title: str, description: str,
                   link: str) -> None:
        """Type and ref repeat the node's: a projection needs no state to place it."""
        self.node = NodeRef(type, ref, title, description, link)

    @event("Linked")
    def _linked(self, direction: str, owner_type: str, owner_ref: str, type: str, ref: str,
                title: str, description: str, link: str, at: datetime | None = None) -> None:
        node = NodeRef(type, ref, title, description, link)
        (self.inputs if direction == "input" else self.outputs).append(node)

    @event("LineageApplied")
    def _lineage_applied(self, key: str) -> None:
        self.lineage_keys.add(key)
