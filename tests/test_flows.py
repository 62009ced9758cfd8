"""Vehicles as flows (issue 22; solvers.md "Routes" and "Vehicles"): propellant carried in the
tank, vehicles that end anywhere, what the cargo uses up in flight, maintenance per trip and g0
per propulsion entry, each solved by hand. Defaults as in netopt.testing.instance: one 1-year
stage s1 from 2030, nodes a and b, no discounting."""

import math

import pytest

from netopt.errors import InputError
from netopt.plan import validate
from netopt.status import Status
from netopt.testing import instance, solve_exact

G0 = 9.80665
ISP = 450.0


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-9)


def dv_for(ratio: float) -> float:
    """The delta-v (km/s) whose mass ratio at Isp 450 s (g0 9.80665) is `ratio`."""
    return ISP * G0 * math.log(ratio) / 1000.0


def one_vehicle(vehicle: dict, *, carried=("x", "fuel"), demands=None, supplies=None,
                commodities=None, back: bool = False, **extra):
    """A vehicle v (dry 4 t, payload 10 t, tank 100 t; Isp 450 s, fuel only) flying a -> b at
    R - 1 = 1 (and b -> a at R - 1 = 0.5 with `back`); x free at a, fuel at 1 per t at a."""
    routes = [{"name": "ab", "from": "a", "to": "b", "delta_v_km_s": dv_for(2.0),
               "vehicle": "v", "commodities": list(carried)}]
    if back:
        routes.append({"name": "ba", "from": "b", "to": "a", "delta_v_km_s": dv_for(1.5),
                       "vehicle": "v", "commodities": ["x"]})
    return instance(
        commodities=commodities or [{"name": "x"}, {"name": "fuel"}, {"name": "hw"}],
        hardware_commodity="hw",
        propulsion=[{"name": "chem", "isp_s": ISP, "propellant": {"fuel": 1.0}}],
        vehicles=[{"name": "v", "propulsion": "chem", "dry_mass": 4, "payload": 10, "tank": 100,
                   "integer_trips": True, **vehicle}],
        routes=routes,
        supplies=supplies or [{"node": "a", "commodity": "x"},
                              {"node": "a", "commodity": "fuel", "price_per_t": 1.0},
                              {"node": "a", "commodity": "hw"}],
        demands=demands or [{"node": "b", "commodity": "x", "amount": 10}],
        **extra)


EXPENDABLE = {"reusable": False}
REUSABLE = {"turnaround_days": 36.525, "base": "a", "mass": 0, "max_units": 10}


# ---- tank cargo ---------------------------------------------------------------------------------

def test_propellant_carried_as_cargo_rides_in_the_tank():
    # b needs 10 t of x and 6 t of fuel (for a depot, say). In the tank: one trip carries x in
    # its 10 t payload and the 6 t of fuel in the tank, burning (R - 1)(4 + 10 + 6) = 20 t
    # (20 + 6 = 26 <= 100 t of tank): 26 t of fuel bought at a.
    demands = [{"node": "b", "commodity": "x", "amount": 10},
               {"node": "b", "commodity": "fuel", "amount": 6}]
    sol = solve_exact(one_vehicle(EXPENDABLE, demands=demands))
    assert sol.objective == approx(26.0)
    assert [(t["trips"], t["propellant"]) for t in sol.trips] == [(approx(1.0), approx(20.0))]
    # tank_cargo: false, the old rule: 16 t of payload need two trips, burning
    # (R - 1)(2 x 4 + 16) = 24 t: 24 + 6 = 30
    payload = solve_exact(one_vehicle({**EXPENDABLE, "tank_cargo": False}, demands=demands))
    assert payload.objective == approx(30.0)
    assert [t["trips"] for t in payload.trips] == [approx(2.0)]


def test_the_tank_holds_the_burn_and_the_carried_propellant_together():
    # tank 30 t: one trip carrying 10 t of x and F t of fuel burns 14 + F, and 14 + 2F <= 30
    # carries at most F = 8; 12 t of fuel at b need a second trip (whose dry mass burns 4 more):
    # burn (R - 1)(2 x 4 + 10 + 12) = 30, bought 30 + 12 = 42 (payload alone: 22 t, 3 trips,
    # 12 + 22 = 34 burnt, 46 bought)
    demands = [{"node": "b", "commodity": "x", "amount": 10},
               {"node": "b", "commodity": "fuel", "amount": 12}]
    sol = solve_exact(one_vehicle({**EXPENDABLE, "tank": 30}, demands=demands))
    assert sol.objective == approx(42.0)
    assert [t["trips"] for t in sol.trips] == [approx(2.0)]


def test_tank_cargo_true_needs_a_route_that_carries_the_propellant():
    with pytest.raises(InputError) as e:
        one_vehicle({**EXPENDABLE, "tank_cargo": True}, carried=("x",))
    assert [str(p) for p in e.value.problems] == [
        "vehicles[0].tank_cargo: tank_cargo: true, but no route flown by 'v' carries its "
        "propellant (fuel) in its commodities"]
    # left out, the default is true and says nothing: there is simply nothing to carry
    assert one_vehicle(EXPENDABLE, carried=("x",)).vehicles[0].tank_cargo is None


