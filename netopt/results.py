"""The Solution: extraction from a solved model, tables, and export (JSON, CSV, Parquet, GraphML).

solution.json is the record: its format is `solution_schema.SolutionDocument` (versioned, published
as JSON Schema by `netopt schema --solution`). The CSV / Parquet / DataFrame *tables* are a tidy,
denormalized view of it for spreadsheets and notebooks: one row per element x stage, units in the
column names, node bodies and facility kinds joined in, and the instance's network (stages, nodes,
facilities, routes, demands) as small dimension tables.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from .files import OutputFolder, write_atomic
from .graph import solution_graph
from .status import SCHEMA_VERSION, Status
from .tables import (
    NETWORK_TABLES,
    TABLES,
    _frame,
    _network_maps,
    table_columns,
    tidy_rows,
    to_csv,
    write_parquet,
)

if TYPE_CHECKING:  # Pyomo and pydantic stay out of `import netopt.results`
    from .compile import Compiled
    from .params import Prepared
    from .solve import Outcome

__all__ = ["Solution", "extract", "network_of", "TABLES", "NETWORK_TABLES", "write_atomic",
           "table_columns", "tidy_rows"]

TOL = 1e-7  # values closer to zero than this are solver noise


@dataclass
class Solution:
    """The answer of a solve, as solution.json records it.

    Each table is a list of plain dicts, one per row; the rows' fields, units and meaning are
    described once, in `solution_schema` (BuildRow, OnlineRow, ..., CostRow), which is also the
    published JSON Schema (`netopt schema --solution`). `tables()` gives the tidy, joined view
    (`tables.py`), `write()` the files, `graph()` a networkx graph of a stage."""

    instance: str
    status: Status
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    objective_kind: str = "cost"
    units: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    solver: dict[str, str] = field(default_factory=dict)
    # the rows of each table: solution_schema.StageRow, BuildRow, OnlineRow, ActivityRow, FlowRow,
    # PropellantRow, SupplyRow, SaleRow, ShortfallRow, CostRow, TripRow, FleetRow (tests/
    # test_results.py checks that extract writes exactly those fields and the tidy tables keep
    # them in that order)
    stages: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)  # name, stage, start_year, years, annual_factor
    builds: list[dict] = field(default_factory=list)  # name, type, node, stage, units
    # per-step rows carry stage and year (the step's start year)
    online: list[dict] = field(default_factory=list)  # name, type, stage, year, units, operating, capacity
    activities: list[dict] = field(default_factory=list)  # facility, node, stage, year, rate
    flows: list[dict] = field(default_factory=list)  # route, from, to, commodity, stage, year, rate, arrivals
    propellant: list[dict] = field(default_factory=list)  # route, node, commodity, stage, year, rate
    supplies: list[dict] = field(default_factory=list)  # supply, node, commodity, stage, year, rate
    sales: list[dict] = field(default_factory=list)  # demand, node, commodity, stage, year, rate
    shortfalls: list[dict] = field(default_factory=list)  # demand, node, commodity, stage, year, rate
    costs: list[dict] = field(default_factory=list)  # category, stage, year, amount, discounted
    stocks: list[dict] = field(default_factory=list)  # facility, node, commodity, stage, year, tonnes
    arrivals: list[dict] = field(default_factory=list)  # route, to, commodity, stage, year, rate
    trips: list[dict] = field(default_factory=list)  # route, vehicle, from, to, stage, year, trips, payload, propellant
    fleet: list[dict] = field(default_factory=list)  # vehicle, stage, year, online, operating, vehicle_years, utilisation
    parked: list[dict] = field(default_factory=list)  # vehicle, node, stage, year, vehicles
    disposals: list[dict] = field(default_factory=list)  # vehicle, node, stage, year, vehicles
    # the instance's network: {nodes, facilities, routes, demands} (solution_schema.Network)
    network: dict[str, Any] = field(default_factory=dict)
    # where it came from (solution_schema.Provenance); None in files older than version 3
    provenance: dict[str, Any] | None = None
    # an instance with an uncertainty tree: the tree, each leaf, EVPI, VSS (solution_schema.Stochastic)
    stochastic: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    # --- record ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """solution.json as a dict (a deep copy: changing it leaves the Solution as it is)."""
        d = asdict(self)
        d["status"] = self.status.value
        timings = d.pop("timings")
        return {"schema_version": SCHEMA_VERSION, **d, "timings": timings}

    def _record(self) -> dict[str, Any]:
        """to_dict without timings, sharing the rows: a deep copy of a big solution costs
        seconds (3.8 s with 100k routes in its network, benchmarks/whatif.py) and json.dumps
        does not need one."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "timings"}
        return {"schema_version": SCHEMA_VERSION, **d, "status": self.status.value}

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "solution") -> Solution:
        """A Solution from a parsed solution.json (any version this netopt reads), validated
        against the schema: raises `solution_schema.SolutionFileError` naming every problem."""
        from .solution_schema import validate_document  # pydantic: only to read a file

        d = validate_document(d, source)
        d.pop("schema_version")
        d["status"] = Status(d["status"])
        return cls(**d)

    @classmethod
    def read(cls, path: str | FsPath) -> Solution:
        """Read and validate a solution.json: raises OSError if it cannot be read (not a regular
        file, too big), `solution_schema.SolutionFileError` if it is not a valid solution."""
        from .solution_schema import read_document

        return cls.from_dict(read_document(path), str(path))

    # --- queries --------------------------------------------------------------------------------
    @property
    def stage_names(self) -> list[str]:
        return [s["name"] for s in self.stages]

    def cost_total(self, category: str | None = None, stage: str | None = None) -> float:
        return sum(c["discounted"] for c in self.costs
                   if (category is None or c["category"] == category)
                   and (stage is None or c["stage"] == stage))

    def build_units(self, name: str) -> dict[str, int]:
        """{stage: units built} of one facility or route."""
        return {b["stage"]: b["units"] for b in self.builds if b["name"] == name}

    def online_units(self, name: str) -> dict[str, int]:
        """{stage: units online} of one facility or route."""
        return {o["stage"]: o["units"] for o in self.online if o["name"] == name}

    def flow(self, route: str, commodity: str, stage: str, year: int | None = None) -> float:
        """Departure rate (t/yr) of a route and commodity in a stage (summed over its steps'
        rates if `year` is None: use `year` at resolution: year)."""
        return sum(f["rate"] for f in self.flows
                   if (f["route"], f["commodity"], f["stage"]) == (route, commodity, stage)
                   and (year is None or f["year"] == year))

    def stock(self, facility: str, commodity: str, year: int) -> float:
        """Tonnes of a commodity held by a storage facility at the end of the step of `year`."""
        return sum(x["tonnes"] for x in self.stocks
                   if (x["facility"], x["commodity"], x["year"]) == (facility, commodity, year))

    def step_lengths(self) -> dict[tuple[str, float], float]:
        """{(stage, year): l_s}: the length in years of the step a per-step row belongs to, by
        the row's stage and year (rates x l_s are the step's tonnes or money)."""
        return {(s["stage"], s["start_year"]): s["years"] for s in self.steps}

    def by_stage(self) -> Solution:
        """The solution with one row per stage where rows are per step (resolution: year): rates
        are the stage's mean (sum of rate x step years / stage years), stocks those held at the
        stage's end, online units the most that exist and the mean operating, costs summed, `year` the
        stage's start. Returns self when every stage is one step. Views that speak in stages
        (summary, report, graph, compare) read this."""
        if all(s["name"] == s["stage"] for s in self.steps):
            return self  # one step per stage
        years = {s["name"]: s["years"] for s in self.stages}
        start = {s["name"]: s["start_year"] for s in self.stages}
        length = {(s["stage"], s["start_year"]): s["years"] for s in self.steps}

        def collapse(rows: list[dict], how: dict[str, str]) -> list[dict]:
            out: dict[tuple, dict] = {}
            for r in rows:
                key = tuple((k, v) for k, v in r.items() if k not in how and k != "year")
                w = length.get((r["stage"], r["year"]), 1) / years.get(r["stage"], 1)
                acc = out.setdefault(key, {**dict(key), "year": start.get(r["stage"], r["year"]),
                                           **{f: 0.0 for f in how}})
                for f, kind in how.items():
                    v = r[f]
                    if v is None:
                        acc[f] = None
                    elif acc[f] is not None:
                        acc[f] = (acc[f] + w * v if kind == "mean" else acc[f] + v
                                  if kind == "sum" else max(acc[f], v))
            return [{k: r[k] for k in rows[0]} for r in out.values()] if rows else []

        rate = {"rate": "mean"}
        view = replace(self, steps=[{"name": s["name"], "stage": s["name"],
                                     "start_year": s["start_year"], "years": s["years"],
                                     "annual_factor": s["annual_factor"]} for s in self.stages])
        view.online = collapse(self.online, {"units": "max", "operating": "mean",
                                             "capacity": "mean"})
        for name in ("activities", "propellant", "supplies", "sales", "shortfalls", "arrivals"):
            setattr(view, name, collapse(getattr(self, name), rate))
        view.flows = collapse(self.flows, {"rate": "mean", "arrivals": "mean"})
        view.costs = collapse(self.costs, {"amount": "sum", "discounted": "sum"})
        view.trips = collapse(self.trips, {"trips": "mean", "payload": "mean",
                                           "propellant": "mean", "tank_cargo": "mean"})
        view.disposals = collapse(self.disposals, {"vehicles": "sum"})
        view.fleet = collapse(self.fleet, {"online": "max", "operating": "mean",
                                           "vehicle_years": "mean", "utilisation": "max"})
        for row in view.fleet:  # the stage's mean use of its mean operating fleet
            row["online"] = int(row["online"])
            row["utilisation"] = (row["vehicle_years"] / row["operating"] if row["operating"]
                                  else 0.0)
        last = {}
        for st in self.steps:
            last[st["stage"]] = st["start_year"]
        view.stocks = [{**x, "year": start[x["stage"]]} for x in self.stocks
                       if x["year"] == last[x["stage"]]]  # held at the stage's end
        view.parked = [{**x, "year": start[x["stage"]]} for x in self.parked
                       if x["year"] == last[x["stage"]]]  # waiting at the stage's end
        for row in view.online:
            row["units"] = int(row["units"])
        return view

    def graph(self, stage: str | None = None, *, multi: bool = False) -> Any:
        """The network in one stage as a networkx DiGraph (one edge per node pair, parallel routes
        summed; `multi=True`: a MultiDiGraph keyed by route name), with the solution's numbers as
        node and edge attributes. `stage=None`: the last stage. See `netopt.graph`."""
        return solution_graph(self, stage, multi=multi)

    def to_xarray(self) -> Any:
        """The solution as an xarray Dataset of dense arrays: every table on its dimensions
        (step or stage, element, commodity; leaf with a tree), zeros kept, units in each
        variable's attrs (`netopt.dense`; needs `netopt[netcdf]`)."""
        from .dense import to_xarray

        return to_xarray(self)

    # --- tables ---------------------------------------------------------------------------------
    def tables(self, as_pandas: bool | None = None, *,
               network: bool = True) -> dict[str, Any]:
        """The tidy tables (as in the CSV files): the solution's tables, then (with `network`) the
        instance's stages, nodes, facilities, routes and demands. Column names carry units.

        as_pandas: None: pandas DataFrames if pandas is installed, else lists of dicts; True:
        DataFrames (ImportError without pandas); False: lists of dicts."""
        names = TABLES + (NETWORK_TABLES if network else ())
        maps = _network_maps(self)
        rows = {name: tidy_rows(self, name, maps) for name in names}
        if as_pandas is None:
            try:
                import pandas  # noqa: F401
            except ImportError:
                as_pandas = False
            else:
                as_pandas = True
        if not as_pandas:
            return rows
        try:
            import pandas as pd  # pandas (optional): only for DataFrames
        except ImportError as e:
            raise ImportError("tables(as_pandas=True) needs pandas: pip install 'netopt[pandas]'"
                              ) from e
        return {name: _frame(pd, rows[name], table_columns(self, name)) for name in names}

    def write(self, directory: str | FsPath, *, csv: bool = True, parquet: bool = False,
              folder: OutputFolder | None = None,
              extra: Callable[[FsPath], list[FsPath]] | None = None) -> list[FsPath]:
        """Write the tidy tables (one CSV and/or Parquet file each), what `extra(folder)` writes
        (GraphML, netCDF...) and solution.json (whose timings.write covers the tables): all into
        a temporary folder that then replaces `directory` in one step, so it never holds half
        old, half new outputs (files.OutputFolder; pass one already prepared to check and lock
        the location before solving). Raises files.OutputError. Parquet needs pyarrow."""
        t0 = time.perf_counter()
        folder = folder or OutputFolder(directory)
        target = FsPath(directory)
        names = TABLES + NETWORK_TABLES
        with folder.writing() as out:
            written = []
            if parquet:
                written += write_parquet(self, out, names)
            if csv:
                maps = _network_maps(self)
                for name in names:
                    written.append(out / f"{name}.csv")
                    write_atomic(written[-1], to_csv(tidy_rows(self, name, maps),
                                                     table_columns(self, name)))
            if extra is not None:
                written += extra(out)
            written.append(out / "solution.json")
            body = self._json_body()
            self.timings["write"] = time.perf_counter() - t0  # tables and solution.json
            write_atomic(written[-1], self._json_close(body))
        return [target / p.name for p in written]

    def to_json(self) -> str:
        """solution.json's text: one object, no indentation (a 100k-flow solution takes 2.4 s
        more to indent); `python -m json.tool solution.json` shows it indented."""
        return self._json_close(self._json_body())

    def _json_body(self) -> str:
        return json.dumps(self._record(), allow_nan=False, separators=(",", ":"))

    def _json_close(self, body: str) -> str:
        """The body with timings appended last, so that timings.write can count encoding it."""
        return (body[:-1] + ',"timings":'
                + json.dumps(self.timings, allow_nan=False, separators=(",", ":")) + "}\n")


