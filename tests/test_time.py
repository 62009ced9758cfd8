"""Time inside the plan (solvers.md, "Steps" to "End-of-horizon value"): one hand-solved instance per
rule, with the arithmetic in comments, and the property that the two grains agree when no rule
that depends on time applies.

Unless an instance says otherwise: no discounting, commodity x, nodes a and b (netopt.testing).
"""

import random

import pytest

from netopt.status import Status
from netopt.testing import instance, solve_exact

REL = 1e-9


def approx(x):
    return pytest.approx(x, rel=REL, abs=1e-9)


def horizon(*stages, resolution="stage", rho=0.0, **extra):
    """Stages (name, years) from 2030."""
    return {"start_year": 2030, "discount_rate": rho, "resolution": resolution,
            "stages": [{"name": n, "years": y} for n, y in stages], **extra}


def check_costs(sol):
    assert sol.status is Status.optimal
    assert sol.cost_total() == approx(sol.objective)


# --- transit -----------------------------------------------------------------------------------
def transit_case(resolution, stages):
    return instance(
        horizon=horizon(*stages, resolution=resolution),
        routes=[{"name": "ab", "from": "a", "to": "b", "transit_years": 0.25}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 3}])


def test_transit_splits_arrivals_across_two_steps():
    # Years 2030 and 2031, transit 0.25 yr, x bought at a for 1/t, 3 t/yr needed at b each year.
    # Departures of 2030 arrive over [2030.25, 2031.25): 0.75 of them in 2030, 0.25 in 2031;
    # those of 2031: 0.75 in 2031, 0.25 after the horizon (lost, still bought).
    #   2030: 0.75 f30 >= 3             -> f30 = 4 (and 1 t/yr of it arrives in 2031)
    #   2031: 0.25 f30 + 0.75 f31 >= 3  -> f31 = (3 - 1) / 0.75 = 8/3
    # Cost 4 + 8/3. The same with two 1-year stages at stage grain (the steps are the same).
    for res, stages in (("year", [("s1", 2)]), ("stage", [("s1", 1), ("s2", 1)])):
        sol = solve_exact(transit_case(res, stages))
        assert sol.objective == approx(4 + 8 / 3), res
        assert [(f["year"], f["rate"]) for f in sol.flows] == [(2030, approx(4)),
                                                                (2031, approx(8 / 3))]
        assert [(a["year"], a["rate"]) for a in sol.arrivals] == [(2030, approx(3)),
                                                                   (2031, approx(1 + 2))]
        check_costs(sol)


def test_transit_inside_one_long_step():
    # One 2-year stage at stage grain: departures over [2030, 2032) arrive over
    # [2030.25, 2032.25), 1.75 of 2 years inside the step: w = 0.875.
    # 0.875 f >= 3 -> f = 24/7 t/yr for 2 years: cost 48/7.
    sol = solve_exact(transit_case("stage", [("s1", 2)]))
    assert sol.objective == approx(2 * 3 / 0.875)


# --- windows and stockpiles --------------------------------------------------------------------
def test_window_with_a_stockpile_between_windows():
    # Years 2030-2033; route a->b departs only at windows 2030.5 and 2032.5 (every 2 years),
    # takes 0.25 yr (arrives 2030.75, 2032.75: same year), carries at most 15 t per window.
    # b needs 10 t/yr; x costs 1/t at a, 100/t at b. A tank at b (capex 5, 50 t) can hold x.
    #   2030: f30 - s30 >= 10, f30 <= 15   2031: s30 - s31 + buy31 >= 10
    #   2032: f32 + s31 - s32 >= 10        2033: s32 + buy33 >= 10
    # Best: f30 = f32 = 15, keep 5 t each time, buy 5 at b in 2031 and 2033:
    #   30 x 1 + 10 x 100 + 5 = 1035 (without the tank: 20 + 2 x 10 x 100 = 2020).
    inst = instance(
        horizon=horizon(("s1", 4), resolution="year"),
        facilities=[{"name": "tank", "node": "b", "capacity": 1, "capex": 5, "storage": 50}],
        routes=[{"name": "ab", "from": "a", "to": "b", "capacity": 15, "transit_years": 0.25,
                 "windows": {"every_years": 2, "first": 2030.5}}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0},
                  {"node": "b", "commodity": "x", "price_per_t": 100.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])
    sol = solve_exact(inst)
    assert sol.objective == approx(1035)
    assert sol.build_units("tank") == {"s1": 1}
    assert [(f["year"], f["rate"]) for f in sol.flows] == [(2030, approx(15)), (2032, approx(15))]
    assert [(x["year"], x["tonnes"]) for x in sol.stocks] == [(2030, approx(5)), (2032, approx(5))]
    check_costs(sol)
    # the report's "over time" tables: the stock held at the end of 2030 and 2032, and the two
    # departures of 15 t (one per window)
    from netopt.report.document import time_tables

    (_, _, stock), (_, _, windows) = time_tables(sol)
    assert stock == [["b", "x", "2030, 2032", "5 t", "2030"]]
    assert windows == [["ab", "a → b", "2", "0.25", "2030: 15 t, 2032: 15 t"]]


