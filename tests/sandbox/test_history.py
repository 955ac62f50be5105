"""The sandbox starts with enough candle history for every chart interval it offers."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from btcbot_adapters.sandbox.market import PriceProcess
from btcbot_core import Pair

BTCTRY = Pair("BTC", "TRY")


@pytest.mark.parametrize("clock", ["00:00:30", "09:59:59", "10:00:30", "23:59:30"])
def test_history_reaches_into_the_previous_day_at_any_time_of_day(clock: str) -> None:
    # A daily chart needs a closed day, so the history must reach back past midnight
    # whatever time the sandbox starts at (with 600 minutes there was no daily bar after
    # 10:00 UTC).
    start = datetime.combine(datetime(2024, 5, 2).date(), time.fromisoformat(clock), UTC)
    market = PriceProcess(
        {BTCTRY: Decimal(1_000_000)}, {BTCTRY: Decimal(1)}, now_s=int(start.timestamp())
    )
    midnight = start.replace(hour=0, minute=0, second=0)
    assert market.bars(BTCTRY)[0].open_time < midnight
