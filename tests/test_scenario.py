"""Scenario overlays: paths, set/add/remove, validation with locations, and the CLI.

The decision instance used throughout (one 1-year stage, no discounting, commodity x):
10 t/yr of x are needed at c. x is free at a; it reaches b either by `launch` (a->b, c_L per t) or
from a `mine` at b (capex K = 30, capacity 10 t/yr, no other cost); b->c is `last-mile`, a
buildable route (capex 2), needed in every case. Cost: launch 10*c_L + 2, mine K + 2 = 32.
So the mine is built exactly when 10*c_L > 30, i.e. c_L > 3.
"""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from netopt.cli import app
from netopt.errors import InputError
from netopt.plan import load_instance, override
from netopt.paths import PathError, parse_path, resolve
from netopt.scenario import Override, Scenario, apply, parse_set, scenario_from_dict
from netopt.testing import instance, solve_exact

EXAMPLE = Path(__file__).parent / "data" / "issue-example.yaml"
runner = CliRunner()


def decision(c_launch: float = 2.0, capex: float = 30.0):
    return instance(
        nodes=[{"name": "a"}, {"name": "b"}, {"name": "c"}],
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": capex,
                     "produces": {"x": 1.0}}],
        routes=[{"name": "launch", "from": "a", "to": "b", "cost_per_t": c_launch},
                {"name": "last-mile", "from": "b", "to": "c", "capex": 2, "capacity": 20}],
        supplies=[{"node": "a", "commodity": "x"}],
        demands=[{"node": "c", "commodity": "x", "amount": 10}])


DECISION_YAML = """\
name: decision
horizon: {start_year: 2030, stages: [{name: s1, years: 1}]}
commodities: [{name: x}]
nodes: [{name: a}, {name: b}, {name: c}]
facilities:
  - {name: mine, node: b, capacity: 10, capex: 30, produces: {x: 1.0}}
routes:
  - {name: launch, from: a, to: b, cost_per_t: 2}
  - {name: last-mile, from: b, to: c, capex: 2, capacity: 20}
supplies: [{node: a, commodity: x}]
demands: [{node: c, commodity: x, amount: 10}]
"""


