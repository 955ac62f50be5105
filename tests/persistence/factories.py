"""Builders of core values for the persistence tests (deterministic, UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from btcbot_core.ledger_events import (
    AdjustmentEvent,
    DepositEvent,
    FeeEvent,
    FillEvent,
    LedgerEvent,
    WithdrawalEvent,
)
from btcbot_core.orders import Fill, Order, OrderRequest, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.state import CycleRecord, RiskMode

T0 = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
BTCTRY = Pair("BTC", "TRY")
ETHBTC = Pair("ETH", "BTC")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def order(cid: str = "bbb0001", *, seconds: float = 0, pair: Pair = BTCTRY) -> Order:
    request = OrderRequest(
        client_order_id=cid,
        pair=pair,
        side=Side.BUY,
        quantity=Decimal("0.00123400"),
        price=Decimal("2500000.10"),
        order_type=OrderType.LIMIT,
    )
    return Order.planned(request, at(seconds))


def fill(fill_id: str = "t1", *, cid: str = "bbb0001", pair: Pair = BTCTRY) -> Fill:
    return Fill(
        fill_id=fill_id,
        order_id="ex-1",
        client_order_id=cid,
        pair=pair,
        side=Side.BUY,
        price=Decimal("2500000.10"),
        quantity=Decimal("0.000617"),
        fee=Decimal("1.5425"),
        fee_asset="TRY",
        timestamp=at(1),
        tax=Decimal("0.3085"),
    )


def deposit(n: int, amount: str = "1000.00") -> DepositEvent:
    return DepositEvent(event_id=f"dep-{n}", timestamp=at(n), asset="TRY", amount=amount)


def every_event_type() -> list[LedgerEvent]:
    """One event of each type that folds cleanly from an empty ledger, in order."""
    return [
        DepositEvent(event_id="d1", timestamp=at(0), asset="TRY", amount="100000.00"),
        DepositEvent(event_id="d2", timestamp=at(1), asset="ETH", amount="2", rate="90000"),
        FillEvent(fill=fill("f1")),
        FillEvent(
            fill=Fill(
                fill_id="f2",
                order_id="ex-2",
                client_order_id="bbs0002",
                pair=ETHBTC,
                side=Side.SELL,
                price=Decimal("0.035"),
                quantity=Decimal("0.5"),
                fee=Decimal("0.0001"),
                fee_asset="ETH",
                timestamp=at(2),
            ),
            quote_rate=Decimal("2500000"),
            fee_rate=Decimal("20000.5"),
        ),
        FeeEvent(
            event_id="fee1",
            timestamp=at(3),
            asset="TRY",
            amount="1.25",
            tax="0.25",
            reference="commission correction",
        ),
        WithdrawalEvent(event_id="w1", timestamp=at(4), asset="TRY", amount="10"),
        AdjustmentEvent(
            event_id="a1",
            timestamp=at(5),
            asset="BTC",
            amount="-0.0001",
            reason="recon",
            rate="2500000",
        ),
        AdjustmentEvent(
            event_id="a2",
            timestamp=at(6),
            asset="ETH",
            amount="0.01",
            reason="airdrop",
            rate="91000.123",
        ),
    ]


def cycle(run_id: str = "run1", n: int = 1, **report: object) -> CycleRecord:
    return CycleRecord(
        run_id=run_id,
        cycle=n,
        started_at=at(n * 10),
        finished_at=at(n * 10 + 1.5),
        mode=RiskMode.NORMAL,
        report={"cycle": n, "equity": "1000.10", "orders": [], **report},
    )
