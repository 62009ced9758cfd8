"""Prepared instance -> Pyomo ConcreteModel: one `define_*` function per constraint family.

Every family is indexed only by the combinations that exist (see `params.Prepared`), so build time
grows linearly with the instance. The math is in solvers.md; names here follow it.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from .params import Prepared

COST_CATEGORIES = ("capex", "opex", "variable", "transport", "supply", "shortfall", "revenue")


@dataclass
class CostTerms:
    """Objective terms by (category, stage): [(coef, var)], and the stage's discount factor."""

    terms: dict[tuple[str, str], list] = field(default_factory=lambda: defaultdict(list))
    factor: dict[tuple[str, str], float] = field(default_factory=dict)

    def add(self, category: str, stage: str, factor: float, coef: float, var) -> None:
        if coef:
            self.terms[(category, stage)].append((coef, var))
            self.factor[(category, stage)] = factor


class Terms:
    """Linear terms keyed by variable identity (Pyomo variables are not hashable)."""

    __slots__ = ("_at", "vars", "coefs")

    def __init__(self, items: Iterable[tuple[Any, float]] = ()):
        self._at: dict[int, int] = {}
        self.vars: list = []
        self.coefs: list[float] = []
        for v, c in items:
            self.add(v, c)

    def add(self, var: Any, coef: float) -> Terms:
        i = self._at.get(id(var))
        if i is None:
            self._at[id(var)] = len(self.vars)
            self.vars.append(var)
            self.coefs.append(coef)
        else:
            self.coefs[i] += coef
        return self

    def __bool__(self) -> bool:
        return any(self.coefs)

    def expr(self) -> LinearExpression:
        keep = [i for i, c in enumerate(self.coefs) if c]
        return LinearExpression(constant=0.0, linear_coefs=[self.coefs[i] for i in keep],
                                linear_vars=[self.vars[i] for i in keep])


def compile_model(p: Prepared, elastic: bool = False) -> pyo.ConcreteModel:
    """The model of solvers.md. `elastic` adds unmet[n,k,t] to every required demand's balance
    (see diagnose.py), so that no demand can make the model infeasible."""
    # Pyomo makes millions of small objects and no garbage cycles here: the cyclic collector
    # would only re-scan them, more often the bigger the model (measured: benchmarks/scale.py)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(p, elastic)
    finally:
        if enabled:
            gc.enable()


def _build(p: Prepared, elastic: bool) -> pyo.ConcreteModel:
    m = pyo.ConcreteModel(name=p.inst.name)
    m.trivially_infeasible = []  # rows with no variable that cannot hold (plain words)
    define_variables(m, p)
    if elastic:
        keys = sorted(p.demand)
        m.unmet = pyo.Var(keys, domain=pyo.NonNegativeReals,
                          bounds=lambda m, n, k, t: (0, p.demand[(n, k, t)]))
    define_unit_limits(m, p)
    define_facility_capacity(m, p)
    define_route_capacity(m, p)
    define_depot_capacity(m, p)
    define_balance(m, p)
    define_budgets(m, p)
    define_objective(m, p)
    return m


def define_variables(m: pyo.ConcreteModel, p: Prepared) -> None:
    def build_domain(m, e, t):
        return pyo.Binary if p.buildable[e].max_units == 1 else pyo.NonNegativeIntegers

    m.build = pyo.Var(p.build_keys, domain=build_domain,
                      bounds=lambda m, e, t: (0, p.buildable[e].max_units))
    m.act = pyo.Var(p.act_keys, domain=pyo.NonNegativeReals)
    m.flow = pyo.Var(p.flow_keys, domain=pyo.NonNegativeReals)
    m.supply = pyo.Var(p.supply_keys, domain=pyo.NonNegativeReals,
                       bounds=lambda m, i, t: (0, p.supply_ub[(i, t)]))
    m.short = pyo.Var(p.short_keys, domain=pyo.NonNegativeReals,
                      bounds=lambda m, i, t: (0, p.short_ub[(i, t)]))
    m.sale = pyo.Var(p.sale_keys, domain=pyo.NonNegativeReals,
                     bounds=lambda m, i, t: (0, p.sale_ub[(i, t)]))


def _online(m: pyo.ConcreteModel, p: Prepared, e: str, t: str, coef: float) -> Terms:
    """coef x (units of e online in t)."""
    return Terms((m.build[e, tau], coef) for tau in p.cover.get((e, t), ()))