def _val(v: Any) -> float:
    x = v.value
    return 0.0 if x is None or abs(x) < TOL else float(x)


def network_of(p: Prepared) -> dict[str, Any]:
    """The instance's nodes, facilities, routes and demand amounts (solution_schema.Network)."""
    from .params import per_stage  # pydantic (through schema): results stays light

    inst = p.inst
    names = [s.name for s in p.stages]
    demands = []
    for label, d in zip(p.demand_label, inst.demands):
        for t, a in per_stage(d.amount, names).items():
            if a:
                price = (per_stage(d.price_per_t, [t])[t] or 0.0) if d.kind == "market" else None
                demands.append({"demand": label, "kind": d.kind, "node": d.node,
                                "commodity": d.commodity, "stage": t, "amount": a,
                                "price_per_t": price,
                                "shortfall_penalty_per_t": d.shortfall_penalty_per_t})
    return {
        "nodes": [{"name": n.name, "kind": n.kind, "body": n.body,
                   "bodies": list(n.bodies) if n.bodies else None, "point": n.point,
                   "requires_depot": list(n.requires_depot)} for n in inst.nodes],
        "facilities": [{"name": f.name, "kind": f.kind, "node": f.node, "capacity": f.capacity,
                        "max_units": f.max_units, "produces": dict(f.produces),
                        "consumes": dict(f.consumes), "capex": f.capex, "opex": f.opex,
                        "variable_cost": f.variable_cost} for f in inst.facilities],
        "routes": [{"name": r.name, "from": r.from_, "to": r.to, "buildable": r.capex is not None,
                    "capacity": r.capacity, "delta_v_km_s": r.delta_v_km_s, "loss": r.loss,
                    "cost_per_t": _plain(r.cost_per_t), "capex": r.capex, "opex": r.opex,
                    "transit_years": r.transit,
                    "window_every_years": r.windows.period if r.windows else None,
                    "window_first": r.windows.first_year(inst.horizon.start_year) if r.windows
                    else None}
                   for r in inst.routes],
        "demands": demands,
        "supplies": [{"supply": label, "node": s.node, "commodity": s.commodity,
                      "price_per_t": _plain(s.price_per_t), "max_per_year": _plain(s.max_per_year)}
                     for label, s in zip(p.supply_label, inst.supplies)],
        "discount_rate": inst.horizon.discount_rate,
        "budgets": dict(inst.budgets),
    }


