"""A short, deterministic fingerprint of what a cycle saw (for reports and audits)."""

from __future__ import annotations

import hashlib

from btcbot_core.market import MarketSnapshot


def snapshot_digest(market: MarketSnapshot) -> str:
    """16 hex characters of BLAKE2b over the quotes and bars, in pair order."""
    parts = [market.observed_at.isoformat()]
    for pair in sorted(market.quotes, key=str):
        q = market.quotes[pair]
        parts.append(f"q{pair.symbol}:{q.bid}:{q.ask}:{q.bid_size}:{q.ask_size}")
    for pair in sorted(market.bars, key=str):
        b = market.bars[pair]
        parts.append(
            f"b{pair.symbol}:{b.open_time.isoformat()}:{b.open}:{b.high}:{b.low}:{b.close}"
        )
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()
