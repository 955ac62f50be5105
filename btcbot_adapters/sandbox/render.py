"""Core values → BTCTurk wire dicts, with the field types of reference §11.

Decimals of orders, balances, fills and book levels are strings; ticker and graph values are
numbers (``Decimal`` written as number tokens by :mod:`.jsonout`); times are Unix ms
(graph: seconds).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from btcbot_adapters.sandbox.jsonout import text
from btcbot_core.orders import Fill, OrderStatus, OrderType, Side
from btcbot_core.ports import Balance, ExchangeOrder

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_STATUS: Final = {
    OrderStatus.OPEN: "Untouched",
    OrderStatus.PARTIALLY_FILLED: "Partial",
    OrderStatus.FILLED: "Closed",
    OrderStatus.CANCELED: "Canceled",
}
ASSET_NAMES: Final = {"TRY": "Türk Lirası", "BTC": "Bitcoin", "USDT": "Tether", "ETH": "Ethereum"}


def ms(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(value: int) -> datetime:
    return EPOCH + timedelta(milliseconds=value)


def iso7(value_ms: int) -> str:
    """``serverTime2``: ISO-8601 with 7 fractional digits and ``+00:00``."""
    moment = from_ms(value_ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{(value_ms % 1000) * 10_000:07d}+00:00"


def side(value: Side) -> str:
    return "buy" if value is Side.BUY else "sell"


def order(o: ExchangeOrder, wire_client_id: str, *, time_zero: bool = False) -> dict[str, Any]:
    """An order object as openOrders/allOrders/order/{id} return it."""
    left = o.quantity - o.filled_qty
    price = o.price if o.price is not None else Decimal(0)
    updated = o.updated_at or o.created_at
    return {
        "id": int(o.exchange_order_id),
        "price": text(price),
        "amount": text(o.quantity),
        "quantity": text(o.quantity),
        "stopPrice": "0.00",
        "pairSymbol": o.pair.symbol,
        "pairSymbolNormalized": f"{o.pair.base}_{o.pair.quote}",
        "type": side(o.side),
        "method": "limit" if o.order_type is OrderType.LIMIT else "market",
        "orderClientId": wire_client_id,
        "time": 0 if time_zero else ms(o.created_at),
        "updateTime": ms(updated),
        "status": _STATUS.get(o.status, "Untouched"),
        "leftAmount": text(left),
    }


def submitted(o: ExchangeOrder, wire_client_id: str, quantity: Decimal) -> dict[str, Any]:
    """The ``data`` of a successful submit (the live 2024 shape: lowercase, null stopPrice)."""
    return {
        "id": int(o.exchange_order_id),
        "quantity": text(quantity),
        "price": text(o.price if o.price is not None else Decimal(0)),
        "stopPrice": None,
        "newOrderClientId": wire_client_id,
        "type": side(o.side),
        "method": "limit" if o.order_type is OrderType.LIMIT else "market",
        "pairSymbol": o.pair.symbol,
        "pairSymbolNormalized": f"{o.pair.base}_{o.pair.quote}",
        "datetime": ms(o.created_at),
    }


def fill_id(fill: Fill) -> int:
    """A numeric trade id for a simulated fill id ``sf-<order>-<n>``."""
    _, order_id, seq = fill.fill_id.rsplit("-", 2)
    return int(order_id) * 10_000 + int(seq)


def user_trade(fill: Fill, wire_client_id: str) -> dict[str, Any]:
    """A fill row (2022+ shape): signed amount, negative fee/tax strings, preciseAmount."""
    amount = fill.quantity if fill.side is Side.BUY else -fill.quantity
    return {
        "price": text(fill.price),
        "numeratorSymbol": fill.pair.base,
        "denominatorSymbol": fill.pair.quote,
        "orderType": side(fill.side),
        "orderId": int(fill.order_id),
        "id": fill_id(fill),
        "timestamp": ms(fill.timestamp),
        "amount": text(amount),
        "preciseAmount": amount,
        "fee": text(-fill.fee) if fill.fee else "0",
        "tax": text(-fill.tax) if fill.tax else "0",
        "orderClientId": wire_client_id,
    }


def balance(b: Balance, precision: int) -> dict[str, Any]:
    return {
        "asset": b.asset,
        "assetname": ASSET_NAMES.get(b.asset, b.asset.title()),
        "balance": text(b.total),
        "locked": text(b.locked),
        "free": text(b.free),
        "orderFund": text(b.locked),
        "requestFund": "0",
        "precision": precision,
    }
