"""parse_time: the one reader of user-given times (audit, replay, the workflow graph)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.errors import ValidationError
from domain.times import parse_time

NOON = datetime(2024, 3, 5, 12, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("value", [
    "2024-03-05T12:00:00Z",
    "2024-03-05T12:00:00+00:00",
    "2024-03-05T14:00:00+02:00",
    "2024-03-05T12:00:00",  # naive: UTC
    " 2024-03-05 12:00 ",
    NOON,
    int(NOON),
    str(NOON),
    datetime(2024, 3, 5, 12, 0),  # naive: UTC
    datetime(2024, 3, 5, 7, 0, tzinfo=timezone(timedelta(hours=-5))),
])
def test_every_form_of_one_moment(value: str | float | datetime) -> None:
    assert parse_time(value) == NOON


def test_a_date_alone_is_its_midnight_utc() -> None:
    assert parse_time("2024-03-05") == NOON - 12 * 3600


@pytest.mark.parametrize("value", [None, ""])
def test_nothing_is_none(value: str | None) -> None:
    assert parse_time(value) is None


def test_a_bad_value_names_its_field() -> None:
    with pytest.raises(ValidationError) as info:
        parse_time("yesterday-ish", field="as_of")
    assert info.value.field == "as_of"
    assert "'yesterday-ish' is not an ISO 8601 time" in str(info.value)
