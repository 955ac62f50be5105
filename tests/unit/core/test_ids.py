from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from btcbot_core import Pair, Side, client_order_id, simulated_fill_id, validate_client_order_id
from btcbot_core.ids import CLIENT_ID_PATTERN

PAIRS = st.sampled_from([Pair("BTC", "TRY"), Pair("ETH", "TRY"), Pair("XTZ", "BTC")])
KEYS = st.tuples(
    st.text(min_size=1, max_size=20),
    st.integers(0, 10**9),
    PAIRS,
    st.sampled_from(list(Side)),
    st.integers(0, 1000),
)


@given(KEYS)
def test_same_inputs_same_id_and_valid_format(key: tuple) -> None:  # type: ignore[type-arg]
    first = client_order_id(*key)
    assert first == client_order_id(*key)
    assert CLIENT_ID_PATTERN.match(first) and len(first) <= 36
    assert validate_client_order_id(first) == first


@given(KEYS, KEYS)
def test_different_inputs_different_ids(a: tuple, b: tuple) -> None:  # type: ignore[type-arg]
    if a != b:
        assert client_order_id(*a) != client_order_id(*b)


def test_field_boundaries_do_not_collide() -> None:
    btc = Pair("BTC", "TRY")
    assert client_order_id("r1", 12, btc, Side.BUY, 3) != client_order_id(
        "r11", 2, btc, Side.BUY, 3
    )
    assert client_order_id("r", 1, btc, Side.BUY, 0) != client_order_id("r", 1, btc, Side.SELL, 0)


def test_simulated_fill_ids_are_deterministic() -> None:
    assert simulated_fill_id("42", 1) == simulated_fill_id("42", 1) != simulated_fill_id("42", 2)
