"""Issue 24: `sweep` and `pareto` on an instance with an `uncertainty:` tree. Before, both solved
the base instance and dropped the tree silently. A sweep now solves each run's tree as `netopt
solve` does (the expected cost, the here-and-now builds); pareto refuses a tree by name."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netopt.cli import app
from netopt.solve import SolveOptions
from netopt.stochastic.plan import StochasticPlan

TWO_LEAF = Path(__file__).parent / "data" / "stochastic" / "two-leaf.yaml"
CAPEX = "facilities[large].capex"


def run(*args: str):
    r = CliRunner().invoke(app, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def test_sweep_solves_each_runs_tree(tmp_path):
    # two-leaf.yaml (hand-solved in the file): large's capex 80 -> hedged plan `large`,
    # E = (80 + 50 + 80) / 2 = 105. Capex 100: none 150, small (40 + 150 + 40) / 2 = 115,
    # large (100 + 50 + 100) / 2 = 125, both 140: `small`, 115. The base alone (demand 15
    # in s2) would cost 40 with `small` at either capex: what the sweep reported before
    sw = tmp_path / "sw"
    r = run("sweep", str(TWO_LEAF), "--param", f"{CAPEX}=80,100", "--gap", "0", "-q",
            "--workers", "1", "--no-plot", "-o", str(sw))
    assert r.exit_code == 0, r.output
    with open(sw / "sweep.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r[CAPEX], r["status"], float(r["objective"]), r["built:small"], r["built:large"])
            for r in rows] == [("80", "optimal", pytest.approx(105), "", "s1:1"),
                               ("100", "optimal", pytest.approx(115), "s1:1", "")]
    assert ("note: the base has an uncertainty tree (2 leaves): each run solves its tree as "
            "netopt solve does") in r.output
    # the same points as `netopt solve --set`
    for row in rows:
        sp = StochasticPlan.read(TWO_LEAF, sets=[f"{CAPEX}={row[CAPEX]}"])
        assert isinstance(sp, StochasticPlan)
        sol = sp.solve(SolveOptions(gap=0.0), figures=False)
        assert float(row["objective"]) == pytest.approx(sol.objective)


def test_pareto_refuses_a_tree_by_name(tmp_path):
    r = run("pareto", str(TWO_LEAF), "-o", str(tmp_path / "front"))
    assert r.exit_code == 2, r.output
    assert r.output.splitlines() == [
        "error: two-leaf has an uncertainty tree (2 leaves): the front is traced for one "
        "deterministic instance, not in expectation; trace a leaf's by giving its values with "
        "--set, or solve the tree with netopt solve"]
    assert not (tmp_path / "front").exists()
