"""Steps of any length and a grain that differs by stage (solvers.md, "Steps"): each time rule at
day grain and at mixed grain, solved by hand (arithmetic in the comments), and the validation of
the step format. Unless an instance says otherwise: commodity x, nodes a and b (netopt.testing).

d below is one day in years, 1/365.25.
"""

import math
import subprocess
import sys
import textwrap

import pytest

from netopt.errors import InputError
from netopt.params import prepare
from netopt.status import Status
from netopt.testing import instance, solve_exact

D = 1 / 365.25


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-9)


def stages(*items, rho=0.0, resolution="stage"):
    return {"start_year": 2030, "discount_rate": rho, "resolution": resolution,
            "stages": list(items)}


def steps_of(inst):
    return [(s.name, s.stage, s.start_year, s.years) for s in prepare(inst).steps]


# --- steps and their names ---------------------------------------------------------------------
def test_explicit_steps_tile_the_stage_and_the_rest_is_one_step():
    # m1 (1 year): 3 days "out", 3 days unnamed (m1.2), the rest 359.25 days (m1.3); s2 (2
    # years) at year grain under a stage-grain horizon: 2031, 2032; s3 one step of 3 years.
    inst = instance(horizon=stages(
        {"name": "m1", "years": 1, "steps": [{"days": 3, "name": "out"}, {"days": 3}]},
        {"name": "s2", "years": 2, "resolution": "year"}, {"name": "s3", "years": 3}))
    got = steps_of(inst)
    assert [(n, st) for n, st, _, _ in got] == [
        ("out", "m1"), ("m1.2", "m1"), ("m1.3", "m1"), ("2031", "s2"), ("2032", "s2"),
        ("s3", "s3")]
    assert [a for _, _, a, _ in got] == [2030, approx(2030 + 3 * D), approx(2030 + 6 * D), 2031,
                                         2032, 2033]
    assert [y for _, _, _, y in got] == [approx(3 * D), approx(3 * D), approx(359.25 * D), 1, 1,
                                         3]
    assert got[2][3] * 365.25 == approx(359.25)


def test_steps_that_fill_the_stage_leave_no_rest():
    # two half years fill a 1-year stage: no third step
    inst = instance(horizon=stages({"name": "m1", "years": 1,
                                    "steps": [{"years": 0.5}, {"days": 182.625}]}))
    assert [(n, a, y) for n, _, a, y in steps_of(inst)] == [("m1.1", 2030, 0.5),
                                                           ("m1.2", 2030.5, 0.5)]


def test_stage_and_year_grain_keep_their_step_names_and_figures():
    # today's names and factors exactly: stage grain `m1`, year grain `2031`
    inst = instance(horizon=stages({"name": "m1", "years": 2}, rho=0.1))
    assert steps_of(inst) == [("m1", "m1", 2030, 2)]
    assert prepare(inst).steps[0].annual_factor == 1 + 1 / 1.1
    inst = instance(horizon=stages({"name": "m1", "years": 2}, rho=0.1, resolution="year"))
    assert steps_of(inst) == [("2030", "m1", 2030, 1), ("2031", "m1", 2031, 1)]
    assert [s.annual_factor for s in prepare(inst).steps] == [1.0, 1 / 1.1]


# --- discounting -------------------------------------------------------------------------------
def test_discount_factors_at_day_and_mixed_grain():
    # rho = 0.1 from 2030. m1 (2 years): half a year, one year, the rest (half a year):
    #   m1.1 [2030, 2030.5): A = 0.5
    #   m1.2 [2030.5, 2031.5): A = 0.5 + 0.5/1.1 (each calendar year's part at its own factor)
    #   m1.3 [2031.5, 2032): A = 0.5/1.1            -> sum 1 + 1/1.1 = A of the stage
    # s2 (2 years) at year grain: 2032: 1/1.21, 2033: 1/1.331; s3: 3 days in 2034: 3d/1.4641.
    # A demand of 1 t/yr at a, bought at 1/t there, costs sum A_s over the steps.
    inst = instance(
        horizon=stages({"name": "m1", "years": 2, "steps": [{"years": 0.5}, {"years": 1}]},
                       {"name": "s2", "years": 2, "resolution": "year"},
                       {"name": "s3", "years": 1, "steps": [{"days": 3}]}, rho=0.1),
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
        demands=[{"node": "a", "commodity": "x", "amount": 1}])
    factors = [s.annual_factor for s in prepare(inst).steps]
    want = [0.5, 0.5 + 0.5 / 1.1, 0.5 / 1.1, 1 / 1.21, 1 / 1.331, 3 * D / 1.4641,
            (1 - 3 * D) / 1.4641]
    assert factors == [approx(x) for x in want]
    sol = solve_exact(inst)
    assert sol.objective == approx(sum(want))
    assert sol.cost_total() == approx(sol.objective)


