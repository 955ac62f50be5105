"""Decode BTCTurk JSON bodies and check the response envelope (reference §1.3).

Numbers are decoded exactly: JSON fractions become ``Decimal`` (``parse_float=Decimal``) and
integers stay ``int``, so no ``float`` ever exists. Integers longer than
:data:`MAX_INT_DIGITS` digits and the non-standard ``NaN``/``Infinity`` tokens are refused.

Check order for enveloped endpoints: HTTP status first, then ``success``, then
``code``/``message`` (auth errors have historically arrived with ``"success": true``).
Non-JSON bodies (Cloudflare HTML pages) become errors naming the status and a short excerpt.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Final

from btcbot_adapters.btcturk.errors import to_exception
from btcbot_core.errors import ExchangeError, MalformedResponse

MAX_INT_DIGITS: Final = 40
EXCERPT_CHARS: Final = 120
_SUCCESS_CODES: Final = frozenset({0, "0", "SUCCESS"})


class _BadNumber(ValueError):
    pass


def _parse_int(token: str) -> int:
    if len(token.lstrip("-")) > MAX_INT_DIGITS:
        raise _BadNumber(f"integer with {len(token)} digits")
    return int(token)


def _parse_constant(token: str) -> Any:
    raise _BadNumber(f"non-standard JSON constant {token}")


def excerpt(raw: bytes | str, limit: int = EXCERPT_CHARS) -> str:
    """A short single-line excerpt of a body for error messages."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def loads(raw: bytes | str) -> Any:
    """Decode JSON exactly (``Decimal`` fractions, exact ints); ``ValueError`` when invalid."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return json.loads(
        text, parse_float=Decimal, parse_int=_parse_int, parse_constant=_parse_constant
    )


def decode(endpoint: str, status: int, raw: bytes, *, retry_after: float | None = None) -> Any:
    """The decoded body, or the right error for a body that is not JSON.

    A non-JSON body on an error status raises the error for that status (its message names
    the status and an excerpt); on a 2xx it is a :class:`MalformedResponse`.
    """
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        snippet = excerpt(raw)
        if 200 <= status < 300:
            raise MalformedResponse(
                endpoint, "<body>", f"not JSON (HTTP {status}): {snippet!r}"
            ) from exc
        raise to_exception(
            endpoint,
            status,
            None,
            None,
            retry_after=retry_after,
            detail=f"non-JSON body: {snippet!r}",
        ) from exc


def _is_success_code(code: Any) -> bool:
    if code is None:  # absent or null: ``success`` already said true
        return True
    if isinstance(code, bool) or not isinstance(code, int | str):
        return False
    return code in _SUCCESS_CODES


def _error_from_body(
    endpoint: str, status: int, body: Any, retry_after: float | None
) -> ExchangeError:
    if isinstance(body, dict):
        message = body.get("message")
        return to_exception(
            endpoint,
            status,
            message if isinstance(message, str) else None,
            body.get("code"),
            retry_after=retry_after,
        )
    return to_exception(
        endpoint,
        status,
        None,
        None,
        retry_after=retry_after,
        detail=excerpt(json.dumps(body, default=str)),
    )


def check_status(endpoint: str, status: int, body: Any, retry_after: float | None = None) -> None:
    """Raise the mapped error when ``status`` is not 2xx (used by bare endpoints too)."""
    if not 200 <= status < 300:
        raise _error_from_body(endpoint, status, body, retry_after)


def unwrap(endpoint: str, status: int, body: Any, retry_after: float | None = None) -> Any:
    """The ``data`` member of an enveloped body after the documented checks.

    Returns ``None`` when ``data`` is absent or null (e.g. cancel); the ``parse_*`` function
    of each endpoint decides whether that is acceptable.
    """
    check_status(endpoint, status, body, retry_after)
    if not isinstance(body, dict):
        raise MalformedResponse(
            endpoint, "<envelope>", f"expected an object, got {type(body).__name__}"
        )
    success = body.get("success")
    code = body.get("code")
    message = body.get("message")
    if success is False:
        raise _error_from_body(endpoint, status, body, retry_after)
    if success is not True and "success" in body:
        raise MalformedResponse(endpoint, "success", f"expected a boolean, got {success!r}")
    if success is None and "code" not in body:
        raise MalformedResponse(endpoint, "success", "envelope has neither success nor code")
    if isinstance(message, str) and message.strip().upper().startswith("UNAUTHORIZED"):
        raise _error_from_body(endpoint, 401, body, retry_after)
    if not _is_success_code(code):
        raise _error_from_body(endpoint, status, body, retry_after)
    return body.get("data")