def test_window_capacity_is_per_window():
    # One 4-year stage at stage grain, windows at 2030.5 and 2032.5: two windows of 15 t in the
    # step, so at most 30 t over 4 years = 7.5 t/yr; b needs 10 t/yr: 2.5 t/yr bought at b.
    # Cost 4 x (7.5 x 1 + 2.5 x 100) = 1030.
    inst = instance(
        horizon=horizon(("s1", 4)),
        routes=[{"name": "ab", "from": "a", "to": "b", "capacity": 15,
                 "windows": {"every_years": 2, "first": 2030.5}}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0},
                  {"node": "b", "commodity": "x", "price_per_t": 100.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])
    assert solve_exact(inst).objective == approx(4 * (7.5 + 250))


def test_boil_off_at_both_grains():
    # x boils off 10 %/yr in storage. Stage s1 (2030, 1 yr) sells x at b for 1/t (s1 only),
    # s2 (2031-2032) needs 10 t/yr at b and x costs 10/t there. A free 100 t tank at b.
    # Year grain: stock kept over a year is 0.9 of itself.
    #   2032: 0.9 s31 >= 10 -> s31 = 10/0.9;  2031: 0.9 s30 - s31 >= 10 -> s30 = (10 + 10/0.9)/0.9
    #   bought in 2030: 10/0.9 + 10/0.81 = 23.4568 < 2 x 10 x 10 at b.
    # Stage grain: s2 is one 2-year step keeping 0.9^2 = 0.81 of the stock;
    #   (0.81 s1 - s2) / 2 >= 10 -> s1 = 20/0.81 = 24.6914.
    def case(res):
        return instance(
            horizon=horizon(("s1", 1), ("s2", 2), resolution=res),
            commodities=[{"name": "x", "boil_off_per_year": 0.1}],
            facilities=[{"name": "tank", "node": "b", "capacity": 1, "storage": 100}],
            supplies=[{"node": "b", "commodity": "x", "price_per_t": 1.0,
                       "max_per_year": {"s1": 1000}},
                      {"node": "b", "commodity": "x", "price_per_t": 10.0}],
            demands=[{"node": "b", "commodity": "x", "amount": {"s2": 10}}])
    year = solve_exact(case("year"))
    assert year.objective == approx(10 / 0.9 + 10 / 0.81)
    assert year.stock("tank", "x", 2031) == approx(10 / 0.9)
    assert solve_exact(case("stage")).objective == approx(20 / 0.81)


def test_initial_stock_is_used_first_and_carried_by_storage():
    # b holds 25 t of x at the start; 10 t/yr needed in 2030-2032; x costs 2/t at b.
    # Without storage only the first year can use it: buy 2 x 10 = 40.
    # With a free tank (30 t): 25 t cover 2030 and 15 t of 2031: buy 5 -> 10.
    def case(storage):
        return instance(
            horizon=horizon(("s1", 3), resolution="year"),
            nodes=[{"name": "a"}, {"name": "b", "initial_stock": {"x": 25}}],
            facilities=[{"name": "tank", "node": "b", "capacity": 1, "storage": 30}] if storage else [],
            supplies=[{"node": "b", "commodity": "x", "price_per_t": 2.0}],
            demands=[{"node": "b", "commodity": "x", "amount": 10}])
    assert solve_exact(case(False)).objective == approx(40)
    assert solve_exact(case(True)).objective == approx(10)


