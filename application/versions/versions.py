"""Project versions: named checkpoints over the log, and what can be done with them.

Creating a version reads the project's head (log position and incremental digest) and
records one event, then stores the version's manifest as chunks built from the previous
version's plus what changed since (:mod:`application.versions.manifests`): a cost that
follows the change, not the project. Compare reads only the chunks two manifests do not
share, and loads only the items whose content differs. Restore, revert and export
rebuild states from snapshots plus the log's tail. Create, restore and revert called
without a session record one of their own (:mod:`application.core.recorded`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from uuid import UUID

from application.core.bulk import BATCH_ITEMS, Batch
from application.core.clock import utc_now
from application.core.ledger_core import LedgerCore
from application.core.loading import gc_paused
from application.core.progress import ProgressFn, no_progress
from application.core.recorded import RecordedOperations
from application.core.references import computed_references, reference_rows
from application.core.states import Manifest, States
from application.ports import ManifestEntry, ProjectWrite, ReferenceCopy
from application.versions.manifest_tree import Built
from application.versions.manifests import Manifests
from application.versions.revert import plan_revert
from application.views.items import SavedItem
from domain.compare import Comparison, compare
from domain.digest import meta_hash
from domain.errors import NotFoundError, ValidationError
from domain.names import MAX_NAME_BYTES, check_item_names
from domain.project import Project
from domain.state import ItemState, MetaState, ProjectState
from domain.values import Context, Provenance, Version

CURRENT = "current"
REFERENCE_BATCH = 100_000
"""Items whose catalog rows a restore has the database copy at a time (no events)."""


class Versions:
    """Versions of a project, and comparing, restoring and reverting to them."""

    def __init__(self, core: LedgerCore, states: States, recorded: RecordedOperations,
                 manifests: Manifests) -> None:
        self.core = core
        self.states = states
        self.recorded = recorded
        self.manifests = manifests

    def create(
        self, project_id: UUID, ctx: Context, title: str = "", description: str = ""
    ) -> Version:
        if ctx.session_id is not None:
            return self._create(project_id, ctx, title, description)
        recorded = self.recorded
        session, inner = recorded.open("other", "annoledger versions create", ctx,
                                       {"project": str(project_id), "title": title})
        return self._create(project_id, inner, title, description, lambda version: (
            recorded.closing(session, [recorded.project_node(project_id)],
                             [recorded.version_node(project_id, version.number,
                                                    version.title)])))

    def _create(self, project_id: UUID, ctx: Context, title: str, description: str,
                closing: Callable[[Version], Batch] | None = None) -> Version:
        """``closing``: the session recorded with the version, in its transaction."""
        def attempt() -> Version:
            project = self.core.get_project(project_id)
            head = self.states.head(project_id)
            number = len(project.versions) + 1
            version = Version(number, title, description, ctx.actor, utc_now(), head.position,
                              head.digest)
            project.create_version(version, ctx)
            write = ProjectWrite(project_id, expect_position=head.position)
            if closing is None:
                self.core.save_with(project, write=write)
            else:
                self.core.write_batches([([project], write)],
                                        then=lambda: closing(version))
            return version

        version = self.core.retrying(20, attempt)
        self.manifests.record(project_id, version)
        return version

    def all(self, project_id: UUID) -> list[Version]:
        return list(self.core.get_project(project_id).versions)

    def get(self, project_id: UUID, number: int) -> Version:
        return self.core.get_project(project_id).get_version(number)

    def manifest_of(self, project_id: UUID, ref: int | str) -> Manifest:
        """A version number, or ``current`` for the project's head."""
        if ref == CURRENT:
            return self.states.manifest_at(project_id, self.states.head(project_id).position)
        return self.states.manifest_at(project_id,
                                       self.get(project_id, _number(ref)).position)

    def diff(self, project_id: UUID, a: int | str, b: int | str) -> Comparison:
        """Two versions (or one and ``current``) compared by their manifests' chunks:
        only the items whose content differs are loaded."""
        ma, mb = self._chunked_manifest(project_id, a), self._chunked_manifest(project_id, b)
        with gc_paused():
            # the items loaded are released before the collector runs again
            comparison = self._compare(project_id, ma, mb)
        return comparison

    def _compare(self, project_id: UUID, ma: Built, mb: Built) -> Comparison:
        states = self.states
        meta_a = states.meta_at(project_id, ma.root.meta_version)
        meta_b = meta_a if mb.root.meta_version == ma.root.meta_version else states.meta_at(
            project_id, mb.root.meta_version)
        before_entries, after_entries = self.manifests.differing(project_id, ma, mb)
        before = {_path(meta_a, s): s for s in states.items_at(_changed(before_entries))}
        after = {_path(meta_b, s): s for s in states.items_at(_changed(after_entries))}
        return compare(meta_a, meta_b, before, after, Counter(dict(ma.root.classes)),
                       Counter(dict(mb.root.classes)))

    def _chunked_manifest(self, project_id: UUID, ref: int | str) -> Built:
        """A version's manifest as stored (built if missing), or now's (built)."""
        if ref == CURRENT:
            return self.manifests.current(project_id)
        return self.manifests.of_version(project_id, self.get(project_id, _number(ref)))

    def counts(self, project_id: UUID, version: Version) -> tuple[int, int]:
        """Items and objects in ``version``, from its stored manifest's sums (one read)."""
        root = self.manifests.of_version(project_id, version).root
        return root.items, sum(n for _, n in root.classes)

    def item_at(self, project_id: UUID, ref: int | str, item_id: UUID) -> SavedItem:
        """One item as it stood at version ``ref`` (or ``current``), with that version's
        meta: what an item viewer shows when it steps back in time."""
        manifest = self.manifest_of(project_id, ref)
        version = manifest.versions.get(item_id)
        if version is None:
            raise NotFoundError("item", f"{item_id} at version {ref}")
        state = next(self.states.items_at(manifest, {item_id}))
        return SavedItem(project_id, state, version,
                         self.states.meta_at(project_id, manifest.meta_version))

    def state_of(self, project_id: UUID, ref: int | str,
                 progress: ProgressFn = no_progress) -> ProjectState:
        """A whole state in memory (exports and tests; restores stream instead)."""
        manifest = self.manifest_of(project_id, ref)
        state = ProjectState(self.states.meta_at(project_id, manifest.meta_version))
        total = len(manifest.versions)
        with gc_paused():
            for done, item in enumerate(self.states.items_at(manifest), 1):
                state.items[(item.dataset_id, item.name)] = item
                if done % BATCH_ITEMS == 0 or done == total:
                    progress(done, total)
        return state

    def restore(
        self, project_id: UUID, number: int, ctx: Context, *, name: str | None = None,
        datasets: list[str] | None = None, progress: ProgressFn = no_progress,
    ) -> UUID:
        """A new project holding version ``number``'s state; history is not copied."""
        if ctx.session_id is not None:
            return self._restore(project_id, number, ctx, name=name, datasets=datasets,
                                 progress=progress)
        recorded = self.recorded
        session, inner = recorded.open("other", "annoledger versions restore", ctx, {
            "project": str(project_id), "version": number, "name": name,
            "datasets": datasets})
        return self._restore(project_id, number, inner, name=name, datasets=datasets,
                             progress=progress, closing=lambda new: recorded.closing(
                                 session, [recorded.version_node(project_id, number)],
                                 [recorded.project_node(new)]))

    def _restore(
        self, project_id: UUID, number: int, ctx: Context, *, name: str | None,
        datasets: list[str] | None, progress: ProgressFn,
        closing: Callable[[UUID], Batch] | None = None,
    ) -> UUID:
        """By reference (:mod:`application.core.references`): one event, the new
        project's, and a catalog row per item referring to the source's state at the
        version, copied by the database from the row holding that state; no item is
        decoded unless the catalog no longer holds its entry at that version. Item names
        are checked as written (a name an earlier release let in is refused, naming it,
        and the transaction rolled back). ``closing``: the session recorded with the new
        project, in its transaction."""
        states = self.states
        source = self.core.get_project(project_id)
        version = source.get_version(number)
        with gc_paused():
            manifest = states.manifest_at(project_id, version.position, counts=False)
        meta = _keep_datasets(states.meta_at(project_id, manifest.meta_version), datasets)
        new_name = name or restored_name(source.name, number)
        provenance = Provenance(project_id, source.name, number, version.position,
                                version.digest, by_reference=True)
        project = Project.create(MetaState(new_name, meta.classes, meta.tag_metas,
                                           meta.datasets, meta.extra), ctx, provenance)
        kept = frozenset(meta.datasets) if datasets else None

        def batches() -> Iterator[Batch]:
            yield [project], ProjectWrite(project.id, meta_hash=meta_hash(project.meta),
                                          name=new_name)
            rows = reference_rows(project.id, manifest.versions)
            where = {d: f"items[{meta.dataset_path(d)}/" for d in meta.datasets}
            for start in range(0, len(rows), REFERENCE_BATCH):
                copy = ReferenceCopy(rows[start:start + REFERENCE_BATCH], kept)
                yield [], ProjectWrite(project.id, references=copy)
                names = copy.written
                if copy.missing:
                    computed = computed_references(self.core, project.id, copy.missing, kept)
                    names = names + [(e.dataset_id, e.name) for e in computed]
                    yield [], ProjectWrite(project.id, items=computed)
                check_item_names((n, f"{where[d]}{n}].name") for d, n in names)
                progress(min(start + REFERENCE_BATCH, len(rows)), len(rows))

        self.core.check_name_free(new_name)
        with gc_paused():  # the ids of every item are alive until the copy ends
            self.core.write_batches(batches(), then=None if closing is None else (
                lambda: closing(project.id)))
        self.core.maybe_snapshot(project.id)
        return project.id

    def revert(self, project_id: UUID, number: int, ctx: Context) -> int:
        """Bring the project back to version ``number`` by recording new events."""
        if ctx.session_id is not None:
            return self._revert(project_id, number, ctx)
        recorded = self.recorded
        session, inner = recorded.open("other", "annoledger versions revert", ctx,
                                       {"project": str(project_id), "version": number})
        return self._revert(project_id, number, inner, lambda: recorded.closing(
            session, [recorded.version_node(project_id, number)],
            [recorded.project_node(project_id)]))

    def _revert(self, project_id: UUID, number: int, ctx: Context,
                closing: Callable[[], Batch] | None = None) -> int:
        """``closing``: the session recorded with the revert's events, in their
        transaction."""
        project = self.core.get_project(project_id)
        version = project.revert_target(number, self.states.head(project_id).digest)
        manifest = self.states.manifest_at(project_id, version.position)
        target_meta = self.states.meta_at(project_id, manifest.meta_version)
        with gc_paused():
            events = self.core.write_batches(plan_revert(
                self.core, self.states, project, target_meta, manifest, version, ctx),
                then=closing)
        self.core.maybe_snapshot(project_id)
        return events


