"""One small instance per constraint family, each with its optimum derived by hand.

Unless an instance says otherwise: one stage s1 of 1 year, no discounting, commodity x, nodes a, b
(see netopt.testing.instance).
"""

import math

import pytest

from netopt.errors import InputError
from netopt.status import Status
from netopt.testing import instance, solve_exact

G0 = 9.80665
REL = 1e-9


def approx(x):
    return pytest.approx(x, rel=REL, abs=1e-9)


def check_costs_sum_to_objective(sol):
    assert sol.status is Status.optimal
    assert sol.cost_total() == approx(sol.objective)


def test_rocket_equation_propellant():
    # Route a->b: dv 3 km/s, Isp 450 s, dry mass ratio 0.1, propellant all 'fuel'.
    # R = exp(3000 / (450 * 9.80665)); phi = (R - 1) * 1.1 t fuel per t payload, burnt at a.
    # Deliver 10 t/yr x to b: buy 10 x at 1 and 10*phi fuel at 2.
    R = math.exp(3000 / (450 * G0))
    phi = (R - 1) * 1.1
    inst = instance(
        commodities=[{"name": "x"}, {"name": "fuel"}],
        propulsion=[{"name": "chem", "isp_s": 450, "propellant": {"fuel": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "delta_v_km_s": 3.0,
                 "propulsion": "chem", "dry_mass_ratio": 0.1}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0},
                  {"node": "a", "commodity": "fuel", "price_per_t": 2.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])
    sol = solve_exact(inst)
    assert sol.objective == approx(10 * 1.0 + 10 * phi * 2.0)
    assert sol.propellant == [{"route": "ab", "node": "a", "commodity": "fuel", "stage": "s1",
                               "year": 2030, "rate": approx(10 * phi)}]
    check_costs_sum_to_objective(sol)


def test_reusable_vehicle_return_propellant_and_shares():
    # Out 2 km/s, back 1 km/s, Isp 380 s, d = 0.25, shares lox 0.78 / ch4 0.22.
    # phi = (R-1)(1+d) + R*d*(Rret-1); payload 4 t/yr; lox costs 1, ch4 costs 3, x free.
    R = math.exp(2000 / (380 * G0))
    Rret = math.exp(1000 / (380 * G0))
    phi = (R - 1) * 1.25 + R * 0.25 * (Rret - 1)
    inst = instance(
        commodities=[{"name": "x"}, {"name": "lox"}, {"name": "ch4"}],
        propulsion=[{"name": "methalox", "isp_s": 380, "propellant": {"lox": 0.78, "ch4": 0.22}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "delta_v_km_s": 2.0,
                 "return_delta_v_km_s": 1.0, "propulsion": "methalox", "dry_mass_ratio": 0.25}],
        supplies=[{"node": "a", "commodity": "x"},
                  {"node": "a", "commodity": "lox", "price_per_t": 1.0},
                  {"node": "a", "commodity": "ch4", "price_per_t": 3.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 4}])
    sol = solve_exact(inst)
    assert sol.objective == approx(4 * phi * (0.78 * 1.0 + 0.22 * 3.0))


def test_propellant_per_t_mapping_replaces_delta_v():
    # 0.5 t fuel per t payload; 6 t/yr payload -> 3 t/yr fuel at price 2 = 6.
    inst = instance(
        commodities=[{"name": "x"}, {"name": "fuel"}],
        routes=[{"name": "ab", "from": "a", "to": "b", "propellant_per_t": {"fuel": 0.5}}],
        supplies=[{"node": "a", "commodity": "x"},
                  {"node": "a", "commodity": "fuel", "price_per_t": 2.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 6}])
    assert solve_exact(inst).objective == approx(6.0)


def test_transit_loss():
    # 20 % lost in transit: 8 t/yr must arrive, so 8 / 0.8 = 10 t/yr depart, bought at 3 -> 30.
    # Route cost 0.5 per t departing -> +5.
    inst = instance(
        routes=[{"name": "ab", "from": "a", "to": "b", "loss": 0.2, "cost_per_t": 0.5}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 3.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 8}])
    sol = solve_exact(inst)
    assert sol.objective == approx(30 + 5)
    assert sol.flows[0]["rate"] == approx(10.0)
    assert sol.flows[0]["arrivals"] == approx(8.0)


