"""The risk policy's all-clear test for a cycle's only request.

Most submitting cycles carry one request, and nearly always it passes every cap. Answering
"does :func:`~btcbot_core.risk_policy.evaluate_risk` approve this single request?" needs
none of the general walk's books (per-pair dictionaries, the seen-id set, sell/buy lists,
reason lists, result objects): one pass over the live orders for this pair's totals, then
the same comparisons, in the same arithmetic, as :func:`evaluate_risk` makes for its first
request. Only "yes" is answered here; any "no" goes back to :func:`evaluate_risk`, which
builds the reasons (their codes and texts live in one place). A property test holds the
two to the same verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from btcbot_core.ledger import Position
from btcbot_core.money import ZERO
from btcbot_core.orders import BUY, LIMIT, SELL, Order, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.risk_policy import RiskPolicyParams

_ZERO_TIME: Final = timedelta(0)


def single_request_clears(
    client_order_id: str,
    pair: Pair,
    side: Side,
    quantity: Decimal,
    price: Decimal | None,
    order_type: OrderType,
    *,
    now: datetime,
    marks: Mapping[Pair, Decimal],
    positions: Mapping[str, Position],
    open_orders: Iterable[Order],
    last_order_at: Mapping[tuple[Pair, Side], datetime],
    params: RiskPolicyParams,
    cancelling: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``evaluate_risk`` with ``rules_checked=True`` approves the request
    ``(client_order_id, pair, side, quantity, price, order_type)`` when it is the only one
    (its rules are present and were checked by ``quantize_intents``). Quantities are in the
    base asset, prices and caps in TRY; the context fields are those of ``RiskContext``."""
    if params.max_orders_per_cycle <= 0:  # "0 approved >= MAX_ORDERS_PER_CYCLE"
        return False
    mark = marks.get(pair)
    ref = price if order_type is LIMIT else mark
    notional = None if ref is None else ref * quantity
    if notional is None and side is BUY:
        return False
    n_open = 0
    open_buy_try = ZERO
    open_sell_qty = ZERO
    for order in open_orders:  # this pair's live totals, as evaluate_risk books them
        if not order.status.is_live or order.client_order_id in cancelling:
            continue
        if order.client_order_id == client_order_id:
            return False  # DUPLICATE_CLIENT_ID
        if order.pair != pair:
            continue
        n_open += 1
        if order.side is BUY:
            px = order.price if order.price is not None else marks.get(pair, ZERO)
            open_buy_try = open_buy_try + (order.remaining_qty * px)
        else:
            open_sell_qty = open_sell_qty + order.remaining_qty
    if n_open >= params.max_open_orders_per_symbol:
        return False
    last = last_order_at.get((pair, side)) if last_order_at else None
    if last is not None:
        seconds = params.cooldown_seconds
        if now - last < (timedelta(seconds=seconds) if seconds else _ZERO_TIME):
            return False
    if side is SELL:
        pos = positions.get(pair.base)
        return not quantity > (ZERO if pos is None else pos.quantity) - open_sell_qty
    assert notional is not None  # a buy without one returned above
    if notional > params.max_notional_per_order_try:
        return False
    if ZERO + notional > params.notional_cap_try_per_cycle:
        return False
    # _buy_caps' exposure, with its ``mark`` argument being ``mark or price``.
    held_mark = mark or ref
    pos = positions.get(pair.base)
    held = ZERO if pos is None else pos.quantity
    held_try = held * held_mark if held_mark is not None else ZERO
    return not held_try + open_buy_try + notional > params.max_position_try_per_symbol


__all__ = ["single_request_clears"]
