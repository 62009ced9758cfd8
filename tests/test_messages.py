"""What a new user sees from the command line: one clean message per problem, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "instances" / "tutorial.yaml"


def netopt(*args: str, cwd: Path | None = None, env: dict | None = None
           ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netopt", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


def test_an_unknown_solver_is_one_line_without_pyomos_traceback():
    res = netopt("solve", str(TUTORIAL), "--solver", "nosuch", "-q")
    assert res.returncode == 2
    assert res.stderr == "error: solver 'nosuch' is not available to Pyomo on this machine\n"
    assert res.stdout == ""


def test_version():
    from importlib import metadata

    res = netopt("--version")
    assert res.returncode == 0
    assert res.stdout.startswith(f"netopt {metadata.version('netopt')}")
    assert res.stdout.count("\n") == 1


def test_help_shows_no_type_on_flags():
    """--log, --quiet, --elastic take no value: the help shows none (Typer's rich help printed
    '<bool>' after each)."""
    res = netopt("solve", "--help", env={**os.environ, "COLUMNS": "100"})
    assert res.returncode == 0
    assert "<bool>" not in res.stdout
    flags = {line.split()[0] for line in res.stdout.splitlines() if line.strip().startswith("--")}
    assert {"--log", "--elastic", "--help"} <= flags
    assert "  --log  " in res.stdout.replace("-q, --quiet", "")  # the flag, then its help
    assert "--set <list[str]>" in res.stdout  # options that take a value say so
    assert "routes[launch].cost_per_t=1.4" in res.stdout  # no markup escapes left


def test_a_cp1252_console_gets_plain_stand_ins_not_a_crash():
    """Windows with output redirected: cp1252 has no '→'; the summary prints '->' instead."""
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    res = subprocess.run([sys.executable, "-m", "netopt", "solve",
                          str(ROOT / "instances" / "cislunar-ice.yaml")], capture_output=True,
                         env=env, timeout=300)
    assert res.returncode == 0, res.stderr.decode("cp1252", "replace")
    text = res.stdout.decode("cp1252")
    assert text.startswith("cislunar-ice: optimal")
    assert "moon -> eml1" in text and "→" not in text


@pytest.mark.parametrize("args", [
    ["validate", "nope.yaml"], ["solve", "nope.yaml"],
    ["sweep", "nope.yaml", "-p", "horizon.discount_rate=0.1,0.2"],
    ["report", "nope.json", "-o", "r.html"], ["export", "nope.json", "-o", "tables"],
    ["compare", "nope.json", "other.json"]])
def test_a_missing_file_is_exit_1_for_every_command(args, tmp_path):
    """One rule (README: exit codes): a file that is not there is bad input, exit 1, in the
    same words (report/export/compare said exit 2, 'Invalid value for ...')."""
    res = netopt(*args, cwd=tmp_path)
    assert res.returncode == 1
    missing = args[1]
    assert res.stderr == f"{missing}: cannot read file: No such file or directory\n"
