"""The Solution: extraction from a solved model, tables, and export (JSON + CSV, atomic)."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path as FsPath
from typing import Any

from .status import Status

SCHEMA_VERSION = 1
TOL = 1e-7  # values closer to zero than this are solver noise
TABLES = ("builds", "online", "activities", "flows", "propellant", "supplies", "sales",
          "shortfalls", "costs")


@dataclass
class Solution:
    instance: str
    status: Status
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    objective_kind: str = "cost"
    units: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    solver: dict[str, str] = field(default_factory=dict)
    stages: list[dict] = field(default_factory=list)
    builds: list[dict] = field(default_factory=list)  # name, type, node, stage, units
    online: list[dict] = field(default_factory=list)  # name, type, stage, units, capacity
    activities: list[dict] = field(default_factory=list)  # facility, node, stage, rate
    flows: list[dict] = field(default_factory=list)  # route, from, to, commodity, stage, rate, arrivals
    propellant: list[dict] = field(default_factory=list)  # route, node, commodity, stage, rate
    supplies: list[dict] = field(default_factory=list)  # supply, node, commodity, stage, rate
    sales: list[dict] = field(default_factory=list)  # demand, node, commodity, stage, rate
    shortfalls: list[dict] = field(default_factory=list)  # demand, node, commodity, stage, rate
    costs: list[dict] = field(default_factory=list)  # category, stage, amount, discounted
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status.value
        return {"schema_version": SCHEMA_VERSION, **d}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Solution:
        d = {k: v for k, v in d.items() if k != "schema_version"}
        d["status"] = Status(d["status"])
        return cls(**d)

    @classmethod
    def read(cls, path: str | FsPath) -> Solution:
        return cls.from_dict(json.loads(FsPath(path).read_text(encoding="utf-8")))

    def tables(self) -> dict[str, list[dict]]:
        return {name: getattr(self, name) for name in TABLES}

    def cost_total(self, category: str | None = None) -> float:
        return sum(c["discounted"] for c in self.costs
                   if category is None or c["category"] == category)

    def build_units(self, name: str) -> dict[str, int]:
        """{stage: units built} of one facility or route."""
        return {b["stage"]: b["units"] for b in self.builds if b["name"] == name}

    def flow(self, route: str, commodity: str, stage: str) -> float:
        return sum(f["rate"] for f in self.flows
                   if (f["route"], f["commodity"], f["stage"]) == (route, commodity, stage))

    def write(self, directory: str | FsPath) -> list[FsPath]:
        """Write one CSV per table, then solution.json (whose timings.write covers the CSVs);
        each file atomically."""
        t0 = time.perf_counter()
        out = FsPath(directory)
        out.mkdir(parents=True, exist_ok=True)
        money = self.units.get("money", "money")
        paths = []
        for name, rows in self.tables().items():
            paths.append(out / f"{name}.csv")
            write_atomic(paths[-1], to_csv(rows, _COLUMNS[name], money))
        self.timings["write"] = time.perf_counter() - t0
        paths.append(out / "solution.json")
        write_atomic(paths[-1], json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n")
        return paths


_COLUMNS = {
    "builds": ["name", "type", "node", "stage", "units"],
    "online": ["name", "type", "stage", "units", "capacity"],
    "activities": ["facility", "node", "stage", "rate"],
    "flows": ["route", "from", "to", "commodity", "stage", "rate", "arrivals"],
    "propellant": ["route", "node", "commodity", "stage", "rate"],
    "supplies": ["supply", "node", "commodity", "stage", "rate"],
    "sales": ["demand", "node", "commodity", "stage", "rate"],
    "shortfalls": ["demand", "node", "commodity", "stage", "rate"],
    "costs": ["category", "stage", "amount", "discounted"],
}


def _header(col: str, money: str) -> str:
    unit = {"rate": "t_per_yr", "arrivals": "t_per_yr", "capacity": "t_per_yr",
            "amount": money, "discounted": money}.get(col)
    return f"{col}_{unit}" if unit else col


def to_csv(rows: list[dict], columns: list[str], money: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([_header(c, money) for c in columns])
    for row in rows:
        w.writerow([row.get(c, "") for c in columns])
    return buf.getvalue()


def write_atomic(path: FsPath, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _val(v: Any) -> float:
    x = v.value
    return 0.0 if x is None or abs(x) < TOL else float(x)


def extract(p: Any, m: Any, outcome: Any) -> Solution:
    """Read variable values of a solved model into a Solution (empty tables without a solution)."""
    inst = p.inst
    sol = Solution(
        instance=inst.name, status=outcome.status, objective=outcome.objective,
        bound=outcome.bound, gap=outcome.gap, objective_kind=inst.objective,
        units=inst.units.model_dump(), message=outcome.message,
        solver={"name": outcome.solver, "version": outcome.solver_version},
        stages=[{"name": s.name, "start_year": s.start_year, "years": s.years,
                 "capex_factor": s.capex_factor, "annual_factor": s.annual_factor}
                for s in p.stages])
    if not outcome.status.has_solution:
        return sol
    kind = {e: "facility" if e in {f.name for f in inst.facilities} else "route"
            for e in p.buildable}

    def where(e: str) -> str:
        x = p.buildable[e]
        return x.node if kind[e] == "facility" else f"{x.from_}->{x.to}"

    built = {k: round(_val(m.build[k])) for k in p.build_keys}
    sol.builds = [{"name": e, "type": kind[e], "node": where(e), "stage": t, "units": u}
                  for (e, t), u in built.items() if u]
    for (e, t) in p.cover:
        units = p.online_units(e, t, built)
        if units:
            cap = p.buildable[e].capacity
            sol.online.append({"name": e, "type": kind[e], "stage": t, "units": units,
                               "capacity": None if cap is None else cap * units})
    fac = {f.name: f for f in inst.facilities}
    sol.activities = [{"facility": f, "node": fac[f].node, "stage": t, "rate": _val(m.act[f, t])}
                      for (f, t) in p.act_keys if _val(m.act[f, t])]
    route = {r.name: r for r in inst.routes}
    burnt: dict[tuple[str, str, str], float] = {}
    for (r, k, t) in p.flow_keys:
        rate = _val(m.flow[r, k, t])
        if not rate:
            continue
        x = route[r]
        sol.flows.append({"route": r, "from": x.from_, "to": x.to, "commodity": k, "stage": t,
                          "rate": rate, "arrivals": rate * (1.0 - x.loss)})
        for pk, phi in p.burn[r].items():
            burnt[(r, pk, t)] = burnt.get((r, pk, t), 0.0) + phi * rate
    sol.propellant = [{"route": r, "node": route[r].from_, "commodity": k, "stage": t, "rate": v}
                      for (r, k, t), v in burnt.items()]

    def rows(keys: list, var: Any, items: list, labels: list[str], label: str) -> list[dict]:
        return [{label: labels[i], "node": items[i].node, "commodity": items[i].commodity,
                 "stage": t, "rate": _val(var[i, t])} for (i, t) in keys if _val(var[i, t])]

    sol.supplies = rows(p.supply_keys, m.supply, inst.supplies, p.supply_label, "supply")
    sol.sales = rows(p.sale_keys, m.sale, inst.demands, p.demand_label, "demand")
    sol.shortfalls = rows(p.short_keys, m.short, inst.demands, p.demand_label, "demand")

    ct = m.cost_terms
    for (category, t), items in sorted(ct.terms.items(), key=lambda kv: (
            p.stage[kv[0][1]].index, kv[0][0])):
        value = sum(c * _val(v) for c, v in items)
        if not value:
            continue
        per_stage = value if category == "capex" else value * p.stage[t].years
        sol.costs.append({"category": category, "stage": t, "amount": per_stage,
                          "discounted": value * ct.factor[(category, t)]})
    return sol
