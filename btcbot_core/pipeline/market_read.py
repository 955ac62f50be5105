"""The cycle's view of the market: symbol rules, the snapshot, marks for every holding, and
the strategy's warm-up after a (re)start. Reads only; what it learns goes into the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from btcbot_core.decisions import Reason
from btcbot_core.errors import BtcbotError
from btcbot_core.ledger import VALUATION_ASSET
from btcbot_core.market import MarketSnapshot, Quote
from btcbot_core.pair import Pair
from btcbot_core.pipeline.session import CycleSession
from btcbot_core.ports import MarketDataPort

#: The quotes of a bar-mode snapshot (shared: read-only).
_NO_QUOTES: Mapping[Pair, Quote] = MappingProxyType({})


def read_market(
    market: MarketDataPort, session: CycleSession, cycle: int, now: datetime
) -> MarketSnapshot:
    """This cycle's snapshot (the last closed bars, or quotes) of the configured pairs.

    Refreshes the symbol rules every ``profile.rules_refresh_every`` cycles and updates the
    session's marks (TRY per unit of each TRY pair's base asset); a pair without data keeps
    its last mark.
    """
    params, every = session.params, session.profile.rules_refresh_every
    if session.rules_cycle < 0 or (every and cycle - session.rules_cycle >= every):
        session.rules = dict(market.symbol_rules(params.pairs))
        session.rules_cycle = cycle
    marks = session.marks
    if params.use_bars:
        if not session.warmed:
            warm_up(market, session)
        bars = market.last_bars(params.pairs, params.bar_interval_s)
        for pair, bar in bars.items():
            if pair.quote == VALUATION_ASSET:
                marks[pair.base] = bar.close
        return MarketSnapshot(now, _NO_QUOTES, bars)
    quotes = market.quotes(params.pairs)
    for pair, quote in quotes.items():
        if pair.quote == VALUATION_ASSET:
            marks[pair.base] = quote.mid
    return MarketSnapshot(now, quotes, {})


def price_holdings(
    market: MarketDataPort, session: CycleSession, reasons: list[Reason]
) -> tuple[str, ...]:
    """Make sure every held asset has a mark (TRY per unit), fetching quotes or bars of its
    TRY pair when it is not one of the configured pairs. Returns the assets that still have
    none; a failed read is added to ``reasons``."""
    count = session.ledger.event_count
    if session.priced_at == count:
        return ()  # holdings only change with events, and marks are never dropped
    marks = session.marks
    missing = [a for a in session.ledger.positions() if a not in marks]
    if not missing:
        session.priced_at = count
        return ()
    params = session.params
    for asset in missing:
        try:
            pair = Pair(asset, VALUATION_ASSET)
            if params.use_bars:
                got = market.bars(pair, params.bar_interval_s, 1)
                if got:
                    marks[asset] = got[-1].close
            else:
                quote = market.quotes([pair]).get(pair)
                if quote is not None:
                    marks[asset] = quote.mid
        except BtcbotError as exc:  # an unlisted pair or a failed read: still unpriced
            reasons.append(Reason("MARK_UNAVAILABLE", f"{asset}: {exc}"))
    return tuple(a for a in missing if a not in marks)


def warm_up(market: MarketDataPort, session: CycleSession) -> None:
    """Rebuild a bar strategy's indicators from history on a session's first cycle.

    Every closed bar but the newest is fed in; the newest is left to ``propose``, so a cross
    on the first bar after a restart is seen exactly as without the restart.
    """
    session.warmed = True
    strategy = session.strategy
    feed = getattr(strategy, "warm_up", None)
    count = getattr(strategy, "warmup_bars", 0)
    if feed is None or count <= 0:
        return
    params = session.params
    for pair in params.pairs:
        history = list(market.bars(pair, params.bar_interval_s, count + 1))
        if len(history) >= 2:
            older = history[:-1]
            feed(pair, [bar.close for bar in older], older[-1].open_time)
