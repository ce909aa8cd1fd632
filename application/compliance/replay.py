"""Replay tools for engineers: the state at any log position or time, event-by-event
steps with what each changed, bisecting for the first position where a predicate over
the state holds, and geometry-aware compare of two states.

States are rebuilt as versions are (nearest project snapshot plus the log's tail), so a
bisect costs about log2(positions) state rebuilds; predicates on counts only read the
snapshot's per-class counts and the tail's items.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

from application.compliance.history import History
from application.compliance.replay_facts import ManifestFacts
from application.core.ledger_core import LedgerCore
from application.core.loading import gc_paused
from application.core.states import Manifest, States
from application.ports import FormatAdapters
from application.views.projects import LogEntry
from application.views.replay import BisectResult, ReplayView
from domain.changes import Names
from domain.digest import state_digest
from domain.errors import ValidationError
from domain.geometry_compare import GeometryComparison, compare_geometry
from domain.meta_changes import fold_names
from domain.predicates import parse_predicate, require_known_names
from domain.rules import object_shape
from domain.state import ItemState, MetaState, ProjectState
from domain.values import AnnotationObject

MAX_STEPS = 10_000


class Replay:
    """A project's past: its state at a position, its events step by step, bisect, compare."""

    def __init__(self, core: LedgerCore, states: States, history: History,
                 formats: FormatAdapters) -> None:
        self.core = core
        self.states = states
        self.history = history
        self.formats = formats

    def state_at(self, project_id: UUID, position: int) -> ProjectState:
        manifest = self.states.manifest_at(project_id, position)
        state = ProjectState(self.states.meta_at(project_id, manifest.meta_version))
        with gc_paused():
            for item in self.states.items_at(manifest):
                state.items[(item.dataset_id, item.name)] = item
        return state

    def show(self, project_id: UUID, *, position: int | None = None,
             as_of: float | None = None, export: Path | None = None) -> ReplayView:
        """The state at a position (or as of a time); optionally exported as Supervisely."""
        at = self.states.position_of(project_id, position, as_of)
        if at < 1:
            raise ValidationError("position", "the project did not exist yet at that point")
        state = self.state_at(project_id, at)
        if export is not None:
            self.formats.write("supervisely", state, export)
        counts = Counter(o.class_id for i in state.items.values() for o in i.objects)
        meta = state.meta
        entry = self.history.log_entries(project_id, gt=at - 1, lte=at, newest=False)
        return ReplayView(
            project_id, at, entry[0].time if entry else "", len(state.items),
            state.object_count, sum(1 for i in state.items.values() if not i.objects),
            {(meta.classes[c].title if c in meta.classes else f"#{c}"): n
             for c, n in sorted(counts.items())},
            sorted(meta.dataset_path(d) for d in meta.datasets), state_digest(state))

    def step(self, project_id: UUID, start: int, end: int) -> list[LogEntry]:
        """The events at positions ``start``..``end``, each with what it changed."""
        head = self.states.head(project_id).position
        if not 1 <= start <= end <= head:
            raise ValidationError("position", f"need 1 <= from <= to <= {head}")
        if end - start >= MAX_STEPS:
            raise ValidationError("position", f"at most {MAX_STEPS} events at a time")
        return self.history.log_entries(project_id, gt=start - 1, lte=end, limit=None,
                                        newest=False)

    def bisect(self, project_id: UUID, predicate: str, *, start: int = 1) -> BisectResult:
        """The first position from ``start`` on at which ``predicate`` holds, by binary
        search over positions.

        Assumes the predicate, once true, stays true (a regression that persists); with
        one that flips back and forth it finds one of the positions where it turns true.
        A predicate that already holds at ``start`` (by default the new, empty project) is
        reported as holding from the start, not as changed by the event there: give a
        ``start`` known to be good (a version's position) to find where it went wrong.
        Classes and tags it names must have existed in the project at some point.
        """
        node = parse_predicate(predicate)
        require_known_names(node, *self._names_ever(project_id))
        head = self.states.head(project_id).position
        if not 1 <= start <= max(head, 1):
            raise ValidationError("from", f"must be between 1 and {head}, got {start}")
        probes: list[tuple[int, bool]] = []

        def holds(position: int) -> bool:
            value = node.holds(ManifestFacts(self.states, project_id, position))
            probes.append((position, value))
            return value

        if head < 1 or not holds(head):
            return BisectResult(predicate, None, head, tuple(probes), None)
        lo, hi = start, head
        while lo < hi:
            mid = (lo + hi) // 2
            if holds(mid):
                hi = mid
            else:
                lo = mid + 1
        if lo == start:
            return BisectResult(predicate, lo, head, tuple(probes), None, from_start=True)
        event = self.step(project_id, lo, lo)[0]
        return BisectResult(predicate, lo, head, tuple(probes), event)

    def _names_ever(self, project_id: UUID) -> tuple[set[str], set[str]]:
        """Every class title and tag name the project has had, now or before."""
        meta = self.core.get_project(project_id).meta
        classes = {c.title for c in meta.classes.values()}
        tags = {t.name for t in meta.tag_metas.values()}
        names: Names | None = None
        for rec in self.history.log.item_log(project_id):
            names = fold_names(names, self.core.mapper.to_domain_event(rec.stored_event()))
            classes.update(names.classes.values())
            tags.update(names.tags.values())
        return classes, tags

    def diff_geometry(self, project_id: UUID, a: int | str, b: int | str,
                      threshold: float = 0.5) -> GeometryComparison:
        """Objects matched by id, then by IoU >= threshold; how each matched one changed."""
        if not 0 < threshold <= 1:
            raise ValidationError("iou", "must be above 0 and at most 1")
        ma, mb = self._manifest_ref(project_id, a), self._manifest_ref(project_id, b)
        meta_a = self.states.meta_at(project_id, ma.meta_version)
        meta_b = self.states.meta_at(project_id, mb.meta_version)
        changed = _changed(ma, mb)
        with gc_paused():
            before = {_path(meta_a, s): s for s in self.states.items_at(ma, changed)}
            after = {_path(meta_b, s): s for s in self.states.items_at(mb, changed)}
        return compare_geometry(before, after, _shapes(meta_a), _shapes(meta_b), threshold)

    def _manifest_ref(self, project_id: UUID, ref: int | str) -> Manifest:
        """A version number, or ``current``."""
        if ref == "current":
            return self.states.manifest_at(project_id, self.states.head(project_id).position)
        try:
            number = int(ref)
        except ValueError:
            raise ValidationError("version", f"'{ref}' is not a number or 'current'") from None
        return self.states.manifest_at(project_id, self.core.get_project(project_id).get_version(
            number).position)


def _changed(a: Manifest, b: Manifest) -> set[UUID]:
    return {i for i in a.versions.keys() | b.versions.keys()
            if a.versions.get(i) != b.versions.get(i)}


def _path(meta: MetaState, state: ItemState) -> str:
    return f"{meta.dataset_path(state.dataset_id)}/{state.name}"


def _shapes(meta: MetaState) -> Any:
    def shape(obj: AnnotationObject) -> str | None:
        try:
            return object_shape(meta, obj)
        except ValidationError:
            return None
    return shape
