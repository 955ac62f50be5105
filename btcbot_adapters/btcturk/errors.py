"""BTCTurk error bodies → the core error hierarchy (reference §7).

Mapping order: the body's ``message`` first (codes were renumbered in May 2024), the
integer ``code`` second, the HTTP status last. Every result carries ``retryable``:

==========================  ====================================  ==========
kind                        raised as                             retryable
==========================  ====================================  ==========
auth (``Unauthorized - …``)  :class:`BtcturkAuthError`            no
rate limit (429)            :class:`RateLimitedError`             yes
order rejected              :class:`OrderRejectedError` (code)    no
order not found             :class:`OrderNotFoundError`           no
server error (5xx, 52x)     :class:`TransientExchangeError`       yes
anything else               :class:`ExchangeError`                no
==========================  ====================================  ==========

``ORDER_CANCEL_BLOCKED`` (pair under maintenance) is the one rejection marked retryable.
"""

from __future__ import annotations

import enum
from typing import Final

from btcbot_core.errors import (
    AuthError,
    ExchangeError,
    OrderNotFoundError,
    OrderRejectedError,
    RateLimitedError,
    TransientExchangeError,
)


class Kind(enum.StrEnum):
    AUTH = "auth"
    RATE_LIMIT = "rate_limit"
    REJECTED = "rejected"
    NOT_FOUND = "not_found"
    TRANSIENT = "transient"
    OTHER = "other"


class BtcturkAuthError(AuthError):
    """Credentials refused; ``clock_skew`` is ``True`` for "Invalid Nonce" (stamp window)."""

    def __init__(self, message: str, *, clock_skew: bool = False) -> None:
        super().__init__(message, retryable=False)
        self.clock_skew = clock_skew


#: Order-validation and cancel messages (§6.2, §7.2, §4.6). All are business rejections.
REJECT_MESSAGES: Final = frozenset(
    {
        "FAILED_MARKET_ORDER",
        "FAILED_LIMIT_ORDER",
        "FAILED_ORDER_WITH_OPEN_ORDERS",
        "FAILED_MIN_TOTAL_AMOUNT",
        "FAILED_STOP_PRICE_GREATER_THAN_BEST_ASK",
        "FAILED_STOP_PRICE_LESS_THAN_BEST_BID",
        "FAILED_INVALID_PRICE_SCALE",
        "FAILED_INVALID_QUANTITY_SCALE",
        "FAILED_INVALID_STOP_PRICE_SCALE",
        "ORDER_METHOD_NOT_SUPPORTED",
        "ORDER_TYPE_NOT_SUPPORTED",
        "PRICE_MUST_BE_LESS_THAN_MAXPRICE",
        "PRICE_MUST_BE_LESS_THAN_MINPRICE",
        "FAILED_ORDER_PARAMETER",
        "BALANCE_NOT_ENOUGH",
        "BALANCE_NOT_ENOUGH_WITHOUT_OPEN_ORDERS",
        "ORDER_MIN_PRICE_EXCEEDED",
        "ORDER_MAX_PRICE_EXCEEDED",
        "STOP_PRICE_GREATER_THAN_MARKET",
        "STOP_PRICE_LESS_THAN_MARKET",
        "ORDER_COULD_NOT_BE_CANCELED",
        "ORDER_CANCEL_BLOCKED",
        "MIN_TOTAL",
        "PARAMETERS_ERROR",
    }
)
NOT_FOUND_MESSAGES: Final = frozenset({"ORDER NOT FOUND", "NO_ORDER_MATCHES_YOUR_REQUEST"})
RATE_MESSAGES: Final = frozenset({"TOO_MANY_REQUESTS"})

