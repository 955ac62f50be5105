"""Reason codes of the risk policy (:mod:`btcbot_core.risk_policy`) and of quantising intents
(:mod:`btcbot_core.quantize`); symbol-rule violations use ``ViolationCode`` values instead."""

from __future__ import annotations

import enum


class RiskCode(enum.StrEnum):
    """Reason codes of the risk policy (rule violations use ``ViolationCode`` values)."""

    NO_RULES = "NO_RULES"
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"
    MAX_ORDERS_PER_CYCLE = "MAX_ORDERS_PER_CYCLE"
    MAX_OPEN_ORDERS_PER_SYMBOL = "MAX_OPEN_ORDERS_PER_SYMBOL"
    COOLDOWN = "COOLDOWN"
    MAX_NOTIONAL_PER_ORDER = "MAX_NOTIONAL_PER_ORDER"
    NOTIONAL_CAP_PER_CYCLE = "NOTIONAL_CAP_PER_CYCLE"
    MAX_POSITION_PER_SYMBOL = "MAX_POSITION_PER_SYMBOL"
    INSUFFICIENT_POSITION = "INSUFFICIENT_POSITION"
    DUPLICATE_CLIENT_ID = "DUPLICATE_CLIENT_ID"


__all__ = ["RiskCode"]
