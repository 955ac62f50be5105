"""Regression tests for the pipeline safety review (each once lost or misstated money)."""

from __future__ import annotations

from decimal import Decimal as D

from btcbot_adapters.memory import InMemoryUnitOfWork
from btcbot_core import Quote
from btcbot_core.errors import TransientExchangeError
from btcbot_core.pipeline import CyclePorts, CycleSession, Fate, run_cycle
from tests.pipeline.harness import BTCTRY, Harness


def exchange_balances(h: Harness) -> dict[str, D]:
    return {a: b.total for a, b in h.exchange.balances().items() if b.total}


def test_a_fresh_state_database_does_not_book_the_accounts_history_again() -> None:
    h = Harness()
    h.cycle(1_000_000, 1_001_000)
    h.cycle(999_000, 999_400)  # the buy fills: history of the account from now on
    h.cycle(999_000, 1_000_000)
    uow = InMemoryUnitOfWork()  # new machine / deleted state database
    ports = CyclePorts(h.exchange, h.exchange, h.exchange, uow, lambda: h.gate())
    session = CycleSession.open(uow, h.params, h.profile)
    report = run_cycle(ports, h.profile, h.params, h.now, session=session)
    assert session.ledger.balances() == exchange_balances(h)
    assert "FILL_HISTORY_SKIPPED" in [r.code for r in report.reasons]
    assert report.fills_ingested == ()


def test_a_fill_delivered_again_after_a_snapshot_restart_is_booked_once() -> None:
    h = Harness(params={"ledger_snapshot_every": 2})
    h.cycle(1_000_000, 1_001_000)
    h.cycle(999_000, 999_400)  # fill booked, snapshot saved
    h.cycle(999_000, 1_000_000)
    h.session = CycleSession.open(h.uow, h.params, h.profile)  # restart from the snapshot
    h.exchange.faults.duplicate_next_fill_report()
    report = h.cycle(999_000, 1_000_000)
    assert report.fills_ingested == ()
    assert h.session.ledger.balances() == exchange_balances(h)
    for _ in range(3):  # and later restarts do not wedge on a capital checkpoint
        h.session = CycleSession.open(h.uow, h.params, h.profile)
        h.cycle(999_000, 1_000_000)
    assert h.session.ledger.balances() == exchange_balances(h)


class RacingTrading:
    """The order fills between the cycle's poll and its cancel (a real-exchange race)."""

    def __init__(self, h: Harness) -> None:
        self.h, self.race = h, False

    def __getattr__(self, name: str) -> object:
        return getattr(self.h.exchange, name)

    def cancel(self, pair, exchange_order_id):  # type: ignore[no-untyped-def]
        if self.race:
            self.h.exchange.set_quote(Quote(BTCTRY, D(999_000), D(999_400), self.h.now))
        return self.h.exchange.cancel(pair, exchange_order_id)


def test_a_cancel_that_lost_the_race_to_a_fill_is_not_booked_as_cancelled() -> None:
    h = Harness(strategy_values={"TARGET_TRY": "500", "TTL_SECONDS": "60"})
    trading = RacingTrading(h)
    h.ports = CyclePorts(h.exchange, trading, h.exchange, h.uow, lambda: h.gate())  # type: ignore[arg-type]
    coid = h.cycle(1_000_000, 1_001_000).submitted[0]
    h.minute += 2
    trading.race = True
    report = h.cycle(1_005_000, 1_006_000)  # TTL cancel, but the buy fills first
    trading.race = False
    assert report.cancelled == ()
    assert [r.code for _, r in report.cancel_blocked] == ["CANCEL_TOO_LATE"]
    assert not any(
        o.fate is Fate.SUBMITTED and o.intent.side.value == "BUY" for o in report.intents
    )
    h.cycle(1_005_000, 1_006_000)
    with h.uow:
        stored = h.uow.orders.get(coid)
    assert stored is not None and stored.status.value == "FILLED"
    assert h.session.ledger.balances() == exchange_balances(h)
    assert exchange_balances(h)["BTC"] == D("0.00050025")  # one position, not two


class LaggyTrading:
    """Accepts the first submit, times out, and shows the order only a little later."""

    def __init__(self, h: Harness) -> None:
        self.h, self.hidden_until_minute, self.first = h, 0, True

    def __getattr__(self, name: str) -> object:
        return getattr(self.h.exchange, name)

    def submit(self, request):  # type: ignore[no-untyped-def]
        ack = self.h.exchange.submit(request)
        if self.first:
            self.first = False
            self.hidden_until_minute = self.h.minute + 1
            raise TransientExchangeError("timeout after accept")
        return ack

    def _visible(self) -> bool:
        return self.h.minute > self.hidden_until_minute

    def open_orders(self, pairs):  # type: ignore[no-untyped-def]
        return self.h.exchange.open_orders(pairs) if self._visible() else []

    def order_by_client_id(self, pair, coid):  # type: ignore[no-untyped-def]
        return self.h.exchange.order_by_client_id(pair, coid) if self._visible() else None


