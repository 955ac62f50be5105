"""Exchangeinfo entries the sandbox serves, one per configured pair.

Four entries are **real** shapes copied from public samples (see
``tests/fixtures/btcturk/PROVENANCE.md``): BTCTRY and BTCUSDT (ccxt static markets, newer
fields included), USDTTRY and XTZBTC (mss1451 2022-01). No real entry was found for the
other pairs; they are **synthetic**: built from the BTCTRY/USDTTRY shape with plausible
scales, and every synthetic entry carries ``"sandboxSynthetic": true`` (clients ignore
unknown fields). The limit-order price band (``minimum``/``maximumLimitOrderPrice``, 0.1× and
10× the current price) is filled in when served.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any, Final

from btcbot_core.errors import ConfigError
from btcbot_core.pair import Pair

_METHODS_ALL: Final = ["MARKET", "LIMIT", "STOP_MARKET", "STOP_LIMIT"]


def _entry(
    pid: int,
    base: str,
    quote: str,
    num_scale: int,
    den_scale: int,
    has_fraction: bool,
    tick: str,
    min_value: str,
    *,
    methods: list[str] | None = None,
    display: str = "#,##0.00",
    order: int = 5000,
    synthetic: bool = True,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": pid,
        "name": base + quote,
        "nameNormalized": f"{base}_{quote}",
        "status": "TRADING",
        "numerator": base,
        "denominator": quote,
        "numeratorScale": num_scale,
        "denominatorScale": den_scale,
        "hasFraction": has_fraction,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.0000000000001",
                "maxPrice": "10000000",
                "tickSize": tick,
                "minExchangeValue": min_value,
                "minAmount": None,
                "maxAmount": None,
            }
        ],
        "orderMethods": list(methods or _METHODS_ALL),
        "displayFormat": display,
        "commissionFromNumerator": False,
        "order": order,
        "priceRounding": False,
        "isNew": False,
        "marketPriceWarningThresholdPercentage": Decimal("0.25"),
        "maximumOrderAmount": None,
    }
    if synthetic:
        entry["sandboxSynthetic"] = True
    return entry


#: symbol → (exchangeinfo entry, default start price in quote units)
CATALOG: Final[dict[str, tuple[dict[str, Any], Decimal]]] = {
    # real: ccxt static markets (denominatorScale 0 era)
    "BTCTRY": (
        _entry(
            1,
            "BTC",
            "TRY",
            8,
            0,
            False,
            "10",
            "99.91",
            display="#,###",
            order=1000,
            synthetic=False,
        ),
        Decimal(3_000_000),
    ),
    "BTCUSDT": (
        _entry(
            19,
            "BTC",
            "USDT",
            8,
            0,
            False,
            "1",
            "9.91",
            display="#,###",
            order=2000,
            synthetic=False,
        ),
        Decimal(70_000),
    ),
    # real: mss1451 2022-01
    "USDTTRY": (
        _entry(
            18,
            "USDT",
            "TRY",
            2,
            3,
            True,
            "0.001",
            "99.91",
            display="#,##0.000",
            order=1044,
            synthetic=False,
        ),
        Decimal("41.250"),
    ),
    "XTZBTC": (
        _entry(
            53,
            "XTZ",
            "BTC",
            4,
            7,
            True,
            "0.000001",
            "0.000291",
            methods=["LIMIT", "STOP_LIMIT"],
            display="#,##0.0000000",
            order=3024,
            synthetic=False,
        ),
        Decimal("0.0000081"),
    ),
    # synthetic (no public sample exists)
    "ETHTRY": (
        _entry(2, "ETH", "TRY", 8, 0, False, "1", "99.91", display="#,###", order=1001),
        Decimal(120_000),
    ),
    "SOLTRY": (_entry(90, "SOL", "TRY", 4, 1, True, "0.1", "99.91", order=1100), Decimal(6_000)),
    "XRPTRY": (
        _entry(7, "XRP", "TRY", 2, 4, True, "0.0001", "99.91", display="#,##0.0000", order=1005),
        Decimal("25.0000"),
    ),
    "ADATRY": (
        _entry(40, "ADA", "TRY", 2, 4, True, "0.0001", "99.91", display="#,##0.0000", order=1020),
        Decimal("34.7000"),
    ),
    "AVAXTRY": (_entry(95, "AVAX", "TRY", 4, 2, True, "0.01", "99.91", order=1110), Decimal(1_200)),
    "ETHBTC": (
        _entry(
            30, "ETH", "BTC", 6, 6, True, "0.000001", "0.0001", display="#,##0.000000", order=3001
        ),
        Decimal("0.035000"),
    ),
}

#: Display precision per asset (balances ``precision``; market-buy quote amount scale).
ASSET_PRECISION: Final = {"TRY": 2, "USDT": 2, "BTC": 8, "ETH": 8}

DEFAULT_PAIRS: Final = ("BTCTRY", "ETHTRY", "USDTTRY", "SOLTRY", "XRPTRY")


def entry_for(pair: Pair) -> dict[str, Any]:
    """A fresh copy of the exchangeinfo entry of ``pair`` (``ConfigError`` if unknown)."""
    found = CATALOG.get(pair.symbol)
    if found is None:
        known = ", ".join(sorted(CATALOG))
        raise ConfigError(f"sandbox pair {pair.symbol} is not in the catalog; choose from {known}")
    return copy.deepcopy(found[0])


def default_price(pair: Pair) -> Decimal:
    return CATALOG[pair.symbol][1]


def is_synthetic(pair: Pair) -> bool:
    return bool(CATALOG[pair.symbol][0].get("sandboxSynthetic"))
