from __future__ import annotations

import copy
import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core import Pair, PairError, parse_pairs


@pytest.mark.parametrize("text", ["BTCTRY", "BTC_TRY", "btc_try", "BTC/TRY", "btc-try", " BTCtry "])
def test_spellings_parse_to_one_canonical_pair(text: str) -> None:
    pair = Pair.parse(text)
    assert pair == Pair("BTC", "TRY")
    assert str(pair) == pair.symbol == "BTCTRY"


@pytest.mark.parametrize(
    ("text", "base", "quote"),
    [
        ("USDTTRY", "USDT", "TRY"),
        ("XTZBTC", "XTZ", "BTC"),
        ("ETHUSDT", "ETH", "USDT"),
        ("BTCUSDC", "BTC", "USDC"),
        ("AVAXEUR", "AVAX", "EUR"),
        ("LINKETH", "LINK", "ETH"),
    ],
)
def test_longest_quote_suffix_wins(text: str, base: str, quote: str) -> None:
    assert Pair.parse(text) == Pair(base, quote)


@pytest.mark.parametrize("bad", ["", "TRY", "BTC", "BTC__TRY", "BTC/TRY/X", "BT C", "??", "BTCXYZ"])
def test_garbage_is_a_clear_error(bad: str) -> None:
    with pytest.raises(PairError) as info:
        Pair.parse(bad)
    assert "BTC" in str(info.value) or "asset" in str(info.value)


def test_non_string_and_same_asset() -> None:
    with pytest.raises(PairError):
        Pair.parse(42)
    with pytest.raises(PairError):
        Pair("TRY", "TRY")


def test_parse_pairs_list() -> None:
    assert parse_pairs("BTCTRY, eth_try") == (Pair("BTC", "TRY"), Pair("ETH", "TRY"))
    with pytest.raises(PairError):
        parse_pairs("BTCTRY,BTC_TRY")
    with pytest.raises(PairError):
        parse_pairs(" , ")


# --- a Pair is its canonical text (a str subclass): hashing, equality and order in C ---

_ASSETS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20)
_PAIRS = st.tuples(_ASSETS, _ASSETS).filter(lambda t: t[0] != t[1])


@given(_PAIRS, _PAIRS)
def test_equality_hash_and_order_are_those_of_the_base_quote_tuple(
    a: tuple[str, str], b: tuple[str, str]
) -> None:
    pa, pb = Pair(*a), Pair(*b)
    assert (pa == pb) is (a == b) and (pa != pb) is (a != b)
    assert (pa < pb) is (a < b) and (pa <= pb) is (a <= b)
    assert (pa > pb) is (a > b) and (pa >= pb) is (a >= b)
    if a == b:
        assert hash(pa) == hash(pb)
    assert sorted([pb, pa]) == [Pair(*t) for t in sorted([b, a])]


def test_the_text_forms() -> None:
    pair = Pair("btc", "try")
    assert (pair.base, pair.quote, pair.symbol) == ("BTC", "TRY", "BTCTRY")
    assert str(pair) == f"{pair}" == "%s" % pair == "BTCTRY"  # noqa: UP031 - that path too
    assert f"{pair:>8}" == "  BTCTRY"
    assert repr(pair) == "Pair(base='BTC', quote='TRY')"
    # the canonical text compares equal (and hashes alike); the symbol does not
    assert pair == "BTC/TRY" and hash(pair) == hash("BTC/TRY") and pair != "BTCTRY"
    assert {pair: 1}[Pair("BTC", "TRY")] == 1


def test_a_pair_is_immutable_and_survives_copy_and_pickle() -> None:
    pair = Pair("ETH", "TRY")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        pair.base = "BTC"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del pair.quote
    for clone in (copy.copy(pair), copy.deepcopy(pair), pickle.loads(pickle.dumps(pair))):
        assert type(clone) is Pair and clone == pair
        assert (clone.base, clone.quote, clone.symbol) == ("ETH", "TRY", "ETHTRY")


def test_assets_that_join_to_the_same_symbol_are_different_pairs() -> None:
    assert Pair("AB", "CTRY") != Pair("ABC", "TRY") and Pair("AB", "CTRY").symbol == "ABCTRY"
    assert len({Pair("AB", "CTRY"), Pair("ABC", "TRY")}) == 2
