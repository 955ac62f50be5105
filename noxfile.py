"""Developer sessions: lint, typecheck, tests (3.11-3.13), property, bench."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True


def _interpreters() -> list[str]:
    """Each of 3.11/3.12/3.13 that runs here: pyenv installs first, then PATH."""
    found = []
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for minor in ("3.11", "3.12", "3.13"):
        candidates = sorted(glob.glob(f"{root}/versions/{minor}.*/bin/python{minor}"))
        candidates += [p for p in [shutil.which(f"python{minor}")] if p]
        for path in candidates:
            ok = subprocess.run([path, "-c", "pass"], capture_output=True).returncode == 0
            if ok:
                found.append(path)
                break
    return found or ["python3"]


PYTHONS = _interpreters()
PROFILES = ("dev", "ci", "nightly")


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check over the whole tree."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Mypy: strict on btcbot_core, default elsewhere."""
    session.install("-e", ".[dev]")
    session.run("mypy", "btcbot_core")
    session.run("mypy", "btcbot_adapters", "btcbot_cli")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The pytest suite on every Python 3.11/3.12/3.13 found on PATH."""
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session
def property(session: nox.Session) -> None:
    """Hypothesis property/state-machine tests; profile = first arg or HYPOTHESIS_PROFILE."""
    profile = session.posargs[0] if session.posargs else os.environ.get("HYPOTHESIS_PROFILE", "ci")
    if profile not in PROFILES:
        session.error(f"profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    session.install("-e", ".[dev]")
    session.run(
        "pytest",
        "-m",
        "property",
        "-p",
        "no:timeout",
        env={"HYPOTHESIS_PROFILE": profile},
    )


@nox.session
def migrations(session: nox.Session) -> None:
    """Alembic: upgrade a scratch SQLite database and check models match migrations."""
    session.install("-e", ".[dev]")
    session.run("pytest", "-k", "migration")


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark under bench/ and print the figures."""
    session.install("-e", ".[dev]")
    for script in sorted(f for f in os.listdir("bench") if f.endswith("_bench.py")):
        session.run("python", f"bench/{script}", *session.posargs)
