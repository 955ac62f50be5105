"""The sandbox speaks BTCTurk's wire format: shapes, types, auth bodies, errors, faults."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from btcbot_adapters.btcturk.envelope import loads
from btcbot_adapters.sandbox.faults import FaultKind
from btcbot_adapters.sandbox.server import SandboxConfig, SandboxServer
from tests.sandbox.conftest import Raw


def test_server_time_is_bare_with_iso_string(raw: Raw, server: SandboxServer) -> None:
    server.faults.clock_offset_ms = 7_000
    body = raw.call("GET", "/api/v2/server/time").json()
    assert set(body) == {"serverTime", "serverTime2"}
    assert abs(body["serverTime"] - time.time() * 1000 - 7_000) < 2_000
    assert body["serverTime2"].endswith("+00:00") and len(body["serverTime2"].split(".")[1]) == 13


@pytest.mark.parametrize(
    "path",
    ["/api/v2/server/exchangeinfo", "/api/v2/server/exchangeInfo", "/API/V2/SERVER/EXCHANGEINFO/"],
)
def test_paths_are_case_insensitive(raw: Raw, path: str) -> None:
    body = raw.call("GET", path).json()
    assert body["success"] is True and body["code"] == 0
    names = [s["name"] for s in body["data"]["symbols"]]
    assert names == ["BTCTRY", "ETHTRY", "USDTTRY", "SOLTRY", "XRPTRY"]
    eth = body["data"]["symbols"][1]
    assert eth["sandboxSynthetic"] is True and "sandboxSynthetic" not in body["data"]["symbols"][0]


def test_field_types_follow_the_reference(raw: Raw) -> None:
    ticker = loads(raw.call("GET", "/api/v2/ticker", pairSymbol="BTCTRY").content)["data"]
    assert len(ticker) == 1 and not isinstance(ticker[0]["last"], str)
    book = loads(raw.call("GET", "/api/v2/orderBook", pairSymbol="BTC_TRY", limit=3).content)
    assert len(book["data"]["bids"]) == 3 and isinstance(book["data"]["bids"][0][0], str)
    trades = raw.call("GET", "/api/v2/trades", pairSymbol="BTCTRY", last=2).json()["data"]
    assert isinstance(trades[0]["tid"], str) and isinstance(trades[0]["price"], str)
    now = int(time.time())
    klines = raw.call(
        "GET",
        "/v1/klines/history",
        symbol="BTCTRY",
        resolution=60,
        **{"from": now - 7200, "to": now},
    ).json()
    assert klines["s"] == "ok" and len(klines["t"]) == len(klines["c"]) >= 2
    assert raw.call(
        "GET", "/v1/klines/history", symbol="BTCTRY", resolution=1, **{"from": 0, "to": 10}
    ).json() == {"s": "no_data"}
    ohlcs = raw.call("GET", "/v1/ohlcs", pair="BTCTRY", **{"from": now - 86400, "to": now}).json()
    assert isinstance(ohlcs, list) and ohlcs[0]["time"] % 86400 == 0


@pytest.mark.parametrize(
    ("headers", "stamp_shift", "message"),
    [
        ({}, None, "Unauthorized - Headers are missing"),
        (
            {"X-PCK": "nobody", "X-Stamp": "1", "X-Signature": "x"},
            None,
            "Unauthorized - Invalid Public key",
        ),
        (None, -6_000, "Unauthorized - Invalid Nonce"),
        (None, +6_000, "Unauthorized - Invalid Nonce"),
    ],
)
def test_auth_failures_answer_like_btcturk(
    raw: Raw, headers: dict[str, str] | None, stamp_shift: int | None, message: str
) -> None:
    if headers is None:
        stamp = time.time_ns() // 1_000_000 + (stamp_shift or 0)
        resp = raw.call("GET", "/api/v1/users/balances", signed=True, stamp=stamp)
    else:
        resp = raw.call("GET", "/api/v1/users/balances", headers=headers)
    assert resp.status_code == 401
    assert resp.json() == {"success": False, "message": message, "code": 1037}


def test_bad_signature_and_legacy_body(raw: Raw, server: SandboxServer) -> None:
    headers = raw.creds.headers(time.time_ns() // 1_000_000)
    headers["X-Signature"] = headers["X-Signature"][::-1]
    server.faults.legacy_auth_body = True
    resp = raw.call("GET", "/api/v1/users/balances", headers=headers)
    assert resp.status_code == 401
    assert resp.json() == {
        "success": True,
        "message": "Unauthorized - Invalid Signature",
        "code": 1037,
    }


def test_order_lifecycle_on_the_wire(raw: Raw) -> None:
    ask = int(
        raw.call("GET", "/api/v2/orderbook", pairSymbol="BTCTRY").json()["data"]["asks"][0][0]
    )
    body = {
        "quantity": "0.001",
        "price": str(ask - 30_000),
        "newOrderClientId": "w-1",
        "orderMethod": "limit",
        "orderType": "buy",
        "pairSymbol": "BTCTRY",
    }
    sub = raw.call("POST", "/api/v1/order", signed=True, body=body).json()
    assert sub["success"] is True and sub["message"] == "OK" and sub["httpStatusCode"] == 200
    data = sub["data"]
    assert data["newOrderClientId"] == "w-1" and data["type"] == "buy" and data["stopPrice"] is None
    opened = raw.call("GET", "/api/v1/openOrders", signed=True, pairSymbol="BTCTRY").json()["data"]
    (row,) = opened["bids"]
    assert opened["asks"] == [] and row["time"] == 0 and row["status"] == "Untouched"
    assert (
        raw.call("GET", f"/api/v1/order/{data['id']}", signed=True).json()["data"]["id"]
        == data["id"]
    )
    cancel = raw.call("DELETE", "/api/v1/order", signed=True, id=data["id"])
    assert cancel.json() == {"success": True, "message": "SUCCESS", "code": 0}
    after = raw.call("GET", f"/api/v1/order/{data['id']}", signed=True).json()["data"]
    assert after["status"] == "Canceled"
    again = raw.call("DELETE", "/api/v1/order", signed=True, id=data["id"])
    assert again.status_code == 400 and again.json()["message"] == "ORDER_COULD_NOT_BE_CANCELED"
    unknown = raw.call("DELETE", "/api/v1/order", signed=True, id=424242)
    assert unknown.json() == {
        "httpStatusCode": 400,
        "data": None,
        "success": False,
        "message": "NO_ORDER_MATCHES_YOUR_REQUEST",
        "code": 1052,
    }
    missing = raw.call("GET", "/api/v1/order/424242", signed=True)
    assert missing.status_code == 400 and missing.json()["code"] == 1152


def test_validation_errors_and_market_buy_in_quote(raw: Raw) -> None:
    def submit(**fields: str) -> requests.Response:
        body = {"orderMethod": "limit", "orderType": "buy", "pairSymbol": "BTCTRY"} | fields
        return raw.call("POST", "/api/v1/order", signed=True, body=body)

    frac = submit(quantity="0.001", price="2950000.5")
    assert (frac.status_code, frac.json()["message"], frac.json()["code"]) == (
        400,
        "FAILED_INVALID_PRICE_SCALE",
        1126,
    )
    small = submit(quantity="0.00001", price="2950000")
    assert small.json()["message"] == "FAILED_MIN_TOTAL_AMOUNT"
    scale = submit(quantity="0.000000001", price="2950000")
    assert scale.json()["message"] == "FAILED_INVALID_QUANTITY_SCALE"
    stop = submit(orderMethod="stoplimit", quantity="0.001", price="2950000")
    assert stop.json()["message"] == "ORDER_METHOD_NOT_SUPPORTED"
    market = submit(orderMethod="market", quantity="500.00")  # 500 TRY to spend
    assert market.status_code == 200, market.text
    order = raw.call("GET", f"/api/v1/order/{market.json()['data']['id']}", signed=True).json()
    assert order["data"]["status"] == "Closed" and order["data"]["method"] == "market"
    fills = raw.call("GET", "/api/v1/users/transactions/trade", signed=True).json()["data"]
    (fill,) = fills
    assert (
        fill["fee"].startswith("-") and fill["tax"].startswith("-") and fill["orderType"] == "buy"
    )
    too_precise = submit(orderMethod="market", quantity="500.001")
    assert too_precise.json()["message"] == "FAILED_INVALID_QUANTITY_SCALE"


def test_duplicate_client_ids_are_accepted_silently(raw: Raw, server: SandboxServer) -> None:
    body = {
        "quantity": "0.001",
        "price": "2900000",
        "newOrderClientId": "same",
        "orderMethod": "limit",
        "orderType": "buy",
        "pairSymbol": "BTCTRY",
    }
    first = raw.call("POST", "/api/v1/order", signed=True, body=body).json()["data"]["id"]
    second = raw.call("POST", "/api/v1/order", signed=True, body=body).json()["data"]["id"]
    assert first != second
    assert server.backend.orders_with_client_id("same") == [str(first), str(second)]


def test_faults_on_the_wire(raw: Raw, server: SandboxServer) -> None:
    server.faults.add(FaultKind.HTML_ERROR, match="GET /api/v2/ticker")
    page = raw.call("GET", "/api/v2/ticker")
    assert page.status_code == 502 and page.text.startswith("<!DOCTYPE html>")
    server.faults.add(FaultKind.MALFORMED_JSON, match="GET /api/v2/ticker")
    with pytest.raises(ValueError):
        raw.call("GET", "/api/v2/ticker").json()
    server.faults.add(FaultKind.RATE_LIMIT, match="GET /api/v2/ticker", retry_after=9)
    limited = raw.call("GET", "/api/v2/ticker")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "9"
    assert limited.json()["message"] == "TOO_MANY_REQUESTS"
    server.faults.add(FaultKind.DROP_AFTER_ACCEPT)
    body = {
        "quantity": "0.001",
        "price": "2900000",
        "newOrderClientId": "dropped",
        "orderMethod": "limit",
        "orderType": "buy",
        "pairSymbol": "BTCTRY",
    }
    with pytest.raises(requests.ConnectionError):
        raw.call("POST", "/api/v1/order", signed=True, body=body)
    assert len(server.backend.orders_with_client_id("dropped")) == 1
    server.faults.latency_s = 0.2
    started = time.perf_counter()
    raw.call("GET", "/api/v2/server/time")
    assert time.perf_counter() - started >= 0.2


def test_real_rate_limits_with_retry_after() -> None:
    with SandboxServer(SandboxConfig(rate_limit_scale=0.01)) as server:  # orderbook: 1 per min
        raw = Raw(server)
        assert raw.call("GET", "/api/v2/orderbook", pairSymbol="BTCTRY").status_code == 200
        limited = raw.call("GET", "/api/v2/orderbook", pairSymbol="BTCTRY")
        assert limited.status_code == 429 and 55 <= int(limited.headers["Retry-After"]) <= 60
        assert limited.json()["details"] == "Quota exceeded. Maximum allowed: 1 per 1m."


def test_unknown_paths_and_methods(raw: Raw) -> None:
    assert raw.call("GET", "/api/v2/nothing").status_code == 404
    assert raw.call("PUT", "/api/v1/order").status_code == 405


def test_ephemeral_port_keep_alive_and_clean_shutdown() -> None:
    server = SandboxServer().start()
    raw = Raw(server)
    for _ in range(5):
        raw.call("GET", "/api/v2/server/time")
    assert server.connections == 1
    host, port = server.url.removeprefix("http://").split(":")
    server.stop()
    with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=1):
        pass
