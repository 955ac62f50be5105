"""Trading days and timezone resolution (used by the risk budget's daily loss)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from btcbot_core.errors import ConfigError, ValidationError
from btcbot_core.trading_day import day_anchor, day_start_utc, resolve_timezone, trading_day


@pytest.mark.parametrize("name", ["UTC", "utc", "Z", "GMT", "Etc/UTC", "+00:00", "UTC+0"])
def test_utc_spellings_need_no_timezone_database(name: str) -> None:
    assert resolve_timezone(name) is UTC


@pytest.mark.parametrize(
    ("name", "minutes"),
    [("+03:00", 180), ("+3", 180), ("UTC+03", 180), ("-0530", -330), ("GMT-2", -120)],
)
def test_fixed_offsets(name: str, minutes: int) -> None:
    tz = resolve_timezone(name)
    assert tz.utcoffset(None) == timedelta(minutes=minutes)
    assert isinstance(tz, timezone)


@pytest.mark.parametrize("name", ["", "  ", "+15:00", "+03:75", "Mars/Olympus_Mons", "../etc"])
def test_bad_timezones_name_the_value(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_timezone(name)
    assert repr(name) in str(info.value)


def test_unknown_zone_message_says_how_to_fix_it() -> None:
    with pytest.raises(ConfigError, match=r"tzdata.*\+03:00"):
        resolve_timezone("Europe/Atlantis")


@pytest.mark.skipif(
    importlib.util.find_spec("tzdata") is not None, reason="the tzdata package is installed"
)
def test_machine_without_a_timezone_database_gets_a_clear_error_and_offsets_still_work() -> None:
    code = (
        "from btcbot_core.trading_day import resolve_timezone\n"
        "from btcbot_core.errors import ConfigError\n"
        "print(resolve_timezone('+03:00').utcoffset(None))\n"
        "try:\n"
        "    resolve_timezone('Europe/Istanbul')\n"
        "except ConfigError as exc:\n"
        "    print('ERR', exc)\n"
    )
    env = {**os.environ, "PYTHONTZPATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.startswith("3:00:00")
    assert "ERR timezone 'Europe/Istanbul' is not known on this machine" in out
    assert "+03:00" in out


def test_istanbul_midnight_is_21_utc() -> None:
    tz = resolve_timezone("Europe/Istanbul")
    before = datetime(2026, 3, 10, 20, 59, 59, 999999, tzinfo=UTC)
    at = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
    assert trading_day(before, tz) == date(2026, 3, 10)
    assert trading_day(at, tz) == date(2026, 3, 11)
    assert day_anchor(at, tz) == "2026-03-11"
    assert day_start_utc(date(2026, 3, 11), tz) == at


def test_utc_midnight() -> None:
    assert day_anchor(datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC), UTC) == "2026-03-10"
    assert day_anchor(datetime(2026, 3, 11, 0, 0, tzinfo=UTC), UTC) == "2026-03-11"
    assert day_start_utc(date(2026, 3, 11), UTC) == datetime(2026, 3, 11, tzinfo=UTC)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        trading_day(datetime(2026, 3, 10, 12, 0), UTC)
