from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from btcbot_core import (
    AdjustmentEvent,
    CostMethod,
    DepositEvent,
    FeeEvent,
    Fill,
    FillEvent,
    Ledger,
    LedgerError,
    Pair,
    Side,
    WithdrawalEvent,
)
from btcbot_core.ledger import Valuation

T0 = datetime(2024, 1, 1, tzinfo=UTC)
BTCTRY = Pair("BTC", "TRY")
ETHBTC = Pair("ETH", "BTC")


def fill(
    fid: str,
    side: Side,
    price: str,
    qty: str,
    fee: str = "0",
    fee_asset: str = "TRY",
    tax: str = "0",
    pair: Pair = BTCTRY,
) -> FillEvent:
    ts = T0 + timedelta(minutes=len(fid))
    return FillEvent(Fill(fid, "o", "c", pair, side, price, qty, fee, fee_asset, ts, tax))


def funded(method: CostMethod = CostMethod.FIFO, cash: str = "10000") -> Ledger:
    ledger = Ledger(method)
    ledger.apply(DepositEvent("dep", T0, "TRY", cash))
    return ledger


def test_round_trip_with_fees_and_tax_exact_to_the_kurus() -> None:
    ledger = funded()
    ledger.apply(fill("b1", Side.BUY, "1000", "2", fee="2.00", tax="0.40"))
    assert ledger.cash == D("7997.60")
    ledger.apply(fill("s1", Side.SELL, "1100", "2", fee="2.20", tax="0.44"))
    val = ledger.revalue({})
    assert val.cash == D("10194.96")
    assert val.fees == D("5.04")
    assert val.realized_pnl == D("194.96")  # 200 gross − 5.04 fees and tax
    assert val.equity - val.net_deposits == val.realized_pnl
    assert val.turnover == D("4200")
    assert ledger.round_trips == 1 and ledger.last_round_trip_pnl == D("194.96")


def test_fifo_and_average_realize_differently_but_total_the_same() -> None:
    marks = {"BTC": D("130")}
    results = {}
    for method in CostMethod:
        ledger = funded(method)
        ledger.apply(fill("b1", Side.BUY, "100", "1"))
        ledger.apply(fill("b22", Side.BUY, "120", "1"))
        ledger.apply(fill("s333", Side.SELL, "125", "1"))
        results[method] = ledger.valuation(marks)
    fifo, avg = results[CostMethod.FIFO], results[CostMethod.AVERAGE]
    assert fifo.realized_pnl == D("25") and avg.realized_pnl == D("15")
    assert fifo.unrealized_pnl == D("10") and avg.unrealized_pnl == D("20")
    assert fifo.realized_pnl + fifo.unrealized_pnl == avg.realized_pnl + avg.unrealized_pnl


def test_partial_lot_consumption_fifo() -> None:
    ledger = funded()
    ledger.apply(fill("b1", Side.BUY, "100", "3"))
    ledger.apply(fill("b22", Side.BUY, "200", "1"))
    ledger.apply(fill("s333", Side.SELL, "150", "2"))
    pos = ledger.position("BTC")
    assert pos.quantity == D("2") and pos.cost_basis == D("300")
    assert ledger.realized_pnl == D("100")


def test_selling_more_than_held_names_the_event_and_changes_nothing() -> None:
    ledger = funded()
    ledger.apply(fill("b1", Side.BUY, "100", "1"))
    before = ledger.snapshot()
    with pytest.raises(LedgerError, match="fill:BTCTRY:s22"):
        ledger.apply(fill("s22", Side.SELL, "100", "1.5"))
    assert ledger.snapshot() == before
    assert not ledger.has_applied("fill:BTCTRY:s22")


def test_spending_more_cash_than_held_is_an_error() -> None:
    ledger = funded(cash="100")
    with pytest.raises(LedgerError, match="TRY"):
        ledger.apply(fill("b1", Side.BUY, "100", "1", fee="0.1"))


