"""Helpers for tests: small instances from keyword overrides, solved to proven optimality."""

from __future__ import annotations

from typing import Any

from .plan import solve, validate
from .results import Solution
from .solve import SolveOptions


def instance(**sections: Any) -> Any:
    """A validated Instance: one 1-year stage `s1`, no discounting, commodity `x`, nodes a and b,
    unless `sections` override them."""
    data: dict[str, Any] = {
        "name": "t",
        "horizon": {"start_year": 2030, "discount_rate": 0.0, "stages": [{"name": "s1", "years": 1}]},
        "commodities": [{"name": "x"}],
        "nodes": [{"name": "a"}, {"name": "b"}],
    }
    data.update(sections)
    return validate(data)[0]


def solve_exact(inst: Any, **options: Any) -> Solution:
    """Solve with a zero MIP gap, so the optimum is proven, not approximate."""
    return solve(inst, SolveOptions(gap=0.0, **options))


def facility_location(n: int = 25, m: int = 40) -> Any:
    """A deterministic single-stage capacitated facility location instance, n sites x m customers,
    that HiGHS does not close at the root node (for limit and status tests)."""
    return instance(
        nodes=[{"name": f"w{i}"} for i in range(n)] + [{"name": f"c{j}"} for j in range(m)],
        facilities=[{"name": f"w{i}", "node": f"w{i}", "capacity": 40 + (i * 37) % 60,
                     "capex": 300 + (i * 71) % 250, "produces": {"x": 1.0}} for i in range(n)],
        routes=[{"name": f"r{i}_{j}", "from": f"w{i}", "to": f"c{j}",
                 "cost_per_t": 1 + ((i * 13 + j * 29) % 47) / 5} for i in range(n) for j in range(m)],
        demands=[{"node": f"c{j}", "commodity": "x", "amount": 5 + (j * 17) % 20} for j in range(m)])


def hardware_arrival_problems(inst: Any, sol: Solution, tol: float = 1e-6) -> list[str]:
    """Where a plan has a plant produce before its hardware can have arrived (solvers.md,
    "Hardware"): a facility with mass that produces in a step must have a unit built in an earlier
    step, and the hardware that reached its node before that step (arrivals + purchases -
    departures, in tonnes) must cover the mass of every unit built there before it (facilities
    at the node and vehicles based there). Plain words per violation; empty if none."""
    hw = inst.hardware_commodity
    length = {(s["stage"], s["start_year"]): s["years"] for s in sol.steps}
    start = {s["name"]: s["start_year"] for s in sol.stages}
    mass = {**{f.name: (f.node, f.mass) for f in inst.facilities},
            **{r.name: (r.from_, r.mass) for r in inst.routes}}
    built: list[tuple[str, int, float]] = []  # (node, build year, tonnes)
    for b in sol.builds:
        node, m = mass[b["name"]]
        if m:
            built.append((node, start[b["stage"]], m * b["units"]))
    net: dict[str, list[tuple[int, float]]] = {}  # node -> [(year, tonnes in)]
    for a in sol.arrivals:
        if a["commodity"] == hw:
            net.setdefault(a["to"], []).append((a["year"], a["rate"] * length[(a["stage"], a["year"])]))
    for f in sol.flows:
        if f["commodity"] == hw:
            net.setdefault(f["from"], []).append((f["year"], -f["rate"] * length[(f["stage"], f["year"])]))
    for s in sol.supplies:
        if s["commodity"] == hw:
            net.setdefault(s["node"], []).append((s["year"], s["rate"] * length[(s["stage"], s["year"])]))
    out = []
    fac = {f.name: f for f in inst.facilities}
    for a in sol.activities:
        f = fac[a["facility"]]
        if not f.produces or not f.mass or a["rate"] <= tol:
            continue  # only plants: a depot handles throughput from the day it is built
        y = a["year"]
        if not any(b["name"] == f.name and start[b["stage"]] < y for b in sol.builds):
            out.append(f"{f.name} produces in {y} but no unit of it was built before {y}")
            continue
        have = sum(t for year, t in net.get(f.node, []) if year < y)
        need = sum(t for node, year, t in built if node == f.node and year < y)
        if have < need - tol * max(1.0, need):
            out.append(f"{f.name} produces in {y} but only {have:g} t of the {need:g} t of "
                       f"hardware built at {f.node} before {y} had arrived")
    return out
