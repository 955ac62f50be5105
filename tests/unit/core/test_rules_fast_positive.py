"""SymbolRules' comparisons read once (``positive``, ``not qqty``) give what the written-out
comparisons gave: the violations of quantize and check, for any sign and scale."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from btcbot_core import Pair, SymbolRules
from btcbot_core.orders import BUY, SELL

RULES = SymbolRules(
    Pair("BTC", "TRY"), price_scale=2, qty_scale=4, min_notional="10", min_qty="0.001"
)
decimals = st.decimals(min_value=-10, max_value=10**6, allow_nan=False, places=6)


@given(decimals, st.none() | decimals, st.none() | decimals, st.sampled_from([BUY, SELL]))
def test_codes_follow_the_written_out_rules(qty: Decimal, price, reference, side) -> None:
    codes = {v.code for v in RULES.check(side, price, qty, reference)}
    assert ("NON_POSITIVE_QTY" in codes) == (qty <= 0)
    assert ("QTY_BELOW_MIN" in codes) == (Decimal(0) < qty < Decimal("0.001"))
    notional_price = price if price is not None else reference
    below = (
        notional_price is not None and qty > 0 and notional_price > 0 and qty * notional_price < 10
    )
    assert ("BELOW_MIN_NOTIONAL" in codes) == below
    _qprice, qqty, problems = RULES.quantize(side, price, qty)
    zero = [v for v in problems if v.detail.startswith("quantity")]
    assert bool(zero) == (qty > 0 and qqty == 0)