def write(tmp_path: Path, text: str, name: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


# --- paths ------------------------------------------------------------------------------------

def test_parse_path():
    assert parse_path("routes[launch].cost_per_t") == [("key", "routes"), ("sel", "launch"),
                                                       ("key", "cost_per_t")]
    assert parse_path("horizon.stages[0].years") == [("key", "horizon"), ("key", "stages"),
                                                      ("sel", "0"), ("key", "years")]
    # a name may hold dots inside brackets
    assert parse_path("nodes[l1.a].kind") == [("key", "nodes"), ("sel", "l1.a"), ("key", "kind")]
    for bad in ("", "a..b", "routes[", "routes[]", "[0].x", " x"):
        with pytest.raises(ValueError):
            parse_path(bad)


def test_resolve_by_name_index_label_and_key():
    import netopt
    from netopt.scenario import instance_data

    data = instance_data(netopt.load(EXAMPLE))
    assert resolve(data, "horizon.discount_rate") == ("horizon", "discount_rate")
    assert resolve(data, "routes[launch].cost_per_t") == ("routes", 0, "cost_per_t")
    assert resolve(data, "routes[2].capacity") == ("routes", 2, "capacity")
    assert resolve(data, "demands[eml1/lox].amount.s2035") == ("demands", 0, "amount", "s2035")
    assert resolve(data, "budgets[s2030]") == resolve(data, "budgets.s2030") == ("budgets", "s2030")
    assert resolve(data, "horizon.stages[s2040].years") == ("horizon", "stages", 2, "years")
    # a field absent from the file but in the format (units.money has a default)
    assert resolve({"name": "x"}, "units.money") == ("units", "money")


@pytest.mark.parametrize("path, message", [
    ("horizon.discount_rat",
     "horizon has no field 'discount_rat'; did you mean 'horizon.discount_rate'?"),
    ("route[launch].cost_per_t",
     "an instance has no field 'route'; did you mean 'routes[launch].cost_per_t'?"),
    ("routes[lanch].cost_per_t",
     "routes has no item named 'lanch'; did you mean 'routes[launch].cost_per_t'?"),
    ("routes[launch].cost_per_tt",
     "routes[launch] has no field 'cost_per_tt'; did you mean 'routes[launch].cost_per_t'?"),
    ("routes[9].capacity",
     "routes: index 9 is out of range (3 items: 0..2); did you mean 'routes[2].capacity'?"),
    ("routes.cost_per_t",
     "routes is a list; select an item, e.g. 'routes[launch].cost_per_t'"),
    ("routes[launch].cost_per_t.s2030",
     "routes[launch].cost_per_t is a number, it has no 's2030'; set routes[launch].cost_per_t "
     "to a mapping to give values by key"),
    ("demands[eml1/lh3].amount",
     "demands has no item named 'eml1/lh3'; did you mean 'demands[eml1/lh2].amount'?"),
])
def test_a_path_that_does_not_exist_names_the_closest_valid_one(path, message):
    import netopt
    from netopt.scenario import instance_data

    data = instance_data(netopt.load(EXAMPLE))
    with pytest.raises(PathError) as e:
        resolve(data, path)
    assert e.value.message == f"'{path}': {message}"


def test_includes_cannot_be_overridden():
    with pytest.raises(PathError, match="includes are merged before overrides apply"):
        resolve({"include": ["a.yaml"]}, "include[0]")


def test_ambiguous_label_asks_for_an_index():
    data = {"demands": [{"node": "b", "commodity": "x", "amount": 1},
                        {"node": "b", "commodity": "x", "amount": 2}]}
    with pytest.raises(PathError, match=r"2 items match 'b/x' \(indices 0, 1\); select one by"):
        resolve(data, "demands[b/x].amount")


# --- overrides on in-memory instances ---------------------------------------------------------

def test_raising_the_launch_price_past_the_threshold_builds_the_mine():
    # c_L = 2: launch costs 10*2 + 2 = 22 < 32: no mine. c_L = 4: launch would cost 42 > 32:
    # the mine (30) plus last-mile (2) = 32.
    base = decision(2.0)
    sol = solve_exact(base)
    assert sol.objective == pytest.approx(22)
    assert sol.build_units("mine") == {}
    dear = override(base, {"routes[launch].cost_per_t": 4})
    sol = solve_exact(dear)
    assert sol.objective == pytest.approx(32)
    assert sol.build_units("mine") == {"s1": 1}
    assert sol.build_units("last-mile") == {"s1": 1}
    # the base is untouched
    assert base.routes[0].cost_per_t == 2.0
    # just below the threshold: 10 * 2.9 + 2 = 31 < 32, still launched
    sol = solve_exact(override(base, {"routes[launch].cost_per_t": 2.9}))
    assert sol.objective == pytest.approx(31)
    assert sol.build_units("mine") == {}


def test_remove_add_set_in_that_order():
    base = decision(4.0)
    sc = scenario_from_dict({
        # without the mine the launch is the only way: 10 * 4 + 2 = 42
        "remove": {"facilities": ["mine"]},
        # a second, cheaper launch route with a capacity of 6: 6 * 1 + 4 * 4 + 2 = 24
        "add": {"routes": [{"name": "launch-2", "from": "a", "to": "b", "cost_per_t": 1,
                            "capacity": 6}]},
        # then `set` can refer to the added element: capacity 8: 8 * 1 + 2 * 4 + 2 = 18
        "set": {"routes[launch-2].capacity": 8},
    })
    inst = override(base, scenario=sc)
    assert [f.name for f in inst.facilities] == []
    assert [r.name for r in inst.routes] == ["launch", "last-mile", "launch-2"]
    assert solve_exact(inst).objective == pytest.approx(18)


def test_remove_by_label_and_index_and_budget_key():
    inst = instance(
        nodes=[{"name": "a"}, {"name": "b"}],
        routes=[{"name": "ab", "from": "a", "to": "b", "cost_per_t": 1}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 5},
                  {"node": "a", "commodity": "x", "price_per_t": 1, "name": "cheap"}],
        demands=[{"node": "b", "commodity": "x", "amount": 2}],
        budgets={"s1": 10})
    sc = scenario_from_dict({"remove": {"supplies": ["cheap"], "budgets": ["s1"]}})
    out = override(inst, scenario=sc)
    assert [s.price_per_t for s in out.supplies] == [5]
    assert out.budgets == {}
    out = override(inst, scenario=scenario_from_dict({"remove": {"supplies": ["a/x", 0]}}))
    assert [s.name for s in out.supplies] == ["cheap"]  # a/x names the unnamed one, index 0