def define_unit_limits(m: pyo.ConcreteModel, p: Prepared) -> None:
    """Units online at once <= max_units (only for overlapping build stages, else bounds do it)."""
    if not p.unit_limits:
        return
    m.unit_limit = pyo.Constraint(range(len(p.unit_limits)), rule=lambda m, j: (
        None, Terms((m.build[p.unit_limits[j][0], tau], 1.0) for tau in p.unit_limits[j][1]).expr(),
        p.buildable[p.unit_limits[j][0]].max_units))


def define_facility_capacity(m: pyo.ConcreteModel, p: Prepared) -> None:
    """activity[f,t] <= capacity_f * online[f,t]."""
    if not p.act_keys:
        return
    cap = {f.name: f.capacity for f in p.inst.facilities}

    def rule(m, f, t):
        return (None, _online(m, p, f, t, -cap[f]).add(m.act[f, t], 1.0).expr(), 0.0)

    m.facility_capacity = pyo.Constraint(p.act_keys, rule=rule)


def _payload(m: pyo.ConcreteModel, p: Prepared) -> dict[tuple[str, str], list]:
    """(route, t) -> flow variables of every commodity it carries."""
    out: dict[tuple[str, str], list] = defaultdict(list)
    for (r, k, t) in p.flow_keys:
        out[(r, t)].append(m.flow[r, k, t])
    return out


def define_route_capacity(m: pyo.ConcreteModel, p: Prepared) -> None:
    """sum_k flow[r,k,t] <= capacity_r * online[r,t] (or capacity_r without build variables)."""
    payload = _payload(m, p)
    keys = [(r.name, t) for r in p.inst.routes if r.capacity is not None
            for t in p.route_stages[r.name] if (r.name, t) in payload]
    if not keys:
        return
    route = {r.name: r for r in p.inst.routes}

    def rule(m, r, t):
        if route[r].capex is None:
            return (None, Terms((v, 1.0) for v in payload[(r, t)]).expr(), route[r].capacity)
        terms = _online(m, p, r, t, -route[r].capacity)
        for v in payload[(r, t)]:
            terms.add(v, 1.0)
        return (None, terms.expr(), 0.0)

    m.route_capacity = pyo.Constraint(keys, rule=rule)


def define_depot_capacity(m: pyo.ConcreteModel, p: Prepared) -> None:
    """Arrivals of a node's requires_depot commodities <= sum of its depots' activity."""
    depots: dict[str, list[str]] = defaultdict(list)
    for f in p.inst.facilities:
        if f.kind == "depot":
            depots[f.node].append(f.name)
    required = {n.name: set(n.requires_depot) for n in p.inst.nodes if n.requires_depot}
    loss = {r.name: r.loss for r in p.inst.routes}
    to = {r.name: r.to for r in p.inst.routes}
    arrivals: dict[tuple[str, str], Terms] = defaultdict(Terms)
    for (r, k, t) in p.flow_keys:
        n = to[r]
        if k in required.get(n, ()):
            arrivals[(n, t)].add(m.flow[r, k, t], 1.0 - loss[r])
    if not arrivals:
        return
    keys = sorted(arrivals)

    def rule(m, n, t):
        terms = arrivals[(n, t)]
        for f in depots[n]:
            if (f, t) in p.cover:
                terms.add(m.act[f, t], -1.0)
        return (None, terms.expr(), 0.0)

    m.depot_capacity = pyo.Constraint(keys, rule=rule)


