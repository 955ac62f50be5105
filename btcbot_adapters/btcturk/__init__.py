"""BTCTurk spot REST adapter.

Layers, innermost first (each module is small and independently tested):

* :mod:`.signing` — the pure HMAC signing function and a secret-safe credentials holder;
* :mod:`.envelope` — JSON decoding with ``parse_float=Decimal`` and the response-envelope check;
* :mod:`.wire` / :mod:`.structure` — attrs wire classes per endpoint, structured with cattrs;
* :mod:`.parse_public` / :mod:`.parse_private` — ``parse_*`` functions, JSON → core types;
* :mod:`.rules` — ``exchangeinfo`` → :class:`~btcbot_core.rules.SymbolRules`;
* :mod:`.errors` — BTCTurk error bodies → the core error hierarchy;
* :mod:`.ratelimit` — per-endpoint token buckets and capped, jittered backoff;
* :mod:`.clock` — server-time offset tracking and strictly increasing stamps;
* :mod:`.client` — the HTTP client (session reuse, timeouts, retries for idempotent reads);
* :mod:`.adapter` — the core ports (market data, trading, account) on top of the client,
  with :mod:`.order_body` (submit JSON) and :mod:`.fills` (the fill cursor);
* :mod:`.settings` — build the adapter from ``BTCTURK_*`` settings.

Nothing here does work at import time. See ``docs/btcturk.md`` for the decisions.
"""
