"""Executing a plan through the trading port, re-checking the arming gate before each write.

Order of operations for a submit (crash-safe): the order is recorded PLANNED and committed
*before* it is sent; then it is sent; then its new status is recorded. A crash between the
two commits leaves a PLANNED order that reconciliation resolves by client order id.

Simulated execution must never reach a real exchange. Two layers see to it:

* :func:`check_execution`, when a run is composed: a profile with ``simulated_execution``
  needs a trading port that declares itself simulated (``TradingPort.simulated``).
* :func:`send_order` (the cycle's; :func:`send_one` gives its result a name) and
  :func:`cancel_one`, before every write: ``PAPER_POLICY`` (a policy
  marked ``paper``) opens the gate only for a simulated port; against any other port the
  write is blocked like a closed gate, with :data:`PAPER_ON_REAL_EXCHANGE`.

A port that does not declare ``simulated`` as exactly ``True`` counts as real.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

import attrs

from btcbot_core.arming import SideEffectPolicy
from btcbot_core.decisions import Reason
from btcbot_core.errors import (
    AuthError,
    ExchangeError,
    OrderRejectedError,
    RateLimitedError,
    ValidationError,
)
from btcbot_core.orders import SUBMITTED, TRANSITIONS, Order, OrderRequest, OrderStatus
from btcbot_core.pipeline.profile import PROFILES, StageProfile
from btcbot_core.pipeline.report import FATE_SUBMITTED, Fate
from btcbot_core.ports import TradingPort

Gate = Callable[[], SideEffectPolicy]

#: Policy for simulated execution: orders to a simulated exchange are not exchange writes.
#: Marked ``paper``: against a trading port that is not simulated, every write is blocked.
PAPER_POLICY = SideEffectPolicy(
    allow_submit=True, allow_cancel=True, submit_blockers=(), cancel_blockers=(), paper=True
)

#: Reason code of a write blocked because a paper policy met a real trading port.
PAPER_ON_REAL_EXCHANGE: Final = "PAPER_POLICY_ON_REAL_EXCHANGE"


def is_simulated(trading: TradingPort) -> bool:
    """Whether ``trading`` declares itself a simulated exchange. Only an explicit ``True``
    counts: a port without the attribute, or with any other value, is treated as real."""
    return getattr(trading, "simulated", False) is True


def paper_on_real(policy: SideEffectPolicy, trading: TradingPort) -> Reason | None:
    """Why ``policy`` may not write to ``trading``: a paper policy and a port not simulated."""
    if not policy.paper or is_simulated(trading):
        return None
    return Reason(
        PAPER_ON_REAL_EXCHANGE,
        f"PAPER_POLICY allows writes only to a simulated exchange, but the trading port "
        f"{type(trading).__name__} is not simulated; a real exchange needs the live-arming "
        "policy (DRY_RUN=false, KILL_SWITCH=false, LIVE_TRADING=true, "
        "LIVE_TRADING_ACK=I_UNDERSTAND)",
    )


def check_execution(profile: StageProfile, trading: TradingPort) -> None:
    """Refuse a run whose ``profile`` executes on a simulated exchange while ``trading`` is
    not simulated: its orders could reach a real exchange with no live-arming check.

    Raises :class:`~btcbot_core.errors.ValidationError` naming the profile and the port. The
    other direction is allowed: a live profile (stage3, stage4) against the simulated
    exchange is how those stages are tested end to end, and its writes still go through
    the gate.
    """
    if profile.simulated_execution and not is_simulated(trading):
        live = ", ".join(name for name, p in PROFILES.items() if not p.simulated_execution)
        raise ValidationError(
            f"stage profile {profile.name!r} executes on a simulated exchange, but the "
            f"trading port {type(trading).__name__} is not simulated (it may reach a real "
            f"exchange): compose {profile.name!r} with the simulated exchange, or run a live "
            f"profile ({live}), whose writes need the live-arming gate"
        )


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class SendResult:
    """What happened to one request: the order's new state, its fate and why."""

    order: Order
    fate: Fate
    reasons: tuple[Reason, ...] = ()


def send_one(
    trading: TradingPort,
    gate: Gate,
    order: Order,
    now: datetime,
    request: OrderRequest | None = None,
) -> SendResult:
    """Send a recorded PLANNED order, checking the gate right before the write.

    ``request`` is the approved request the order was planned from (rebuilt from the order
    when not given). A blocked gate, or a paper policy against a trading port that is not
    simulated, turns the order REJECTED locally (it was never sent). An ambiguous failure
    (timeout, 5xx) turns it UNKNOWN: reconciliation looks it up next cycle.
    """
    return SendResult(*send_order(trading, gate, order, now, request))


