"""Auth failures over HTTP, the auth circuit breaker, and secret hygiene: the key and the
secret never appear in logs, reprs or exception text."""

from __future__ import annotations

import base64
import logging
from decimal import Decimal

import pytest

from btcbot_adapters.btcturk.signing import Credentials
from btcbot_adapters.sandbox.faults import FaultKind
from btcbot_adapters.sandbox.server import SandboxConfig, SandboxServer
from btcbot_core.errors import AuthError, BtcbotError
from btcbot_core.orders import OrderRequest, OrderType, Side
from tests.btcturk.conftest import BTCTRY, FakeTime, make_adapter

KEY = "c0ffee00-key-5555-aaaa-abcdefabcdef"
SECRET = base64.b64encode(b"very-secret-material-0123456789").decode()
WRONG = base64.b64encode(b"some-other-secret-0123456789xx").decode()


@pytest.fixture
def server() -> SandboxServer:
    with SandboxServer(SandboxConfig(api_key=KEY, api_secret=SECRET, rate_limit_scale=0)) as srv:
        yield srv


def test_wrong_secret_is_an_auth_error_and_the_circuit_opens(server: SandboxServer) -> None:
    fake = FakeTime()
    adapter = make_adapter(server, fake, credentials=Credentials(KEY, WRONG))
    for _ in range(5):
        with pytest.raises(AuthError, match="Invalid Signature"):
            adapter.balances()
    sent = server.app.requests["GET /api/v1/users/balances"]
    with pytest.raises(AuthError, match="consecutive auth failures"):
        adapter.balances()
    assert server.app.requests["GET /api/v1/users/balances"] == sent  # nothing sent
    fake.now += 61  # after the cooldown one probe goes out
    with pytest.raises(AuthError, match="Invalid Signature"):
        adapter.balances()
    assert server.app.requests["GET /api/v1/users/balances"] == sent + 1


def test_legacy_success_true_auth_body(server: SandboxServer) -> None:
    server.faults.legacy_auth_body = True
    adapter = make_adapter(server, credentials=Credentials(KEY, WRONG))
    with pytest.raises(AuthError, match="Invalid Signature"):
        adapter.balances()


def test_unknown_key(server: SandboxServer) -> None:
    adapter = make_adapter(server, credentials=Credentials("not-the-key", SECRET))
    with pytest.raises(AuthError, match="Invalid Public key"):
        adapter.balances()


def test_secrets_never_leak(server: SandboxServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    good = make_adapter(server, credentials=Credentials(KEY, SECRET))
    bad = make_adapter(server, credentials=Credentials(KEY, WRONG))
    texts += [repr(good), repr(good.client), str(good.client), repr(Credentials(KEY, SECRET))]
    good.balances()
    server.faults.add(FaultKind.ERROR_5XX, count=1)
    server.faults.add(FaultKind.HTML_ERROR, count=2)
    good.balances()
    server.faults.clock_offset_ms = 20_000
    good.balances()  # stamp refused, re-synced, retried
    server.faults.clock_offset_ms = 0
    server.faults.add(FaultKind.DROP_AFTER_ACCEPT, count=1)
    good.submit(
        OrderRequest(
            "leak-1", BTCTRY, Side.BUY, Decimal("0.001"), Decimal(2_900_000), OrderType.LIMIT
        )
    )
    for call in (bad.balances, lambda: bad.open_orders([BTCTRY])):
        with pytest.raises(BtcbotError) as info:
            call()
        texts += [str(info.value), repr(info.value), repr(info.value.args)]
    texts.append(caplog.text)
    texts += [r.getMessage() for r in caplog.records]
    blob = "\n".join(texts)
    assert "Invalid Signature" in blob and "re-sync" in blob  # the failures were logged
    for secret in (KEY, SECRET, WRONG, base64.b64decode(SECRET).decode()):
        assert secret not in blob
