"""Why a plan is infeasible, in the instance's own terms; and the elastic solve.

The only rows that can make the model infeasible are required demands: every other constraint
holds with nothing built and nothing moving. So the elastic model adds unmet[n,k,t] to each
required demand's balance. Minimising the tonnes unmet over the horizon, then the cost with no more
unmet than that, gives the plan that meets as much demand as possible; the limits that bind in it
say why the rest cannot be met. The explanation of an infeasible solve and `--elastic` run this
same two-step solve, so they quote the same figures: when demands share a limit (a depot handling
lox and lh2), how the shortfall falls between them is the cheapest split, not a bound on each.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pyomo.core as pyo  # the modelling layer only: pyomo.environ adds ~0.15 s of plugins

from .compile import Compiled, Extra, apply_extra, compile_model
from .params import Prepared
from .results import Solution, extract
from .solve import Outcome, SolveOptions, run_solver

TOL = 1e-6
MAX_LIMITS = 6  # binding limits named per unmet demand


def _v(var: Any) -> float:
    return var.value or 0.0


def _at(x: float, limit: float) -> bool:
    """x has reached `limit`, up to the solver's tolerances."""
    return x >= limit - TOL * max(1.0, abs(limit))


def _constraints(m: pyo.ConcreteModel) -> list[Any]:
    return list(m.component_objects(pyo.Constraint, active=True, descend_into=True))


def _minimise_unmet(p: Prepared, opts: SolveOptions, extra: Extra | None = None
                    ) -> tuple[Compiled, Outcome]:
    c = compile_model(p, elastic=True, cuts=opts.cuts, online=opts.online)
    ours = {id(x) for x in _constraints(c.model)}
    apply_extra(c, extra)
    # the rows the user's extra function added: the only rows besides the demands' that can
    # make the model infeasible (every other one holds with nothing built and nothing moving)
    c.model._netopt_user_rows = [x for x in _constraints(c.model) if id(x) not in ours]
    m = c.model
    m.objective.deactivate()
    m.unmet_objective = pyo.Objective(
        expr=sum(p.step[t].years * m.unmet[n, k, t] for (n, k, t) in m.unmet))
    return c, run_solver(m, opts)


def unmet_rows(p: Prepared, m: pyo.ConcreteModel) -> list[dict]:
    """Demands left unmet, each rounded to the solver's tolerance relative to its amount: a
    shortfall below it (1.5e-06 t/yr of 1,500) is noise, not a shortfall."""
    rows = []
    for (n, k, t) in m.unmet:
        required = p.demand[(n, k, t)]
        rate = rounded(_v(m.unmet[n, k, t]), TOL * max(1.0, required))
        if rate > 0:
            rows.append({"node": n, "commodity": k, "step": t, "stage": p.step[t].stage,
                         "year": p.step[t].start_year, "required": required, "rate": rate})
    return rows


def rounded(x: float, tol: float) -> float:
    """x to the decimal place of `tol`; 0 when |x| <= tol."""
    if abs(x) <= tol:
        return 0.0
    return round(x, max(0, -math.floor(math.log10(tol))))


def _upstream(p: Prepared, node: str, t: str) -> list[str]:
    """Nodes that can send anything to `node` in stage t, nearest first (node itself first)."""
    into: dict[str, set[str]] = defaultdict(set)
    for r in p.inst.routes:
        if t in p.route_stages[r.name]:
            into[r.to].add(r.from_)
    order, frontier = [node], [node]
    while frontier:
        frontier = sorted({u for n in frontier for u in into[n]} - set(order))
        order += frontier
    return order


