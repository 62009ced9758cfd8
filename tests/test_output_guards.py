"""Issue 24: `sweep -o` and `pareto -o` guarded as `solve -o` is (checked and locked before
solving, named write errors, a fallback kept), stale temporaries of a killed netopt cleaned, a
directory given as input, write errors naming the target. Faults are injected with
netopt.testing (failing_writes, signal_at): no timer, no race."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netopt.cli import app
from netopt.cli.sweep import SWEEP_FILES
from netopt.files import OutputFolder
from netopt.testing import failing_writes

# 400 t made at 1 and carried at c per t: objective 400 * (1 + c); c = 1, 2: 800, 1200
SMALL = """name: small
horizon: {start_year: 2030, stages: [{name: s1, years: 1}]}
commodities: [{name: x}]
nodes: [{name: a}, {name: b}]
facilities: [{name: m, node: a, capacity: 500, variable_cost: 1, produces: {x: 1}}]
routes: [{name: r, from: a, to: b, cost_per_t: 2}]
demands: [{node: b, commodity: x, amount: 400}]
"""
# Bought on Earth's surface at 1/t (launch mass 10 t) or a mine at b (capex 50, its 2 t of
# hardware launched): the front's ends are (cost 10, 10 t) and (50, 2 t); see test_pareto.py
TWO_WAYS = """name: two
horizon: {start_year: 2030, stages: [{name: s1, years: 1}]}
commodities: [{name: x}, {name: hw}]
hardware_commodity: hw
nodes: [{name: e, kind: surface, body: Earth}, {name: b}]
facilities: [{name: mine, node: b, capacity: 10, capex: 50, mass: 2, produces: {x: 1}}]
routes: [{name: eb, from: e, to: b}]
supplies: [{node: e, commodity: x, price_per_t: 1}, {node: e, commodity: hw}]
demands: [{node: b, commodity: x, amount: 10}]
"""
SWEEP = ["--param", "routes[r].cost_per_t=1,2", "-q", "--workers", "1", "--no-plot"]


def run(*args: str):
    r = CliRunner().invoke(app, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def strays(parent: Path) -> list[str]:
    """Temporary files and folders in `parent` and in its folders (not inside temporaries)."""
    out = []
    for p in sorted(parent.iterdir()):
        if p.name.endswith(".tmp"):
            out.append(p.name)
        elif p.is_dir():
            out += [f"{p.name}/{q}" for q in strays(p)]
    return out


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


@pytest.fixture
def two(tmp_path) -> Path:
    path = tmp_path / "two.yaml"
    path.write_text(TWO_WAYS)
    return path


# --- sweep -o --------------------------------------------------------------------------------

def test_second_sweep_into_a_folder_being_written_is_refused(tmp_path, small):
    # before: both sweeps ran and said "wrote sw/sweep.csv"; one's rows were lost
    sw = tmp_path / "sw"
    holder = OutputFolder(sw, ours=SWEEP_FILES)
    holder.prepare()  # another sweep writing there now
    try:
        r = run("sweep", str(small), *SWEEP, "-o", str(sw))
    finally:
        holder.release()
    assert r.exit_code == 2, r.output
    assert r.output.splitlines() == [
        f"error: cannot write to {sw}: another netopt is writing there now; wait for it or "
        "give another folder"]
    assert sorted(os.listdir(sw)) == []


def test_sweep_into_a_folder_of_other_files_is_refused(tmp_path, small):
    sw = tmp_path / "mine"
    sw.mkdir()
    (sw / "notes.txt").write_text("keep me")
    r = run("sweep", str(small), *SWEEP, "-o", str(sw))  # before: exit 0, files added
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        f"error: cannot write to {sw}: it holds files netopt did not write (notes.txt); give a "
        "new or empty folder, or one netopt wrote"]
    assert os.listdir(sw) == ["notes.txt"]


def test_sweep_into_a_solve_folder_is_refused(tmp_path, small):
    out = tmp_path / "out"
    assert run("solve", str(small), "-o", str(out), "-q").exit_code == 0
    r = run("sweep", str(small), *SWEEP, "-o", str(out))
    assert r.exit_code == 2
    assert r.output.startswith(f"error: cannot write to {out}: it holds files netopt did not "
                               "write (")


def test_sweep_onto_a_full_disk_names_the_file_and_keeps_the_rows(tmp_path, small):
    sw = tmp_path / "sw"
    # the header line (run,routes[r].cost_per_t,...,message: 80 bytes) fits in 100, the first
    # row (36 bytes) does not: the sweep stops there, and that row is kept elsewhere
    with failing_writes(after=100, under=sw) as tried:
        r = run("sweep", str(small), *SWEEP, "-o", str(sw))
    assert tried
    assert r.exit_code == 2, r.output
    line = r.output.splitlines()[-1]
    prefix = (f"error: cannot write to {sw}: No space left on device ({sw / 'sweep.csv'}); "
              "the 1 runs done are kept in ")
    assert line.startswith(prefix), line
    kept = Path(line[len(prefix):])
    rows = kept.read_text().splitlines()
    kept.unlink()
    assert rows[0].startswith("run,routes[r].cost_per_t,status,objective,")
    assert rows[1].startswith("0,1,optimal,800.0,")  # 400 * (1 + 1)
    assert len(rows) == 2
    assert strays(tmp_path) == []


def test_sweep_report_write_error_names_the_report(tmp_path, small):
    clean = tmp_path / "clean"
    assert run("sweep", str(small), *SWEEP, "-o", str(clean)).exit_code == 0
    # the table is written twice (header and rows as they finish, then all in run order):
    # room for that, and 10 bytes more, so the next file, the summary, fails
    table = len((clean / "sweep.csv").read_bytes())
    sw = tmp_path / "sw"
    with failing_writes(after=2 * table + 10, under=sw) as tried:
        r = run("sweep", str(small), *SWEEP, "-o", str(sw))
    assert any(n.endswith("sweep-summary.md") for n in tried)
    assert r.exit_code == 2, r.output
    line = r.output.splitlines()[-1]
    assert line.startswith(f"error: cannot write to {sw}: No space left on device "
                           f"({sw / 'sweep-summary.md'}); the 2 runs done are kept in ")
    Path(line.rsplit(" ", 1)[1]).unlink()


# --- pareto -o -------------------------------------------------------------------------------

def test_pareto_output_checked_before_solving(tmp_path, two):
    (tmp_path / "taken").write_text("")
    r = run("pareto", str(two), "-n", "2", "-o", str(tmp_path / "taken"))  # before: traceback
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        f"error: cannot write to {tmp_path / 'taken'}: it is a file, not a folder"]
    r = run("pareto", str(two), "-n", "2", "-o", "/proc/netopt-front")
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        "error: cannot write to /proc/netopt-front: No such file or directory"]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    r = run("pareto", str(two), "-n", "2", "-o", str(mine))
    assert r.exit_code == 2
    assert "it holds files netopt did not write (notes.txt)" in r.output


def test_pareto_writes_its_folder_whole_and_keeps_the_front_on_a_write_error(tmp_path, two):
    out = tmp_path / "front"
    r = run("pareto", str(two), "-n", "2", "--gap", "0", "-o", str(out))
    assert r.exit_code == 0, r.output
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "pareto.json" in before
    with failing_writes(after=0, under=tmp_path) as tried:
        r = run("pareto", str(two), "-n", "2", "--gap", "0", "-o", str(out))
    assert tried
    assert r.exit_code == 2, r.output
    line = r.output.splitlines()[-1]
    assert line.startswith(f"error: cannot write to {out}: No space left on device (")
    assert "; it is left as it was; the front is kept in " in line
    kept = Path(line.rsplit(" ", 1)[1])
    doc = json.loads(kept.read_text())
    kept.unlink()
    # the ends: (cost 50, 2 t) and (cost 10, 10 t)
    assert [(round(p["cost"], 6), round(p["launch_mass"], 6)) for p in doc["points"]] == [
        (50, 2), (10, 10)]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert strays(tmp_path) == []


def test_pareto_of_an_infeasible_plan_exits_3_with_the_reasons(tmp_path, two):
    path = tmp_path / "inf.yaml"
    # x at b only from the mine (10 t/yr) and 25 t needed: the launch is gone
    path.write_text(TWO_WAYS.replace("supplies: [{node: e, commodity: x, price_per_t: 1}, ",
                                     "supplies: [")
                    .replace("amount: 10", "amount: 25"))
    r = run("pareto", str(path), "-n", "2", "-o", str(tmp_path / "front"))
    assert r.exit_code == 3, r.output
    lines = r.output.splitlines()
    assert lines[0] == "error: no front: infeasible: no plan meets every demand"
    assert lines[1].startswith("demand x at b in s1: 25 t/yr required, 10 t/yr met when as "
                               "much as possible is met")
    assert not (tmp_path / "front").exists()


# --- stale temporaries of a netopt killed while writing ----------------------------------------

KILLED = textwrap.dedent("""
    import signal, sys
    from netopt.testing import signal_at
    from netopt.cli import main
    sys.argv = ["netopt"] + sys.argv[1:]
    with signal_at("write", signal.SIGKILL):
        main()
