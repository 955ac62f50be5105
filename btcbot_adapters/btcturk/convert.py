"""Small conversions shared by the ``parse_*`` modules (times, sides, pairs, guards)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Final

from btcbot_core.errors import MalformedResponse, ValidationError
from btcbot_core.orders import OrderStatus, OrderType, Side
from btcbot_core.pair import Pair

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
#: Largest accepted Unix time in ms (year 9999 is 253402300799999).
MAX_MS: Final = 253_402_300_799_999

_SIDES: Final = {"buy": Side.BUY, "sell": Side.SELL}
_METHODS: Final = {
    "limit": OrderType.LIMIT,
    "market": OrderType.MARKET,
    # Stop orders are never placed by btcbot; they map onto the order type that executes.
    "stoplimit": OrderType.LIMIT,
    "stopmarket": OrderType.MARKET,
}
_STATUSES: Final = {
    "untouched": OrderStatus.OPEN,
    "partial": OrderStatus.PARTIALLY_FILLED,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
}


@contextmanager
def guard(endpoint: str, field: str) -> Iterator[None]:
    """Turn core validation and arithmetic errors into :class:`MalformedResponse`."""
    try:
        yield
    except MalformedResponse:
        raise
    except (ValidationError, ValueError, TypeError, ArithmeticError, KeyError, IndexError) as exc:
        raise MalformedResponse(endpoint, field, f"{type(exc).__name__}: {exc}"[:200]) from None


def ms_to_dt(endpoint: str, field: str, ms: int) -> datetime:
    """Unix milliseconds → aware UTC datetime (exact, no float)."""
    if not 0 <= ms <= MAX_MS:
        raise MalformedResponse(endpoint, field, f"time {ms} ms is out of range")
    return EPOCH + timedelta(milliseconds=ms)


def s_to_dt(endpoint: str, field: str, seconds: int) -> datetime:
    """Unix seconds (graph API) → aware UTC datetime."""
    return ms_to_dt(endpoint, field, seconds * 1000)


def dt_to_ms(moment: datetime) -> int:
    """Aware datetime → Unix milliseconds (floor)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def side(endpoint: str, field: str, text: str) -> Side:
    found = _SIDES.get(text.strip().lower())
    if found is None:
        raise MalformedResponse(endpoint, field, f"side {text[:20]!r} is not buy/sell")
    return found


def side_to_wire(value: Side) -> str:
    return "buy" if value is Side.BUY else "sell"


def method(endpoint: str, field: str, text: str) -> OrderType:
    found = _METHODS.get(text.strip().lower().replace("_", ""))
    if found is None:
        raise MalformedResponse(endpoint, field, f"order method {text[:20]!r} is unknown")
    return found


def status(text: str) -> OrderStatus:
    """Exchange status → core status; unknown values become UNKNOWN (needs reconcile)."""
    return _STATUSES.get(text.strip().lower(), OrderStatus.UNKNOWN)


def pair(endpoint: str, field: str, symbol: str, normalized: str | None = None) -> Pair:
    """The pair of ``BTC_TRY`` (preferred: unambiguous) or ``BTCTRY``."""
    with guard(endpoint, field):
        return Pair.parse(normalized if normalized and "_" in normalized else symbol)
