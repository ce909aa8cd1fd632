"""Compliance and debugging services: audit, history and blame, replay, proofs."""
