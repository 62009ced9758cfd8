"""Vehicles: tanks that fly with their propellant, and (solvers.md, "Routes" and "Vehicles") each
case solved by hand. Defaults as in netopt.testing.instance: one 1-year stage s1, nodes a and b."""

import math

import pytest

from netopt.errors import InputError
from netopt.rocket import max_delta_v_km_s, propellant_per_t
from netopt.testing import instance, solve_exact

G0 = 9.80665
ISP = 450.0


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-9)


def dv_for(ratio: float) -> float:
    """The delta-v (km/s) whose mass ratio at Isp 450 s is `ratio`."""
    return ISP * G0 * math.log(ratio) / 1000.0


def one_leg(**route):
    return instance(
        commodities=[{"name": "x"}, {"name": "fuel"}],
        propulsion=[{"name": "chem", "isp_s": ISP, "propellant": {"fuel": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "propulsion": "chem", **route}],
        supplies=[{"node": "a", "commodity": "x"},
                  {"node": "a", "commodity": "fuel", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])


def test_tanks_fly_with_their_propellant():
    # R = 2 (dv = Isp g0 ln 2), d = 0.1, s = 0.25:
    # phi = (R-1)(1+d) / (1 - (R-1)s) = 1 x 1.1 / 0.75 = 1.466667 t of fuel per t of payload.
    # Check by mass: tanks 0.25 x 1.466667 = 0.366667 t; final mass 1 + 0.1 + 0.366667 =
    # 1.466667, initial 2.933333, ratio 2. 10 t/yr delivered: 14.66667 t of fuel at 1.
    assert propellant_per_t(dv_for(2.0), ISP, 0.1, tank_mass_ratio=0.25) == approx(1.1 / 0.75)
    sol = solve_exact(one_leg(delta_v_km_s=dv_for(2.0), dry_mass_ratio=0.1, tank_mass_ratio=0.25,
                              tanks_expended=False))
    assert sol.objective == approx(10 * 1.1 / 0.75)
    assert sol.propellant[0]["rate"] == approx(14.666666666666666)


def hardware_leg(**route):
    """one_leg with hardware bought at a at 2 per t: the tanks an expendable stage uses up."""
    return instance(
        commodities=[{"name": "x"}, {"name": "fuel"}, {"name": "hw"}],
        hardware_commodity="hw",
        propulsion=[{"name": "chem", "isp_s": ISP, "propellant": {"fuel": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "propulsion": "chem", **route}],
        supplies=[{"node": "a", "commodity": "x"},
                  {"node": "a", "commodity": "fuel", "price_per_t": 1.0},
                  {"node": "a", "commodity": "hw", "price_per_t": 2.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])


def test_expended_tanks_are_hardware_used_up_at_the_origin():
    # solvers.md "Routes", Tankage: payload 10 t, R = 2 (dv = Isp g0 ln 2), d = 0, s = 0.25:
    # phi = (R-1) / (1 - (R-1)s) = 1 / 0.75 = 4/3 t of fuel per t; 10 t burn 13.333 t of fuel
    # (cost 13.333 at 1/t) and use up s phi 10 = 0.25 x 4/3 x 10 = 3.333 t of tanks, hardware
    # drawn at a in the step of departure (cost 6.667 at 2/t): objective 20.
    sol = solve_exact(hardware_leg(delta_v_km_s=dv_for(2.0), tank_mass_ratio=0.25))
    assert sol.objective == approx(20.0)
    bought = {s["commodity"]: s["rate"] for s in sol.supplies}
    assert bought["hw"] == approx(10 / 3)
    assert bought["fuel"] == approx(40 / 3)


def test_tanks_expended_false_opts_out():
    # The same leg with tanks_expended: false (tanks reused or counted elsewhere): fuel only, 13.333.
    sol = solve_exact(hardware_leg(delta_v_km_s=dv_for(2.0), tank_mass_ratio=0.25,
                                   tanks_expended=False))
    assert sol.objective == approx(40 / 3)


def test_a_returning_stage_keeps_its_tanks_unless_told():
    # With return_delta_v_km_s the stage flies back with its tanks: none drawn. R = 2, R_ret = 1.5,
    # d = 0.1, s = 0.1: phi = 1.5 (test below), fuel 15 t, objective 15. With
    # tanks_expended: true they are used up all the same: s phi 10 = 1.5 t of hw at 2: 15 + 3 = 18.
    leg = dict(delta_v_km_s=dv_for(2.0), return_delta_v_km_s=dv_for(1.5), dry_mass_ratio=0.1,
               tank_mass_ratio=0.1)
    assert solve_exact(hardware_leg(**leg)).objective == approx(15.0)
    assert solve_exact(hardware_leg(**leg, tanks_expended=True)).objective == approx(18.0)


def test_expended_tanks_need_a_hardware_commodity():
    with pytest.raises(InputError) as e:
        one_leg(delta_v_km_s=dv_for(2.0), tank_mass_ratio=0.25)
    assert [str(p) for p in e.value.problems] == [
        "routes[0].tank_mass_ratio: route 'ab' uses up its tanks (tank_mass_ratio 0.25, no "
        "return_delta_v_km_s), drawn as hardware at a, and the instance names no "
        "hardware_commodity: name one, or set tanks_expended: false"]


def test_tanks_on_a_reusable_vehicle_fly_both_ways():
    # R = 2 out, R_ret = 1.5 back, d = 0.1, s = 0.1:
    # phi = ((R-1)(1+d) + R d (R_ret-1)) / (1 - (R R_ret - 1) s) = (1.1 + 0.1) / (1 - 0.2) = 1.5.
    # By mass: tanks 0.15; return p_ret = 0.5 x (0.1 + 0.15) = 0.125; outbound
    # p_out = 1 x (1 + 0.1 + 0.15 + 0.125) = 1.375; 1.375 + 0.125 = 1.5.
    sol = solve_exact(one_leg(delta_v_km_s=dv_for(2.0), return_delta_v_km_s=dv_for(1.5),
                              dry_mass_ratio=0.1, tank_mass_ratio=0.1))
    assert sol.objective == approx(10 * 1.5)


def test_no_tanks_is_the_plain_rocket_equation():
    # s = 0 leaves phi = (R-1)(1+d) + R d (R_ret-1): R = 2, R_ret = 1.5, d = 0.1 -> 1.2.
    assert propellant_per_t(dv_for(2.0), ISP, 0.1, dv_for(1.5)) == approx(1.2)


def test_largest_delta_v_tanks_allow():
    # s < 1  <=>  dv < Isp g0 ln(1 + 1/s); s = 0.25: 4412.99 m/s x ln 5 = 7.1024 km/s.
    assert max_delta_v_km_s(ISP, 0.25) == approx(ISP * G0 * math.log(5.0) / 1000.0)
    assert max_delta_v_km_s(ISP, 0.0) == math.inf
    with pytest.raises(ValueError, match="cannot be flown by one stage"):
        propellant_per_t(7.2, ISP, 0.0, tank_mass_ratio=0.25)


def test_unflyable_round_trip_names_the_route():
    # Out + back 4 + 4 = 8 km/s > 7.102 km/s allowed by s = 0.25: refused, with the outbound
    # figure that this return would leave (7.102 - 4 = 3.102 km/s).
    with pytest.raises(InputError) as e:
        one_leg(delta_v_km_s=4.0, return_delta_v_km_s=4.0, tank_mass_ratio=0.25)
    assert [str(p) for p in e.value.problems] == [
        "routes[0].delta_v_km_s: route 'ab' cannot be flown by one stage: 4 km/s out + 4 km/s "
        "back at Isp 450 s with tank_mass_ratio 0.25; the largest it allows is Isp g0 "
        "ln(1 + 1/s) = 7.102 km/s out and back together (3.102 km/s out with this return)"]


def test_tank_mass_ratio_needs_delta_v():
    with pytest.raises(InputError) as e:
        one_leg(propellant_per_t=0.5, tank_mass_ratio=0.1)
    assert [str(p) for p in e.value.problems] == [
        "routes[0].tank_mass_ratio: tank_mass_ratio needs delta_v_km_s"]


def test_delta_v_reserve_is_flown():
    # dv = Isp g0 ln 2 / 1.05 with a 5 % reserve is flown as Isp g0 ln 2: R = 2, d = 0, s = 0.25
    # -> phi = 1 / 0.75; 10 t/yr payload -> 13.3333 t of fuel at 1.
    sol = solve_exact(one_leg(delta_v_km_s=dv_for(2.0) / 1.05, delta_v_reserve=0.05,
                              tank_mass_ratio=0.25, tanks_expended=False))
    assert sol.objective == approx(10 / 0.75)


# ---- vehicles (solvers.md, "Vehicles") ----------------------------------------------------------
# Unless a test says otherwise: Isp 450 s; a -> b at R = 2 (R - 1 = 1 t of fuel per t flown),
# b -> a at R = 1.5 (0.5 t per t); fuel costs 1 per t at a and at b; x and hardware are free.


def fleet_instance(vehicle: dict, demand: float = 10.0, back: bool = True, **extra):
    routes = [{"name": "ab", "from": "a", "to": "b", "delta_v_km_s": dv_for(2.0),
               "vehicle": "v", "commodities": ["x"]}]
    if back:
        routes.append({"name": "ba", "from": "b", "to": "a", "delta_v_km_s": dv_for(1.5),
                       "vehicle": "v", "commodities": ["x"]})
    sections = dict(
        commodities=[{"name": "x"}, {"name": "fuel"}, {"name": "hw"}],
        hardware_commodity="hw",
        propulsion=[{"name": "chem", "isp_s": ISP, "propellant": {"fuel": 1.0}}],
        vehicles=[{"name": "v", "propulsion": "chem", **vehicle}],
        routes=routes,
        supplies=[{"node": "a", "commodity": "x"},
                  {"node": "a", "commodity": "fuel", "price_per_t": 1.0},
                  {"node": "b", "commodity": "fuel", "price_per_t": 1.0},
                  {"node": "a", "commodity": "hw"}],
        demands=[{"node": "b", "commodity": "x", "amount": demand}])
    sections.update(extra)
    return instance(**sections)


EXPENDABLE = {"dry_mass": 4, "payload": 10, "tank": 100, "reusable": False, "integer_trips": True}
REUSABLE = {"dry_mass": 4, "payload": 10, "tank": 100, "turnaround_days": 36.525, "base": "a",
            "mass": 0, "max_units": 10, "integer_trips": True}


def trips(sol, route):
    return {r["stage"]: r["trips"] for r in sol.trips if r["route"] == route}


def test_a_half_empty_trip_pays_for_the_dry_mass():
    # 5 t/yr in one whole trip of a 10 t vehicle with 4 t dry: fuel (R-1)(4 x 1 + 5) = 9 t,
    # not the 5 t a per-tonne ratio would give. Expendable, capex 0, hardware free.
    sol = solve_exact(fleet_instance(EXPENDABLE, demand=5, back=False))
    assert sol.objective == approx(9.0)
    assert trips(sol, "ab") == {"s1": approx(1.0)}
    # with fractional trips the vehicle flies half a trip: (R-1)(4 x 0.5 + 5) = 7
    frac = solve_exact(fleet_instance({**EXPENDABLE, "integer_trips": False}, demand=5, back=False))
    assert frac.objective == approx(7.0)


def test_a_binding_tank_adds_trips():
    # dry 2 t, tank 8 t, payload 100 t, R - 1 = 1: a trip burns 2 + payload <= 8, so it carries
    # at most 6 t; 20 t/yr need 20/6 = 3.3333 trips (fractional) and burn 2 x 3.3333 + 20 =
    # 26.6667 t of fuel (without the tank: 0.2 trips, 20.4 t).
    v = {"dry_mass": 2, "payload": 100, "tank": 8, "reusable": False}
    sol = solve_exact(fleet_instance(v, demand=20, back=False))
    assert trips(sol, "ab") == {"s1": approx(20 / 6)}
    assert sol.objective == approx(2 * 20 / 6 + 20)


def test_circulation_flies_the_empty_return():
    # Reusable: 10 t/yr to b is one trip a -> b (fuel 1 x (4 + 10) = 14 t at a); the vehicle must
    # come back: one empty trip b -> a (fuel 0.5 x 4 = 2 t at b). 16 in all.
    sol = solve_exact(fleet_instance(REUSABLE))
    assert trips(sol, "ab") == {"s1": approx(1.0)} and trips(sol, "ba") == {"s1": approx(1.0)}
    assert sol.flow("ba", "x", "s1") == approx(0.0)
    assert sol.objective == approx(16.0)
    assert {(r["route"], r["node"]): r["rate"] for r in sol.propellant} == {
        ("ab", "a"): approx(14.0), ("ba", "b"): approx(2.0)}


def test_a_reusable_vehicle_without_a_way_back_cannot_fly():
    # warned at validation (naming the route), and infeasible: the demand needs the trip out
    from netopt.plan import validate
    from netopt.status import Status

    inst = fleet_instance(REUSABLE, back=False)
    _, warnings = validate(inst.model_dump(by_alias=True, exclude_none=True))
    assert [str(w) for w in warnings] == [
        "warning: routes[0].vehicle: route 'ab' can never be flown: no route of 'v' leaves b, "
        "and a reusable vehicle comes back (add the return leg, or make the vehicle reusable: "
        "false)"]
    sol = solve_exact(inst)
    assert sol.status is Status.infeasible


def test_a_reusable_vehicle_needs_a_base_and_a_way_out_of_it():
    # its vehicles are delivered there, wait there between trips and start every tour there
    from netopt.plan import validate

    with pytest.raises(InputError) as e:
        fleet_instance({k: v for k, v in REUSABLE.items() if k != "base"})
    assert [str(p) for p in e.value.problems] == [
        "vehicles[0].base: a reusable vehicle needs a base: the node where it is delivered when built "
        "(its hardware mass, default dry_mass) and comes home to between trips"]
    inst = fleet_instance({**REUSABLE, "base": "b"}, nodes=[{"name": "a"}, {"name": "b"},
                                                           {"name": "c"}],
                          routes=[{"name": "ab", "from": "a", "to": "b", "vehicle": "v",
                                   "delta_v_km_s": 1.0},
                                  {"name": "ba", "from": "b", "to": "a", "vehicle": "v",
                                   "delta_v_km_s": 1.0}])
    assert validate(inst.model_dump(by_alias=True, exclude_none=True))[1] == []
    lost = fleet_instance({**REUSABLE, "base": "c"}, nodes=[{"name": "a"}, {"name": "b"},
                                                           {"name": "c"}])
    _, warnings = validate(lost.model_dump(by_alias=True, exclude_none=True))
    assert [str(w) for w in warnings] == [
        "warning: vehicles[0].base: vehicle 'v' can never leave its base c: none of its routes "
        "starts there, and its vehicles start every tour from the base (solvers.md, "
        "vehicle_circulation)"]


def test_the_fleet_is_sized_by_trip_time():
    # 30 t/yr: 3 trips out and 3 back; each trip holds a vehicle for its turnaround 73.05 d =
    # 0.2 yr from its departure, spread evenly over the year, and the part after the horizon's
    # end (2031) is not counted: integral over u in [0, 1) of min(0.2, 1 - u) = 0.8 x 0.2 +
    # 0.2^2/2 = 0.18 vehicle-years a trip; 6 x 0.18 = 1.08 per year -> 2 vehicles at 100 each.
    # Fuel: out 3 x 4 + 30 = 42 t, back 0.5 x 3 x 4 = 6 t: 48. Total 248; utilisation 0.54.
    v = {**REUSABLE, "turnaround_days": 73.05, "capex": 100}
    sol = solve_exact(fleet_instance(v, demand=30))
    assert sol.build_units("v") == {"s1": 2}
    assert sol.objective == approx(248.0)
    assert sol.fleet == [{"vehicle": "v", "stage": "s1", "year": 2030, "online": 2,
                          "operating": 2.0, "vehicle_years": approx(1.08),
                          "utilisation": approx(0.54)}]
    # half the turnaround: 6 x (0.1 - 0.1^2/2) = 0.57 vehicle-years, one vehicle: 148
    quick = solve_exact(fleet_instance({**v, "turnaround_days": 36.525}, demand=30))
    assert quick.build_units("v") == {"s1": 1} and quick.objective == approx(148.0)


def waiting_instance(back_window_first: float, **vehicle):
    """Two 1-year stages s1 (2030), s2 (2031); a -> b has one window, in 2030; b -> a one, at
    `back_window_first`; 20 t of x wanted at b in s1 only; no transit."""
    v = {**REUSABLE, "capex": 100, **vehicle}
    return fleet_instance(
        v, horizon={"start_year": 2030, "discount_rate": 0.0,
                    "stages": [{"name": "s1", "years": 1}, {"name": "s2", "years": 1}]},
        routes=[{"name": "ab", "from": "a", "to": "b", "delta_v_km_s": dv_for(2.0),
                 "vehicle": "v", "commodities": ["x"], "windows": {"every_years": 10, "first": 2030}},
                {"name": "ba", "from": "b", "to": "a", "delta_v_km_s": dv_for(1.5),
                 "vehicle": "v", "commodities": ["x"],
                 "windows": {"every_years": 10, "first": back_window_first}}],
        demands=[{"node": "b", "commodity": "x", "amount": {"s1": 20}}])


def test_a_vehicle_waits_at_the_far_end_for_the_next_window_and_counts_in_the_fleet():
    # The only window back is in 2031 (s2): the two trips of 2030 (20 t / 10 t each) wait at b
    # through the end of s1 and fly back in s2. Circulation at b: s1: 2 arrive = 0 leave +
    # parked 2; s2: parked 2 = 2 leave (none may stay after the last step). Fleet: s1: trips
    # 2 x 0.1 yr + waiting (0 + 2)/2 = 1.2; s2: 2 x 0.1 + (2 + 0)/2 = 1.2 -> 2 vehicles at 100.
    # Fuel: out (R-1)(4 x 2 + 20) = 28 t at a in s1; back 0.5 x 4 x 2 = 4 t at b in s2.
    # 200 + 28 + 4 = 232 (no discounting). A rule that balanced trips per stage would find
    # s1 infeasible (no way back in s1); one that left waiting out of the fleet, 1 vehicle.
    sol = solve_exact(waiting_instance(2031))
    assert sol.objective == approx(232.0)
    assert trips(sol, "ab") == {"s1": approx(2.0)} and trips(sol, "ba") == {"s2": approx(2.0)}
    assert sol.build_units("v") == {"s1": 2}
    assert sol.parked == [{"vehicle": "v", "node": "b", "stage": "s1", "year": 2030,
                           "vehicles": approx(2.0)}]
    assert [(f["stage"], f["vehicle_years"]) for f in sol.fleet] == [
        ("s1", approx(1.2)), ("s2", approx(1.2))]
    # With the window back in 2030 too, both trips come back in s1 and nothing waits:
    # fleet 4 x 0.1 = 0.4 -> 1 vehicle; 100 + 28 + 4 = 132.
    quick = solve_exact(waiting_instance(2030))
    assert quick.objective == approx(132.0) and quick.parked == []
    assert trips(quick, "ba") == {"s1": approx(2.0)}


def test_a_vehicle_in_flight_across_a_step_comes_home_in_a_later_one():
    # Year grain, stages s0 (2030) and s1 (2031-32), transit 1 yr each way, no windows: the 10 t
    # wanted at b in each year of s1 leave a in 2030-2031 (one trip a year, arriving a year later) and
    # every vehicle that arrives at b must leave b: the trips back leave in 2031-2032 and the
    # last of them arrives after the horizon (lost, still flown). Fleet per year: a trip holds
    # its vehicle T = 1.1 yr from a departure spread over its year: of a trip leaving in year y,
    # y holds integral_0^1 (1 - u) du = 0.5, y+1 integral_0^0.9 (u + 0.1) du + 0.1 = 0.595 and
    # y+2 integral_0.9^1 (u - 0.9) du = 0.005 vehicle-years. 2031: out-2030 0.595 + out-2031 0.5
    # + back-2031 0.5 = 1.595; 2032: 0.005 + 0.595 + 0.595 + back-2032 0.5 = 1.695 -> 2 vehicles
    # at 100 (counting each trip's 1.1 yr in its departure year would give 2.2 and 3 vehicles).
    # Fuel: out 14 t a year at a in 2030-31 (28), back 2 t a year at b in 2031-32 (4): 232.
    inst = fleet_instance(
        {**REUSABLE, "capex": 100},
        horizon={"start_year": 2030, "discount_rate": 0.0, "resolution": "year",
                 "stages": [{"name": "s0", "years": 1}, {"name": "s1", "years": 2}]},
        routes=[{"name": "ab", "from": "a", "to": "b", "delta_v_km_s": dv_for(2.0),
                 "vehicle": "v", "commodities": ["x"], "transit_years": 1},
                {"name": "ba", "from": "b", "to": "a", "delta_v_km_s": dv_for(1.5),
                 "vehicle": "v", "commodities": ["x"], "transit_years": 1}],
        demands=[{"node": "b", "commodity": "x", "amount": {"s1": 10}}])
    sol = solve_exact(inst)
    assert sol.status.has_solution
    assert {r["year"]: r["trips"] for r in sol.trips if r["route"] == "ab"} == {
        2030: approx(1.0), 2031: approx(1.0)}
    assert {r["year"]: r["trips"] for r in sol.trips if r["route"] == "ba"} == {
        2031: approx(1.0), 2032: approx(1.0)}
    assert sol.build_units("v") == {"s0": 2}
    assert sol.objective == approx(232.0)
    assert {f["year"]: f["vehicle_years"] for f in sol.fleet} == {
        2030: approx(0.5), 2031: approx(1.595), 2032: approx(1.695)}


def test_an_expendable_vehicle_is_hardware_and_capex_per_trip():
    # One trip: fuel 14 t at 1; the vehicle's 4 t of hardware bought at a at 2 per t = 8; capex
    # 3 per trip (a transport cost). 25 in all.
    supplies = [{"node": "a", "commodity": "x"},
                {"node": "a", "commodity": "fuel", "price_per_t": 1.0},
                {"node": "a", "commodity": "hw", "price_per_t": 2.0}]
    sol = solve_exact(fleet_instance({**EXPENDABLE, "capex": 3}, back=False, supplies=supplies))
    assert sol.objective == approx(25.0)
    assert [(s["commodity"], s["rate"]) for s in sol.supplies if s["commodity"] != "x"] == [
        ("fuel", approx(14.0)), ("hw", approx(4.0))]
    assert sol.cost_total("transport") == approx(3.0)
    assert sol.builds == []


def test_a_leg_the_empty_vehicle_cannot_fly_is_refused():
    # dry 4 t, tank 3 t, R - 1 = 1: empty it needs 4 t > 3 t. Largest delta-v the tank allows:
    # 4.41299 km/s x ln(1 + 3/4) = 2.470 km/s.
    with pytest.raises(InputError) as e:
        fleet_instance({**EXPENDABLE, "tank": 3}, back=False)
    assert [str(p) for p in e.value.problems] == [
        "routes[0].delta_v_km_s: route 'ab' cannot be flown by vehicle 'v': even empty it burns "
        "4 t over 3.059 km/s, more than its tank of 3 t; the largest delta-v its tank allows is "
        "Isp g0 ln(1 + tank/dry_mass) = 2.47 km/s"]


def test_a_vehicle_route_takes_its_propulsion_from_the_vehicle():
    with pytest.raises(InputError) as e:
        fleet_instance(EXPENDABLE, back=False, routes=[
            {"name": "ab", "from": "a", "to": "b", "delta_v_km_s": 1.0, "vehicle": "v",
             "propulsion": "chem", "dry_mass_ratio": 0.1}])
    assert [str(p) for p in e.value.problems] == [
        "routes[0].propulsion: a route flown by a vehicle takes these from the vehicle: propulsion, "
        "dry_mass_ratio (an empty return is its own route)"]


def test_vehicle_catalog_templates_validate(tmp_path):
    # every template of models/vehicles.yaml becomes a valid vehicle (reusable ones given a base)
    from pathlib import Path

    from netopt.plan import load

    models = Path(__file__).resolve().parent.parent / "models"
    path = tmp_path / "v.yaml"
    path.write_text(f"""
name: catalog
include: [{models / 'propulsion.yaml'}, {models / 'vehicles.yaml'}]
horizon: {{start_year: 2030, stages: [{{name: s1, years: 1}}]}}
commodities: [{{name: hw}}]
hardware_commodity: hw
nodes: [{{name: a}}, {{name: b}}]
vehicles:
  - {{name: c, template: centaur-v}}
  - {{name: s, template: starship-tanker, base: a}}
  - {{name: l, template: lunar-lander-tanker, base: a}}
supplies: [{{node: a, commodity: hw}}]
demands: [{{node: b, commodity: hw, amount: 1}}]
routes: [{{name: ab, from: a, to: b}}]
""")
    inst = load(path)
    v = {x.name: x for x in inst.vehicles}
    assert (v["c"].dry_mass, v["c"].tank, v["c"].reusable) == (5.8, 54, False)
    assert (v["s"].dry_mass, v["s"].tank, v["s"].turnaround_days) == (100, 1200, 30)
    assert (v["l"].dry_mass, v["l"].tank, v["l"].hardware_mass) == (7.3, 68, 7.3)


def test_reports_draw_fleets(tmp_path):
    pytest.importorskip("matplotlib")
    from netopt.report.html import render_html
    from netopt.report.markdown import write_markdown

    sol = solve_exact(fleet_instance({**REUSABLE, "turnaround_days": 73.05, "capex": 100},
                                     demand=30))
    written = write_markdown(sol, tmp_path / "report.md")
    assert tmp_path / "report_files" / "fleets.png" in written
    md = (tmp_path / "report.md").read_text()
    assert "## Vehicle fleets" in md and "### Fleets: reusable vehicles online" in md
    assert '<section id="fleets">' in render_html(sol)
    # without vehicles, no fleet section
    plain = solve_exact(one_leg(delta_v_km_s=dv_for(2.0)))
    assert '<section id="fleets">' not in render_html(plain)


def test_version_5_solutions_still_load():
    # solution.json version 6 adds trips and fleet; a version-5 file loads with none of them
    from netopt.results import Solution

    sol = solve_exact(fleet_instance(REUSABLE))
    doc = sol.to_dict()
    assert doc["schema_version"] == 8 and doc["trips"] and doc["fleet"]
    old = {k: v for k, v in doc.items() if k not in ("trips", "fleet", "parked")}
    old["schema_version"] = 5
    again = Solution.from_dict(old)
    assert again.trips == [] and again.fleet == [] and again.objective == approx(16.0)


def test_solve_prints_trips_and_fleets(tmp_path):
    # the terminal summary: one trip each way (16 t of fuel, 14 + 2); one vehicle (capex 100)
    # used 2 trips x 0.095 yr = 0.19 vehicle-years per year (a trip holds it 0.1 yr, the part
    # after the end of the horizon not counted: test_the_fleet_is_sized_by_trip_time): 19 %
    from typer.testing import CliRunner

    from netopt.cli import app

    import json

    path = tmp_path / "fleet.json"
    inst = fleet_instance({**REUSABLE, "capex": 100})
    path.write_text(json.dumps(inst.model_dump(by_alias=True, exclude_none=True)))
    r = CliRunner().invoke(app, ["solve", str(path), "--gap", "0"])
    assert r.exit_code == 0, r.output
    assert "Vehicle trips" in r.output and "empty" in r.output
    fleets = r.output[r.output.index("Fleets"):]
    assert " 19%" in fleets


def test_a_full_fleet_is_named_when_demand_cannot_be_met():
    # at most 1 vehicle, turnaround 0.2 yr, fractional trips: a trip holds 0.2 - 0.2^2/2 = 0.18
    # vehicle-years within the year (test_the_fleet_is_sized_by_trip_time), a round trip 0.36:
    # 1 / 0.36 = 2.7778 round trips a year = 27.7778 t/yr; 30 t/yr cannot be met, and the
    # explanation names the fleet
    from netopt.status import Status

    v = {**REUSABLE, "turnaround_days": 73.05, "max_units": 1, "integer_trips": False}
    sol = solve_exact(fleet_instance(v, demand=30))
    assert sol.status is Status.infeasible
    assert sol.message == ("demand x at b in s1: 30 t/yr required, 27.7778 t/yr met when as much as "
                           "possible is met (the --elastic plan); limits reached: fleet v: "
                           "1 vehicle(s), all built and busy")


def test_fleet_columns_agree_over_a_stage_with_an_idle_year(tmp_path):
    # One 2-year stage at year grain; a -> b and b -> a each have one window, at 2030.0, and b is
    # a market buying 10 t/yr of x at 100: one trip out (10 t, fuel (R-1)(4 + 10) = 14) and one
    # back (0.5 x 4 = 2) in 2030, nothing can fly in 2031. -1,000 + 100 + 14 + 2 = -884. Fleet:
    # 2030 holds 2 trips x 0.1 yr = 0.2 vehicle-years, 2031 none; the one vehicle exists and
    # operates in both years. The stage: online 1, operating (1 + 1)/2 = 1, used (0.2 + 0)/2 =
    # 0.1, utilisation 0.1 / 1 = 10 % (leaving the idle year out gave operating 0.5 and 20 %;
    # "online 1, used 0.1, 20 %" did not add up).
    import json

    from typer.testing import CliRunner

    from netopt.cli import app

    windowed = {"every_years": 10, "first": 2030}
    inst = fleet_instance(
        {**REUSABLE, "capex": 100},
        horizon={"start_year": 2030, "discount_rate": 0.0, "resolution": "year",
                 "stages": [{"name": "s1", "years": 2}]},
        routes=[{"name": "ab", "from": "a", "to": "b", "delta_v_km_s": dv_for(2.0),
                 "vehicle": "v", "commodities": ["x"], "windows": windowed},
                {"name": "ba", "from": "b", "to": "a", "delta_v_km_s": dv_for(1.5),
                 "vehicle": "v", "commodities": ["x"], "windows": windowed}],
        demands=[{"node": "b", "commodity": "x", "kind": "market", "amount": 10,
                  "price_per_t": 100}])
    sol = solve_exact(inst)
    assert sol.objective == approx(-884.0)
    assert sol.fleet == [
        {"vehicle": "v", "stage": "s1", "year": 2030, "online": 1, "operating": 1.0,
         "vehicle_years": approx(0.2), "utilisation": approx(0.2)},
        {"vehicle": "v", "stage": "s1", "year": 2031, "online": 1, "operating": 1.0,
         "vehicle_years": 0.0, "utilisation": 0.0}]
    assert sol.by_stage().fleet == [
        {"vehicle": "v", "stage": "s1", "year": 2030, "online": 1, "operating": approx(1.0),
         "vehicle_years": approx(0.1), "utilisation": approx(0.1)}]
    path = tmp_path / "idle.json"
    path.write_text(json.dumps(inst.model_dump(by_alias=True, exclude_none=True)))
    r = CliRunner().invoke(app, ["solve", str(path), "--gap", "0"])
    assert r.exit_code == 0, r.output
    fleets = r.output[r.output.index("Fleets"):].splitlines()
    assert fleets[2].split() == ["stage", "vehicle", "online", "operating", "used", "utilisation"]
    assert fleets[4].split() == ["s1", "v", "1", "1", "0.1", "10%"]
