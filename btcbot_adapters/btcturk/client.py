"""The BTCTurk HTTP client: one ``requests.Session``, explicit timeouts, budgets, retries.

* Connection reuse: one session (keep-alive pool); explicit ``(connect, read)`` timeouts.
* Every attempt waits for the endpoint's token buckets, is re-signed with a fresh stamp, and
  is decoded exactly (:mod:`.envelope`).
* Retries: **only idempotent reads** (``idempotent=True``) are retried, on retryable errors
  (timeouts, connection errors, 5xx, 429), with capped exponential backoff and seeded
  jitter; a 429 honours ``Retry-After`` (the endpoint is blocked that long). Writes are
  never retried here: the adapter resolves ambiguous submits by lookup.
* Clock: the server-time offset is measured before the first private call and every
  ``resync_interval_s``; an auth failure caused by the stamp window ("Invalid Nonce")
  re-syncs and retries once (the server refused the request, so even a write is safe).
* After ``auth_failure_limit`` consecutive auth failures private calls stop for
  ``auth_cooldown_s`` (BTCTurk blocks an IP after ~50 unauthorized requests).
* Secrets: headers are never logged; every error message passes through
  :meth:`Credentials.redact`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
import requests

from btcbot_adapters.btcturk import envelope
from btcbot_adapters.btcturk.clock import ServerClock, wall_ms
from btcbot_adapters.btcturk.errors import BtcturkAuthError
from btcbot_adapters.btcturk.parse_public import parse_server_time
from btcbot_adapters.btcturk.ratelimit import Backoff, RateLimiter
from btcbot_adapters.btcturk.signing import Credentials
from btcbot_core.errors import AuthError, ExchangeError, RateLimitedError, TransientExchangeError

LOG = logging.getLogger("btcbot.btcturk")
PRODUCTION_URL = "https://api.btcturk.com"
PRODUCTION_GRAPH_URL = "https://graph-api.btcturk.com"

Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | None


@attrs.frozen
class ClientConfig:
    """Connection settings. Times in seconds. ``graph_url`` serves candles."""

    base_url: str = PRODUCTION_URL
    graph_url: str = PRODUCTION_GRAPH_URL
    connect_timeout_s: float = 3.05
    read_timeout_s: float = 10.0
    max_attempts: int = 4
    backoff_base_s: float = 0.25
    backoff_cap_s: float = 8.0
    max_retry_after_s: float = 120.0
    jitter_seed: int = 0
    resync_interval_s: float = 300.0
    auth_failure_limit: int = 5
    auth_cooldown_s: float = 60.0
    rate_headroom: float = 0.9
    pool_size: int = 4


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = Decimal(value.strip())
    except ArithmeticError:
        return None  # HTTP-date form: unsupported, fall back to backoff
    if not seconds.is_finite() or seconds < 0:
        return None
    return float(seconds)  # a duration, not money


def _default_session(pool_size: int) -> requests.Session:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(
        pool_connections=2, pool_maxsize=pool_size, max_retries=0
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept": "application/json", "User-Agent": "btcbot/0.1"})
    return session


class BtcturkClient:
    """Low-level calls returning decoded ``data`` (enveloped) or bodies (bare endpoints)."""

    def __init__(
        self,
        config: ClientConfig | None = None,
        credentials: Credentials | None = None,
        *,
        session: requests.Session | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], int] = wall_ms,
    ) -> None:
        self.config = config or ClientConfig()
        self._creds = credentials
        self._session = session or _default_session(self.config.pool_size)
        self._monotonic = monotonic
        self._sleep = sleep
        self.limiter = RateLimiter(monotonic, sleep, headroom=self.config.rate_headroom)
        self.backoff = Backoff(
            self.config.backoff_base_s, self.config.backoff_cap_s, self.config.jitter_seed
        )
        self.clock = ServerClock(wall, monotonic, self.config.resync_interval_s)
        self._auth_failures = 0
        self._auth_open_until = 0.0
        self.calls = 0

    def __repr__(self) -> str:
        return f"BtcturkClient(base_url={self.config.base_url!r}, credentials=***)"

    def close(self) -> None:
        self._session.close()

    # --- one attempt -------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return self._creds.redact(text) if self._creds is not None else text

    def _send(
        self,
        method: str,
        url: str,
        key: str,
        params: Params,
        body: Any,
        signed: bool,
    ) -> tuple[int, bytes, float | None]:
        self.limiter.acquire(key)
        headers: dict[str, str] = {}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if signed:
            if self._creds is None:
                raise AuthError(f"{key}: no API credentials configured", retryable=False)
            headers.update(self._creds.headers(self.clock.stamp()))
        timeout = (self.config.connect_timeout_s, self.config.read_timeout_s)
        started = time.perf_counter()
        self.calls += 1
        try:
            resp = self._session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise TransientExchangeError(
                self._redact(f"{key}: timed out ({type(exc).__name__})")
            ) from None
        except requests.RequestException as exc:
            raise TransientExchangeError(
                self._redact(f"{key}: connection failed ({type(exc).__name__}: {exc})")[:300]
            ) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        LOG.debug("%s -> HTTP %s in %.1f ms", key, resp.status_code, elapsed_ms)
        return resp.status_code, resp.content, _retry_after(resp.headers.get("Retry-After"))

    def _attempt(
        self, method: str, url: str, key: str, params: Params, body: Any, signed: bool, bare: bool
    ) -> Any:
        status, raw, retry_after = self._send(method, url, key, params, body, signed)
        decoded = envelope.decode(key, status, raw, retry_after=retry_after)
        if bare:
            envelope.check_status(key, status, decoded, retry_after)
            return decoded
        return envelope.unwrap(key, status, decoded, retry_after)

    # --- policy ------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        url: str,
        key: str,
        *,
        params: Params = None,
        body: Any = None,
        signed: bool = False,
        bare: bool = False,
        idempotent: bool = True,
    ) -> Any:
        attempt = 0
        resynced = False
        while True:
            if signed:
                self._check_auth_circuit(key)
                if self.clock.needs_sync():
                    self._try_sync()
            try:
                result = self._attempt(method, url, key, params, body, signed, bare)
            except BtcturkAuthError as exc:
                self._auth_failures += 1
                if self._auth_failures >= self.config.auth_failure_limit:
                    self._auth_open_until = self._monotonic() + self.config.auth_cooldown_s
                if signed and exc.clock_skew and not resynced:
                    LOG.warning("%s: stamp refused (clock skew); re-syncing and retrying once", key)
                    self.clock.invalidate()
                    self._try_sync()
                    resynced = True
                    continue
                raise self._clean(exc) from None
            except RateLimitedError as exc:
                asked = (
                    exc.retry_after
                    if exc.retry_after is not None
                    else self.backoff.delay_s(attempt)
                )
                # Never block an endpoint (cancels included) longer than we would wait.
                wait = min(asked, self.config.max_retry_after_s)
                self.limiter.penalize(key, wait)
                LOG.warning("%s: HTTP 429, endpoint blocked for %.1f s", key, wait)
                if (
                    not idempotent
                    or attempt + 1 >= self.config.max_attempts
                    or asked > self.config.max_retry_after_s
                ):
                    raise self._clean(exc) from None
                attempt += 1
                continue
            except ExchangeError as exc:
                if not idempotent or not exc.retryable or attempt + 1 >= self.config.max_attempts:
                    raise self._clean(exc) from None
                delay = self.backoff.delay_s(attempt)
                LOG.warning("%s; retry %d in %.2f s", self._redact(str(exc)), attempt + 1, delay)
                self._sleep(delay)
                attempt += 1
                continue
            if signed:
                self._auth_failures = 0
            return result

    def _clean(self, exc: ExchangeError) -> ExchangeError:
        """``exc`` with any credential text removed from its message."""
        if self._creds is not None:
            text = str(exc)
            cleaned = self._redact(text)
            if cleaned != text:
                exc.args = (cleaned,)
        return exc

    def _check_auth_circuit(self, key: str) -> None:
        if self._auth_failures >= self.config.auth_failure_limit:
            if self._monotonic() < self._auth_open_until:
                raise AuthError(
                    f"{key}: {self._auth_failures} consecutive auth failures; private calls "
                    f"paused for {self.config.auth_cooldown_s:.0f} s (check key, secret, IP "
                    "whitelist and clock)",
                    retryable=False,
                )
            self._auth_failures = self.config.auth_failure_limit - 1  # one probe after cooldown

    def _try_sync(self) -> None:
        try:
            self.sync_time()
        except ExchangeError as exc:
            LOG.warning("server time sync failed: %s", self._redact(str(exc)))

    # --- public surface ----------------------------------------------------------------------

    def sync_time(self) -> int:
        """Measure the server-time offset now; returns it in ms."""
        sent = self.clock.now_ms()
        body = self._call(
            "GET",
            self.config.base_url + "/api/v2/server/time",
            "GET /api/v2/server/time",
            bare=True,
        )
        received = self.clock.now_ms()
        offset = self.clock.update(parse_server_time(body), sent, received)
        LOG.info("server time offset %d ms (rtt %s ms)", offset, self.clock.rtt_ms)
        return offset

    def public(self, path: str, key: str, params: Params = None) -> Any:
        """GET an enveloped public endpoint; returns ``data`` (retried: idempotent)."""
        return self._call("GET", self.config.base_url + path, key, params=params)

    def graph(self, path: str, key: str, params: Params = None) -> Any:
        """GET a bare graph-API endpoint; returns the body."""
        return self._call("GET", self.config.graph_url + path, key, params=params, bare=True)

    def private(
        self,
        method: str,
        path: str,
        key: str,
        *,
        params: Params = None,
        body: Any = None,
        idempotent: bool,
    ) -> Any:
        """A signed ``/api/v1`` call; returns ``data``. Only reads may pass ``idempotent``."""
        return self._call(
            method,
            self.config.base_url + path,
            key,
            params=params,
            body=body,
            signed=True,
            idempotent=idempotent,
        )
