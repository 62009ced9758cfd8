"""Solution.to_xarray (netopt/dense.py): dense arrays over every stage and element, zeros kept,
units as attributes; and the same through netCDF."""

from __future__ import annotations

import json

import pytest

from netopt.testing import instance, solve_exact

xr = pytest.importorskip("xarray")


def _solution():
    # Two 1-year stages, no discounting. 4 t/yr of x wanted at b in s2 only; bought at a for 1/t
    # and shipped a->b for 0.5/t: 4 x 1.5 = 6. The mine at b (capex 100) is never worth it.
    return solve_exact(instance(
        horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1},
                                                {"name": "s2", "years": 1}]},
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 100,
                     "produces": {"x": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "cost_per_t": 0.5}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": {"s2": 4}}]))


def test_dense_arrays_keep_the_zeros_the_tidy_tables_drop():
    sol = _solution()
    assert sol.objective == pytest.approx(6)
    # the tidy table has no row for s1: pivoting it would lose the stage
    assert [(f["stage"], f["rate"]) for f in sol.flows] == [("s2", pytest.approx(4))]
    ds = sol.to_xarray()
    assert list(ds.stage.values) == ["s1", "s2"]
    assert ds.flow.sel(route="ab", commodity="x").values.tolist() == pytest.approx([0, 4])
    assert ds.activity.sel(facility="mine").values.tolist() == [0, 0]
    assert ds.built.sel(element="mine").values.tolist() == [0, 0]  # never built, still there
    assert ds.demand_amount.sel(demand="b/x").values.tolist() == [0, 4]
    assert ds.bought.sel(supply="a/x").values.tolist() == pytest.approx([0, 4])
    assert ds.cost.sel(category="transport").values.tolist() == pytest.approx([0, 2])
    assert ds.cost.sel(category="supply").values.tolist() == pytest.approx([0, 4])
    assert float(ds.cost_discounted.sum()) == pytest.approx(sol.objective)
    assert ds.flow.attrs["units"] == "t/yr" and ds.cost.attrs["units"] == "MUSD"
    assert ds.built.attrs["units"] == "units"
    assert ds.start_year.values.tolist() == [2030, 2031]
    assert ds.route_from.sel(route="ab").item() == "a"
    assert ds.attrs["instance"] == "t" and ds.attrs["objective"] == pytest.approx(6)
    assert json.loads(ds.attrs["provenance"])["solver"] == "highs"


def test_netcdf_round_trip(tmp_path):
    pytest.importorskip("h5netcdf")
    ds = _solution().to_xarray()
    path = tmp_path / "solution.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    with xr.open_dataset(path, engine="h5netcdf") as back:
        assert back.flow.sel(route="ab", commodity="x").values.tolist() == pytest.approx([0, 4])
        assert back.flow.attrs["units"] == "t/yr"
        assert back.attrs["instance"] == "t"


def test_export_netcdf_command(tmp_path):
    pytest.importorskip("h5netcdf")
    from typer.testing import CliRunner

    from netopt.cli import app

    sol = _solution()
    sol.write(tmp_path / "sol")
    r = CliRunner().invoke(app, ["export", str(tmp_path / "sol" / "solution.json"), "-o",
                                 str(tmp_path / "out"), "--netcdf", "--no-csv"])
    assert r.exit_code == 0, r.output
    assert f"wrote {tmp_path / 'out' / 'solution.nc'}" in r.output
    with xr.open_dataset(tmp_path / "out" / "solution.nc", engine="h5netcdf") as ds:
        assert ds.demand_amount.sel(demand="b/x").values.tolist() == [0, 4]
    r = CliRunner().invoke(app, ["export", str(tmp_path / "sol" / "solution.json"), "--netcdf",
                                 "--graphml", str(tmp_path / "g.graphml")])
    assert r.exit_code == 2 and "--netcdf writes DIR/solution.nc: give -o DIR" in r.output


# ---- every CSV table of `netopt export` equals the netCDF's arrays (round trip) ----------------
# table -> ({netCDF dimension: CSV column, "step": the row's stage and year},
#           {CSV column: netCDF variable}, which rows); written from the CSV headers, not from
# netopt.dense, so that a table or column the netCDF leaves out fails here
ROUND_TRIP = {
    "builds": ({"element": "name", "stage": "stage"}, {"units": "built"}, None),
    "online": ({"element": "name", "step": None}, {"units": "online", "operating": "operating",
                                                  "capacity_t_per_yr": "capacity"}, None),
    "activities": ({"facility": "facility", "step": None}, {"rate_t_per_yr": "activity"}, None),
    "flows": ({"route": "route", "commodity": "commodity", "step": None},
              {"rate_t_per_yr": "flow", "arrivals_t_per_yr": "arrivals"}, None),
    "propellant": ({"route": "route", "commodity": "commodity", "step": None},
                   {"rate_t_per_yr": "propellant"}, None),
    "supplies": ({"supply": "supply", "step": None}, {"rate_t_per_yr": "bought"}, None),
    "sales": ({"demand": "demand", "step": None}, {"rate_t_per_yr": "sales"}, None),
    "shortfalls": ({"demand": "demand", "step": None}, {"rate_t_per_yr": "shortfall"}, None),
    "costs": ({"category": "category", "step": None},
              {"amount_MUSD": "cost", "discounted_MUSD": "cost_discounted"}, None),
    "stocks": ({"facility": "facility", "commodity": "commodity", "step": None},
               {"tonnes_t": "stock"}, lambda r: r["facility"] != ""),
    "hardware": ({"node": "node", "step": None}, {"tonnes_t": "hardware_waiting"},
                 lambda r: r["facility"] == ""),
    "arrivals": ({"route": "route", "commodity": "commodity", "step": None},
                 {"rate_t_per_yr": "arriving"}, None),
    "trips": ({"route": "route", "step": None}, {"trips": "trips", "payload_t_per_yr":
                                                 "trip_payload",
                                                 "propellant_t_per_yr": "trip_propellant",
                                                 "tank_cargo_t_per_yr": "trip_tank_cargo"}, None),
    "fleet": ({"vehicle": "vehicle", "step": None},
              {"online": "fleet_online", "operating": "fleet_operating",
               "vehicle_years": "vehicle_years", "utilisation": "utilisation"}, None),
    "parked": ({"vehicle": "vehicle", "node": "node", "step": None}, {"vehicles": "parked"},
               None),
    "disposals": ({"vehicle": "vehicle", "node": "node", "step": None}, {"vehicles": "disposed"},
                  None),
}


