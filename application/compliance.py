"""Compliance and debugging queries in one mixin: audit, history and blame, replay and
geometry-aware compare, provable history. The bootstrap plugs in what they read from
(``audit_index``, ``history_store``, ``proof_store``).
"""

from __future__ import annotations

from application.audit_commands import AuditCommands
from application.proof_commands import ProofCommands
from application.replay_queries import ReplayQueries


class ComplianceQueries(AuditCommands, ReplayQueries, ProofCommands):
    """Audit queries, history and blame (via ReplayQueries), replay tools, proofs."""