# --- unit shares -------------------------------------------------------------------------------
def test_lifetime_and_commissioning_inside_day_steps():
    # A plant at a built in m1 (2030): commissioning 0.25 yr, lifetime 1 yr: operates
    # [2030.25, 2031). Steps: [2030, 2030.25), [2030.25, 2030.75), [2030.75, 2032):
    # f = 0, 1, 0.25/1.25 = 0.2. It makes 10 t/yr; a needs 4 t/yr, a shortfall costs 100/t.
    #   step 1: 4 t/yr x 0.25 yr short = 1 t -> 100
    #   step 2: made, free
    #   step 3: capacity 10 x 0.2 = 2 t/yr, short 2 t/yr x 1.25 yr = 2.5 t -> 250
    # capex 1: objective 351.
    inst = instance(
        horizon=stages({"name": "m1", "years": 2,
                        "steps": [{"days": 91.3125}, {"years": 0.5}]}),
        facilities=[{"name": "plant", "node": "a", "capacity": 10, "capex": 1, "max_units": 1,
                     "lifetime_years": 1, "commissioning_years": 0.25, "produces": {"x": 1}}],
        demands=[{"node": "a", "commodity": "x", "amount": 4, "shortfall_penalty_per_t": 100}])
    p = prepare(inst)
    assert [p.op_share.get(("plant", s.name)) for s in p.steps] == [
        None, [("m1", 1.0)], [("m1", approx(0.2))]]
    assert [p.exist_share[("plant", s.name)] for s in p.steps] == [
        [("m1", 1.0)], [("m1", 1.0)], [("m1", approx(0.2))]]
    sol = solve_exact(inst)
    assert sol.objective == approx(351)


# --- transit and windows -----------------------------------------------------------------------
def test_transit_across_day_steps():
    # m1 (1 year): steps s1 [0, 3d), s2 [3d, 6d), rest [6d, 365.25d); route a->b takes 2 days;
    # x costs 1/t at a; b needs 3 t/yr throughout (hard).
    #   w[s1,s1] = 1/3 (departures over [0,3d) arrive over [2d,5d)), w[s1,s2] = 2/3.
    #   s1: f1/3 >= 3 -> f1 = 9 t/yr: 27d t bought; 18d t arrive in s2, which needs 9d.
    #   s2 is covered; its own departures would arrive 1/3 in s2, 2/3 in the rest: no use.
    #   rest (359.25d): its departures arrive over [8d, 367.25d): 357.25d inside the horizon;
    #   it needs 3 x 359.25d t: f3 x 357.25d = 1077.75d -> bought f3 x 359.25d.
    # Objective d (27 + 1077.75 x 359.25 / 357.25); the second step buys nothing.
    inst = instance(
        horizon=stages({"name": "m1", "years": 1, "steps": [{"days": 3}, {"days": 3}]}),
        routes=[{"name": "ab", "from": "a", "to": "b", "transit_days": 2}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 3}])
    p = prepare(inst)
    assert p.arrive[("ab", "m1.1")] == [("m1.1", approx(1 / 3)), ("m1.2", approx(2 / 3))]
    sol = solve_exact(inst)
    assert sol.objective == approx(D * (27 + 1077.75 * 359.25 / 357.25))
    assert [(f["year"], f["rate"]) for f in sol.flows] == [
        (2030, approx(9)), (approx(2030 + 6 * D), approx(1077.75 / 357.25))]


