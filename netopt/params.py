"""The numbers the model uses, derived once from a validated instance.

Everything here is plain Python (no Pyomo): discount factors, propellant per tonne, which units can
be online when, and the sparse index sets of every variable. `compile` and `results` both read it.
Symbols follow solvers.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import rocket
from .schema import Facility, Instance, Node, Route

EPS = 1e-12


@dataclass(frozen=True)
class StageInfo:
    name: str
    index: int
    start_year: int  # Y_t
    years: int
    capex_factor: float  # D_t = (1+rho)^-(Y_t - Y_0)
    annual_factor: float  # A_t = sum_{y<years} (1+rho)^-(Y_t - Y_0 + y)


def stage_infos(inst: Instance) -> list[StageInfo]:
    h = inst.horizon
    out, year = [], h.start_year
    for i, s in enumerate(h.stages):
        base = 1.0 / (1.0 + h.discount_rate)
        offset = year - h.start_year
        out.append(StageInfo(s.name, i, year, s.years, base**offset,
                             sum(base ** (offset + y) for y in range(s.years))))
        year += s.years
    return out


def per_stage(value: float | dict[str, float] | None, stages: list[str],
              default: float | None = 0.0) -> dict[str, float | None]:
    """A number applies to every stage; a mapping to the stages it lists (others get `default`)."""
    if value is None:
        return {t: None for t in stages}
    if isinstance(value, dict):
        return {t: value.get(t, default) for t in stages}
    return {t: float(value) for t in stages}


def propellant_per_t(route: Route, propulsion: dict) -> dict[str, float]:
    """Tonnes of each propellant commodity burnt per tonne of payload (phi x shares)."""
    if isinstance(route.propellant_per_t, dict):
        return {k: v for k, v in route.propellant_per_t.items() if v > 0}
    if route.propellant_per_t is not None:
        phi = route.propellant_per_t
    elif route.delta_v_km_s is not None:
        phi = rocket.propellant_per_t(route.delta_v_km_s, propulsion[route.propulsion].isp_s,
                                      route.dry_mass_ratio, route.return_delta_v_km_s)
    else:
        return {}
    if phi <= 0:
        return {}
    shares = propulsion[route.propulsion].propellant
    return {k: phi * s for k, s in shares.items()}


def window(elem: Facility | Route, stages: list[str]) -> list[str]:
    i = stages.index(elem.available_from) if elem.available_from else 0
    j = stages.index(elem.available_until) if elem.available_until else len(stages) - 1
    return stages[i:j + 1]


def online_cover(elem: Facility | Route, infos: list[StageInfo]) -> dict[str, list[str]]:
    """For each stage t, the build stages tau whose units are online in t (only non-empty ones)."""
    names = [s.name for s in infos]
    build = set(window(elem, names))
    life = elem.lifetime_years
    cover: dict[str, list[str]] = {}
    for t in infos:
        taus = [tau.name for tau in infos[:t.index + 1] if tau.name in build
                and (life is None or t.start_year < tau.start_year + life - EPS)]
        if taus:
            cover[t.name] = taus
    return cover


def maximal_sets(cover: dict[str, list[str]]) -> list[tuple[str, ...]]:
    """Cover sets with more than one element that are not inside another: the only
    non-redundant 'online <= max_units' rows."""
    sets = {tuple(v) for v in cover.values() if len(v) > 1}
    return sorted((s for s in sets if not any(set(s) < set(o) for o in sets)),
                  key=lambda s: (len(s), s))


@dataclass
class Prepared:
    """Index sets and coefficients of the model (sparse: only combinations that exist)."""

    inst: Instance
    stages: list[StageInfo]
    stage: dict[str, StageInfo]
    buildable: dict[str, Facility | Route] = field(default_factory=dict)
    cover: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (e,t) -> build stages
    build_keys: list[tuple[str, str]] = field(default_factory=list)  # (e, tau)
    unit_limits: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    act_keys: list[tuple[str, str]] = field(default_factory=list)  # (facility, t)
    route_stages: dict[str, list[str]] = field(default_factory=dict)
    flow_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (route, k, t)
    burn: dict[str, dict[str, float]] = field(default_factory=dict)  # route -> {k: t/t}
    route_cost: dict[str, dict[str, float]] = field(default_factory=dict)  # route -> {t: price}
    supply_keys: list[tuple[int, str]] = field(default_factory=list)
    supply_ub: dict[tuple[int, str], float | None] = field(default_factory=dict)
    supply_price: dict[tuple[int, str], float] = field(default_factory=dict)
    demand: dict[tuple[str, str, str], float] = field(default_factory=dict)  # (n,k,t) -> t/yr
    short_keys: list[tuple[int, str]] = field(default_factory=list)
    short_ub: dict[tuple[int, str], float] = field(default_factory=dict)
    sale_keys: list[tuple[int, str]] = field(default_factory=list)
    sale_ub: dict[tuple[int, str], float] = field(default_factory=dict)
    sale_price: dict[tuple[int, str], float] = field(default_factory=dict)
    supply_label: list[str] = field(default_factory=list)
    demand_label: list[str] = field(default_factory=list)

    def online_units(self, e: str, t: str, built: Mapping[tuple[str, str], float]) -> float:
        return sum(built.get((e, tau), 0.0) for tau in self.cover.get((e, t), ()))


def _labels(items: list[Any], attr_default: Callable[[Any], str]) -> list[str]:
    raw = [x.name or attr_default(x) for x in items]
    return [f"{lab}#{i}" if raw.count(lab) > 1 else lab for i, lab in enumerate(raw)]


def gates_nothing(e: Facility | Route, nodes: dict[str, Node]) -> bool:
    """A depot at a node that lists no requires_depot commodities: it could handle nothing."""
    return (isinstance(e, Facility) and e.kind == "depot" and e.node in nodes
            and not nodes[e.node].requires_depot)


def prepare(inst: Instance) -> Prepared:
    """The index sets and coefficients of `inst` (0.6-1.6 s at 100k routes: plan.Plan prepares
    once and hands the result to validation's structural checks and to the model)."""
    infos = stage_infos(inst)
    names = [s.name for s in infos]
    p = Prepared(inst, infos, {s.name: s for s in infos})
    prop = {x.name: x for x in inst.propulsion}
    nodes = {n.name: n for n in inst.nodes}

    buildables: list[Facility | Route] = [*inst.facilities,
                                          *(r for r in inst.routes if r.capex is not None)]
    for e in buildables:
        p.buildable[e.name] = e
        if gates_nothing(e, nodes):
            continue  # never built (solvers.md, depot_capacity)
        cover = online_cover(e, infos)
        for t, taus in cover.items():
            p.cover[(e.name, t)] = taus
        p.build_keys += [(e.name, tau) for tau in window(e, names)]
        p.unit_limits += [(e.name, s) for s in maximal_sets(cover)]
    p.act_keys = [(f.name, t) for f in inst.facilities for t in names if (f.name, t) in p.cover]

    depot_stages: dict[str, set[str]] = {}
    for f in inst.facilities:
        if f.kind == "depot":
            depot_stages.setdefault(f.node, set()).update(
                t for t in names if (f.name, t) in p.cover)
    all_k = [c.name for c in inst.commodities]
    for r in inst.routes:
        if r.capex is not None:
            used = [t for t in names if (r.name, t) in p.cover]
        else:
            used = window(r, names)
        p.route_stages[r.name] = used
        p.burn[r.name] = propellant_per_t(r, prop)
        p.route_cost[r.name] = {t: v or 0.0 for t, v in per_stage(r.cost_per_t, used).items()}
        carried = r.commodities if r.commodities is not None else all_k
        needs_depot = set(nodes[r.to].requires_depot)
        ok_depot = depot_stages.get(r.to, set())
        p.flow_keys += [(r.name, k, t) for t in used for k in carried
                        if k not in needs_depot or t in ok_depot]

    p.supply_label = _labels(inst.supplies, lambda s: f"{s.node}/{s.commodity}")
    for i, s in enumerate(inst.supplies):
        ub = per_stage(s.max_per_year, names)
        price = per_stage(s.price_per_t, names)
        for t in names:
            limit = ub[t]
            if limit is None or limit > 0:
                p.supply_keys.append((i, t))
                p.supply_ub[(i, t)] = limit
                p.supply_price[(i, t)] = price[t] or 0.0

    p.demand_label = _labels(inst.demands, lambda d: f"{d.node}/{d.commodity}")
    for i, d in enumerate(inst.demands):
        amount = per_stage(d.amount, names)
        for t in names:
            a = amount[t] or 0.0
            if a <= 0:
                continue
            if d.kind == "market":
                p.sale_keys.append((i, t))
                p.sale_ub[(i, t)] = a
                p.sale_price[(i, t)] = per_stage(d.price_per_t, names)[t] or 0.0
            else:
                key = (d.node, d.commodity, t)
                p.demand[key] = p.demand.get(key, 0.0) + a
                if d.shortfall_penalty_per_t is not None:
                    p.short_keys.append((i, t))
                    p.short_ub[(i, t)] = a
    return p