def test_discounting_capex_versus_annual_costs():
    # Stages s1 (2 yr, from 2030) and s2 (3 yr, from 2032); rho = 10 %.
    # Demand 5 t/yr at b only in s2. A mine at b (capex 100, opex 10/yr, capacity 10) or supply
    # at b at 100/t. Building in s2: D2 = 1.1^-2; A2 = 1.1^-2 + 1.1^-3 + 1.1^-4.
    #   mine in s2: 100*D2 + 10*A2 = 82.64 + 24.87 = 107.51
    #   mine in s1: 100 + 10*(1 + 1.1^-1) + 10*A2, more
    #   supply:     5*100*A2 = 1243.4
    D2 = 1.1**-2
    A2 = 1.1**-2 + 1.1**-3 + 1.1**-4
    inst = instance(
        horizon={"start_year": 2030, "discount_rate": 0.1,
                 "stages": [{"name": "s1", "years": 2}, {"name": "s2", "years": 3}]},
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 100, "opex": 10,
                     "produces": {"x": 1.0}}],
        supplies=[{"node": "b", "commodity": "x", "price_per_t": 100.0}],
        demands=[{"node": "b", "commodity": "x", "amount": {"s2": 5}}])
    sol = solve_exact(inst)
    assert sol.objective == approx(100 * D2 + 10 * A2)
    assert sol.build_units("mine") == {"s2": 1}
    costs = {(c["category"], c["stage"]): c for c in sol.costs}
    assert costs[("capex", "s2")]["amount"] == approx(100)
    assert costs[("opex", "s2")]["amount"] == approx(10 * 3)  # 10/yr for 3 years, undiscounted
    assert costs[("opex", "s2")]["discounted"] == approx(10 * A2)
    check_costs_sum_to_objective(sol)


def test_lifetime_forces_rebuild_and_no_overlap_beyond_max_units():
    # Three 10-year stages from 2030; rho = 0. Mine lifetime 15 yr, max_units 1, capex 100.
    # Built in s1 (2030) it is online in s1 and s2 (2040 < 2045), not in s3 (2050 >= 2045).
    # Demand 1 t/yr in every stage, no other source. A unit built in s2 would be online with the
    # s1 unit in s2: 2 > max_units. So the only plan is s1 + s3, cost 2 * 100 = 200.
    inst = instance(
        horizon={"start_year": 2030, "stages": [{"name": f"s{i}", "years": 10} for i in (1, 2, 3)]},
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 100,
                     "lifetime_years": 15, "produces": {"x": 1.0}}],
        demands=[{"node": "b", "commodity": "x", "amount": 1}])
    sol = solve_exact(inst)
    assert sol.objective == approx(200)
    assert sol.build_units("mine") == {"s1": 1, "s3": 1}
    assert [(o["stage"], o["units"]) for o in sol.online] == [("s1", 1), ("s2", 1), ("s3", 1)]


def test_modular_units():
    # capacity 10 per unit, demand 25 -> ceil(25/10) = 3 units at capex 7 = 21, plus
    # variable cost 0.1/t * 25 = 2.5.
    inst = instance(
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 7, "max_units": 5,
                     "variable_cost": 0.1, "produces": {"x": 1.0}}],
        demands=[{"node": "b", "commodity": "x", "amount": 25}])
    sol = solve_exact(inst)
    assert sol.objective == approx(21 + 2.5)
    assert sol.build_units("mine") == {"s1": 3}
    assert sol.online == [{"name": "mine", "type": "facility", "stage": "s1", "year": 2030,
                           "units": 3, "operating": 3.0, "capacity": 30.0}]


