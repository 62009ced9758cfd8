"""What a new user sees from the command line: one clean message per problem, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
