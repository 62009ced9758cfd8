"""Progressive hedging with mpi-sppy (netopt/stochastic/ph.py) against the extensive form."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netopt.errors import UsageError
from netopt.solve import SolveOptions
from netopt.stochastic.plan import StochasticPlan

HERE = Path(__file__).parent / "data" / "stochastic"
MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")


def _have(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


needs_mpisppy = pytest.mark.skipif(not _have("mpisppy"),
                                   reason="mpi-sppy is not installed (pip install -e '.[mpi]')")


@needs_mpisppy
@pytest.mark.skipif(MPIEXEC is None or not _have("mpi4py"),
                    reason="no MPI (mpiexec and mpi4py: pip install -e '.[mpi]')")
def test_ph_on_two_ranks_matches_the_extensive_form(tmp_path):
    # three-stage.yaml: the extensive form's optimum is 80 (hand-solved in the file); PH's plan
    # over 2 ranks (2 leaves each) must cost the same within 0.1 %, its bound at most that
    netopt = Path(sys.executable).parent / "netopt"
    cmd = [MPIEXEC, "-n", "2", str(netopt), "solve", str(HERE / "three-stage.yaml"), "--gap", "0",
           "--decompose", "ph", "--extensive", "-q", "-o", str(tmp_path)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads((tmp_path / "solution.json").read_text())
    dec = doc["stochastic"]["decomposition"]
    assert dec["ranks"] == 2
    assert doc["objective"] == pytest.approx(80)
    assert dec["extensive_form"] == pytest.approx(80)
    assert dec["objective"] == pytest.approx(80, rel=1e-3)
    assert dec["bound"] <= 80 + 1e-6
    assert "PH's plan is within 0.00% of the extensive form" in dec["note"]


@needs_mpisppy
def test_ph_serially_finds_the_hedged_plan():
    from netopt.stochastic.ph import run_ph

    # two-leaf.yaml: hedged plan `large` in s1, 105 in expectation (hand-solved in the file)
    res = run_ph(StochasticPlan.read(HERE / "two-leaf.yaml"), SolveOptions(gap=0))
    assert res.converged and res.objective == pytest.approx(105)
    assert res.here_and_now == [{"name": "large", "stage": "s1", "units": 1}]
    assert res.bound <= 105 + 1e-6


def test_without_mpisppy_the_message_says_what_to_install(monkeypatch):
    from netopt.stochastic.ph import run_ph

    monkeypatch.setitem(sys.modules, "mpisppy", None)  # import fails
    with pytest.raises(UsageError, match=r"--decompose ph needs mpi-sppy: pip install -e "
                                         r"'\.\[mpi\]'"):
        run_ph(StochasticPlan.read(HERE / "two-leaf.yaml"), SolveOptions())


def test_without_mpi_ph_runs_serially_and_says_so(monkeypatch):
    from netopt.stochastic.ph import mpi_status

    monkeypatch.setitem(sys.modules, "mpi4py", None)
    comm, note = mpi_status()
    assert comm is None
    assert note is not None and note.endswith("running progressive hedging serially on 1 rank")
    assert note.startswith("MPI is not available (")


@needs_mpisppy
def test_ph_solves_no_extensive_form_unless_asked(tmp_path, monkeypatch):
    # two-leaf.yaml: PH's hedged plan is `large` in s1, 105 in expectation. Without --extensive
    # the extensive form (StochasticPlan.solve: the EF, then each leaf alone, the mean-value
    # instance and the EF once more for EEV) is never built; with it, it is, once.
    from typer.testing import CliRunner

    from netopt.cli import app

    calls = []
    real = StochasticPlan.solve

    def counted(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(StochasticPlan, "solve", counted)
    path = str(HERE / "two-leaf.yaml")
    r = CliRunner().invoke(app, ["solve", path, "--gap", "0", "--decompose", "ph", "-o",
                                 str(tmp_path / "ph")])
    assert r.exit_code == 0, r.output
    assert calls == []
    doc = json.loads((tmp_path / "ph" / "solution.json").read_text())
    assert doc["objective"] == pytest.approx(105)
    assert doc["stochastic"]["decomposition"]["extensive_form"] is None
    r = CliRunner().invoke(app, ["solve", path, "--gap", "0", "--decompose", "ph", "--extensive",
                                 "-o", str(tmp_path / "ef")])
    assert r.exit_code == 0, r.output
    assert calls == [1]
    doc = json.loads((tmp_path / "ef" / "solution.json").read_text())
    assert doc["stochastic"]["decomposition"]["extensive_form"] == pytest.approx(105)