def test_processing_chain_consumes_and_produces():
    # Mine makes water, electrolysis turns 1 t water into 0.888 lox + 0.112 lh2.
    # Demand 8.88 lox -> 10 t water processed, 10 t mined; variable costs 1/t mined, 2/t processed
    # -> 10 + 20 = 30; the 1.12 t lh2 made alongside is vented.
    inst = instance(
        commodities=[{"name": "water"}, {"name": "lox"}, {"name": "lh2"}],
        facilities=[{"name": "mine", "node": "a", "capacity": 100, "variable_cost": 1.0,
                     "produces": {"water": 1.0}},
                    {"name": "elec", "node": "a", "capacity": 100, "variable_cost": 2.0,
                     "consumes": {"water": 1.0}, "produces": {"lox": 0.888, "lh2": 0.112}}],
        demands=[{"node": "a", "commodity": "lox", "amount": 8.88}])
    sol = solve_exact(inst)
    assert sol.objective == approx(30)
    assert {a["facility"]: a["rate"] for a in sol.activities} == {"mine": approx(10),
                                                                 "elec": approx(10)}


def test_depot_requirement_and_capacity():
    # b requires a depot for x. Depot: capacity 6 t/yr per unit, capex 50, up to 3 units.
    # Demand 10 at b arrives by route -> ceil(10/6) = 2 depots = 100; supply 10 at price 1 = 10.
    inst = instance(
        nodes=[{"name": "a"}, {"name": "b", "requires_depot": ["x"]}],
        facilities=[{"name": "dep", "kind": "depot", "node": "b", "capacity": 6, "capex": 50,
                     "max_units": 3}],
        routes=[{"name": "ab", "from": "a", "to": "b"}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])
    sol = solve_exact(inst)
    assert sol.objective == approx(100 + 10)
    assert sol.build_units("dep") == {"s1": 2}


def test_a_depot_that_gates_nothing_is_a_warning_and_never_built():
    # b lists no requires_depot commodities: the depot there could handle nothing. A warning, as
    # for other elements that can never be used, and no build variable: free (capex 0) or not, it
    # is never built. Supply 10 at a for 1, shipped to b: 10.
    from netopt.plan import validate

    data = dict(
        name="t", horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1}]},
        commodities=[{"name": "x"}], nodes=[{"name": "a"}, {"name": "b"}],
        facilities=[{"name": "idle", "kind": "depot", "node": "b", "capacity": 6},
                    {"name": "dear", "kind": "depot", "node": "b", "capacity": 6, "capex": 5}],
        routes=[{"name": "ab", "from": "a", "to": "b"}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])
    inst, warnings = validate(data)
    assert [str(w) for w in warnings] == [
        f"warning: facilities[{i}].node: depot {name} gates nothing: its node 'b' lists no "
        "requires_depot commodities, so it will never be built" for i, name in
        enumerate(("idle", "dear"))]
    sol = solve_exact(inst)
    assert sol.objective == approx(10)
    assert sol.builds == [] and sol.activities == []


def test_no_depot_candidate_means_nothing_arrives():
    # Structural: found before any solve, in plain words, with the reason.
    with pytest.raises(InputError) as e:
        instance(
            nodes=[{"name": "a"}, {"name": "b", "requires_depot": ["x"]}],
            routes=[{"name": "ab", "from": "a", "to": "b"}],
            supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
            demands=[{"node": "b", "commodity": "x", "amount": 10}])
    assert [str(p) for p in e.value.problems] == [
        "demands[0]: demand for x at b can never be met in s1: route ab cannot deliver x: b "
        "requires a depot for it and no depot can be online there in s1",
        "warning: nodes[1]: node b requires a depot for x but has no depot candidate: routes can "
        "deliver none of them there"]


def test_hardware_delivered_in_build_stage():
    # One 5-year stage. The mine at b weighs 40 t of hardware, delivered during its build stage:
    # 40 / 5 = 8 t/yr for 5 years, bought at a for 1/t and shipped a->b at 0.5/t:
    # 5 * 8 * 1.5 = 60, plus capex 100.
    inst = instance(
        horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 5}]},
        commodities=[{"name": "x"}, {"name": "hw"}],
        hardware_commodity="hw",
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 100, "mass": 40,
                     "produces": {"x": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "cost_per_t": 0.5}],
        supplies=[{"node": "a", "commodity": "hw", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 1}])
    sol = solve_exact(inst)
    assert sol.objective == approx(100 + 60)
    assert sol.flow("ab", "hw", "s1") == approx(8)


