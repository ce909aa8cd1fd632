"""The composition root: builds the application on real infrastructure from settings.

Only here do application and infrastructure meet; nothing is built at import time.
"""

from __future__ import annotations

from pathlib import Path

from application.app import AnnoLedger
from application.settings import Settings

PERSISTENCE = "infrastructure.persistence.factory:Factory"
TRANSCODER = "infrastructure.codec:LedgerTranscoder"
COMPRESSOR = "infrastructure.compression:Lz4Compressor"


def environment(settings: Settings) -> dict[str, str]:
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


def build_app(settings: Settings) -> AnnoLedger:
    from domain.media_policy import MediaPolicy
    from infrastructure.formats.adapter import Formats
    from infrastructure.media_access import MediaAccess, database_files
    from infrastructure.media_store import LocalMediaStore
    from infrastructure.persistence.audit_queries import AuditQueries
    from infrastructure.persistence.factory import LedgerRecorder
    from infrastructure.persistence.recorders import SqlViewStorage
    from infrastructure.snapshots import ManifestSnapshots
    from projections.audit_index import AuditIndex
    from projections.runner import ProjectionRunner
    from projections.workflow import Workflow
    from projections.workflow_graph import WorkflowView

    apply_bounds(settings)
    app = AnnoLedger(
        environment(settings),
        item_snapshot_every=settings.item_snapshot_every,
        snapshot_every=settings.snapshot_every,
        background_snapshots=settings.background_snapshots,
    )
    recorder = app.recorder
    assert isinstance(recorder, LedgerRecorder)
    app.project_snapshots = ManifestSnapshots(recorder.engine, recorder.tables, recorder)
    store = LocalMediaStore(settings.media_root)
    access = MediaAccess(MediaPolicy.of(settings.media_schemes), store,
                         roots=(*settings.media_roots, bundled_media()),
                         denied=database_files(settings.db_url))
    app.formats = Formats(access)
    app.media_access = access
    views = SqlViewStorage(recorder.engine, recorder)
    audit_index = AuditIndex(views, app.name)
    workflow_view = WorkflowView(views, app.name.lower())
    projections = ProjectionRunner(app, (audit_index, workflow_view))
    app.audit_index, app.projections = audit_index, projections
    app.workflow = Workflow(app, workflow_view, projections)
    app.history_store = app.proof_store = AuditQueries(recorder.engine, recorder.tables)
    app.media = store
    return app


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
