"""Fault injection for the simulated exchange: explicit (queued) and seeded-random faults.

A fault affects one call of one :class:`Operation`. Queue faults explicitly (the next call of
that operation takes the first matching one), or give :class:`FaultRates` and a seed for a
reproducible random stream (only drawn when a rate is non-zero, so the no-fault path costs
nothing). Faults never corrupt the exchange state: a fault either prevents the call's effect
completely (reject, timeout-before-accept, rate limit) or lets it happen completely and only
hides the answer (timeout-after-accept), or repeats data already reported (duplicate fill,
stale quote).

Every fired fault is appended to :attr:`FaultInjector.fired` (for assertions in tests).
"""

from __future__ import annotations

import enum
import random
from collections import deque

import attrs

from btcbot_core.errors import RateLimitedError, TransientExchangeError, ValidationError


class Operation(enum.StrEnum):
    SUBMIT = "SUBMIT"
    CANCEL = "CANCEL"
    OPEN_ORDERS = "OPEN_ORDERS"
    ORDER_LOOKUP = "ORDER_LOOKUP"
    FILLS = "FILLS"
    BALANCES = "BALANCES"
    QUOTES = "QUOTES"


class FaultKind(enum.StrEnum):
    #: submit only: refused with ``OrderRejectedError(code)``; no order is created.
    REJECT = "REJECT"
    #: the request never reached the exchange: nothing happens, ``TransientExchangeError``.
    TIMEOUT_BEFORE_ACCEPT = "TIMEOUT_BEFORE_ACCEPT"
    #: submit/cancel: the exchange did it, but the caller gets ``TransientExchangeError``.
    TIMEOUT_AFTER_ACCEPT = "TIMEOUT_AFTER_ACCEPT"
    #: HTTP 429: nothing happens, ``RateLimitedError(retry_after)``.
    RATE_LIMITED = "RATE_LIMITED"
    #: fills only: one fill of the page is reported twice.
    DUPLICATE_FILL = "DUPLICATE_FILL"
    #: quotes only: the previous quote (older ``observed_at``) is returned.
    STALE_QUOTE = "STALE_QUOTE"


_ALLOWED: dict[FaultKind, frozenset[Operation]] = {
    FaultKind.REJECT: frozenset({Operation.SUBMIT}),
    FaultKind.TIMEOUT_BEFORE_ACCEPT: frozenset(Operation),
    FaultKind.TIMEOUT_AFTER_ACCEPT: frozenset({Operation.SUBMIT, Operation.CANCEL}),
    FaultKind.RATE_LIMITED: frozenset(Operation),
    FaultKind.DUPLICATE_FILL: frozenset({Operation.FILLS}),
    FaultKind.STALE_QUOTE: frozenset({Operation.QUOTES}),
}


@attrs.frozen
class Fault:
    """One fault for the next call of ``op``. ``code`` is for REJECT, ``retry_after`` (s) for
    RATE_LIMITED."""

    kind: FaultKind
    op: Operation
    code: str = "FAILED_LIMIT_ORDER"
    retry_after: float = 1.0
    planned: bool = True  # False for faults drawn at random

    def __attrs_post_init__(self) -> None:
        if self.op not in _ALLOWED[self.kind]:
            raise ValidationError(f"fault {self.kind} cannot apply to {self.op}")


@attrs.frozen
class FaultRates:
    """Per-call probabilities (0..1) of random faults, drawn from a seeded generator."""

    submit_reject: float = 0.0
    submit_timeout_before: float = 0.0
    submit_timeout_after: float = 0.0
    cancel_timeout_after: float = 0.0
    rate_limited: float = 0.0
    duplicate_fill: float = 0.0
    stale_quote: float = 0.0
    retry_after: float = 1.0

    def __attrs_post_init__(self) -> None:
        for field in attrs.fields(FaultRates):
            value = getattr(self, field.name)
            if field.name != "retry_after" and not 0.0 <= value <= 1.0:
                raise ValidationError(f"fault rate {field.name} must be in [0, 1], got {value}")

    @property
    def any(self) -> bool:
        return any(
            getattr(self, f.name) > 0 for f in attrs.fields(FaultRates) if f.name != "retry_after"
        )