def test_budget_postpones_build():
    # Two 1-year stages. Demand 2 t/yr at b in both. Mine capex 100; supply at b 60/t.
    # Budget s1 = 50 forbids building in s1: buy 2 * 60 = 120 in s1, build in s2 (100) -> 220,
    # better than buying in both stages (240). Without the budget: build in s1 for 100.
    stages = {"start_year": 2030, "stages": [{"name": "s1", "years": 1}, {"name": "s2", "years": 1}]}
    common = dict(
        horizon=stages,
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 100,
                     "produces": {"x": 1.0}}],
        supplies=[{"node": "b", "commodity": "x", "price_per_t": 60.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 2}])
    sol = solve_exact(instance(budgets={"s1": 50}, **common))
    assert sol.objective == approx(220)
    assert sol.build_units("mine") == {"s2": 1}
    free = solve_exact(instance(**common))
    assert free.objective == approx(100)
    assert free.build_units("mine") == {"s1": 1}


def test_market_sales_pay_for_a_mine():
    # Market at b: up to 10 t/yr at 3/t. Mine capex 5, variable cost 1/t:
    # sell 10 -> 5 + 10 - 30 = -15. With capex 25 it does not pay: 25 + 10 - 30 = 5 > 0 -> 0.
    def inst(capex):
        return instance(
            facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": capex,
                         "variable_cost": 1.0, "produces": {"x": 1.0}}],
            demands=[{"kind": "market", "node": "b", "commodity": "x", "price_per_t": 3.0,
                      "amount": 10}])
    sol = solve_exact(inst(5))
    assert sol.objective == approx(-15)
    assert sol.sales[0]["rate"] == approx(10)
    check_costs_sum_to_objective(sol)
    assert solve_exact(inst(25)).objective == approx(0)


def test_shortfall_penalty():
    # Demand 10 at b; supply at 8/t. Penalty 5/t: pay the penalty (50). Penalty 10/t: buy (80).
    def inst(penalty):
        return instance(
            supplies=[{"node": "b", "commodity": "x", "price_per_t": 8.0}],
            demands=[{"node": "b", "commodity": "x", "amount": 10,
                      "shortfall_penalty_per_t": penalty}])
    low = solve_exact(inst(5))
    assert low.objective == approx(50)
    assert low.shortfalls[0]["rate"] == approx(10)
    high = solve_exact(inst(10))
    assert high.objective == approx(80)
    assert high.shortfalls == []


def test_availability_windows():
    # Stages s1, s2, s3 (1 yr). Mine (capex 10) available_from s2; cheap route a->b usable only
    # until s1 (available_until); supply at a 1/t, supply at b 50/t. Demand 1/yr at b.
    # s1: ship from a (1). s2, s3: the mine (10, built in s2). Total 11.
    inst = instance(
        horizon={"start_year": 2030, "stages": [{"name": f"s{i}", "years": 1} for i in (1, 2, 3)]},
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 10,
                     "available_from": "s2", "produces": {"x": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "available_until": "s1"}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0},
                  {"node": "b", "commodity": "x", "price_per_t": 50.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 1}])
    sol = solve_exact(inst)
    assert sol.objective == approx(11)
    assert sol.build_units("mine") == {"s2": 1}
    assert [f["stage"] for f in sol.flows] == ["s1"]


def test_route_with_capex_capacity_and_opex():
    # Route a->b built in units of 4 t/yr (capex 20, opex 1/yr); demand 10 -> 3 units:
    # 60 + 3 opex; x bought at a for 0.
    inst = instance(
        routes=[{"name": "ab", "from": "a", "to": "b", "capacity": 4, "capex": 20, "opex": 1,
                 "max_units": 3}],
        supplies=[{"node": "a", "commodity": "x"}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])
    sol = solve_exact(inst)
    assert sol.objective == approx(63)
    assert sol.builds == [{"name": "ab", "type": "route", "node": "a->b", "stage": "s1",
                           "units": 3}]


def test_supply_limit_and_stage_prices():
    # Two 1-yr stages. Cheap supply at b (1/t) limited to 4 t/yr; expensive at b: 5/t in s1,
    # 2/t in s2. Demand 10/yr: s1 4*1 + 6*5 = 34; s2 4*1 + 6*2 = 16. Total 50.
    inst = instance(
        horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1},
                                                {"name": "s2", "years": 1}]},
        supplies=[{"node": "b", "commodity": "x", "price_per_t": 1.0, "max_per_year": 4},
                  {"node": "b", "commodity": "x", "price_per_t": {"s1": 5.0, "s2": 2.0}}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])
    assert solve_exact(inst).objective == approx(50)


