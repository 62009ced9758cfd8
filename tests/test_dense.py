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