def test_add_an_existing_name_is_an_error():
    with pytest.raises(InputError, match="add: facilities already has 'mine'"):
        override(decision(), scenario=scenario_from_dict(
            {"add": {"facilities": [{"name": "mine", "node": "a", "capacity": 1}]}}))


def test_remove_unknown_names_closest():
    with pytest.raises(InputError, match="remove: facilities has no item named 'mien'; did you "
                                         "mean 'mine'"):
        override(decision(), scenario=scenario_from_dict({"remove": {"facilities": ["mien"]}}))


def test_values_go_through_the_same_validation():
    with pytest.raises(InputError) as e:
        override(decision(), {"horizon.discount_rate": 1.5, "routes[launch].cost_per_t": -1})
    msgs = sorted(p.message for p in e.value.problems)
    assert msgs == ["Input should be greater than or equal to 0 (got -1)",
                    "Input should be less than 1 (got 1.5)"]
    # and the cross-reference checks: a route to a node that does not exist
    with pytest.raises(InputError, match="unknown node 'd' \\(did you mean 'a'|unknown node 'd'"):
        override(decision(), {"routes[launch].to": "d"})


def test_set_a_mapping_and_a_key_inside_one():
    inst = instance(
        horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1},
                                                 {"name": "s2", "years": 1}]},
        routes=[{"name": "ab", "from": "a", "to": "b", "cost_per_t": 1}],
        supplies=[{"node": "a", "commodity": "x"}],
        demands=[{"node": "b", "commodity": "x", "amount": {"s1": 1, "s2": 2}}])
    # amount {s1: 1, s2: 5}: 6 t shipped at 1
    out = override(inst, {"demands[b/x].amount.s2": 5})
    assert solve_exact(out).objective == pytest.approx(6)
    # a price by stage: s1 at 1, s2 at 3: 1 * 1 + 2 * 3 = 7
    out = override(inst, {"routes[ab].cost_per_t": {"s1": 1, "s2": 3}})
    assert solve_exact(out).objective == pytest.approx(7)


def test_set_on_a_templated_element_wins_over_the_template(tmp_path):
    base = write(tmp_path, """\
name: t
horizon: {start_year: 2030, stages: [{name: s1, years: 1}]}
commodities: [{name: x}]
nodes: [{name: a}, {name: b}]
route_templates: [{name: cargo, cost_per_t: 5, capacity: 100}]
routes: [{name: ab, template: cargo, from: a, to: b}]
supplies: [{node: a, commodity: x}]
demands: [{node: b, commodity: x, amount: 2}]
""", "t.yaml")
    # 2 t at the template's 5
    assert solve_exact(load_instance(base)[0]).objective == pytest.approx(10)
    # the element's own value wins over the template's: 2 t at 1
    inst, _ = load_instance(base, sets=["routes[ab].cost_per_t=1"])
    assert solve_exact(inst).objective == pytest.approx(2)
    # a template's value can be set too (the file's templates are expanded after the overrides):
    # capacity 1 < the 2 t needed
    inst, _ = load_instance(base, sets=["route_templates[cargo].capacity=1"])
    assert solve_exact(inst).status.value == "infeasible"
    # an Instance in memory has its templates expanded already: override() changes the element
    assert override(inst, {"routes[ab].capacity": 3}).routes[0].capacity == 3