def test_supply_mass_objective():
    # Minimise tonnes bought. Two 5-year stages... x at b by mining (no supply) or buying at b.
    # Mine capex is irrelevant to supply_mass; hardware 10 t must be bought (supply) for the mine.
    # Demand 3/yr in s1 only (5 years): buying costs 15 t; building the mine costs 10 t of hw.
    # -> supply_mass = 10 (the hardware: 10 t / 5 yr = 2 t/yr for 5 years).
    inst = instance(
        objective="supply_mass",
        horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 5}]},
        commodities=[{"name": "x"}, {"name": "hw"}],
        hardware_commodity="hw",
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 1e6, "mass": 10,
                     "produces": {"x": 1.0}}],
        supplies=[{"node": "b", "commodity": "x", "price_per_t": 0.0},
                  {"node": "b", "commodity": "hw", "price_per_t": 0.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 3}])
    sol = solve_exact(inst)
    assert sol.objective == approx(10)
    assert sol.build_units("mine") == {"s1": 1}


def test_unreachable_demand_is_infeasible_before_solving():
    with pytest.raises(InputError) as e:
        instance(demands=[{"node": "b", "commodity": "x", "amount": 1}])
    assert [str(p) for p in e.value.problems] == [
        "demands[0]: demand for x at b can never be met in s1: nothing supplies, produces or "
        "delivers x at b"]


def test_compile_backstop_for_unvalidated_instances():
    # An Instance built without validation still cannot reach the solver with an empty row.
    from netopt.schema import Instance

    inst = Instance.model_validate(dict(
        name="t", horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1}]},
        commodities=[{"name": "x"}], nodes=[{"name": "b"}],
        demands=[{"node": "b", "commodity": "x", "amount": 1}]))
    sol = solve_exact(inst)
    assert sol.status is Status.infeasible
    assert sol.message == ("demand for x at b in s1 (1 t/yr) cannot be met: nothing can supply, "
                           "produce or deliver x there in s1")


def test_infeasible_by_capacity_is_reported_by_the_solver():
    # Supply at most 3 t/yr, hard demand 5.
    inst = instance(supplies=[{"node": "b", "commodity": "x", "max_per_year": 3}],
                    demands=[{"node": "b", "commodity": "x", "amount": 5}])
    assert solve_exact(inst).status is Status.infeasible


def test_same_input_same_answer():
    from netopt.testing import instance as mk

    def build():
        return mk(facilities=[{"name": f"m{i}", "node": "b", "capacity": 3 + i, "capex": 10 + i,
                               "produces": {"x": 1.0}} for i in range(6)],
                  demands=[{"node": "b", "commodity": "x", "amount": 12}])
    first, second = solve_exact(build()), solve_exact(build())
    assert first.builds == second.builds
    assert first.objective == second.objective


@pytest.mark.parametrize("cuts", [(), ("aggregate_capacity",), ("linking",)])
def test_valid_inequalities_change_no_optimum(cuts):
    # The same optimum with and without each cut family (the default adds both).
    from netopt import SolveOptions, solve
    from netopt.testing import facility_location

    inst = facility_location(10, 24)
    with_all = solve(inst, SolveOptions(gap=0.0))
    assert solve(inst, SolveOptions(gap=0.0, cuts=cuts)).objective == approx(with_all.objective)


