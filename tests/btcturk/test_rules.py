"""exchangeinfo → SymbolRules decisions (price step, min notional, band, bad metadata)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from btcbot_adapters.btcturk.parse_public import parse_exchange_info
from btcbot_adapters.btcturk.rules import TickSizeMode, rules_book, symbol_report
from btcbot_core.orders import Side
from btcbot_core.pair import Pair
from btcbot_core.rules import ViolationCode
from tests.btcturk.samples import load

OLD = "exchangeinfo_data_mss1451_2022-01.json"
NEW = "exchangeinfo_symbols_ccxt.json"


def _symbol(name: str, fixture: str = OLD) -> dict[str, Any]:
    info = load(fixture)
    return copy.deepcopy(next(s for s in info["symbols"] if s["name"] == name))


def test_btctry_integer_price_step_despite_scale_2_and_tick_10() -> None:
    report = symbol_report(_symbol("BTCTRY"))
    rules = report.rules
    assert rules is not None and report.problem is None
    assert rules.price_step == 1 and rules.price_scale == 2 and not rules.has_fraction
    assert any("tickSize 10" in n for n in report.notes)
    # A live-looking odd integer price is valid; a fractional one is not.
    assert not rules.check(Side.BUY, Decimal(3844647), Decimal("0.001"))
    codes = {v.code for v in rules.check(Side.BUY, Decimal("3844647.5"), Decimal("0.001"))}
    assert ViolationCode.FRACTIONAL_PRICE in codes


def test_tick_size_coarsest_mode() -> None:
    rules = symbol_report(_symbol("BTCTRY"), tick_size_mode=TickSizeMode.COARSEST).rules
    assert rules is not None and rules.price_step == 10


def test_try_min_notional_floor_and_configurable() -> None:
    rules = symbol_report(_symbol("USDTTRY")).rules
    assert rules is not None and rules.min_notional == 100 and rules.price_step == Decimal("0.001")
    raw = _symbol("USDTTRY")
    raw["filters"][0]["minExchangeValue"] = "250"
    assert symbol_report(raw).rules.min_notional == 250  # type: ignore[union-attr]
    raw["filters"][0]["minExchangeValue"] = None
    assert symbol_report(raw, safe_min_notional_try=Decimal(150)).rules.min_notional == 150  # type: ignore[union-attr]


def test_min_notional_variants_top_level_and_any_filter() -> None:
    raw = _symbol("XTZBTC")
    raw["filters"][0]["minExchangeValue"] = None
    assert symbol_report(raw).problem is not None  # non-TRY with no minimum
    raw["minAmount"] = "0.0005"
    assert symbol_report(raw).rules.min_notional == Decimal("0.0005")  # type: ignore[union-attr]
    raw["filters"].append({"filterType": "OTHER", "MINEXCHANGEVALUE": "0.0009"})
    assert symbol_report(raw).rules.min_notional == Decimal("0.0009")  # type: ignore[union-attr]


def test_non_try_pair_without_minimum_is_invalid_metadata_not_raised() -> None:
    raw = _symbol("BTCUSDT", NEW)
    raw["filters"][0]["minExchangeValue"] = None
    info = parse_exchange_info({"symbols": [raw, _symbol("BTCTRY", NEW)]})
    book = rules_book(info)
    assert set(book.rules) == {Pair("BTC", "TRY")}
    assert "no minimum notional" in book.invalid_metadata["BTCUSDT"]


def test_price_band_uses_the_tighter_of_both_sources() -> None:
    rules = symbol_report(_symbol("BTCTRY", NEW)).rules
    assert rules is not None
    assert rules.min_price == Decimal("375413.5") and rules.max_price == Decimal("10000000")
    assert rules.price_scale == 0  # scales change over time (2 in 2022, 0 later)
    codes = {v.code for v in rules.check(Side.BUY, Decimal(300000), Decimal("0.01"))}
    assert ViolationCode.PRICE_BELOW_MIN in codes


def test_order_methods_and_status() -> None:
    report = symbol_report(_symbol("XTZBTC"))
    assert report.order_methods == {"LIMIT", "STOP_LIMIT"}
    raw = _symbol("BTCTRY")
    raw["status"] = "MAINTENANCE"
    rules = symbol_report(raw).rules
    assert rules is not None and not rules.is_trading


def test_broken_symbols_are_reported_one_by_one() -> None:
    broken = _symbol("BTCTRY")
    del broken["hasFraction"]
    scale = _symbol("USDTTRY")
    scale["numeratorScale"] = 40
    info = parse_exchange_info({"symbols": [broken, scale, _symbol("XTZBTC")]})
    book = rules_book(
        info, [Pair("BTC", "TRY"), Pair("USDT", "TRY"), Pair("XTZ", "BTC"), Pair("ETH", "TRY")]
    )
    assert set(book.rules) == {Pair("XTZ", "BTC")}
    problems = book.invalid_metadata
    assert "hasFraction" in problems["BTCTRY"]
    assert "qty_scale" in problems["USDTTRY"]
    assert "not listed" in problems["ETHTRY"]


def test_numeric_fields_as_strings_are_tolerated() -> None:
    raw = _symbol("BTCTRY")
    raw.update(id="1", numeratorScale="8", denominatorScale="2")
    rules = symbol_report(raw).rules
    assert rules is not None and rules.qty_scale == 8
