"""The ``btcbot`` command group.

Subcommands live in their own modules and are imported only when invoked (or listed by
``--help``), so ``btcbot --version`` never loads SQLAlchemy or requests. To add a command,
add one line to ``COMMANDS``: ``name: "module:attribute"``.
"""

from __future__ import annotations

import importlib

import click

from btcbot_core import __version__

#: name -> "module:attribute" of a click command or group.
COMMANDS: dict[str, str] = {
    "db": "btcbot_cli.db_commands:db",
    "sandbox": "btcbot_cli.sandbox_commands:sandbox",
}

EPILOG = """\b
Safety: the default configuration never trades. Live writes need DRY_RUN=false,
KILL_SWITCH=false, LIVE_TRADING=true and LIVE_TRADING_ACK=I_UNDERSTAND.
Exit codes: 0 success, 1 runtime failure, 2 usage/configuration error or blocked by policy.
"""


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@click.version_option(__version__, "--version", "-V", prog_name="btcbot")
def cli() -> None:
    """btcbot: a safety-first spot portfolio bot for BTCTurk (TRY quote).

    \b
    Example:
      btcbot --version
      btcbot --help
    """


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="btcbot")