# --- exact lifetimes and commissioning ---------------------------------------------------------
def test_exact_lifetime_at_both_grains():
    # One 10-year stage from 2030. A mine (capex 100, opex 1/yr, 5 t/yr, lifetime 6 years) or x
    # at b for 4/t; b needs 5 t/yr. The mine exists and works 2030-2035 only (no rounding to the
    # stage end), so 4 years x 5 t are bought: 100 + 6 x 1 + 4 x 5 x 4 = 186 (buying all:
    # 10 x 5 x 4 = 200). Stage grain: operating share 6/10: mine 3 t/yr, buy 2 t/yr for 10 years
    # (80); opex for the 6 years it exists (6): the same 186. (The old rule ran it all stage:
    # 100 + 10 = 110.)
    for res in ("stage", "year"):
        sol = solve_exact(instance(
            horizon=horizon(("s1", 10), resolution=res),
            facilities=[{"name": "mine", "node": "b", "capacity": 5, "capex": 100, "opex": 1,
                         "lifetime_years": 6, "produces": {"x": 1.0}}],
            supplies=[{"node": "b", "commodity": "x", "price_per_t": 4.0}],
            demands=[{"node": "b", "commodity": "x", "amount": 5}]))
        assert sol.objective == approx(186), res
        check_costs(sol)
    stage = solve_exact(instance(
        horizon=horizon(("s1", 10)),
        facilities=[{"name": "mine", "node": "b", "capacity": 5, "capex": 100, "opex": 1,
                     "lifetime_years": 6, "produces": {"x": 1.0}}],
        supplies=[{"node": "b", "commodity": "x", "price_per_t": 4.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 5}]))
    assert stage.online == [{"name": "mine", "type": "facility", "stage": "s1", "year": 2030,
                             "units": 1, "operating": approx(0.6), "capacity": approx(3.0)}]


