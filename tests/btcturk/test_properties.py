"""Properties: the fill cursor delivers every fill exactly once whatever the page boundaries
(same-millisecond fills included); token buckets keep every window within budget whatever
the request timing."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btcbot_adapters.btcturk.convert import dt_to_ms
from btcbot_adapters.btcturk.fills import FillCursor
from btcbot_adapters.btcturk.ratelimit import Limit, RateLimiter
from btcbot_core.orders import Fill, Side
from btcbot_core.pair import Pair

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _fill(index: int, ms: int) -> Fill:
    return Fill(
        str(1000 + index),
        "1",
        "c",
        Pair("BTC", "TRY"),
        Side.BUY,
        Decimal(1),
        Decimal(1),
        Decimal(0),
        "TRY",
        T0 + timedelta(milliseconds=ms),
    )


@pytest.mark.property
@settings(max_examples=150)
@given(
    gaps=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=8),
)
def test_cursor_delivers_each_fill_once(gaps: list[int], cuts: list[int]) -> None:
    times, now = [], 0
    for gap in gaps:
        now += gap
        times.append(now)
    fills = [_fill(i, t) for i, t in enumerate(times)]
    # The exchange becomes aware of fills in time order; a poll sees a prefix, filtered by
    # startDate (inclusive), exactly like the adapter's query.
    seen: list[str] = []
    cursor: FillCursor | None = None
    for visible in [*sorted(c % (len(fills) + 1) for c in cuts), len(fills)]:
        answer = [
            f for f in fills[:visible] if cursor is None or dt_to_ms(f.timestamp) >= cursor.at_ms
        ]
        fresh = [f for f in answer if cursor is None or cursor.is_new(f)]
        seen += [f.fill_id for f in fresh]
        cursor = FillCursor.after(cursor, fresh)
        assert FillCursor.parse(cursor.dump() if cursor else None) == cursor
    assert sorted(seen) == sorted(f.fill_id for f in fills)
    assert len(seen) == len(set(seen))


@pytest.mark.property
@settings(max_examples=100)
@given(
    count=st.integers(min_value=1, max_value=50),
    period=st.sampled_from([1.0, 10.0, 60.0]),
    pauses=st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), min_size=1, max_size=120),
)
def test_any_timing_stays_within_budget(count: int, period: float, pauses: list[float]) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(
        lambda: now[0], sleep, buckets={"b": Limit(count, period)}, endpoints={"k": ["b"]}
    )
    stamps = []
    for pause in pauses:
        now[0] += pause
        limiter.acquire("k")
        stamps.append(now[0])
    window: deque[float] = deque()
    budget = max(1, int(count * 0.9))
    for t in stamps:
        window.append(t)
        while window and window[0] <= t - period:
            window.popleft()
        assert len(window) <= budget
