"""The one clock every recorded time is read from."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    """ISO 8601 with milliseconds and Z, as Supervisely writes times."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
