"""solution.json says where it came from (netopt/provenance.py, solution_schema.Provenance), and a
scenario's solution carries the scenario's name."""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

import pytest

import netopt
from netopt.provenance import recording_inputs
from netopt.results import Solution
from netopt.plan import load_instance
from netopt.solution_schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "instances" / "tutorial.yaml"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_schema_version_has_provenance_since_3():
    # provenance since 3; 4: operating steps; 5: stochastic; 6: vehicles; 7: step dates and
    # days, leaf tables; 8: vehicles as flows
    assert SCHEMA_VERSION == 8


def test_solve_file_records_version_inputs_options_and_times():
    opts = netopt.SolveOptions(gap=0.02, seed=5, solver_options={"mip_heuristic_effort": 0.1})
    sol = netopt.solve_file(TUTORIAL, opts)
    p = sol.provenance
    assert p["netopt"] == metadata.version("netopt")
    assert p["inputs"] == [{"path": str(TUTORIAL), "sha256": _sha(TUTORIAL)}]
    assert p["options"] == {"time_limit": None, "gap": 0.02, "threads": None, "seed": 5,
                            "elastic": False, "cuts": None, "online": None,
                            "solver_options": {"mip_heuristic_effort": 0.1}}
    assert p["solver"] == "highs" and p["highs_version"] == metadata.version("highspy")
    assert p["solver_version"] == sol.solver["version"]
    assert p["started"] <= p["finished"] and p["finished"].endswith("Z")
    assert p["host_cpus"] == os.cpu_count()
    # run from this checkout: git describe names a commit
    assert p["git"] is None or len(p["git"]) >= 7


def test_includes_and_scenario_bases_are_inputs_with_their_hashes():
    scenario = ROOT / "docs" / "examples" / "high-launch-cost.yaml"
    with recording_inputs() as files:
        inst, _ = load_instance(scenario)
    base = scenario.parent / "../../instances/cislunar-ice.yaml"
    want = [scenario, base, *[(base.parent / f).resolve() for f in
                              ("../models/propulsion.yaml", "../models/facilities.yaml",
                               "../models/routes.yaml", "../models/vehicles.yaml")]]
    assert {Path(p).resolve(): h for p, h in files.items()} == {
        f.resolve(): _sha(f) for f in want}
    # outside the block nothing is recorded
    load_instance(TUTORIAL)
    assert len(files) == 6
    # a plan keeps what it read, for its solutions
    from netopt.plan import Plan

    plan = Plan.read(scenario, sets=["horizon.discount_rate=0.07"])
    assert {Path(p).resolve() for p in plan.inputs} == {f.resolve() for f in want}
    prov = plan.solve().provenance
    assert prov["sets"] == ["horizon.discount_rate=0.07"] and prov["scenarios"] == []
    assert len(prov["inputs"]) == 6


def test_provenance_round_trips_and_older_files_load_without_it(tmp_path):
    sol = netopt.solve_file(TUTORIAL)
    sol.write(tmp_path)
    doc = json.loads((tmp_path / "solution.json").read_text())
    assert doc["schema_version"] == SCHEMA_VERSION and doc["provenance"]["inputs"][0]["sha256"] == _sha(TUTORIAL)
    back = Solution.read(tmp_path / "solution.json")
    assert back.provenance == sol.provenance
    doc["schema_version"] = 3
    del doc["stochastic"]
    assert Solution.from_dict(doc).stochastic is None
    doc["schema_version"] = 2
    del doc["provenance"]
    assert Solution.from_dict(doc).provenance is None
    doc["schema_version"] = 1
    del doc["network"]
    assert Solution.from_dict(doc).network["nodes"] == []


def test_a_scenario_solution_is_labelled_with_the_scenario(tmp_path):
    scenario = ROOT / "docs" / "examples" / "high-launch-cost.yaml"
    assert load_instance(scenario)[0].name == "high-launch-cost"
    assert load_instance(ROOT / "instances" / "cislunar-ice.yaml", [scenario])[0].name == \
        "high-launch-cost"
    named = tmp_path / "dear launch.yaml"  # the stem is made a valid name
    named.write_text(f"base: {TUTORIAL}\nset: {{horizon.discount_rate: 0.07}}\n")
    assert load_instance(named)[0].name == "dear-launch"
    named.write_text(f"base: {TUTORIAL}\nname: dear\n")
    assert load_instance(named)[0].name == "dear"
    # --set alone changes values, not the name
    assert load_instance(TUTORIAL, sets=["horizon.discount_rate=0.07"])[0].name == "tutorial"


def test_the_network_section_carries_the_economic_assumptions():
    """The report's assumptions come from solution.json alone: prices, costs, discount rate."""
    from netopt.testing import instance, solve_exact

    sol = solve_exact(instance(
        horizon={"start_year": 2030, "discount_rate": 0.05,
                 "stages": [{"name": "s1", "years": 1}, {"name": "s2", "years": 1}]},
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 100, "opex": 2,
                     "variable_cost": 0.1, "produces": {"x": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "cost_per_t": {"s1": 0.5, "s2": 0.4}}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0, "max_per_year": 50}],
        demands=[{"node": "b", "commodity": "x", "amount": 4},
                 {"node": "b", "commodity": "x", "kind": "market", "amount": {"s2": 3},
                  "price_per_t": {"s2": 0.2}, "name": "sale"}],
        budgets={"s1": 500}))
    net = Solution.from_dict(sol.to_dict()).network
    assert net["discount_rate"] == 0.05 and net["budgets"] == {"s1": 500}
    assert net["supplies"] == [{"supply": "a/x", "node": "a", "commodity": "x",
                                "price_per_t": 1.0, "max_per_year": 50}]
    [route] = net["routes"]
    assert route["cost_per_t"] == {"s1": 0.5, "s2": 0.4} and route["capex"] is None
    [mine] = net["facilities"]
    assert (mine["capex"], mine["opex"], mine["variable_cost"]) == (100, 2, 0.1)
    market = [d for d in net["demands"] if d["demand"] == "sale"]
    assert [(d["stage"], d["price_per_t"]) for d in market] == [("s2", 0.2)]
