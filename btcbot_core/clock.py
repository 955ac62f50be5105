"""Clock and id-source implementations that need no I/O (fakes for tests and backtests).

The wall clock and random run ids live in the adapters; the core only ever takes ``now``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from btcbot_core.errors import ValidationError


class ManualClock:
    """A clock that moves only when told: deterministic time for tests and backtests."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValidationError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, moment: datetime) -> None:
        if moment < self._now:
            raise ValidationError("ManualClock cannot go backwards")
        self._now = moment


class SequentialIds:
    """Run ids ``{prefix}{n}``: deterministic, for tests and backtests."""

    def __init__(self, prefix: str = "run") -> None:
        self._prefix = prefix
        self._n = 0

    def new_run_id(self) -> str:
        self._n += 1
        return f"{self._prefix}{self._n}"
