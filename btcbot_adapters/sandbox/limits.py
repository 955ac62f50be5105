"""Server-side rate limits (reference §8): fixed windows that start at the first request.

When a window's count is exceeded the endpoint answers 429 until the window's block ends,
with ``Retry-After`` (whole seconds, rounded up) and BTCTurk's 429 body. ``scale``
multiplies every limit (0 disables limiting). Time is injected (monotonic seconds).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any, Final

#: endpoint key → (limit, period s, block s, policy) lines; all lines apply.
TABLE: Final[dict[str, tuple[tuple[int, int, int, str], ...]]] = {
    "GET /api/v1/users/balances": ((120, 60, 60, "ip"),),
    "POST /api/v1/order": ((300, 60, 60, "account"), (10, 1, 1, "account")),
    "DELETE /api/v1/order": ((300, 60, 60, "account"), (10, 1, 1, "account")),
    "GET /api/v1/order/{id}": ((900, 60, 60, "account"), (30, 1, 1, "account")),
    "GET /api/v1/openOrders": ((300, 60, 60, "ip"),),
    "GET /api/v1/allOrders": ((300, 60, 60, "ip"),),
    "GET /api/v1/users/transactions/trade": ((120, 60, 60, "ip"),),
    "GET /api/v2/ticker": ((600, 60, 60, "ip"),),
    "GET /api/v2/orderbook": ((180, 60, 60, "ip"),),
    "GET graph /v1/ohlcs": ((120, 60, 60, "ip"), (600, 600, 600, "ip")),
    "GET graph /v1/klines/history": ((600, 600, 600, "ip"),),
}


def body_429(limit: int, period_s: int, policy: str, retry_after: int) -> dict[str, Any]:
    period = f"{period_s // 60}m" if period_s >= 60 else f"{period_s}s"
    details = f"Quota exceeded. Maximum allowed: {limit} per {period}."
    if policy == "account":
        details += f" Please try again in {retry_after} second(s)."
    return {
        "message": "TOO_MANY_REQUESTS",
        "success": False,
        "code": 429,
        "details": details,
        "limit": str(limit),
        "period": period,
        "policy": policy,
    }


class ServerLimits:
    def __init__(self, clock: Callable[[], float], scale: float = 1.0) -> None:
        self._clock = clock
        self._scale = scale
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, int], tuple[float, int]] = {}  # start, count
        self._blocked: dict[tuple[str, int], float] = {}

    def check(self, key: str) -> tuple[int, dict[str, Any]] | None:
        """``None`` if allowed (and counted), else ``(retry_after_s, body)``."""
        lines = TABLE.get(key)
        if not lines or self._scale <= 0:
            return None
        now = self._clock()
        with self._lock:
            for index, (limit, period, _block, policy) in enumerate(lines):
                slot = (key, index)
                until = self._blocked.get(slot, 0.0)
                if now < until:
                    wait = max(1, math.ceil(until - now))
                    return wait, body_429(self._limit(limit), period, policy, wait)
            for index, (limit, period, block, policy) in enumerate(lines):
                slot = (key, index)
                start, count = self._windows.get(slot, (now, 0))
                if now - start >= period:
                    start, count = now, 0
                count += 1
                self._windows[slot] = (start, count)
                if count > self._limit(limit):
                    self._blocked[slot] = max(start + period, now + block)
                    wait = max(1, math.ceil(self._blocked[slot] - now))
                    return wait, body_429(self._limit(limit), period, policy, wait)
        return None

    def _limit(self, limit: int) -> int:
        return max(1, int(limit * self._scale))
