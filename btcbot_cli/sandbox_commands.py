"""``btcbot sandbox``: run the local BTCTurk-compatible sandbox server.

Imported only when the command runs (``btcbot --version`` stays light).
"""

from __future__ import annotations

import base64
import binascii
import time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from btcbot_core.pair import Pair


def _fail(message: str) -> click.UsageError:
    return click.UsageError(message)


def _pairs(text: str) -> tuple[Pair, ...]:
    from btcbot_adapters.sandbox import catalog
    from btcbot_core.errors import PairError
    from btcbot_core.pair import parse_pairs

    try:
        pairs = parse_pairs(text)
    except PairError as exc:
        raise _fail(f"--pairs: {exc}") from None
    unknown = [p.symbol for p in pairs if p.symbol not in catalog.CATALOG]
    if unknown:
        known = ", ".join(sorted(catalog.CATALOG))
        raise _fail(
            f"--pairs: {', '.join(unknown)} not in the sandbox catalog; choose from {known}"
        )
    return pairs


def _assignments(option: str, items: tuple[str, ...]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = Decimal(-1)
        if not sep or not name.strip() or not number.is_finite() or number < 0:
            raise _fail(f"{option} {item!r}: write NAME=NUMBER, e.g. {option} TRY=100000")
        out[name.strip().upper()] = number
    return out


def _replay(directory: str | None, pairs: tuple[Pair, ...]) -> dict[Pair, list[Any]]:
    import pathlib

    from btcbot_adapters.sandbox.market import load_candles

    if directory is None:
        return {}
    out: dict[Pair, list[Any]] = {}
    for pair in pairs:
        path = pathlib.Path(directory) / f"{pair.symbol}-1m.csv"
        if not path.is_file():
            continue
        try:
            out[pair] = load_candles(path)
        except (ArithmeticError, KeyError, ValueError) as exc:
            raise _fail(f"--replay: {path} is not a Binance kline CSV: {exc}") from None
    if not out:
        raise _fail(
            f"--replay: no <PAIR>-1m.csv for {', '.join(p.symbol for p in pairs)} in {directory}"
        )
    return out


@click.group()
def sandbox() -> None:
    """A local BTCTurk-compatible exchange for rehearsals (no real money).

    \b
    Example:
      btcbot sandbox serve --port 8765 --pairs BTCTRY,ETHTRY --balance TRY=100000
    """


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port; 0 picks a free one.",
)
@click.option(
    "--pairs",
    default="BTCTRY,ETHTRY,USDTTRY,SOLTRY,XRPTRY",
    show_default=True,
    help="Comma-separated pairs from the sandbox catalog.",
)
@click.option(
    "--balance",
    "balances",
    multiple=True,
    metavar="ASSET=AMOUNT",
    help="Starting free balance (repeatable). Default TRY=100000 BTC=0.05.",
)
@click.option(
    "--price",
    "prices",
    multiple=True,
    metavar="PAIR=PRICE",
    help="Starting price of a pair in quote units (repeatable).",
)
@click.option("--seed", default=7, show_default=True, type=int, help="Price-walk seed.")
@click.option("--api-key", default=None, help="Public key the server accepts.")
@click.option("--api-secret", default=None, help="Base64 secret the server accepts.")
@click.option(
    "--rate-limit-scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Multiply BTCTurk's rate limits (0 disables them).",
)
@click.option(
    "--cancel-delay-ms",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Delay before an accepted cancel takes effect (BTCTurk cancels async).",
)
@click.option(
    "--latency-ms",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Extra delay before every answer.",
)
@click.option(
    "--clock-offset-ms",
    default=0,
    show_default=True,
    type=int,
    help="Skew the server clock (stamps outside ±5000 ms are refused).",
)
@click.option(
    "--fault-rate",
    "fault_rates",
    multiple=True,
    metavar="KIND=P",
    help="Random fault probability, e.g. drop_after_accept=0.1 (repeatable).",
)
@click.option(
    "--replay",
    "replay_dir",
    default=None,
    type=click.Path(exists=True, file_okay=False, dir_okay=True),
    help="Directory of <PAIR>-1m.csv Binance klines to replay before the random walk.",
)
@click.option(
    "--duration",
    default=0.0,
    type=click.FloatRange(0),
    help="Stop after this many seconds (0: until Ctrl-C).",
)
def serve(
    host: str,
    port: int,
    pairs: str,
    balances: tuple[str, ...],
    prices: tuple[str, ...],
    seed: int,
    api_key: str | None,
    api_secret: str | None,
    rate_limit_scale: float,
    cancel_delay_ms: int,
    latency_ms: int,
    clock_offset_ms: int,
    fault_rates: tuple[str, ...],
    replay_dir: str | None,
    duration: float,
) -> None:
    """Serve the BTCTurk REST API (and graph API paths) over the simulated exchange.

    Prints the URL and the environment to point btcbot at it.

    \b
    Example:
      btcbot sandbox serve --port 8765 --balance TRY=250000 --fault-rate drop_after_accept=0.05
      export BTCTURK_BASE_URL=http://127.0.0.1:8765
    """
    from btcbot_adapters.sandbox.faults import FaultKind
    from btcbot_adapters.sandbox.server import (
        DEFAULT_KEY,
        DEFAULT_SECRET,
        SandboxConfig,
        SandboxServer,
    )
    from btcbot_core.pair import Pair

    chosen = _pairs(pairs)
    funds = _assignments("--balance", balances) or {"TRY": Decimal(100_000), "BTC": Decimal("0.05")}
    start_prices: dict[Pair, Decimal] = {}
    for name, value in _assignments("--price", prices).items():
        pair = Pair.parse(name) if name.isalnum() else None
        if pair not in chosen or value <= 0:
            raise _fail(f"--price {name}={value}: the pair must be one of --pairs, price > 0")
        start_prices[pair] = value
    rates: dict[FaultKind, float] = {}
    for kind_name, probability in _assignments("--fault-rate", fault_rates).items():
        try:
            kind = FaultKind(kind_name.lower())
        except ValueError:
            allowed = ", ".join(k.value for k in FaultKind)
            raise _fail(f"--fault-rate {kind_name}: unknown kind; choose from {allowed}") from None
        if probability > 1:
            raise _fail(f"--fault-rate {kind_name}={probability}: probability must be 0..1")
        rates[kind] = float(probability)  # a probability, not money
    key = api_key or DEFAULT_KEY
    secret = api_secret or DEFAULT_SECRET
    try:
        base64.b64decode(secret.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _fail("--api-secret must be base64 (like a BTCTurk secret)") from None
    replay = _replay(replay_dir, chosen)
    config = SandboxConfig(
        host=host,
        port=port,
        pairs=tuple(chosen),
        balances=funds,
        api_key=key,
        api_secret=secret,
        seed=seed,
        rate_limit_scale=rate_limit_scale,
        cancel_delay_ms=cancel_delay_ms,
        prices=start_prices,
        replay=replay,
    )
    try:
        server = SandboxServer(config).start()
    except OSError as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server.faults.latency_s = latency_ms / 1000
    server.faults.clock_offset_ms = clock_offset_ms
    for kind, rate in rates.items():
        server.faults.set_rate(kind, rate)
    click.echo(
        f"btcbot sandbox: BTCTurk API on {server.url}  (pairs: "
        f"{', '.join(p.symbol for p in chosen)})"
    )
    click.echo("Point btcbot at it (sandbox credentials, no real money):")
    click.echo(f"  export BTCTURK_BASE_URL={server.url}")
    click.echo(f"  export BTCTURK_API_KEY={key}")
    click.echo(f"  export BTCTURK_API_SECRET={secret}")
    click.echo("Press Ctrl-C to stop." if not duration else f"Stopping after {duration:g} s.")
    try:
        deadline = time.monotonic() + duration if duration else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.1 if deadline else 0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    click.echo("btcbot sandbox: stopped")
