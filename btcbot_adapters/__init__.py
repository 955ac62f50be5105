"""Adapters: BTCTurk REST, persistence, the simulated exchange and the sandbox server."""