# ---- maintenance per trip -----------------------------------------------------------------------

def test_maintenance_supplies_fly_as_payload_on_every_trip():
    # 25 % of the 4 t dry mass = 1 t of spares (2 per t at a) per trip: 9 t of x + 1 t of
    # spares fill one trip, burning (R - 1)(4 + 1 + 9) = 14: 14 + 2 = 16
    commodities = [{"name": "x"}, {"name": "fuel"}, {"name": "hw"}, {"name": "spares"}]
    supplies = [{"node": "a", "commodity": "x"},
                {"node": "a", "commodity": "fuel", "price_per_t": 1.0},
                {"node": "a", "commodity": "spares", "price_per_t": 2.0},
                {"node": "a", "commodity": "hw"}]
    v = {**EXPENDABLE, "maintenance": {"commodity": "spares", "per_trip": 0.25}}
    nine = [{"node": "b", "commodity": "x", "amount": 9}]
    sol = solve_exact(one_vehicle(v, commodities=commodities, supplies=supplies, demands=nine))
    assert sol.objective == approx(16.0)
    # 10 t of x: 11 t of payload, two trips: burn (R - 1)(2 x 5 + 10) = 20, spares 2 x 2 = 4
    sol = solve_exact(one_vehicle(v, commodities=commodities, supplies=supplies))
    assert sol.objective == approx(24.0)
    assert [t["trips"] for t in sol.trips] == [approx(2.0)]


def test_maintenance_names_an_unknown_commodity():
    with pytest.raises(InputError) as e:
        one_vehicle({**EXPENDABLE, "maintenance": {"commodity": "spare", "per_trip": 0.01}})
    assert [str(p) for p in e.value.problems] == [
        "vehicles[0].maintenance.commodity: unknown commodity 'spare'"]


# ---- used up in flight (crew-days) ----------------------------------------------------------------

