"""A solution as dense labelled arrays (xarray), for the PyPSA / Calliope way of working.

The tidy tables keep only non-zero rows, so pivoting them loses stages and elements where nothing
happened. Here every array spans every stage and every element of its kind: a zero is a zero, not
a missing row. Dimensions: stage; element (facilities then buildable routes), facility, route,
commodity, supply, demand, category. Each variable carries its unit in `attrs["units"]`; the
dataset's attrs say which instance, status, objective, and where it came from (provenance, as
JSON text: netCDF attributes are flat). `Solution.to_xarray()` builds it; `.to_netcdf(path)` writes
it (`pip install 'netopt[netcdf]'`).

Supplies appear only when the solution buys from them (solution.json's network lists no
supplies); everything else comes from the network section, so an unused element is all zeros.
"""

from __future__ import annotations

import json
from pathlib import Path as FsPath
from typing import Any

from .costs import NAMES as CATEGORIES  # the built-in cost categories, in order
from .files import write_atomic


def _ordered(*groups: Any) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for x in group:
            seen.setdefault(x, None)
    return list(seen)


def to_xarray(sol: Any) -> Any:
    try:  # xarray: the optional [netcdf] extra, imported only when asked for
        import numpy as np
        import xarray as xr
    except ImportError as e:
        raise ImportError("to_xarray needs xarray: pip install 'netopt[netcdf]'") from e

    sol = sol.by_stage()  # stage by stage whatever the resolution (rates: the stage's mean)
    net = sol.network or {}
    money = sol.units.get("money", "MUSD")
    mass = sol.units.get("mass", "t")
    rate = f"{mass}/yr"
    stages = sol.stage_names
    facilities = _ordered((f["name"] for f in net.get("facilities", [])),
                          (a["facility"] for a in sol.activities),
                          (b["name"] for b in sol.builds if b["type"] == "facility"))
    routes = _ordered((r["name"] for r in net.get("routes", [])),
                      (f["route"] for f in sol.flows), (p["route"] for p in sol.propellant),
                      (b["name"] for b in sol.builds if b["type"] == "route"))
    buildable = {r["name"] for r in net.get("routes", []) if r.get("buildable")} | {
        b["name"] for b in sol.builds if b["type"] == "route"} | {
        o["name"] for o in sol.online if o["type"] == "route"}
    elements = facilities + [r for r in routes if r in buildable]
    commodities = _ordered(
        (k for f in net.get("facilities", []) for k in (*f.get("produces", {}),
                                                        *f.get("consumes", {}))),
        (d["commodity"] for d in net.get("demands", [])),
        (f["commodity"] for f in sol.flows), (p["commodity"] for p in sol.propellant),
        (s["commodity"] for s in sol.supplies), (s["commodity"] for s in sol.sales),
        (s["commodity"] for s in sol.shortfalls))
    supplies = _ordered(s["supply"] for s in sol.supplies)
    demand_rows = net.get("demands", [])
    demands = _ordered((d["demand"] for d in demand_rows), (s["demand"] for s in sol.sales),
                       (s["demand"] for s in sol.shortfalls))
    dims = {"stage": stages, "element": elements, "facility": facilities, "route": routes,
            "commodity": commodities, "supply": supplies, "demand": demands,
            "category": list(CATEGORIES) + sorted({c["category"] for c in sol.costs}
                                                  - set(CATEGORIES))}
    index = {d: {x: i for i, x in enumerate(v)} for d, v in dims.items()}

    def array(*ds: str, fill: float = 0.0) -> Any:
        return np.full(tuple(len(dims[d]) for d in ds), fill, dtype=float)

    def put(arr: Any, ds: tuple[str, ...], rows: list[dict], keys: tuple[str, ...],
            value: str) -> Any:
        for row in rows:
            at = tuple(index[d].get(row[k]) for d, k in zip(ds, keys))
            if None not in at:
                arr[at] += row[value]
        return arr

    es, fs, rcs = ("element", "stage"), ("facility", "stage"), ("route", "commodity", "stage")
    built = put(array(*es), es, sol.builds, ("name", "stage"), "units")
    online = put(array(*es), es, sol.online, ("name", "stage"), "units")
    capacity = array(*es)
    for o in sol.online:  # an unbounded route's capacity is NaN: no limit, not zero
        at = (index["element"].get(o["name"]), index["stage"].get(o["stage"]))
        if None not in at:
            capacity[at] = np.nan if o["capacity"] is None else o["capacity"]
    demand_amount = put(array("demand", "stage"), ("demand", "stage"), demand_rows,
                        ("demand", "stage"), "amount")
    cost = array("category", "stage")
    discounted = array("category", "stage")
    for c in sol.costs:
        at = (index["category"][c["category"]], index["stage"][c["stage"]])
        cost[at] += c["amount"]
        discounted[at] += c["discounted"]

    def var(ds: tuple[str, ...], data: Any, units: str, what: str) -> Any:
        return xr.Variable(ds, data, attrs={"units": units, "long_name": what})

    variables = {
        "built": var(es, built, "units", "units built in the stage"),
        "online": var(es, online, "units", "units online in the stage"),
        "capacity": var(es, capacity, rate, "online capacity (NaN: unbounded route)"),
        "activity": var(fs, put(array(*fs), fs, sol.activities, ("facility", "stage"), "rate"),
                        rate, "facility activity"),
        "flow": var(rcs, put(array(*rcs), rcs, sol.flows, ("route", "commodity", "stage"),
                             "rate"), rate, "payload departing"),
        "arrivals": var(rcs, put(array(*rcs), rcs, sol.flows, ("route", "commodity", "stage"),
                                 "arrivals"), rate, "payload arriving (after loss)"),
        "propellant": var(rcs, put(array(*rcs), rcs, sol.propellant,
                                   ("route", "commodity", "stage"), "rate"),
                          rate, "propellant burnt"),
        "bought": var(("supply", "stage"), put(array("supply", "stage"), ("supply", "stage"),
                                               sol.supplies, ("supply", "stage"), "rate"),
                      rate, "bought from the supply"),
        "demand_amount": var(("demand", "stage"), demand_amount, rate,
                             "demand amount (required, or a market's most)"),
        "sales": var(("demand", "stage"), put(array("demand", "stage"), ("demand", "stage"),
                                              sol.sales, ("demand", "stage"), "rate"),
                     rate, "market sales"),
        "shortfall": var(("demand", "stage"), put(array("demand", "stage"), ("demand", "stage"),
                                                  sol.shortfalls, ("demand", "stage"), "rate"),
                         rate, "required demand not delivered"),
        "cost": var(("category", "stage"), cost, money, "cost in the stage, undiscounted"),
        "cost_discounted": var(("category", "stage"), discounted, money,
                               "cost, discounted to the start year"),
    }
    stage_rows = {s["name"]: s for s in sol.stages}
    fac = {f["name"]: f for f in net.get("facilities", [])}
    rte = {r["name"]: r for r in net.get("routes", [])}
    dem: dict[str, dict] = {}
    for d in (*demand_rows, *sol.sales, *sol.shortfalls):  # elastic shortfalls have own labels
        dem.setdefault(d["demand"], d)
    sup = {s["supply"]: s for s in sol.supplies}
    coords = {
        **{d: dims[d] for d in dims},
        "start_year": ("stage", [stage_rows[t]["start_year"] for t in stages]),
        "years": ("stage", [stage_rows[t]["years"] for t in stages]),
        "element_type": ("element", ["facility" if e in index["facility"] else "route"
                                     for e in elements]),
        "facility_node": ("facility", [fac.get(f, {}).get("node", "") for f in facilities]),
        "facility_kind": ("facility", [fac.get(f, {}).get("kind", "") for f in facilities]),
        "route_from": ("route", [rte.get(r, {}).get("from", "") for r in routes]),
        "route_to": ("route", [rte.get(r, {}).get("to", "") for r in routes]),
        "supply_node": ("supply", [sup[s]["node"] for s in supplies]),
        "supply_commodity": ("supply", [sup[s]["commodity"] for s in supplies]),
        "demand_node": ("demand", [dem.get(d, {}).get("node", "") for d in demands]),
        "demand_commodity": ("demand", [dem.get(d, {}).get("commodity", "") for d in demands]),
    }
    attrs = {"instance": sol.instance, "status": sol.status.value,
             "objective_kind": sol.objective_kind,
             "money_units": money, "mass_units": mass,
             "provenance": json.dumps(sol.provenance or {}, sort_keys=True)}
    for key in ("objective", "bound", "gap"):
        value = getattr(sol, key)
        if value is not None:
            attrs[key] = value
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def write_netcdf(sol: Any, path: str | FsPath) -> FsPath:
    """The dataset as a netCDF-4 file (h5netcdf), written atomically."""
    try:  # h5netcdf: the optional [netcdf] extra
        import h5netcdf  # noqa: F401
    except ImportError as e:
        raise ImportError("netCDF output needs h5netcdf: pip install 'netopt[netcdf]'") from e
    path = FsPath(path)
    write_atomic(path, bytes(to_xarray(sol).to_netcdf(engine="h5netcdf")))
    return path
