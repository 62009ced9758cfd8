"""`--write-model` / `Compiled.write`: the MIP as built, for any other solver, read back by HiGHS."""

from __future__ import annotations

from pathlib import Path

import highspy
import pytest
from typer.testing import CliRunner

from netopt.cli import app
from netopt.plan import Plan, load_extra
from netopt.solve import SolveOptions
from netopt.status import ExitCode
from netopt.stochastic.plan import StochasticPlan

from test_scenario import DECISION_YAML, decision

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "examples" / "launch_rules.py"
TREE = Path(__file__).parent / "data" / "stochastic" / "two-leaf.yaml"
runner = CliRunner()


def optimum(path: Path) -> float:
    """The optimum of a model file as another program would get it: HiGHS reading the file."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_the_written_model_has_the_hand_optimum(tmp_path, suffix):
    # test_scenario's decision: launch 2/t x 10 t + the last mile's capex 2 = 22 (the mine:
    # 30 + 2 = 32); with the user's launch_cap (<= 4 t/yr launched) the mine is needed: 32
    plan = Plan.of(decision())
    assert optimum(plan.build().write(tmp_path / f"plain{suffix}")) == pytest.approx(22)
    capped = plan.build(extra=load_extra(f"{RULES}:launch_cap"))
    assert optimum(capped.write(tmp_path / f"capped{suffix}")) == pytest.approx(32)
    # the names are solvers.md's, so that another solver's log can be traced back
    assert "build(mine_s1)" in (tmp_path / f"plain{suffix}").read_text()
    assert list(tmp_path.iterdir()) == sorted(tmp_path.iterdir()) and all(
        not p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_solve_writes_the_model_and_still_solves(tmp_path):
    inst = tmp_path / "decision.yaml"
    inst.write_text(DECISION_YAML, encoding="utf-8")
    model = tmp_path / "m.mps"
    res = runner.invoke(app, ["solve", str(inst), "--write-model", str(model), "-q"])
    assert res.exit_code == ExitCode.OK, res.output
    assert "objective 22" in res.output
    assert optimum(model) == pytest.approx(22)


def test_the_tree_writes_its_extensive_form(tmp_path):
    # tests/data/stochastic/two-leaf.yaml: the hedged plan costs 105 in expectation
    # (test_stochastic: 130 if high, 80 if low, probability 1/2 each)
    model = tmp_path / "ef.lp"
    sol = StochasticPlan.read(TREE).solve(SolveOptions(gap=0.0, write_model=str(model)),
                                          figures=True)
    assert sol.objective == pytest.approx(105)
    assert optimum(model) == pytest.approx(105)  # the EF, not a leaf or the EEV solve of figures


@pytest.mark.parametrize("name, extra, message", [
    ("m.gms", [], "--write-model {p}: the file must end in .mps or .lp (the format is taken "
                  "from the suffix)"),
    ("missing/m.mps", [], "--write-model {p}: no such directory {d}"),
    ("m.mps", ["--decompose", "ph"], "--write-model writes one MIP; --decompose ph solves many "
                                     "(drop --decompose to write the extensive form)"),
    ("m.mps", ["--elastic"], "--write-model writes one MIP; --elastic solves two in turn "
                             "(diagnose.py): drop one of them"),
])
def test_a_model_file_that_cannot_be_is_a_usage_error_before_solving(tmp_path, name, extra,
                                                                     message):
    inst = tmp_path / "decision.yaml"
    inst.write_text(DECISION_YAML, encoding="utf-8")
    target = tmp_path / name
    res = runner.invoke(app, ["solve", str(inst if "ph" not in extra else TREE),
                              "--write-model", str(target), "-o", str(tmp_path / "out"), *extra])
    assert res.exit_code == ExitCode.USAGE, res.output
    assert message.format(p=target, d=target.parent) in " ".join(res.output.split())
    assert not target.exists()
    assert not (tmp_path / "out").exists()  # refused before the solve: nothing written