def test_linking_rows_are_the_classic_x_le_d_y():
    # Two sites (each only source: its facility), one customer needing 7 -> for each route
    # flow <= 7 * y_site, and the aggregate row 10 y_w0 + 20 y_w1 >= 7.
    from netopt.compile import compile_model
    from netopt.params import prepare

    inst = instance(
        nodes=[{"name": "w0"}, {"name": "w1"}, {"name": "c"}],
        facilities=[{"name": f"w{i}", "node": f"w{i}", "capacity": 10 * (i + 1), "capex": 5,
                     "produces": {"x": 1.0}} for i in range(2)],
        routes=[{"name": f"r{i}", "from": f"w{i}", "to": "c", "loss": 0.3 * i} for i in range(2)],
        demands=[{"node": "c", "commodity": "x", "amount": 7}])
    m = compile_model(prepare(inst)).model
    assert sorted(str(c.expr) for c in m.linking.values()) == [
        "flow[r0,x,s1] - 7.0*build[w0,s1]  <=  0.0",
        "flow[r1,x,s1] - 10.0*build[w1,s1]  <=  0.0"]  # 7 / (1 - 0.3) arrive as 7
    assert str(m.aggregate_capacity["x", "s1"].expr) == "7.0  <=  10.0*build[w0,s1] + 20.0*build[w1,s1]"
    with pytest.raises(ValueError, match="unknown cut"):
        compile_model(prepare(inst), cuts=("bogus",))


def _market_instance(**extra):
    # Plants at a (125 t/yr of x each, capex 600, up to 3 units) ship x to a market at b
    # (10 per t, up to 150 t/yr) on a route that burns 0.25 t of x at a per t carried.
    sections = dict(
        facilities=[{"name": "plant", "node": "a", "capacity": 125, "capex": 600, "max_units": 3,
                     "produces": {"x": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "propellant_per_t": {"x": 0.25}}],
        demands=[{"node": "b", "commodity": "x", "kind": "market", "price_per_t": 10,
                  "amount": 150}])
    return instance(**{**sections, **extra})


def _lp_bound(inst, cuts):
    """The optimum of the LP relaxation (every integer column made continuous)."""
    import highspy
    import numpy as np

    from netopt import highs
    from netopt.compile import compile_model
    from netopt.params import prepare

    h = highs.load(compile_model(prepare(inst), cuts=cuts).model).h
    n = h.getNumCol()
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                            np.full(n, highspy.HighsVarType.kContinuous))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value


def _check_market_cut(inst, row: str, lp_without: float, optimum: float) -> None:
    """The market_capacity row is `row`; the LP bound is lp_without without it and the integer
    optimum with it; both cut sets solve to that optimum with one plant."""
    from netopt import SolveOptions, solve
    from netopt.compile import compile_model
    from netopt.params import prepare

    m = compile_model(prepare(inst), cuts=("market_capacity",)).model
    assert [str(c.expr) for c in m.market_capacity.values()] == [row]
    assert _lp_bound(inst, ()) == approx(lp_without)
    assert _lp_bound(inst, ("market_capacity",)) == approx(optimum)
    for cuts in ((), ("market_capacity",)):
        sol = solve(inst, SolveOptions(gap=0.0, cuts=cuts))
        assert sol.objective == approx(optimum)
        assert sol.build_units("plant") == {"s1": 1}


def test_market_capacity_is_the_rounding_of_units_that_fill_a_market():
    # A unit delivers a = 125 / (1 + 0.25) = 100 t/yr to b, so sale <= 100 y and sale <= M = 150.
    # Integer plans: y = 1 sells 100 (1000 - 600 = 400 profit, objective -400), y = 2 sells 150
    # (1500 - 1200 = 300), y = 0 nothing: the optimum is -400 with one plant.
    # LP relaxation: each unit of y earns 1000 - 600 > 0 until the market is full: y = 1.5,
    # sale 150, objective -(1500 - 900) = -600.
    # The rounding: delta = 100, b = M = 150, r = 50, ceil(b/delta) = 2, G(100) = 50 * 1 + 0:
    # sale - 50 y <= 150 - 50 * 2 = 50. With it the LP's best is y = 1, sale = 100 (along
    # sale = 50 + 50 y the profit 500 - 100 y falls as y grows; below y = 1, 400 y rises):
    # -400, the integer optimum, 200 better than without.
    _check_market_cut(_market_instance(), "sale[0,s1] - 50.0*build[plant,s1]  <=  50.0",
                      lp_without=-600, optimum=-400)


