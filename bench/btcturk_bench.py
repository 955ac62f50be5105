"""BTCTurk adapter benchmark against the local sandbox server (loopback, no internet).

1. Connection reuse: one bot cycle's reads for 5 pairs (balances, open orders per pair,
   5 order books, fills per pair) — the sandbox counts accepted TCP connections.
2. Adapter overhead: median wall time per call of the adapter vs a raw ``requests`` call
   on the same keep-alive session shape, for a public read (order book → ``Quote``) and a
   signed read (balances → ``Balance`` map). Calls are interleaved to cancel drift.

Run: ``.venv/bin/python bench/btcturk_bench.py [--calls 400] [--cycles 3]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import requests

from btcbot_adapters.btcturk.adapter import BtcturkAdapter
from btcbot_adapters.btcturk.client import BtcturkClient, ClientConfig
from btcbot_adapters.btcturk.signing import Credentials
from btcbot_adapters.sandbox.server import (
    DEFAULT_KEY,
    DEFAULT_SECRET,
    SandboxConfig,
    SandboxServer,
)
from btcbot_core.pair import Pair

PAIRS = tuple(Pair.parse(s) for s in ("BTCTRY", "ETHTRY", "USDTTRY", "SOLTRY", "XRPTRY"))


def _adapter(url: str, *, unthrottled: bool) -> BtcturkAdapter:
    # unthrottled: the client-side budget is lifted so the overhead loop measures code, not
    # the (deliberate) waits of the rate limiter.
    config = ClientConfig(base_url=url, graph_url=url, rate_headroom=1e6 if unthrottled else 0.9)
    return BtcturkAdapter(BtcturkClient(config, Credentials(DEFAULT_KEY, DEFAULT_SECRET)))


def _cycle(adapter: BtcturkAdapter, cursors: dict[Pair, str | None]) -> None:
    adapter.balances()
    adapter.open_orders(PAIRS)
    adapter.quotes(PAIRS)
    for pair in PAIRS:
        cursors[pair] = adapter.fills_since(pair, cursors[pair]).cursor


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--cycles", type=int, default=3)
    args = parser.parse_args()
    config = SandboxConfig(pairs=PAIRS, balances={"TRY": Decimal(100_000)}, rate_limit_scale=0)
    with SandboxServer(config) as server:
        adapter = _adapter(server.url, unthrottled=False)
        before = server.connections
        counts_before = dict(server.app.requests)
        cursors: dict[Pair, str | None] = dict.fromkeys(PAIRS)
        started = time.perf_counter()
        for _ in range(args.cycles):
            _cycle(adapter, cursors)
        cycle_s = (time.perf_counter() - started) / args.cycles
        sent = {k: v - counts_before.get(k, 0) for k, v in server.app.requests.items()}
        syncs = sent.pop("GET /api/v2/server/time", 0)
        per_cycle = sum(sent.values()) / args.cycles
        print(
            f"cycle reads for {len(PAIRS)} pairs: {per_cycle:g} requests/cycle "
            f"(+{syncs} server-time sync), {args.cycles} cycles, "
            f"{server.connections - before} TCP connection(s) accepted, "
            f"{cycle_s * 1000:.1f} ms/cycle"
        )
        adapter.client.close()

        fast = _adapter(server.url, unthrottled=True)
        creds = Credentials(DEFAULT_KEY, DEFAULT_SECRET)
        raw = requests.Session()
        book_url = server.url + "/api/v2/orderbook"
        params: dict[str, str | int] = {"pairSymbol": "BTCTRY", "limit": 5}
        bal_url = server.url + "/api/v1/users/balances"
        fast.balances()
        raw.get(book_url, params=params, timeout=5)

        def raw_book() -> object:
            return raw.get(book_url, params=params, timeout=(3.05, 10)).content

        def raw_balances() -> object:
            headers = creds.headers(time.time_ns() // 1_000_000)
            return raw.get(bal_url, headers=headers, timeout=(3.05, 10)).content

        samples: dict[str, list[float]] = {k: [] for k in ("ab", "rb", "ap", "rp")}
        for _ in range(args.calls):
            samples["ab"].append(_time(lambda: fast.quotes(PAIRS[:1])))
            samples["rb"].append(_time(raw_book))
            samples["ap"].append(_time(fast.balances))
            samples["rp"].append(_time(raw_balances))
        for label, a, r in (
            ("orderbook -> Quote", "ab", "rb"),
            ("balances (signed) -> Balance", "ap", "rp"),
        ):
            adapter_ms, raw_ms = _median_ms(samples[a]), _median_ms(samples[r])
            print(
                f"{label:30s} adapter {adapter_ms:6.3f} ms  raw requests {raw_ms:6.3f} ms  "
                f"overhead {adapter_ms - raw_ms:+6.3f} ms (median of {args.calls})"
            )
        print(f"connections accepted in total: {server.connections}")


if __name__ == "__main__":
    main()
