"""The composition root: builds the ledger on real infrastructure from settings.

Only here do the application, the infrastructure and the projections meet: each adapter
is built, then each service receives its collaborators in its constructor, in the order
they depend on each other. It sits with the interfaces, the outermost layer, so every
import it makes points inward. Nothing is built at import time.
"""

from __future__ import annotations

from pathlib import Path

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
from application.projects.projects import Projects
from application.sessions.sessions import Sessions
from application.settings import Settings
from application.transfer.exports import Exports
from application.transfer.imports import Imports
from application.versions.versions import Versions

PERSISTENCE = "infrastructure.persistence.factory:Factory"
TRANSCODER = "infrastructure.codec:LedgerTranscoder"
COMPRESSOR = "infrastructure.compression:Lz4Compressor"


def environment(settings: Settings) -> dict[str, str]:
    """The eventsourcing library's settings for the core's recorder, codec and cipher."""
    env = {
        "PERSISTENCE_MODULE": PERSISTENCE,
        "TRANSCODER_TOPIC": TRANSCODER,
        "COMPRESSOR_TOPIC": COMPRESSOR,
        "ANNOLEDGER_DB": settings.db_url,
        # Commands re-read only new events of a cached aggregate (one query, not two).
        # Small on purpose: projects and recently edited items are what repeats; a large
        # cache of items only makes the collector's full passes long (edit latency tail).
        "AGGREGATE_CACHE_MAXSIZE": "512",
    }
    if settings.cipher_key:
        env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key
    return env


def build_ledger(settings: Settings) -> Ledger:
    """Every adapter, then every service, wired by constructor."""
    from domain.media_policy import MediaPolicy
    from infrastructure.formats.adapter import Formats
    from infrastructure.media_access import MediaAccess, database_files
    from infrastructure.media_store import LocalMediaStore
    from infrastructure.persistence.audit_queries import AuditQueries
    from infrastructure.persistence.factory import LedgerRecorder
    from infrastructure.persistence.recorders import SqlViewStorage
    from infrastructure.snapshots import ManifestSnapshots
    from projections.audit_index import AuditIndex
    from projections.derived_checks import AuditIndexCheck, WorkflowCheck
    from projections.runner import ProjectionRunner
    from projections.workflow import Workflow
    from projections.workflow_graph import WorkflowView

    apply_bounds(settings)

    def snapshot_store(recorder: object) -> ManifestSnapshots:
        assert isinstance(recorder, LedgerRecorder)
        return ManifestSnapshots(recorder.engine, recorder.tables, recorder)

    core = LedgerCore(
        environment(settings),
        item_snapshot_every=settings.item_snapshot_every,
        snapshot_every=settings.snapshot_every,
        background_snapshots=settings.background_snapshots,
        snapshot_store=snapshot_store,
    )
    recorder = core.recorder
    assert isinstance(recorder, LedgerRecorder)

    media_store = LocalMediaStore(settings.media_root)
    access = MediaAccess(MediaPolicy.of(settings.media_schemes), media_store,
                         roots=(*settings.media_roots, bundled_media()),
                         denied=database_files(settings.db_url))
    formats = Formats(access)
    logs = AuditQueries(recorder.engine, recorder.tables)
    views = SqlViewStorage(recorder.engine, recorder)
    audit_index = AuditIndex(views, core.name)
    workflow_view = WorkflowView(views, core.name.lower())
    projections = ProjectionRunner(core, (audit_index, workflow_view))
    derived = (AuditIndexCheck(audit_index), WorkflowCheck(
        workflow_view, lambda scratch: WorkflowView(scratch, core.name.lower())))

    states = States(core)
    projects = Projects(core, states)
    items = Items(core)
    media = MediaFiles(core, states, media_store, access)
    recorded = RecordedOperations(core)
    versions = Versions(core, states, recorded)
    history = History(core, states, logs)
    return Ledger(
        core=core,
        states=states,
        projects=projects,
        items=items,
        annotations=Annotations(core, items, media),
        media=media,
        versions=versions,
        imports=Imports(core, formats, recorded),
        exports=Exports(versions, formats, recorded),
        sessions=Sessions(core, projects, versions),
        tokens=Tokens(core),
        audit=Audit(core, audit_index),
        history=history,
        replay=Replay(core, states, history, formats),
        proofs=Proofs(core, states, logs, derived),
        projections=projections,
        workflow=Workflow(projects, workflow_view, projections),
    )


def apply_bounds(settings: Settings) -> None:
    """Resource caps kept by the domain and the format readers as process-wide defaults."""
    from domain.geometry.png import set_max_pixels
    from infrastructure.formats.files import set_max_json_file

    set_max_pixels(settings.max_bitmap_pixels)
    set_max_json_file(settings.max_json_file_bytes)


def bundled_media() -> Path:
    """The sample images shipped with annoledger (the demo project's): always readable."""
    import infrastructure

    return Path(infrastructure.__file__).parent / "demo_data"


def close_storage() -> None:
    """Close the database engines this process opened (SQLite folds its WAL back)."""
    from infrastructure.persistence.factory import dispose_engines

    dispose_engines()
