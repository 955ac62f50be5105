"""``max``/``min`` keep their first argument on a tie, which matters for a Decimal (``0``
and ``0E-8`` are equal but print differently) and a datetime (one instant in two zones).
``Order.apply_fill`` and ``book_fills`` (a pair and side's last order time) spell their
``max`` as a comparison (the builtin costs about 70 ns more, on every fill), and the capital checkpoint and profit split must give exactly the results
of their ``max``/``min`` formulas; this holds both to the builtins' exact results, digits,
exponent and zone included. (The allocation budget's headroom is only compared, then
rounded to 0.01, so a tie there cannot show.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Context, Decimal
from types import SimpleNamespace

from hypothesis import example, given
from hypothesis import strategies as st

from btcbot_core.ledger import Ledger
from btcbot_core.ledger_events import DepositEvent
from btcbot_core.money import ZERO
from btcbot_core.orders import Fill, Order, OrderRequest, Side
from btcbot_core.pair import Pair
from btcbot_core.pipeline.ingest import Booked, book_fills
from btcbot_core.reconcile_plan import ReconcilePlan
from btcbot_core.self_financing import (
    SPLIT_QUANTUM,
    SelfFinancingParams,
    advance_checkpoint,
    split_profit,
)
from btcbot_core.state import CapitalState

_T = datetime(2026, 1, 1, tzinfo=UTC)
_CTX = Context(prec=100)
D1 = Decimal(1)
# zeros of several exponents, so ties between equal values with other digits come up
_AMOUNTS = st.decimals(min_value=-(10**6), max_value=10**6, places=10) | st.sampled_from(
    [Decimal("0"), Decimal("0E-8"), Decimal("-0"), Decimal("0E-12"), Decimal("1E+2")]
)


def _same(a: Decimal, b: Decimal) -> bool:
    return a.as_tuple() == b.as_tuple()


@given(_AMOUNTS, _AMOUNTS, st.sampled_from(["0", "0.6", "1", "0.123456789"]))
@example(Decimal("-5.00"), Decimal("5.0"), "0.6")  # a loss of exactly the capital
@example(Decimal("5.0"), Decimal("0"), "1")  # the whole profit to trading, 5.0 == 5.00000000
@example(Decimal("-1"), Decimal("0E-8"), "0.6")  # no capital left, spelled 0E-8
def test_checkpoint_deltas_are_the_builtins(
    realized: Decimal, capital: Decimal, share: str
) -> None:
    state = CapitalState(capital, ZERO, 0, ZERO, _T)
    params = SelfFinancingParams(share)
    _new, _reason, delta, trading, treasury, unabsorbed = advance_checkpoint(
        state, 1, realized, _T, params
    )
    if delta > 0:
        product = _CTX.multiply(delta, params.trading_share)
        expected = min(max(product.quantize(SPLIT_QUANTUM, ROUND_HALF_EVEN, _CTX), ZERO), delta)
        assert _same(trading, expected)
        assert split_profit(delta, params) == (trading, treasury)
        assert _same(treasury, _CTX.subtract(delta, expected))
    elif delta < 0:
        expected = max(delta, -max(capital, ZERO))
        assert _same(trading, expected)
        assert _same(unabsorbed, _CTX.subtract(expected, delta))


_AWARE = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 1, 2), timezones=st.just(UTC)
)


@given(_AWARE, _AWARE, st.booleans())
@example(_T, _T, True)  # the same instant spelled in another zone: max keeps the first
def test_a_fill_moves_updated_at_as_max_does(
    placed: datetime, filled: datetime, other: bool
) -> None:
    # apply_fill's updated_at is max(updated_at, fill.timestamp), written as a comparison
    if other:  # the fill's clock in another zone: equal instants, different objects
        filled = filled.astimezone(timezone(timedelta(hours=3)))
    pair = Pair("BTC", "TRY")
    order = Order.planned(OrderRequest("c1", pair, Side.BUY, D1, D1), placed).accepted(placed, "x1")
    fill = Fill("f1", "x1", "c1", pair, Side.BUY, D1, D1, ZERO, "TRY", filled)
    got = order.apply_fill(fill).updated_at
    expected = max(placed, filled)
    assert got == expected and got.tzinfo is expected.tzinfo


@given(_AWARE, _AWARE, st.booleans(), st.booleans())
@example(_T, _T, True, True)  # the same instant spelled in another zone: max keeps the first
def test_a_booked_fill_moves_last_order_at_as_max_does(
    before: datetime, filled: datetime, other: bool, known: bool
) -> None:
    # book_fills keeps max(last, fill.timestamp) per pair and side, written as a comparison
    if other:
        filled = filled.astimezone(timezone(timedelta(hours=3)))
    pair = Pair("BTC", "TRY")
    ledger = Ledger()
    ledger.apply(DepositEvent("d1", _T, "TRY", Decimal(10)))
    last = {(pair, Side.BUY): before} if known else {}
    session = SimpleNamespace(
        marks={}, ledger=ledger, restored_from_snapshot=False, last_order_at=dict(last)
    )
    fill = Fill("f1", "x1", "c1", pair, Side.BUY, D1, D1, ZERO, "TRY", filled)
    book_fills(session, Booked(), ReconcilePlan(fills_to_ingest=(fill,)), None)  # type: ignore[arg-type]
    got = session.last_order_at[(pair, Side.BUY)]
    expected = max(before, filled) if known else filled
    assert got == expected and got.tzinfo is expected.tzinfo