def binding_limits(p: Prepared, m: pyo.ConcreteModel, node: str, t: str) -> list[str]:
    """Limits reached in stage t at `node` and upstream of it, in plain words."""
    inst = p.inst
    nodes = _upstream(p, node, t)
    rank = {n: i for i, n in enumerate(nodes)}
    found: list[tuple[int, str]] = []

    def online(e: str) -> float:
        return sum(_v(m.build[e, tau]) for tau in p.cover.get((e, t), ()))

    def operating(e: str) -> float:
        return sum(share * _v(m.build[e, tau]) for tau, share in p.op_share.get((e, t), ()))

    for f in inst.facilities:
        if f.node not in rank:
            continue
        if (f.name, t) not in p.op_share:
            continue
        units = online(f.name)
        if _at(units, f.max_units) and _at(_v(m.act[f.name, t]), f.capacity * operating(f.name)):
            what = "depot" if f.kind == "depot" else "facility"
            found.append((rank[f.node], f"{what} {f.name} at {f.node}: {f.capacity:g} t/yr x "
                                        f"{f.max_units} unit(s), all built and full"))
    flows: dict[str, float] = defaultdict(float)
    for (r, k, tt) in p.flow_keys:
        if tt == t:
            flows[r] += _v(m.flow[r, k, tt])
    for rt in inst.routes:
        if rt.to not in rank or rt.capacity is None or t not in p.route_stages[rt.name]:
            continue
        units = 1.0 if rt.capex is None else online(rt.name)
        full_units = rt.capex is None or _at(units, rt.max_units)
        per_step = rt.capacity * p.n_windows.get((rt.name, t), p.step[t].years) / p.step[t].years
        if full_units and _at(flows[rt.name], per_step * (1.0 if rt.capex is None
                                                          else operating(rt.name))):
            found.append((rank[rt.to], f"route {rt.name}: {rt.capacity:g} t/yr x {rt.max_units} "
                                       "unit(s), full"))
    used: dict[str, float] = defaultdict(float)  # vehicle-years per year, reusable vehicles
    for (v, tt), uses in p.fleet_use.items():
        if tt == t:
            used[v] = sum(coef * _v(getattr(m, family)[key]) for family, key, coef in uses)
    for v, years in used.items():
        x = p.vehicle[v]
        base = x.base if x.base in rank else None
        if _at(online(v), x.max_units) and _at(years, operating(v)):
            found.append((rank[base] if base is not None else len(nodes),
                          f"fleet {v}: {x.max_units} vehicle(s), all built and busy"))
    for (i, tt), ub in p.supply_ub.items():
        s = inst.supplies[i]
        if tt == t and ub is not None and s.node in rank and _at(_v(m.supply[i, t]), ub):
            found.append((rank[s.node], f"supply {p.supply_label[i]}: at its limit {ub:g} t/yr"))
    for tau, budget in inst.budgets.items():
        if p.stage[tau].index > p.stage[p.step[t].stage].index:
            continue
        spent = sum((p.buildable[e].capex or 0.0) * _v(m.build[e, tt])
                    for (e, tt) in p.build_keys if tt == tau)
        if _at(spent, budget):
            found.append((len(nodes), f"budget {tau}: {budget:g} all spent"))
    found.sort()
    out = [text for _, text in found[:MAX_LIMITS]]
    if len(found) > MAX_LIMITS:
        out.append(f"and {len(found) - MAX_LIMITS} more")
    return out


def describe(p: Prepared, m: pyo.ConcreteModel, rows: list[dict], users: bool = False) -> str:
    """One line per unmet demand: what is met and the limits that bind. `users`: the rows of an
    extra function bind (see _blame_user_rows)."""
    lines = []
    for r in rows:
        met = r["required"] - r["rate"]
        limits = binding_limits(p, m, r["node"], r["step"])
        why = ("; limits reached: " + "; ".join(limits)) if limits else (
            "; no limit of the instance binds: the rows your --extra function added do" if users
            else "; no capacity limit binds: check availability windows, lifetimes, hardware and "
            "vehicles' return legs")
        lines.append(f"demand {r['commodity']} at {r['node']} in {r['step']}: "
                     f"{r['required']:g} t/yr required, {met:.6g} t/yr met when as much as "
                     f"possible is met (the --elastic plan){why}")
    return "\n".join(lines)


def explain_infeasible(p: Prepared, opts: SolveOptions, extra: Extra | None = None) -> str:
    """Plain-words reasons for an infeasible model (empty if none can be found): the unmet
    demands of the elastic plan and the limits that bind in it; or, when the rows an `extra`
    function added are what makes it infeasible, those rows by name."""
    c, outcome = _elastic(p, opts, extra)
    m = c.model
    rows = unmet_rows(p, m) if outcome.status.has_solution else []
    users = getattr(m, "_netopt_user_rows", [])
    if not users:
        return describe(p, m, rows) if rows else ""
    # the elastic plan's figures first: the solves that follow change the variables' values
    said = describe(p, m, rows) if rows else ""
    lines = describe(p, m, rows, users=True).splitlines() if rows else []
    binding = _at_bound(users) if outcome.status.has_solution else []
    blame = _blame_user_rows(c, opts, users)
    if not blame:
        return said
    out = [blame]
    if binding:
        more = f" and {len(binding) - MAX_LIMITS} more" if len(binding) > MAX_LIMITS else ""
        out.append("at their bound in the plan that meets as much demand as possible: "
                   + ", ".join(binding[:MAX_LIMITS]) + more)
    out += lines[:MAX_DEMANDS]
    if len(lines) > MAX_DEMANDS:
        out.append(f"and {len(lines) - MAX_DEMANDS} more demands not met in full (--elastic "
                   "lists them all as shortfalls)")
    return "\n".join(out)


