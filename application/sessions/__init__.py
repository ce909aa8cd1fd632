"""App sessions: recorded operations, the session service and OpenLineage ingestion."""