#: Secondary key: the post-2024-05-06 integer codes (§7.2) → canonical message.
CODE_MESSAGES: Final[dict[int, str]] = {
    1118: "FAILED_MARKET_ORDER",
    1120: "FAILED_LIMIT_ORDER",
    1122: "FAILED_ORDER_WITH_OPEN_ORDERS",
    1123: "FAILED_MIN_TOTAL_AMOUNT",
    1124: "FAILED_STOP_PRICE_GREATER_THAN_BEST_ASK",
    1125: "FAILED_STOP_PRICE_LESS_THAN_BEST_BID",
    1126: "FAILED_INVALID_PRICE_SCALE",
    1127: "FAILED_INVALID_QUANTITY_SCALE",
    1128: "FAILED_INVALID_STOP_PRICE_SCALE",
    1134: "ORDER_METHOD_NOT_SUPPORTED",
    1193: "ORDER_TYPE_NOT_SUPPORTED",
    1226: "PRICE_MUST_BE_LESS_THAN_MAXPRICE",
    1227: "PRICE_MUST_BE_LESS_THAN_MINPRICE",
    1052: "NO_ORDER_MATCHES_YOUR_REQUEST",
    1152: "ORDER NOT FOUND",
    1037: "UNAUTHORIZED",
    429: "TOO_MANY_REQUESTS",
}

#: Rejections that may succeed later (maintenance), hence retryable.
RETRYABLE_REJECTIONS: Final = frozenset({"ORDER_CANCEL_BLOCKED"})


def _kind_of_message(message: str) -> Kind | None:
    upper = message.strip().upper()
    if upper.startswith("UNAUTHORIZED"):
        return Kind.AUTH
    if upper in RATE_MESSAGES:
        return Kind.RATE_LIMIT
    if upper in NOT_FOUND_MESSAGES:
        return Kind.NOT_FOUND
    if upper in REJECT_MESSAGES:
        return Kind.REJECTED
    return None


def _code_int(code: object) -> int | None:
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip().lstrip("-").isdigit():
        return int(code.strip())
    return None


def classify(status: int, message: str | None, code: object) -> tuple[Kind, str]:
    """``(kind, canonical message)`` for an error answer; message first, code, then status."""
    text = message.strip() if isinstance(message, str) else ""
    if text:
        kind = _kind_of_message(text)
        if kind is not None:
            return kind, text
    number = _code_int(code)
    if number is not None and number in CODE_MESSAGES:
        canonical = CODE_MESSAGES[number]
        kind = _kind_of_message(canonical)
        if kind is not None:
            return kind, canonical
    if status == 401 or status == 403:
        return Kind.AUTH, text or f"HTTP {status}"
    if status == 429:
        return Kind.RATE_LIMIT, text or "TOO_MANY_REQUESTS"
    if status >= 500:
        return Kind.TRANSIENT, text or f"HTTP {status}"
    return Kind.OTHER, text or f"HTTP {status}"


def to_exception(
    endpoint: str,
    status: int,
    message: str | None,
    code: object,
    *,
    retry_after: float | None = None,
    detail: str = "",
) -> ExchangeError:
    """Build the core exception for an error answer of ``endpoint`` (never raises itself)."""
    kind, text = classify(status, message, code)
    where = f"{endpoint}: HTTP {status}, code {code!r}, message {text!r}"
    if isinstance(message, str) and message.strip() and message.strip() != text:
        where += f" (sent {message.strip()[:80]!r})"
    if detail:
        where += f" ({detail})"
    if kind is Kind.AUTH:
        skew = "NONCE" in text.upper() or "STAMP" in text.upper()
        return BtcturkAuthError(where, clock_skew=skew)
    if kind is Kind.RATE_LIMIT:
        return RateLimitedError(where, retry_after=retry_after)
    if kind is Kind.NOT_FOUND:
        return OrderNotFoundError(where, retryable=False)
    if kind is Kind.REJECTED:
        canonical = text.strip().upper()
        err = OrderRejectedError(where, code=canonical)
        err.retryable = canonical in RETRYABLE_REJECTIONS
        return err
    if kind is Kind.TRANSIENT:
        return TransientExchangeError(where)
    return ExchangeError(where, retryable=False)