def crew_leg(**route):
    """Crew (a -> b, 10 t) uses up 0.1 t of food per t per day on a 2-day leg flown by a plain
    stage with phi = R - 1 = 1 (no dry mass): a launch window at the start of 2030 lands the
    cargo in s1."""
    return instance(
        commodities=[{"name": "crew", "consumes_per_day": {"food": 0.1}}, {"name": "food"},
                     {"name": "fuel"}],
        propulsion=[{"name": "chem", "isp_s": ISP, "propellant": {"fuel": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "propulsion": "chem",
                 "delta_v_km_s": dv_for(2.0), "transit_days": 2, "commodities": ["crew"],
                 "windows": {"every_years": 1, "first": 2030}, **route}],
        supplies=[{"node": "a", "commodity": "crew"},
                  {"node": "a", "commodity": "food", "price_per_t": 1.0},
                  {"node": "a", "commodity": "fuel", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "crew", "amount": 10}])


def test_crew_use_up_food_in_flight():
    # food 0.1 x 2 days x 10 t = 2 t drawn at a, flown with the crew and gone on arrival:
    # fuel 1 x (10 + 2) = 12, food 2: 14 (without the rule 10)
    sol = solve_exact(crew_leg())
    assert sol.objective == approx(14.0)
    assert [(s["commodity"], s["rate"]) for s in sol.supplies if s["commodity"] != "crew"] == [
        ("food", approx(2.0)), ("fuel", approx(12.0))]
    assert [(a["commodity"], a["rate"]) for a in sol.arrivals] == [("crew", approx(10.0))]
    # the food flies in the route's capacity too: 11.9 t per window carry 11.9/1.2 < 10 t of crew
    assert solve_exact(crew_leg(capacity=11.9)).status is Status.infeasible
    assert solve_exact(crew_leg(capacity=12)).objective == approx(14.0)


def test_consumes_per_day_names_an_unknown_commodity():
    with pytest.raises(InputError) as e:
        validate({"name": "t", "horizon": {"start_year": 2030, "stages": [{"name": "s1", "years": 1}]},
                  "commodities": [{"name": "crew", "consumes_per_day": {"fod": 0.1}},
                                  {"name": "food"}],
                  "nodes": [{"name": "a"}]})
    assert [str(p) for p in e.value.problems] == [
        "commodities[0].consumes_per_day.fod: unknown commodity 'fod' (did you mean 'food'?)"]


# ---- g0 per propulsion entry --------------------------------------------------------------------

def test_g0_is_the_propulsion_entrys():
    # the same delta-v at g0 = 9.8: R = 2^(9.80665/9.8), 10 t of x burn 10 (R - 1)
    inst = crew_leg()
    data = inst.model_dump(by_alias=True, exclude_none=True)
    data["commodities"][0].pop("consumes_per_day")
    data["propulsion"][0]["g0"] = 9.8
    sol = solve_exact(validate(data)[0])
    assert sol.objective == approx(10 * (2 ** (G0 / 9.8) - 1))
    assert sol.objective == pytest.approx(10.00941, abs=1e-5)  # 9.80665/9.8 = 1.00068


# ---- vehicles that end anywhere -----------------------------------------------------------------

def test_a_vehicle_that_need_not_return_is_left_where_it_ends():
    # returns: true: one trip out and the empty one back, which burns 0.5 x 4 = 2 t at b; b has
    # no fuel of its own, so the trip out carries those 2 t in its tank and burns
    # (R - 1)(4 + 10 + 2) = 16: 16 + 2 = 18 bought at a.
    home = solve_exact(one_vehicle(REUSABLE, back=True, carried=("x", "fuel")))
    assert home.objective == approx(18.0)
    # returns: false: one trip out, fuel 14, and the vehicle is left at b
    away = solve_exact(one_vehicle({**REUSABLE, "returns": False}, back=True))
    assert away.objective == approx(14.0)
    assert [(t["route"], t["trips"]) for t in away.trips] == [("ab", approx(1.0))]
    assert [(d["vehicle"], d["node"], d["stage"], d["vehicles"]) for d in away.disposals] == [
        ("v", "b", "s1", approx(1.0))]


def test_a_one_way_route_is_no_warning_for_a_vehicle_that_need_not_return():
    inst = one_vehicle({**REUSABLE, "returns": False})
    _, warnings = validate(inst.model_dump(by_alias=True, exclude_none=True))
    assert warnings == []
    assert solve_exact(inst).objective == approx(14.0)


def test_a_disposed_vehicle_leaves_the_fleet():
    # two 1-year stages, 10 t of x to b in each. One vehicle (max_units 1): left at b in s1 it
    # could not fly in s2, so it comes back in s1 (2 t of fuel at b, flown out as tank cargo:
    # (4 + 10 + 2) + 2 = 18) and is left at b in s2 (14): 32. Two vehicles: each flies once
    # and stays: 14 + 14 = 28.
    stages = {"start_year": 2030, "discount_rate": 0.0,
              "stages": [{"name": "s1", "years": 1}, {"name": "s2", "years": 1}]}
    one = solve_exact(one_vehicle({**REUSABLE, "returns": False, "max_units": 1}, back=True,
                                  horizon=stages))
    assert one.objective == approx(32.0)
    assert [(d["node"], d["stage"], d["vehicles"]) for d in one.disposals] == [
        ("b", "s2", approx(1.0))]
    two = solve_exact(one_vehicle({**REUSABLE, "returns": False, "max_units": 2}, back=True,
                                  horizon=stages))
    assert two.objective == approx(28.0)
    assert [(d["node"], d["stage"], d["vehicles"]) for d in two.disposals] == [
        ("b", "s1", approx(1.0)), ("b", "s2", approx(1.0))]


def test_returns_false_is_for_reusable_vehicles():
    with pytest.raises(InputError) as e:
        one_vehicle({"reusable": False, "returns": False})
    assert [str(p) for p in e.value.problems] == [
        "vehicles[0].returns: returns: false is for reusable vehicles: an expendable one is used up "
        "on every trip"]


# ---- launch mass: a hull lifted from the ground is counted on every lift-off --------------------

def test_launch_mass_counts_a_ground_based_hull_on_every_lift_off():
    # v is based on Earth's surface (a) and built there (mass 0: no hardware of its own); 20 t of
    # x to b need two trips (payload 10), each lifting the 4 t hull: fuel (R - 1)(2 x 4 + 20) =
    # 28, x 20 and hulls 2 x 4 = 8: 56 t launched. returns: false, so no trip back.
    ground = [{"name": "a", "kind": "surface", "body": "Earth"}, {"name": "b"}]
    inst = one_vehicle({**REUSABLE, "returns": False}, nodes=ground, objective="launch_mass",
                       demands=[{"node": "b", "commodity": "x", "amount": 20}])
    sol = solve_exact(inst)
    assert sol.objective == approx(56.0)
    assert [t["trips"] for t in sol.trips] == [approx(2.0)]


def test_bad_flow_fields_name_file_line_and_field(tmp_path):
    from typer.testing import CliRunner

    from netopt.cli import app

    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: t\n"
        "horizon: {start_year: 2030, stages: [{name: s1, years: 1}]}\n"
        "commodities:\n"
        "  - {name: x, consumes_per_day: {fod: 0.1}}\n"
        "  - {name: food}\n"
        "nodes: [{name: a}, {name: b}]\n"
        "propulsion: [{name: chem, isp_s: 450, propellant: {food: 1.0}}]\n"
        "vehicles:\n"
        "  - {name: v, propulsion: chem, dry_mass: 1, payload: 1, tank: 1, reusable: false,\n"
        "     maintenance: {commodity: spare, per_trip: 0.01}}\n"
        "routes: [{name: ab, from: a, to: b, delta_v_km_s: 0.1, vehicle: v}]\n"
        "demands: [{node: b, commodity: x, amount: 1}]\n"
        "hardware_commodity: food\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["validate", str(path)])
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [
        f"{path}:4:39: commodities[0].consumes_per_day.fod: unknown commodity 'fod' (did you "
        "mean 'food'?)",
        f"{path}:10:31: vehicles[0].maintenance.commodity: unknown commodity 'spare'"]
