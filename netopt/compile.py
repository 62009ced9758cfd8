"""Prepared instance -> Pyomo ConcreteModel: one `define_*` function per constraint family.

Every family is indexed only by the combinations that exist (see `params.Prepared`), so build time
grows linearly with the instance. The math is in solvers.md; names here follow it.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pyomo.core as pyo  # the modelling layer only: pyomo.environ adds ~0.15 s of plugins
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from . import costs
from .gcpause import paused_gc
from .params import Prepared, hardware_node, launched_supplies

EPS_NEED = 1e-12  # a row with no variable holds if its constant need is no more than this
EPS_SHARE = 1e-12  # operating shares closer than this are equal (params.EPS drops smaller ones)

# Valid inequalities (solvers.md, "Valid inequalities"); all on unless benchmarks say otherwise
CUTS = ("aggregate_capacity", "linking", "market_capacity")
DEFAULT_CUTS: tuple[str, ...] = ("aggregate_capacity", "linking")
# How online[e,s] enters the rows that use it (solvers.md, "Units"): the sum over build stages in
# every row, or a variable defined once per element and step by a recursion over steps. The
# default depends on the grain: each was the faster on the shipped instances at theirs
# (BENCHMARKS.md, "Cover-set growth")
ONLINE_FORMS = ("expression", "variable")
DEFAULT_ONLINE = {"year": "variable", "stage": "expression"}  # by horizon.resolution


@dataclass
class CostTerms:
    """Objective terms by (category, step): [(coef, var)], and the discount factor of the key
    (D_tau for capex, at the first step of its stage; D_end for end_value; A_s otherwise).
    `once`: the categories paid once (costs.ONCE, and an extra's), whose undiscounted amount is
    not multiplied by the step's years."""

    terms: dict[tuple[str, str], list[tuple[float, Any]]] = field(
        default_factory=lambda: defaultdict(list))
    factor: dict[tuple[str, str], float] = field(default_factory=dict)
    once: set[str] = field(default_factory=lambda: set(costs.ONCE))

    def add(self, category: str, stage: str, factor: float, coef: float, var: Any) -> None:
        if coef:
            self.terms[(category, stage)].append((coef, var))
            self.factor[(category, stage)] = factor


@dataclass
class Vars:
    """The model's variables in plain dicts by index: the families below look up 500k of them at
    100k routes, and Pyomo's indexed lookup costs ~15x a dict's."""

    build: dict
    act: dict
    flow: dict
    supply: dict
    short: dict
    sale: dict
    unmet: dict
    trips: dict
    trip_count: dict
    parked: dict
    stock: dict
    online: dict  # with the variable form only (solvers.md, online_definition)
    hardware_stock: dict


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
        # the terms as Pyomo stores them: 1.8x faster than its constant/coefs/vars form
        # (100k two-term rows: 0.115 s vs 0.206 s, measured)
        return LinearExpression([MonomialTermExpression((c, v))
                                 for v, c in zip(self.vars, self.coefs) if c])


@dataclass
class Compiled:
    """A built model and what the rest of the pipeline reads off it: the Pyomo model (the model
    of record; its components are named as in solvers.md), its variables by index, the objective's
    money terms by category and stage, and the rows that cannot hold whatever the solver does.
    An `extra` function (see plan.py) may add variables, constraints and cost terms to it."""

    model: pyo.ConcreteModel
    prepared: Prepared
    v: Vars
    costs: CostTerms
    trivially_infeasible: list[str] = field(default_factory=list)  # plain words
    elastic: bool = False

    def add_cost(self, category: str, stage: str, coef: float, var: Any, *,
                 once: bool = False) -> None:
        """Add coef x var to the cost objective under `category` (a name of the extra's own, or
        a built-in one) in `stage`, an operating step (the stage itself with resolution: stage,
        a year's step with resolution: year): money per year over the step's years (discounted
        with its annual factor A_s), or with `once` money paid once at the step's start
        (discounted to it, as capex: D_t at a stage's start). It is reported in Solution.costs
        like the built-in categories. The objective is rebuilt from the cost terms after the
        extra function returns (see `update_objective`)."""
        if category in costs.NAMES and (category in costs.ONCE) != once:
            raise ValueError(f"cost category '{category}' is paid "
                             f"{'once' if category in costs.ONCE else 'every year'}")
        p = self.prepared
        info = p.step.get(stage)
        if info is None:
            raise ValueError(f"no operating step '{stage}' (steps: {', '.join(p.step)})")
        h = p.inst.horizon
        start = (1.0 + h.discount_rate) ** -(info.start_year - h.start_year)
        self.costs.add(category, stage, start if once else info.annual_factor, coef, var)
        if once:
            self.costs.once.add(category)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the model as built (cuts, extras and all) to `path`, .mps or .lp by its
        suffix, for any other solver (model_file.py); returns the path written."""
        from .model_file import write_model

        return write_model(self.model, path)

    def update_objective(self) -> None:
        """Rebuild the objective from the model's cost terms (after an extra added some)."""
        self.model.objective.set_value(objective_expr(self, self.prepared))


# An `extra` function: called with the built model and the prepared data between build and solve;
# it may add variables, constraints (to compiled.model) and cost terms (compiled.add_cost).
Extra = Callable[[Compiled, Prepared], None]


def apply_extra(c: Compiled, extra: Extra | None) -> Compiled:
    """Call `extra` on a built model and rebuild the objective with any cost terms it added."""
    if extra is not None:
        extra(c, c.prepared)
        c.update_objective()
    return c


def compile_model(p: Prepared, elastic: bool = False,
                  cuts: Iterable[str] | None = None, online: str | None = None) -> Compiled:
    """The model of solvers.md. `elastic` adds unmet[n,k,t] to every required demand's balance
    (see diagnose.py), so that no demand can make the model infeasible. `cuts` names the valid
    inequalities to add (CUTS; None: DEFAULT_CUTS): they change no optimum, only how fast it is
    proven. `online` is the form of online[e,s] (ONLINE_FORMS; None: DEFAULT_ONLINE for the
    instance's resolution): it changes no optimum either."""
    cuts = DEFAULT_CUTS if cuts is None else tuple(cuts)
    unknown = set(cuts) - set(CUTS)
    if unknown:
        raise ValueError(f"unknown cut(s) {', '.join(sorted(unknown))}; known: {', '.join(CUTS)}")
    online = DEFAULT_ONLINE[p.inst.horizon.resolution] if online is None else online
    if online not in ONLINE_FORMS:
        raise ValueError(f"unknown online form '{online}'; known: {', '.join(ONLINE_FORMS)}")
    with paused_gc():
        return _build(p, elastic, frozenset(cuts), online)


def _build(p: Prepared, elastic: bool, cuts: frozenset[str], online: str) -> Compiled:
    m = pyo.ConcreteModel(name=p.inst.name)
    define_variables(m, p)
    if elastic:
        keys = sorted(p.demand)
        m.unmet = pyo.Var(keys, domain=pyo.NonNegativeReals,
                          bounds=lambda m, n, k, t: (0, p.demand[(n, k, t)]))
    v = Vars(**{f.name: dict(getattr(m, f.name).items()) if hasattr(m, f.name) else {}
                for f in fields(Vars)})
    c = Compiled(m, p, v, CostTerms(), elastic=elastic)
    if online == "variable":
        define_online_definition(c, p)
    define_unit_limits(c, p)
    define_facility_capacity(c, p)
    define_route_capacity(c, p)
    define_depot_capacity(c, p)
    define_vehicle_payload(c, p)
    define_vehicle_tank(c, p)
    define_trip_count(c, p)
    define_vehicle_circulation(c, p)
    define_vehicle_fleet(c, p)
    define_storage_capacity(c, p)
    define_balance(c, p)
    define_budgets(c, p)
    if "aggregate_capacity" in cuts:
        define_aggregate_capacity(c, p)
    if "linking" in cuts:
        define_linking(c, p)
    if "market_capacity" in cuts:
        define_market_capacity(c, p)
    define_objective(c, p)
    return c


def define_variables(m: pyo.ConcreteModel, p: Prepared) -> None:
    def build_domain(m: pyo.ConcreteModel, e: str, t: str) -> Any:
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
    if p.stock_keys:
        m.stock = pyo.Var(p.stock_keys, domain=pyo.NonNegativeReals)
    if p.hardware_keys:  # hardware waiting where it arrived, for a build there
        m.hardware_stock = pyo.Var(p.hardware_keys, domain=pyo.NonNegativeReals)
    if p.trip_keys:  # trips per year on routes flown by a vehicle (integer with integer_trips)
        counted = set(p.trip_count_keys)  # steps under a year: trip_count is the integer
        m.trips = pyo.Var(p.trip_keys, domain=lambda m, r, t: (
            pyo.NonNegativeIntegers if p.vehicle[p.flown_by[r]].integer_trips
            and (r, t) not in counted else pyo.NonNegativeReals))
    if p.trip_count_keys:  # whole trips in a step shorter than a year (solvers.md, "Vehicles")
        m.trip_count = pyo.Var(p.trip_count_keys, domain=pyo.NonNegativeIntegers)
    if p.parked_keys:  # vehicles waiting away from their base at the end of a step
        m.parked = pyo.Var(p.parked_keys, domain=pyo.NonNegativeReals)


def _online(c: Compiled, p: Prepared, e: str, t: str, coef: float) -> Terms:
    """coef x online[e,t] (units operating in step t): the variable if the model has one, else
    coef x sum_tau f[e,tau,t] build[e,tau]."""
    v = c.v.online.get((e, t))
    if v is not None:
        return Terms(((v, coef),))
    return Terms((c.v.build[e, tau], coef * f) for tau, f in p.op_share.get((e, t), ()))


def define_online_definition(c: Compiled, p: Prepared) -> None:
    """The variable form of online[e,s] (solvers.md, "Units"): online[e,s] - online[e,s-1]
    - sum_tau (f[e,tau,s] - f[e,tau,s-1]) build[e,tau] = 0, one row per element and step, with
    a term only for the tau whose operating share changes; the step before s contributes nothing
    where e cannot operate in it."""
    m = c.model
    if not p.op_share:
        return
    keys = sorted(p.op_share, key=lambda key: (key[0], p.step[key[1]].index))
    m.online = pyo.Var(keys, domain=pyo.NonNegativeReals,
                       bounds=lambda m, e, t: (0, p.buildable[e].max_units))
    c.v.online = dict(m.online.items())
    before = {nxt: now for now, nxt in p.next_step.items()}
    rows: dict[tuple[str, str], Terms] = {}
    for (e, t) in keys:
        terms = Terms(((c.v.online[e, t], 1.0),))
        prev = before.get(t)
        earlier = dict(p.op_share.get((e, prev), ())) if prev is not None else {}
        if earlier:
            terms.add(c.v.online[e, prev], -1.0)
        for tau, f in p.op_share[(e, t)]:
            change = f - earlier.pop(tau, 0.0)
            if abs(change) > EPS_SHARE:
                terms.add(c.v.build[e, tau], -change)
        for tau, f in earlier.items():  # units that operated in the step before and no longer
            terms.add(c.v.build[e, tau], f)
        rows[(e, t)] = terms
    m.online_definition = pyo.Constraint(keys, rule=lambda m, e, t: rows[(e, t)].expr() == 0.0)


def define_unit_limits(c: Compiled, p: Prepared) -> None:
    """Units online at once <= max_units (only for overlapping build stages, else bounds do it)."""
    m = c.model
    if not p.unit_limits:
        return
    m.unit_limit = pyo.Constraint(range(len(p.unit_limits)), rule=lambda m, j: (
        None, Terms((c.v.build[p.unit_limits[j][0], tau], 1.0) for tau in p.unit_limits[j][1]).expr(),
        p.buildable[p.unit_limits[j][0]].max_units))


def define_facility_capacity(c: Compiled, p: Prepared) -> None:
    """activity[f,t] <= capacity_f * online[f,t]."""
    m = c.model
    if not p.act_keys:
        return
    cap = {f.name: f.capacity for f in p.inst.facilities}

    def rule(m: pyo.ConcreteModel, f: str, t: str) -> Any:
        return (None, _online(c, p, f, t, -cap[f]).add(c.v.act[f, t], 1.0).expr(), 0.0)

    m.facility_capacity = pyo.Constraint(p.act_keys, rule=rule)


def _payload(c: Compiled, p: Prepared) -> dict[tuple[str, str], list]:
    """(route, t) -> flow variables of every commodity it carries."""
    out: dict[tuple[str, str], list] = defaultdict(list)
    for (r, k, t) in p.flow_keys:
        out[(r, t)].append(c.v.flow[r, k, t])
    return out


def define_route_capacity(c: Compiled, p: Prepared) -> None:
    """sum_k flow[r,k,t] <= capacity_r * online[r,t] (or capacity_r without build variables);
    on a windowed route capacity is per window: x n_windows(t) / l_t."""
    m = c.model
    payload = _payload(c, p)
    keys = [(r.name, t) for r in p.inst.routes if r.capacity is not None
            for t in p.route_stages[r.name] if (r.name, t) in payload]
    if not keys:
        return
    route = p.route
    capacity = {r.name: r.capacity for r in p.inst.routes if r.capacity is not None}

    def cap(r: str, t: str) -> float:
        n = p.n_windows.get((r, t))
        return capacity[r] if n is None else capacity[r] * n / p.step[t].years

    def rule(m: pyo.ConcreteModel, r: str, t: str) -> Any:
        if route[r].capex is None:
            return (None, Terms((v, 1.0) for v in payload[(r, t)]).expr(), cap(r, t))
        terms = _online(c, p, r, t, -cap(r, t))
        for v in payload[(r, t)]:
            terms.add(v, 1.0)
        return (None, terms.expr(), 0.0)

    m.route_capacity = pyo.Constraint(keys, rule=rule)


def define_depot_capacity(c: Compiled, p: Prepared) -> None:
    """Arrivals of a node's requires_depot commodities <= sum of its depots' activity."""
    m = c.model
    depots: dict[str, list[str]] = defaultdict(list)
    for f in p.inst.facilities:
        if f.kind == "depot":
            depots[f.node].append(f.name)
    required = {n.name: set(n.requires_depot) for n in p.inst.nodes if n.requires_depot}
    arrivals: dict[tuple[str, str], Terms] = defaultdict(Terms)
    for (r, k, t) in p.flow_keys:
        n = p.route[r].to
        if k in required.get(n, ()):
            for there, w in p.arrivals(r, t):
                arrivals[(n, there)].add(c.v.flow[r, k, t], (1.0 - p.route[r].loss) * w)
    if not arrivals:
        return
    keys = sorted(arrivals)

    def rule(m: pyo.ConcreteModel, n: str, t: str) -> Any:
        terms = arrivals[(n, t)]
        for f in depots[n]:
            if (f, t) in p.cover:
                terms.add(c.v.act[f, t], -1.0)
        return (None, terms.expr(), 0.0)

    m.depot_capacity = pyo.Constraint(keys, rule=rule)


def define_balance(c: Compiled, p: Prepared) -> None:
    """Per node, commodity, stage: in - out - demand >= 0 (surplus may be vented)."""
    m = c.model
    inst = p.inst
    bal: dict[tuple[str, str, str], Terms] = defaultdict(Terms)
    route = p.route
    define_arrivals(c, p, bal)
    for (r, k, t) in p.flow_keys:
        v = c.v.flow[r, k, t]
        x = route[r]
        bal[(x.from_, k, t)].add(v, -1.0)
        for pk, phi in p.burn[r].items():
            bal[(x.from_, pk, t)].add(v, -phi)
    fac = p.facility
    for (f, t) in p.act_keys:
        v = c.v.act[f, t]
        for k, ratio in fac[f].produces.items():
            bal[(fac[f].node, k, t)].add(v, ratio)
        for k, ratio in fac[f].consumes.items():
            bal[(fac[f].node, k, t)].add(v, -ratio)
    for (i, t) in p.supply_keys:
        s = inst.supplies[i]
        bal[(s.node, s.commodity, t)].add(c.v.supply[i, t], 1.0)
    for (i, t) in p.short_keys:
        d = inst.demands[i]
        bal[(d.node, d.commodity, t)].add(c.v.short[i, t], 1.0)
    for (i, t) in p.sale_keys:
        d = inst.demands[i]
        bal[(d.node, d.commodity, t)].add(c.v.sale[i, t], -1.0)
    if c.elastic:
        for key in p.demand:
            bal[key].add(c.v.unmet[key], 1.0)
    define_hardware(c, p, bal)
    add_vehicle_balance_terms(c, p, bal)
    held = define_stock(c, p, bal)
    for key in p.demand:
        bal[key]  # noqa: B018  (a demand with no way to meet it still needs its row)

    def need_of(key: tuple[str, str, str]) -> float:
        return p.demand.get(key, 0.0) - held.get(key, 0.0)

    keys = []
    for key in sorted(bal):
        need = need_of(key)
        if bal[key]:
            keys.append(key)
        elif need > EPS_NEED:
            n, k, t = key
            c.trivially_infeasible.append(
                f"demand for {k} at {n} in {t} ({need:g} t/yr) cannot be met: nothing can "
                f"supply, produce or deliver {k} there in {t}")
    m.balance = pyo.Constraint(keys, rule=lambda m, n, k, t: (
        need_of((n, k, t)), bal[(n, k, t)].expr(), None))


def define_arrivals(c: Compiled, p: Prepared, bal: dict) -> None:
    """Arrivals in the balance: (1 - loss_r) w[r,t,t'] flow[r,k,t] at `to` in each step t' the
    cargo of step t arrives in (transit and windows; w = 1 in t itself without them)."""
    route = p.route
    for (r, k, t) in p.flow_keys:
        v, x = c.v.flow[r, k, t], route[r]
        for there, w in p.arrivals(r, t):
            bal[(x.to, k, there)].add(v, (1.0 - x.loss) * w)


def define_hardware(c: Compiled, p: Prepared, bal: dict) -> None:
    """Each unit built in stage tau needs `mass` of hardware at its node during the first step of
    its life: mass x build[e,tau] / l_s as an annual requirement in that step. Hardware may wait
    where it arrives: (hardware_stock[n,t-1] - hardware_stock[n,t]) / l_t in the balance."""
    hw = p.inst.hardware_commodity
    for (e, tau) in p.build_keys:
        el = p.buildable[e]
        if el.hardware_mass > 0 and hw is not None:  # validation requires hw when a mass is given
            node = hardware_node(el)
            if node is None:
                continue
            s = p.first_step[tau]
            bal[(node, hw, s)].add(c.v.build[e, tau], -el.hardware_mass / p.step[s].years)
    for (n, t) in p.hardware_keys:
        v, after = c.v.hardware_stock[n, t], p.next_step[t]
        bal[(n, hw, t)].add(v, -1.0 / p.step[t].years)
        bal[(n, hw, after)].add(v, 1.0 / p.step[after].years)


def define_stock(c: Compiled, p: Prepared, bal: dict) -> dict[tuple[str, str, str], float]:
    """Stock in the balance of step t: ((1 - b_k)^l_t stock[t-1] - stock[t]) / l_t, per storage
    facility; the initial stock is stock[-1], a constant. Returns those constants as
    {(node, k, first step): t/yr}, to move to the right-hand side."""
    held: dict[tuple[str, str, str], float] = {}
    first = p.steps[0].name
    for (n, k), tonnes in p.initial_stock.items():
        held[(n, k, first)] = tonnes * p.keep(k, first) / p.step[first].years
        bal[(n, k, first)]  # noqa: B018  (the stock may meet a demand on its own)
    if not p.stock_keys:
        return held
    stock = c.v.stock
    for (f, k, t) in p.stock_keys:
        v, n = stock[f, k, t], p.facility[f].node
        bal[(n, k, t)].add(v, -1.0 / p.step[t].years)
        after = p.next_step.get(t)
        if after is not None:
            bal[(n, k, after)].add(v, p.keep(k, after) / p.step[after].years)
    return held


def define_storage_capacity(c: Compiled, p: Prepared) -> None:
    """sum_k stock[f,k,t] <= storage_f x online[f,t]."""
    m = c.model
    if not p.stock_keys:
        return
    held: dict[tuple[str, str], list] = defaultdict(list)
    for (f, k, t) in p.stock_keys:
        held[(f, t)].append(c.v.stock[f, k, t])
    size = {f.name: f.storage for f in p.inst.facilities}

    def rule(m: pyo.ConcreteModel, f: str, t: str) -> Any:
        terms = _online(c, p, f, t, -size[f])
        for v in held[(f, t)]:
            terms.add(v, 1.0)
        return (None, terms.expr(), 0.0)

    m.storage_capacity = pyo.Constraint(list(held), rule=rule)


def define_vehicle_payload(c: Compiled, p: Prepared) -> None:
    """sum_k flow[r,k,t] <= payload_V * trips[r,t]."""
    if not p.trip_keys:
        return
    payload = _payload(c, p)

    def rule(m: pyo.ConcreteModel, r: str, t: str) -> Any:
        terms = Terms((v, 1.0) for v in payload.get((r, t), ()))
        terms.add(c.v.trips[r, t], -p.vehicle[p.flown_by[r]].payload)
        return (None, terms.expr(), 0.0)

    m = c.model
    m.vehicle_payload = pyo.Constraint(p.trip_keys, rule=rule)


def define_trip_count(c: Compiled, p: Prepared) -> None:
    """l_t trips[r,t] = trip_count[r,t] (integer): with integer_trips, whole trips in a step
    shorter than a year (trips per year stay integer in longer steps)."""
    if not p.trip_count_keys:
        return
    m = c.model
    m.trip_count_definition = pyo.Constraint(p.trip_count_keys, rule=lambda m, r, t: (
        p.step[t].years * c.v.trips[r, t] - c.v.trip_count[r, t] == 0.0))


def define_vehicle_tank(c: Compiled, p: Prepared) -> None:
    """(R - 1)(dry_V trips + sum_k flow) <= tank_V trips: the propellant of a trip fits its tank."""
    if not p.trip_keys:
        return
    payload = _payload(c, p)

    def rule(m: pyo.ConcreteModel, r: str, t: str) -> Any:
        phi = sum(p.burn[r].values())
        terms = Terms((v, phi) for v in payload.get((r, t), ()))
        terms.add(c.v.trips[r, t], sum(p.trip_burn[r].values()) - p.vehicle[p.flown_by[r]].tank)
        return (None, terms.expr(), 0.0)

    m = c.model
    m.vehicle_tank = pyo.Constraint(p.trip_keys, rule=rule)


def define_vehicle_circulation(c: Compiled, p: Prepared) -> None:
    """Reusable vehicles, at every node of their routes but the base, per step:
    parked[t-1] + l_t sum_in w trips = l_t sum_out trips + parked[t] (arrivals split over steps
    like the cargo; none parked before the first step or after the last)."""
    route = p.route
    rows: dict[tuple[str, str, str], Terms] = defaultdict(Terms)
    for (r, s) in p.trip_keys:
        v = p.vehicle[p.flown_by[r]]
        if not v.reusable:
            continue
        x, trip = route[r], c.v.trips[r, s]
        if x.from_ != v.base:
            rows[(v.name, x.from_, s)].add(trip, -float(p.step[s].years))
        if x.to != v.base:
            for there, w in p.arrivals(r, s):
                rows[(v.name, x.to, there)].add(trip, w * p.step[there].years)
    for (name, n, t) in p.parked_keys:
        waiting = c.v.parked[name, n, t]
        rows[(name, n, t)].add(waiting, -1.0)
        rows[(name, n, p.next_step[t])].add(waiting, 1.0)
    if not rows:
        return
    m = c.model
    m.vehicle_circulation = pyo.Constraint(sorted(rows), rule=lambda m, v, n, t: (
        0.0, rows[(v, n, t)].expr(), 0.0))


def define_vehicle_fleet(c: Compiled, p: Prepared) -> None:
    """Reusable vehicles: the vehicle-years per year the trips hold in step t (u[r,s',t], spread
    over the steps a trip spans) + the vehicles waiting away from base (mean of the step's start
    and end) <= online[V,t]."""
    if not p.fleet_use:
        return

    def rule(m: pyo.ConcreteModel, v: str, t: str) -> Any:
        terms = _online(c, p, v, t, -1.0)
        for family, key, coef in p.fleet_use[(v, t)]:
            terms.add(getattr(c.v, family)[key], coef)
        return (None, terms.expr(), 0.0)

    m = c.model
    m.vehicle_fleet = pyo.Constraint(sorted(p.fleet_use), rule=rule)


def add_vehicle_balance_terms(c: Compiled, p: Prepared, bal: dict) -> None:
    """The balance's vehicle terms: propellant for the dry mass on every trip at the origin, and
    an expendable vehicle's dry mass as hardware there (the payload's share is in p.burn)."""
    route = p.route
    hw = p.inst.hardware_commodity
    for (r, t) in p.trip_keys:
        var, origin = c.v.trips[r, t], route[r].from_
        for k, coef in p.trip_burn[r].items():
            bal[(origin, k, t)].add(var, -coef)
        v = p.vehicle[p.flown_by[r]]
        if not v.reusable:
            bal[(origin, hw, t)].add(var, -v.dry_mass)


def define_budgets(c: Compiled, p: Prepared) -> None:
    """sum of capex of units built in stage t <= budgets[t]."""
    m = c.model
    by_stage: dict[str, Terms] = defaultdict(Terms)
    for (e, t) in p.build_keys:
        capex = p.buildable[e].capex or 0.0
        if capex and t in p.inst.budgets:
            by_stage[t].add(c.v.build[e, t], capex)
    keys = [t for t in p.stage if t in by_stage]
    if not keys:
        return
    m.budget = pyo.Constraint(keys, rule=lambda m, t: (None, by_stage[t].expr(),
                                                       p.inst.budgets[t]))


def define_aggregate_capacity(c: Compiled, p: Prepared) -> None:
    """Per commodity and step: sum_f produces_f[k] capacity_f online[f,t] + supply + shortfall
    >= total required demand. The sum of all balance rows implies it (transit only loses mass),
    but the LP relaxation does not: fractional units can each run at full capacity. For a
    commodity that moves between steps (stock, transit, windows), the sum over steps up to t,
    weighted by l_s, plus the initial stock: cargo and stock only move forward in time."""
    m = c.model
    need: dict[tuple[str, str], float] = defaultdict(float)
    for (n, k, t), amount in p.demand.items():
        need[(k, t)] += amount
    if not need:
        return
    makers: dict[str, list] = defaultdict(list)
    for f in p.inst.facilities:
        for k, ratio in f.produces.items():
            makers[k].append((f, ratio))
    bought: dict[tuple[str, str], list] = defaultdict(list)  # (k, t) -> supply/short/unmet vars
    for (i, t) in p.supply_keys:
        bought[(p.inst.supplies[i].commodity, t)].append(c.v.supply[i, t])
    for (i, t) in p.short_keys:
        bought[(p.inst.demands[i].commodity, t)].append(c.v.short[i, t])
    if c.elastic:
        for (n, k, t) in p.demand:
            bought[(k, t)].append(c.v.unmet[n, k, t])

    def step_terms(terms: Terms, k: str, t: str, weight: float, summed: bool) -> bool:
        """Add step t's capacity and purchases of k (x weight); True if a capacity term was
        added. `summed`: in builds (a cumulative row's sum over steps collapses to one term per
        build stage), else through _online (the variable, in the variable form)."""
        built = False
        for f, ratio in makers[k]:
            if (f.name, t) not in p.op_share:
                continue
            built = True
            if not summed:
                on = _online(c, p, f.name, t, weight * ratio * f.capacity)
                for v, x in zip(on.vars, on.coefs):
                    terms.add(v, x)
                continue
            for tau, share in p.op_share[(f.name, t)]:
                terms.add(c.v.build[f.name, tau], weight * ratio * f.capacity * share)
        for v in bought[(k, t)]:
            terms.add(v, weight)
        return built

    moving = _moves_between_steps(p)
    initial: dict[str, float] = defaultdict(float)
    for (n, k), tonnes in p.initial_stock.items():
        initial[k] += tonnes
    rows: dict[tuple[str, str], Terms] = {}
    rhs: dict[tuple[str, str], float] = {}
    for k in sorted({k for (k, _) in need}):
        if k not in moving:
            for s in p.steps:
                if (k, s.name) in need:
                    terms = Terms()
                    if step_terms(terms, k, s.name, 1.0, False):  # else the LP has this row
                        rows[(k, s.name)], rhs[(k, s.name)] = terms, need[(k, s.name)]
            continue
        terms, total, built = Terms(), -initial[k], False
        for s in p.steps:
            built = step_terms(terms, k, s.name, s.years, True) or built
            total += s.years * need.get((k, s.name), 0.0)
            if (k, s.name) in need and built and total > 0:
                rows[(k, s.name)], rhs[(k, s.name)] = Terms(zip(terms.vars, terms.coefs)), total
    if not rows:
        return
    m.aggregate_capacity = pyo.Constraint(sorted(rows), rule=lambda m, k, t: (
        rhs[(k, t)], rows[(k, t)].expr(), None))


def _moves_between_steps(p: Prepared) -> set[str]:
    """Commodities that can be used in another step than they were made in: stored, held at the
    start, or carried by a flow that arrives in another step than it departs."""
    out = {k for (_, k, _) in p.stock_keys} | {k for (_, k) in p.initial_stock}
    out |= {k for (r, k, t) in p.flow_keys if p.arrivals(r, t) != [(t, 1.0)]}
    return out


def define_linking(c: Compiled, p: Prepared) -> None:
    """flow[r,k,t] <= U * (units online at r's origin that make k), where r's origin gets k only
    from those facilities and r's destination uses k only for a required demand D, so that no
    optimal plan ships more than U = D / (1 - loss). The classic x_ij <= d_j y_i of facility
    location, which the aggregated capacity rows do not give the LP relaxation."""
    m = c.model
    inst, hw = p.inst, p.inst.hardware_commodity
    ends = {r.name: (r.from_, r.to, r.loss) for r in inst.routes}
    inflow, outflow = set(), set()  # (node, k, t) with a route arriving / departing
    burns = set()  # (node, k, t): k is propellant for a flow departing node
    for (r, k, t) in p.flow_keys:
        a, b, _ = ends[r]
        inflow.add((b, k, t))
        outflow.add((a, k, t))
        for pk in p.burn[r]:
            burns.add((a, pk, t))
    supplied = {(inst.supplies[i].node, inst.supplies[i].commodity, t) for (i, t) in p.supply_keys}
    sold = {(inst.demands[i].node, inst.demands[i].commodity, t) for (i, t) in p.sale_keys}
    consumed: set[tuple[str, str, str]] = set()
    makers: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for (f, t) in p.act_keys:
        x = p.facility[f]
        consumed.update((x.node, k, t) for k in x.consumes)
        for k in x.produces:
            makers[(x.node, k, t)].append(f)
    other_uses = outflow | consumed | sold | burns
    stocked = p.storable() | set(p.initial_stock)  # (hardware is skipped below anyway)
    build, flow = c.v.build, c.v.flow
    rows = {}
    for (r, k, t) in p.flow_keys:
        a, b, loss = ends[r]
        origin = (a, k, t)
        if p.arrivals(r, t) != [(t, 1.0)] or (a, k) in stocked or (b, k) in stocked:
            continue  # cargo or stock crosses steps: the demand of t is no bound
        if origin in supplied or origin in inflow or origin not in makers:
            continue  # the origin has other sources of k, or none to link to
        there = (b, k, t)
        if k == hw or there in other_uses:
            continue  # the destination has other uses for k: no simple bound
        bound = -p.demand.get(there, 0.0) / (1.0 - loss)
        # distinct variables (one flow, each maker's build stages once): no Terms needed
        terms = [MonomialTermExpression((1.0, flow[r, k, t]))]
        if bound:
            terms += [MonomialTermExpression((bound, build[f, tau]))
                      for f in makers[origin] for tau, _ in p.op_share[(f, t)]]
        rows[(r, k, t)] = terms
    if not rows:
        return
    m.linking = pyo.Constraint(list(rows), rule=lambda m, r, k, t: (
        None, LinearExpression(rows[(r, k, t)]), 0.0))


def define_market_capacity(c: Compiled, p: Prepared) -> None:
    """Per market node n, commodity k, step t: the mixed-integer rounding (MIR) of
    sales <= what the units that can reach n make, with sales <= the markets' amounts M.
    The LP relaxation implies the unrounded row; the rounding cuts off plans that sell the
    whole market with a fraction of a unit (solvers.md, "Valid inequalities")."""
    m = c.model
    if not p.sale_keys:
        return
    rows = {}
    for key, (units, other, need, most) in _market_rows(c, p).items():
        cut = _rounded(units, other, need, most)
        if cut is not None:
            rows[key] = cut
    if not rows:
        return
    m.market_capacity = pyo.Constraint(sorted(rows), rule=lambda m, n, k, t: (
        None, rows[(n, k, t)][0].expr(), rows[(n, k, t)][1]))


def _market_rows(c: Compiled, p: Prepared
                 ) -> dict[tuple[str, str, str], tuple[Terms, Terms, float, float]]:
    """(n, k, t) -> (a_j y_j: units, sales - other sources, D, M) of the row
    sum_markets sale - C - sum_j a_j y_j <= -D, for the markets whose node holds no k in stock
    and gets no k from another step; only where some unit's capacity enters (a_j > 0)."""
    inst = p.inst
    sold: dict[tuple[str, str, str], list] = defaultdict(list)
    most: dict[tuple[str, str, str], float] = defaultdict(float)
    for (i, t) in p.sale_keys:
        d = inst.demands[i]
        sold[(d.node, d.commodity, t)].append(c.v.sale[i, t])
        most[(d.node, d.commodity, t)] += p.sale_ub[(i, t)]
    route = p.route
    into: dict[tuple[str, str, str], list[str]] = defaultdict(list)  # by arrival step
    crossing: set[tuple[str, str]] = set()
    for (r, k, t) in p.flow_keys:
        arr = p.arrivals(r, t)
        if arr != [(t, 1.0)]:
            crossing.add((route[r].to, k))
        for there, _ in arr:
            into[(route[r].to, k, there)].append(r)
    fac = p.facility
    stocked = p.storable() | set(p.initial_stock)
    bought: dict[tuple[str, str, str], list] = defaultdict(list)  # supply, shortfall, unmet
    for (i, t) in p.supply_keys:
        bought[(inst.supplies[i].node, inst.supplies[i].commodity, t)].append(c.v.supply[i, t])
    for (i, t) in p.short_keys:
        bought[(inst.demands[i].node, inst.demands[i].commodity, t)].append(c.v.short[i, t])
    if c.elastic:
        for key in p.demand:
            bought[key].append(c.v.unmet[key])
    makers: dict[tuple[str, str, str], list[tuple[str, float]]] = defaultdict(list)
    for (f, t) in p.act_keys:
        for k, ratio in fac[f].produces.items():
            makers[(fac[f].node, k, t)].append((f, ratio))

    def made_only(a: str, k: str, t: str) -> bool:
        """k at a in t comes only from a's facilities (no supply, arrival, stock)."""
        return (bool(makers.get((a, k, t))) and (a, k) not in stocked
                and not into.get((a, k, t)) and not bought.get((a, k, t)))

    hauled = _hauled(p, into, crossing, makers, stocked, bought)
    out = {}
    for key in sorted(sold):
        n, k, t = key
        if (n, k) in stocked or (n, k) in crossing:
            continue  # k reaches n from other steps: the step's sales have no step bound
        other = Terms((v, 1.0) for v in sold[key])
        share_out: dict[str, float] = {n: 1.0} if makers.get(key) else {}
        for r in into.get(key, ()):
            x = route[r]
            if x.from_ != n and made_only(x.from_, k, t):
                # (1 + phi) t of k leave a per t carried: at most (1 - loss)/(1 + phi) arrive
                share_out[x.from_] = max(share_out.get(x.from_, 0.0),
                                         (1.0 - x.loss) / (1.0 + p.burn[r].get(k, 0.0)))
            else:
                other.add(c.v.flow[r, k, t], -(1.0 - x.loss))
        if not share_out:
            continue  # no unit's capacity in the row: nothing to round
        units = Terms()
        for a, rho in share_out.items():
            for f, ratio in makers[(a, k, t)]:
                for tau, share in p.op_share[(f, t)]:
                    units.add(c.v.build[f, tau], rho * ratio * fac[f].capacity * share)
        for v in bought.get(key, ()):
            other.add(v, -1.0)
        for e, tau, use in hauled.get(key, ()):
            units.add(c.v.build[e, tau], -use)
        out[key] = (units, other, p.demand.get(key, 0.0), most[key])
    return out


def _hauled(p: Prepared, into: dict[tuple[str, str, str], list[str]],
            crossing: set[tuple[str, str]], makers: dict, stocked: set[tuple[str, str]],
            bought: dict) -> dict[tuple[str, str, str], list]:
    """(n, k, t) -> [(e, tau, u)]: k that n must burn to fly the hardware of a unit e built in
    tau (first step t) to a node a that gets hardware only by routes from n: a's hardware
    balance needs mass/l_t x build arriving, and each t arriving on r burns at least
    phi_r,k/(1 - loss_r) of k at n, so u = min_r phi_r,k/(1 - loss_r) x mass/l_t."""
    hw = p.inst.hardware_commodity
    if hw is None:
        return {}
    route = p.route
    out: dict[tuple[str, str, str], list] = defaultdict(list)
    for (e, tau) in p.build_keys:
        el = p.buildable[e]
        a = hardware_node(el)
        if el.hardware_mass <= 0 or a is None:
            continue
        t = p.first_step[tau]
        routes = [route[r] for r in into.get((a, hw, t), ())]
        origins = {x.from_ for x in routes}
        if (len(origins) != 1 or (a, hw) in crossing or (a, hw) in stocked
                or bought.get((a, hw, t)) or makers.get((a, hw, t))):
            continue  # a has hardware from elsewhere too (or held from an earlier step, or none)
        (n,) = origins
        for k in p.inst.commodities:
            if k.name == hw:
                continue
            kappa = min(p.burn[x.name].get(k.name, 0.0) / (1.0 - x.loss) for x in routes)
            if kappa > 0:
                out[(n, k.name, t)].append((e, tau, kappa * el.hardware_mass / p.step[t].years))
    return out


def _rounded(units: Terms, other: Terms, need: float, most: float) -> tuple[Terms, float] | None:
    """The MIR of  S - C - sum_j a_j y_j <= -D,  S <= M  (y_j integer >= 0, C >= 0) with
    delta = max a_j, b = M + D, r = b - delta floor(b/delta), G(a) = r floor(a/delta) +
    min(a - delta floor(a/delta), r):  S - C - sum_j G(a_j) y_j <= M - r ceil(b/delta).
    None when r = 0 (b a multiple of delta: no rounding to gain)."""
    a = [x for x in units.coefs if x > 0]
    if not a:
        return None
    delta, b = max(a), most + need
    r = b - delta * math.floor(b / delta)
    if r <= 1e-9 * delta:
        return None
    row = Terms(zip(other.vars, other.coefs))
    for v, x in zip(units.vars, units.coefs):
        whole = math.floor(x / delta)
        row.add(v, -(r * whole + min(x - delta * whole, r)))
    return row, most - r * math.ceil(b / delta)


def cost_terms(c: Compiled, p: Prepared) -> CostTerms:
    """Every money term of the objective, by category and stage (costs positive, revenue negative)."""
    inst, out = p.inst, CostTerms()
    for (e, t) in p.build_keys:
        if e not in p.annuity:
            out.add("capex", p.first_step[t], p.stage[t].capex_factor,
                    p.buildable[e].capex or 0.0, c.v.build[e, t])
    for (e, t), shares in p.exist_share.items():
        for tau, g in shares:  # opex for the share of the step the unit exists
            out.add("opex", t, p.step[t].annual_factor, p.buildable[e].opex * g, c.v.build[e, tau])
    fac = p.facility
    for (f, t) in p.act_keys:
        out.add("variable", t, p.step[t].annual_factor, fac[f].variable_cost, c.v.act[f, t])
    for (r, k, t) in p.flow_keys:
        out.add("transport", t, p.step[t].annual_factor, p.route_cost[r][t], c.v.flow[r, k, t])
    for (r, t) in p.trip_keys:  # an expendable vehicle is bought for every trip
        v = p.vehicle[p.flown_by[r]]
        if not v.reusable:
            out.add("transport", t, p.step[t].annual_factor, v.capex, c.v.trips[r, t])
    for (i, t) in p.supply_keys:
        out.add("supply", t, p.step[t].annual_factor, p.supply_price[(i, t)], c.v.supply[i, t])
    for (i, t) in p.short_keys:
        out.add("shortfall", t, p.step[t].annual_factor,
                inst.demands[i].shortfall_penalty_per_t or 0.0, c.v.short[i, t])
    for (i, t) in p.sale_keys:
        out.add("revenue", t, p.step[t].annual_factor, -p.sale_price[(i, t)], c.v.sale[i, t])
    define_end_value(c, p, out)
    return out


def cost_objective_terms(c: Compiled) -> Terms:
    """The discounted cost (solvers.md, "Objective") from the model's cost terms."""
    terms = Terms()
    for key, items in c.costs.terms.items():
        f = c.costs.factor[key]
        for coef, v in items:
            terms.add(v, f * coef)
    return terms


def launch_mass_terms(c: Compiled, p: Prepared) -> Terms:
    """Tonnes bought on Earth's surface over the horizon, undiscounted (solvers.md, launch_mass)."""
    ground = set(launched_supplies(p.inst))
    return Terms((c.v.supply[i, t], p.step[t].years) for (i, t) in p.supply_keys if i in ground)


def define_end_value(c: Compiled, p: Prepared, out: CostTerms) -> None:
    """End-of-horizon value: `linear` credits V[e,tau] (discounted to Y_end) in the last step;
    `annuity` pays P_e for the share g of each step a unit exists, instead of its capex."""
    h = p.inst.horizon
    last = p.steps[-1].name
    d_end = (1.0 + h.discount_rate) ** -(p.end_year - h.start_year)
    for (e, tau), credit in p.end_credit.items():
        out.add("end_value", last, d_end, -credit, c.v.build[e, tau])
    if not p.annuity:
        return
    for (e, t), shares in p.exist_share.items():
        pay = p.annuity.get(e)
        if pay:
            for tau, g in shares:
                out.add("annuity", t, p.step[t].annual_factor, pay * g, c.v.build[e, tau])


def define_objective(c: Compiled, p: Prepared) -> None:
    """minimize the discounted cost (or, objective: supply_mass, the tonnes bought)."""
    c.costs = cost_terms(c, p)
    c.model.objective = pyo.Objective(expr=objective_expr(c, p), sense=pyo.minimize)


def objective_expr(c: Compiled, p: Prepared) -> LinearExpression:
    """The objective's expression: the discounted cost from the model's cost terms, or the
    tonnes bought (supply_mass) or launched from Earth's surface (launch_mass)."""
    return objective_terms(c, p).expr()


def objective_terms(c: Compiled, p: Prepared) -> Terms:
    """The objective's coefficient of each variable (session.py reads a changed run's column
    costs off them without building a model)."""
    if p.inst.objective == "cost":
        return cost_objective_terms(c)
    if p.inst.objective == "launch_mass":
        return launch_mass_terms(c, p)
    # supply_mass: tonnes bought over the horizon, undiscounted
    return Terms((c.v.supply[i, t], p.step[t].years) for (i, t) in p.supply_keys)
