"""Build the adapter from settings (environment-style mapping; read by the CLI, not here).

==========================================  ===============================================
``BTCTURK_BASE_URL``                        REST base (default ``https://api.btcturk.com``)
``BTCTURK_GRAPH_URL``                       candles base; defaults to the production graph
                                            host, or to ``BTCTURK_BASE_URL`` when that is
                                            not production (the sandbox serves both)
``BTCTURK_API_KEY`` / ``BTCTURK_API_SECRET``  credentials (optional for public data)
``STAGE7_RULES_SAFE_MIN_NOTIONAL_TRY``      TRY minimum-notional floor (default 100)
``BTCTURK_TICK_SIZE_MODE``                  ``ignore`` (default) or ``coarsest``
==========================================  ===============================================

Invalid values raise :class:`ConfigError` naming the variable, the value (never a secret)
and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from btcbot_adapters.btcturk.adapter import BtcturkAdapter
from btcbot_adapters.btcturk.client import (
    PRODUCTION_GRAPH_URL,
    PRODUCTION_URL,
    BtcturkClient,
    ClientConfig,
)
from btcbot_adapters.btcturk.rules import (
    DEFAULT_SAFE_MIN_NOTIONAL_TRY,
    SAFE_MIN_NOTIONAL_SETTING,
    TickSizeMode,
)
from btcbot_adapters.btcturk.signing import Credentials
from btcbot_core.errors import ConfigError


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name}={value!r} must be an http(s) URL such as {default}")
    return value.rstrip("/")


def adapter_from_env(env: Mapping[str, str]) -> BtcturkAdapter:
    """A ready adapter for the settings in ``env`` (see module doc)."""
    base = _url(env, "BTCTURK_BASE_URL", PRODUCTION_URL)
    graph_default = PRODUCTION_GRAPH_URL if base == PRODUCTION_URL else base
    graph = _url(env, "BTCTURK_GRAPH_URL", graph_default)
    key = env.get("BTCTURK_API_KEY", "").strip()
    secret = env.get("BTCTURK_API_SECRET", "").strip()
    if bool(key) != bool(secret):
        raise ConfigError("set both BTCTURK_API_KEY and BTCTURK_API_SECRET, or neither")
    creds = Credentials(key, secret) if key else None
    raw_floor = env.get(SAFE_MIN_NOTIONAL_SETTING, "").strip()
    floor = DEFAULT_SAFE_MIN_NOTIONAL_TRY
    if raw_floor:
        try:
            floor = Decimal(raw_floor)
        except InvalidOperation:
            floor = Decimal(-1)
        if not floor.is_finite() or floor < 0:
            raise ConfigError(
                f"{SAFE_MIN_NOTIONAL_SETTING}={raw_floor!r} must be a number of TRY >= 0"
            )
    raw_mode = env.get("BTCTURK_TICK_SIZE_MODE", "ignore").strip().lower()
    try:
        mode = TickSizeMode(raw_mode)
    except ValueError:
        raise ConfigError(
            f"BTCTURK_TICK_SIZE_MODE={raw_mode!r} must be one of: ignore, coarsest"
        ) from None
    client = BtcturkClient(ClientConfig(base_url=base, graph_url=graph), creds)
    return BtcturkAdapter(client, safe_min_notional_try=floor, tick_size_mode=mode)