# --- files and locations ----------------------------------------------------------------------

def test_scenario_file_names_its_base_and_errors_point_at_its_lines(tmp_path):
    write(tmp_path, DECISION_YAML, "base.yaml")
    good = write(tmp_path, "base: base.yaml\nset:\n  routes[launch].cost_per_t: 4\n", "dear.yaml")
    inst, warnings = load_instance(good)
    assert warnings == []
    assert solve_exact(inst).build_units("mine") == {"s1": 1}
    bad = write(tmp_path, "base: base.yaml\nset:\n  routes[launch].cost_per_t: -4\n"
                "  horizon.discount_rate: 2\n  facilities[mien].capex: 1\n", "bad.yaml")
    with pytest.raises(InputError) as e:
        load_instance(bad)
    # path problems first (all of them), with the key's location
    assert [str(p) for p in e.value.problems] == [
        f"{bad}:5:3: facilities has no item named 'mien'; did you mean "
        "'facilities[mine].capex'?"]
    bad.write_text("base: base.yaml\nset:\n  routes[launch].cost_per_t: -4\n"
                   "  horizon.discount_rate: 2\n")
    with pytest.raises(InputError) as e:
        load_instance(bad)
    # values: every problem, in the scenario file's order, at the value's line and column
    assert [str(p) for p in e.value.problems] == [
        f"{bad}:3:30: routes[0].cost_per_t: Input should be greater than or equal to 0 (got -4)",
        f"{bad}:4:26: horizon.discount_rate: Input should be less than 1 (got 2)"]


def test_scenario_on_another_base_and_chains(tmp_path):
    write(tmp_path, DECISION_YAML, "base.yaml")
    # (in YAML's flow style {...} a path with brackets needs quotes; block style does not)
    write(tmp_path, "base: base.yaml\nset: {'routes[launch].cost_per_t': 4}\n", "dear.yaml")
    # a scenario whose base is a scenario: mine capex 50 on top -> launch again (42 < 52)
    chained = write(tmp_path, "base: dear.yaml\nset:\n  facilities[mine].capex: 50\n", "c.yaml")
    sol = solve_exact(load_instance(chained)[0])
    assert sol.objective == pytest.approx(42)
    assert sol.build_units("mine") == {}
    # a scenario applied to a base given explicitly: the explicit base wins, with a warning
    other = write(tmp_path, DECISION_YAML.replace("capex: 30", "capex: 35"), "other.yaml")
    inst, warnings = load_instance(other, [tmp_path / "dear.yaml"])
    assert inst.facilities[0].capex == 35 and inst.routes[0].cost_per_t == 4
    assert len(warnings) == 1 and "applying it to" in warnings[0].message
    # a cycle is reported, not followed forever
    write(tmp_path, "base: loop2.yaml\n", "loop1.yaml")
    write(tmp_path, "base: loop1.yaml\n", "loop2.yaml")
    with pytest.raises(InputError, match="scenario base cycle"):
        load_instance(tmp_path / "loop1.yaml")


def test_scenario_file_structure_errors(tmp_path):
    write(tmp_path, DECISION_YAML, "base.yaml")
    bad = write(tmp_path, "base: base.yaml\nsett: {a: 1}\nremove: {node: [a]}\n"
                "add: {routes: [3]}\n", "bad.yaml")
    with pytest.raises(InputError) as e:
        load_instance(bad)
    msgs = [str(p) for p in e.value.problems]
    assert msgs[0].startswith(f"{bad}:2:1: sett: unknown key 'sett' in a scenario (did you mean "
                              "'set'?)")
    assert any("cannot remove 'node' (did you mean 'nodes'?)" in m for m in msgs)
    assert any("an added element is a mapping" in m for m in msgs)


