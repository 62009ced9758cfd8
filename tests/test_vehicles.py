"""Vehicles: tanks that fly with their propellant, and (solvers.md, "Routes" and "Vehicles") each
case solved by hand. Defaults as in netopt.testing.instance: one 1-year stage s1, nodes a and b."""

import math

import pytest

from netopt.errors import InputError
from netopt.params import leg_propellant, max_delta_v_km_s
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
    assert leg_propellant(dv_for(2.0), ISP, 0.1, 0.25) == approx(1.1 / 0.75)
    sol = solve_exact(one_leg(delta_v_km_s=dv_for(2.0), dry_mass_ratio=0.1, tank_mass_ratio=0.25))
    assert sol.objective == approx(10 * 1.1 / 0.75)
    assert sol.propellant[0]["rate"] == approx(14.666666666666666)


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
    assert leg_propellant(dv_for(2.0), ISP, 0.1, 0.0, dv_for(1.5)) == approx(1.2)


def test_largest_delta_v_tanks_allow():
    # s < 1  <=>  dv < Isp g0 ln(1 + 1/s); s = 0.25: 4412.99 m/s x ln 5 = 7.1024 km/s.
    assert max_delta_v_km_s(ISP, 0.25) == approx(ISP * G0 * math.log(5.0) / 1000.0)
    assert max_delta_v_km_s(ISP, 0.0) == math.inf
    with pytest.raises(ValueError, match="cannot be flown by one stage"):
        leg_propellant(7.2, ISP, 0.0, 0.25)


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
        "routes[0]: tank_mass_ratio needs delta_v_km_s"]


def test_delta_v_reserve_is_flown():
    # dv = Isp g0 ln 2 / 1.05 with a 5 % reserve is flown as Isp g0 ln 2: R = 2, d = 0, s = 0.25
    # -> phi = 1 / 0.75; 10 t/yr payload -> 13.3333 t of fuel at 1.
    sol = solve_exact(one_leg(delta_v_km_s=dv_for(2.0) / 1.05, delta_v_reserve=0.05,
                              tank_mass_ratio=0.25))
    assert sol.objective == approx(10 / 0.75)
