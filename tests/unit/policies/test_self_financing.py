"""Self-financing checkpoints: exact splits, losses, idempotence, ordering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.errors import CapitalPolicyError, ValidationError
from btcbot_core.ledger import Ledger
from btcbot_core.ledger_events import DepositEvent, FillEvent
from btcbot_core.orders import Fill, Side
from btcbot_core.pair import Pair
from btcbot_core.self_financing import (
    CapitalCode,
    SelfFinancingParams,
    apply_checkpoint,
    initial_capital_state,
    split_profit,
)
from btcbot_core.state import CapitalState

D = Decimal
T0 = datetime(2026, 4, 1, tzinfo=UTC)
P = SelfFinancingParams()


def state(capital: str = "1000", treasury: str = "0", count: int = 0, realized: str = "0"):  # type: ignore[no-untyped-def]
    return CapitalState(
        trading_capital=D(capital),
        treasury=D(treasury),
        checkpoint_event_count=count,
        checkpoint_realized=D(realized),
    )


def test_profit_splits_60_40() -> None:
    new, dec = apply_checkpoint(state(), 5, D(100), T0, P)
    assert (new.trading_capital, new.treasury) == (D(1060), D(40))
    assert (new.checkpoint_event_count, new.checkpoint_realized) == (5, D(100))
    assert new.updated_at == T0
    assert dec.applied and dec.reason.code == CapitalCode.PROFIT_SPLIT
    assert (dec.trading_delta, dec.treasury_delta, dec.realized_delta) == (D(60), D(40), D(100))


def test_split_rounds_the_trading_share_half_even_and_sums_exactly() -> None:
    t, r = split_profit(D("0.000000005"), P)  # 0.000000003 → 0.00000000 (8 dp)
    assert t + r == D("0.000000005") and t == D("0E-8")
    t, r = split_profit(D("1.234567891234"), P)
    assert t == D("0.74074073") and t + r == D("1.234567891234")
    t, r = split_profit(D("0.0000000125"), SelfFinancingParams(trading_share=D("0.5")))
    assert t == D("0.00000001")  # 0.00000000625 rounds to 1e-8
    assert t + r == D("0.0000000125")


def test_loss_reduces_trading_capital_only() -> None:
    new, dec = apply_checkpoint(state(treasury="40", realized="100", count=5), 9, D(70), T0, P)
    assert (new.trading_capital, new.treasury) == (D(970), D(40))
    assert dec.reason.code == CapitalCode.LOSS_ABSORBED and dec.trading_delta == D(-30)
    assert dec.treasury_delta == 0


def test_loss_larger_than_capital_floors_at_zero() -> None:
    new, dec = apply_checkpoint(state(capital="20", treasury="40"), 3, D(-50), T0, P)
    assert new.trading_capital == 0 and new.treasury == D(40)
    assert dec.reason.code == CapitalCode.CAPITAL_EXHAUSTED
    assert dec.unabsorbed_loss == D(30)
    new2, dec2 = apply_checkpoint(new, 4, D(-60), T0, P)
    assert new2.trading_capital == 0 and dec2.unabsorbed_loss == D(10)
    new3, _ = apply_checkpoint(new2, 5, D(-10), T0, P)  # +50 profit refills from zero
    assert new3.trading_capital == D(30) and new3.treasury == D(60)


def test_same_event_count_is_a_no_op() -> None:
    s1, _ = apply_checkpoint(state(), 5, D(100), T0, P)
    s2, dec = apply_checkpoint(s1, 5, D(100), T0 + timedelta(minutes=1), P)
    assert s2 is s1
    assert not dec.applied and dec.reason.code == CapitalCode.CHECKPOINT_UNCHANGED


def test_count_going_backwards_raises() -> None:
    s1, _ = apply_checkpoint(state(), 5, D(100), T0, P)
    with pytest.raises(CapitalPolicyError, match="backwards"):
        apply_checkpoint(s1, 4, D(100), T0, P)


def test_same_count_with_different_realized_reanchors_without_moving_capital() -> None:
    s1, _ = apply_checkpoint(state(), 5, D(100), T0, P)
    s2, dec = apply_checkpoint(s1, 5, D(90), T0 + timedelta(minutes=1), P)
    assert dec.reason.code == CapitalCode.CHECKPOINT_REANCHORED
    assert (s2.trading_capital, s2.treasury) == (s1.trading_capital, s1.treasury)
    assert s2.checkpoint_realized == D(90) and s2.checkpoint_event_count == 5
    s3, dec = apply_checkpoint(s2, 6, D(100), T0, P)  # the next real profit is +10, not +0
    assert dec.realized_delta == D(10) and s3.treasury == s1.treasury + D(4)


def test_no_realized_change_moves_the_checkpoint() -> None:
    new, dec = apply_checkpoint(state(realized="5", count=2), 7, D(5), T0, P)
    assert new.checkpoint_event_count == 7 and new.trading_capital == D(1000)
    assert dec.applied and dec.reason.code == CapitalCode.NO_REALIZED_CHANGE


def test_params_validation() -> None:
    with pytest.raises(ValidationError, match="SELF_FINANCING_TRADING_SHARE"):
        SelfFinancingParams(trading_share=D("1.1"))
    assert SelfFinancingParams(trading_share=D("0.7")).treasury_share == D("0.3")


def test_initial_state_is_anchored_at_the_ledger() -> None:
    s = initial_capital_state(D(5000), T0, event_count=12, realized_pnl=D("3.5"))
    assert s.checkpoint_event_count == 12 and s.checkpoint_realized == D("3.5")
    same, dec = apply_checkpoint(s, 12, D("3.5"), T0, P)
    assert same is s and not dec.applied
    with pytest.raises(ValidationError):
        initial_capital_state(D(-1), T0)


def test_a_realized_loss_on_one_cycle_never_breaks_later_cycles() -> None:
    """The original bot raised on every cycle after a realized loss; here cycles go on."""
    btc = Pair("BTC", "TRY")
    ledger = Ledger()
    ledger.apply(DepositEvent("dep", T0, "TRY", D(10_000)))
    cap = initial_capital_state(D(10_000), T0, event_count=ledger.event_count)
    fills = [
        (Side.BUY, "1000000", "0.001"),
        (Side.SELL, "900000", "0.001"),  # cycle 2: a realized loss
        (Side.BUY, "900000", "0.001"),
        (Side.SELL, "990000", "0.001"),  # cycle 4: a profit
    ]
    history = []
    for cycle, (side, price, qty) in enumerate(fills, start=1):
        now = T0 + timedelta(minutes=cycle)
        notional = D(price) * D(qty)
        fill = Fill(
            f"f{cycle}",
            f"o{cycle}",
            f"c{cycle}",
            btc,
            side,
            D(price),
            D(qty),
            notional / 1000,
            "TRY",
            now,
        )
        ledger.apply(FillEvent(fill))
        for _repeat in range(2):  # the same checkpoint twice per cycle is a no-op
            cap, dec = apply_checkpoint(cap, ledger.event_count, ledger.realized_pnl, now, P)
        history.append((cap, dec))
    after_loss = history[1][0]
    assert after_loss.trading_capital < D(10_000) and after_loss.treasury == 0
    final = history[-1][0]
    assert final.treasury > 0
    assert final.trading_capital + final.treasury == D(10_000) + ledger.realized_pnl


@pytest.mark.property
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 3),  # event count increment (0: same checkpoint again)
            st.decimals(min_value=D(-500), max_value=D(500), places=12),
        ),
        max_size=25,
    ),
    share=st.decimals(min_value=D(0), max_value=D(1), places=4),
)
def test_checkpoint_sequence_invariants(steps: list[tuple[int, Decimal]], share: Decimal) -> None:
    params = SelfFinancingParams(trading_share=share)
    cap = state(capital="300")
    count, realized, unabsorbed = 0, D(0), D(0)
    for inc, change in steps:
        if inc == 0:
            new, dec = apply_checkpoint(cap, count, realized, T0, params)
            assert new is cap and not dec.applied
            continue
        count += inc
        realized += change
        new, dec = apply_checkpoint(cap, count, realized, T0, params)
        assert dec.trading_delta + dec.treasury_delta - dec.unabsorbed_loss == dec.realized_delta
        assert new.treasury >= cap.treasury  # the treasury never pays for losses
        assert new.trading_capital >= 0
        if dec.realized_delta > 0:
            assert dec.trading_delta >= 0 and dec.treasury_delta >= 0
        unabsorbed += dec.unabsorbed_loss
        # conservation: capital + treasury move exactly with realized PnL (minus the floor)
        assert new.trading_capital + new.treasury == D(300) + realized + unabsorbed
        cap = new


def test_new_state_is_what_attrs_evolve_made() -> None:
    # apply_checkpoint builds the new CapitalState positionally (cheaper than attrs.evolve);
    # a new CapitalState field must be passed there too, or it would reset at every checkpoint.
    assert [f.name for f in attrs.fields(CapitalState)] == [
        "trading_capital",
        "treasury",
        "checkpoint_event_count",
        "checkpoint_realized",
        "updated_at",
    ]
    start = state(capital="1000", treasury="7", count=3, realized="-2")
    for realized in (D("10"), D("-5"), D("-2000"), D("-2")):
        new, dec = apply_checkpoint(start, 5, realized, T0 + timedelta(hours=1), P)
        assert new == attrs.evolve(
            start,
            trading_capital=start.trading_capital + dec.trading_delta,
            treasury=start.treasury + dec.treasury_delta,
            checkpoint_event_count=5,
            checkpoint_realized=realized,
            updated_at=T0 + timedelta(hours=1),
        )
        assert type(new) is CapitalState