class FaultInjector:
    """Hands out the fault (if any) for each exchange call; deterministic given the seed."""

    def __init__(self, seed: int = 0, rates: FaultRates | None = None) -> None:
        self._queue: deque[Fault] = deque()
        self._rates = rates or FaultRates()
        self._random_on = self._rates.any
        self._rng = random.Random(seed)
        self.fired: list[Fault] = []

    # --- explicit plan ----------------------------------------------------------------------

    def queue(self, fault: Fault) -> None:
        """Add ``fault``; the next call of ``fault.op`` takes it (first queued, first fired)."""
        self._queue.append(fault)

    def reject_next_submit(self, code: str = "FAILED_LIMIT_ORDER") -> None:
        self.queue(Fault(FaultKind.REJECT, Operation.SUBMIT, code=code))

    def timeout_next_submit(self, *, after_accept: bool = True) -> None:
        kind = FaultKind.TIMEOUT_AFTER_ACCEPT if after_accept else FaultKind.TIMEOUT_BEFORE_ACCEPT
        self.queue(Fault(kind, Operation.SUBMIT))

    def timeout_next_cancel(self, *, after_accept: bool = True) -> None:
        kind = FaultKind.TIMEOUT_AFTER_ACCEPT if after_accept else FaultKind.TIMEOUT_BEFORE_ACCEPT
        self.queue(Fault(kind, Operation.CANCEL))

    def rate_limit_next(self, op: Operation, retry_after: float = 1.0) -> None:
        self.queue(Fault(FaultKind.RATE_LIMITED, op, retry_after=retry_after))

    def duplicate_next_fill_report(self) -> None:
        self.queue(Fault(FaultKind.DUPLICATE_FILL, Operation.FILLS))

    def stale_next_quotes(self) -> None:
        self.queue(Fault(FaultKind.STALE_QUOTE, Operation.QUOTES))

    @property
    def pending(self) -> tuple[Fault, ...]:
        """Queued faults not fired yet."""
        return tuple(self._queue)

    # --- used by the exchange ---------------------------------------------------------------

    def idle(self) -> bool:
        """True when no call can get a fault (nothing queued, no random rates): then
        :meth:`take` and :meth:`for_call` return ``None`` without drawing, so the exchange may
        skip them (the per-call fast path)."""
        return not self._queue and not self._random_on

    def take(self, op: Operation) -> Fault | None:
        """The fault for this call of ``op`` (removing it from the plan), or ``None``."""
        if self._queue:
            for fault in self._queue:
                if fault.op is op:
                    self._queue.remove(fault)
                    self.fired.append(fault)
                    return fault
        if self._random_on:
            drawn = self._draw(op)
            if drawn is not None:
                self.fired.append(drawn)
            return drawn
        return None

    def for_call(self, op: Operation) -> Fault | None:
        """Like :meth:`take`, but raise at once the faults that stop the call from happening
        (``RateLimitedError`` for RATE_LIMITED, ``TransientExchangeError`` for
        TIMEOUT_BEFORE_ACCEPT); the rest are returned for the exchange to apply."""
        fault = self.take(op)
        if fault is None:
            return None
        if fault.kind is FaultKind.RATE_LIMITED:
            raise RateLimitedError(
                f"injected 429 on {op}: too many requests", retry_after=fault.retry_after
            )
        if fault.kind is FaultKind.TIMEOUT_BEFORE_ACCEPT:
            raise TransientExchangeError(f"injected timeout on {op} (nothing happened)")
        return fault

    def put_back(self, fault: Fault) -> None:
        """Return a fault that could not apply to this call (e.g. nothing to duplicate)."""
        if self.fired and self.fired[-1] is fault:
            self.fired.pop()
        if fault.planned:
            self._queue.appendleft(fault)

    def _draw(self, op: Operation) -> Fault | None:
        r = self._rates
        candidates: list[tuple[float, Fault]] = [
            (
                r.rate_limited,
                Fault(FaultKind.RATE_LIMITED, op, retry_after=r.retry_after, planned=False),
            )
        ]
        if op is Operation.SUBMIT:
            candidates += [
                (r.submit_reject, Fault(FaultKind.REJECT, op, planned=False)),
                (
                    r.submit_timeout_before,
                    Fault(FaultKind.TIMEOUT_BEFORE_ACCEPT, op, planned=False),
                ),
                (r.submit_timeout_after, Fault(FaultKind.TIMEOUT_AFTER_ACCEPT, op, planned=False)),
            ]
        elif op is Operation.CANCEL:
            candidates.append(
                (r.cancel_timeout_after, Fault(FaultKind.TIMEOUT_AFTER_ACCEPT, op, planned=False))
            )
        elif op is Operation.FILLS:
            candidates.append(
                (r.duplicate_fill, Fault(FaultKind.DUPLICATE_FILL, op, planned=False))
            )
        elif op is Operation.QUOTES:
            candidates.append((r.stale_quote, Fault(FaultKind.STALE_QUOTE, op, planned=False)))
        hit: Fault | None = None
        for rate, fault in candidates:
            # one draw per candidate, always, so the stream does not depend on earlier outcomes
            if self._rng.random() < rate and hit is None:
                hit = fault
        return hit
