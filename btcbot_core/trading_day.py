"""Trading days: which calendar day a UTC instant belongs to in the configured timezone.

The daily realized-loss budget resets at local midnight of ``timezone`` (default
``Europe/Istanbul``, UTC+3 all year since 2016, so the day rolls over at 21:00 UTC).

A timezone is written as one of:

* ``UTC`` (or ``Z``) — needs no timezone database;
* a fixed offset ``+03:00``, ``-0530``, ``UTC+3`` — needs no timezone database;
* an IANA name such as ``Europe/Istanbul`` — resolved with the standard library's
  :mod:`zoneinfo`, which needs the system timezone database or the ``tzdata`` package.

When an IANA name cannot be resolved (a slim container without tzdata) :func:`resolve_timezone`
raises :class:`~btcbot_core.errors.ConfigError` naming the timezone and the two ways out
(install tzdata, or configure a fixed offset such as ``+03:00``); it never silently falls back
to UTC, because a day boundary three hours off would reset a loss budget at the wrong time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from btcbot_core.errors import ConfigError, ValidationError

DEFAULT_TIMEZONE: Final = "Europe/Istanbul"
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$")
_MAX_OFFSET_MINUTES: Final = 14 * 60


@lru_cache(maxsize=32)
def resolve_timezone(name: str) -> tzinfo:
    """The ``tzinfo`` for ``name`` (see the module docstring for the accepted spellings).

    Raises :class:`ConfigError` naming the value and what is allowed when it is malformed,
    out of range (offsets must be within ±14:00) or an IANA name the machine does not know.
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(
            f"timezone {name!r} is empty; use an IANA name (Europe/Istanbul), UTC or +03:00"
        )
    text = name.strip()
    if text.upper() in {"UTC", "Z", "GMT", "ETC/UTC"}:
        return UTC
    match = _OFFSET.match(text.upper())
    if match is not None:
        sign, hours, minutes = match.groups()
        total = int(hours) * 60 + int(minutes or 0)
        if int(minutes or 0) >= 60 or total > _MAX_OFFSET_MINUTES:
            raise ConfigError(f"timezone offset {name!r} must be within -14:00..+14:00")
        delta = timedelta(minutes=total if sign == "+" else -total)
        return UTC if total == 0 else timezone(delta, text)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"timezone {name!r} is not known on this machine ({exc.__class__.__name__}); "
            "install the system timezone database or the 'tzdata' package, or configure a "
            "fixed UTC offset such as +03:00 (Europe/Istanbul) or UTC"
        ) from None


def _aware(now: datetime) -> datetime:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError(f"now {now!r} must be a timezone-aware datetime")
    return now


def trading_day(now: datetime, tz: tzinfo) -> date:
    """The calendar day ``now`` (timezone-aware) falls on in ``tz``."""
    return _aware(now).astimezone(tz).date()


def day_anchor(now: datetime, tz: tzinfo) -> str:
    """The ISO date (``YYYY-MM-DD``) of :func:`trading_day`, as kept in ``RiskState``."""
    return trading_day(now, tz).isoformat()


def day_start_utc(day: date, tz: tzinfo) -> datetime:
    """The UTC instant local midnight of ``day`` begins in ``tz``."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


__all__ = [
    "DEFAULT_TIMEZONE",
    "day_anchor",
    "day_start_utc",
    "resolve_timezone",
    "trading_day",
]
