"""Valid inequalities: aggregate_capacity, linking and market_capacity. They change no optimum,
only how fast it is proven (solvers.md, "Valid inequalities")."""

from __future__ import annotations

import math
from collections import defaultdict

import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from ..params import Prepared, hardware_node
from .model import Compiled, Terms, _online


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
        if r in p.tank_hardware and hw is not None:  # expended tanks draw hardware there
            burns.add((a, hw, t))
        burns.update((a, u, t) for u in p.consumed.get((r, k), ()))  # used up in flight
    for (r, t) in p.trip_keys:  # maintenance supplies drawn at the origin of every trip
        if r in p.maintenance:
            burns.add((ends[r][0], p.maintenance[r][0], t))
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