def test_market_capacity_counts_the_propellant_that_flies_hardware_out():
    # As above, but each plant needs 8 t of hardware at a in its build year, bought at b (free) and
    # flown b -> a on a leg that burns 0.5 t of x at b per t: a unit costs b 4 t/yr of its x, so
    # it adds a = 100 - 4 = 96 t/yr to what b can sell. Integer plans: y = 1 sells 96 (960 - 600,
    # objective -360), y = 2 sells 150 (1500 - 1200 = 300): the optimum is -360 with one plant.
    # LP relaxation: y = 150 / 96 = 1.5625 earning 360 per unit: -562.5.
    # The rounding: delta = 96, b = 150, r = 150 - 96 = 54, ceil(b/delta) = 2, G(96) = 54:
    # sale - 54 y <= 150 - 108 = 42. The LP's best is then y = 1 (96 y = 42 + 54 y), sale = 96:
    # -360, the integer optimum (along sale = 42 + 54 y the profit 420 - 60 y falls).
    inst = _market_instance(
        commodities=[{"name": "x"}, {"name": "hw"}], hardware_commodity="hw",
        facilities=[{"name": "plant", "node": "a", "capacity": 125, "capex": 600, "mass": 8,
                     "max_units": 3, "produces": {"x": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "propellant_per_t": {"x": 0.25},
                 "commodities": ["x"]},
                {"name": "ba", "from": "b", "to": "a", "propellant_per_t": {"x": 0.5},
                 "commodities": ["hw"]}],
        supplies=[{"node": "b", "commodity": "hw", "price_per_t": 0}])
    _check_market_cut(inst, "sale[0,s1] - 54.0*build[plant,s1]  <=  42.0",
                      lp_without=-562.5, optimum=-360)


def test_market_capacity_keeps_other_sources_and_skips_stock():
    # A supply at b (x at 12 per t, dearer than the price: never used) enters as a continuous
    # source C: sale - supply - 50 y <= 50. A storage facility at b (x can come from another
    # step) means no row at all.
    from netopt.compile import compile_model
    from netopt.params import prepare

    inst = _market_instance(supplies=[{"node": "b", "commodity": "x", "price_per_t": 12}])
    m = compile_model(prepare(inst), cuts=("market_capacity",)).model
    assert [str(c.expr) for c in m.market_capacity.values()] == [
        "sale[0,s1] - supply[0,s1] - 50.0*build[plant,s1]  <=  50.0"]
    stored = _market_instance(facilities=[
        {"name": "plant", "node": "a", "capacity": 125, "capex": 600, "max_units": 3,
         "produces": {"x": 1.0}},
        {"name": "tank", "node": "b", "capacity": 1, "storage": 100}])
    assert not hasattr(compile_model(prepare(stored), cuts=("market_capacity",)).model,
                       "market_capacity")
    # x can also be bought at a: the plant's output is no bound on what leaves a, and with no
    # other unit in the row there is nothing to round (no row)
    bought = _market_instance(supplies=[{"node": "a", "commodity": "x", "price_per_t": 12}])
    assert not hasattr(compile_model(prepare(bought), cuts=("market_capacity",)).model,
                       "market_capacity")


def test_market_capacity_changes_no_optimum_over_stages_and_lifetimes():
    # Heterogeneous plants (capacities 90-150, two distances) with 2-stage lives over 4 stages of
    # 2 years, a market ramping 100 -> 400: the same optimum with and without the rounding rows,
    # and a tighter LP relaxation with them (it stays a relaxation: no better than the optimum).
    from netopt import SolveOptions, solve

    stages = [{"name": f"s{i}", "years": 2} for i in range(4)]
    inst = instance(
        horizon={"start_year": 2030, "discount_rate": 0.05, "stages": stages},
        nodes=[{"name": "a"}, {"name": "c"}, {"name": "b"}],
        facilities=[{"name": f"p{i}", "node": "ac"[i % 2], "capacity": 90 + 15 * i, "capex": 700,
                     "opex": 20, "lifetime_years": 4, "produces": {"x": 1.0}} for i in range(5)],
        routes=[{"name": "ab", "from": "a", "to": "b", "propellant_per_t": {"x": 0.2}},
                {"name": "cb", "from": "c", "to": "b", "propellant_per_t": {"x": 0.45},
                 "loss": 0.05}],
        demands=[{"node": "b", "commodity": "x", "kind": "market", "price_per_t": 6,
                  "amount": {f"s{i}": 100 * (i + 1) for i in range(4)}}])
    plain = solve(inst, SolveOptions(gap=0.0, cuts=()))
    cut = solve(inst, SolveOptions(gap=0.0, cuts=("market_capacity",)))
    assert plain.objective < 0  # something is worth building
    assert cut.objective == approx(plain.objective)
    assert _lp_bound(inst, ()) < _lp_bound(inst, ("market_capacity",)) - 100
    assert _lp_bound(inst, ("market_capacity",)) <= plain.objective + 1e-6


@pytest.mark.parametrize("seed", range(12))
def test_market_capacity_keeps_the_optimum_of_random_market_instances(seed):
    # Random small instances around one market node b: 1-3 stages of 1, 2 or 5 years, plants at b
    # and at 1-3 origins (sizes, yields, up to 3 units, lifetimes), routes with loss and
    # propellant, sometimes a required demand with a shortfall penalty and a limited supply at
    # b, sometimes hardware flown out from b. With the rows the optimum is the same, and the LP
    # relaxation is never above it.
    import random

    from netopt import SolveOptions, solve

    rnd = random.Random(seed)
    stages = [{"name": f"s{i}", "years": rnd.choice([1, 2, 5])} for i in range(rnd.randint(1, 3))]
    nodes = [{"name": "b"}] + [{"name": f"o{i}"} for i in range(rnd.randint(1, 3))]
    facilities = []
    for i in range(rnd.randint(1, 6)):
        f = {"name": f"p{i}", "node": rnd.choice(nodes)["name"], "capacity": rnd.randint(20, 200),
             "capex": rnd.randint(50, 900), "opex": rnd.randint(0, 30),
             "produces": {"x": rnd.choice([1.0, 0.8, 1.5])}, "max_units": rnd.randint(1, 3)}
        if rnd.random() < 0.5:
            f["lifetime_years"] = rnd.randint(1, 8)
        facilities.append(f)
    routes = [{"name": f"r{n['name']}", "from": n["name"], "to": "b", "loss": rnd.choice([0, 0.1]),
               "propellant_per_t": {"x": rnd.choice([0.0, 0.3, 0.9])}, "cost_per_t": rnd.random()}
              for n in nodes[1:]]
    hardware = rnd.random() < 0.5
    if hardware:  # units need hardware, bought at b and flown out on legs burning x at b
        for f in facilities:
            f["mass"] = rnd.choice([0, 5, 20])
        for r in routes:
            r["commodities"] = ["x"]
        routes += [{"name": f"h{n['name']}", "from": "b", "to": n["name"], "commodities": ["hw"],
                    "loss": rnd.choice([0, 0.1]), "propellant_per_t": {"x": rnd.choice([0.2, 1.0])}}
                   for n in nodes[1:]]
    demands = [{"node": "b", "commodity": "x", "kind": "market", "price_per_t": rnd.randint(3, 15),
                "amount": {s["name"]: rnd.randint(30, 600) for s in stages}}]
    if rnd.random() < 0.4:
        demands.append({"node": "b", "commodity": "x", "amount": rnd.randint(5, 50),
                        "shortfall_penalty_per_t": 30})
    supplies = ([{"node": "b", "commodity": "x", "price_per_t": rnd.randint(5, 20),
                  "max_per_year": rnd.randint(0, 100)}] if rnd.random() < 0.5 else [])
    extra = {}
    if hardware:
        supplies.append({"node": "b", "commodity": "hw", "price_per_t": 1})
        extra = {"commodities": [{"name": "x"}, {"name": "hw"}], "hardware_commodity": "hw"}
    inst = instance(horizon={"start_year": 2030, "discount_rate": rnd.choice([0, 0.05]),
                             "stages": stages},
                    nodes=nodes, facilities=facilities, routes=routes, demands=demands,
                    supplies=supplies, **extra)
    plain = solve(inst, SolveOptions(gap=0.0, cuts=()))
    assert plain.status is Status.optimal
    cut = solve(inst, SolveOptions(gap=0.0, cuts=("market_capacity",)))
    assert cut.objective == pytest.approx(plain.objective, rel=1e-7, abs=1e-6)
    lp = _lp_bound(inst, ("market_capacity",))
    assert lp <= plain.objective + 1e-6 * max(1, abs(plain.objective))
