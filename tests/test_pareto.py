"""The launch_mass objective and the cost–launch-mass front (solvers.md, "Objective" and "The
cost–launch-mass front"), solved by hand.

The instance: one 1-year stage; 10 t/yr of x needed at b. Either x is bought on Earth's surface
(node e, price 1) and flown e -> b for free: cost 10, launch mass 10 t; or a mine at b is built
(capex 50, 10 t/yr) whose 2 t of hardware come from Earth: cost 50, launch mass 2 t. Building the
mine and still launching some x costs more than 50 for more than 2 t: dominated.
"""

import json

import pytest
from typer.testing import CliRunner

from netopt.cli import app
from netopt.errors import InputError
from netopt.pareto import Point, non_dominated, trace
from netopt.solve import SolveOptions
from netopt.testing import instance, solve_exact


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-9)


def two_ways(**extra):
    sections = dict(
        commodities=[{"name": "x"}, {"name": "hw"}],
        hardware_commodity="hw",
        nodes=[{"name": "e", "kind": "surface", "body": "Earth"}, {"name": "leo", "kind": "orbit",
                                                                  "body": "Earth"}, {"name": "b"}],
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 50, "mass": 2,
                     "produces": {"x": 1.0}}],
        routes=[{"name": "eb", "from": "e", "to": "b"}, {"name": "lb", "from": "leo", "to": "b"}],
        supplies=[{"node": "e", "commodity": "x", "price_per_t": 1.0},
                  {"node": "e", "commodity": "hw"}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])
    sections.update(extra)
    return instance(**sections)


def test_launch_mass_objective_builds_the_mine():
    # min launch mass: the mine (2 t of hardware launched) beats 10 t of x; its cost is 50.
    sol = solve_exact(two_ways(objective="launch_mass"))
    assert sol.objective_kind == "launch_mass"
    assert sol.objective == approx(2.0)
    assert sol.build_units("mine") == {"s1": 1}
    assert sol.cost_total() == approx(50.0)


def test_launch_mass_counts_only_earths_surface():
    # x can also be bought in Earth orbit (leo, kind orbit) at 100/t: not launched from the
    # surface, so launch_mass is 0 with it (cost 1,000), while supply_mass still counts it and
    # prefers the mine (2 t bought).
    leo_x = {"node": "leo", "commodity": "x", "price_per_t": 100.0}
    base = two_ways().model_dump(by_alias=True)
    supplies = [*base["supplies"], leo_x]
    by_launch = solve_exact(two_ways(objective="launch_mass", supplies=supplies))
    assert by_launch.objective == approx(0.0)
    assert by_launch.cost_total() == approx(1000.0)
    by_supply = solve_exact(two_ways(objective="supply_mass", supplies=supplies))
    assert by_supply.objective == approx(2.0)


def test_launch_mass_needs_a_supply_on_earths_surface():
    with pytest.raises(InputError) as e:
        two_ways(objective="launch_mass",
                 nodes=[{"name": "e", "kind": "orbit", "body": "Earth"}, {"name": "leo"},
                        {"name": "b"}])
    assert [str(p) for p in e.value.problems] == [
        "objective: objective launch_mass counts the supplies at nodes of kind surface on body "
        "Earth, and this instance has none"]


def test_two_point_front():
    # Ends: cost-optimal (10, 10 t), launch-optimal (50, 2 t). With 3 points, eps = 2, 6, 10:
    # eps 6 forces the mine (10 t of x > 6) and gives (50, 2) again: a repeat, dropped.
    front = trace(two_ways(), points=3, options=SolveOptions(gap=0.0))
    assert [(p.cost, p.launch_mass) for p in front.points] == [(approx(50.0), approx(2.0)),
                                                               (approx(10.0), approx(10.0))]
    assert front.dropped == 1 and front.solves == 3 + 3
    assert front.points[0].builds == [{"name": "mine", "stage": "s1", "units": 1}]
    assert front.points[1].builds == []


def test_dominated_points_are_dropped():
    pts = [Point(10, 10, None, "optimal"), Point(50, 2, None, "optimal"),
           Point(60, 6, None, "optimal"), Point(50, 2, 6.0, "optimal")]
    assert [(p.cost, p.launch_mass) for p in non_dominated(pts)] == [(50, 2), (10, 10)]


def test_pareto_command(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(json.dumps(two_ways().model_dump(by_alias=True, exclude_none=True)))
    r = CliRunner().invoke(app, ["pareto", str(path), "--points", "2", "--gap", "0",
                                 "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "out" / "pareto.json").read_text())
    assert [(p["cost"], p["launch_mass"]) for p in doc["points"]] == [
        (approx(50.0), approx(2.0)), (approx(10.0), approx(10.0))]
    assert "2 non-dominated plans" in r.output


def test_pareto_without_earth_launch_is_refused(tmp_path):
    path = tmp_path / "none.yaml"
    data = two_ways().model_dump(by_alias=True, exclude_none=True)
    data["nodes"][0]["kind"] = "orbit"
    path.write_text(json.dumps(data))
    r = CliRunner().invoke(app, ["pareto", str(path)])
    assert r.exit_code == 1
    assert "no launch mass to trade" in r.output


def _ground_tonnes(sol):
    """Tonnes bought at e (Earth's surface) from solution.json's own rows: each row's rate (t/yr)
    times its step's years, found in the steps table (independent of netopt.pareto)."""
    years = {(s["stage"], s["start_year"]): s["years"] for s in sol.steps}
    return sum(r["rate"] * years[(r["stage"], r["year"])] for r in sol.supplies
               if r["node"] == "e")


@pytest.mark.parametrize("resolution", ["year", "stage"])
def test_front_ends_are_the_single_objective_optima_at_either_grain(resolution):
    # One 3-year stage, at resolution year three 1-year steps. Cost optimum: buy 10 t/yr of x on
    # Earth for 3 yr: cost 30, launch mass 30 t (3 x 10). Launch-mass optimum: the mine, its 2 t
    # of hardware launched once: launch mass 2 t, cost 50. The front's ends are these two plans;
    # counting each year's row for the stage's 3 years (the bug) gave 90 t and 6 t.
    horizon = {"start_year": 2030, "discount_rate": 0.0, "resolution": resolution,
               "stages": [{"name": "s1", "years": 3}]}
    by_cost = solve_exact(two_ways(horizon=horizon))
    by_launch = solve_exact(two_ways(horizon=horizon, objective="launch_mass"))
    assert (by_cost.objective, _ground_tonnes(by_cost)) == (approx(30.0), approx(30.0))
    assert (by_launch.objective, by_launch.cost_total()) == (approx(2.0), approx(50.0))
    assert len(by_cost.steps) == (3 if resolution == "year" else 1)
    front = trace(two_ways(horizon=horizon), points=3, options=SolveOptions(gap=0.0))
    ends = [(p.cost, p.launch_mass) for p in (front.points[0], front.points[-1])]
    assert ends == [(approx(by_launch.cost_total()), approx(by_launch.objective)),
                    (approx(by_cost.objective), approx(_ground_tonnes(by_cost)))]
    assert len(front.points) == 2
