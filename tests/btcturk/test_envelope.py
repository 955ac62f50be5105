"""Decoding and the envelope check (reference §1.3), plus error mapping on real bodies."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from btcbot_adapters.btcturk.envelope import decode, loads, unwrap
from btcbot_adapters.btcturk.errors import BtcturkAuthError, Kind, classify, to_exception
from btcbot_core.errors import (
    AuthError,
    ExchangeError,
    MalformedResponse,
    OrderNotFoundError,
    OrderRejectedError,
    RateLimitedError,
    TransientExchangeError,
)
from tests.btcturk.samples import load


def _walk(value: Any) -> list[Any]:
    out = [value]
    if isinstance(value, dict):
        for item in value.values():
            out += _walk(item)
    elif isinstance(value, list):
        for item in value:
            out += _walk(item)
    return out


@pytest.mark.parametrize(
    "name",
    [
        "exchangeinfo_data_mss1451_2022-01.json",
        "orderbook_data_btcusdt_mss1451_2022-02.json",
        "graph_ohlcs_btctry_docs_example.json",
        "ticker_body_btctry_zingu.json",
    ],
)
def test_no_float_ever_exists(name: str) -> None:
    values = _walk(load(name))
    assert not any(isinstance(v, float) for v in values)
    assert any(isinstance(v, Decimal) for v in values)


def test_fractions_keep_their_exact_token() -> None:
    assert loads(b'{"a": 0.1, "b": 1643883463379.0, "c": 1181163798924649598}') == {
        "a": Decimal("0.1"),
        "b": Decimal("1643883463379.0"),
        "c": 1181163798924649598,
    }


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": ' + "9" * 500 + "}"])
def test_non_standard_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        loads(text)


def test_html_error_page_names_status_and_excerpt() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"
    with pytest.raises(TransientExchangeError) as info:
        decode("GET /api/v2/ticker", 502, page)
    assert "502" in str(info.value) and "Bad Gateway" in str(info.value)
    assert info.value.retryable


def test_html_on_200_is_malformed() -> None:
    with pytest.raises(MalformedResponse) as info:
        decode("GET /api/v2/ticker", 200, b"<html>maintenance</html>")
    assert info.value.field == "<body>" and "maintenance" in info.value.detail


def test_html_on_429_is_rate_limited_with_retry_after() -> None:
    with pytest.raises(RateLimitedError) as info:
        decode("GET /api/v2/ticker", 429, b"<html>slow down</html>", retry_after=7)
    assert info.value.retry_after == 7


@pytest.mark.parametrize("code", [0, "0", "SUCCESS", None])
def test_success_codes(code: object) -> None:
    assert unwrap("e", 200, {"success": True, "message": "OK", "code": code, "data": [1]}) == [1]


def test_missing_data_is_none_for_cancel() -> None:
    assert unwrap("e", 200, load("cancel_order_body_docs.json")) is None


def test_legacy_auth_body_with_success_true_is_an_auth_error() -> None:
    body = {"success": True, "message": "Unauthorized - Invalid Nonce", "code": 1037}
    for status in (200, 401):
        with pytest.raises(BtcturkAuthError) as info:
            unwrap("GET /api/v1/users/balances", status, body)
        assert info.value.clock_skew and not info.value.retryable


def test_status_is_checked_before_success() -> None:
    with pytest.raises(TransientExchangeError):
        unwrap("e", 503, {"success": True, "code": 0, "data": []})


@pytest.mark.parametrize(
    "body",
    [[], "x", {"success": "yes", "code": 0}, {"message": None}],
)
def test_bad_envelopes_are_malformed(body: Any) -> None:
    with pytest.raises(MalformedResponse):
        unwrap("e", 200, body)


def test_nonzero_code_with_success_true_is_an_error() -> None:
    with pytest.raises(OrderRejectedError):
        unwrap("e", 200, {"success": True, "message": "FAILED_MIN_TOTAL_AMOUNT", "code": 1123})


EXPECTED = {
    "FAILED_INVALID_QUANTITY_SCALE": OrderRejectedError,
    "FAILED_INVALID_PRICE_SCALE": OrderRejectedError,
    "FAILED_ORDER_WITH_OPEN_ORDERS": OrderRejectedError,
    "NO_ORDER_MATCHES_YOUR_REQUEST": OrderNotFoundError,
    "Order not found": OrderNotFoundError,
    "Unauthorized - Invalid Nonce": AuthError,
    "TOO_MANY_REQUESTS": RateLimitedError,
}


@pytest.mark.parametrize("case", load("error_bodies.json"), ids=lambda c: c["body"]["message"])
def test_every_real_error_body_maps(case: dict[str, Any]) -> None:
    status = case["http_status"] or 400
    expected = EXPECTED[case["body"]["message"]]
    with pytest.raises(expected) as info:
        unwrap("endpoint", status, case["body"], retry_after=55)
    err = info.value
    assert err.retryable is (expected is RateLimitedError)
    if isinstance(err, OrderRejectedError):
        assert err.code == case["body"]["message"]
    if isinstance(err, RateLimitedError):
        assert err.retry_after == 55
    assert json.dumps(case["body"]["message"])[1:-1] in str(err)


def test_message_wins_over_code() -> None:
    # 2024-04: FAILED_ORDER_WITH_OPEN_ORDERS arrived with the shifted code 1123.
    kind, text = classify(400, "FAILED_ORDER_WITH_OPEN_ORDERS", 1123)
    assert (kind, text) == (Kind.REJECTED, "FAILED_ORDER_WITH_OPEN_ORDERS")
    err = to_exception("e", 400, "FAILED_ORDER_WITH_OPEN_ORDERS", 1123)
    assert isinstance(err, OrderRejectedError) and err.code == "FAILED_ORDER_WITH_OPEN_ORDERS"


def test_code_is_the_fallback_and_status_the_last_resort() -> None:
    err = to_exception("e", 400, "some prose", 1126)
    assert isinstance(err, OrderRejectedError) and err.code == "FAILED_INVALID_PRICE_SCALE"
    assert classify(400, None, "1152")[0] is Kind.NOT_FOUND
    assert isinstance(to_exception("e", 401, None, None), AuthError)
    assert isinstance(to_exception("e", 500, "boom", 99), TransientExchangeError)
    other = to_exception("e", 404, None, None)
    assert type(other) is ExchangeError and not other.retryable


def test_cancel_blocked_is_the_retryable_rejection() -> None:
    err = to_exception("e", 400, "ORDER_CANCEL_BLOCKED", None)
    assert isinstance(err, OrderRejectedError) and err.retryable
