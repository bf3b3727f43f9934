"""Date ranges of usage reports: `YYYY-MM-DD` days, inclusive, in the user's local time.

A day starts at local midnight, so it lasts 23 or 25 hours when the clocks change; its bounds
are computed by the time zone rules (`zoneinfo`, or the system's local time), never by adding
86,400 seconds. `tz=None` means the system's local time (naive datetimes, which Python converts
with the C library's rules, DST included). Tests pass a `ZoneInfo` and a clock.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.storage import Period

DEFAULT_DAYS = 30
MAX_DAYS = 366  # a year, leap years included

# What a report may be grouped by: kept in this light module (not `stats`, which needs pydantic)
# so the command line offers them without slowing `--help`.
GROUP_BY = ("model", "day", "provider", "tool")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def day_start(day: date, tz: tzinfo | None = None) -> float:
    """Epoch seconds of local midnight starting `day` (in `tz`, or the system's local time).

    Where midnight does not exist (a DST jump at 00:00), the day starts when the clocks jump.
    """
    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


def local_date(epoch: float, tz: tzinfo | None = None) -> date:
    """The local day holding the instant `epoch`."""
    return datetime.fromtimestamp(epoch, tz).date()


def zone_name(tz: tzinfo | None, epoch: float) -> str:
    """A short name of the zone for reports: its key (Europe/Berlin) or abbreviation (CET)."""
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    moment = datetime.fromtimestamp(epoch, tz)
    return (moment if tz is not None else moment.astimezone()).tzname() or "local time"


@dataclass(frozen=True)
class DateRange:
    """Local days `start` to `end`, both included; `since`/`until` bound them in epoch seconds."""

    start: date
    end: date
    tz: tzinfo | None = None

    @property
    def since(self) -> float:
        return day_start(self.start, self.tz)

    @property
    def until(self) -> float:
        return day_start(self.end + timedelta(days=1), self.tz)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def whole(self) -> Period:
        return Period(f"{self.start.isoformat()}..{self.end.isoformat()}", self.since, self.until)

    def each_day(self) -> list[Period]:
        """One period per local day, labelled `YYYY-MM-DD`, each from its midnight to the next."""
        starts = [self.start + timedelta(days=offset) for offset in range(self.days + 1)]
        bounds = [day_start(day, self.tz) for day in starts]
        return [Period(starts[i].isoformat(), bounds[i], bounds[i + 1]) for i in range(self.days)]


def parse_day(value: object, name: str) -> date:
    """`value` as a date written `YYYY-MM-DD`; anything else is refused, saying what to write."""
    example = "use YYYY-MM-DD, e.g. 2026-12-04"
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        raise InvalidArgumentError(f"{name} must be a date written YYYY-MM-DD (e.g. 2026-12-04); got {value!r}.")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidArgumentError(f"{name} {value!r} is not a real date ({exc}); {example}.") from None


def date_range(
    start_date: object = None,
    end_date: object = None,
    *,
    clock: Callable[[], float] = time.time,
    tz: tzinfo | None = None,
    start_name: str = "start_date",
    end_name: str = "end_date",
) -> DateRange:
    """The inclusive local days from `start_date` to `end_date`.

    Without `end_date`, up to today; without `start_date`, the `DEFAULT_DAYS` days ending on
    `end_date`. An end before the start, or more than `MAX_DAYS` days, is refused. The names
    are those the caller knows the arguments by (`--from` for the command line).
    """
    today = local_date(clock(), tz)
    end = today if end_date is None else parse_day(end_date, end_name)
    start = end - timedelta(days=DEFAULT_DAYS - 1) if start_date is None else parse_day(start_date, start_name)
    if end < start:
        shown_end = end.isoformat() + (" (today)" if end_date is None else "")
        raise InvalidArgumentError(
            f"{end_name} {shown_end} is before {start_name} {start.isoformat()}; give an end on or after the start."
        )
    span = (end - start).days + 1
    if span > MAX_DAYS:
        raise InvalidArgumentError(
            f"{start_name} {start.isoformat()} to {end_name} {end.isoformat()} is {span} days; a report covers at most "
            f"{MAX_DAYS} days (a year): ask for a shorter range, or one year at a time."
        )
    return DateRange(start, end, tz)
