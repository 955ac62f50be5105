"""A sandbox server and a raw signed HTTP helper (wire-level tests, no adapter)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from btcbot_adapters.btcturk.signing import Credentials
from btcbot_adapters.sandbox.server import (
    DEFAULT_KEY,
    DEFAULT_SECRET,
    SandboxConfig,
    SandboxServer,
)


class Raw:
    """Signed requests straight to the server; returns the ``requests.Response``."""

    def __init__(self, server: SandboxServer) -> None:
        self.url = server.url
        self.session = requests.Session()
        self.creds = Credentials(DEFAULT_KEY, DEFAULT_SECRET)

    def call(
        self,
        method: str,
        path: str,
        *,
        signed: bool = False,
        body: Any = None,
        stamp: int | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> requests.Response:
        sent = dict(headers or {})
        if signed:
            sent.update(self.creds.headers(stamp or time.time_ns() // 1_000_000))
        data = json.dumps(body) if body is not None else None
        if data is not None:
            sent["Content-Type"] = "application/json"
        return self.session.request(
            method, self.url + path, params=params, data=data, headers=sent, timeout=5
        )


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(rate_limit_scale=0)) as srv:
        yield srv


@pytest.fixture
def raw(server: SandboxServer) -> Iterator[Raw]:
    client = Raw(server)
    yield client
    client.session.close()