def _plain(v: Any) -> Any:
    """A number or {stage: number} as written (a copy: the Instance's own mapping is frozen)."""
    return dict(v) if isinstance(v, dict) else v


def extract(p: Prepared, compiled: Compiled, outcome: Outcome) -> Solution:
    """Read variable values of a solved model into a Solution (empty tables without a solution)."""
    from .schema import DAYS_PER_YEAR
    from .solution_schema import start_date

    inst, m = p.inst, compiled.model
    sol = Solution(
        instance=inst.name, status=outcome.status, objective=outcome.objective,
        bound=outcome.bound, gap=outcome.gap, objective_kind=inst.objective,
        units=inst.units.model_dump(), message=outcome.message,
        solver={"name": outcome.solver, "version": outcome.solver_version},
        stages=[{"name": s.name, "start_year": s.start_year, "years": s.years,
                 "capex_factor": s.capex_factor, "annual_factor": s.annual_factor}
                for s in p.stages],
        steps=[{"name": s.name, "stage": s.stage, "start_year": s.start_year, "years": s.years,
                "annual_factor": s.annual_factor, "start_date": start_date(s.start_year),
                "days": s.years * DAYS_PER_YEAR} for s in p.steps],
        network=network_of(p))
    if not outcome.status.has_solution:
        return sol
    kind = {e: "facility" if e in {f.name for f in inst.facilities}
            else "vehicle" if e in p.vehicle else "route" for e in p.buildable}

    where = {f.name: f.node for f in inst.facilities}
    where.update({r.name: f"{r.from_}->{r.to}" for r in inst.routes if r.name in p.buildable})
    where.update({v.name: v.base or "" for v in inst.vehicles if v.name in p.buildable})

    def at(t: str) -> dict[str, Any]:
        """The stage and year of step t, as the rows carry them."""
        return {"stage": p.step[t].stage, "year": p.step[t].start_year}

    built = {k: round(_val(m.build[k])) for k in p.build_keys}
    sol.builds = [{"name": e, "type": kind[e], "node": where[e], "stage": t, "units": u}
                  for (e, t), u in built.items() if u]
    for (e, t) in p.cover:
        units = p.online_units(e, t, built)
        if units:
            cap = p.buildable[e].capacity
            operating = p.operating_units(e, t, built)
            sol.online.append({"name": e, "type": kind[e], **at(t), "units": units,
                               "operating": operating,
                               "capacity": None if cap is None else cap * operating})
    fac = p.facility
    sol.activities = [{"facility": f, "node": fac[f].node, **at(t), "rate": _val(m.act[f, t])}
                      for (f, t) in p.act_keys if _val(m.act[f, t])]
    route = p.route
    burnt: dict[tuple[str, str, str], float] = {}
    came: dict[tuple[str, str, str], float] = {}
    for (r, k, t) in p.flow_keys:
        rate = _val(m.flow[r, k, t])
        if not rate:
            continue
        x = route[r]
        sol.flows.append({"route": r, "from": x.from_, "to": x.to, "commodity": k, **at(t),
                          "rate": rate, "arrivals": rate * (1.0 - x.loss)})
        lift = 1.0 + p.load(r, k)  # with what it uses up in flight
        for pk, phi in p.burn[r].items():
            burnt[(r, pk, t)] = burnt.get((r, pk, t), 0.0) + phi * lift * rate
        for there, w in p.arrivals(r, t):
            came[(r, k, there)] = came.get((r, k, there), 0.0) + rate * (1.0 - x.loss) * w
    sol.propellant = [{"route": r, "node": route[r].from_, "commodity": k, **at(t), "rate": v}
                      for (r, k, t), v in burnt.items()]
    sol.arrivals = [{"route": r, "to": route[r].to, "commodity": k, **at(t), "rate": v}
                    for (r, k, t), v in sorted(came.items(), key=lambda kv: (
                        kv[0][0], kv[0][1], p.step[kv[0][2]].index))]
    if p.stock_keys:
        sol.stocks = [{"facility": f, "node": fac[f].node, "commodity": k, **at(t),
                       "tonnes": _val(m.stock[f, k, t])}
                      for (f, k, t) in p.stock_keys if _val(m.stock[f, k, t])]
    hw = p.inst.hardware_commodity
    for (n, t) in p.hardware_keys:  # hardware waiting for a build: no storage facility
        tonnes = max(0.0, _val(m.hardware_stock[n, t]))
        if tonnes:
            sol.stocks.append({"facility": None, "node": n, "commodity": hw, **at(t),
                               "tonnes": tonnes})

    def rows(keys: list, var: Any, items: list, labels: list[str], label: str) -> list[dict]:
        return [{label: labels[i], "node": items[i].node, "commodity": items[i].commodity,
                 **at(t), "rate": _val(var[i, t])} for (i, t) in keys if _val(var[i, t])]

    _extract_vehicles(p, m, sol, built)
    sol.supplies = rows(p.supply_keys, m.supply, inst.supplies, p.supply_label, "supply")
    sol.sales = rows(p.sale_keys, m.sale, inst.demands, p.demand_label, "demand")
    sol.shortfalls = rows(p.short_keys, m.short, inst.demands, p.demand_label, "demand")

    ct = compiled.costs
    for (category, t), items in sorted(ct.terms.items(), key=lambda kv: (
            p.step[kv[0][1]].index, kv[0][0])):
        value = sum(c * _val(v) for c, v in items)
        if not value:
            continue
        amount = value if category in ct.once else value * p.step[t].years
        sol.costs.append({"category": category, **at(t), "amount": amount,
                          "discounted": value * ct.factor[(category, t)]})
    return sol


