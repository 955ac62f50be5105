"""Rate limiting on fake time: budgets hold in every window, 429 storms honour Retry-After
and traffic stays within budget afterwards; backoff is capped, jittered and seeded."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

import pytest

from btcbot_adapters.btcturk.ratelimit import BUCKETS, Backoff, Limit, RateLimiter
from btcbot_adapters.sandbox.faults import FaultKind
from btcbot_adapters.sandbox.server import SandboxConfig, SandboxServer
from btcbot_core.errors import RateLimitedError
from btcbot_core.orders import OrderRequest, OrderType, Side
from tests.btcturk.conftest import BTCTRY, FakeTime, make_adapter


def _max_in_window(times: list[float], period: float) -> int:
    window: deque[float] = deque()
    best = 0
    for t in times:
        window.append(t)
        while window and window[0] <= t - period:
            window.popleft()
        best = max(best, len(window))
    return best


@pytest.mark.parametrize(
    "key",
    [
        "POST /api/v1/order",
        "GET /api/v2/orderbook",
        "GET graph /v1/ohlcs",
        "GET /api/v2/server/exchangeinfo",
    ],
)
def test_every_window_stays_within_headroom(key: str) -> None:
    fake = FakeTime()
    limiter = RateLimiter(fake.monotonic, fake.sleep)
    times = []
    for _ in range(700):
        limiter.acquire(key)
        times.append(fake.now)
    names = {
        "POST /api/v1/order": ["order_post_s", "order_post_m"],
        "GET /api/v2/orderbook": ["orderbook"],
        "GET graph /v1/ohlcs": ["ohlcs", "graph_all"],
        "GET /api/v2/server/exchangeinfo": ["exchangeinfo"],
    }[key]
    for name in names:
        limit = BUCKETS[name]
        assert _max_in_window(times, limit.period_s) <= int(limit.count * 0.9), name


def test_penalty_blocks_then_restarts_slowly() -> None:
    fake = FakeTime()
    limiter = RateLimiter(
        fake.monotonic, fake.sleep, buckets={"b": Limit(100, 10)}, endpoints={"k": ["b"]}
    )
    limiter.acquire("k")
    limiter.penalize("k", 7)
    start = fake.now
    limiter.acquire("k")
    assert fake.now - start >= 7


def test_backoff_is_capped_jittered_and_seeded() -> None:
    first, second = Backoff(0.25, 4.0, seed=3), Backoff(0.25, 4.0, seed=3)
    a = [first.delay_s(i) for i in range(10)]
    b = [second.delay_s(i) for i in range(10)]
    assert a == b
    assert all(0.125 <= d <= 0.25 for d in a[:1]) and max(a) <= 4.0 and min(a[5:]) >= 2.0
    assert len(set(a)) == len(a)


def test_429_storm_honours_retry_after_then_stays_in_budget(sandbox: SandboxServer) -> None:
    fake = FakeTime()
    adapter = make_adapter(sandbox, fake, max_attempts=6)
    stamps: list[float] = []
    adapter.client._session.hooks["response"].append(lambda r, *a, **k: stamps.append(fake.now))
    sandbox.faults.add(
        FaultKind.RATE_LIMIT, count=3, match="GET /api/v1/users/balances", retry_after=5
    )
    before = fake.now
    assert adapter.balances()["TRY"].free > 0
    assert fake.now - before >= 15  # three Retry-After: 5 waits, on fake time
    assert [s for s in fake.sleeps if s >= 4.9][:3] == [pytest.approx(5, abs=0.1)] * 3
    stamps.clear()
    for _ in range(300):
        adapter.balances()
    assert _max_in_window(stamps, 60) <= 108  # 120/min less 10 % headroom
    assert sandbox.app.requests["GET /api/v1/users/balances"] >= 304


def test_writes_are_not_retried_on_429(sandbox: SandboxServer) -> None:
    adapter = make_adapter(sandbox)
    sandbox.faults.add(FaultKind.RATE_LIMIT, count=1, match="POST /api/v1/order", retry_after=3)
    with pytest.raises(RateLimitedError) as info:
        adapter.submit(
            OrderRequest(
                "rl", BTCTRY, Side.BUY, Decimal("0.001"), Decimal(2_900_000), OrderType.LIMIT
            )
        )
    assert info.value.retry_after == 3 and info.value.retryable
    assert sandbox.app.requests["POST /api/v1/order"] == 1
    assert sandbox.backend.orders_with_client_id("rl") == []


def test_real_server_limits_answer_429_and_the_client_backs_off() -> None:
    with SandboxServer(SandboxConfig(rate_limit_scale=1 / 180)) as server:  # orderbook: 1/min
        fake = FakeTime()
        adapter = make_adapter(server, fake, max_attempts=2, max_retry_after_s=30)
        adapter.quotes([BTCTRY])
        with pytest.raises(RateLimitedError) as info:
            adapter.quotes([BTCTRY])
        assert info.value.retry_after is not None and info.value.retry_after > 30
        assert server.app.requests["GET /api/v2/orderbook"] == 2  # Retry-After > cap: no retry
