"""Client-side rate limiting (reference §8) and capped, jittered backoff.

Each endpoint draws from one or more named token buckets (``"POST /api/v1/order"`` has a
10-per-second and a 300-per-minute budget; every graph-API call also draws from the shared
600-per-10-minutes budget). BTCTurk counts fixed windows, so a bucket is sized to stay
inside ``headroom × limit`` in *any* window: capacity ``c`` plus refill ``r × period`` never
exceeds that budget. A 429 blocks the endpoint for its ``Retry-After`` seconds and empties
its buckets, so traffic restarts slowly after the block.

Time is injected: ``clock()`` returns monotonic seconds and ``sleep(seconds)`` waits, so
tests run on a fake clock without really sleeping.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Final

import attrs

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@attrs.frozen
class Limit:
    """At most ``count`` requests per ``period_s`` seconds (a fixed window on the server)."""

    count: int
    period_s: float


#: The documented budgets (reference §8). Undocumented endpoints get 60/min (≤ 1/s).
BUCKETS: Final[Mapping[str, Limit]] = {
    "balances": Limit(120, 60),
    "order_post_s": Limit(10, 1),
    "order_post_m": Limit(300, 60),
    "order_delete_s": Limit(10, 1),
    "order_delete_m": Limit(300, 60),
    "order_get_s": Limit(30, 1),
    "order_get_m": Limit(900, 60),
    "open_orders": Limit(300, 60),
    "all_orders": Limit(300, 60),
    "user_trades": Limit(120, 60),
    "ticker": Limit(600, 60),
    "orderbook": Limit(180, 60),
    "ohlcs": Limit(120, 60),
    "graph_all": Limit(600, 600),
    "exchangeinfo": Limit(60, 60),
    "trades": Limit(60, 60),
    "server_time": Limit(60, 60),
}

#: Endpoint key (as used by the client) → bucket names it draws from.
ENDPOINT_BUCKETS: Final[Mapping[str, tuple[str, ...]]] = {
    "GET /api/v1/users/balances": ("balances",),
    "POST /api/v1/order": ("order_post_s", "order_post_m"),
    "DELETE /api/v1/order": ("order_delete_s", "order_delete_m"),
    "GET /api/v1/order/{id}": ("order_get_s", "order_get_m"),
    "GET /api/v1/openOrders": ("open_orders",),
    "GET /api/v1/allOrders": ("all_orders",),
    "GET /api/v1/users/transactions/trade": ("user_trades",),
    "GET /api/v2/ticker": ("ticker",),
    "GET /api/v2/orderbook": ("orderbook",),
    "GET graph /v1/ohlcs": ("ohlcs", "graph_all"),
    "GET graph /v1/klines/history": ("graph_all",),
    "GET /api/v2/server/exchangeinfo": ("exchangeinfo",),
    "GET /api/v2/trades": ("trades",),
    "GET /api/v2/server/time": ("server_time",),
}


class TokenBucket:
    """Tokens refill continuously; sized so any fixed window stays within the budget."""

    def __init__(self, limit: Limit, now: float, headroom: float = 0.9) -> None:
        budget = max(1, math.floor(limit.count * headroom))
        self.capacity = max(1, math.floor(budget * 0.25))
        refill = budget - self.capacity
        self.rate = (refill if refill > 0 else budget) / limit.period_s  # tokens per second
        self.tokens = float(self.capacity)
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait_s(self, now: float) -> float:
        """Seconds until one token is available (0 when available now)."""
        self._refill(now)
        if self.tokens >= 1:
            return 0.0
        # plus 1 µs: float sums can land a hair short of a whole token (or of the window
        # end), and waiting "0" would spin on a clock that does not move
        return (1 - self.tokens) / self.rate + 1e-6

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1

    def drain(self, now: float) -> None:
        self._refill(now)
        self.tokens = min(self.tokens, 0.0)


class RateLimiter:
    """Per-endpoint budgets; :meth:`acquire` waits (via the injected sleep) until allowed."""

    def __init__(
        self,
        clock: Clock,
        sleep: Sleep,
        *,
        headroom: float = 0.9,
        buckets: Mapping[str, Limit] = BUCKETS,
        endpoints: Mapping[str, Sequence[str]] = ENDPOINT_BUCKETS,
        default: Limit = Limit(60, 60),
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._headroom = headroom
        self._limits = dict(buckets)
        self._endpoints = {k: tuple(v) for k, v in endpoints.items()}
        self._default = default
        self._buckets: dict[str, TokenBucket] = {}
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def _names(self, key: str) -> tuple[str, ...]:
        return self._endpoints.get(key, (f"default:{key}",))

    def _bucket(self, name: str, now: float) -> TokenBucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = TokenBucket(self._limits.get(name, self._default), now, self._headroom)
            self._buckets[name] = bucket
        return bucket

    def _wait_s(self, key: str, now: float) -> float:
        blocked = max((self._blocked_until.get(n, 0.0) for n in self._names(key)), default=0.0)
        waits = [self._bucket(n, now).wait_s(now) for n in self._names(key)]
        return max([blocked - now, *waits, 0.0])

    def acquire(self, key: str) -> float:
        """Take one token from every bucket of ``key``; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_s(key, now)
                if wait <= 0:
                    for name in self._names(key):
                        self._bucket(name, now).take(now)
                    return waited
            wait = max(wait, 1e-6)  # always make progress, even on a coarse clock
            self._sleep(wait)
            waited += wait

    def penalize(self, key: str, seconds: float) -> None:
        """Block ``key``'s buckets for ``seconds`` (a 429's ``Retry-After``) and drain them."""
        with self._lock:
            now = self._clock()
            for name in self._names(key):
                until = now + max(0.0, seconds)
                self._blocked_until[name] = max(self._blocked_until.get(name, 0.0), until)
                self._bucket(name, now).drain(now)


class Backoff:
    """Capped exponential backoff with seeded "equal jitter" (half fixed, half random)."""

    def __init__(self, base_s: float = 0.25, cap_s: float = 8.0, seed: int = 0) -> None:
        self._base = base_s
        self._cap = cap_s
        self._rng = random.Random(seed)

    def delay_s(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (``attempt`` from 0)."""
        ceiling = min(self._cap, self._base * float(1 << min(attempt, 30)))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)
