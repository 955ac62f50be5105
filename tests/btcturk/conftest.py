"""Fixtures: a sandbox server on an ephemeral port and an adapter pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from btcbot_adapters.btcturk.adapter import BtcturkAdapter
from btcbot_adapters.btcturk.client import BtcturkClient, ClientConfig
from btcbot_adapters.btcturk.signing import Credentials
from btcbot_adapters.sandbox.server import (
    DEFAULT_KEY,
    DEFAULT_SECRET,
    SandboxConfig,
    SandboxServer,
)
from btcbot_core.pair import Pair

BTCTRY = Pair("BTC", "TRY")
PAIRS = (BTCTRY, Pair("ETH", "TRY"), Pair("USDT", "TRY"), Pair("XTZ", "BTC"), Pair("SOL", "TRY"))
FUNDS = {"TRY": Decimal(1_000_000), "BTC": Decimal(1), "ETH": Decimal(5), "XTZ": Decimal(1000)}


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(SandboxConfig(pairs=PAIRS, balances=FUNDS, rate_limit_scale=0))
    with server:
        yield server


class FakeTime:
    """Monotonic seconds that move only when something sleeps; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_adapter(
    server: SandboxServer,
    time: FakeTime | None = None,
    credentials: Credentials | None = None,
    **client_options: object,
) -> BtcturkAdapter:
    """An adapter on ``server`` whose limiter/backoff run on fake time (no real sleeping)."""
    fake = time or FakeTime()
    options: dict[str, object] = {"read_timeout_s": 2.0}
    options.update(client_options)
    config = ClientConfig(base_url=server.url, graph_url=server.url, **options)  # type: ignore[arg-type]
    creds = credentials or Credentials(DEFAULT_KEY, DEFAULT_SECRET)
    client = BtcturkClient(config, creds, monotonic=fake.monotonic, sleep=fake.sleep)
    return BtcturkAdapter(client, resolve_delay_s=0.5, monotonic=fake.monotonic, sleep=fake.sleep)


@pytest.fixture
def adapter(sandbox: SandboxServer) -> Iterator[BtcturkAdapter]:
    made = make_adapter(sandbox)
    yield made
    made.client.close()
