"""Fault-injection switches of the sandbox server (thread-safe, changeable while serving).

Planned faults fire on the next ``count`` matching requests (``match`` is an endpoint key
such as ``"POST /api/v1/order"`` or a prefix such as ``"GET "``; ``None`` matches all). Random
faults fire with a probability from a seeded generator. Kinds:

* ``drop_after_accept``   submits only: the order is accepted, then the connection is
  closed without a response (the client sees a dropped connection).
* ``error_5xx``           answer 500 *without* processing the request.
* ``error_5xx_after``     process the request, then answer 502 (outcome unknown to the client).
* ``html_error``          answer a Cloudflare-style HTML 502 page without processing.
* ``malformed_json``      process the request, then send a truncated JSON body (HTTP 200).
* ``rate_limit``          answer 429 with ``Retry-After: retry_after`` without processing.
* ``delay_after``         process the request, then wait ``delay_s`` before answering (a
  client with a shorter read timeout sees a timeout after the server acted).

Standing switches: ``latency_s`` (delay before every answer), ``clock_offset_ms`` (added to
the server clock: stamps and ``/server/time``), ``legacy_auth_body`` (auth failures say
``"success": true`` as in 2019).
"""

from __future__ import annotations

import enum
import random
import threading

import attrs


class FaultKind(enum.StrEnum):
    DROP_AFTER_ACCEPT = "drop_after_accept"
    ERROR_5XX = "error_5xx"
    ERROR_5XX_AFTER = "error_5xx_after"
    HTML_ERROR = "html_error"
    MALFORMED_JSON = "malformed_json"
    RATE_LIMIT = "rate_limit"
    DELAY_AFTER = "delay_after"


#: Kinds decided before the request is processed (the rest after processing).
BEFORE: frozenset[FaultKind] = frozenset(
    {FaultKind.ERROR_5XX, FaultKind.HTML_ERROR, FaultKind.RATE_LIMIT}
)


@attrs.define
class _Plan:
    kind: FaultKind
    remaining: int
    match: str | None
    retry_after: int
    delay_s: float = 0.0


class Faults:
    """The switchboard. All methods are safe to call from any thread."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._plans: list[_Plan] = []
        self._rates: dict[FaultKind, float] = {}
        self._rng = random.Random(seed)
        self.latency_s = 0.0
        self.clock_offset_ms = 0
        self.legacy_auth_body = False
        self.random_match: str | None = None
        self.fired: dict[FaultKind, int] = {}
        self.delays: dict[FaultKind, float] = {}

    def add(
        self,
        kind: FaultKind | str,
        count: int = 1,
        match: str | None = None,
        retry_after: int = 1,
        delay_s: float = 0.0,
    ) -> None:
        """Fire ``kind`` on the next ``count`` requests matching ``match``."""
        with self._lock:
            self._plans.append(_Plan(FaultKind(kind), count, match, retry_after, delay_s))
        self.delays[FaultKind(kind)] = delay_s

    def set_rate(self, kind: FaultKind | str, probability: float) -> None:
        """Fire ``kind`` at random with ``probability`` (0 disables) on ``random_match``."""
        with self._lock:
            self._rates[FaultKind(kind)] = probability

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()
            self._rates.clear()
            self.latency_s = 0.0
            self.clock_offset_ms = 0
            self.legacy_auth_body = False

    @staticmethod
    def _matches(match: str | None, key: str) -> bool:
        return match is None or key == match or key.startswith(match)

    def take(self, key: str, before: bool, is_submit: bool) -> tuple[FaultKind, int] | None:
        """The fault for this request phase, consumed; ``(kind, retry_after)`` or ``None``
        (the delay of ``delay_after`` is in :attr:`delays`)."""
        with self._lock:
            for plan in self._plans:
                if plan.remaining <= 0 or (plan.kind in BEFORE) != before:
                    continue
                if plan.kind is FaultKind.DROP_AFTER_ACCEPT and not is_submit:
                    continue
                if self._matches(plan.match, key):
                    plan.remaining -= 1
                    self.fired[plan.kind] = self.fired.get(plan.kind, 0) + 1
                    self._plans = [p for p in self._plans if p.remaining > 0]
                    return plan.kind, plan.retry_after
            if not self._matches(self.random_match, key):
                return None
            for kind, rate in self._rates.items():
                if (kind in BEFORE) != before or rate <= 0:
                    continue
                if kind is FaultKind.DROP_AFTER_ACCEPT and not is_submit:
                    continue
                if self._rng.random() < rate:
                    self.fired[kind] = self.fired.get(kind, 0) + 1
                    return kind, 1
        return None
