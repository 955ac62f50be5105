"""``parse_*`` for private (``/api/v1``) endpoints: balances, orders, submit, fills.

Every function returns fully built core values or raises
:class:`~btcbot_core.errors.MalformedResponse`. Amounts are in the asset's own units; order
quantities in base (market buys: the quote amount, as BTCTurk reports it); times Unix ms.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from btcbot_adapters.btcturk import convert
from btcbot_adapters.btcturk.wire import (
    BalanceW,
    OpenOrdersW,
    OrderW,
    SubmitW,
    UserTradeW,
    structure,
)
from btcbot_core.errors import MalformedResponse
from btcbot_core.money import ZERO
from btcbot_core.orders import Fill, OrderStatus, OrderType
from btcbot_core.ports import Balance, ExchangeOrder, SubmitAck

EP_BALANCES = "GET /api/v1/users/balances"
EP_OPEN = "GET /api/v1/openOrders"
EP_ALL = "GET /api/v1/allOrders"
EP_ORDER = "GET /api/v1/order/{id}"
EP_SUBMIT = "POST /api/v1/order"
EP_FILLS = "GET /api/v1/users/transactions/trade"


def parse_balances(data: Any) -> dict[str, Balance]:
    """Balances keyed by upper-case asset; ``free``/``locked`` as reported (never negative)."""
    rows = structure(EP_BALANCES, data, list[BalanceW])
    out: dict[str, Balance] = {}
    for index, row in enumerate(rows):
        field = f"$[{index}]"
        asset = row.asset.strip().upper()
        if not asset or asset in out:
            raise MalformedResponse(EP_BALANCES, f"{field}.asset", f"empty or duplicate {asset!r}")
        if row.free < 0 or row.locked < 0 or row.balance < 0:
            raise MalformedResponse(EP_BALANCES, field, "negative amount")
        with convert.guard(EP_BALANCES, field):
            out[asset] = Balance(asset=asset, free=row.free, locked=row.locked)
    return out


def order_from_wire(endpoint: str, field: str, row: OrderW) -> ExchangeOrder:
    """One order object → :class:`ExchangeOrder` (``time`` 0 falls back to ``updateTime``)."""
    pair = convert.pair(endpoint, f"{field}.pairSymbol", row.pairSymbol, row.pairSymbolNormalized)
    order_side = convert.side(endpoint, f"{field}.type", row.type)
    order_type = convert.method(endpoint, f"{field}.method", row.method)
    quantity = row.quantity if row.quantity is not None else row.amount
    if quantity is None or quantity <= 0:
        raise MalformedResponse(endpoint, f"{field}.quantity", f"missing or not > 0: {quantity}")
    price = row.price
    if price is not None and price < 0:
        raise MalformedResponse(endpoint, f"{field}.price", f"negative price {price}")
    if order_type is OrderType.MARKET and price == 0:
        price = None
    if order_type is OrderType.LIMIT and (price is None or price == 0):
        raise MalformedResponse(endpoint, f"{field}.price", "a limit order needs a price > 0")
    state = convert.status(row.status)
    if row.leftAmount is not None:
        if not ZERO <= row.leftAmount <= quantity:
            raise MalformedResponse(
                endpoint, f"{field}.leftAmount", f"{row.leftAmount} outside 0..{quantity}"
            )
        filled = quantity - row.leftAmount
    else:
        filled = quantity if state is OrderStatus.FILLED else ZERO
    created_ms = row.time if row.time else row.updateTime
    if created_ms is None:
        raise MalformedResponse(endpoint, f"{field}.time", "neither time nor updateTime is set")
    created = convert.ms_to_dt(endpoint, f"{field}.time", created_ms)
    updated: datetime | None = None
    if row.updateTime:
        updated = convert.ms_to_dt(endpoint, f"{field}.updateTime", row.updateTime)
    with convert.guard(endpoint, field):
        return ExchangeOrder(
            exchange_order_id=str(row.id),
            client_order_id=row.orderClientId or None,
            pair=pair,
            side=order_side,
            order_type=order_type,
            price=price,
            quantity=quantity,
            filled_qty=filled,
            status=state,
            created_at=created,
            updated_at=updated,
        )


def parse_open_orders(data: Any) -> list[ExchangeOrder]:
    """``openOrders`` data (asks = sells, bids = buys) → orders; the ``type`` field decides."""
    wire = structure(EP_OPEN, data, OpenOrdersW)
    out = [order_from_wire(EP_OPEN, f"$.asks[{i}]", row) for i, row in enumerate(wire.asks)]
    out += [order_from_wire(EP_OPEN, f"$.bids[{i}]", row) for i, row in enumerate(wire.bids)]
    return out


def parse_all_orders(data: Any) -> list[ExchangeOrder]:
    """``allOrders`` data (an array of order objects, any status)."""
    rows = structure(EP_ALL, data, list[OrderW])
    return [order_from_wire(EP_ALL, f"$[{i}]", row) for i, row in enumerate(rows)]


def parse_single_order(data: Any) -> ExchangeOrder:
    """``GET /api/v1/order/{id}`` data."""
    if data is None:
        raise MalformedResponse(EP_ORDER, "data", "missing")
    return order_from_wire(EP_ORDER, "$", structure(EP_ORDER, data, OrderW))


def parse_submit(data: Any, client_order_id: str, now: datetime) -> SubmitAck:
    """Submit-order data → ack; ``now`` is used when the exchange sends no ``datetime``.

    A ``newOrderClientId`` different from ours means the answer is not for our order.
    """
    if data is None:
        raise MalformedResponse(EP_SUBMIT, "data", "missing")
    wire = structure(EP_SUBMIT, data, SubmitW)
    if wire.newOrderClientId is not None and wire.newOrderClientId != client_order_id:
        raise MalformedResponse(
            EP_SUBMIT, "newOrderClientId", f"{wire.newOrderClientId[:40]!r} is not our id"
        )
    if wire.id <= 0:
        raise MalformedResponse(EP_SUBMIT, "id", f"order id {wire.id} must be > 0")
    at = now if not wire.datetime else convert.ms_to_dt(EP_SUBMIT, "datetime", wire.datetime)
    return SubmitAck(
        exchange_order_id=str(wire.id), client_order_id=client_order_id, accepted_at=at
    )


def fill_from_wire(field: str, row: UserTradeW, client_ids: Mapping[str, str]) -> Fill:
    """One fill row → :class:`Fill` (positive quantity, fee and tax in the quote asset)."""
    pair = convert.pair(EP_FILLS, field, row.numeratorSymbol + "_" + row.denominatorSymbol)
    fill_side = convert.side(EP_FILLS, f"{field}.orderType", row.orderType)
    amount = row.preciseAmount if row.preciseAmount is not None else row.amount
    if amount == 0 or row.price <= 0:
        raise MalformedResponse(EP_FILLS, field, "amount must be non-zero and price > 0")
    fee = row.fee
    tax = row.tax if row.tax is not None else ZERO
    if fee > 0 or tax > 0:
        raise MalformedResponse(EP_FILLS, f"{field}.fee", f"fee {fee} / tax {tax} is a credit")
    order_id = "" if row.orderId is None else str(row.orderId)
    at = convert.ms_to_dt(EP_FILLS, f"{field}.timestamp", row.timestamp)
    with convert.guard(EP_FILLS, field):
        return Fill(
            fill_id=str(row.id),
            order_id=order_id,
            client_order_id=row.orderClientId or client_ids.get(order_id, ""),
            pair=pair,
            side=fill_side,
            price=row.price,
            quantity=abs(amount),
            fee=-fee,
            fee_asset=row.denominatorSymbol.strip().upper(),
            timestamp=at,
            tax=-tax,
        )


def parse_user_trades(data: Any, client_ids: Mapping[str, str] | None = None) -> list[Fill]:
    """Fills, oldest first; ``client_ids`` maps exchange order id → our client order id."""
    rows = structure(EP_FILLS, data, list[UserTradeW])
    ids = client_ids or {}
    fills = [fill_from_wire(f"$[{i}]", row, ids) for i, row in enumerate(rows)]
    return sorted(fills, key=lambda f: (f.timestamp, int(f.fill_id)))