MAX_DEMANDS = 3  # unmet demands quoted when the rows of an extra function are to blame


def _at_bound(users: list[Any]) -> list[str]:
    """The rows of `users` at one of their bounds in the model's current values, by name."""
    out = []
    for comp in users:
        for row in comp.values():
            if not row.active:
                continue
            x = pyo.value(row.body, exception=False)
            if x is None:
                continue
            lo, up = row.lower, row.upper
            if any(b is not None and abs(x - pyo.value(b)) <= TOL * max(1.0, abs(pyo.value(b)))
                   for b in (lo, up)):
                out.append(row.name)
    return out


def _row_count(x: Any) -> str:
    n = len(x) if x.is_indexed() else 1
    return f"'{x.name}' ({n} row{'s' if n != 1 else ''})"


MAX_TRIED = 20  # user components tried one by one for the one that makes the model infeasible


def _blame_user_rows(c: Compiled, opts: SolveOptions, users: list[Any]) -> str:
    """When every required demand can be met without the rows an extra function added, name
    those of them that make the model infeasible (each alone, or all together); else ''."""
    m = c.model
    for name in ("unmet_cap", "objective"):
        if hasattr(m, name):
            getattr(m, name).deactivate()
    m.unmet_objective.activate()

    def unmet_with(active: list[Any]) -> float | None:
        for x in users:
            (x.activate if any(x is a for a in active) else x.deactivate)()
        out = run_solver(m, opts)
        return pyo.value(m.unmet_objective) if out.status.has_solution else None

    without = unmet_with([])
    if without is None or without > TOL:
        return ""  # demand goes unmet without them too: the demands' explanation stands
    alone = []
    if len(users) > 1:
        for x in users[:MAX_TRIED]:
            z = unmet_with([x])
            if z is None or z > TOL:
                alone.append(x)
    names = ", ".join(_row_count(x) for x in (alone or users))
    how = ("" if len(users) == 1 else " on its own" if len(alone) == 1 else
           " each on its own" if alone else " together")
    return (f"infeasible because of the rows your --extra function added: {names} cannot be "
            f"met{how}; without them every required demand can be met")


def _elastic(p: Prepared, opts: SolveOptions, extra: Extra | None = None
             ) -> tuple[Compiled, Outcome]:
    """Fewest tonnes unmet over the horizon, then least cost with no more unmet than that."""
    c, first = _minimise_unmet(p, opts, extra)
    m = c.model
    if not first.status.has_solution:
        return c, first
    least = pyo.value(m.unmet_objective)
    m.unmet_objective.deactivate()
    m.objective.activate()
    m.unmet_cap = pyo.Constraint(expr=m.unmet_objective.expr <= least + 1e-9 * max(1.0, least))
    return c, run_solver(m, opts)


def solve_elastic(p: Prepared, opts: SolveOptions, extra: Extra | None = None) -> Solution:
    """Meet as much required demand as possible (fewest tonnes unmet over the horizon), then at
    least cost; unmet demand is reported as shortfall and in the message."""
    c, outcome = _elastic(p, opts, extra)
    sol = extract(p, c, outcome)
    if outcome.status.has_solution:
        m = c.model
        rows = unmet_rows(p, m)
        for r in rows:
            sol.shortfalls.append({"demand": f"{r['node']}/{r['commodity']} (unmet)",
                                   "node": r["node"], "commodity": r["commodity"],
                                   "stage": r["stage"], "year": r["year"], "rate": r["rate"]})
        msg = describe(p, m, rows) if rows else "elastic: every required demand is met"
        sol.message = "\n".join(x for x in (sol.message, msg) if x)
    return sol
