"""Solutions for tools: the solution.json schema, tidy tables (CSV, Parquet, DataFrames), the
networkx graph and GraphML, `netopt compare`, `netopt export`, and the terminal summary."""

import csv
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from rich.console import Console
from typer.testing import CliRunner

import netopt
from netopt.cli import app
from netopt.results import NETWORK_TABLES, TABLES, Solution
from netopt.solution_schema import SCHEMA_VERSION, SolutionFileError, solution_json_schema
from netopt.testing import instance, solve_exact

ROOT = Path(__file__).parent.parent
EXAMPLE = Path(__file__).parent / "data" / "issue-example.yaml"
runner = CliRunner()


def small(route_price: float = 1.0, mine_capex: float = 100.0, demand: object = 4,
          mine_opex: float = 0.0):
    """Hand-checkable: a Moon mine (node a) ships x to an Earth orbit (node b) over route ab,
    burning 0.25 t of x per t of payload drawn at a and losing 20 % in transit. Demand at b:
    4 t/yr in each of two 1-year stages (by default). An unused parallel route ab2 and a dear supply at b.

    Per stage: arrivals 4 => payload 4 / 0.8 = 5 t/yr, propellant 0.25 x 5 = 1.25 t/yr, mine
    activity 5 + 1.25 = 6.25 t/yr (capacity 10). The mine is built in s1 (capex 100) and stays
    online in s2. Cost: 100 + 2 x 5 x price (= 110 at price 1) vs buying at b: 2 x 4 x 100 = 800.
    """
    return instance(
        horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1},
                                                {"name": "s2", "years": 1}]},
        nodes=[{"name": "a", "kind": "surface", "body": "Moon"},
               {"name": "b", "kind": "orbit", "body": "Earth"},
               {"name": "l1", "kind": "lagrange", "bodies": ["Earth", "Moon"], "point": "L1"}],
        facilities=[{"name": "m", "kind": "mine", "node": "a", "capacity": 10, "max_units": 2,
                     "capex": mine_capex, "opex": mine_opex, "produces": {"x": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "cost_per_t": route_price, "loss": 0.2,
                 "propellant_per_t": {"x": 0.25}},
                {"name": "ab2", "from": "a", "to": "b", "cost_per_t": 50},
                {"name": "bl", "from": "b", "to": "l1", "cost_per_t": 1}],
        supplies=[{"node": "b", "commodity": "x", "price_per_t": 100}],
        demands=[{"node": "b", "commodity": "x", "amount": demand}])


@pytest.fixture(scope="module")
def sol():
    s = solve_exact(small())
    assert s.status.value == "optimal"
    assert s.objective == pytest.approx(110)
    return s


@pytest.fixture(scope="module")
def example():
    return solve_exact(netopt.load(EXAMPLE))


# --- solution.json and its schema -------------------------------------------------------------
def test_json_round_trip(sol, tmp_path):
    sol.write(tmp_path)
    back = Solution.read(tmp_path / "solution.json")
    assert back == sol
    assert back.network["nodes"][2] == {"name": "l1", "kind": "lagrange", "body": None,
                                        "bodies": ["Earth", "Moon"], "point": "L1",
                                        "requires_depot": []}
    assert json.loads((tmp_path / "solution.json").read_text())["schema_version"] == SCHEMA_VERSION


