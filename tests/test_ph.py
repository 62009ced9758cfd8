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


# --- issue 24: every rank exits, with README's exit codes ---------------------------------------

needs_mpi = pytest.mark.skipif(MPIEXEC is None or not _have("mpi4py") or not _have("mpisppy"),
                               reason="no MPI (mpiexec, mpi4py, mpi-sppy: pip install -e '.[mpi]')")
TWO_LEAF = (HERE / "two-leaf.yaml").read_text()


def mpi_netopt(*args: str, ranks: int = 2, child: str | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess:
    """`mpiexec -n RANKS netopt ARGS` (or python -c CHILD ARGS), which must end within
    `timeout` (a hang fails the test instead of CI)."""
    netopt = [str(Path(sys.executable).parent / "netopt")] if child is None else [
        sys.executable, "-c", child]
    return subprocess.run([MPIEXEC, "-n", str(ranks), *netopt, *args], capture_output=True,
                          text=True, timeout=timeout)


@needs_mpi
def test_ph_on_an_infeasible_tree_exits_3_with_the_reason(tmp_path):
    # leaf high needs 1000 t/yr in s2; small 15 + large 25 + 10 bought = 50 at most
    path = tmp_path / "infeasible.yaml"
    path.write_text(TWO_LEAF.replace("{s2: 30}", "{s2: 1000}").replace(
        "{node: base, commodity: water, price_per_t: 10}",
        "{node: base, commodity: water, price_per_t: 10, max_per_year: 10}"))
    r = mpi_netopt("solve", str(path), "--decompose", "ph", "-q")  # before: internal error
    assert r.returncode == 3, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[:3] == [
        "two-leaf: infeasible", "leaf high is infeasible on its own",
        "demand water at base in s2: 1000 t/yr required, 50 t/yr met when as much as possible "
        "is met (the --elastic plan); limits reached: facility large at base: 25 t/yr x 1 "
        "unit(s), all built and full; facility small at base: 15 t/yr x 1 unit(s), all built "
        "and full; supply base/water: at its limit 10 t/yr"]
    assert "internal error" not in r.stderr


@needs_mpi
def test_ph_with_an_unwritable_output_stops_every_rank_before_solving(tmp_path):
    # before: rank 0 exited 2, rank 1 waited in PH's first collective for ever
    r = mpi_netopt("solve", str(HERE / "two-leaf.yaml"), "--decompose", "ph", "-q", "-o",
                   "/proc/netopt-out", timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.splitlines() == [
        "error: cannot write to /proc/netopt-out: No such file or directory"]  # rank 0 only
    assert r.stdout == ""


@needs_mpi
def test_more_ranks_than_leaves_is_a_usage_error():
    r = mpi_netopt("solve", str(HERE / "two-leaf.yaml"), "--decompose", "ph", "-q", ranks=3,
                   timeout=120)  # before: "internal error: RuntimeError: More ranks (3) ..."
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.splitlines() == [
        "error: 3 MPI ranks for 2 leaves: progressive hedging gives each rank one leaf or more; "
        "run with mpiexec -n 2 or fewer"]


SIGNAL_ON_RANK_1 = """
import signal, sys
from mpi4py import MPI
from netopt.testing import signal_at
from netopt.cli import main
sys.argv = ["netopt"] + sys.argv[1:]
# rank 1 alone gets SIGTERM, as its first subproblem's HiGHS is about to run: rank 0 learns of
# it at the iteration boundary (a collective), so both stop there
with signal_at("subproblem", signal.SIGTERM if MPI.COMM_WORLD.Get_rank() == 1 else None):
    main()
"""


@needs_mpi
def test_sigterm_to_one_rank_stops_every_rank_at_the_iteration_boundary(tmp_path):
    # before: the signalled rank left, the other waited in a collective for ever
    r = mpi_netopt("solve", str(HERE / "two-leaf.yaml"), "--decompose", "ph", "-q", "-o",
                   str(tmp_path / "out"), child=SIGNAL_ON_RANK_1, timeout=120)
    assert r.returncode == 130, r.stdout + r.stderr
    assert r.stderr.splitlines() == [
        "interrupted while running progressive hedging (iteration 0; every rank stopped); "
        "nothing written"]
    assert not (tmp_path / "out").exists()


def test_a_highs_that_does_not_stop_is_abandoned_after_the_grace():
    # in-process: the signal's wakeup byte wakes the watcher, which asks every subproblem's
    # HiGHS to stop; this one never does (the main thread stays in the block), so once the
    # grace is over the rank is abandoned (os._exit 130 in a real run; recorded here)
    import os
    import signal
    import threading

    from netopt.stochastic.ph import _signals_as_flags

    asked: list[str] = []
    abandoned = threading.Event()
    messages: list[str] = []

    class StuckHighs:
        def cancelSolve(self) -> None:  # noqa: N802  (highspy's name)
            asked.append("cancel")

    def abandon(message: str, fd: int) -> None:
        messages.append(message)
        abandoned.set()

    with _signals_as_flags(grace=0.2, abandon=abandon) as stop:
        stop.solvers.append(StuckHighs())
        os.kill(os.getpid(), signal.SIGTERM)
        assert abandoned.wait(60)
    assert stop.heard == [signal.SIGTERM]
    assert asked == ["cancel"]
    assert messages == ["interrupted while running progressive hedging: HiGHS did not stop "
                        "within 0.2 s of the signal; abandoned; nothing written"]
