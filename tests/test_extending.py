"""`extra` functions: a constraint and a cost term of the user's own, from Python and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netopt.cli import app
from netopt.plan import Plan, load_extra
from netopt.solve import SolveOptions
from netopt.status import ExitCode

from test_scenario import DECISION_YAML, decision

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "examples" / "launch_rules.py"
EXACT = SolveOptions(gap=0.0)


def test_the_doc_shows_the_example_file_as_it_is():
    assert RULES.read_text(encoding="utf-8") in (ROOT / "docs" / "extending.md").read_text(
        encoding="utf-8")


def test_a_cost_term_of_ones_own_is_in_the_objective_and_the_costs():
    # launch 2/t + carbon 0.5/t, 10 t: 25, plus the last-mile route's capex 2 -> 27 (the mine
    # would cost 30 + 2 = 32); carbon: 0.5 x 10 t/yr x 1 year = 5, undiscounted (rate 0)
    sol = Plan.of(decision()).solve(EXACT, load_extra(f"{RULES}:carbon_price"))
    assert sol.objective == pytest.approx(27)
    carbon = [c for c in sol.costs if c["category"] == "carbon"]
    assert carbon == [{"category": "carbon", "stage": "s1", "year": 2030, "amount": pytest.approx(5),
                       "discounted": pytest.approx(5)}]
    assert sol.cost_total() == pytest.approx(sol.objective)


def test_a_constraint_of_ones_own_changes_the_plan():
    # at most 4 t/yr launched: the 10 t/yr need the mine, 30 + last mile 2 = 32
    plan = Plan.of(decision())
    assert plan.solve(EXACT).objective == pytest.approx(22)  # without: launch everything
    sol = plan.solve(EXACT, load_extra(f"{RULES}:launch_cap"))
    assert sol.objective == pytest.approx(32)
    assert sol.build_units("mine") == {"s1": 1}
    assert "launch_cap" in {c.local_name for c in plan.build(
        extra=load_extra(f"{RULES}:launch_cap")).model.component_objects()}


def test_a_once_cost_is_discounted_like_capex():
    # a 7-money fee once in s2 (starting 2 years after s1 at 10 %): discounted 7 / 1.1^2
    from netopt.testing import instance

    inst = instance(horizon={"start_year": 2030, "discount_rate": 0.1,
                             "stages": [{"name": "s1", "years": 2}, {"name": "s2", "years": 3}]},
                    facilities=[{"name": "f", "node": "a", "capacity": 5, "capex": 1,
                                 "produces": {"x": 1.0}}],
                    demands=[{"node": "a", "commodity": "x", "amount": 1}])

    def fee(compiled, prepared):
        compiled.add_cost("permit", "s2", 7.0, compiled.v.build["f", "s1"], once=True)

    sol = Plan.of(inst).solve(EXACT, fee)
    permit = [c for c in sol.costs if c["category"] == "permit"]
    assert permit == [{"category": "permit", "stage": "s2", "year": 2032, "amount": pytest.approx(7),
                       "discounted": pytest.approx(7 / 1.1 ** 2)}]
    assert sol.objective == pytest.approx(1 + 7 / 1.1 ** 2)


def test_cli_extra_cost_appears_in_solution_summary_and_report(tmp_path):
    base = tmp_path / "decision.yaml"
    base.write_text(DECISION_YAML, encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    r = runner.invoke(app, ["solve", str(base), "--gap", "0", "--extra", f"{RULES}:carbon_price",
                            "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "carbon" in r.output  # the terminal's cost table has the category as a column
    doc = json.loads((out / "solution.json").read_text())
    assert doc["objective"] == pytest.approx(27)
    assert {"category": "carbon", "stage": "s1", "year": 2030, "amount": 5.0,
            "discounted": 5.0} in doc["costs"]
    assert "carbon,s1,2030,5.0,5.0" in (out / "costs.csv").read_text()
    r = runner.invoke(app, ["report", str(out / "solution.json"), "-o", str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    assert '<tr><td>carbon</td><td class="n">5</td>' in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize(("spec", "message"), [
    ("no_colon", "expected MODULE:FUNCTION or FILE.py:FUNCTION"),
    ("netopt_no_such_module:f", "cannot import netopt_no_such_module"),
    (f"{RULES}:nothing_here", f"{RULES} has no function 'nothing_here'"),
])
def test_cli_bad_extra_is_a_usage_error(tmp_path, spec, message):
    base = tmp_path / "decision.yaml"
    base.write_text(DECISION_YAML, encoding="utf-8")
    r = CliRunner().invoke(app, ["solve", str(base), "--extra", spec])
    assert r.exit_code == ExitCode.USAGE
    assert f"error: --extra '{spec}': {message}" in r.output


def test_an_infeasible_extra_is_explained_with_the_extra_applied():
    # launch capped at 4 t/yr and the mine forbidden: at most 4 of the 10 t/yr required reach c
    import pyomo.core as pyo

    launch_cap = load_extra(f"{RULES}:launch_cap")

    def no_mine(compiled, prepared):
        launch_cap(compiled, prepared)
        compiled.model.no_mine = pyo.Constraint(expr=compiled.v.build["mine", "s1"] == 0)

    sol = Plan.of(decision()).solve(EXACT, no_mine)
    assert sol.status.value == "infeasible"
    assert "10 t/yr required, 4 t/yr met when as much as possible is met" in sol.message
    elastic = Plan.of(decision()).solve(SolveOptions(gap=0.0, elastic=True), no_mine)
    assert sum(s["rate"] for s in elastic.shortfalls) == pytest.approx(6)


def _tiny(**extra):
    """a -> b; 5 t/yr of x wanted at b in s1, bought at a (at most `max_per_year`)."""
    from netopt.testing import instance

    return instance(routes=[{"name": "ab", "from": "a", "to": "b"}],
                    supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0, **extra}],
                    demands=[{"node": "b", "commodity": "x", "amount": 5}])


def test_rows_of_ones_own_that_cannot_hold_are_named():
    # a variable of one's own, y >= 1 and y <= 0: each row holds alone, not both
    import pyomo.core as pyo

    def impossible(compiled, prepared):
        m = compiled.model
        m.y = pyo.Var()
        m.at_least = pyo.Constraint(expr=m.y >= 1)
        m.at_most = pyo.Constraint(expr=m.y <= 0)

    sol = Plan.of(_tiny()).solve(EXACT, impossible)
    assert sol.status.value == "infeasible"
    assert sol.message == (
        "infeasible because of the rows your --extra function added: 'at_least' (1 row), "
        "'at_most' (1 row) cannot be met together; without them every required demand can be "
        "met")


def test_rows_of_ones_own_that_starve_a_demand_are_named_not_the_instance():
    # no flow a -> b (one row per stage): the 5 t/yr cannot reach b. Without the row the plan
    # is feasible; the elastic plan meets 0 t/yr, the row at its bound 0. Before, the message
    # was only "no capacity limit binds: check availability windows, ..." for every demand.
    import pyomo.core as pyo

    def blocked(compiled, prepared):
        flows = {t: v for (r, k, t), v in compiled.v.flow.items() if r == "ab"}
        compiled.model.blocked = pyo.Constraint(sorted(flows), rule=lambda m, t: flows[t] <= 0)

    def harmless(compiled, prepared):
        compiled.model.harmless = pyo.Constraint(expr=compiled.v.flow["ab", "x", "s1"] <= 100)

    sol = Plan.of(_tiny()).solve(EXACT, blocked)
    assert sol.status.value == "infeasible"
    assert sol.message.splitlines() == [
        "infeasible because of the rows your --extra function added: 'blocked' (1 row) cannot "
        "be met; without them every required demand can be met",
        "at their bound in the plan that meets as much demand as possible: blocked[s1]",
        "demand x at b in s1: 5 t/yr required, 0 t/yr met when as much as possible is met (the "
        "--elastic plan); no limit of the instance binds: the rows your --extra function added "
        "do"]

    def both(compiled, prepared):
        harmless(compiled, prepared)
        blocked(compiled, prepared)

    sol = Plan.of(_tiny()).solve(EXACT, both)  # only the row that cannot hold on its own
    assert sol.message.splitlines()[0] == (
        "infeasible because of the rows your --extra function added: 'blocked' (1 row) cannot "
        "be met on its own; without them every required demand can be met")
    # infeasible for the instance's own reason (at most 4 of the 5 t/yr can be bought): the
    # harmless row is not blamed, the supply limit is named as without an extra
    sol = Plan.of(_tiny(max_per_year=4)).solve(EXACT, harmless)
    assert sol.message == (
        "demand x at b in s1: 5 t/yr required, 4 t/yr met when as much as possible is met (the "
        "--elastic plan); limits reached: supply a/x: at its limit 4 t/yr")