def test_written_json_validates_against_published_schema(example, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    example.write(tmp_path)
    doc = json.loads((tmp_path / "solution.json").read_text())
    schema = solution_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema)
    bad = {**doc, "flows": [{**doc["flows"][0], "rate": -1}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_published_schema_file_is_current():
    # schemas/solution-v{N}.schema.json is what `netopt schema --solution` prints; regenerate with
    #   netopt schema --solution > schemas/solution-v{N}.schema.json
    path = ROOT / "schemas" / f"solution-v{SCHEMA_VERSION}.schema.json"
    assert json.loads(path.read_text()) == solution_json_schema()
    r = runner.invoke(app, ["schema", "--solution"])
    assert r.exit_code == 0
    printed = json.loads(r.output)
    assert printed["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert printed["$id"] == f"urn:netopt:solution:v{SCHEMA_VERSION}"
    assert printed["$defs"]["FlowRow"]["required"] == ["route", "from", "to", "commodity",
                                                      "stage", "year", "rate", "arrivals"]


def test_invalid_solution_file_names_every_problem(sol, tmp_path):
    doc = sol.to_dict()
    doc["flows"][0]["rate"] = -5
    doc["builds"][0]["units"] = "two"
    doc["status"] = "great"
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(SolutionFileError) as e:
        Solution.read(path)
    text = str(e.value)
    assert str(path) in text
    assert "flows.0.rate: Input should be greater than or equal to 0" in text
    assert "builds.0.units" in text
    assert "status: Input should be 'optimal'" in text
    with pytest.raises(SolutionFileError, match="schema_version: 99"):
        Solution.from_dict({**sol.to_dict(), "schema_version": 99})


def test_version_2_file_loads_as_one_step_per_stage(sol):
    # A version-2 file has no steps, years, operating units, stocks or arrivals: each stage is
    # one step starting in the stage's start year, every unit operates the whole stage.
    doc = sol.to_dict()
    doc["schema_version"] = 2
    for key in ("steps", "stocks", "arrivals"):
        del doc[key]
    for table in ("online", "activities", "flows", "propellant", "supplies", "sales",
                  "shortfalls", "costs"):
        for row in doc[table]:
            del row["year"]
    for row in doc["online"]:
        del row["operating"]
    back = Solution.from_dict(doc)
    assert back.steps == sol.steps
    assert back.flows == sol.flows and back.online == sol.online and back.costs == sol.costs
    assert back.stocks == [] and back.arrivals == []


def test_version_1_file_still_loads(sol):
    doc = sol.to_dict()
    doc["schema_version"] = 1
    del doc["network"]
    back = Solution.from_dict(doc)
    assert back.flows == sol.flows
    assert back.network == {"nodes": [], "facilities": [], "routes": [], "demands": [],
                            "supplies": [], "discount_rate": None, "budgets": {}}
    G = back.graph("s1")  # drawn from the rows alone
    assert G.edges["a", "b"]["flow"] == pytest.approx(5)


# --- tidy tables -------------------------------------------------------------------------------
HEADERS = {
    "builds": "name,type,kind,node,body,stage,units",
    "online": "name,type,kind,node,body,stage,year,units,operating,capacity_t_per_yr",
    "activities": "facility,kind,node,body,stage,year,rate_t_per_yr",
    "flows": "route,from,to,commodity,stage,year,rate_t_per_yr,arrivals_t_per_yr",
    "propellant": "route,node,body,commodity,stage,year,rate_t_per_yr",
    "supplies": "supply,node,body,commodity,stage,year,rate_t_per_yr",
    "sales": "demand,node,body,commodity,stage,year,rate_t_per_yr",
    "shortfalls": "demand,node,body,commodity,stage,year,rate_t_per_yr",
    "costs": "category,stage,year,amount_MUSD,discounted_MUSD",
    "stocks": "facility,node,body,commodity,stage,year,tonnes_t",
    "arrivals": "route,to,body,commodity,stage,year,rate_t_per_yr",
    "trips": ("route,vehicle,from,to,stage,year,trips,payload_t_per_yr,propellant_t_per_yr,"
              "tank_cargo_t_per_yr"),
    "fleet": "vehicle,stage,year,online,operating,vehicle_years,utilisation",
    "parked": "vehicle,node,body,stage,year,vehicles",
    "disposals": "vehicle,node,body,stage,year,vehicles",
    "stages": "stage,start_year,end_year,years,capex_factor,annual_factor",
    "steps": "step,stage,start_year,years,annual_factor",
    "nodes": "node,kind,body,bodies,point,requires_depot",
    "facilities": "facility,kind,node,body,capacity_per_unit_t_per_yr,max_units,produces,consumes",
    "routes": "route,from,to,from_body,to_body,buildable,capacity_t_per_yr,delta_v_km_s,loss",
    "demands": "demand,kind,node,body,commodity,stage,amount_t_per_yr",
}


def test_csv_headers_and_rows(sol, tmp_path):
    paths = sol.write(tmp_path)
    assert {p.name for p in paths} == {f"{t}.csv" for t in HEADERS} | {"solution.json"}
    for name, header in HEADERS.items():
        lines = (tmp_path / f"{name}.csv").read_text().splitlines()
        assert lines[0] == header, name
    rows = list(csv.DictReader((tmp_path / "builds.csv").open()))
    assert rows == [{"name": "m", "type": "facility", "kind": "mine", "node": "a",
                     "body": "Moon", "stage": "s1", "units": "1"}]
    online = list(csv.DictReader((tmp_path / "online.csv").open()))
    assert [(r["stage"], r["units"], float(r["capacity_t_per_yr"])) for r in online] == [
        ("s1", "1", 10.0), ("s2", "1", 10.0)]
    prop = list(csv.DictReader((tmp_path / "propellant.csv").open()))
    assert [(r["route"], r["node"], r["body"], float(r["rate_t_per_yr"])) for r in prop] == [
        ("ab", "a", "Moon", pytest.approx(1.25))] * 2
    routes = {r["route"]: r for r in csv.DictReader((tmp_path / "routes.csv").open())}
    assert routes["bl"]["to_body"] == "Earth-Moon" and routes["ab"]["loss"] == "0.2"
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*"))


def test_money_and_mass_units_in_headers():
    s = solve_exact(instance(units={"money": "kEUR", "mass": "kg"},
                             routes=[{"name": "ab", "from": "a", "to": "b"}],
                             supplies=[{"node": "a", "commodity": "x", "price_per_t": 1}],
                             demands=[{"node": "b", "commodity": "x", "amount": 2}]))
    t = s.tables(as_pandas=False)
    assert list(t["costs"][0]) == ["category", "stage", "year", "amount_kEUR", "discounted_kEUR"]
    assert list(t["flows"][0])[-2:] == ["rate_kg_per_yr", "arrivals_kg_per_yr"]


def test_tables_lists_without_pandas_and_frames_with(sol):
    plain = sol.tables(as_pandas=False)
    assert list(plain) == list(TABLES + NETWORK_TABLES)
    assert plain["flows"] == [{"route": "ab", "from": "a", "to": "b", "commodity": "x",
                               "stage": s, "year": y, "rate_t_per_yr": pytest.approx(5),
                               "arrivals_t_per_yr": pytest.approx(4)}
                              for s, y in (("s1", 2030), ("s2", 2031))]
    assert plain["activities"][0] == {"facility": "m", "kind": "mine", "node": "a",
                                      "body": "Moon", "stage": "s1", "year": 2030,
                                      "rate_t_per_yr": pytest.approx(6.25)}
    pd = pytest.importorskip("pandas")
    frames = sol.tables(as_pandas=True)
    assert all(isinstance(f, pd.DataFrame) for f in frames.values())
    for name, rows in plain.items():
        assert list(frames[name].columns) == HEADERS[name].split(","), name
        assert len(frames[name]) == len(rows)
    assert frames["costs"]["discounted_MUSD"].sum() == pytest.approx(110)
    assert frames["sales"].empty and str(frames["sales"]["rate_t_per_yr"].dtype) == "float64"
    assert sol.tables().keys() == frames.keys()  # default: pandas when installed


def test_tables_as_pandas_without_pandas_says_how_to_install(sol, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("no pandas")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    assert isinstance(sol.tables()["flows"], list)  # falls back to lists of dicts
    with pytest.raises(ImportError, match=r"netopt\[pandas\]"):
        sol.tables(as_pandas=True)


def test_parquet_tables_match_csv(sol, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    sol.write(tmp_path, parquet=True)
    plain = sol.tables(as_pandas=False)
    for name in TABLES + NETWORK_TABLES:
        table = pq.read_table(tmp_path / f"{name}.parquet")
        assert table.column_names == HEADERS[name].split(",")
        assert table.to_pylist() == plain[name], name
    assert pq.read_table(tmp_path / "builds.parquet").schema.field("units").type == "int64"


# --- graph -------------------------------------------------------------------------------------
def test_graph_attributes_match_hand_computation(sol):
    G = sol.graph("s1")
    assert isinstance(G, nx.DiGraph) and not G.is_multigraph()
    assert G.graph["stage"] == "s1" and G.graph["rate_unit"] == "t/yr"
    a, b, l1 = G.nodes["a"], G.nodes["b"], G.nodes["l1"]
    assert (a["kind"], a["body"]) == ("surface", "Moon")
    assert (l1["kind"], l1["bodies"], l1["point"]) == ("lagrange", "Earth;Moon", "L1")
    assert a["built_units"] == 1 and a["online_units"] == 1 and a["capacity"] == 10
    assert a["facilities"] == "m x1"
    assert a["activity"] == pytest.approx(6.25) and a["produced_x"] == pytest.approx(6.25)
    assert a["propellant_x"] == pytest.approx(1.25)
    assert b["demand_x"] == 4 and "supply_x" not in b and b["built_units"] == 0
    e = G.edges["a", "b"]  # ab and the unused ab2 folded into one edge
    assert e["route"] == "ab;ab2" and e["routes"] == 2
    assert e["flow"] == pytest.approx(5) and e["flow_x"] == pytest.approx(5)
    assert e["arrivals"] == pytest.approx(4) and e["arrivals_x"] == pytest.approx(4)
    assert e["propellant"] == pytest.approx(1.25) and e["propellant_x"] == pytest.approx(1.25)
    assert "loss" not in e  # differs between the parallel routes
    assert G.edges["b", "l1"]["flow"] == 0
    # stage 2: the mine is online but not built again
    a2 = sol.graph("s2").nodes["a"]
    assert a2["built_units"] == 0 and a2["online_units"] == 1
    assert sol.graph().graph["stage"] == "s2"  # default: the last stage
    with pytest.raises(KeyError, match="no stage 's9'"):
        sol.graph("s9")


def test_multigraph_keeps_parallel_routes(sol):
    M = sol.graph("s1", multi=True)
    assert M.is_multigraph()
    assert set(M["a"]["b"]) == {"ab", "ab2"}
    assert M.edges["a", "b", "ab"]["loss"] == 0.2
    assert M.edges["a", "b", "ab2"]["flow"] == 0


def test_graphml_round_trip(sol, tmp_path):
    from netopt.graph import write_graphml

    paths = write_graphml(sol, tmp_path / "net.graphml")
    assert [p.name for p in paths] == ["net-s1.graphml", "net-s2.graphml"]
    G = nx.read_graphml(paths[0])
    assert G.nodes["a"]["body"] == "Moon" and G.nodes["a"]["built_units"] == 1
    assert G.edges["a", "b"]["flow_x"] == pytest.approx(5)
    assert G.edges["a", "b"]["route"] == "ab;ab2"
    one = write_graphml(sol, tmp_path / "one.graphml", "s2", multi=True)
    assert [p.name for p in one] == ["one.graphml"]
    M = nx.read_graphml(one[0], force_multigraph=True)
    assert M.number_of_edges() == 3


# --- CLI: export, compare ----------------------------------------------------------------------
def test_export_command(sol, tmp_path):
    sol.write(tmp_path / "sol")
    src = tmp_path / "sol" / "solution.json"
    r = runner.invoke(app, ["export", str(src), "-o", str(tmp_path / "x"), "--graphml",
                            str(tmp_path / "g.graphml"), "--stage", "s1"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "x" / "flows.csv").exists() and (tmp_path / "x" / "solution.json").exists()
    assert (tmp_path / "x" / "network.graphml").exists() and (tmp_path / "g.graphml").exists()
    assert runner.invoke(app, ["export", str(src)]).exit_code == 2  # nothing to do
    assert runner.invoke(app, ["export", str(src), "--graphml", "g", "--stage", "zz"]
                         ).exit_code == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 2, "status": "optimal"}')
    r = runner.invoke(app, ["export", str(bad), "-o", str(tmp_path / "y")])
    assert r.exit_code == 1 and "instance: Field required" in r.output


def test_compare_two_known_solutions(tmp_path):
    from netopt.compare import compare

    # A: the mine (110). B: mine capex 1000 makes the supply at b cheaper (800 < 1000 + 10).
    a, b = solve_exact(small()), solve_exact(small(mine_capex=1000))
    assert b.objective == pytest.approx(800) and not b.builds
    c = compare(a, b)
    assert {h["field"]: (h["a"], h["b"]) for h in c.header} == {
        "objective": (pytest.approx(110), pytest.approx(800))}
    assert c.builds == [{"name": "m", "type": "facility", "where": "a", "stage": "s1",
                         "a": 1, "b": 0}]
    assert c.first_built == [{"name": "m", "type": "facility", "where": "a", "a": "s1",
                              "b": None}]
    costs = {(x["category"], x["stage"]): (x["a"], x["b"]) for x in c.costs}
    assert costs[("capex", "s1")] == (pytest.approx(100), 0)
    assert costs[("supply", "s2")] == (0, pytest.approx(400))
    assert costs[("total", "total")] == (pytest.approx(110), pytest.approx(800))
    assert c.flows[0]["route"] == "ab" and c.flows[0]["diff"] == pytest.approx(-5)
    assert compare(a, a).same and not c.same

    a.write(tmp_path / "a")
    b.write(tmp_path / "b")
    pa, pb = tmp_path / "a" / "solution.json", tmp_path / "b" / "solution.json"
    r = runner.invoke(app, ["compare", str(pa), str(pb)])
    assert r.exit_code == 0, r.output
    assert "Units built that differ" in r.output and "never" in r.output
    assert "+690" in r.output  # total cost difference B - A
    r = runner.invoke(app, ["compare", str(pa), str(pb), "--json"])
    assert r.exit_code == 0
    assert json.loads(r.output)["builds"][0]["name"] == "m"
    r = runner.invoke(app, ["compare", str(pa), str(pa)])
    assert r.exit_code == 0 and "No differences" in r.output


def test_compare_different_stages(sol):
    from netopt.compare import compare

    one = {k: [r for r in v if r.get("stage", "s1") == "s1"] if isinstance(v, list) else v
           for k, v in sol.to_dict().items()}  # a file's rows name its own stages only
    one["network"]["demands"] = [d for d in one["network"]["demands"] if d["stage"] == "s1"]
    other = Solution.from_dict({**one, "stages": [{**sol.stages[0], "years": 5}]})
    c = compare(sol, other)
    assert c.stages == [{"stage": "s1", "a": "1 yr from 2030", "b": "5 yr from 2030"},
                        {"stage": "s2", "a": "1 yr from 2031", "b": None}]


# --- terminal summary --------------------------------------------------------------------------
def test_summary_says_what_is_built_where_when_and_the_cost_split(sol):
    from netopt.summary import print_summary

    con = Console(record=True, width=80)
    print_summary(sol, con)
    text = con.export_text()
    assert text.startswith("t: optimal, objective 110 MUSD")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "Build-out: what is built where and when" in text
    line = next(ln for ln in text.splitlines() if " m " in ln)
    assert line.split() == ["s1", "m", "mine", "a", "(Moon)", "+1", "1", "10"]
    flows = next(ln for ln in text.splitlines() if "a → b" in ln)
    assert flows.split() == ["s1", "ab", "a", "→", "b", "5", "x", "4", "1.25"]
    share = next(ln for ln in text.splitlines() if ln.strip().startswith("share"))
    assert share.split() == ["share", "91%", "9%"]  # capex 100, transport 10


def test_compare_shows_unmet_demand_revenue_and_provenance(tmp_path):
    """An --elastic plan that meets less looks cheaper: the comparison says what each delivers.
    Depot at b handles 120 t/yr of x; 300 t/yr required, bought at a for 1/t; a market at b pays
    3/t for up to 50 t/yr. A (demand 100): 100 + 20 for the market, all met: cost 120 - 60 = 60.
    B (demand 300, elastic): 120 t/yr arrive, all to the demand (fewest unmet first), 180 unmet,
    nothing sold: cost 120."""
    from netopt.compare import compare
    from netopt.plan import solve
    from netopt.solve import SolveOptions
    from netopt.testing import instance

    def plan(amount: float) -> dict:
        return dict(
            nodes=[{"name": "a"}, {"name": "b", "requires_depot": ["x"]}],
            facilities=[{"name": "depot", "kind": "depot", "node": "b", "capacity": 120}],
            routes=[{"name": "ab", "from": "a", "to": "b"}],
            supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
            demands=[{"node": "b", "commodity": "x", "amount": amount},
                     {"node": "b", "commodity": "x", "kind": "market", "amount": 50,
                      "price_per_t": 3.0, "name": "market"}])

    a = solve(instance(**plan(100)), SolveOptions(gap=0.0))
    b = solve(instance(**plan(300)), SolveOptions(gap=0.0, elastic=True))
    assert (a.objective, b.objective) == (pytest.approx(60), pytest.approx(120))
    c = compare(a, b)
    rows = {d["measure"]: (d["a"], d["b"]) for d in c.delivery}
    assert rows == {"required demand unmet, t over the horizon": (0, pytest.approx(180)),
                    "  unmet in s1, t": (0, pytest.approx(180)),
                    "sold to markets, t over the horizon": (pytest.approx(20), 0),
                    "revenue, discounted, MUSD": (pytest.approx(60), 0)}
    prov = {p["field"]: (p["a"], p["b"]) for p in c.provenance}
    assert prov["options"] == ("gap=0.0, seed=0", "gap=0.0, seed=0, elastic=True")
    assert prov["solver"][0].startswith("highs ")

    a.write(tmp_path / "a")
    b.write(tmp_path / "b")
    r = runner.invoke(app, ["compare", str(tmp_path / "a" / "solution.json"),
                            str(tmp_path / "b" / "solution.json")])
    assert r.exit_code == 0, r.output
    assert re.search(r"required demand unmet, t over the horizon +0 +180 *\n", r.output)
    assert "B leaves required demand unmet: a lower cost may mean less delivered." in r.output
    assert "Where they come from" in r.output and "elastic=True" in r.output


def test_the_row_layout_is_described_once():
    """solution_schema's row models are the one description of the solution's rows: extract
    writes exactly their fields, in their order, and each tidy table keeps them in that order
    (adding joined columns such as kind and body)."""
    import dataclasses

    from netopt.solution_schema import SolutionDocument
    from netopt.tables import _COLUMNS
    from netopt.testing import solve_exact
    from test_scenario import decision

    def fields(name: str) -> list[str]:
        model = SolutionDocument.model_fields[name].annotation.__args__[0]
        return [f.alias or n for n, f in model.model_fields.items()]

    sol = solve_exact(decision())
    for name in ("builds", "online", "flows", "supplies", "costs", "stages"):
        rows = getattr(sol, name)
        assert rows and all(list(r) == fields(name) for r in rows), name
    for name in ("builds", "online", "activities", "flows", "propellant", "supplies", "sales",
                 "shortfalls", "costs"):
        tidy = [key for key, _, _ in _COLUMNS[name]]
        assert [k for k in tidy if k in fields(name)] == fields(name), name
    assert {f.name for f in dataclasses.fields(Solution)} == set(
        SolutionDocument.model_fields) - {"schema_version"}
