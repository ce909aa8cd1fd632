"""Data operations: derived projects (or in-place changes) recorded with their parameters."""
