"""Hot reasons spell Decimals and str enums with ``!s`` (``str()``) instead of the plain
f-string field (``format(value, "")``), which parses a format spec and costs about five
times as much for a ``Decimal``. The texts are persisted and compared, so the two spellings
must give the same text for every value; these tests hold them to it."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.orders import Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.reconcile_plan import fill_applied
from btcbot_core.self_financing import SelfFinancingParams, advance_checkpoint
from btcbot_core.state import CapitalState

_DECIMALS = st.decimals(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [Decimal("sNaN"), Decimal("-0"), Decimal("0E-12"), Decimal("1E+30"), Decimal("-1.50E-9")]
)
_T = datetime(2026, 1, 1, tzinfo=UTC)


@given(_DECIMALS, st.booleans())
def test_str_of_a_decimal_is_its_empty_format(value: Decimal, capitals: bool) -> None:
    with decimal.localcontext() as ctx:
        ctx.capitals = int(capitals)
        assert f"{value!s}" == f"{value}" == format(value, "")


@pytest.mark.parametrize("member", [*OrderStatus, *Side, *OrderType])
def test_str_of_an_order_enum_is_its_empty_format(member: object) -> None:
    assert f"{member!s}" == f"{member}" == format(member, "")


@given(
    st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("1000"), places=8),
)
def test_fill_applied_reads_as_formatted(qty: Decimal) -> None:
    pair = Pair("BTC", "TRY")
    request = OrderRequest("c1", pair, Side.BUY, qty, Decimal("100"))
    order = Order.planned(request, _T).accepted(_T, "x1")
    fill = Fill("f1", "x1", "c1", pair, Side.BUY, Decimal("100"), qty, Decimal(0), "TRY", _T)
    after = order.apply_fill(fill)
    reason = fill_applied(after, fill)
    assert reason.detail == f"c1: fill f1 of {format(qty, '')} -> {format(after.status, '')}"


@given(
    st.decimals(min_value=-(10**6), max_value=10**6, places=10),
    st.decimals(min_value=0, max_value=10**6, places=4),
)
def test_checkpoint_reasons_read_as_formatted(realized: Decimal, capital: Decimal) -> None:
    state = CapitalState(capital, Decimal(0), 0, Decimal(0), _T)
    _new, reason, delta, trading, treasury, unabsorbed = advance_checkpoint(
        state, 1, realized, _T, SelfFinancingParams()
    )
    f = format
    if delta > 0:
        expected = (
            f"profit {f(delta, '')} TRY: {f(trading, '')} to trading capital, "
            f"{f(treasury, '')} to treasury"
        )
    elif delta < 0 and unabsorbed > 0:
        expected = (
            f"loss {f(-delta, '')} TRY exceeds trading capital {f(capital, '')}; floored "
            f"at 0 ({f(unabsorbed, '')} TRY not absorbed)"
        )
    elif delta < 0:
        expected = f"loss {f(-delta, '')} TRY taken from trading capital; treasury untouched"
    else:
        expected = "events up to 1"
    assert reason.detail == expected