def test_duplicate_fill_is_a_noop() -> None:
    ledger = funded()
    event = fill("b1", Side.BUY, "100", "1")
    assert ledger.apply(event) is True
    assert ledger.apply(event) is False
    assert ledger.balance("BTC") == 1 and ledger.event_count == 2


def test_same_trade_id_on_two_pairs_is_two_fills() -> None:
    ledger = funded()
    ledger.apply(DepositEvent("depbtc", T0, "BTC", "1", rate="100"))
    assert ledger.apply(fill("x", Side.BUY, "100", "1"))
    eth = fill("x", Side.BUY, "0.05", "1", pair=ETHBTC).fill
    assert ledger.apply(FillEvent(eth, quote_rate="100"))


def test_fee_in_base_asset_reduces_the_position_and_is_booked_in_try() -> None:
    ledger = funded()
    ledger.apply(fill("b1", Side.BUY, "1000", "1", fee="0.001", fee_asset="BTC"))
    assert ledger.balance("BTC") == D("0.999")
    assert ledger.fees == D("1.000")
    val = ledger.valuation({"BTC": D("1000")})
    assert val.equity == D("9999.000")
    assert val.realized_pnl + val.unrealized_pnl == val.equity - val.net_deposits


def test_fee_in_a_third_asset_needs_a_rate() -> None:
    ledger = funded()
    with pytest.raises(LedgerError, match="no TRY rate for BNB"):
        ledger.apply(fill("b1", Side.BUY, "100", "1", fee="0.01", fee_asset="BNB"))
    ledger.apply(DepositEvent("bnb", T0, "BNB", "1", rate="500"))
    event = FillEvent(
        Fill("b1", "o", "c", BTCTRY, Side.BUY, "100", "1", "0.01", "BNB", T0), fee_rate="600"
    )
    ledger.apply(event)
    assert ledger.fees == D("6.00")


def test_non_try_quote_needs_a_rate() -> None:
    ledger = funded()
    ledger.apply(DepositEvent("btc", T0, "BTC", "1", rate="1000000"))
    with pytest.raises(LedgerError, match="no TRY rate for BTC"):
        ledger.apply(fill("e1", Side.BUY, "0.05", "2", pair=ETHBTC))
    ledger.apply(
        FillEvent(fill("e1", Side.BUY, "0.05", "2", pair=ETHBTC).fill, quote_rate="1100000")
    )
    assert ledger.balance("ETH") == 2 and ledger.balance("BTC") == D("0.90")
    # the BTC spent realized its gain over cost: 0.1 × (1,100,000 − 1,000,000)
    assert ledger.realized_pnl == D("10000.000")
    assert ledger.position("ETH").cost_basis == D("110000.000")


def test_missing_mark_is_an_error_never_zero() -> None:
    ledger = funded()
    ledger.apply(fill("b1", Side.BUY, "100", "1"))
    with pytest.raises(LedgerError, match="no mark for BTC"):
        ledger.valuation({})


def test_high_water_mark_and_drawdown() -> None:
    ledger = funded(cash="1000")
    ledger.apply(fill("b1", Side.BUY, "100", "5"))
    assert ledger.revalue({"BTC": D("120")}).high_water_mark == D("1100")
    val = ledger.revalue({"BTC": D("80")})
    assert val.equity == D("900")
    assert val.drawdown == D("200")
    assert val.drawdown_ratio == D("200") / D("1100")
    # valuation() peeks without moving the mark
    assert ledger.valuation({"BTC": D("200")}).high_water_mark == D("1500")
    assert ledger.high_water_mark == D("1100")
    # valuation(marks, True) is revalue(): the mark moves up to the equity seen, never down
    assert ledger.valuation({"BTC": D("200")}, True).high_water_mark == D("1500")
    assert ledger.high_water_mark == D("1500")
    assert ledger.valuation({"BTC": D("100")}, True).drawdown == D("500")
    assert ledger.high_water_mark == D("1500")


