"""Scripted-market scenarios of the whole pipeline (issue 3)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from btcbot_core import Side
from btcbot_core.arming import ArmingFacts, ArmingSettings, side_effect_policy
from btcbot_core.pipeline import Fate
from btcbot_core.state import RiskMode, RiskState
from tests.pipeline.harness import BTCTRY, T0, Harness


def fates(report) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(o.intent.side.value, o.fate.value) for o in report.intents]


def test_dip_then_recovery_buys_then_sells_at_a_profit_exact_to_the_kurus() -> None:
    h = Harness()
    first = h.cycle(1_000_000, 1_001_000)
    assert fates(first) == [("BUY", "SUBMITTED")]
    buy = first.intents[0]
    # bid 1,000,000 − 5 bps = 999,500 (whole TRY price step); 500 TRY / 999,500, 8 dp down
    assert buy.price == D("999500") and buy.quantity == D("0.00050025")
    filled = h.cycle(999_000, 999_400)  # ask trades through our bid: the buy fills as maker
    assert len(filled.fills_ingested) == 1
    report = filled if any(o.intent.side is Side.SELL for o in filled.intents) else h.cycle()
    ledger = h.session.ledger
    notional = D("999500") * D("0.00050025")  # 499.999875
    buy_fee = (notional * D("0.001")).quantize(D("0.00000001"))
    # maker fee 10 bps and 20 % tax on it, both in TRY
    assert ledger.fees == buy_fee + (buy_fee * D("0.2")).quantize(D("0.00000001"))
    sells = [o for o in report.intents if o.intent.side is Side.SELL]
    assert sells and sells[0].fate is Fate.SUBMITTED
    sell_price = sells[0].price
    assert sell_price is not None
    # the take-profit floor covers both fees: selling there is profitable after fees
    h.cycle(1_010_000, 1_011_000)  # bid trades through the sell limit
    h.cycle(1_010_000, 1_011_000)
    assert ledger.balance("BTC") == 0
    assert ledger.round_trips == 1 and ledger.last_round_trip_pnl is not None
    assert ledger.last_round_trip_pnl > 0
    balances = h.exchange.balances()
    assert balances["TRY"].total == ledger.cash  # the ledger and the exchange agree exactly
    assert ledger.realized_pnl == ledger.cash - D("10000")


def test_a_realized_loss_reduces_trading_capital_and_cycles_go_on() -> None:
    h = Harness(strategy_values={"TARGET_TRY": "500", "TTL_SECONDS": "60"})
    h.cycle(1_000_000, 1_001_000)
    h.cycle(999_000, 999_400)  # buy fills
    capital_after_buy = h.session.capital
    assert capital_after_buy is not None
    # force a loss: the market collapses and we sell below cost through a scripted manual
    # sell order placed as if by the strategy's exit (market order at the touch)
    from btcbot_core import OrderRequest, OrderType

    held = h.session.ledger.balance("BTC")
    h.quote(900_000, 901_000)
    for resting in h.exchange.open_orders([BTCTRY]):  # the operator cancels the take-profit
        h.exchange.cancel(BTCTRY, resting.exchange_order_id)
    h.exchange.submit(OrderRequest("manual-exit", BTCTRY, Side.SELL, held, None, OrderType.MARKET))
    reports = [h.cycle(900_000, 901_000) for _ in range(3)]
    assert h.session.ledger.realized_pnl < 0
    capital = h.session.capital
    assert capital is not None
    assert capital.trading_capital < capital_after_buy.trading_capital
    assert capital.treasury == capital_after_buy.treasury
    assert all(r.cycle > 0 for r in reports)  # no cycle raised
    assert any(r.reasons for r in reports)


def test_reduce_risk_only_mode_only_sells() -> None:
    h = Harness()
    h.cycle(1_000_000, 1_001_000)
    h.cycle(999_000, 999_400)  # buy fills
    with h.uow:
        h.uow.risk.save(
            RiskState(
                mode=RiskMode.REDUCE_RISK_ONLY,
                mode_since=T0,
                cooldown_until=T0 + timedelta(days=1),
                equity_high_water_mark=D("10000"),
            )
        )
        h.uow.commit()
    h.session.risk = RiskState(
        mode=RiskMode.REDUCE_RISK_ONLY, mode_since=T0, cooldown_until=T0 + timedelta(days=1)
    )
    report = h.cycle(999_000, 1_000_000)
    assert report.mode is not RiskMode.NORMAL
    assert all(o.intent.side is Side.SELL for o in report.intents if o.fate is Fate.SUBMITTED)


def test_observe_only_submits_nothing_but_cancels_stale_orders() -> None:
    h = Harness(strategy_values={"TARGET_TRY": "500", "TTL_SECONDS": "60"})
    first = h.cycle(1_000_000, 1_001_000)
    assert first.submitted
    h.session.risk = RiskState(
        mode=RiskMode.OBSERVE_ONLY, mode_since=T0, cooldown_until=T0 + timedelta(days=1)
    )
    h.minute += 2  # the resting buy is now older than its TTL
    report = h.cycle(1_005_000, 1_006_000)
    assert report.mode is RiskMode.OBSERVE_ONLY
    assert report.cancelled == first.submitted
    assert not report.submitted
    assert all(o.fate is Fate.BLOCKED_BY_MODE for o in report.intents)
    assert not h.exchange.open_orders([BTCTRY])


def test_kill_switch_blocks_every_write_and_the_report_says_why() -> None:
    settings = ArmingSettings(
        dry_run=False, kill_switch=True, live_trading=True, live_trading_ack="I_UNDERSTAND"
    )
    facts = ArmingFacts(has_credentials=True, stage_allows_live=True, stage="stage4")
    h = Harness(profile="stage4", gate=lambda: side_effect_policy(settings, facts))
    report = h.cycle(1_000_000, 1_001_000)
    assert fates(report) == [("BUY", "BLOCKED_BY_GATE")]
    assert [r.code for r in report.intents[0].reasons] == ["KILL_SWITCH"]
    assert not h.exchange.open_orders([BTCTRY])
    assert report.submitted == ()


def test_default_settings_never_write() -> None:
    h = Harness(profile="stage4", gate=lambda: side_effect_policy(ArmingSettings(), ArmingFacts()))
    report = h.cycle(1_000_000, 1_001_000)
    assert fates(report) == [("BUY", "BLOCKED_BY_GATE")]
    codes = {r.code for r in report.intents[0].reasons}
    assert {"DRY_RUN", "KILL_SWITCH", "NOT_ARMED", "ACK_MISSING"} <= codes
    assert report.intents[0].price == D("999500")  # what would have been sent
    assert not h.exchange.open_orders([BTCTRY])
    with h.uow:  # a dry run records no order at all
        assert h.uow.orders.live() == []
        assert h.uow.orders.get(report.intents[0].client_order_id or "") is None


def test_min_notional_and_scale_violations_are_reported_not_sent() -> None:
    h = Harness(strategy_values={"TARGET_TRY": "99"})
    report = h.cycle(1_000_000, 1_001_000)
    assert fates(report) == [("BUY", "REJECTED_BY_RULES")]
    assert report.intents[0].reasons[0].code == "BELOW_MIN_NOTIONAL"
    assert not h.exchange.open_orders([BTCTRY])


def test_restart_resumes_from_the_stores() -> None:
    h = Harness()
    h.cycle(1_000_000, 1_001_000)
    h.cycle(999_000, 999_400)
    h.cycle(999_000, 1_000_000)
    before = h.session.ledger.snapshot()
    h.session.stale = True  # as after a crash: the next cycle rebuilds from the stores
    report = h.cycle(999_000, 1_000_000)
    assert report.cycle == 4
    assert h.session.ledger.snapshot().event_count >= before.event_count
    assert h.session.ledger.balance("BTC") == before.lots["BTC"][0][0]


def test_a_trade_of_funds_the_ledger_never_saw_is_adjusted_not_a_stuck_bot() -> None:
    from btcbot_core import OrderRequest, OrderType

    h = Harness()
    h.cycle(1_000_000, 1_001_000)  # seeds the ledger from the exchange: 10,000 TRY
    h.exchange.deposit("BTC", "0.01")  # the user deposits BTC outside the bot and sells it
    h.exchange.submit(OrderRequest("manual-1", BTCTRY, Side.SELL, "0.01", None, OrderType.MARKET))
    report = h.cycle(1_000_000, 1_001_000)  # used to raise LedgerError on every cycle
    codes = [r.code for r in report.reasons]
    assert "ORPHAN_FILL" in codes and "LEDGER_ADJUSTED" in codes
    h.cycle(1_000_000, 1_001_000)
    ledger = h.session.ledger
    actual = {a: b.total for a, b in h.exchange.balances().items() if b.total}
    assert ledger.balances() == actual  # the books match the exchange exactly again


def test_a_holding_outside_the_configured_pairs_is_priced_or_blocks_new_risk() -> None:
    from btcbot_core import DepositEvent, Pair, SymbolRules

    eth = Pair("ETH", "TRY")
    eth_rules = SymbolRules(eth, price_scale=0, qty_scale=8, min_notional="100")
    from tests.pipeline.harness import RULES

    h = Harness(rules=(RULES, eth_rules))
    h.quote(50_000, 50_050, pair=eth)
    h.cycle(1_000_000, 1_001_000)
    with h.uow:  # the ledger holds ETH from an earlier configuration...
        event = DepositEvent("old-eth", h.now, "ETH", "1", rate="50000")
        h.uow.ledger.append([event])
        h.uow.commit()
    h.session.stale = True
    h.with_params(pairs=(BTCTRY,))  # ...and ETHTRY is no longer traded
    report = h.cycle(1_000_000, 1_001_000)
    assert h.session.marks["ETH"] == D("50025")  # fetched although not configured
    assert report.valuation is not None and report.valuation.positions_value == D("50025")
    # an asset nobody quotes: valued at cost, reported, no new orders, no exception
    with h.uow:
        h.uow.ledger.append([DepositEvent("odd", h.now, "XYZ", "2", rate="10")])
        h.uow.commit()
    h.session.stale = True
    report = h.cycle(1_000_000, 1_001_000)
    assert "UNPRICED_POSITION" in [r.code for r in report.reasons]
    assert report.mode is RiskMode.OBSERVE_ONLY and not report.submitted