def test_an_order_shown_late_is_adopted_not_abandoned_and_doubled() -> None:
    h = Harness(profile="stage4", strategy_values={"TARGET_TRY": "500", "TTL_SECONDS": "3600"})
    trading = LaggyTrading(h)
    h.ports = CyclePorts(h.exchange, trading, h.exchange, h.uow, lambda: h.gate())  # type: ignore[arg-type]
    for _ in range(4):
        h.cycle(1_000_000, 1_001_000)
    buys = [o for o in h.exchange.open_orders([BTCTRY]) if o.side.value == "BUY"]
    assert len(buys) == 1  # adopted once visible; no second buy beside it
    assert buys[0].client_order_id in h.session.live_orders


def test_stage3_sizes_buys_with_the_cash_buffer() -> None:
    # stage3 used to run without allocation: a 500 TRY buy from 600 TRY cash, target 300
    h = Harness(cash="600", profile="stage3")
    report = h.cycle(1_000_000, 1_001_000)
    sent = [o for o in report.intents if o.fate is Fate.SUBMITTED]
    assert len(sent) == 1 and sent[0].price is not None and sent[0].quantity is not None
    assert sent[0].price * sent[0].quantity <= D("299.40")  # (600 - 300) / 1.002, kuruş down


def test_hot_value_objects_keep_the_field_order_their_builders_rely_on() -> None:
    # The pipeline builds these every cycle with positional arguments (keywords cost more);
    # a reordered or new field must be reflected at those call sites.
    import attrs

    from btcbot_core.ledger import Valuation
    from btcbot_core.pipeline.report import CycleReport
    from btcbot_core.strategies import StrategyContext

    def names(cls: type) -> list[str]:
        return [f.name for f in attrs.fields(cls)]

    assert names(Valuation) == [
        "cash",
        "positions_value",
        "equity",
        "realized_pnl",
        "unrealized_pnl",
        "fees",
        "net_deposits",
        "turnover",
        "high_water_mark",
    ]
    assert names(CycleReport) == [
        "run_id",
        "cycle",
        "stage",
        "now",
        "market",
        "mode",
        "multiplier",
        "reasons",
        "intents",
        "submitted",
        "cancelled",
        "cancel_blocked",
        "fills_ingested",
        "valuation",
        "capital",
        "order_updates",
        "timings_ms",
    ]
    from btcbot_core.orders import Fill, Order, OrderIntent
    from btcbot_core.pipeline.decide import DecideInputs

    assert names(OrderIntent) == [  # sma_cross builds intents positionally
        "pair",
        "side",
        "price",
        "quantity",
        "notional",
        "order_type",
        "reason",
        "strategy",
    ]
    assert names(DecideInputs) == [  # the cycle builds them positionally
        "now",
        "run_id",
        "cycle",
        "rules",
        "marks",
        "positions",
        "live_orders",
        "last_order_at",
        "allocation",
        "risk_policy",
        "cash",
        "trading_capital",
        "deployed_try",
        "multiplier",
    ]
    assert names(Fill) == [  # the simulator builds fills positionally
        "fill_id",
        "order_id",
        "client_order_id",
        "pair",
        "side",
        "price",
        "quantity",
        "fee",
        "fee_asset",
        "timestamp",
        "tax",
    ]
    assert names(Order)[:9] == [  # Order.planned and Order._with
        "client_order_id",
        "pair",
        "side",
        "quantity",
        "price",
        "order_type",
        "status",
        "created_at",
        "updated_at",
    ]
    assert names(StrategyContext) == [
        "now",
        "market",
        "pairs",
        "positions",
        "cash",
        "open_orders",
        "rules",
    ]


def test_a_backtest_stores_the_risk_and_capital_state_of_its_quiet_cycles_too() -> None:
    # The backtest profile records only eventful cycles, but capital and risk state that a
    # quiet cycle moves (a new equity high, say) is written at once: the stores never lag
    # the session, which is rebuilt from them after a failed cycle.
    from datetime import timedelta
    from decimal import Decimal as D

    from btcbot_core import Bar, Pair
    from tests.pipeline.harness import T0, BarRig

    pair = Pair("BTC", "TRY")
    rig = BarRig(
        (pair,),
        {"FAST": "3", "SLOW": "8", "ORDER_TRY": "400"},
        run_id="bt",
        profile="backtest",
        tax_ratio="0",
    )
    exchange, uow, session = rig.exchange, rig.uow, rig.session
    # down, then a long climb (a cross up: buy, then new equity highs in quiet cycles), then
    # down again (a cross down: sell, an eventful cycle)
    steps = [-20] * 30 + [25] * 60 + [-30] * 30
    price = D("600000")
    checked = 0
    for i, step in enumerate(steps):
        t = T0 + timedelta(minutes=i)
        close = (price * (1 + D(step) / 10000)).quantize(D("0.01"))
        exchange.on_bar(Bar(pair, t, price, max(price, close), min(price, close), close, "5"))
        price = close
        report = rig.cycle(t + timedelta(minutes=1))
        # after every cycle, recorded or not: a failed cycle rebuilds from the stores
        with uow:
            assert uow.risk.load() == session.risk
            assert uow.capital.load() == session.capital
        checked += not report.quiet
    assert checked >= 3  # the buy, its fill, the sell
    assert session.risk.equity_high_water_mark > D("100000")  # highs came in quiet cycles