def send_order(
    trading: TradingPort,
    gate: Gate,
    order: Order,
    now: datetime,
    request: OrderRequest | None = None,
) -> tuple[Order, Fate, tuple[Reason, ...]]:
    """:func:`send_one` as a plain ``(order, fate, reasons)`` tuple: the cycle takes the
    three apart at once, so it does not build the :class:`SendResult`."""
    policy = gate()
    if not policy.allow_submit:
        return (
            order.transition(OrderStatus.REJECTED, now, reason="blocked by arming gate"),
            Fate.BLOCKED_BY_GATE,
            policy.submit_blockers,
        )
    paper = paper_on_real(policy, trading)
    if paper is not None:
        return (
            order.transition(
                OrderStatus.REJECTED, now, reason="blocked: paper policy on a real exchange"
            ),
            Fate.BLOCKED_BY_GATE,
            (paper,),
        )
    if request is None or request.client_order_id != order.client_order_id:
        request = OrderRequest(
            order.client_order_id,
            order.pair,
            order.side,
            order.quantity,
            order.price,
            order.order_type,
        )
    if SUBMITTED not in TRANSITIONS[order.status]:
        order.transition(SUBMITTED, now)  # raises, naming the state: never sent
    try:
        ack = trading.submit(request)
    except RateLimitedError as exc:
        # A 429 is answered before the order is processed: it was not placed.
        return _refused(order, now, "rate limited", Reason("RATE_LIMITED", str(exc)))
    except OrderRejectedError as exc:
        return _refused(order, now, exc.code, Reason(exc.code, str(exc)))
    except AuthError as exc:
        # Refused before processing (bad key/signature/stamp): nothing was placed.
        return _refused(order, now, "auth refused", Reason("AUTH_REFUSED", str(exc)))
    except ExchangeError as exc:
        # Timeouts, 5xx, garbled answers: the order may exist. Look it up; never resend.
        submitted = order.transition(SUBMITTED, now)
        return (
            submitted.transition(OrderStatus.UNKNOWN, now, reason="submit outcome unknown"),
            Fate.UNKNOWN,
            (Reason("SUBMIT_OUTCOME_UNKNOWN", str(exc)),),
        )
    # SUBMITTED then OPEN, as one object (the state in between is never stored)
    return order.accepted(now, ack.exchange_order_id), FATE_SUBMITTED, ()


def _refused(
    order: Order, now: datetime, why: str, reason: Reason
) -> tuple[Order, Fate, tuple[Reason, ...]]:
    """The exchange refused ``order`` before processing it: sent, then REJECTED."""
    submitted = order.transition(OrderStatus.SUBMITTED, now)
    return (
        submitted.transition(OrderStatus.REJECTED, now, reason=why),
        Fate.REJECTED_BY_EXCHANGE,
        (reason,),
    )


def cancel_one(
    trading: TradingPort, gate: Gate, order: Order, now: datetime
) -> tuple[Order | None, Reason | None]:
    """Cancel ``order`` if the gate allows; return (new state or None, blocking reason).

    A paper policy against a trading port that is not simulated blocks the cancel."""
    policy = gate()
    if not policy.allow_cancel:
        return None, policy.cancel_blockers[0] if policy.cancel_blockers else Reason("BLOCKED")
    paper = paper_on_real(policy, trading)
    if paper is not None:
        return None, paper
    if order.exchange_order_id is None:
        return None, Reason("NO_EXCHANGE_ID", "order has no exchange id yet; reconcile first")
    try:
        gone = trading.cancel(order.pair, order.exchange_order_id)
    except ExchangeError as exc:
        return None, Reason("CANCEL_FAILED", str(exc))
    if not gone:
        # The exchange says the order already finished (filled, most likely): it is not
        # cancelled; reconciliation learns its real state and fills next cycle.
        return None, Reason("CANCEL_TOO_LATE", "the exchange says the order already finished")
    # Fills that raced the cancel arrive through the fill feed; CANCELED keeps them.
    return order.transition(OrderStatus.CANCELED, now, reason="cancelled by strategy"), None


def planned_orders(requests: Sequence[OrderRequest], now: datetime) -> list[Order]:
    return [Order.planned(r, now) for r in requests]
