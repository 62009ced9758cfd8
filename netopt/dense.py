"""A solution as dense labelled arrays (xarray), for the PyPSA / Calliope way of working.

The tidy tables keep only non-zero rows, so pivoting them loses steps and elements where nothing
happened. Here every array spans every step (or stage) and every element of its kind: a zero is a
zero, not a missing row. Every table of solution.json is here, on its own dimensions:

- `stage` (the stages table: coordinates start_year, years): builds and demand amounts, which
  are per stage;
- `step` (the steps table: coordinates step_stage, year, step_years; at resolution: stage one
  step per stage, named as the stage): everything per step (online, activities, flows,
  propellant, supplies, sales, shortfalls, costs, stocks, arrivals, trips, fleet, parked, disposals);
- element (facilities, buildable routes, vehicles), facility, route, commodity, supply, demand,
  category, node, vehicle;
- `leaf`, with an uncertainty tree only: "expected" (the probability-weighted expectation over
  the leaves, as solution.json's tables hold it; builds, online and fleet there are the
  here-and-now ones of the root stages, shared by every leaf) and then each leaf (coordinate
  `probability`, NaN for "expected").

Each variable carries its unit in `attrs["units"]`; the dataset's attrs say which instance,
status, objective, and where it came from (provenance, as JSON text: netCDF attributes are
flat). `Solution.to_xarray()` builds it; `.to_netcdf(path)` writes it (`pip install
'netopt[netcdf]'`).

Supplies and vehicles appear only when the solution uses them (solution.json's network lists
neither); everything else comes from the network section, so an unused element is all zeros.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from .costs import NAMES as CATEGORIES  # the built-in cost categories, in order
from .files import write_atomic

EXPECTED = "expected"  # the leaf label of the probability-weighted tables of a stochastic plan

# the per-step and per-stage tables of solution.json, as each leaf of a tree records them
TABLES = ("builds", "online", "activities", "flows", "propellant", "supplies", "sales",
          "shortfalls", "costs", "stocks", "arrivals", "trips", "fleet", "parked", "disposals")


def _ordered(*groups: Any) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for x in group:
            seen.setdefault(x, None)
    return list(seen)


@dataclass
class _Source:
    """The tables of one leaf (or of a plan without a tree: label None)."""

    label: str | None
    probability: float | None
    tables: dict[str, list[dict]]


def sources(sol: Any) -> list[_Source]:
    """The solution's own tables (the expectation, with a tree), then each leaf's."""
    own = _Source(EXPECTED if sol.stochastic else None, None,
                  {t: getattr(sol, t) for t in TABLES})
    if not sol.stochastic:
        return [own]
    return [own, *(_Source(leaf["name"], leaf["probability"],
                           {t: leaf.get(t) or [] for t in TABLES})
                   for leaf in sol.stochastic.get("leaves", []))]


def to_xarray(sol: Any) -> Any:
    try:  # xarray: the optional [netcdf] extra, imported only when asked for
        import numpy as np
        import xarray as xr
    except ImportError as e:
        raise ImportError("to_xarray needs xarray: pip install 'netopt[netcdf]'") from e

    net = sol.network or {}
    money = sol.units.get("money", "MUSD")
    mass = sol.units.get("mass", "t")
    rate = f"{mass}/yr"
    src = sources(sol)
    leafed = src[0].label is not None

    def rows(table: str) -> list[dict]:
        return [r for s in src for r in s.tables[table]]

    stages = sol.stage_names
    steps = [s["name"] for s in sol.steps]
    step_of = {(s["stage"], s["start_year"]): s["name"] for s in sol.steps}
    vehicles = _ordered((b["name"] for b in rows("builds") if b["type"] == "vehicle"),
                        (o["name"] for o in rows("online") if o["type"] == "vehicle"),
                        (t["vehicle"] for t in rows("trips")), (f["vehicle"] for f in rows("fleet")),
                        (p["vehicle"] for p in rows("parked")),
                        (p["vehicle"] for p in rows("disposals")))
    facilities = _ordered((f["name"] for f in net.get("facilities", [])),
                          (a["facility"] for a in rows("activities")),
                          (x["facility"] for x in rows("stocks") if x["facility"] is not None),
                          (b["name"] for b in rows("builds") if b["type"] == "facility"))
    routes = _ordered((r["name"] for r in net.get("routes", [])),
                      (f["route"] for f in rows("flows")), (p["route"] for p in rows("propellant")),
                      (a["route"] for a in rows("arrivals")), (t["route"] for t in rows("trips")),
                      (b["name"] for b in rows("builds") if b["type"] == "route"))
    buildable = {r["name"] for r in net.get("routes", []) if r.get("buildable")} | {
        b["name"] for b in rows("builds") if b["type"] == "route"} | {
        o["name"] for o in rows("online") if o["type"] == "route"}
    elements = facilities + [r for r in routes if r in buildable] + vehicles
    commodities = _ordered(
        (k for f in net.get("facilities", []) for k in (*f.get("produces", {}),
                                                        *f.get("consumes", {}))),
        (d["commodity"] for d in net.get("demands", [])),
        *((x["commodity"] for x in rows(t))
          for t in ("flows", "propellant", "supplies", "sales", "shortfalls", "stocks",
                    "arrivals")))
    supplies = _ordered(s["supply"] for s in rows("supplies"))
    demand_rows = net.get("demands", [])
    demands = _ordered((d["demand"] for d in demand_rows), (s["demand"] for s in rows("sales")),
                       (s["demand"] for s in rows("shortfalls")))
    nodes = _ordered((n["name"] for n in net.get("nodes", [])),
                     (x["node"] for x in rows("stocks")), (p["node"] for p in rows("parked")),
                     (p["node"] for p in rows("disposals")))
    dims: dict[str, list[str]] = {
        "stage": stages, "step": steps, "element": elements, "facility": facilities,
        "route": routes, "commodity": commodities, "supply": supplies, "demand": demands,
        "node": nodes, "vehicle": vehicles,
        "category": list(CATEGORIES) + sorted({c["category"] for c in rows("costs")}
                                              - set(CATEGORIES))}
    if leafed:
        dims["leaf"] = [s.label or "" for s in src]
    index = {d: {x: i for i, x in enumerate(v)} for d, v in dims.items()}
    lead = ("leaf",) if leafed else ()

    def coord(d: str, row: dict, key: str) -> int | None:
        if d == "step":
            return index["step"].get(step_of.get((row["stage"], row["year"]), ""))
        return index[d].get(row[key])

    def array(*ds: str, fill: float = 0.0) -> Any:
        return np.full(tuple(len(dims[d]) for d in ds), fill, dtype=float)

    def table(name: str, ds: tuple[str, ...], keys: tuple[str, ...], field: str, units: str,
              what: str, where: Any = None, fill: float = 0.0) -> Any:
        """One variable: `field` of table `name`'s rows (those `where` accepts) at the
        coordinates its `keys` give (a step from the row's stage and year)."""
        arr = array(*lead, *ds, fill=fill)
        for i, s in enumerate(src):
            for row in s.tables[name]:
                if where is not None and not where(row):
                    continue
                at = tuple(coord(d, row, k) for d, k in zip(ds, keys))
                if None in at:
                    continue
                at = (i, *at) if leafed else at
                v = row[field]
                arr[at] = np.nan if v is None else (0.0 if np.isnan(arr[at]) else arr[at]) + v
        return xr.Variable((*lead, *ds), arr, attrs={"units": units, "long_name": what})

    es, esp = ("element", "stage"), ("element", "step")
    rcs = ("route", "commodity", "step")
    rck = ("route", "commodity", "step")
    variables = {
        "built": table("builds", es, ("name", "stage"), "units", "units",
                       "units built in the stage"),
        "online": table("online", esp, ("name", ""), "units", "units",
                        "units that exist at some time in the step"),
        "operating": table("online", esp, ("name", ""), "operating", "units",
                           "units operating, by share of the step (lifetime, commissioning)"),
        # an unbounded route's capacity is NaN: no limit, not zero
        "capacity": table("online", esp, ("name", ""), "capacity", rate,
                          "online capacity (NaN: none, an unbounded route or a vehicle)"),
        "activity": table("activities", ("facility", "step"), ("facility", ""), "rate", rate,
                          "facility activity"),
        "flow": table("flows", rcs, rck, "rate", rate, "payload departing in the step"),
        "arrivals": table("flows", rcs, rck, "arrivals", rate,
                          "payload arriving (after loss) of the step's departures"),
        "arriving": table("arrivals", rcs, rck, "rate", rate,
                          "payload arriving in the step (after loss, transit and windows)"),
        "propellant": table("propellant", rcs, rck, "rate", rate,
                            "propellant burnt, drawn at the route's origin"),
        "bought": table("supplies", ("supply", "step"), ("supply", ""), "rate", rate,
                        "bought from the supply"),
        "demand_amount": _demand_amount(xr, array, index, demand_rows, rate),
        "sales": table("sales", ("demand", "step"), ("demand", ""), "rate", rate,
                       "market sales"),
        "shortfall": table("shortfalls", ("demand", "step"), ("demand", ""), "rate", rate,
                           "required demand not delivered"),
        "cost": table("costs", ("category", "step"), ("category", ""), "amount", money,
                      "cost in the step, undiscounted (over its years)"),
        "cost_discounted": table("costs", ("category", "step"), ("category", ""), "discounted",
                                 money, "cost in the step, discounted to the start year"),
        "stock": table("stocks", ("facility", "commodity", "step"), ("facility", "commodity", ""),
                       "tonnes", mass, "held by a storage facility at the end of the step",
                       where=lambda r: r["facility"] is not None),
        "hardware_waiting": table("stocks", ("node", "step"), ("node", ""), "tonnes", mass,
                                  "hardware waiting at a node for a later build, at the end of "
                                  "the step", where=lambda r: r["facility"] is None),
        "trips": table("trips", ("route", "step"), ("route", ""), "trips", "trips/yr",
                       "vehicle trips departing per year"),
        "trip_payload": table("trips", ("route", "step"), ("route", ""), "payload", rate,
                              "payload the trips carry"),
        "trip_propellant": table("trips", ("route", "step"), ("route", ""), "propellant", rate,
                                 "propellant the trips burn (payload and dry mass)"),
        "trip_tank_cargo": table("trips", ("route", "step"), ("route", ""), "tank_cargo", rate,
                                 "propellant the trips carry as cargo in their tanks"),
        "fleet_online": table("fleet", ("vehicle", "step"), ("vehicle", ""), "online",
                              "vehicles", "vehicles that exist at some time in the step"),
        "fleet_operating": table("fleet", ("vehicle", "step"), ("vehicle", ""), "operating",
                                 "vehicles", "vehicles operating, by share of the step"),
        "vehicle_years": table("fleet", ("vehicle", "step"), ("vehicle", ""), "vehicle_years",
                               "vehicle-years/yr", "vehicle-years used per year (flying, and "
                               "waiting away from base)"),
        "utilisation": table("fleet", ("vehicle", "step"), ("vehicle", ""), "utilisation", "1",
                             "vehicle_years / fleet_operating"),
        "parked": table("parked", ("vehicle", "node", "step"), ("vehicle", "node", ""),
                        "vehicles", "vehicles", "vehicles waiting at a node other than their "
                        "base at the end of the step"),
        "disposed": table("disposals", ("vehicle", "node", "step"), ("vehicle", "node", ""),
                          "vehicles", "vehicles", "vehicles left for good at a node other than "
                          "their base in the step (returns: false)"),
    }
    if leafed:
        for v in variables.values():
            if "leaf" in v.dims:
                v.attrs["leaf"] = (f"'{EXPECTED}': the probability-weighted expectation over the "
                                   "leaves; then each leaf's own values")
    stage_rows = {s["name"]: s for s in sol.stages}
    step_rows = {s["name"]: s for s in sol.steps}
    fac = {f["name"]: f for f in net.get("facilities", [])}
    rte = {r["name"]: r for r in net.get("routes", [])}
    nod = {n["name"]: n for n in net.get("nodes", [])}
    dem: dict[str, dict] = {}
    for d in (*demand_rows, *rows("sales"), *rows("shortfalls")):  # elastic: own labels
        dem.setdefault(d["demand"], d)
    sup = {s["supply"]: s for s in rows("supplies")}
    flown = {t["route"]: t["vehicle"] for t in rows("trips")}
    kind = {b["name"]: b["type"] for b in (*rows("builds"), *rows("online"))}
    coords: dict[str, Any] = {
        **{d: dims[d] for d in dims},
        "start_year": ("stage", [stage_rows[t]["start_year"] for t in stages]),
        "years": ("stage", [stage_rows[t]["years"] for t in stages]),
        "step_stage": ("step", [step_rows[t]["stage"] for t in steps]),
        "year": ("step", [step_rows[t]["start_year"] for t in steps]),
        "step_years": ("step", [step_rows[t]["years"] for t in steps]),
        "element_type": ("element", [kind.get(e, "facility" if e in index["facility"]
                                              else "route") for e in elements]),
        "facility_node": ("facility", [fac.get(f, {}).get("node", "") for f in facilities]),
        "facility_kind": ("facility", [fac.get(f, {}).get("kind") or "" for f in facilities]),
        "route_from": ("route", [rte.get(r, {}).get("from", "") for r in routes]),
        "route_to": ("route", [rte.get(r, {}).get("to", "") for r in routes]),
        "route_vehicle": ("route", [flown.get(r, "") for r in routes]),
        "node_kind": ("node", [nod.get(n, {}).get("kind") or "" for n in nodes]),
        "node_body": ("node", [nod.get(n, {}).get("body") or "" for n in nodes]),
        "supply_node": ("supply", [sup[s]["node"] for s in supplies]),
        "supply_commodity": ("supply", [sup[s]["commodity"] for s in supplies]),
        "demand_node": ("demand", [dem.get(d, {}).get("node", "") for d in demands]),
        "demand_commodity": ("demand", [dem.get(d, {}).get("commodity", "") for d in demands]),
    }
    if leafed:
        coords["probability"] = ("leaf", [np.nan if s.probability is None else s.probability
                                          for s in src])
    attrs = {"instance": sol.instance, "status": sol.status.value,
             "objective_kind": sol.objective_kind,
             "money_units": money, "mass_units": mass,
             "provenance": json.dumps(sol.provenance or {}, sort_keys=True)}
    for key in ("objective", "bound", "gap"):
        value = getattr(sol, key)
        if value is not None:
            attrs[key] = value
    if leafed:
        attrs["objective_meaning"] = ("the expected cost: the probability-weighted sum of the "
                                      "leaves' objectives")
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def _demand_amount(xr: Any, array: Any, index: dict, demand_rows: list[dict], rate: str) -> Any:
    """The network's demand amounts (required, or a market's most), per stage: the same in
    every leaf of a tree (a leaf's own amounts are its instance's)."""
    arr = array("demand", "stage")
    for d in demand_rows:
        at = (index["demand"].get(d["demand"]), index["stage"].get(d["stage"]))
        if None not in at:
            arr[at] += d["amount"]
    return xr.Variable(("demand", "stage"), arr, attrs={
        "units": rate, "long_name": "demand amount (required, or a market's most)"})


def write_netcdf(sol: Any, path: str | FsPath) -> FsPath:
    """The dataset as a netCDF-4 file (h5netcdf), written atomically."""
    try:  # h5netcdf: the optional [netcdf] extra
        import h5netcdf  # noqa: F401
    except ImportError as e:
        raise ImportError("netCDF output needs h5netcdf: pip install 'netopt[netcdf]'") from e
    path = FsPath(path)
    write_atomic(path, bytes(to_xarray(sol).to_netcdf(engine="h5netcdf")))
    return path
