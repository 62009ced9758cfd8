"""Planning under uncertainty (solvers.md): the tree's checks, the extensive form, EVPI and VSS,
on instances solved by hand in their header comments (tests/data/stochastic/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from netopt.cli import app
from netopt.errors import InputError
from netopt.results import Solution
from netopt.solve import SolveOptions
from netopt.status import SCHEMA_VERSION
from netopt.stochastic.plan import StochasticPlan, mean

HERE = Path(__file__).parent / "data" / "stochastic"
runner = CliRunner()
EXACT = SolveOptions(gap=0.0)


def two_leaf() -> dict:
    return yaml.safe_load((HERE / "two-leaf.yaml").read_text())


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "tree.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_hedged_plan_differs_from_both_deterministic_plans():
    # tests/data/stochastic/two-leaf.yaml: high alone builds small+large (120), low alone
    # nothing (0); hedged: large alone, 105 in expectation (130 if high, 80 if low)
    sp = StochasticPlan.read(HERE / "two-leaf.yaml")
    assert [leaf.name for leaf in sp.tree.leaves] == ["high", "low"]
    alone = [plan.solve(EXACT) for plan in sp.leaves]
    assert [s.objective for s in alone] == [pytest.approx(120), pytest.approx(0)]
    assert {b["name"] for b in alone[0].builds} == {"small", "large"}
    assert alone[1].builds == []
    sol = sp.solve(EXACT)
    assert sol.objective == pytest.approx(105)
    assert [(b["name"], b["stage"], b["units"]) for b in sol.builds] == [("large", "s1", 1)]
    st = sol.stochastic
    assert st["here_and_now"] == sol.builds
    # NA: both leaves share the s1 build
    assert [leaf["builds"] for leaf in st["leaves"]] == [sol.builds, sol.builds]
    assert [leaf["objective"] for leaf in st["leaves"]] == [pytest.approx(130), pytest.approx(80)]
    assert st["spread"] == {"min": pytest.approx(80), "max": pytest.approx(130),
                            "std": pytest.approx(25)}  # |130 - 105| = |80 - 105| = 25
    # expected costs: capex 80 in s1, water bought 0.5 x 5 t x 10 = 25 in s2; they sum to SP
    assert [(c["category"], c["stage"], c["discounted"]) for c in sol.costs] == [
        ("capex", "s1", pytest.approx(80)), ("supply", "s2", pytest.approx(25))]


def test_evpi_and_vss():
    # WS = (120 + 0)/2 = 60: EVPI = 105 - 60 = 45. EV (demand 15) builds small (40); with small
    # fixed, E = 40 + (150 + 0)/2 = 115: VSS = 115 - 105 = 10
    st = StochasticPlan.read(HERE / "two-leaf.yaml").solve(EXACT).stochastic
    assert st["expected_cost"] == pytest.approx(105)
    assert st["wait_and_see"] == pytest.approx(60)
    assert st["leaf_alone"] == [pytest.approx(120), pytest.approx(0)]
    assert st["evpi"] == pytest.approx(45)
    assert st["mean_value"] == pytest.approx(40)
    assert st["eev"] == pytest.approx(115)
    assert st["vss"] == pytest.approx(10)


def test_three_stage_tree_shares_builds_by_node():
    # tests/data/stochastic/three-stage.yaml: nothing in s1; one plant in s2 after first=hi;
    # SP = 80, leaf costs 0, 100, 60, 160; WS = 60, EVPI = 20
    sp = StochasticPlan.read(HERE / "three-stage.yaml")
    assert [leaf.name for leaf in sp.tree.leaves] == ["lo/lo", "lo/hi", "hi/lo", "hi/hi"]
    assert [leaf.probability for leaf in sp.tree.leaves] == [0.25] * 4
    assert sp.tree.root_stages == ["s1"]
    assert sp.tree.groups(1) == [[0, 1], [2, 3]]  # s2: only `first` known
    assert sp.tree.groups(2) == [[0], [1], [2], [3]]
    sol = sp.solve(EXACT)
    assert sol.objective == pytest.approx(80)
    assert sol.builds == []
    leaves = {leaf["name"]: leaf for leaf in sol.stochastic["leaves"]}
    plant_s2 = [{"name": "plant", "type": "facility", "node": "base", "stage": "s2", "units": 1}]
    assert leaves["hi/lo"]["builds"] == leaves["hi/hi"]["builds"] == plant_s2
    assert leaves["lo/lo"]["builds"] == leaves["lo/hi"]["builds"] == []
    assert [leaves[n]["objective"] for n in ("lo/lo", "lo/hi", "hi/lo", "hi/hi")] == [
        pytest.approx(0), pytest.approx(100), pytest.approx(60), pytest.approx(160)]
    assert sol.stochastic["wait_and_see"] == pytest.approx(60)
    assert sol.stochastic["evpi"] == pytest.approx(20)
    # the scale change: leaf hi/* has need = 2 x 5 = 10 t/yr in s3
    assert sp.leaves[2].instance.demands[0].amount == {"s3": 10}


def test_nonanticipativity_rows_tie_builds():
    from netopt.stochastic.extensive import build

    sp = StochasticPlan.read(HERE / "three-stage.yaml")
    ef = build(sp)
    # plant can be built in s1 (4 leaves: 3 rows tie them to the first) and s2 (2 nodes of 2
    # leaves: 1 row each): 5 rows
    assert len(ef.model.nonanticipativity) == 5
    assert ef.model.leaf0.objective.active is False and ef.model.expected_cost.active


def test_cli_prints_figures_and_writes_them(tmp_path):
    r = runner.invoke(app, ["solve", str(HERE / "two-leaf.yaml"), "--gap", "0", "-o",
                            str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "Here and now (stages s1): large x1 in s1" in r.output
    assert "EVPI 45 MUSD (wait-and-see 60 MUSD)" in r.output
    assert "VSS 10 MUSD" in r.output
    doc = json.loads((tmp_path / "solution.json").read_text())
    assert doc["schema_version"] == SCHEMA_VERSION == 8
    assert doc["stochastic"]["evpi"] == pytest.approx(45)
    assert Solution.read(tmp_path / "solution.json").stochastic["vss"] == pytest.approx(10)
    r = runner.invoke(app, ["report", str(tmp_path / "solution.json"), "--format", "md", "-o",
                            str(tmp_path / "report.md")])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "report.md").read_text()
    assert "- **EVPI (SP − wait-and-see)**: 45 MUSD (WS 60 MUSD)" in md
    assert "- **VSS (EEV − SP)**: 10 MUSD (EEV 115 MUSD, mean-value plan 40 MUSD)" in md
    assert "- **Here and now**: large x1 in s1" in md
    # leaf high: capex 80 in s1, 5 t bought at 10 in s2 (the report's leaf row: cost per stage,
    # then the objective); the last row weighs the leaves: s2 0.5 x 50 = 25, objective 105
    assert "| high | 0.5 | 80 | 50 | 130 | large x1 s1 |" in md
    assert "| expected (probability-weighted) | 1 | 80 | 25 | 105 |  |" in md


def test_validate_counts_leaves():
    r = runner.invoke(app, ["validate", str(HERE / "three-stage.yaml")])
    assert r.exit_code == 0, r.output
    assert "three-stage.yaml: valid (1 facility, 0 routes, 0 vehicles, 3 stages, 4 leaves)" in r.output


@pytest.mark.parametrize("change, message, token", [
    (lambda u: u["branchings"][0].update(stage="s9"),
     "uncertainty.branchings[0].stage: unknown stage 's9'", "s9"),
    (lambda u: u["branchings"][0]["branches"][0].update(probability=0.7),
     "uncertainty.branchings[0].branches: the probabilities of branching 'demand' sum to 1.2, "
     "not 1", "- name: high"),  # the list of branches starts there
    (lambda u: u["branchings"][0]["branches"][0].update(
        set={"demands[base/wter].amount": 1}),
     "uncertainty.branchings[0].branches[0].set.demands[base/wter].amount: demands has no item "
     "named 'base/wter'; did you mean 'demands[base/water].amount'?", "wter"),
    (lambda u: u["branchings"][0].update(branches=[]),
     "uncertainty.branchings[0].branches: List should have at least 1 item after validation, "
     "not 0", "branches"),
    (lambda u: u["branchings"][0]["branches"][1].update(name="high"),
     "uncertainty.branchings[0].branches[1].name: branch 'high' is named twice in 'demand'",
     "high"),
    (lambda u: u["branchings"][0]["branches"][0].update(set={"horizon.stages": []}),
     "uncertainty.branchings[0].branches[0].set.horizon.stages: a branch cannot change "
     "'horizon.stages' (the tree, the stages, includes and the name "
     "stay as in the base)", "horizon.stages"),
    (lambda u: u.update(sampled={"stage": "s2", "scenarios": 2, "params": {"x": {}}}),
     # at the sampled tree's first key, the value of `sampled:`
     "uncertainty.sampled: give either branchings or sampled (one of them)", "  stage: s2"),
    (lambda u: u.update(branchings=[], sampled={"stage": "s2", "scenarios": 2, "params": {
        "supplies[0].price_per_t": {"dist": "uniform", "low": 3, "high": 1}}}),
     "uncertainty.sampled.params.supplies[0].price_per_t: not a distribution: low (3) "
     "must be below high (1)", "dist: uniform"),
])
def test_bad_trees_name_file_line_and_field(tmp_path, change, message, token):
    data = two_leaf()
    change(data["uncertainty"])
    path = write(tmp_path, data)
    r = runner.invoke(app, ["validate", str(path)])
    assert r.exit_code == 1
    where, _, text = r.output.strip().partition(": ")
    assert text == message
    file, line, _col = where.rsplit(":", 2)
    assert file == str(path)
    assert token in path.read_text().splitlines()[int(line) - 1]


def test_bad_value_in_a_branch_is_located_at_its_line(tmp_path):
    data = two_leaf()
    data["uncertainty"]["branchings"][0]["branches"][0]["set"] = {
        "supplies[base/water].price_per_t": -3}
    path = write(tmp_path, data)
    with pytest.raises(InputError) as e:
        StochasticPlan.read(path)
    (p,) = e.value.problems
    assert p.message.startswith("in leaf 'high': Input should be greater than or equal to 0")
    assert p.location is not None and p.location.file == str(path)
    line = path.read_text().splitlines()[p.location.line - 1]
    assert "price_per_t" in line


def test_sampled_tree_is_reproducible(tmp_path):
    data = two_leaf()
    data["uncertainty"] = {"sampled": {"stage": "s2", "scenarios": 4, "seed": 7, "params": {
        "demands[base/water].amount.s2": {"dist": "uniform", "low": 0, "high": 30}}}}
    path = write(tmp_path, data)
    a, b = StochasticPlan.read(path), StochasticPlan.read(path)
    draws = [plan.instance.demands[0].amount["s2"] for plan in a.leaves]
    assert draws == [plan.instance.demands[0].amount["s2"] for plan in b.leaves]
    assert len(set(draws)) == 4 and all(0 <= d <= 30 for d in draws)
    assert [leaf.probability for leaf in a.tree.leaves] == [0.25] * 4
    # the mean-value instance has the draws' mean
    ev = a.mean_value_plan().instance.demands[0].amount["s2"]
    assert ev == pytest.approx(sum(draws) / 4)


def test_mean_of_branch_values():
    # numbers: 0.5 x 30 + 0.5 x 0 = 15; a number stands for every stage, a missing key for 0;
    # a stage name is the most probable branch's
    assert mean([30, 0], [0.5, 0.5], ["s1", "s2"]) == 15
    assert mean([{"s2": 30}, 10], [0.5, 0.5], ["s1", "s2"]) == {"s1": 5, "s2": 20}
    assert mean(["s1", "s2"], [0.4, 0.6], ["s1", "s2"]) == "s2"
    assert mean(["s1", "s2"], [0.5, 0.5], ["s1", "s2"]) == "s1"


def test_plain_instance_reads_as_a_plan():
    from netopt.plan import Plan

    plan = StochasticPlan.read(Path(__file__).parent.parent / "instances" / "tutorial.yaml")
    assert isinstance(plan, Plan)


def test_stochastic_cislunar_ice_hedges_by_launch_price():
    # instances/stochastic/cislunar-ice.yaml: launch price known in 2035, ice grade in 2040.
    # Builds of s2035 may depend on the launch price only: both leaves under `cheap` (and both
    # under `dear`) build the same units in s2035; dearer launch means more lunar production.
    sp = StochasticPlan.read(Path(__file__).parent.parent / "instances" / "stochastic"
                             / "cislunar-ice.yaml")
    sol = sp.solve(SolveOptions(gap=1e-6, threads=1))
    assert sol.status.value == "optimal"
    st = sol.stochastic
    by = {leaf["name"]: leaf for leaf in st["leaves"]}

    def in_stage(leaf: str, stage: str) -> list:
        return [(b["name"], b["units"]) for b in by[leaf]["builds"] if b["stage"] == stage]

    assert in_stage("cheap/high", "s2035") == in_stage("cheap/low", "s2035")
    assert in_stage("dear/high", "s2035") == in_stage("dear/low", "s2035")

    def mines(leaf: str) -> int:
        return sum(b["units"] for b in by[leaf]["builds"] if b["name"] == "moon-ice-mine")

    assert mines("dear/high") > mines("cheap/high")
    # the expected cost is the probability-weighted sum of the leaves' costs
    assert st["expected_cost"] == pytest.approx(sum(0.25 * by[n]["objective"] for n in by))
    assert st["evpi"] >= -1e-6 * abs(st["expected_cost"])
    assert st["vss"] is not None and st["vss"] >= -1e-6 * abs(st["expected_cost"])


def test_a_leaf_infeasible_on_its_own_is_named(tmp_path):
    # leaf high asks 50 t/yr; small + large make 40 and the supply is closed: infeasible alone
    data = two_leaf()
    data["supplies"][0]["max_per_year"] = 0
    data["uncertainty"]["branchings"][0]["branches"][0]["set"] = {
        "demands[base/water].amount": {"s2": 50}}
    r = runner.invoke(app, ["solve", str(write(tmp_path, data)), "-q"])
    assert r.exit_code == 3, r.output
    assert "two-leaf: infeasible" in r.output
    assert "leaf high is infeasible on its own" in r.output


def test_no_figures_skips_evpi_and_vss():
    st = StochasticPlan.read(HERE / "two-leaf.yaml").solve(EXACT, figures=False).stochastic
    assert st["expected_cost"] == pytest.approx(105)
    assert "evpi" not in st and "vss" not in st
    r = runner.invoke(app, ["solve", str(HERE / "two-leaf.yaml"), "--no-figures"])
    assert r.exit_code == 0 and "EVPI" not in r.output and "Expected cost 105 MUSD" in r.output


def test_provenance_names_the_tree_file(tmp_path):
    r = runner.invoke(app, ["solve", str(HERE / "two-leaf.yaml"), "--gap", "0", "--no-figures",
                            "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    prov = json.loads((tmp_path / "solution.json").read_text())["provenance"]
    assert [Path(i["path"]).name for i in prov["inputs"]] == ["two-leaf.yaml"]


def test_summary_labels_expectations_and_writes_money_without_exponents(tmp_path):
    # two-leaf.yaml with every price x 1e6: capex small 40e6, large 80e6, water 10e6 per t.
    # The hedged plan is the same (large); expected cost 105e6, leaves 130e6 (high) and 80e6
    # (low), sd 25e6, EVPI 45e6, VSS 10e6. `,.6g` printed 1.05e+08.
    sets = ["facilities[small].capex=40000000", "facilities[large].capex=80000000",
            "supplies[0].price_per_t=10000000"]
    r = runner.invoke(app, ["solve", str(HERE / "two-leaf.yaml"), "--gap", "0",
                            *(x for s in sets for x in ("--set", s))])
    assert r.exit_code == 0, r.output
    assert ("two-leaf: optimal, objective 105,000,000 MUSD (expected over 2 leaves, "
            "probability-weighted)") in r.output
    assert ("Costs (MUSD, discounted) by stage and category: expected over the 2 leaves "
            "(probability-weighted)") in r.output
    assert "Build-out: " in r.output and "here and now (root stages)" in r.output
    assert "  leaf high (p 0.5): 130,000,000 MUSD; builds large x1 s1" in r.output
    assert ("Expected cost 105,000,000 MUSD (probability-weighted over the leaves); leaves "
            "80,000,000 .. 130,000,000, sd 25,000,000") in r.output
    assert "EVPI 45,000,000 MUSD (wait-and-see 60,000,000 MUSD)" in r.output
    assert " 80,000,000 " in r.output  # the cost table's capex
    assert "e+" not in r.output and "e-0" not in r.output
    r = runner.invoke(app, ["solve", str(HERE / "two-leaf.yaml"), "--gap", "0", "-q",
                            *(x for s in sets for x in ("--set", s))])
    assert r.output.splitlines()[0] == "two-leaf: optimal, objective 105,000,000"


def test_leaves_are_in_the_csvs_and_the_netcdf_beside_the_expectation(tmp_path):
    # two-leaf.yaml: in s2 leaf high buys 30 - 25 = 5 t/yr of water (cost 50), leaf low none;
    # the expectation is 0.5 x 5 + 0.5 x 0 = 2.5 t/yr (cost 25). Every table of the CSVs starts
    # with `leaf`: "expected" rows, then each leaf's own; the netCDF has a leaf dimension.
    import csv

    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    r = runner.invoke(app, ["solve", str(HERE / "two-leaf.yaml"), "--gap", "0", "-o",
                            str(tmp_path / "sol")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["export", str(tmp_path / "sol" / "solution.json"), "-o",
                            str(tmp_path / "out"), "--netcdf"])
    assert r.exit_code == 0, r.output

    def rows(name):
        with open(tmp_path / "out" / f"{name}.csv", newline="") as f:
            return list(csv.DictReader(f))

    bought = [(x["leaf"], x["stage"], float(x["rate_t_per_yr"])) for x in rows("supplies")]
    assert bought == [("expected", "s2", 2.5), ("high", "s2", 5.0)]
    costs = {(x["leaf"], x["category"]): float(x["discounted_MUSD"]) for x in rows("costs")}
    assert costs == {("expected", "capex"): 80.0, ("expected", "supply"): 25.0,
                     ("high", "capex"): 80.0, ("high", "supply"): 50.0, ("low", "capex"): 80.0}
    # the expectation is the probability-weighted sum of the leaves' rows (p = 0.5 each)
    for cat in ("capex", "supply"):
        assert costs[("expected", cat)] == pytest.approx(
            sum(0.5 * costs.get((leaf, cat), 0.0) for leaf in ("high", "low")))
    assert {x["leaf"] for x in rows("builds")} == {"expected", "high", "low"}
    assert "leaf" not in rows("stages")[0]  # the network tables are the same in every leaf
    with xr.open_dataset(tmp_path / "out" / "solution.nc", engine="h5netcdf") as ds:
        assert list(ds.leaf.values) == ["expected", "high", "low"]
        assert ds.probability.values[1:].tolist() == [0.5, 0.5]
        assert ds.bought.sel(supply="base/water", step="s2").values.tolist() == [2.5, 5.0, 0.0]
        assert "expectation" in ds.bought.attrs["leaf"]
        assert ds.attrs["objective"] == 105.0
    from tests.test_dense import _check_round_trip

    assert _check_round_trip(Solution.read(tmp_path / "sol" / "solution.json"),
                             tmp_path / "rt") > 10