def bootstrap(commissioning, resolution="year", stages=(("s1", 2),)):
    """Fuel at b from a plant at b whose 10 t of hardware fly a->b burning 1 t of fuel per t,
    fuel drawn at a; fuel can go b->a for free; fuel at a costs 5/t; b needs 20 t/yr."""
    return instance(
        horizon=horizon(*stages, resolution=resolution),
        commodities=[{"name": "fuel"}, {"name": "hw"}],
        hardware_commodity="hw",
        facilities=[{"name": "plant", "node": "b", "capacity": 100, "capex": 10, "mass": 10,
                     "commissioning_years": commissioning, "produces": {"fuel": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "propellant_per_t": {"fuel": 1.0}},
                {"name": "ba", "from": "b", "to": "a", "commodities": ["fuel"]}],
        supplies=[{"node": "a", "commodity": "hw"},
                  {"node": "a", "commodity": "fuel", "price_per_t": 5.0}],
        demands=[{"node": "b", "commodity": "fuel", "amount": 20}])


def test_commissioning_forbids_the_bootstrap():
    # Years 2030, 2031. Without commissioning the plant makes in 2030 the 10 t of fuel that fly
    # its own hardware out (shipped b->a): cost = capex 10.
    # With commissioning_years 1 it makes nothing in 2030: 2030's 20 t and the hardware flight
    # come from a: fly 20 fuel (burning 20) + 10 hw (burning 10) = 50 t of fuel at 5 = 250,
    # + capex 10 = 260 (without the plant: 2 x 40 x 5 = 400).
    assert solve_exact(bootstrap(0)).objective == approx(10)
    sol = solve_exact(bootstrap(1))
    assert sol.objective == approx(260)
    assert [a["year"] for a in sol.activities] == [2031]
    check_costs(sol)


def test_commissioning_at_stage_grain_is_a_share():
    # One 2-year step: commissioning 1 year leaves an operating share of 1/2: 50 t/yr, enough
    # for 20 t/yr plus the hardware flight's 5 t/yr of fuel (10 t over 2 years). Stage grain
    # cannot see the order within the step: cost = capex 10. Year grain is what forbids it.
    assert solve_exact(bootstrap(1, "stage")).objective == approx(10)


def test_hardware_is_needed_in_the_first_step_of_life():
    # Two 2-year stages at year grain; the plant (built in s1, no commissioning) needs its 10 t
    # in 2030 only; at stage grain over s1's two years (5 t/yr). Either way 10 t of hw fly.
    sol = solve_exact(bootstrap(0))
    assert [(f["route"], f["commodity"], f["year"], f["rate"]) for f in sol.flows
            if f["commodity"] == "hw"] == [("ab", "hw", 2030, approx(10))]
    stage = solve_exact(bootstrap(0, "stage", (("s1", 2), ("s2", 2))))
    assert stage.flow("ab", "hw", "s1") == approx(5)


# --- end-of-horizon value ----------------------------------------------------------------------
def end_value_case(kind, rho, budget=None):
    # One 10-year stage from 2030; mine capex 100, lifetime 25 years, 1 t/yr needed at b, or x
    # at b for 20/t (10 years of it: 200 undiscounted, 162.2 at 5 %: more than the mine).
    return instance(
        horizon=horizon(("s1", 10), rho=rho, end_value=kind),
        facilities=[{"name": "mine", "node": "b", "capacity": 5, "capex": 100,
                     "lifetime_years": 25, "produces": {"x": 1.0}}],
        supplies=[{"node": "b", "commodity": "x", "price_per_t": 20.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 1}],
        **({"budgets": {"s1": budget}} if budget is not None else {}))


def test_linear_end_value():
    # Built 2030, exists to 2055; the horizon ends 2040: 15 of 25 years left, credited
    # 100 x 15/25 = 60 at 2040, discounted by 1.05^-10: 100 - 60 x 1.05^-10 = 63.165.
    sol = solve_exact(end_value_case("linear", 0.05))
    assert sol.objective == approx(100 - 60 * 1.05**-10)
    credit = [c for c in sol.costs if c["category"] == "end_value"]
    assert credit == [{"category": "end_value", "stage": "s1", "year": 2030,
                       "amount": approx(-60), "discounted": approx(-60 * 1.05**-10)}]
    check_costs(sol)
    assert solve_exact(end_value_case("none", 0.05)).objective == approx(100)


def test_annuity_end_value():
    # P = 100 x 0.05 / (1 - 1.05^-25) per year for the 10 years inside the horizon, each
    # discounted to its start: P x sum_{y<10} 1.05^-y. At rho = 0: 100/25 x 10 = 40, the same
    # as the linear credit (100 - 60).
    pay = 100 * 0.05 / (1 - 1.05**-25)
    sol = solve_exact(end_value_case("annuity", 0.05))
    assert sol.objective == approx(pay * sum(1.05**-y for y in range(10)))
    assert {c["category"] for c in sol.costs} == {"annuity"}
    check_costs(sol)
    assert solve_exact(end_value_case("annuity", 0.0)).objective == approx(40)
    assert solve_exact(end_value_case("linear", 0.0)).objective == approx(40)


def test_budget_still_limits_the_capex_spent_with_an_annuity():
    # Budget 50 < capex 100: the mine cannot be built whatever the payments (40 in all); buy
    # 1 t/yr at 20 for 10 years = 200.
    assert solve_exact(end_value_case("annuity", 0.0, budget=50)).objective == approx(200)


# --- the two grains agree without time rules ---------------------------------------------------
def generated(seed: int, resolution: str):
    """A small random instance without transit, windows, storage, commissioning or hardware,
    whose lifetimes end on stage boundaries whatever the build stage (three 3-year stages from
    2030, lifetimes 3 or 6 years)."""
    rnd = random.Random(seed)
    stages = [("s1", 3), ("s2", 3), ("s3", 3)]
    ends = [3, 6]
    nodes = [{"name": f"n{i}"} for i in range(4)]
    facilities = [{"name": f"f{i}", "node": f"n{rnd.randrange(4)}", "capacity": rnd.randint(3, 12),
                   "capex": rnd.randint(10, 60), "opex": rnd.randint(0, 4),
                   "max_units": rnd.randint(1, 2), "variable_cost": rnd.random(),
                   "produces": {"x": 1.0},
                   **({"lifetime_years": ends[rnd.randrange(2)]} if rnd.random() < 0.6 else {}),
                   **({"available_from": "s2"} if rnd.random() < 0.3 else {})}
                  for i in range(4)]
    routes = [{"name": f"r{i}{j}", "from": f"n{i}", "to": f"n{j}",
               "cost_per_t": {"s1": rnd.randint(1, 5), "s2": rnd.randint(1, 5),
                              "s3": rnd.randint(1, 5)},
               **({"capacity": rnd.randint(2, 8)} if rnd.random() < 0.5 else {})}
              for i in range(4) for j in range(4) if i != j and rnd.random() < 0.6]
    demands = [{"node": f"n{i}", "commodity": "x",
                "amount": {"s1": rnd.randint(0, 6), "s2": rnd.randint(0, 8), "s3": rnd.randint(2, 9)},
                "shortfall_penalty_per_t": 40} for i in range(4) if rnd.random() < 0.7]
    demands.append({"kind": "market", "node": "n0", "commodity": "x", "amount": 3,
                    "price_per_t": rnd.randint(5, 20)})
    return instance(
        horizon=horizon(*stages, resolution=resolution, rho=0.04),
        nodes=nodes, facilities=facilities, routes=routes,
        supplies=[{"node": "n1", "commodity": "x", "price_per_t": 25, "max_per_year": 4}],
        demands=demands, budgets={"s1": 80})


@pytest.mark.parametrize("seed", range(6))
def test_stage_and_year_grain_have_the_same_optimum(seed):
    # Given the builds, each year of a stage is the same LP as the stage's single step, and
    # sum_{years of t} A_s = A_t: the optima are equal.
    stage = solve_exact(generated(seed, "stage"))
    year = solve_exact(generated(seed, "year"))
    assert stage.status is Status.optimal and year.status is Status.optimal
    assert year.objective == pytest.approx(stage.objective, rel=1e-7, abs=1e-6)
    assert len(year.steps) == 9 and len(stage.steps) == 3


def test_by_stage_view_of_a_year_plan():
    # The exact-lifetime case at year grain: the mine makes 5 t/yr in 2030-2035 and nothing in
    # 2036-2039: over the 10-year stage that is a mean of 3 t/yr; one unit exists, operating
    # 6/10 of the stage (capacity 3 t/yr); x is bought at 5 t/yr for 4 years: 2 t/yr.
    sol = solve_exact(instance(
        horizon=horizon(("s1", 10), resolution="year"),
        facilities=[{"name": "mine", "node": "b", "capacity": 5, "capex": 100, "opex": 1,
                     "lifetime_years": 6, "produces": {"x": 1.0}}],
        supplies=[{"node": "b", "commodity": "x", "price_per_t": 4.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 5}]))
    assert len(sol.activities) == 6 and len(sol.supplies) == 4
    view = sol.by_stage()
    assert view.activities == [{"facility": "mine", "node": "b", "stage": "s1", "year": 2030,
                                "rate": approx(3.0)}]
    assert [s["rate"] for s in view.supplies] == [approx(2.0)]
    assert view.online == [{"name": "mine", "type": "facility", "stage": "s1", "year": 2030,
                            "units": 1, "operating": approx(0.6), "capacity": approx(3.0)}]
    assert {c["category"]: c["amount"] for c in view.costs} == {
        "capex": approx(100), "opex": approx(6), "supply": approx(80)}
    assert view.cost_total() == approx(sol.objective)
    assert sol.by_stage().by_stage() == view


def test_no_plant_produces_before_its_hardware_can_have_arrived():
    # The bootstrap case with a 0.5-year trip a->b: the plant built at the start of 2030 gets its
    # hardware during 2030 (it must leave a by mid-2030). With one year of commissioning it
    # first produces in 2031, when the 10 t are there: no violation. Without commissioning it
    # produces in 2030, the year its hardware is still arriving: the check says so.
    from netopt.testing import hardware_arrival_problems

    def case(commissioning):
        data = bootstrap(commissioning, stages=(("s1", 3),)).model_dump(by_alias=True)
        data["routes"][0]["transit_years"] = 0.5
        data["supplies"][1]["price_per_t"] = 50.0  # so that the plant is worth waiting for
        return instance(**{k: v for k, v in data.items() if k != "name"})
    late = case(1)
    sol = solve_exact(late)
    # (2031's fuel may come from the 2030 flight: half of what departs in 2030 arrives in 2031)
    assert sol.build_units("plant") == {"s1": 1} and min(a["year"] for a in sol.activities) >= 2031
    assert hardware_arrival_problems(late, sol) == []
    early = case(0)
    sol = solve_exact(early)
    assert min(a["year"] for a in sol.activities) == 2030
    assert hardware_arrival_problems(early, sol) == [
        "plant produces in 2030 but no unit of it was built before 2030"]


def test_hardware_made_at_a_node_waits_there_for_a_later_build():
    # Stages s1 (2030) and s2 (2031), no discounting. A factory f at b makes 5 t/yr of hardware
    # (capex 10, lifetime 1 year: online in 2030 only); a plant m at b (capex 100, 5 t of
    # hardware, 10 t/yr of x) can only be built in s2, where 10 t/yr of x are required. Nothing
    # else brings hardware to b: the 5 t made in 2030 wait at b through the end of s1
    # (hardware_stock[b,s1] = 5) for the build of 2031: 10 + 100 = 110. Without the wait the
    # plant could never be built and the demand never met.
    from netopt.testing import instance, solve_exact

    inst = instance(
        horizon={"start_year": 2030, "discount_rate": 0.0,
                 "stages": [{"name": "s1", "years": 1}, {"name": "s2", "years": 1}]},
        commodities=[{"name": "x"}, {"name": "hw"}], hardware_commodity="hw",
        facilities=[{"name": "f", "node": "b", "capacity": 5, "capex": 10, "lifetime_years": 1,
                     "produces": {"hw": 1.0}, "available_until": "s1"},
                    {"name": "m", "node": "b", "capacity": 10, "capex": 100, "mass": 5,
                     "produces": {"x": 1.0}, "available_from": "s2"}],
        demands=[{"node": "b", "commodity": "x", "amount": {"s2": 10}}])
    sol = solve_exact(inst)
    assert sol.status.value == "optimal"
    assert sol.objective == pytest.approx(110.0)
    assert sol.build_units("f") == {"s1": 1} and sol.build_units("m") == {"s2": 1}
    assert [(x["node"], x["stage"], x["tonnes"]) for x in sol.stocks] == [
        ("b", "s1", pytest.approx(5.0))]


def test_hardware_waits_where_it_arrives_for_its_build():
    # Stages s1 (2030) and s2 (2031); a plant m at b (10 t/yr of x, capex 100, 5 t of hardware)
    # can only be built in s2; the only window a -> b is in 2030. The 5 t of hardware bought at a
    # (2 per t) fly in 2030 and wait at b through the end of s1 (hardware_stock[b,s1] = 5) for
    # the build of 2031: 100 + 5 x 2 = 110. Without the wait no hardware reaches b in 2031 and
    # the 10 t/yr of x wanted there in s2 could not be made.
    from netopt.testing import instance, solve_exact

    inst = instance(
        horizon={"start_year": 2030, "discount_rate": 0.0,
                 "stages": [{"name": "s1", "years": 1}, {"name": "s2", "years": 1}]},
        commodities=[{"name": "x"}, {"name": "hw"}], hardware_commodity="hw",
        facilities=[{"name": "m", "node": "b", "capacity": 10, "capex": 100, "mass": 5,
                     "produces": {"x": 1.0}, "available_from": "s2"}],
        routes=[{"name": "ab", "from": "a", "to": "b", "commodities": ["hw"],
                 "windows": {"every_years": 10, "first": 2030}}],
        supplies=[{"node": "a", "commodity": "hw", "price_per_t": 2.0}],
        demands=[{"node": "b", "commodity": "x", "amount": {"s2": 10}}])
    sol = solve_exact(inst)
    assert sol.objective == pytest.approx(110.0)
    assert sol.build_units("m") == {"s2": 1}
    assert sol.stocks == [{"facility": None, "node": "b", "commodity": "hw", "stage": "s1",
                           "year": 2030, "tonnes": pytest.approx(5.0)}]
