"""The dependency rule of DESIGN.md §2, enforced."""

from __future__ import annotations

import ast
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORE = ROOT / "btcbot_core"
ALLOWED_THIRD_PARTY = {"attrs", "attr"}  # attrs ships both packages


def test_importing_core_loads_no_third_party_module_but_attrs() -> None:
    code = (
        "import sys, json; before = set(sys.modules); import btcbot_core; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = {name.split(".")[0] for name in json.loads(out)}
    stdlib = set(sys.stdlib_module_names) | {"_distutils_hack"}
    foreign = {m for m in loaded if m not in stdlib and not m.startswith("_")}
    assert foreign <= ALLOWED_THIRD_PARTY | {"btcbot_core"}, foreign


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_source_imports_only_stdlib_and_attrs() -> None:
    stdlib = set(sys.stdlib_module_names)
    for path in CORE.rglob("*.py"):
        bad = {
            name
            for name in _imports(path)
            if name not in stdlib and name not in ALLOWED_THIRD_PARTY | {"btcbot_core"}
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


FORBIDDEN_CALLS = {
    "environment": re.compile(r"\bos\.(environ|getenv)\b"),
    "clock": re.compile(r"\b(datetime\.now|datetime\.utcnow|time\.time|time\.monotonic)\("),
    "randomness": re.compile(r"\brandom\.|\bsecrets\.|\buuid\.uuid4\("),
    "files": re.compile(r"(?<![.\w])(?<!def )open\(|\bPath\(.*\)\.(read|write)_"),
}


def test_core_does_not_read_clock_environment_randomness_or_files() -> None:
    for path in CORE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for what, pattern in FORBIDDEN_CALLS.items():
            match = pattern.search(text)
            assert match is None, f"{path.relative_to(ROOT)} reads {what}: {match.group(0)!r}"


def test_adapters_do_not_import_cli() -> None:
    for path in (ROOT / "btcbot_adapters").rglob("*.py"):
        assert "btcbot_cli" not in _imports(path), f"{path.relative_to(ROOT)} imports the CLI"


def test_version_command_does_not_load_io_libraries() -> None:
    code = (
        "import sys, json\n"
        "from btcbot_cli.main import cli\n"
        "try:\n    cli(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy','requests','alembic','cattrs'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    assert json.loads(out) == []


def test_lazy_public_names_resolve_and_stay_lazy() -> None:
    code = (
        "import sys, btcbot_core as c\n"
        "assert 'btcbot_core.pipeline' not in sys.modules\n"
        "missing = [n for n in c.__all__ if getattr(c, n, None) is None]\n"
        "assert not missing, missing\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
