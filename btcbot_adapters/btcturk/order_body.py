"""The JSON body of ``POST /api/v1/order`` (reference §4.5).

Decimals are sent as strings at their exact scale: dot separator, no exponent, never a
float. ``quantity`` is base units for limit orders and market sells (market buys, which
BTCTurk sizes in the quote asset, are refused earlier by the adapter).
"""

from __future__ import annotations

from decimal import Decimal

from btcbot_adapters.btcturk import convert
from btcbot_core.orders import OrderRequest, OrderType


def wire_decimal(value: Decimal) -> str:
    """A decimal as BTCTurk wants it: ``Decimal("1E-8")`` → ``"0.00000001"``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    return text


def order_body(request: OrderRequest) -> dict[str, str]:
    """``newOrderClientId`` (the documented key), lowercase method and type, ``BTCTRY``."""
    body = {
        "quantity": wire_decimal(request.quantity),
        "newOrderClientId": request.client_order_id,
        "orderMethod": "limit" if request.order_type is OrderType.LIMIT else "market",
        "orderType": convert.side_to_wire(request.side),
        "pairSymbol": request.pair.symbol,
    }
    if request.price is not None:
        body["price"] = wire_decimal(request.price)
    return body
