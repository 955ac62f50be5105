"""A small harness: the simulated exchange, in-memory stores and one pipeline session."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs

from btcbot_adapters.memory import InMemoryUnitOfWork
from btcbot_adapters.simulated import FaultRates, FeeSchedule, MatchMode, SimulatedExchange
from btcbot_core import Bar, Pair, Quote, SymbolRules
from btcbot_core.arming import SideEffectPolicy
from btcbot_core.pipeline import (
    PAPER_POLICY,
    CycleParams,
    CyclePorts,
    CycleReport,
    CycleSession,
    get_profile,
    run_cycle,
)
from btcbot_core.pipeline.profile import StageProfile

T0 = datetime(2024, 1, 1, tzinfo=UTC)
BTCTRY = Pair("BTC", "TRY")
RULES = SymbolRules(BTCTRY, price_scale=0, qty_scale=8, min_notional="100", has_fraction=False)


class Harness:
    """Drive cycles minute by minute with explicit quotes."""

    def __init__(
        self,
        *,
        cash: str = "10000",
        strategy_values: Mapping[str, str] | None = None,
        profile: str = "stage7",
        gate: Callable[[], SideEffectPolicy] | None = None,
        fees: FeeSchedule | None = None,
        params: Mapping[str, object] | None = None,
        rules: tuple[SymbolRules, ...] = (RULES,),
        seed: int = 0,
        fault_rates: FaultRates | None = None,
    ) -> None:
        self.exchange = SimulatedExchange(
            list(rules),
            {"TRY": cash},
            mode=MatchMode.QUOTES,
            fees=fees or FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2"),
            seed=seed,
            fault_rates=fault_rates,
        )
        self.uow = InMemoryUnitOfWork()
        self.params = CycleParams(
            run_id="test",
            pairs=tuple(r.pair for r in rules),
            strategy="profit_v1",
            strategy_values=dict(strategy_values or {"TARGET_TRY": "500"}),
            **(params or {}),  # type: ignore[arg-type]
        )
        self.profile: StageProfile = get_profile(profile)
        self.gate = gate or (lambda: PAPER_POLICY)
        self.ports = CyclePorts(
            self.exchange, self.exchange, self.exchange, self.uow, lambda: self.gate()
        )
        self.session = CycleSession.open(self.uow, self.params, self.profile)
        self.minute = 0
        self.reports: list[CycleReport] = []

    @property
    def now(self) -> datetime:
        return T0 + timedelta(minutes=self.minute)

    def quote(self, bid: int | str, ask: int | str | None = None, pair: Pair = BTCTRY) -> None:
        ask = ask if ask is not None else int(bid) + 1000
        self.exchange.set_quote(Quote(pair, Decimal(bid), Decimal(ask), self.now))

    def cycle(self, bid: int | str | None = None, ask: int | str | None = None) -> CycleReport:
        if bid is not None:
            self.quote(bid, ask)
        report = run_cycle(self.ports, self.profile, self.params, self.now, session=self.session)
        self.reports.append(report)
        self.minute += 1
        return report

    def with_params(self, **changes: object) -> None:
        self.params = attrs.evolve(self.params, **changes)


class BarRig:
    """``sma_cross`` in bar mode: a simulated exchange of ``pairs`` (2 price decimals, 8
    quantity decimals, 10 TRY minimum, 100,000 TRY, 10 bps fees with ``tax_ratio`` on them),
    in-memory stores, ``PAPER_POLICY`` and one session. The caller feeds the bars."""

    def __init__(
        self,
        pairs: tuple[Pair, ...],
        strategy_values: Mapping[str, str],
        *,
        run_id: str,
        profile: str = "stage7",
        tax_ratio: str = "0.2",
        participation: str | None = None,
        seed: int = 0,
    ) -> None:
        self.exchange = SimulatedExchange(
            [SymbolRules(p, price_scale=2, qty_scale=8, min_notional="10") for p in pairs],
            {"TRY": "100000"},
            mode=MatchMode.BARS,
            fees=FeeSchedule(maker_bps="10", taker_bps="10", tax_ratio=tax_ratio),
            participation=participation,
            seed=seed,
        )
        self.params = CycleParams(
            run_id=run_id,
            pairs=pairs,
            strategy="sma_cross",
            use_bars=True,
            strategy_values=dict(strategy_values),
        )
        self.uow = InMemoryUnitOfWork()
        self.profile: StageProfile = get_profile(profile)
        self.ports = CyclePorts(
            self.exchange, self.exchange, self.exchange, self.uow, lambda: PAPER_POLICY
        )
        self.session = CycleSession.open(self.uow, self.params, self.profile)

    def cycle(self, now: datetime) -> CycleReport:
        """Run the cycle at ``now`` on the session."""
        return run_cycle(self.ports, self.profile, self.params, now, session=self.session)


def walk_bars(
    rng: random.Random, pairs: Sequence[Pair], prices: list[Decimal], t: datetime, gaps: float
) -> list[Bar]:
    """One minute's bars at ``t``: each pair's close moves up to ±2.5 % from ``prices[k]``
    (updated in place; 2 dp), and a pair's bar is missing with probability ``gaps``."""
    row = []
    for k, pair in enumerate(pairs):
        if rng.random() < gaps:
            continue  # a missing bar now and then
        open_ = prices[k]
        close = (open_ * (1 + Decimal(rng.randint(-250, 250)) / 10000)).quantize(Decimal("0.01"))
        row.append(Bar(pair, t, open_, max(open_, close), min(open_, close), close, "5"))
        prices[k] = close
    return row
