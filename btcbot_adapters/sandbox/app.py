"""Request handling of the sandbox server, independent of the HTTP library: routing (paths
matched case-insensitively), fault injection, rate limits, authentication, envelopes.

Order of checks per request: route → planned/random "before" faults → rate limit → auth
(private routes) → the backend call (under one lock) → "after" faults → latency → answer.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs

from btcbot_adapters.sandbox import auth, jsonout
from btcbot_adapters.sandbox.backend import ApiError, SandboxBackend
from btcbot_adapters.sandbox.faults import FaultKind, Faults
from btcbot_adapters.sandbox.limits import ServerLimits

LOG = logging.getLogger("btcbot.sandbox")
JSON: Final = (("Content-Type", "application/json; charset=utf-8"),)
HTML_502: Final = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>"
    b"<center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>"
)


@attrs.frozen
class Request:
    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    body: bytes


@attrs.frozen
class Response:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = JSON
    drop: bool = False


def _json(status: int, payload: Any, extra: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, jsonout.dumps(payload).encode("utf-8"), JSON + extra)


def ok(data: Any, message: str | None = None) -> dict[str, Any]:
    return {"success": True, "message": message, "code": 0, "data": data}


def error_body(err: ApiError) -> dict[str, Any]:
    return {
        "httpStatusCode": err.status,
        "data": None,
        "success": False,
        "message": err.message,
        "code": err.code,
    }


def _first(query: Mapping[str, Sequence[str]], name: str, default: str | None = None) -> str | None:
    for key, values in query.items():
        if key.lower() == name.lower() and values:
            return values[0]
    return default


def _int(query: Mapping[str, Sequence[str]], name: str, default: int | None) -> int | None:
    value = _first(query, name)
    if value is None or value == "":
        return default
    if not value.lstrip("-").isdigit():
        raise ApiError(400, "PARAMETERS_ERROR", 1000)
    return int(value)


Handler = Callable[[SandboxBackend, Request, re.Match[str]], Any]

# (method, path regex, endpoint key, private, bare, success message)
ROUTES: Final[list[tuple[str, re.Pattern[str], str, bool, bool, Handler]]] = []


def route(
    method: str, pattern: str, key: str, *, private: bool = False, bare: bool = False
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES.append((method, re.compile(pattern + r"/?$", re.IGNORECASE), key, private, bare, fn))
        return fn

    return register


@route("GET", r"/api/v2/server/time", "GET /api/v2/server/time", bare=True)
def _time(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    raise NotImplementedError  # answered by the app (needs the faulted clock)


@route("GET", r"/api/v2/server/exchangeinfo", "GET /api/v2/server/exchangeinfo")
def _info(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    return b.exchange_info()


@route("GET", r"/api/v2/ticker/currency", "GET /api/v2/ticker")
def _ticker_currency(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    return b.ticker(None, _first(r.query, "symbol"))


@route("GET", r"/api/v2/ticker", "GET /api/v2/ticker")
def _ticker(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    return b.ticker(_first(r.query, "pairSymbol"), None)


@route("GET", r"/api/v2/orderbook", "GET /api/v2/orderbook")
def _book(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    limit = _int(r.query, "limit", 100) or 100
    return b.orderbook(_first(r.query, "pairSymbol") or "", max(1, min(limit, 1000)))


@route("GET", r"/api/v2/trades", "GET /api/v2/trades")
def _trades(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    return b.trades(_first(r.query, "pairSymbol") or "", _int(r.query, "last", 50) or 50)


@route("GET", r"/v1/ohlcs", "GET graph /v1/ohlcs", bare=True)
def _ohlcs(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    now = int(time.time())
    return b.ohlcs(
        _first(r.query, "pair") or "",
        _int(r.query, "from", 0) or 0,
        _int(r.query, "to", now) or now,
    )


@route("GET", r"/v1/klines/history", "GET graph /v1/klines/history", bare=True)
def _klines(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    now = int(time.time())
    resolution = _first(r.query, "resolution", "1") or "1"
    minutes = {"1D": 1440, "1 DAY": 1440}.get(resolution.upper())
    if minutes is None:
        minutes = int(resolution) if resolution.isdigit() else -1
    return b.klines(
        _first(r.query, "symbol") or "",
        minutes,
        _int(r.query, "from", 0) or 0,
        _int(r.query, "to", now) or now,
    )


@route("GET", r"/api/v1/users/balances", "GET /api/v1/users/balances", private=True)
def _balances(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    return b.balances()


@route("GET", r"/api/v1/openOrders", "GET /api/v1/openOrders", private=True)
def _open(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    return b.open_orders(_first(r.query, "pairSymbol"))


@route("GET", r"/api/v1/allOrders", "GET /api/v1/allOrders", private=True)
def _all(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    symbol = _first(r.query, "pairSymbol")
    if not symbol:
        raise ApiError(400, "PARAMETERS_ERROR", 1000)
    return b.all_orders(symbol, _int(r.query, "orderId", None), _int(r.query, "limit", 100) or 100)


@route("GET", r"/api/v1/order/(?P<id>[^/]+)", "GET /api/v1/order/{id}", private=True)
def _order(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    return b.order(m.group("id"))


@route("POST", r"/api/v1/order", "POST /api/v1/order", private=True)
def _submit(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    from btcbot_adapters.btcturk.envelope import loads

    try:
        body = loads(r.body) if r.body else {}
    except ValueError:
        raise ApiError(400, "FAILED_ORDER_PARAMETER") from None
    return b.submit(body)


@route("DELETE", r"/api/v1/order", "DELETE /api/v1/order", private=True)
def _cancel(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    order_id = _first(r.query, "id")
    if not order_id:
        raise ApiError(400, "NO_ORDER_MATCHES_YOUR_REQUEST")
    b.cancel(order_id)
    return None


@route(
    "GET", r"/api/v1/users/transactions/trade", "GET /api/v1/users/transactions/trade", private=True
)
def _fills(b: SandboxBackend, r: Request, m: re.Match[str]) -> Any:
    return b.user_trades({k: list(v) for k, v in r.query.items()})


class SandboxApp:
    """Everything between a parsed request and the bytes of the answer."""

    def __init__(
        self,
        backend: SandboxBackend,
        *,
        keys: Mapping[str, str],
        faults: Faults,
        limits: ServerLimits,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.backend = backend
        self.keys = dict(keys)
        self.faults = faults
        self.limits = limits
        self._sleep = sleep
        self._lock = threading.Lock()
        self.requests: dict[str, int] = {}

    def server_ms(self) -> int:
        return self.backend.server_ms() + self.faults.clock_offset_ms

    def handle(self, req: Request) -> Response:
        path = req.path.split("?", 1)[0]
        allowed = False
        for method, pattern, key, private, bare, fn in ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            allowed = True
            if method == req.method.upper():
                try:
                    response = self._handle(req, key, private, bare, fn, match)
                except Exception:  # a sandbox bug must not kill the connection thread
                    LOG.exception("sandbox failed on %s", key)
                    body = {"success": False, "message": "Internal Server Error", "code": 500}
                    response = _json(500, body)
                if self.faults.latency_s > 0:
                    self._sleep(self.faults.latency_s)
                return response
        if allowed:
            return _json(405, {"success": False, "message": "Method Not Allowed", "code": 405})
        return _json(404, {"success": False, "message": "Not Found", "code": 404})

    def _handle(
        self, req: Request, key: str, private: bool, bare: bool, fn: Handler, match: re.Match[str]
    ) -> Response:
        with self._lock:
            self.requests[key] = self.requests.get(key, 0) + 1
        is_submit = key == "POST /api/v1/order"
        before = self.faults.take(key, True, is_submit)
        if before is not None:
            return self._fault_before(*before)
        limited = self.limits.check(key)
        if limited is not None:
            wait, body = limited
            return _json(429, body, (("Retry-After", str(wait)),))
        if private:
            problem = auth.check(req.headers, self.keys, self.server_ms())
            if problem is not None:
                legacy = self.faults.legacy_auth_body
                return _json(401, {"success": legacy, "message": problem, "code": 1037})
        try:
            with self._lock:
                if key == "GET /api/v2/server/time":
                    now = self.server_ms()
                    from btcbot_adapters.sandbox.render import iso7

                    payload: Any = {"serverTime": now, "serverTime2": iso7(now)}
                else:
                    data = fn(self.backend, req, match)
                    payload = data if bare else self._envelope(key, data)
        except ApiError as err:
            return _json(err.status, error_body(err))
        after = self.faults.take(key, False, is_submit)
        if after is not None:
            kind = after[0]
            if kind is FaultKind.DROP_AFTER_ACCEPT:
                return Response(0, b"", drop=True)
            if kind is FaultKind.ERROR_5XX_AFTER:
                return Response(502, HTML_502, (("Content-Type", "text/html"),))
            if kind is FaultKind.DELAY_AFTER:
                self._sleep(self.faults.delays.get(kind, 0.0))
            if kind is FaultKind.MALFORMED_JSON:
                full = jsonout.dumps(payload).encode("utf-8")
                return Response(200, full[: max(1, len(full) // 2)], JSON)
        return _json(200, payload)

    @staticmethod
    def _envelope(key: str, data: Any) -> dict[str, Any]:
        if key == "DELETE /api/v1/order":
            return {"success": True, "message": "SUCCESS", "code": 0}
        if key == "POST /api/v1/order":
            return {"httpStatusCode": 200, **ok(data, "OK")}
        return ok(data)

    @staticmethod
    def _fault_before(kind: FaultKind, retry_after: int) -> Response:
        if kind is FaultKind.RATE_LIMIT:
            from btcbot_adapters.sandbox.limits import body_429

            return _json(
                429, body_429(1, 1, "ip", retry_after), (("Retry-After", str(retry_after)),)
            )
        if kind is FaultKind.HTML_ERROR:
            return Response(502, HTML_502, (("Content-Type", "text/html"),))
        return _json(500, {"success": False, "message": "Internal Server Error", "code": 500})
