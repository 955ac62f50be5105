"""Server-time offset and stamps (reference §3.4)."""

from __future__ import annotations

from btcbot_adapters.btcturk.clock import ServerClock


def test_offset_uses_the_midpoint_and_stamps_strictly_increase() -> None:
    wall = [1_000_000]
    mono = [0.0]
    clock = ServerClock(lambda: wall[0], lambda: mono[0], resync_interval_s=300)
    assert clock.needs_sync()
    assert clock.update(server_ms=1_003_000, sent_ms=1_000_000, received_ms=1_000_100) == 2950
    assert clock.rtt_ms == 100 and not clock.needs_sync()
    stamps = [clock.stamp() for _ in range(3)]
    assert stamps == [1_002_950, 1_002_951, 1_002_952]
    mono[0] = 301
    assert clock.needs_sync()


def test_a_smaller_offset_takes_effect_immediately() -> None:
    wall = [5_000_000]
    clock = ServerClock(lambda: wall[0], lambda: 0.0)
    clock.update(5_020_000, 5_000_000, 5_000_000)
    assert clock.stamp() == 5_020_000
    clock.update(5_000_000, 5_000_000, 5_000_000)
    assert clock.stamp() == 5_000_000
    clock.invalidate()
    assert clock.needs_sync()
