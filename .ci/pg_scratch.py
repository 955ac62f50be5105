"""Create or drop a scratch PostgreSQL database for one CI run.

Usage: pg_scratch.py create  -> prints the new database name
       pg_scratch.py drop NAME
"""

from __future__ import annotations

import os
import sys
import uuid

import psycopg

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def main() -> int:
    action = sys.argv[1]
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        if action == "create":
            name = f"btcbot_ci_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            conn.execute(f'CREATE DATABASE "{name}"')
            print(name)
        elif action == "drop":
            name = sys.argv[2]
            if not name.startswith("btcbot_ci_"):
                raise SystemExit("refusing to drop a database that is not a btcbot CI scratch")
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            raise SystemExit(f"unknown action {action!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
