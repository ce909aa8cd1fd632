"""Keeps the read models (audit index, workflow graph) caught up while the server runs.

Queries catch up on their own before answering; following in the background means
that after a large import or a restart the first audit or lineage query does not wait
for the whole backlog. The application's projection runner does both, in one thread
that follows the log into every registered view. Several server workers may follow at
once: each view applies an event once, whoever gets there first.
"""

from __future__ import annotations

from application.app import AnnoLedger
from application.audit_commands import ProjectionsPort


def projections_of(ledger: AnnoLedger) -> ProjectionsPort:
    """The runner the composition root built for ``ledger``'s read models."""
    if ledger.projections is None:
        raise RuntimeError("no projection runner is configured: build the application with "
                           "application.bootstrap.build_app")
    return ledger.projections
