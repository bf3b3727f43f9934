"""Report dates: `YYYY-MM-DD` local days, inclusive, with an injected clock and time zone."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.usage.dates import DateRange, date_range, day_start, local_date, zone_name

from .local_time import local_time_zone

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# 2026-12-04 23:30 UTC: already Saturday 5 December in Berlin, still Friday 4 in New York.
LATE_FRIDAY_UTC = datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo("UTC")).timestamp()


def clock() -> float:
    return LATE_FRIDAY_UTC


def test_by_default_a_report_covers_the_last_30_local_days_including_today() -> None:
    berlin = date_range(clock=clock, tz=BERLIN)
    assert (berlin.start, berlin.end, berlin.days) == (date(2026, 11, 6), date(2026, 12, 5), 30)
    new_york = date_range(clock=clock, tz=NEW_YORK)
    assert (new_york.start, new_york.end) == (date(2026, 11, 5), date(2026, 12, 4))
    assert new_york.until == datetime(2026, 12, 5, tzinfo=NEW_YORK).timestamp() > LATE_FRIDAY_UTC


def test_a_start_alone_runs_to_today_and_an_end_alone_reaches_back_30_days() -> None:
    assert date_range("2026-12-01", clock=clock, tz=BERLIN) == DateRange(date(2026, 12, 1), date(2026, 12, 5), BERLIN)
    assert date_range(None, "2026-01-31", clock=clock, tz=BERLIN) == DateRange(
        date(2026, 1, 2), date(2026, 1, 31), BERLIN
    )


def test_both_ends_are_included_and_a_single_day_is_one_whole_local_day() -> None:
    day = date_range("2026-06-15", "2026-06-15", clock=clock, tz=BERLIN)
    assert day.days == 1
    assert (day.since, day.until) == (
        datetime(2026, 6, 15, tzinfo=BERLIN).timestamp(),
        datetime(2026, 6, 16, tzinfo=BERLIN).timestamp(),
    )
    assert day.until - day.since == 86_400


@pytest.mark.parametrize(
    "written", ["2026/12/04", "04-12-2026", "2026-12-4", "2026-12-04T10:00", "yesterday", "", 20261204]
)
def test_a_date_not_written_yyyy_mm_dd_is_refused_saying_how_to_write_it(written: object) -> None:
    with pytest.raises(InvalidArgumentError, match="start_date must be a date written YYYY-MM-DD") as refused:
        date_range(written, clock=clock, tz=BERLIN)
    assert repr(written) in str(refused.value)


def test_a_date_that_does_not_exist_is_refused_with_the_reason() -> None:
    with pytest.raises(InvalidArgumentError, match=r"end_date '2026-02-30' is not a real date \(day is out of range"):
        date_range("2026-02-01", "2026-02-30", clock=clock, tz=BERLIN)


def test_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="end_date 2026-11-30 is before start_date 2026-12-01"):
        date_range("2026-12-01", "2026-11-30", clock=clock, tz=BERLIN)
    with pytest.raises(InvalidArgumentError, match=r"end_date 2026-12-05 \(today\) is before start_date 2027-01-01"):
        date_range("2027-01-01", clock=clock, tz=BERLIN)


def test_a_range_over_a_year_is_refused_and_a_whole_leap_year_is_not() -> None:
    with pytest.raises(InvalidArgumentError, match="is 367 days; a report covers at most 366 days"):
        date_range("2025-01-01", "2026-01-02", clock=clock, tz=BERLIN)
    assert date_range("2024-01-01", "2024-12-31", clock=clock, tz=BERLIN).days == 366


def test_the_names_in_messages_are_the_callers_own() -> None:
    with pytest.raises(InvalidArgumentError, match="--to 2026-11-30 is before --from 2026-12-01"):
        date_range("2026-12-01", "2026-11-30", clock=clock, tz=BERLIN, start_name="--from", end_name="--to")


def test_days_around_the_clock_changes_last_23_and_25_hours_and_follow_each_other() -> None:
    spring = DateRange(date(2026, 3, 7), date(2026, 3, 9), NEW_YORK).each_day()
    autumn = DateRange(date(2026, 10, 24), date(2026, 10, 26), BERLIN).each_day()
    assert [(p.label, (p.until - p.since) / 3600) for p in spring] == [
        ("2026-03-07", 24),
        ("2026-03-08", 23),
        ("2026-03-09", 24),
    ]
    assert [(p.until - p.since) / 3600 for p in autumn] == [24, 25, 24]
    assert all(a.until == b.since for a, b in itertools.pairwise(spring))
    assert spring[0].since == DateRange(date(2026, 3, 7), date(2026, 3, 9), NEW_YORK).since
    assert spring[-1].until == DateRange(date(2026, 3, 7), date(2026, 3, 9), NEW_YORK).until


def test_a_day_whose_midnight_does_not_exist_starts_when_the_clocks_jump() -> None:
    santiago = ZoneInfo("America/Santiago")  # 2026-09-06: 00:00 does not happen, the clocks go to 01:00
    start = day_start(date(2026, 9, 6), santiago)
    assert datetime.fromtimestamp(start, santiago).hour == 1
    assert datetime.fromtimestamp(start - 1, santiago).date() == date(2026, 9, 5)


def test_the_local_date_of_an_instant_depends_on_the_zone() -> None:
    assert local_date(LATE_FRIDAY_UTC, BERLIN) == date(2026, 12, 5)
    assert local_date(LATE_FRIDAY_UTC, NEW_YORK) == date(2026, 12, 4)
    assert zone_name(BERLIN, LATE_FRIDAY_UTC) == "Europe/Berlin"


@pytest.fixture
def new_york_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with local_time_zone(monkeypatch, "America/New_York"):
        yield


@pytest.mark.usefixtures("new_york_local_time")
def test_without_a_zone_the_days_are_the_systems_local_days_dst_included() -> None:
    local = DateRange(date(2026, 3, 7), date(2026, 3, 9)).each_day()
    zoned = DateRange(date(2026, 3, 7), date(2026, 3, 9), NEW_YORK).each_day()
    assert local == zoned
    assert date_range(clock=clock).end == date(2026, 12, 4)
    assert zone_name(None, LATE_FRIDAY_UTC) == "EST"
    assert date_range(clock=clock).start == date(2026, 12, 4) - timedelta(days=29)
