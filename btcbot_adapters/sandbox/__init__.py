"""A local BTCTurk-compatible sandbox server over the simulated exchange.

``SandboxServer(SandboxConfig(...)).start()`` serves BTCTurk's REST wire format on
127.0.0.1 (HMAC auth with the ±5 s stamp window, envelopes, error bodies, per-endpoint rate
limits with 429 + ``Retry-After``, the graph API paths) and exposes fault switches
(:class:`~.faults.Faults`). Modules: :mod:`.server` (HTTP), :mod:`.app` (routing, auth,
limits, faults), :mod:`.backend` (the interface and the simulated-exchange implementation),
:mod:`.market` (seeded price process), :mod:`.catalog` (exchangeinfo entries), :mod:`.render`
and :mod:`.graph` (wire shapes). See ``docs/sandbox.md``.
"""