def test_windows_in_days():
    # Windows every 10 days from day 1 of 2030; m1's steps: [0, 3d) holds day 1, [3d, 6d) none
    # (no flow there), the rest [6d, 365.25d) days 11, 21, ..., 361: 36. At most 5 t a window;
    # x costs 1 at a and sells for 10 at b: 37 windows x 5 t x 9 = 1665 earned.
    def case(windows):
        return instance(
            horizon=stages({"name": "m1", "years": 1, "steps": [{"days": 3}, {"days": 3}]}),
            routes=[{"name": "ab", "from": "a", "to": "b", "capacity": 5, "windows": windows}],
            supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
            demands=[{"node": "b", "commodity": "x", "kind": "market", "amount": 1e6,
                      "price_per_t": 10.0}])

    inst = case({"every_days": 10, "first_day": 1})
    p = prepare(inst)
    assert p.n_windows == {("ab", "m1.1"): 1, ("ab", "m1.3"): 36}
    assert p.route_stages["ab"] == ["m1.1", "m1.3"]
    sol = solve_exact(inst)
    assert sol.objective == approx(-1665)
    # the same windows as a fractional first year and a period in years
    same = solve_exact(case({"every_years": 10 * D, "first": 2030 + D}))
    assert same.objective == approx(-1665)


# --- stock, hardware, vehicles -----------------------------------------------------------------
def test_boil_off_over_a_three_day_step():
    # 100 t of x held at b at the start, boil-off 90 % a year: over the first step (3 days) it
    # keeps 0.1^(3/365.25) = exp(-2.302585 x 0.0082136) = 0.98127; sold at b for 1/t in that step: 98.1267 earned.
    inst = instance(
        horizon=stages({"name": "m1", "years": 1, "steps": [{"days": 3, "name": "d1"}]}),
        commodities=[{"name": "x", "boil_off_per_year": 0.9}],
        nodes=[{"name": "a"}, {"name": "b", "initial_stock": {"x": 100}}],
        demands=[{"node": "b", "commodity": "x", "kind": "market", "amount": 1e6,
                  "price_per_t": 1.0}])
    assert prepare(inst).keep("x", "d1") == approx(0.1 ** (3 * D))
    sol = solve_exact(inst)
    assert sol.objective == approx(-100 * 0.1 ** (3 * D))


def test_hardware_in_a_three_day_first_step():
    # A plant of 6 t built in m1, whose first step is 3 days: its hardware is needed within
    # them, as a rate 6 t / 3d = 730.5 t/yr of hw at a (solvers.md, "Hardware"), bought at 1/t.
    # It then makes x, which nobody needs; capex 0: objective 6.
    inst = instance(
        horizon=stages({"name": "m1", "years": 1, "steps": [{"days": 3}]},
                       {"name": "m2", "years": 1}),
        commodities=[{"name": "x"}, {"name": "hw"}], hardware_commodity="hw",
        facilities=[{"name": "plant", "node": "a", "capacity": 1, "capex": 0, "mass": 6,
                     "max_units": 1, "produces": {"x": 1}, "available_until": "m1"}],
        supplies=[{"node": "a", "commodity": "hw", "price_per_t": 1.0},
                  {"node": "a", "commodity": "x", "price_per_t": 1000.0}],
        demands=[{"node": "a", "commodity": "x", "amount": 1}])
    sol = solve_exact(inst)
    hw = [(s["year"], s["rate"]) for s in sol.supplies if s["commodity"] == "hw"]
    assert hw == [(2030, approx(6 / (3 * D)))] and 6 / (3 * D) == approx(730.5)
    assert sol.objective == approx(6)


