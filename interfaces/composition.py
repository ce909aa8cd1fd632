"""The composition root: builds the ledger on real infrastructure from settings.

Only here do the application, the infrastructure and the projections meet: each adapter
and each service is built with its collaborators in its constructor. It sits with the
interfaces, the outermost layer, so every import it makes points inward. Nothing is
built at import time, and nothing before it is asked for: a command that records a
version never imports the format readers, the audit index or the workflow graph.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from application.access.tokens import Tokens
    from application.compliance.audit import Audit
    from application.compliance.history import History
    from application.compliance.proofs import Proofs
    from application.compliance.replay import Replay
    from application.core.ledger_core import LedgerCore
    from application.core.recorded import RecordedOperations
    from application.core.states import States
    from application.items.annotations import Annotations
    from application.items.items import Items
    from application.ledger import Ledger
    from application.media.media_files import MediaFiles
    from application.operations.operations import Operations
    from application.ports import DerivedRows
    from application.projects.projects import Projects
    from application.sessions.sessions import Sessions
    from application.settings import Settings
    from application.transfer.exports import Exports
    from application.transfer.imports import Imports
    from application.versions.manifests import Manifests
    from application.versions.versions import Versions
    from infrastructure.formats.adapter import Formats
    from infrastructure.media_access import MediaAccess
    from infrastructure.media_store import LocalMediaStore
    from infrastructure.persistence.audit_queries import AuditQueries
    from infrastructure.persistence.factory import LedgerRecorder
    from infrastructure.persistence.recorders import SqlViewStorage
    from projections.audit_index import AuditIndex
    from projections.runner import ProjectionRunner
    from projections.workflow import Workflow
    from projections.workflow_graph import WorkflowView

PERSISTENCE = "infrastructure.persistence.factory:Factory"
TRANSCODER = "infrastructure.codec:LedgerTranscoder"
COMPRESSOR = "infrastructure.compression:StateCompressor"
STORAGE_MODULE = PERSISTENCE.partition(":")[0]

T = TypeVar("T")


def environment(settings: Settings) -> dict[str, str]:
    """The eventsourcing library's settings for the core's recorder, codec and cipher."""
    env = {
        "PERSISTENCE_MODULE": PERSISTENCE,
        "TRANSCODER_TOPIC": TRANSCODER,
        "COMPRESSOR_TOPIC": COMPRESSOR,
        "ANNOLEDGER_DB": settings.db_url,
        # Commands re-read only new events of a cached aggregate (one query, not two).
        # It holds projects and system aggregates: items are never cached
        # (LedgerCore.get_item says why).
        "AGGREGATE_CACHE_MAXSIZE": "512",
    }
    if settings.cipher_key:
        env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key
    return env


def build_ledger(settings: Settings) -> Ledger:
    """The ledger for ``settings``; each part is built when first asked for."""
    from domain.geometry.png import set_max_pixels

    set_max_pixels(settings.max_bitmap_pixels)
    return ComposedLedger(settings)


class part(Generic[T]):
    """A part of the ledger, built by the decorated method on first access, then kept.

    Building holds the ledger's lock (re-entrant, since a part builds the parts it
    needs), so threads of the server asking at once get one and the same object.
    """

    def __init__(self, build: Callable[[Any], T]) -> None:
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, ledger: None, owner: type) -> part[T]: ...
    @overload
    def __get__(self, ledger: ComposedLedger, owner: type | None = None) -> T: ...

    def __get__(self, ledger: ComposedLedger | None, owner: type | None = None) -> T | part[T]:
        if ledger is None:
            return self
        built: dict[str, Any] = ledger.__dict__
        if self.name not in built:
            with ledger.lock:
                if self.name not in built:
                    built[self.name] = self.build(ledger)
        value: T = built[self.name]
        return value


class ComposedLedger:
    """:class:`application.Ledger` on annoledger's infrastructure and read models.

    A command pays for the parts it calls: ``versions create`` opens the core and builds
    states, projects and versions; ``--help`` builds nothing.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.RLock()

    # -- adapters ------------------------------------------------------------------------

    @part
    def core(self) -> LedgerCore:
        """The eventsourcing Application: opens the database (tables made if missing)."""
        from application.core.ledger_core import LedgerCore
        from infrastructure.persistence.factory import LedgerRecorder
        from infrastructure.snapshots import ManifestSnapshots

        def snapshot_store(recorder: object) -> ManifestSnapshots:
            assert isinstance(recorder, LedgerRecorder)
            return ManifestSnapshots(recorder.engine, recorder.tables, recorder)

        s = self.settings
        return LedgerCore(environment(s), item_snapshot_every=s.item_snapshot_every,
                          snapshot_every=s.snapshot_every,
                          background_snapshots=s.background_snapshots,
                          snapshot_store=snapshot_store)

    @part
    def recorder(self) -> LedgerRecorder:
        from infrastructure.persistence.factory import LedgerRecorder

        recorder = self.core.recorder
        assert isinstance(recorder, LedgerRecorder)
        return recorder

    @part
    def media_store(self) -> LocalMediaStore:
        from infrastructure.media_store import LocalMediaStore

        return LocalMediaStore(self.settings.media_root)

    @part
    def access(self) -> MediaAccess:
        from domain.media_policy import MediaPolicy
        from infrastructure.media_access import MediaAccess, database_files

        s = self.settings
        return MediaAccess(MediaPolicy.of(s.media_schemes), self.media_store,
                           roots=(*s.media_roots, bundled_media()),
                           denied=database_files(s.db_url))

    @part
    def formats(self) -> Formats:
        """The file formats, reading JSON files no larger than the settings allow."""
        from infrastructure.formats.adapter import Formats
        from infrastructure.formats.files import set_max_json_file

        set_max_json_file(self.settings.max_json_file_bytes)
        return Formats(self.access)

    @part
    def logs(self) -> AuditQueries:
        from infrastructure.persistence.audit_queries import AuditQueries

        return AuditQueries(self.recorder.engine, self.recorder.tables)

    @part
    def views(self) -> SqlViewStorage:
        from infrastructure.persistence.recorders import SqlViewStorage

        return SqlViewStorage(self.recorder.engine, self.recorder)

    @part
    def audit_index(self) -> AuditIndex:
        from projections.audit_index import AuditIndex

        return AuditIndex(self.views, self.core.name)

    @part
    def workflow_view(self) -> WorkflowView:
        from projections.workflow_graph import WorkflowView

        return WorkflowView(self.views, self.core.name.lower())

    @part
    def derived(self) -> tuple[DerivedRows, ...]:
        """The read models ``verify`` recomputes from the log and compares."""
        from projections.derived_checks import AuditIndexCheck, WorkflowCheck
        from projections.workflow_graph import WorkflowView

        prefix = self.core.name.lower()
        return (AuditIndexCheck(self.audit_index), WorkflowCheck(
            self.workflow_view, lambda scratch: WorkflowView(scratch, prefix)))

    @part
    def recorded(self) -> RecordedOperations:
        from application.core.recorded import RecordedOperations

        return RecordedOperations(self.core)

    # -- services (application.Ledger) ---------------------------------------------------

    @part
    def states(self) -> States:
        from application.core.states import States

        return States(self.core)

    @part
    def projects(self) -> Projects:
        from application.projects.projects import Projects

        return Projects(self.core, self.states)

    @part
    def items(self) -> Items:
        from application.items.items import Items

        return Items(self.core)

    @part
    def annotations(self) -> Annotations:
        from application.items.annotations import Annotations

        return Annotations(self.core, self.items, self.media)

    @part
    def media(self) -> MediaFiles:
        from application.media.media_files import MediaFiles

        return MediaFiles(self.core, self.states, self.media_store, self.access)

    @part
    def manifests(self) -> Manifests:
        """Version manifests, stored as content-addressed chunks beside the log."""
        from application.versions.manifests import Manifests
        from infrastructure.persistence.manifest_store import SqlManifestStore

        return Manifests(self.core, self.states,
                         SqlManifestStore(self.recorder.engine, self.recorder.tables))

    @part
    def versions(self) -> Versions:
        from application.versions.versions import Versions

        return Versions(self.core, self.states, self.recorded, self.manifests)

    @part
    def imports(self) -> Imports:
        from application.transfer.imports import Imports

        return Imports(self.core, self.formats, self.recorded)

    @part
    def exports(self) -> Exports:
        from application.transfer.exports import Exports

        return Exports(self.versions, self.states, self.formats, self.recorded)

    @part
    def operations(self) -> Operations:
        from application.operations.media import StoredMedia
        from application.operations.operations import Operations
        from infrastructure.imaging.adapter import PillowImaging

        return Operations(self.states, self.versions, self.recorded, StoredMedia(self.media),
                          PillowImaging(), self.exports)

    @part
    def sessions(self) -> Sessions:
        from application.sessions.sessions import Sessions

        return Sessions(self.core, self.projects, self.versions)

    @part
    def tokens(self) -> Tokens:
        from application.access.tokens import Tokens

        return Tokens(self.core)

    @part
    def audit(self) -> Audit:
        from application.compliance.audit import Audit

        return Audit(self.core, self.audit_index)

    @part
    def history(self) -> History:
        from application.compliance.history import History

        return History(self.core, self.states, self.logs)

    @part
    def replay(self) -> Replay:
        from application.compliance.replay import Replay

        return Replay(self.core, self.states, self.history, self.formats)

    @part
    def proofs(self) -> Proofs:
        from application.compliance.proofs import Proofs

        return Proofs(self.core, self.states, self.logs, self.derived)

    @part
    def projections(self) -> ProjectionRunner:
        from projections.runner import ProjectionRunner

        return ProjectionRunner(self.core, (self.audit_index, self.workflow_view))

    @part
    def workflow(self) -> Workflow:
        from projections.workflow import Workflow

        return Workflow(self.projects, self.workflow_view, self.projections)


def bundled_media() -> Path:
    """The sample images shipped with annoledger (the demo project's): always readable."""
    import infrastructure

    return Path(infrastructure.__file__).parent / "demo_data"


def close_storage() -> None:
    """Close the database engines this process opened (SQLite folds its WAL back).

    A process that never opened storage (``--help``, a usage error) has nothing to close,
    and does not import the database libraries to find that out.
    """
    if STORAGE_MODULE in sys.modules:
        from infrastructure.persistence.factory import dispose_engines

        dispose_engines()