""")


def killed_while_writing(*args: str) -> None:
    r = subprocess.run([sys.executable, "-c", KILLED, *args], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr)


def test_temporaries_of_a_killed_solve_are_removed_by_the_next(tmp_path, small):
    out = tmp_path / "out"
    killed_while_writing("solve", str(small), "-o", str(out), "-q")
    left = strays(tmp_path)
    assert len(left) == 1 and left[0].startswith(".out.")  # SIGKILL: the temporary stays
    r = run("solve", str(small), "-o", str(out), "-q")
    assert r.exit_code == 0, r.output
    assert (f"note: removed {tmp_path / left[0]}, left by a netopt that was stopped while "
            "writing") in r.output.splitlines()
    assert strays(tmp_path) == []
    assert json.loads((out / "solution.json").read_text())["objective"] == pytest.approx(1200)


def test_temporaries_of_a_killed_sweep_are_removed_by_the_next(tmp_path, small):
    sw = tmp_path / "sw"
    killed_while_writing("sweep", str(small), *SWEEP, "-o", str(sw))
    left = strays(tmp_path)
    assert len(left) == 1 and left[0].startswith("sw/.sweep.csv.")
    r = run("sweep", str(small), *SWEEP, "-o", str(sw))
    assert r.exit_code == 0, r.output
    assert f"note: removed {tmp_path / left[0]}, left by a netopt that was stopped while writing" \
        in r.output.splitlines()
    assert strays(tmp_path) == []


def test_a_live_writers_temporary_is_not_touched(tmp_path, small):
    out = tmp_path / "out"
    writer = OutputFolder(out)
    with writer.writing() as tmp:  # a netopt writing now: its temporary sibling exists
        (tmp / "solution.json").write_text("{}")
        r = run("solve", str(small), "-o", str(out), "-q")
        assert r.exit_code == 2
        assert "another netopt is writing there now" in r.output
        assert tmp.is_dir() and (tmp / "solution.json").exists()


def test_a_foreign_temporary_lookalike_is_kept(tmp_path, small):
    out = tmp_path / "out"
    other = tmp_path / ".out.abcd1234.tmp"  # netopt's name, but not netopt's content
    other.mkdir()
    (other / "thesis.tex").write_text("mine")
    r = run("solve", str(small), "-o", str(out), "-q")
    assert r.exit_code == 0
    assert (other / "thesis.tex").read_text() == "mine"


# --- inputs and write errors -------------------------------------------------------------------

@pytest.mark.parametrize("command", [["solve"], ["validate"], ["sweep", "-p", "a=1"],
                                     ["pareto"]])
def test_a_directory_given_as_input(tmp_path, command):
    d = tmp_path / "x.yaml"
    d.mkdir()
    r = run(command[0], str(d), *command[1:])  # before: "internal error: IsADirectoryError"
    assert r.exit_code == 1, r.output
    assert r.output.splitlines() == [f"{d}: cannot read file: it is a directory, not a regular "
                                     "file"]


def test_write_errors_name_the_target_not_the_temporary(tmp_path, small):
    out = tmp_path / "out"
    assert run("solve", str(small), "-o", str(out), "-q").exit_code == 0
    r = run("report", str(out / "solution.json"), "-o", "/proc/x.html")
    assert r.exit_code == 2
    assert r.output.splitlines() == ["error: /proc/x.html: No such file or directory"]


def test_folder_write_error_names_the_file_in_the_target(tmp_path, small):
    out = tmp_path / "out"
    with failing_writes(after=0, under=tmp_path) as tried:
        r = run("solve", str(small), "-o", str(out), "-q")
    assert tried and "/.out." in tried[0]  # written into the temporary sibling ...
    assert r.exit_code == 2
    line = r.output.splitlines()[1]
    name = Path(tried[0]).name
    # ... and named as the file the user asked for (before: .../.out.k_ruad8h.tmp/NAME)
    assert line.startswith(f"error: cannot write to {out}: No space left on device "
                           f"({out / name}); it is left as it was; the solution is kept in ")
    Path(line.rsplit(" ", 1)[1]).unlink()
