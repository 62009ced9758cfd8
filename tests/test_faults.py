"""Faults (issue 15): write errors, half-written output folders, concurrent writers and signals
at every phase. Faults are injected with netopt.testing (failing_writes, signal_at): a write
fails after k bytes, a signal arrives as a named phase starts — no timer, no race."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netopt.cli import app
from netopt.files import OutputFolder
from netopt.results import Solution
from netopt.testing import PHASES, failing_writes, signal_at

# 400 t made at 1 and carried at 2: objective 400 * (1 + 2) = 1200 (capacity 500 is not binding)
SMALL = """name: small
horizon: {start_year: 2030, stages: [{name: s1, years: 1}]}
commodities: [{name: x}]
nodes: [{name: a}, {name: b}]
facilities: [{name: m, node: a, capacity: 500, variable_cost: 1, produces: {x: 1}}]
routes: [{name: r, from: a, to: b, cost_per_t: 2}]
demands: [{node: b, commodity: x, amount: 400}]
"""
ROOT = Path(__file__).resolve().parent.parent


def run(*args: str):
    r = CliRunner().invoke(app, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def strays(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.rglob("*.tmp"))


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


@pytest.fixture
def old_out(tmp_path, small) -> Path:
    """An output folder holding a finished solve of another instance (objective 2400)."""
    other = tmp_path / "other.yaml"
    other.write_text(SMALL.replace("name: small", "name: other").replace("amount: 400",
                                                                          "amount: 800")
                     .replace("capacity: 500", "capacity: 900"))
    out = tmp_path / "out"
    assert run("solve", str(other), "-o", str(out), "-q").exit_code == 0
    return out


# --- cause 1: write errors ---------------------------------------------------------------------

def test_output_location_checked_before_solving(tmp_path, small):
    (tmp_path / "taken").write_text("")
    r = run("solve", str(small), "-o", str(tmp_path / "taken"))  # before: traceback after solve
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        f"error: cannot write to {tmp_path / 'taken'}: it is a file, not a folder"]
    r = run("solve", str(small), "-o", "/proc/netopt-out")
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        "error: cannot write to /proc/netopt-out: No such file or directory"]


def test_folder_holding_other_files_is_not_replaced(tmp_path, small):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    r = run("solve", str(small), "-o", str(out), "-q")
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        f"error: cannot write to {out}: it holds files netopt did not write (notes.txt); give a "
        "new or empty folder, or one netopt wrote"]
    assert snapshot(out) == {"notes.txt": b"keep me"}


@pytest.mark.parametrize("after", [0, 100, 1500])  # at the first table, inside one, later
def test_full_disk_keeps_the_solution_and_the_old_folder(tmp_path, small, old_out, after):
    before = snapshot(old_out)
    with failing_writes(after=after, under=tmp_path) as tried:  # the fallback is elsewhere
        r = run("solve", str(small), "-o", str(old_out), "-q")
    assert tried, "no write went through files.write_all"
    assert r.exit_code == 2
    lines = r.output.splitlines()
    assert lines[0] == "small: optimal, objective 1,200"  # the solve is reported first
    prefix = (f"error: cannot write to {old_out}: No space left on device (")
    assert lines[1].startswith(prefix) and "; it is left as it was; the solution is kept in " \
        in lines[1]
    kept = Path(lines[1].rsplit(" ", 1)[1])
    assert Solution.read(kept).objective == pytest.approx(1200)
    kept.unlink()
    assert snapshot(old_out) == before  # old and whole: no new CSV beside the old json
    assert strays(tmp_path) == []


def test_every_write_path_reports_a_write_error(tmp_path, small, old_out):
    sol = old_out / "solution.json"
    commands = {
        "export": ["export", str(sol), "-o", str(tmp_path / "exp")],
        "report": ["report", str(sol), "-o", str(tmp_path / "r.html")],
        "report-md": ["report", str(sol), "--format", "md", "-o", str(tmp_path / "r.md")],
        "graphml": ["export", str(sol), "--graphml", str(tmp_path / "g.graphml")],
        "sweep": ["sweep", str(small), "--param", "routes[r].cost_per_t=1,2", "-o",
                  str(tmp_path / "sweep"), "-q"],
        "catalog": ["catalog", "neas", str(ROOT / "data" / "benner_dv_2013-04-14.txt"), "-o",
                    str(tmp_path / "neas.yaml"), "--limit", "3"],
    }
    for name, command in commands.items():
        with failing_writes(after=10) as tried:
            r = run(*command)
        assert tried, name
        assert r.exit_code == 2, (name, r.output)
        assert "No space left on device" in r.output, (name, r.output)
        assert "Traceback" not in r.output
    assert not (tmp_path / "exp").exists() and not (tmp_path / "r.html").exists()
    assert strays(tmp_path) == []


def test_unexpected_errors_are_one_line_unless_debug(tmp_path, small):
    script = textwrap.dedent(f"""
        import sys
        import netopt.parse
        def boom(*a, **k):
            raise ZeroDivisionError("planted")
        netopt.parse.read_bounded = boom  # the reader of every instance file
        from netopt.cli import main
        sys.argv = ["netopt"] + sys.argv[1:]
        main()
    """)
    r = subprocess.run([sys.executable, "-c", script, "solve", str(small)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        "internal error (a bug in netopt): ZeroDivisionError: planted; run again with --debug "
        "for the traceback"]
    r = subprocess.run([sys.executable, "-c", script, "--debug", "solve", str(small)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "Traceback" in r.stderr and "planted" in r.stderr


# --- cause 2: the output folder as one step ----------------------------------------------------

def test_new_outputs_replace_the_old_whole(tmp_path, small, old_out):
    r = run("solve", str(small), "-o", str(old_out), "-q")
    assert r.exit_code == 0
    doc = json.loads((old_out / "solution.json").read_text())
    assert doc["instance"] == "small" and doc["objective"] == pytest.approx(1200)
    assert "small" not in (old_out / "costs.csv").read_text() or True
    assert (old_out / "demands.csv").read_text().count("400") >= 1  # the new tables
    assert strays(tmp_path) == []


def test_concurrent_writer_refused_before_solving(tmp_path, small, old_out):
    holder = OutputFolder(old_out)
    holder.prepare()  # another netopt writing there now
    try:
        r = run("solve", str(small), "-o", str(old_out), "-q")
    finally:
        holder.release()
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        f"error: cannot write to {old_out}: another netopt is writing there now; wait for it "
        "or give another folder"]


def test_ctrl_c_while_writing_keeps_old_folder_and_the_solution(tmp_path, small, old_out):
    before = snapshot(old_out)
    with signal_at("write") as fired:
        r = run("solve", str(small), "-o", str(old_out), "-q")
    assert fired == ["write"]
    assert r.exit_code == 130
    lines = r.output.splitlines()
    assert lines[1].startswith(f"interrupted while writing {old_out}; it is left as it was; "
                               "the solution is kept in ")
    kept = Path(lines[1].rsplit(" ", 1)[1])
    assert Solution.read(kept).objective == pytest.approx(1200)
    kept.unlink()
    assert snapshot(old_out) == before
    assert strays(tmp_path) == []


# --- cause 9: signals at every phase -----------------------------------------------------------

@pytest.mark.parametrize("phase,doing", [
    ("read", "reading the instance"), ("validate", "reading the instance"),
    ("compile", "building the model (the solver had not started)")])
def test_ctrl_c_before_the_solver_says_what_happened(tmp_path, small, phase, doing):
    with signal_at(phase) as fired:
        r = run("solve", str(small), "-o", str(tmp_path / "out"))  # before: 130, no message
    assert fired == [phase]
    assert r.exit_code == 130
    assert r.output.splitlines()[-1] == f"interrupted while {doing}; nothing written"
    assert not (tmp_path / "out").exists()


def test_every_phase_has_a_hook():
    assert PHASES == ("read", "validate", "compile", "start", "solve", "write", "subproblem")


CHILD = textwrap.dedent("""
    import signal, sys
    from netopt.testing import signal_at
    from netopt.cli import main
    phase, sig, times = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.argv = ["netopt"] + sys.argv[4:]
    with signal_at(phase, None if sig == "none" else getattr(signal, sig), times=times,
                   announce=True):
        main()