def test_integer_trips_count_whole_trips_in_a_short_step():
    # An expendable vehicle (payload 10 t, integer trips, capex 1 a trip, fuel 1/t, R - 1 = 1,
    # dry 4 t, its hardware free) brings b 36.525 t/yr of x over m1: 0.3 t in the first 3 days,
    # 36.225 t in the other 362.25.
    #   first step: one whole trip (0.3 t): 1 + fuel (4 + 0.3) = 5.3
    #   the rest: 4 trips (36.225 / 10 -> 4): 4 + fuel (4 x 4 + 36.225) = 56.225
    # Objective 61.525. A rate per year rounded to integers would let the first step fly
    # 4/yr x 3d = 0.033 trips: 4 trips in all, 4 + fuel (16 + 36.525) = 56.525.
    inst = instance(
        horizon=stages({"name": "m1", "years": 1, "steps": [{"days": 3}]}),
        commodities=[{"name": "x"}, {"name": "fuel"}, {"name": "hw"}], hardware_commodity="hw",
        propulsion=[{"name": "chem", "isp_s": 450.0, "propellant": {"fuel": 1.0}}],
        vehicles=[{"name": "v", "propulsion": "chem", "dry_mass": 4, "payload": 10, "tank": 100,
                   "reusable": False, "integer_trips": True, "capex": 1}],
        routes=[{"name": "ab", "from": "a", "to": "b", "vehicle": "v", "commodities": ["x"],
                 "delta_v_km_s": 450.0 * 9.80665 * math.log(2.0) / 1000.0}],
        supplies=[{"node": "a", "commodity": "x"}, {"node": "a", "commodity": "hw"},
                  {"node": "a", "commodity": "fuel", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 36.525}])
    sol = solve_exact(inst)
    assert sol.status is Status.optimal
    assert sol.objective == approx(61.525)
    assert [round(t["trips"] * s["years"], 9) for t, s in zip(sol.trips, sol.steps)] == [1, 4]


def test_fleet_use_of_a_trip_inside_a_three_day_step():
    # A reusable vehicle's trip holds it for transit 1 day + turnaround 2 days = 3 days from its
    # departure; departures spread over a 3-day step s: u[r,s,s] = (1/3d) x integral over
    # x in [0, 3d) of (3d - x) = 4.5 d^2 / 3d = 1.5 d; the rest spills into the next step:
    # u[r,s,next] = 4.5 d^2 / l_next.
    inst = instance(
        horizon=stages({"name": "m1", "years": 1, "steps": [{"days": 3}]}),
        commodities=[{"name": "x"}, {"name": "fuel"}],
        propulsion=[{"name": "chem", "isp_s": 450.0, "propellant": {"fuel": 1.0}}],
        vehicles=[{"name": "v", "propulsion": "chem", "dry_mass": 1, "payload": 10, "tank": 100,
                   "turnaround_days": 2, "base": "a", "max_units": 3, "mass": 0}],
        routes=[{"name": "ab", "from": "a", "to": "b", "vehicle": "v", "transit_days": 1,
                 "delta_v_km_s": 1.0},
                {"name": "ba", "from": "b", "to": "a", "vehicle": "v", "delta_v_km_s": 1.0}],
        supplies=[{"node": "a", "commodity": "x"},
                  {"node": "a", "commodity": "fuel", "price_per_t": 1.0},
                  {"node": "b", "commodity": "fuel", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 1}])
    p = prepare(inst)
    use = {(k, idx): u for k, idx, u in p.fleet_use[("v", "m1.1")] if idx == ("ab", "m1.1")}
    assert use == {("trips", ("ab", "m1.1")): approx(1.5 * D)}
    later = [u for k, idx, u in p.fleet_use[("v", "m1.2")] if idx == ("ab", "m1.1")]
    assert later == [approx(4.5 * D * D / (362.25 * D))]


# --- validation --------------------------------------------------------------------------------
def problems(**horizon_and_more):
    with pytest.raises(InputError) as e:
        instance(**horizon_and_more)
    return [str(p) for p in e.value.problems]


def test_steps_longer_than_their_stage_are_refused():
    # 200 + 200 days in a 1-year stage end 34.75 days after it
    assert problems(horizon=stages({"name": "m1", "years": 1,
                                    "steps": [{"days": 200}, {"days": 200}]})) == [
        "horizon.stages[0].steps[1].days: the steps of stage 'm1' (2030-2031) end "
        "34.75 days after it: steps must tile their stage (the rest of the stage is one more "
        "step)"]


def test_step_names_are_unique():
    # a step named after another stage's single step
    assert problems(horizon=stages({"name": "m1", "years": 1, "steps": [{"days": 3,
                                                                         "name": "m2"}]},
                                   {"name": "m2", "years": 1})) == [
        "horizon.stages[1].name: step name 'm2' is used twice (step names are unique across the "
        "horizon; stage and year grain name steps after their stage or start year)"]