def _csv(path):
    import csv

    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _check_round_trip(sol, tmp_path):
    """`netopt export --netcdf` of `sol`: every value of every CSV table is the netCDF's at its
    coordinates, and the netCDF holds nothing else (its sums equal the CSV's)."""
    import math

    from typer.testing import CliRunner

    from netopt.cli import app
    from netopt.results import TABLES

    sol.write(tmp_path / "sol")
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["export", str(tmp_path / "sol" / "solution.json"), "-o",
                                 str(out), "--netcdf"])
    assert r.exit_code == 0, r.output
    assert {t if t != "hardware" else "stocks" for t in ROUND_TRIP} == set(TABLES)
    checked = 0
    with xr.open_dataset(out / "solution.nc", engine="h5netcdf") as ds:
        step = {(st, int(y)): s for s, st, y in zip(ds.step.values, ds.step_stage.values,
                                                    ds.year.values)}
        for name, (dims, values, which) in ROUND_TRIP.items():
            rows = [x for x in _csv(out / f"{'stocks' if name == 'hardware' else name}.csv")
                    if which is None or which(x)]
            for column, var in values.items():
                total = 0.0
                for x in rows:
                    at = {d: (step[(x["stage"], int(x["year"]))] if d == "step" else x[c])
                          for d, c in dims.items()}
                    if "leaf" in x:
                        at["leaf"] = x["leaf"]
                    got = float(ds[var].sel(at))
                    if x[column] == "":
                        assert math.isnan(got), (name, column, x)
                        continue
                    assert got == pytest.approx(float(x[column]), rel=1e-12, abs=1e-12), (
                        name, column, x)
                    total += float(x[column])
                    checked += 1
                assert float(ds[var].sum(skipna=True)) == pytest.approx(total, rel=1e-9,
                                                                       abs=1e-9), (name, var)
                assert ds[var].attrs["units"]
        # the network tables: the coordinates
        stages = _csv(out / "stages.csv")
        assert list(ds.stage.values) == [s["stage"] for s in stages]
        assert ds.start_year.values.tolist() == [int(s["start_year"]) for s in stages]
        assert ds.years.values.tolist() == [int(s["years"]) for s in stages]
        steps = _csv(out / "steps.csv")
        assert list(ds.step.values) == [s["step"] for s in steps]
        assert list(ds.step_stage.values) == [s["stage"] for s in steps]
        assert ds.year.values.tolist() == [int(s["start_year"]) for s in steps]
        assert ds.step_years.values.tolist() == [int(s["years"]) for s in steps]
        for n in _csv(out / "nodes.csv"):
            assert (ds.node_kind.sel(node=n["node"]).item(),
                    ds.node_body.sel(node=n["node"]).item()) == (n["kind"], n["body"])
        for f in _csv(out / "facilities.csv"):
            assert ds.facility_node.sel(facility=f["facility"]).item() == f["node"]
        for x in _csv(out / "routes.csv"):
            assert (ds.route_from.sel(route=x["route"]).item(),
                    ds.route_to.sel(route=x["route"]).item()) == (x["from"], x["to"])
        demands = _csv(out / "demands.csv")
        for d in demands:
            assert float(ds.demand_amount.sel(demand=d["demand"], stage=d["stage"])) == (
                pytest.approx(float(d["amount_t_per_yr"])))
        assert float(ds.demand_amount.sum()) == pytest.approx(
            sum(float(d["amount_t_per_yr"]) for d in demands))
    return checked


def test_netcdf_holds_every_csv_table_at_year_grain(tmp_path):
    # cislunar-ice at year grain: builds per stage, everything else per year (30 steps), stocks
    # in the depot and hardware waiting, vehicle trips and fleets, arrivals, market sales
    pytest.importorskip("h5netcdf")
    from pathlib import Path

    from netopt.plan import Plan
    from netopt.solve import SolveOptions

    root = Path(__file__).resolve().parent.parent
    sol = Plan.read(root / "instances" / "cislunar-ice.yaml").solve(SolveOptions(gap=1e-3))
    assert len(sol.steps) == 30 and sol.stocks and sol.trips and sol.fleet and sol.sales
    assert _check_round_trip(sol, tmp_path) > 500


def test_netcdf_holds_vehicles_waiting(tmp_path):
    pytest.importorskip("h5netcdf")
    from tests.test_vehicles import waiting_instance

    sol = solve_exact(waiting_instance(2031))
    assert sol.parked
    assert _check_round_trip(sol, tmp_path) > 10
