"""online[e,s] as a variable (solvers.md, "Units", online_definition): the recursion over steps
gives the units operating in each step, and the same optimum as the sum over build stages written
into every row (the expression form)."""

from pathlib import Path

import pytest

from netopt import SolveOptions
from netopt.compile import compile_model
from netopt.params import prepare
from netopt.plan import Plan, override
from netopt.session import Session
from netopt.status import Status
from netopt.testing import instance, solve_exact

INSTANCES = Path(__file__).resolve().parent.parent / "instances"
FORMS = ("expression", "variable")


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-9)


def plant_case():
    """Two 3-year stages from 2030 at year grain, no discounting. x at a: 15 t/yr required every
    year, bought at 5/t, or made by a plant (10 t/yr a unit, capex 60, at most 2 units at once)
    that is commissioned for 1 year and lives 3.5 years."""
    return instance(
        horizon={"start_year": 2030, "discount_rate": 0.0, "resolution": "year",
                 "stages": [{"name": "s1", "years": 3}, {"name": "s2", "years": 3}]},
        facilities=[{"name": "plant", "node": "a", "capacity": 10, "capex": 60, "max_units": 2,
                     "lifetime_years": 3.5, "commissioning_years": 1,
                     "produces": {"x": 1.0}}],
        supplies=[{"name": "buy", "node": "a", "commodity": "x", "price_per_t": 5.0}],
        demands=[{"node": "a", "commodity": "x", "amount": 15}])


@pytest.mark.parametrize("form", FORMS)
def test_commissioning_and_a_lifetime_ending_mid_year(form):
    # A unit built in s1 (2030) exists over [2030, 2033.5) and operates over [2031, 2033.5):
    # f = 1 in 2031 and 2032, 0.5 in 2033. One built in s2 (2033) operates over [2034, 2036.5):
    # f = 1 in 2034 and 2035. Both exist in 2033, so b1 + b2 <= 2 (max_units).
    # Buying everything: 15 t x 6 years x 5 = 450. Savings (t not bought x 5) by build-out:
    #   b1 = 1: 10 + 10 + 5 = 25 t -> 125;  b1 = 2: 15 + 15 + 10 = 40 t -> 200
    #   b2 = 1: 10 + 10 = 20 t -> 100;      b2 = 2: 15 + 15 = 30 t -> 150
    # cost = 450 - savings + 60 (b1 + b2):
    #   (1,0) 385, (2,0) 370, (0,1) 410, (0,2) 420, (1,1) 450 - 225 + 120 = 345 (the optimum).
    sol = solve_exact(plant_case(), online=form)
    assert sol.status is Status.optimal
    assert sol.objective == approx(345)
    assert [(b["stage"], b["units"]) for b in sol.builds] == [("s1", 1), ("s2", 1)]
    operating = {o["year"]: o["operating"] for o in sol.online}
    assert operating == {2030: approx(0), 2031: approx(1), 2032: approx(1), 2033: approx(0.5),
                         2034: approx(1), 2035: approx(1)}


def test_the_recursion_has_a_term_only_where_a_share_changes():
    # online[2031] = 1 b1 (commissioned); online[2032] = online[2031] (no change);
    # online[2033] = online[2032] - 0.5 b1 (half a year left); online[2034] = online[2033]
    # - 0.5 b1 + 1 b2 (retired, and b2 commissioned); online[2035] = online[2034].
    # No variable in 2030: nothing operates (b1 is being commissioned).
    c = compile_model(prepare(plant_case()), online="variable")
    m = c.model
    assert sorted(m.online) == [("plant", str(y)) for y in range(2031, 2036)]
    rows = {t: str(m.online_definition["plant", t].expr) for (_, t) in m.online}
    assert rows == {
        "2031": "online[plant,'2031'] - build[plant,s1]  ==  0.0",
        "2032": "online[plant,'2032'] - online[plant,'2031']  ==  0.0",
        "2033": "online[plant,'2033'] - online[plant,'2032'] + 0.5*build[plant,s1]  ==  0.0",
        "2034": "online[plant,'2034'] - online[plant,'2033'] - build[plant,s2]"
                " + 0.5*build[plant,s1]  ==  0.0",
        "2035": "online[plant,'2035'] - online[plant,'2034']  ==  0.0"}
    # each capacity row references the variable once instead of the sum
    assert str(m.facility_capacity["plant", "2034"].expr) == (
        "-10.0*online[plant,'2034'] + act[plant,'2034']  <=  0.0")
    # the default: the variable at year grain, the expression at stage grain
    assert hasattr(compile_model(prepare(plant_case())).model, "online_definition")
    stage = override(plant_case(), {"horizon.resolution": "stage"})
    assert not hasattr(compile_model(prepare(stage)).model, "online")
    with pytest.raises(ValueError, match="unknown online form 'bogus'"):
        compile_model(prepare(plant_case()), online="bogus")


