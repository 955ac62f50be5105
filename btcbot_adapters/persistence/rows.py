"""Explicit row mappers between core values and table rows (and back)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from btcbot_adapters.persistence.codec import dumps, loads, pair_text, parse_pair
from btcbot_adapters.persistence.extras import decode_extra, encode_extra
from btcbot_adapters.persistence.tables import capital_state, risk_state
from btcbot_core.orders import Fill, Order, OrderStatus, OrderType, Side
from btcbot_core.state import CapitalState, CycleRecord, ParameterSet, RiskMode, RiskState

Row = sa.RowMapping

_CAPITAL_COLUMNS = frozenset(c.name for c in capital_state.c) - {"id", "extra"}
_RISK_COLUMNS = frozenset(c.name for c in risk_state.c) - {"id", "extra"}


def order_to_row(order: Order) -> dict[str, Any]:
    return {
        "client_order_id": order.client_order_id,
        "pair": pair_text(order.pair),
        "side": order.side.value,
        "order_type": order.order_type.value,
        "status": order.status.value,
        "quantity": order.quantity,
        "price": order.price,
        "filled_qty": order.filled_qty,
        "filled_notional": order.filled_notional,
        "exchange_order_id": order.exchange_order_id,
        "reason": order.reason,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def order_from_row(row: Row) -> Order:
    return Order(
        client_order_id=row["client_order_id"],
        pair=parse_pair(row["pair"]),
        side=Side(row["side"]),
        quantity=row["quantity"],
        price=row["price"],
        order_type=OrderType(row["order_type"]),
        status=OrderStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        exchange_order_id=row["exchange_order_id"],
        filled_qty=row["filled_qty"],
        filled_notional=row["filled_notional"],
        reason=row["reason"],
    )


def fill_to_row(fill: Fill) -> dict[str, Any]:
    return {
        "pair": pair_text(fill.pair),
        "fill_id": fill.fill_id,
        "order_id": fill.order_id,
        "client_order_id": fill.client_order_id,
        "side": fill.side.value,
        "price": fill.price,
        "quantity": fill.quantity,
        "fee": fill.fee,
        "fee_asset": fill.fee_asset,
        "tax": fill.tax,
        "occurred_at": fill.timestamp,
    }


def fill_from_row(row: Row) -> Fill:
    return Fill(
        fill_id=row["fill_id"],
        order_id=row["order_id"],
        client_order_id=row["client_order_id"],
        pair=parse_pair(row["pair"]),
        side=Side(row["side"]),
        price=row["price"],
        quantity=row["quantity"],
        fee=row["fee"],
        fee_asset=row["fee_asset"],
        timestamp=row["occurred_at"],
        tax=row["tax"],
    )


def cycle_to_row(cycle: CycleRecord) -> dict[str, Any]:
    return {
        "run_id": cycle.run_id,
        "cycle": cycle.cycle,
        "started_at": cycle.started_at,
        "finished_at": cycle.finished_at,
        "mode": cycle.mode.value,
        "report": dumps(dict(cycle.report)),
    }


def cycle_from_row(row: Row) -> CycleRecord:
    return CycleRecord(
        run_id=row["run_id"],
        cycle=int(row["cycle"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        mode=RiskMode(row["mode"]),
        report=loads(row["report"]),
    )


def capital_to_row(state: CapitalState) -> dict[str, Any]:
    return {
        "id": 1,
        "trading_capital": state.trading_capital,
        "treasury": state.treasury,
        "checkpoint_event_count": state.checkpoint_event_count,
        "checkpoint_realized": state.checkpoint_realized,
        "updated_at": state.updated_at,
        "extra": dumps(encode_extra(state, _CAPITAL_COLUMNS)),
    }


def capital_from_row(row: Row) -> CapitalState:
    return CapitalState(
        trading_capital=row["trading_capital"],
        treasury=row["treasury"],
        checkpoint_event_count=int(row["checkpoint_event_count"]),
        checkpoint_realized=row["checkpoint_realized"],
        updated_at=row["updated_at"],
        **decode_extra(CapitalState, loads(row["extra"])),
    )


def risk_to_row(state: RiskState) -> dict[str, Any]:
    return {
        "id": 1,
        "mode": state.mode.value,
        "mode_since": state.mode_since,
        "cooldown_until": state.cooldown_until,
        "equity_high_water_mark": state.equity_high_water_mark,
        "day_anchor": state.day_anchor,
        "day_start_realized": state.day_start_realized,
        "degrade_level": state.degrade_level,
        "degrade_until": state.degrade_until,
        "stable_cycles": state.stable_cycles,
        "reasons": dumps(list(state.reasons)),
        "updated_at": state.updated_at,
        "extra": dumps(encode_extra(state, _RISK_COLUMNS)),
    }


def risk_from_row(row: Row) -> RiskState:
    return RiskState(
        mode=RiskMode(row["mode"]),
        mode_since=row["mode_since"],
        cooldown_until=row["cooldown_until"],
        equity_high_water_mark=row["equity_high_water_mark"],
        day_anchor=row["day_anchor"],
        day_start_realized=row["day_start_realized"],
        degrade_level=int(row["degrade_level"]),
        degrade_until=row["degrade_until"],
        stable_cycles=int(row["stable_cycles"]),
        reasons=tuple(loads(row["reasons"])),
        updated_at=row["updated_at"],
        **decode_extra(RiskState, loads(row["extra"])),  # type: ignore[arg-type]
    )


def params_to_row(params: ParameterSet) -> dict[str, Any]:
    return {
        "version": params.version,
        "parameters": dumps(dict(params.values)),
        "created_at": params.created_at,
        "reason": params.reason,
        "active": params.active,
    }


def params_from_row(row: Row) -> ParameterSet:
    return ParameterSet(
        version=int(row["version"]),
        values=loads(row["parameters"]),
        created_at=row["created_at"],
        reason=row["reason"],
        active=bool(row["active"]),
    )
