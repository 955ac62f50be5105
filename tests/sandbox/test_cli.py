"""``btcbot sandbox serve``: a real process serving, and user mistakes exiting 2."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from btcbot_cli.main import cli


def test_serve_prints_url_and_answers_until_the_duration_ends() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "btcbot_cli",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--duration",
            "3",
            "--pairs",
            "BTCTRY,XTZBTC",
            "--balance",
            "TRY=5000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(6)]
        url = lines[0].split(" on ")[1].split()[0]
        body = requests.get(url + "/api/v2/server/exchangeinfo", timeout=5).json()
        assert [s["name"] for s in body["data"]["symbols"]] == ["BTCTRY", "XTZBTC"]
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert f"  export BTCTURK_BASE_URL={url}\n" in lines and "stopped" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--pairs", "DOGETRY"], "not in the sandbox catalog"),
        (["--pairs", "BTC/"], "--pairs"),
        (["--balance", "TRY"], "NAME=NUMBER"),
        (["--balance", "TRY=-5"], "NAME=NUMBER"),
        (["--price", "DOGETRY=100"], "must be one of --pairs"),
        (["--price", "BTCTRY=0"], "price > 0"),
        (["--fault-rate", "drop_after_accept=2"], "0..1"),
        (["--fault-rate", "meteor=0.1"], "unknown kind"),
        (["--api-secret", "not base64!"], "base64"),
        (["--port", "70000"], "--port"),
        (["--rate-limit-scale", "-1"], "--rate-limit-scale"),
    ],
)
def test_user_mistakes_exit_2_without_traceback(args: list[str], needle: str) -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--duration", "0.01", *args])
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_a_malformed_replay_file_names_the_line_and_the_columns(tmp_path: object) -> None:
    import pathlib

    folder = pathlib.Path(str(tmp_path))
    (folder / "BTCTRY-1m.csv").write_text("open_time,open,high,low,close,volume\n1,x,2,1,2,5\n")
    result = CliRunner().invoke(
        cli, ["sandbox", "serve", "--replay", str(folder), "--pairs", "BTCTRY", "--duration", "1"]
    )
    assert result.exit_code == 2
    assert "line 2" in result.output and "open, high, low, close, volume" in result.output
    assert "Traceback" not in result.output