def _extract_vehicles(p: Prepared, m: Any, sol: Solution, built: dict[tuple[str, str], int]
                      ) -> None:
    """trips and fleet tables, per step; the propellant the vehicles' dry mass burns joins
    `propellant` (solvers.md, "Vehicles")."""
    if not p.trip_keys:
        return
    route = p.route

    def at(t: str) -> dict[str, Any]:
        return {"stage": p.step[t].stage, "year": p.step[t].start_year}

    payload: dict[tuple[str, str, float], float] = {}
    in_tank: dict[tuple[str, str, float], float] = {}
    for f in sol.flows:
        if f["route"] in p.flown_by:
            key = (f["route"], f["stage"], f["year"])
            payload[key] = payload.get(key, 0.0) + f["rate"]
            if f["commodity"] in p.tank_cargo.get(f["route"], ()):
                in_tank[key] = in_tank.get(key, 0.0) + f["rate"]
    burnt = {(x["route"], x["commodity"], x["stage"], x["year"]): x for x in sol.propellant}
    used: dict[tuple[str, str], float] = {}
    for (r, t) in p.trip_keys:
        n = _val(m.trips[r, t])
        if not n:
            continue
        step = (p.step[t].stage, p.step[t].start_year)
        for k, c in p.trip_burn[r].items():
            row = burnt.get((r, k, *step))
            if row is None:
                row = burnt[(r, k, *step)] = {"route": r, "node": route[r].from_,
                                              "commodity": k, **at(t), "rate": 0.0}
                sol.propellant.append(row)
            row["rate"] += c * n
        v = p.flown_by[r]
        fuel = sum(burnt[(r, k, *step)]["rate"] for k in p.trip_burn[r] if (r, k, *step) in burnt)
        sol.trips.append({"route": r, "vehicle": v, "from": route[r].from_, "to": route[r].to,
                          **at(t), "trips": n, "payload": payload.get((r, *step), 0.0),
                          "propellant": fuel, "tank_cargo": in_tank.get((r, *step), 0.0)})
    for (name, node, t) in p.parked_keys:
        waiting = max(0.0, _val(m.parked[name, node, t]))  # a variable >= 0: below 0 is noise
        if waiting:
            sol.parked.append({"vehicle": name, "node": node, **at(t), "vehicles": waiting})
    for (name, node, t) in p.dispose_keys:
        left = max(0.0, _val(m.dispose[name, node, t]))
        if left:
            sol.disposals.append({"vehicle": name, "node": node, **at(t), "vehicles": left})
    for fleet_step, uses in p.fleet_use.items():
        held = sum(coef * _val(getattr(m, family)[idx]) for family, idx, coef in uses)
        if held:
            used[fleet_step] = held
    # a row for every step a vehicle exists in, used or idle: a stage's mean (by_stage) over
    # only the steps it was used in would overstate its utilisation
    steps = set(used) | {(v, t) for (v, t) in p.cover if v in p.vehicle
                         and p.online_units(v, t, built)}
    for (v, t) in sorted(steps, key=lambda vt: (vt[0], p.step[vt[1]].index)):
        years = used.get((v, t), 0.0)
        online = p.online_units(v, t, built)
        operating = p.operating_units(v, t, built)
        sol.fleet.append({"vehicle": v, **at(t), "online": online, "operating": operating,
                          "vehicle_years": years,
                          "utilisation": years / operating if operating else 0.0})