def test_a_step_is_days_or_years_and_a_stage_steps_or_resolution():
    got = problems(horizon=stages({"name": "m1", "years": 1,
                                   "steps": [{"days": 3, "years": 1}]}))
    assert len(got) == 1 and "give a step's length as either days or years" in got[0]
    assert got[0].startswith("horizon.stages[0].steps[0]")
    got = problems(horizon=stages({"name": "m1", "years": 1, "resolution": "year",
                                   "steps": [{"days": 3}]}))
    assert len(got) == 1 and "give a stage either steps or a resolution, not both" in got[0]


def test_twenty_thousand_yearly_steps_are_refused_by_name():
    # 20 stages of 1,000 years at year grain: 20,000 steps, refused before any is built
    many = [{"name": f"s{i}", "years": 1000} for i in range(20)]
    assert problems(horizon={"start_year": 1900, "resolution": "year", "stages": many}) == [
        "horizon.resolution: 20,000 operating steps (1,000 in stage 's0'): more than the 2,000 "
        "netopt accepts; use longer steps or resolution: stage where the plan needs no detail"]
    # a stage's own year grain is named at the stage
    assert problems(horizon={"start_year": 1900, "stages": [
        {"name": "s0", "years": 1}, {"name": "s1", "years": 1000, "resolution": "year"},
        {"name": "s2", "years": 1000, "resolution": "year"},
        {"name": "s3", "years": 1000, "resolution": "year"}]})[0].startswith(
        "horizon.stages[1].resolution: 3,001 operating steps")


def test_too_many_windows_are_refused():
    # a window every 0.01 day over one year: 36,525 windows
    got = problems(
        routes=[{"name": "ab", "from": "a", "to": "b",
                 "windows": {"every_days": 0.01, "first_day": 0}}])
    assert got == ["routes[0].windows.every_days: a window every 0.01 days makes 36,525 launch "
                   "windows in the horizon (2030-2031), more than the 10,000 netopt accepts per "
                   "route: leave windows out for departures at any time"]


def test_a_window_needs_one_period_and_one_date():
    got = problems(routes=[{"name": "ab", "from": "a", "to": "b",
                            "windows": {"every_days": 10, "every_years": 1, "first": 2030}}])
    assert len(got) == 1 and "either every_years or every_days" in got[0]


