"""Reject codes of the simulated exchange: BTCTurk's own error ``message`` strings.

An ``OrderRejectedError.code`` raised by the simulator is one of :class:`RejectCode`. They
are the UPPER_SNAKE messages BTCTurk sends (see ``btcturk-api.md`` §6.2 and §7.2), so the
sandbox server can put them on the wire unchanged. ``DUPLICATE_CLIENT_ORDER_ID`` is the one
exception: BTCTurk documents no such error (it may silently accept duplicates); the
simulator refuses them so that a duplicate submit is caught by the tests.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

from btcbot_core.orders import OrderType
from btcbot_core.rules import RuleViolation, ViolationCode


class RejectCode(enum.StrEnum):
    FAILED_INVALID_PRICE_SCALE = "FAILED_INVALID_PRICE_SCALE"
    FAILED_INVALID_QUANTITY_SCALE = "FAILED_INVALID_QUANTITY_SCALE"
    FAILED_MIN_TOTAL_AMOUNT = "FAILED_MIN_TOTAL_AMOUNT"
    ORDER_MIN_PRICE_EXCEEDED = "ORDER_MIN_PRICE_EXCEEDED"
    ORDER_MAX_PRICE_EXCEEDED = "ORDER_MAX_PRICE_EXCEEDED"
    FAILED_ORDER_PARAMETER = "FAILED_ORDER_PARAMETER"
    FAILED_LIMIT_ORDER = "FAILED_LIMIT_ORDER"
    FAILED_MARKET_ORDER = "FAILED_MARKET_ORDER"
    BALANCE_NOT_ENOUGH = "BALANCE_NOT_ENOUGH"
    DUPLICATE_CLIENT_ORDER_ID = "DUPLICATE_CLIENT_ORDER_ID"


_BY_VIOLATION: Final[Mapping[ViolationCode, RejectCode]] = {
    ViolationCode.BAD_PRICE_SCALE: RejectCode.FAILED_INVALID_PRICE_SCALE,
    ViolationCode.FRACTIONAL_PRICE: RejectCode.FAILED_INVALID_PRICE_SCALE,
    ViolationCode.BAD_QTY_SCALE: RejectCode.FAILED_INVALID_QUANTITY_SCALE,
    ViolationCode.BELOW_MIN_NOTIONAL: RejectCode.FAILED_MIN_TOTAL_AMOUNT,
    ViolationCode.PRICE_BELOW_MIN: RejectCode.ORDER_MIN_PRICE_EXCEEDED,
    ViolationCode.PRICE_ABOVE_MAX: RejectCode.ORDER_MAX_PRICE_EXCEEDED,
    ViolationCode.NON_POSITIVE_PRICE: RejectCode.FAILED_ORDER_PARAMETER,
    ViolationCode.NON_POSITIVE_QTY: RejectCode.FAILED_ORDER_PARAMETER,
    ViolationCode.ROUNDS_TO_ZERO: RejectCode.FAILED_ORDER_PARAMETER,
    ViolationCode.QTY_BELOW_MIN: RejectCode.FAILED_ORDER_PARAMETER,
    ViolationCode.QTY_ABOVE_MAX: RejectCode.FAILED_ORDER_PARAMETER,
    ViolationCode.NO_REFERENCE_PRICE: RejectCode.FAILED_MARKET_ORDER,
}


def reject_code(violation: RuleViolation, order_type: OrderType) -> RejectCode:
    """The BTCTurk-like code for one rule violation of an order of ``order_type``."""
    if violation.code is ViolationCode.NOT_TRADING:
        if order_type is OrderType.MARKET:
            return RejectCode.FAILED_MARKET_ORDER
        return RejectCode.FAILED_LIMIT_ORDER
    return _BY_VIOLATION.get(violation.code, RejectCode.FAILED_ORDER_PARAMETER)
