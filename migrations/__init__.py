"""Alembic migrations of the btcbot state database (shipped inside the package)."""
