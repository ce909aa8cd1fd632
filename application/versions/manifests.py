"""Each version's manifest, stored as content-addressed chunks, and the one of now.

When a version is created its manifest is built from the latest stored one before it
plus what the log changed between the two positions (the catalog's entries of the
items changed, without decoding them), and stored: chunks nobody changed are shared
with the versions before it (:mod:`application.versions.manifest_tree`). A version
without a stored manifest (a database written before they were stored, or a write
that failed after its version was recorded) gets one the first time it is asked for,
from the project's state at its position; it is stored then. The manifest of now
(``current``) is built the same way from the latest version's and is not stored. An
entry holds no objects per class: the root's sums gain and lose the counts the catalog
holds for the items that came and went (items it lacks are loaded).

Manifests are derived from the log, so ``verify`` recomputes and compares them
(:mod:`application.versions.manifest_check`). A damaged one is never used: a chunk
missing or not matching its key makes the manifest be rebuilt from the log.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from uuid import UUID

from application.core.catalog import class_counts
from application.core.ledger_core import LedgerCore
from application.core.loading import gc_paused
from application.core.states import Manifest, States
from application.ports import ManifestEntry, ManifestRoot, ManifestStore
from application.versions.manifest_tree import (
    Built,
    DamagedManifest,
    Flat,
    build,
    differing,
    hash_prefix,
)
from domain.digest import item_hash
from domain.errors import AnnoledgerError
from domain.values import Version

log = logging.getLogger("annoledger")


class Manifests:
    """Version manifests: recorded with each version, rebuilt when missing, compared."""

    def __init__(self, core: LedgerCore, states: States, store: ManifestStore) -> None:
        self.core = core
        self.states = states
        self.store = store

    def record(self, project_id: UUID, version: Version) -> None:
        """Store a new version's manifest. A failure leaves the version as recorded (the
        manifest is derived: it is built when first compared) and is logged."""
        try:
            with gc_paused():
                self.of_version(project_id, version)
        except Exception:
            log.exception("manifest of version %s of %s not stored", version.number,
                          project_id)

    def of_version(self, project_id: UUID, version: Version) -> Built:
        """The version's stored manifest, or one built now and stored."""
        root = self.store.root(project_id, version.number)
        if root is not None and root.position == version.position:
            return Built(root)
        base = self.store.latest_root(project_id, version.position)
        built = self._build(project_id, version.position, base[1] if base else None)
        if root is None:
            try:
                self.store.save(project_id, version.number, built.root, built.fresh, base)
            except Exception:  # a read-only database: compared all the same
                log.exception("manifest of version %s of %s not stored", version.number,
                              project_id)
        return built

    def current(self, project_id: UUID) -> Built:
        """The manifest at the project's head, from its latest version's (not stored)."""
        position = self.states.head(project_id).position
        versions = self.core.get_project(project_id).versions
        base = self.of_version(project_id, versions[-1]).root if versions else None
        return self._build(project_id, position, base)

    def differing(self, project_id: UUID, a: Built, b: Built
                  ) -> tuple[dict[bytes, ManifestEntry], dict[bytes, ManifestEntry]]:
        """The entries of items whose content differs, on each side (see
        :func:`application.versions.manifest_tree.differing`); manifests found damaged
        are rebuilt from the log."""
        try:
            fresh = {**a.fresh, **b.fresh}
            return differing(a.root, b.root, lambda keys: self._read(keys, fresh))
        except DamagedManifest as exc:
            log.warning("manifest chunk %s of %s is damaged: rebuilt from the log", exc,
                        project_id)
            a, b = (self._build(project_id, m.root.position, None) for m in (a, b))
            fresh = {**a.fresh, **b.fresh}
            return differing(a.root, b.root, lambda keys: self._read(keys, fresh))

    def _build(self, project_id: UUID, position: int, base: ManifestRoot | None) -> Built:
        known: dict[tuple[bytes, int], Flat] = {}
        if base is None or base.position > position:
            head = self.store.entries_at_head(project_id, position)
            if head.position >= position and not self.states.changes(
                    project_id, position, head.position)[0]:
                # no item changed since: the catalog is the manifest (the first version's)
                known.update(((e.item_id, e.version), head.classes[e.item_id])
                             for e in head.entries)
                return build(position, head.meta_version, None,
                             {e.item_id: e for e in head.entries},
                             lambda keys: self._read(keys, {}), self.store.seal,
                             lambda wanted: self._counts(project_id, wanted, known))
        if base is not None and base.position <= position:
            changed, meta = self.states.changes(project_id, base.position, position)
            meta_version = meta or base.meta_version
        else:
            base = None
            manifest = self.states.manifest_at(project_id, position, counts=False)
            changed = dict(manifest.versions)
            meta_version = manifest.meta_version
        entries = self._entries(project_id, {i: v for i, v in changed.items() if v is not None},
                                known)
        changes = {i.bytes: None if v is None else entries[i] for i, v in changed.items()}
        try:
            return build(position, meta_version, base, changes,
                         lambda keys: self._read(keys, {}), self.store.seal,
                         lambda wanted: self._counts(project_id, wanted, known))
        except DamagedManifest:
            if base is None:
                raise
            log.warning("manifest of %s at position %s is damaged: rebuilt from the log",
                        project_id, base.position)
            return self._build(project_id, position, None)

    def _entries(self, project_id: UUID, wanted: Mapping[UUID, int],
                 known: dict[tuple[bytes, int], Flat]) -> dict[UUID, ManifestEntry]:
        """Each item's entry at its wanted version: from the catalog where it holds that
        version (now or superseded), else from the item loaded at that version. Their
        objects per class go to ``known``."""
        found: dict[UUID, ManifestEntry] = {}
        for i, e in self.core.store.catalog_states(project_id, wanted).items():
            found[i] = ManifestEntry(i.bytes, e.version, hash_prefix(e.state_hash))
            known[i.bytes, e.version] = _flat(e.classes)
        missing = {i: v for i, v in wanted.items() if i not in found}
        if missing:
            for state in self.states.items_at(Manifest(0, 0, missing, {})):
                assert state.id is not None
                version = missing[state.id]
                found[state.id] = ManifestEntry(state.id.bytes, version,
                                                hash_prefix(item_hash(state)))
                known[state.id.bytes, version] = _flat(class_counts(state.objects))
        lost = wanted.keys() - found.keys()
        if lost:
            raise AnnoledgerError(f"item {min(lost)} of project {project_id} cannot be "
                                  f"loaded at version {wanted[min(lost)]}")
        return found

    def _counts(self, project_id: UUID, wanted: Mapping[bytes, int],
                known: dict[tuple[bytes, int], Flat]) -> dict[bytes, Flat]:
        """Objects per class of items at versions: known ones, the others read as
        :meth:`_entries` reads them."""
        missing = {UUID(bytes=i): v for i, v in wanted.items() if (i, v) not in known}
        if missing:
            self._entries(project_id, missing, known)
        return {i: known[i, v] for i, v in wanted.items()}

    def _read(self, keys: Collection[bytes], fresh: Mapping[bytes, list[ManifestEntry]]
              ) -> dict[bytes, list[ManifestEntry]]:
        found = {k: fresh[k] for k in keys if k in fresh}
        wanted = [k for k in keys if k not in found]
        if wanted:
            found.update(self.store.chunks(wanted))
        for key in keys:
            if key not in found:
                raise DamagedManifest(key.hex())
        return found


def _flat(classes: tuple[tuple[int, int], ...]) -> Flat:
    return tuple(n for pair in classes for n in pair)