def define_balance(m: pyo.ConcreteModel, p: Prepared) -> None:
    """Per node, commodity, stage: in - out - demand >= 0 (surplus may be vented)."""
    inst = p.inst
    bal: dict[tuple[str, str, str], Terms] = defaultdict(Terms)
    route = {r.name: r for r in inst.routes}
    for (r, k, t) in p.flow_keys:
        v = m.flow[r, k, t]
        x = route[r]
        bal[(x.to, k, t)].add(v, 1.0 - x.loss)
        bal[(x.from_, k, t)].add(v, -1.0)
        for pk, phi in p.burn[r].items():
            bal[(x.from_, pk, t)].add(v, -phi)
    fac = {f.name: f for f in inst.facilities}
    for (f, t) in p.act_keys:
        v = m.act[f, t]
        for k, c in fac[f].produces.items():
            bal[(fac[f].node, k, t)].add(v, c)
        for k, c in fac[f].consumes.items():
            bal[(fac[f].node, k, t)].add(v, -c)
    for (i, t) in p.supply_keys:
        s = inst.supplies[i]
        bal[(s.node, s.commodity, t)].add(m.supply[i, t], 1.0)
    for (i, t) in p.short_keys:
        d = inst.demands[i]
        bal[(d.node, d.commodity, t)].add(m.short[i, t], 1.0)
    for (i, t) in p.sale_keys:
        d = inst.demands[i]
        bal[(d.node, d.commodity, t)].add(m.sale[i, t], -1.0)
    if hasattr(m, "unmet"):
        for key in p.demand:
            bal[key].add(m.unmet[key], 1.0)
    hw = inst.hardware_commodity
    for (e, t) in p.build_keys:
        x = p.buildable[e]
        if x.mass > 0:
            node = x.node if hasattr(x, "node") else x.from_
            bal[(node, hw, t)].add(m.build[e, t], -x.mass / p.stage[t].years)
    for key in p.demand:
        bal[key]  # noqa: B018  (a demand with no way to meet it still needs its row)

    keys = []
    for key in sorted(bal):
        need = p.demand.get(key, 0.0)
        if bal[key]:
            keys.append(key)
        elif need > 0:
            n, k, t = key
            m.trivially_infeasible.append(
                f"demand for {k} at {n} in {t} ({need:g} t/yr) cannot be met: nothing can "
                f"supply, produce or deliver {k} there in {t}")
    m.balance = pyo.Constraint(keys, rule=lambda m, n, k, t: (
        p.demand.get((n, k, t), 0.0),
        bal[(n, k, t)].expr(), None))


def define_budgets(m: pyo.ConcreteModel, p: Prepared) -> None:
    """sum of capex of units built in stage t <= budgets[t]."""
    by_stage: dict[str, Terms] = defaultdict(Terms)
    for (e, t) in p.build_keys:
        capex = p.buildable[e].capex or 0.0
        if capex and t in p.inst.budgets:
            by_stage[t].add(m.build[e, t], capex)
    keys = [t for t in p.stage if t in by_stage]
    if not keys:
        return
    m.budget = pyo.Constraint(keys, rule=lambda m, t: (None, by_stage[t].expr(),
                                                       p.inst.budgets[t]))


def cost_terms(m: pyo.ConcreteModel, p: Prepared) -> CostTerms:
    """Every money term of the objective, by category and stage (costs positive, revenue negative)."""
    inst, c = p.inst, CostTerms()
    for (e, t) in p.build_keys:
        c.add("capex", t, p.stage[t].capex_factor, p.buildable[e].capex or 0.0, m.build[e, t])
    for (e, t), taus in p.cover.items():
        for tau in taus:
            c.add("opex", t, p.stage[t].annual_factor, p.buildable[e].opex, m.build[e, tau])
    fac = {f.name: f for f in inst.facilities}
    for (f, t) in p.act_keys:
        c.add("variable", t, p.stage[t].annual_factor, fac[f].variable_cost, m.act[f, t])
    for (r, k, t) in p.flow_keys:
        c.add("transport", t, p.stage[t].annual_factor, p.route_cost[r][t], m.flow[r, k, t])
    for (i, t) in p.supply_keys:
        c.add("supply", t, p.stage[t].annual_factor, p.supply_price[(i, t)], m.supply[i, t])
    for (i, t) in p.short_keys:
        c.add("shortfall", t, p.stage[t].annual_factor,
              inst.demands[i].shortfall_penalty_per_t or 0.0, m.short[i, t])
    for (i, t) in p.sale_keys:
        c.add("revenue", t, p.stage[t].annual_factor, -p.sale_price[(i, t)], m.sale[i, t])
    return c


def define_objective(m: pyo.ConcreteModel, p: Prepared) -> None:
    m.cost_terms = cost_terms(m, p)
    terms = Terms()
    if p.inst.objective == "cost":
        for key, items in m.cost_terms.terms.items():
            f = m.cost_terms.factor[key]
            for coef, v in items:
                terms.add(v, f * coef)
    else:  # supply_mass: tonnes bought over the horizon, undiscounted
        for (i, t) in p.supply_keys:
            terms.add(m.supply[i, t], p.stage[t].years)
    m.objective = pyo.Objective(expr=terms.expr(), sense=pyo.minimize)
