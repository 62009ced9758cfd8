"""What moves: facility and route capacity, depots, and the balance of every node, commodity
and step with its arrivals and hardware terms (solvers.md, "Facilities", "Routes", "Hardware",
"Balance")."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyomo.core as pyo

from ..params import Prepared, hardware_node
from .model import EPS_NEED, Compiled, Terms, _online, _payload
from .stocks import define_stock
from .vehicles import add_vehicle_balance_terms


def define_facility_capacity(c: Compiled, p: Prepared) -> None:
    """activity[f,t] <= capacity_f * online[f,t]."""
    m = c.model
    if not p.act_keys:
        return
    cap = {f.name: f.capacity for f in p.inst.facilities}

    def rule(m: pyo.ConcreteModel, f: str, t: str) -> Any:
        return (None, _online(c, p, f, t, -cap[f]).add(c.v.act[f, t], 1.0).expr(), 0.0)

    m.facility_capacity = pyo.Constraint(p.act_keys, rule=rule)


def define_route_capacity(c: Compiled, p: Prepared) -> None:
    """sum_k (1 + c_rk) flow[r,k,t] <= capacity_r * online[r,t] (or capacity_r without build
    variables), c_rk what k uses up in flight; on a windowed route capacity is per window:
    x n_windows(t) / l_t."""
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
            return (None, Terms((v, 1.0 + p.load(r, k)) for k, v in payload[(r, t)]).expr(),
                    cap(r, t))
        terms = _online(c, p, r, t, -cap(r, t))
        for k, v in payload[(r, t)]:
            terms.add(v, 1.0 + p.load(r, k))
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
    hw = inst.hardware_commodity
    define_arrivals(c, p, bal)
    for (r, k, t) in p.flow_keys:
        v = c.v.flow[r, k, t]
        x = route[r]
        bal[(x.from_, k, t)].add(v, -1.0)
        used = p.consumed.get((r, k), {})
        for b, coef in used.items():  # leaves with the cargo, used up in flight
            bal[(x.from_, b, t)].add(v, -coef)
        lift = 1.0 + sum(used.values())  # what the propellant pushes per t of k
        for pk, phi in p.burn[r].items():
            bal[(x.from_, pk, t)].add(v, -phi * lift)
        if r in p.tank_hardware and hw is not None:  # expended tanks: solvers.md, Tankage
            bal[(x.from_, hw, t)].add(v, -p.tank_hardware[r] * lift)
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