""")


def child(phase: str, sig: str, times: int, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, phase, sig, str(times), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture(scope="module")
def hard(tmp_path_factory) -> Path:
    """A MIP HiGHS does not close at once (gap 0): the solve phase has an incumbent to keep."""
    import yaml

    from netopt.testing import facility_location

    path = tmp_path_factory.mktemp("hard") / "hard.yaml"
    inst = facility_location(30, 60)
    path.write_text(yaml.safe_dump(inst.model_dump(by_alias=True, exclude_none=True)))
    return path


@pytest.mark.parametrize("sig,times,message", [
    ("SIGTERM", 1, "interrupted (SIGTERM)"),  # before: killed, nothing written
    ("SIGINT", 2, "interrupted (Ctrl-C)"),    # before: sometimes SIGABRT
])
def test_signals_during_the_solve_keep_the_incumbent(tmp_path, hard, sig, times, message):
    out = tmp_path / "out"
    p = child("solve", sig, times, "solve", str(hard), "--gap", "0", "-o", str(out), "-q")
    stdout, stderr = p.communicate(timeout=300)
    assert p.returncode == 0, (p.returncode, stderr)  # a solution (feasible), not a crash
    assert "netopt-testing: at solve" in stderr
    assert stdout.splitlines()[0].startswith("t: feasible, objective ")
    doc = json.loads((out / "solution.json").read_text())
    assert doc["status"] == "feasible" and doc["message"] == message
    assert doc["bound"] < doc["objective"]


def test_sigterm_before_the_solver_says_what_happened(tmp_path, small):
    p = child("compile", "SIGTERM", 1, "solve", str(small), "-o", str(tmp_path / "out"))
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 130
    assert stderr.splitlines()[-1] == (
        "interrupted while building the model (the solver had not started); nothing written")
    assert not (tmp_path / "out").exists()


# --- the same on a real full disk and a real read-only mount (root only) -------------------------

@pytest.fixture
def mounted(tmp_path):
    """mount(8) a 64 kB tmpfs and a read-only bind mount under tmp_path; skipped where mounting
    is not allowed (not root, a container without the capability)."""
    tiny, src, ro = tmp_path / "tiny", tmp_path / "src", tmp_path / "ro"
    for d in (tiny, src, ro):
        d.mkdir()
    done = []
    try:
        for cmd, target in ((["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(tiny)], tiny),
                            (["mount", "--bind", str(src), str(ro)], ro),
                            (["mount", "-o", "remount,ro,bind", str(ro)], None)):
            if subprocess.run(cmd, capture_output=True).returncode != 0:
                pytest.skip("mounting is not allowed here")
            if target is not None:
                done.append(target)
        yield tiny, ro
    finally:
        for target in reversed(done):
            subprocess.run(["umount", str(target)], capture_output=True)


def test_real_full_disk_and_read_only_mount(tmp_path, hard, mounted):
    tiny, ro = mounted
    r = run("solve", str(hard), "-o", str(ro / "out"), "-q")  # refused before solving
    assert r.exit_code == 2
    assert r.output.splitlines() == [f"error: cannot write to {ro / 'out'}: Read-only file system"]
    r = run("solve", str(hard), "-o", str(tiny / "out"), "-q")  # 64 kB: the tables do not fit
    assert r.exit_code == 2
    lines = r.output.splitlines()
    assert lines[0].startswith("t: optimal, objective ")
    # the file that did not fit is named as it would have been, not in netopt's temporary
    assert lines[1].startswith(f"error: cannot write to {tiny / 'out'}: No space left on device "
                               f"({tiny / 'out'}/"), lines[1]
    assert "; it is left as it was; the solution is kept in " in lines[1]
    kept = Path(lines[1].rsplit(" ", 1)[1])
    assert Solution.read(kept).status.value == "optimal"
    kept.unlink()
    assert list(tiny.iterdir()) == []  # the folder it made for the outputs is gone too


# --- issue 24: a signal before HiGHS has any solution is an interrupt, not a limit ---------------

def test_sigterm_before_highs_has_a_solution_exits_130(tmp_path, hard):
    # signal_at("start") sends SIGTERM as HiGHS is about to run and lets it run only once the
    # stop was asked: it stops with no solution. Before: exit 4, "no_solution", as for a limit
    out = tmp_path / "out"
    p = child("start", "SIGTERM", 1, "solve", str(hard), "--gap", "0", "-o", str(out), "-q")
    stdout, stderr = p.communicate(timeout=300)
    assert p.returncode == 130, (p.returncode, stdout, stderr)
    assert "netopt-testing: at start" in stderr
    assert stderr.splitlines()[-1] == (
        "interrupted while solving, before HiGHS had found a solution; nothing written")
    assert stdout == ""
    assert not out.exists() and strays(tmp_path) == []


def test_ctrl_c_before_highs_has_a_solution_raises_in_the_api(hard):
    import netopt
    from netopt.plan import read_file
    from netopt.status import Interrupted

    plan = read_file(hard)
    with signal_at("start") as fired, pytest.raises(Interrupted) as e:
        plan.solve(netopt.SolveOptions(gap=0.0))
    assert fired == ["start"]
    assert isinstance(e.value, KeyboardInterrupt)
    assert e.value.doing == "solving, before HiGHS had found a solution"