def test_the_cli_names_file_and_line_of_a_step_that_does_not_fit(tmp_path):
    f = tmp_path / "m.yaml"
    f.write_text(textwrap.dedent("""\
        name: m
        horizon:
          start_year: 2030
          stages:
            - name: m1
              years: 1
              steps:
                - {days: 300}
                - {days: 100}
        commodities: [{name: x}]
        nodes: [{name: a}]
        """))
    r = subprocess.run([sys.executable, "-m", "netopt", "validate", str(f)], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 1
    assert (f"{f}:9:18: horizon.stages[0].steps[1].days: the steps of stage 'm1' (2030-2031) "
            f"end 34.75 days after it") in r.stdout + r.stderr


# --- per-stage values on a step ----------------------------------------------------------------
def test_a_demand_and_a_price_on_one_step():
    # m1 (1 year): out [0, 3d), surface [3d, 6d), the rest. b needs 2 t during the 3-day stay
    # only: amount {surface: 2 / 3d = 243.5 t/yr}. x costs 1/t at a but 5/t in the stay's own
    # step ({m1: 1, surface: 5}); the route takes 1 day, so cargo for the stay departs in
    # out (arrives over [1d, 4d): 2/3 in out, 1/3 in surface) or in surface (arrives over
    # [4d, 7d): 2/3 in it).
    #   Via out at 1/t: 3 t bought per t arriving in surface, 3 x 1 = 3 a t.
    #   Via surface at 5/t: 1.5 t per t, 1.5 x 5 = 7.5 a t.
    # So out: f x 1d = 2 t arrive in surface, f = 2/d t/yr, 6 t bought: objective 6.
    inst = instance(
        horizon=stages({"name": "m1", "years": 1,
                        "steps": [{"days": 3, "name": "out"}, {"days": 3, "name": "surface"}]}),
        routes=[{"name": "ab", "from": "a", "to": "b", "transit_days": 1}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": {"m1": 1.0, "surface": 5.0}}],
        demands=[{"node": "b", "commodity": "x", "amount": {"surface": 2 / (3 * D)}}])
    p = prepare(inst)
    assert p.demand == {("b", "x", "surface"): approx(243.5)}
    assert [p.supply_price[(0, s)] for s in ("out", "surface", "m1.3")] == [1.0, 5.0, 1.0]
    sol = solve_exact(inst)
    assert sol.objective == approx(6)
    assert [(f["year"], f["rate"]) for f in sol.flows] == [(2030, approx(2 / D))]


def test_a_mapping_naming_an_unknown_step_is_refused():
    got = problems(horizon=stages({"name": "m1", "years": 1, "steps": [{"days": 3,
                                                                        "name": "out"}]}),
                   demands=[{"node": "b", "commodity": "x", "amount": {"outt": 1}}])
    assert got == ["demands[0].amount.outt: unknown stage 'outt' (did you mean 'out'?)"]


def test_the_missions_in_days_example():
    # docs/examples/missions-in-days.yaml: each 3-day stay needs 243.5 t/yr x 3d = 2 t; the
    # 3-day transit brings what leaves in out1 (out2) exactly into surface1 (surface2):
    # w = 1. Each sortie buys 2 t at 1 and flies them at 10: 22; two sorties 44.
    from pathlib import Path

    from netopt.plan import Plan

    path = Path(__file__).parent.parent / "docs" / "examples" / "missions-in-days.yaml"
    plan = Plan.read(path)
    assert [s.name for s in plan.prepared.steps] == [
        "out1", "surface1", "back1", "m1.4", "out2", "surface2", "back2", "m2.4", "2032", "2033",
        "2034"]
    assert plan.prepared.arrive[("earth_moon", "out1")] == [("surface1", approx(1.0))]
    sol = solve_exact(plan.instance)
    assert sol.objective == approx(44)
    assert [(f["stage"], f["year"], f["rate"] * 3 * D) for f in sol.flows] == [
        ("m1", 2030, approx(2)), ("m2", 2031, approx(2))]
    # by stage (summary, report): the stage's mean rate, 2 t over its one year
    assert [(f["stage"], f["year"], f["rate"]) for f in sol.by_stage().flows] == [
        ("m1", 2030, approx(2)), ("m2", 2031, approx(2))]
    assert [s["start_date"] for s in sol.steps][:5] == [
        "2030-01-01", "2030-01-04", "2030-01-07", "2030-01-10", "2031-01-01"]


# --- totals over steps -------------------------------------------------------------------------
def earth_to_b(horizon):
    return instance(
        horizon=horizon,
        nodes=[{"name": "a", "kind": "surface", "body": "Earth"}, {"name": "b"}],
        routes=[{"name": "ab", "from": "a", "to": "b", "capacity": 1}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 2, "shortfall_penalty_per_t": 5}])


@pytest.mark.parametrize("horizon", [
    stages({"name": "s1", "years": 3}, resolution="year"),
    stages({"name": "s1", "years": 3, "steps": [{"days": 3}, {"years": 0.5}]}),
    stages({"name": "s1", "years": 1, "steps": [{"days": 3}]}, {"name": "s2", "years": 2,
                                                                  "resolution": "year"})])
def test_launch_mass_and_sweep_shortfall_count_each_step_once(horizon):
    # 3 years from 2030, 2 t/yr needed at b, the route carries 1 t/yr: 1 t/yr bought on Earth
    # (3 t in all) and 1 t/yr short (3 t), whatever the steps. (Counting each row's stage
    # length gave 9 t for three yearly rows of a 3-year stage.)
    from netopt.pareto import launch_mass_of
    from netopt.scenario import instance_data
    from netopt.sweep import Param, SweepSpec, run_sweep

    inst = earth_to_b(horizon)
    sol = solve_exact(inst)
    assert sol.objective == approx(3 * 1 + 3 * 5)
    assert launch_mass_of(prepare(inst), sol) == approx(3)
    [row] = run_sweep(instance_data(inst), SweepSpec([Param("routes[ab].capacity", [1])])).rows
    assert float(row["shortfall_t"]) == approx(3)
