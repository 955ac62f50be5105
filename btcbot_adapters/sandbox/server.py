"""The sandbox HTTP server: standard-library ``ThreadingHTTPServer`` on 127.0.0.1.

HTTP/1.1 with keep-alive (so clients can reuse one connection; accepted connections are
counted in :attr:`SandboxServer.connections`). Startable in-process on an ephemeral port
(``port=0``) and stopped cleanly with :meth:`SandboxServer.stop` (or ``with``).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import attrs

from btcbot_adapters.sandbox import catalog
from btcbot_adapters.sandbox.app import Request, SandboxApp
from btcbot_adapters.sandbox.backend import SimulatedBackend
from btcbot_adapters.sandbox.faults import Faults
from btcbot_adapters.sandbox.limits import ServerLimits
from btcbot_adapters.sandbox.market import Candle
from btcbot_core.pair import Pair

LOG = logging.getLogger("btcbot.sandbox")
DEFAULT_KEY: Final = "sandbox-public-key"
DEFAULT_SECRET: Final = base64.b64encode(b"sandbox-secret-not-for-real-money").decode("ascii")


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


@attrs.frozen
class SandboxConfig:
    """Server settings. Balances in asset units; ``rate_limit_scale`` 0 disables limits."""

    host: str = "127.0.0.1"
    port: int = 0
    pairs: tuple[Pair, ...] = tuple(Pair.parse(p) for p in catalog.DEFAULT_PAIRS)
    balances: Mapping[str, Decimal] = attrs.field(
        factory=lambda: {"TRY": Decimal(100_000), "BTC": Decimal("0.05")}
    )
    api_key: str = DEFAULT_KEY
    api_secret: str = DEFAULT_SECRET
    seed: int = 7
    rate_limit_scale: float = 1.0
    cancel_delay_ms: int = 0
    prices: Mapping[Pair, Decimal] = attrs.field(factory=dict)
    replay: Mapping[Pair, Sequence[Candle]] = attrs.field(factory=dict)
    wall_ms: Callable[[], int] = _wall_ms


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    disable_nagle_algorithm = True  # else delayed ACKs add ~40 ms to every keep-alive answer
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.count_connection()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        headers: Any = self.headers  # case-insensitive lookups, like BTCTurk
        query = parse_qs(url.query, keep_blank_values=True)
        request = Request(self.command, url.path, query, headers, body)
        response = self.server.app.handle(request)
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_DELETE = do_PUT = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.connections = 0
        self._count_lock = threading.Lock()

    def count_connection(self) -> None:
        with self._count_lock:
            self.connections += 1


class SandboxServer:
    """A running (after :meth:`start`) BTCTurk-compatible server over the simulator."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.faults = Faults(self.config.seed)
        self.backend = SimulatedBackend(
            self.config.pairs,
            self.config.balances,
            wall_ms=self.config.wall_ms,
            seed=self.config.seed,
            prices=self.config.prices,
            cancel_delay_ms=self.config.cancel_delay_ms,
            replay=self.config.replay,
        )
        self.app = SandboxApp(
            self.backend,
            keys={self.config.api_key: self.config.api_secret},
            faults=self.faults,
            limits=ServerLimits(time.monotonic, self.config.rate_limit_scale),
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("sandbox server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def connections(self) -> int:
        """Connections accepted so far (keep-alive reuse does not add any)."""
        return self._server.connections if self._server is not None else 0

    def start(self) -> SandboxServer:
        self._server = _Server((self.config.host, self.config.port), self.app)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="btcbot-sandbox",
            daemon=True,
        )
        self._thread.start()
        LOG.info("sandbox serving on %s", self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start() if self._server is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def parse_balances(items: Sequence[str]) -> dict[str, Decimal]:
    """``["TRY=100000", "BTC=0.1"]`` → balances (``ValueError`` naming the bad item)."""
    out: dict[str, Decimal] = {}
    for item in items:
        asset, sep, amount = item.partition("=")
        try:
            value = Decimal(amount.strip())
        except ArithmeticError:
            value = Decimal(-1)
        if not sep or not asset.strip().isalnum() or not value.is_finite() or value < 0:
            raise ValueError(f"balance {item!r} must look like TRY=100000 (asset=amount >= 0)")
        out[asset.strip().upper()] = value
    return out