def test_include_catalog_items_can_be_overridden(tmp_path):
    write(tmp_path, "facilities:\n  - {name: mine, node: b, capacity: 10, capex: 30, "
          "produces: {x: 1.0}}\n", "catalog.yaml")
    text = DECISION_YAML.replace("facilities:\n  - {name: mine, node: b, capacity: 10, capex: 30,"
                                 " produces: {x: 1.0}}\n", "include: [catalog.yaml]\n")
    base = write(tmp_path, text, "base.yaml")
    inst, _ = load_instance(base, sets=["facilities[mine].capex=5", "routes[launch].cost_per_t=1"])
    # launch 10 * 1 + 2 = 12 > mine 5 + 2 = 7
    assert solve_exact(inst).objective == pytest.approx(7)


def test_parse_set_values_are_yaml():
    assert parse_set("a.b=1.4").value == 1.4
    assert parse_set("a.b={s1: 3, s2: 4}").value == {"s1": 3, "s2": 4}
    assert parse_set("a.b=null").value is None
    assert parse_set("a.b=text").value == "text"
    with pytest.raises(InputError, match="is not PATH=VALUE"):
        parse_set("a.b")
    with pytest.raises(InputError, match="not valid YAML"):
        parse_set("a.b={x: [}")


def test_apply_keeps_locations_of_shifted_items():
    # removing item 0 moves item 1 to index 0, with its location
    from netopt.errors import Location

    data = {"routes": [{"name": "r0"}, {"name": "r1", "to": "z"}]}
    locs = {("routes", 1, "to"): Location("f.yaml", 7, 3)}
    out, out_locs = apply(data, locs, Scenario(remove=[("routes", "r0", None)]))
    assert out == {"routes": [{"name": "r1", "to": "z"}]}
    assert out_locs[("routes", 0, "to")] == Location("f.yaml", 7, 3)
    assert data["routes"][0]["name"] == "r0"  # the input is not changed
    out, out_locs = apply(data, locs, Scenario(set=[Override("routes[r1].to", "b",
                                                             Location("--set", None))]))
    assert out_locs[("routes", 1, "to")] == Location("--set", None)


# --- command line -----------------------------------------------------------------------------

def test_cli_solve_with_set_and_scenario(tmp_path):
    base = write(tmp_path, DECISION_YAML, "base.yaml")
    r = run("solve", base, "-q")
    assert r.exit_code == 0 and "objective 22" in r.output
    r = run("solve", base, "-q", "--set", "routes[launch].cost_per_t=4")
    assert r.exit_code == 0 and "objective 32" in r.output, r.output
    sc = write(tmp_path, "set:\n  routes[launch].cost_per_t: 4\n  facilities[mine].capex: 50\n",
               "sc.yaml")
    r = run("solve", base, "-q", "--scenario", sc)
    assert r.exit_code == 0 and "objective 42" in r.output, r.output
    # --set comes after the scenarios: the mine at 10 again
    r = run("solve", base, "-q", "--scenario", sc, "--set", "facilities[mine].capex=10")
    assert r.exit_code == 0 and "objective 12" in r.output, r.output
    # a scenario file that names its base is solved directly
    named = write(tmp_path, "base: base.yaml\nset:\n  routes[launch].cost_per_t: 4\n", "n.yaml")
    r = run("solve", named, "-q")
    assert r.exit_code == 0 and "objective 32" in r.output, r.output
    assert run("validate", named).exit_code == 0


def test_cli_unknown_path_exit_1_naming_the_closest(tmp_path):
    base = write(tmp_path, DECISION_YAML, "base.yaml")
    r = run("solve", base, "--set", "routes[launch].cost_per_tt=4")
    assert r.exit_code == 1
    assert r.output.strip() == (
        "--set routes[launch].cost_per_tt=4: routes[launch] has no field 'cost_per_tt'; did you "
        "mean 'routes[launch].cost_per_t'?")
    r = run("solve", base, "--set", "horizon.discount_rate=1.5")
    assert r.exit_code == 1
    assert r.output.strip() == ("--set horizon.discount_rate=1.5: horizon.discount_rate: Input "
                                "should be less than 1 (got 1.5)")
    r = run("solve", base, "--set", "nonsense")
    assert r.exit_code == 1 and "is not PATH=VALUE" in r.output