def test_drawdown_is_derived_from_the_high_water_mark_and_equity() -> None:
    def valuation(equity: str, hwm: str) -> Valuation:
        zero = D(0)
        return Valuation(D(equity), zero, D(equity), zero, zero, zero, zero, zero, D(hwm))

    below = valuation("900", "1100")
    assert below.drawdown == D("200")
    assert below.drawdown_ratio == D("200") / D("1100")
    at_high = valuation("1100", "1100")
    assert at_high.drawdown == 0 and at_high.drawdown_ratio == 0
    assert valuation("0", "0").drawdown_ratio == 0  # no high yet: no ratio, no error
    # derived, so equal valuations have equal drawdowns (and the fields alone decide ==)
    assert below == valuation("900", "1100")


def test_a_failed_revalue_leaves_the_high_water_mark() -> None:
    ledger = funded(cash="1000")
    ledger.apply(fill("b1", Side.BUY, "100", "5"))
    ledger.apply(fill("e1", Side.BUY, "10", "1", pair=Pair("ETH", "TRY")))
    with pytest.raises(LedgerError, match="no mark for ETH"):
        ledger.revalue({"BTC": D("1000")})  # BTC alone would be a new high
    assert ledger.high_water_mark == D("0")


def test_loss_streak_counts_consecutive_losing_round_trips() -> None:
    ledger = funded()
    for n, exit_price in enumerate(["90", "95", "110", "80"]):
        ledger.apply(fill(f"b{'x' * n}", Side.BUY, "100", "1"))
        ledger.apply(fill(f"s{'x' * n}", Side.SELL, exit_price, "1"))
        assert ledger.loss_streak == [1, 2, 0, 1][n]
    assert ledger.round_trips == 4


def test_deposits_withdrawals_adjustments_and_standalone_fees() -> None:
    ledger = funded()
    ledger.apply(WithdrawalEvent("w", T0, "TRY", "1000"))
    ledger.apply(DepositEvent("d", T0, "BTC", "2", rate="100"))
    ledger.apply(AdjustmentEvent("a1", T0, "BTC", "-0.5", "exchange shows less", rate="120"))
    ledger.apply(FeeEvent("f", T0, "TRY", "1.5", tax="0.3"))
    assert ledger.balances() == {"TRY": D("8998.2"), "BTC": D("1.5")}
    assert ledger.net_deposits == D("10000") - 1000 + 200 - 60
    assert ledger.realized_pnl == D("10") - D("1.8")
    val = ledger.valuation({"BTC": D("100")})
    assert val.realized_pnl + val.unrealized_pnl == val.equity - val.net_deposits
    with pytest.raises(LedgerError):
        ledger.apply(WithdrawalEvent("w2", T0, "BTC", "5", rate="1"))
    with pytest.raises(LedgerError, match="rate"):
        ledger.apply(DepositEvent("d2", T0, "ETH", "1"))


def test_snapshot_round_trip() -> None:
    ledger = funded(CostMethod.AVERAGE)
    ledger.apply(fill("b1", Side.BUY, "100", "3"))
    clone = Ledger.from_snapshot(ledger.snapshot())
    assert clone.snapshot() == ledger.snapshot()
    assert clone.method is CostMethod.AVERAGE


def test_the_positions_view_keeps_the_objects_of_books_an_event_did_not_move() -> None:
    ledger = funded()
    ledger.apply(fill("b1", Side.BUY, "1000", "2"))
    ledger.apply(DepositEvent("dep-eth", T0, "ETH", "3", rate="100"))
    first = ledger.positions()
    ledger.apply(fill("b22", Side.BUY, "1000", "1.0"))  # moves BTC only
    second = ledger.positions()
    assert second is not first and second["ETH"] is first["ETH"]
    assert second["BTC"] is not first["BTC"] and str(second["BTC"].quantity) == "3.0"
    ledger.apply(fill("s333", Side.SELL, "1000", "3.0"))  # BTC flat: gone from the view
    assert set(ledger.positions()) == {"ETH"} and ledger.positions()["ETH"] is first["ETH"]
