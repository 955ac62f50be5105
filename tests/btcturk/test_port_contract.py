"""One trading-port contract, run against the fake (the simulated exchange in-process) and
the real adapter (BtcturkAdapter over HTTP against the sandbox). Same scenario, same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from btcbot_adapters.btcturk.rules import symbol_report
from btcbot_adapters.sandbox import catalog
from btcbot_adapters.sandbox.server import SandboxConfig, SandboxServer
from btcbot_adapters.simulated import FeeSchedule, MatchMode, SimulatedExchange
from btcbot_core.market import Quote
from btcbot_core.orders import OrderRequest, OrderStatus, OrderType, Side
from btcbot_core.ports import AccountPort, MarketDataPort, TradingPort
from tests.btcturk.conftest import BTCTRY, make_adapter

FUNDS = {"TRY": Decimal(1_000_000)}
FEES = FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2")


def _fake() -> Iterator[Any]:
    rules = symbol_report(catalog.entry_for(BTCTRY)).rules
    assert rules is not None
    sim = SimulatedExchange([rules], FUNDS, mode=MatchMode.QUOTES, fees=FEES)
    sim.set_quote(
        Quote(
            BTCTRY,
            Decimal(2_999_000),
            Decimal(3_001_000),
            datetime(2026, 1, 1, tzinfo=UTC),
            Decimal(1),
            Decimal(1),
        )
    )
    yield sim


def _real() -> Iterator[Any]:
    with SandboxServer(SandboxConfig(pairs=(BTCTRY,), balances=FUNDS, rate_limit_scale=0)) as srv:
        adapter = make_adapter(srv)
        yield adapter
        adapter.client.close()


@pytest.fixture(params=[_fake, _real], ids=["simulated", "btcturk-over-sandbox"])
def port(request: pytest.FixtureRequest) -> Iterator[Any]:
    factory: Callable[[], Iterator[Any]] = request.param
    yield from factory()


def test_trading_port_contract(port: Any) -> None:
    assert isinstance(port, TradingPort) and isinstance(port, MarketDataPort)
    assert isinstance(port, AccountPort)
    quote = port.quotes([BTCTRY])[BTCTRY]
    rules = port.symbol_rules([BTCTRY])[BTCTRY]
    assert rules.min_notional == 100 and rules.price_step == 1

    resting = OrderRequest(
        "k-rest", BTCTRY, Side.BUY, Decimal("0.001"), quote.bid - 50_000, OrderType.LIMIT
    )
    ack = port.submit(resting)
    assert ack.client_order_id == "k-rest"
    (live,) = port.open_orders([BTCTRY])
    assert (live.exchange_order_id, live.status) == (ack.exchange_order_id, OrderStatus.OPEN)
    assert port.balances()["TRY"].locked > 0
    assert port.cancel(BTCTRY, ack.exchange_order_id) is True
    assert port.open_orders([BTCTRY]) == []
    gone = port.order_by_client_id(BTCTRY, "k-rest")
    assert gone is not None and gone.status is OrderStatus.CANCELED
    assert port.cancel(BTCTRY, ack.exchange_order_id) is False
    assert port.order_by_client_id(BTCTRY, "k-never") is None

    crossing = OrderRequest(
        "k-take", BTCTRY, Side.BUY, Decimal("0.001"), quote.ask + 50_000, OrderType.LIMIT
    )
    taken = port.submit(crossing)
    filled = port.order_by_client_id(BTCTRY, "k-take")
    assert filled is not None and filled.status is OrderStatus.FILLED
    assert filled.exchange_order_id == taken.exchange_order_id
    page = port.fills_since(BTCTRY, None)
    (fill,) = page.fills
    assert (fill.client_order_id, fill.quantity, fill.fee_asset) == (
        "k-take",
        Decimal("0.001"),
        "TRY",
    )
    assert fill.tax == (fill.fee * Decimal("0.2")).quantize(Decimal("0.00000001"))
    assert port.fills_since(BTCTRY, page.cursor).fills == ()
    balances = port.balances()
    assert balances["BTC"].free == Decimal("0.001")
    assert balances["TRY"].total == FUNDS["TRY"] - fill.notional - fill.fee - fill.tax
