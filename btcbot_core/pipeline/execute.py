"""Executing a plan through the trading port, re-checking the arming gate before each write.

Order of operations for a submit (crash-safe): the order is recorded PLANNED and committed
*before* it is sent; then it is sent; then its new status is recorded. A crash between the
two commits leaves a PLANNED order that reconciliation resolves by client order id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import attrs

from btcbot_core.arming import SideEffectPolicy
from btcbot_core.decisions import Reason
from btcbot_core.errors import AuthError, ExchangeError, OrderRejectedError, RateLimitedError
from btcbot_core.orders import TRANSITIONS, Order, OrderRequest, OrderStatus
from btcbot_core.pipeline.report import Fate
from btcbot_core.ports import TradingPort

Gate = Callable[[], SideEffectPolicy]

#: Policy for simulated execution: orders to a simulated exchange are not exchange writes.
PAPER_POLICY = SideEffectPolicy(
    allow_submit=True, allow_cancel=True, submit_blockers=(), cancel_blockers=()
)


@attrs.frozen
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
    when not given). A blocked gate turns the order REJECTED locally (it was never sent).
    An ambiguous failure (timeout, 5xx) turns it UNKNOWN: reconciliation looks it up next
    cycle.
    """
    policy = gate()
    if not policy.allow_submit:
        return SendResult(
            order.transition(OrderStatus.REJECTED, now, reason="blocked by arming gate"),
            Fate.BLOCKED_BY_GATE,
            policy.submit_blockers,
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
    if OrderStatus.SUBMITTED not in TRANSITIONS[order.status]:
        order.transition(OrderStatus.SUBMITTED, now)  # raises, naming the state: never sent
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
        submitted = order.transition(OrderStatus.SUBMITTED, now)
        return SendResult(
            submitted.transition(OrderStatus.UNKNOWN, now, reason="submit outcome unknown"),
            Fate.UNKNOWN,
            (Reason("SUBMIT_OUTCOME_UNKNOWN", str(exc)),),
        )
    # SUBMITTED then OPEN, as one object (the state in between is never stored)
    return SendResult(order.accepted(now, ack.exchange_order_id), Fate.SUBMITTED)


def _refused(order: Order, now: datetime, why: str, reason: Reason) -> SendResult:
    """The exchange refused ``order`` before processing it: sent, then REJECTED."""
    submitted = order.transition(OrderStatus.SUBMITTED, now)
    return SendResult(
        submitted.transition(OrderStatus.REJECTED, now, reason=why),
        Fate.REJECTED_BY_EXCHANGE,
        (reason,),
    )


def cancel_one(
    trading: TradingPort, gate: Gate, order: Order, now: datetime
) -> tuple[Order | None, Reason | None]:
    """Cancel ``order`` if the gate allows; return (new state or None, blocking reason)."""
    policy = gate()
    if not policy.allow_cancel:
        return None, policy.cancel_blockers[0] if policy.cancel_blockers else Reason("BLOCKED")
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
