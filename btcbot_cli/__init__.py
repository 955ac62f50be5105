"""btcbot command line: the composition root (configuration, adapters, core services)."""