def test_a_start_from_the_other_form_gets_consistent_online_values():
    # A MIP start names builds only (the expression form has no online variable): the online
    # variables take the units those builds put online, so the start is feasible as it is.
    from netopt.plan import set_values

    c = compile_model(prepare(plant_case()), online="variable")
    set_values(c, {("build", ("plant", "s1")): 1.0, ("build", ("plant", "s2")): 1.0})
    assert {t: v.value for (_, t), v in c.v.online.items()} == {
        "2031": 1.0, "2032": 1.0, "2033": 0.5, "2034": 1.0, "2035": 1.0}


@pytest.mark.parametrize("name, values", [
    ("cislunar-ice.yaml", {}),  # year grain as shipped: commissioning, storage, windows
    ("tutorial.yaml", {"horizon.resolution": "year"}),
])
def test_both_forms_have_the_same_optimum_on_shipped_instances(name, values):
    plan = Plan.read(INSTANCES / name)
    if values:
        plan = Plan.of(override(plan.instance, values))
    expression, variable = (plan.solve(SolveOptions(gap=0.0, online=f)) for f in FORMS)
    assert expression.status is Status.optimal and variable.status is Status.optimal
    assert variable.objective == pytest.approx(expression.objective, rel=1e-7)
    assert sum(b["units"] for b in expression.builds) > 0  # the units matter: it can fail
    assert variable.provenance["options"]["online"] == "variable"


def test_a_session_in_place_with_the_variable_form_equals_the_cold_expression_form():
    # price changes are column costs: the online variables have none, and the rows that hold
    # them are the same in every run. Optima by the table of the first test with the price P
    # instead of 5: P = 4: (1,1) 360 - 45 x 4 + 120 = 300 (next: (1,0) and (2,0) at 320);
    # P = 8: (1,1) 720 - 360 + 120 = 480 (next: (2,0) 520).
    session = Session()
    opts = SolveOptions(gap=0.0, online="variable")
    for price, optimum in ((5.0, 345), (4.0, 300), (8.0, 480)):
        plan = Plan.of(override(plant_case(), {"supplies[buy].price_per_t": price}))
        warm = session.solve(plan, opts)
        cold = plan.solve(SolveOptions(gap=0.0))
        assert warm.objective == approx(optimum) and cold.objective == approx(optimum)
        assert warm.builds == cold.builds
    assert session.counts == {"compiled": 1, "in_place": 2, "cold": 0}
    session.solve(plan, SolveOptions(gap=0.0))  # another form: compiled afresh
    assert session.counts["compiled"] == 2


def test_the_extensive_form_with_the_variable_form():
    # tests/data/stochastic/three-stage.yaml (arithmetic in its header): SP = 80, one plant in s2
    # after first=hi, none otherwise; WS = 60, EVPI = 20. Nonanticipativity ties the builds; the
    # online variables of each leaf follow its builds.
    from netopt.stochastic.plan import StochasticPlan

    sp = StochasticPlan.read(Path(__file__).parent / "data" / "stochastic" / "three-stage.yaml")
    sol = sp.solve(SolveOptions(gap=0.0, online="variable"))
    assert sol.objective == approx(80)
    assert sol.stochastic["evpi"] == approx(20)
    leaves = {leaf["name"]: leaf for leaf in sol.stochastic["leaves"]}
    assert [len(leaves[n]["builds"]) for n in ("lo/lo", "lo/hi", "hi/lo", "hi/hi")] == [0, 0, 1, 1]


def test_cli_online_option():
    from typer.testing import CliRunner

    from netopt.cli import app

    runner = CliRunner()
    tutorial = str(INSTANCES / "tutorial.yaml")
    res = runner.invoke(app, ["solve", tutorial, "--online", "variable", "--gap", "0", "-q"])
    assert res.exit_code == 0 and "optimal" in res.output
    res = runner.invoke(app, ["solve", tutorial, "--online", "bogus", "-q"])
    assert res.exit_code == 2
    assert "unknown form 'bogus'; known: expression, variable" in res.output
