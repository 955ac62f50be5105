"""Replay of real 1-minute candles (Binance CSV, see fixtures PROVENANCE.md)."""

from __future__ import annotations

import pathlib
from decimal import Decimal

from click.testing import CliRunner

from btcbot_adapters.sandbox.market import load_candles
from btcbot_adapters.sandbox.server import SandboxConfig, SandboxServer
from btcbot_cli.main import cli
from btcbot_core.pair import Pair
from tests.sandbox.conftest import Raw

REPLAY = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "btcturk" / "replay"
BTCTRY = Pair("BTC", "TRY")


def test_replayed_candles_come_first_then_the_walk_continues() -> None:
    candles = load_candles(REPLAY / "BTCTRY-1m.csv")
    assert len(candles) == 30 and candles[0][0] == Decimal("353137.00000000")
    config = SandboxConfig(pairs=(BTCTRY,), replay={BTCTRY: candles}, rate_limit_scale=0)
    with SandboxServer(config) as server:
        bars = server.backend.market.bars(BTCTRY)
        assert [b.close for b in bars[:30]] == [c[3].quantize(Decimal(1)) for c in candles]
        assert bars[30].open == bars[29].close and len(bars) >= 600
        body = (
            Raw(server)
            .call(
                "GET",
                "/v1/klines/history",
                symbol="BTCTRY",
                resolution=1,
                **{"from": 0, "to": 2_000_000_000},
            )
            .json()
        )
        assert body["c"][:3] == [int(c[3]) for c in candles[:3]]


def test_cli_replay_errors_exit_2(tmp_path: pathlib.Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["sandbox", "serve", "--duration", "0.01", "--replay", str(tmp_path), "--pairs", "BTCTRY"],
    )
    assert result.exit_code == 2 and "no <PAIR>-1m.csv" in result.output
    (tmp_path / "BTCTRY-1m.csv").write_text("open,high\nx,y\n")
    result = CliRunner().invoke(
        cli,
        ["sandbox", "serve", "--duration", "0.01", "--replay", str(tmp_path), "--pairs", "BTCTRY"],
    )
    assert result.exit_code == 2 and "not a Binance kline CSV" in result.output


def test_cli_replay_serves(tmp_path: pathlib.Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "sandbox",
            "serve",
            "--port",
            "0",
            "--duration",
            "0.05",
            "--replay",
            str(REPLAY),
            "--pairs",
            "BTCTRY,USDTTRY",
        ],
    )
    assert result.exit_code == 0, result.output
