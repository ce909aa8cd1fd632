"""Keeps the read models (audit index, workflow graph) caught up while the server runs.

Queries catch up on their own before answering; following in the background means
that after a large import or a restart the first audit or lineage query does not wait
for the whole backlog. Several workers may follow at once: each view applies an event
once, whoever gets there first.
"""

from __future__ import annotations

import logging
import threading

from application.app import AnnoLedger
from projections.workflow import workflow_for

log = logging.getLogger("annoledger.http")


class Followers(threading.Thread):
    def __init__(self, ledger: AnnoLedger, interval: float = 1.0) -> None:
        super().__init__(name="annoledger-followers", daemon=True)
        self.ledger, self.interval = ledger, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        workflow = workflow_for(self.ledger)
        while not self.stopping.is_set():
            for name, step in (("audit index", self.ledger.catch_up_audit),
                               ("workflow graph", workflow.refresh)):
                try:
                    step()
                except Exception:  # keep following; the next round retries
                    log.exception("following the log into the %s failed", name)
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
