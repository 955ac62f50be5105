from __future__ import annotations

import pytest

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
