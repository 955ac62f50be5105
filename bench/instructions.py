"""Instructions per cycle of the cycle benchmark, counted by valgrind (callgrind).

Wall-clock rates on a shared VM drift by 10 % or more within minutes; the number of machine
instructions a cycle executes does not. This runs ``cycle_bench.py`` under callgrind for
``--cycles`` cycles and, separately, only its bar generation, and prints the difference per
cycle: the cost of ``exchange.on_bars`` plus ``run_cycle``. Both runs end with
``os._exit(0)``, the run's objects still alive: freeing the stores' history at exit is not a
cycle's cost, and it moved with every change of object lifetimes (1,000 - 2,000 instructions
per cycle). Use it to compare two commits (repeatable to a few hundred instructions per cycle
with ``PYTHONHASHSEED=0``, which it sets); quote wall-clock rates from ``cycle_bench.py``
itself. Needs ``valgrind`` on the PATH; about a minute for the default 10,000 cycles.

    .venv/bin/python bench/instructions.py
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
_BARS_ONLY = (
    "import os, sys; sys.path.insert(0, {here!r}); import cycle_bench\n"
    "for _rows in cycle_bench.bar_chunks({cycles}, {seed}): pass\n"
    "os._exit(0)\n"
)
#: cycle_bench's run, its objects kept (``build`` is wrapped to hold them), with no teardown.
_CYCLES = (
    "import os, sys; sys.path.insert(0, {here!r}); import cycle_bench\n"
    "kept = []\n"
    "def build(cycles, _build=cycle_bench.build):\n"
    "    kept.append(_build(cycles))\n"
    "    return kept[-1]\n"
    "cycle_bench.build = build\n"
    "sys.argv = ['cycle_bench', '--no-calibrate', '--cycles', '{cycles}', '--seed', '{seed}']\n"
    "cycle_bench.main()\n"
    "sys.stdout.flush()\n"
    "os._exit(0)\n"
)


def count(args: list[str]) -> int:
    """Instructions callgrind counts for ``python args``."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(
            f"the counted run failed (exit {done.returncode}); the end of its output:\n"
            f"{done.stderr[-2000:]}"
        )
    return int(found.group(1))


def main() -> None:
    import cycle_bench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=cycle_bench.positive, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    total = count(["-c", _CYCLES.format(here=str(HERE), cycles=args.cycles, seed=args.seed)])
    bars = count(["-c", _BARS_ONLY.format(here=str(HERE), cycles=args.cycles, seed=args.seed)])
    per_cycle = (total - bars) / args.cycles
    print(f"cycles={args.cycles:,}  {per_cycle:,.0f} instructions per cycle (on_bars + run_cycle)")


if __name__ == "__main__":
    main()