def restored_name(source: str, number: int) -> str:
    """``<source>, from ver. <n>``, the source's name shortened to keep the whole within
    the longest name a project may carry."""
    suffix = f", from ver. {number}"
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    head = source.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip()
    return f"{head}{suffix}"


def _number(ref: int | str) -> int:
    try:
        return int(ref)
    except ValueError:
        raise ValidationError("version", f"'{ref}' is not a number or 'current'") from None


def _changed(entries: Mapping[bytes, ManifestEntry]) -> Manifest:
    """The items to load of one side of a compare."""
    return Manifest(0, 0, {UUID(bytes=i): e.version for i, e in entries.items()}, {})


def _path(meta: MetaState, state: ItemState) -> str:
    return f"{meta.dataset_path(state.dataset_id)}/{state.name}"


def _keep_datasets(meta: MetaState, names: list[str] | None) -> MetaState:
    """Only the named datasets (by name or path), their parents and their children."""
    if not names:
        return meta
    keep: set[int] = set()
    for d in meta.datasets.values():
        path = meta.dataset_path(d.id)
        if any(path == n or d.name == n or path.startswith(n + "/") for n in names):
            keep.add(d.id)
    missing = [n for n in names if not any(
        meta.dataset_path(i) == n or meta.datasets[i].name == n for i in keep)]
    if missing:
        raise ValidationError("datasets", f"no dataset named {', '.join(missing)}")
    for dataset_id in list(keep):
        parent = meta.datasets[dataset_id].parent_id
        while parent is not None:
            keep.add(parent)
            parent = meta.datasets[parent].parent_id
    return MetaState(meta.name, meta.classes, meta.tag_metas,
                     {i: d for i, d in meta.datasets.items() if i in keep}, meta.extra)
