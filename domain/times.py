"""Points in time as users give them: ISO 8601 text, epoch seconds, or datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.errors import ValidationError


def parse_time(value: str | float | datetime | None, field: str = "time") -> float | None:
    """Epoch seconds from ISO 8601 (a date, or a date and time; ``Z`` or an offset, naive
    means UTC), epoch seconds (a number or its text) or a datetime (naive means UTC).

    None or empty text is None; anything else unreadable raises ValidationError naming
    ``field``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        return float(value)
    else:
        try:
            return float(value)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(field, f"'{value}' is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
