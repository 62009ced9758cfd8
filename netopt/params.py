"""The numbers the model uses, derived once from a validated instance.

Everything here is plain Python (no Pyomo): discount factors, propellant per tonne, which units can
be online when, and the sparse index sets of every variable. `compile` and `results` both read it.
Symbols follow solvers.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import rocket
from .schema import MAX_STEPS, Facility, Instance, Node, Route, Vehicle

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


@dataclass(frozen=True)
class StepInfo:
    """An operating step s (solvers.md, "Steps"): a stage, one year of it, or an explicit step."""

    name: str  # the stage's name (stage grain), the start year (year grain) or the step's own
    index: int
    stage: str  # sigma(s)
    start_year: float  # a_s, a calendar year (an int at stage and year grain)
    years: float  # l_s (an int at stage and year grain)
    annual_factor: float  # A_s = sum_y |[a_s, a_s + l_s) & [y, y + 1)| (1+rho)^-(y - Y_0)


# a remainder shorter than this (~0.03 s) is rounding of the explicit steps, not a step
TILE_EPS = 1e-9


def step_count(stage: Any, default: str) -> int:
    """How many steps a schema Stage makes (checked before any is built: solvers.md, "Steps")."""
    if stage.steps:
        used = sum(x.length for x in stage.steps)
        return len(stage.steps) + (1 if stage.years - used > TILE_EPS else 0)
    return stage.years if (stage.resolution or default) == "year" else 1


def step_names(horizon: Any) -> dict[str, str]:
    """{step name: its stage} of a (possibly partial) schema Horizon, without building the steps;
    empty beyond MAX_STEPS (refused by validation). Names as step_infos gives them."""
    default = getattr(horizon, "resolution", "stage")
    stages = [st for st in getattr(horizon, "stages", None) or [] if st is not None]
    if sum(step_count(st, default) for st in stages) > MAX_STEPS:
        return {}
    out: dict[str, str] = {}
    year = getattr(horizon, "start_year", 0) or 0
    for st in stages:
        if st.steps:
            names = [x.name or f"{st.name}.{j + 1}" for j, x in enumerate(st.steps)]
            if step_count(st, default) > len(st.steps):
                names.append(f"{st.name}.{len(st.steps) + 1}")
        elif (st.resolution or default) == "year":
            names = [str(y) for y in range(year, year + st.years)]
        else:
            names = [st.name]
        for n in names:
            out.setdefault(n, st.name)
        year += st.years
    return out


def at_step(value: float | dict[str, float] | None, step: StepInfo, default: float | None = 0.0
            ) -> float | None:
    """A per-stage value in step s: a number everywhere; a mapping's entry for the step's own
    name if it has one, else for its stage, else `default` (solvers.md, "Per-stage values")."""
    if value is None:
        return None
    if isinstance(value, dict):
        if step.name in value:
            return value[step.name]
        return value.get(step.stage, default)
    return float(value)


def annual_factor(start: float, years: float, y0: int, rho: float) -> float:
    """A_s: each calendar year's part of [start, start + years) discounted to that year's start
    (at whole years: sum_{y<l} (1+rho)^-(a - Y_0 + y), the stage rule)."""
    base = 1.0 / (1.0 + rho)
    end = start + years
    first, last = math.floor(start), math.ceil(end)
    if last - first == 1:  # inside one calendar year: l_s itself, not a difference of dates
        return years * base ** (first - y0)
    return sum(overlap(start, end, y, y + 1) * base ** (y - y0) for y in range(first, last))


def _whole(x: float) -> float:
    """x as an int when it is one: whole years print as 2031, not 2031.0, in every output."""
    return int(x) if float(x).is_integer() else x


def step_infos(inst: Instance, infos: list[StageInfo]) -> list[StepInfo]:
    """The operating steps, stage by stage: one per stage, one per year, or the stage's explicit
    steps with the rest of the stage as one last step (solvers.md, "Steps")."""
    h = inst.horizon
    total = sum(step_count(st, h.resolution) for st in h.stages)
    if total > MAX_STEPS:  # validation refuses it first (checks._steps); a guard for callers
        raise ValueError(f"{total} operating steps: more than the {MAX_STEPS} netopt accepts")
    rho, y0 = h.discount_rate, h.start_year
    out: list[StepInfo] = []

    def add(name: str, t: StageInfo, start: float, years: float, factor: float | None = None
            ) -> None:
        a = factor if factor is not None else annual_factor(start, years, y0, rho)
        out.append(StepInfo(name, len(out), t.name, _whole(start), _whole(years), a))

    for t, st in zip(infos, h.stages):
        if st.steps:  # offsets within the stage: small numbers keep days exact
            at = 0.0
            for j, x in enumerate(st.steps):
                length = x.length
                if j == len(st.steps) - 1 and abs(t.years - (at + length)) <= TILE_EPS:
                    length = t.years - at  # tiles the stage exactly
                add(x.name or f"{t.name}.{j + 1}", t, t.start_year + at, length)
                at += length
            if t.years - at > TILE_EPS:
                add(f"{t.name}.{len(st.steps) + 1}", t, t.start_year + at, t.years - at)
        elif (st.resolution or h.resolution) == "year":
            for y in range(t.start_year, t.start_year + t.years):
                add(str(y), t, y, 1)
        else:
            add(t.name, t, t.start_year, t.years, t.annual_factor)
    return out


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    """|[a0, a1) intersected with [b0, b1)|."""
    return max(0.0, min(a1, b1) - max(a0, b0))


def unit_shares(elem: Facility | Route | Vehicle, infos: list[StageInfo], steps: list[StepInfo]
                ) -> tuple[dict[str, list[tuple[str, float]]], dict[str, list[tuple[str, float]]]]:
    """Per step s: [(tau, g)] existence shares and [(tau, f)] operating shares of the units built
    in each build stage tau (only positive ones): g = |s & [Y_tau, Y_tau + L)| / l_s,
    f = |s & [Y_tau + c, Y_tau + L)| / l_s."""
    allowed = set(window(elem, [x.name for x in infos]))
    builds = [t for t in infos if t.name in allowed]
    life = elem.lifetime_years if elem.lifetime_years is not None else math.inf
    c = elem.commissioning_years
    exist: dict[str, list[tuple[str, float]]] = {}
    operate: dict[str, list[tuple[str, float]]] = {}
    for s in steps:  # inline arithmetic: 700 facilities x 10 stages x 10 builds in ~0.1 s
        a0, a1 = s.start_year, s.start_year + s.years
        for tau in builds:
            y = tau.start_year
            if y >= a1:
                break
            end = y + life
            if end <= a0:
                continue
            # a step inside the life has share 1 exactly (a day step's dates differ in the 13th
            # digit); slivers of rounding are no share
            g = 1.0 if y <= a0 and a1 <= end else (
                (a1 if a1 < end else end) - (a0 if a0 > y else y)) / s.years
            if g * s.years <= TILE_EPS:
                continue
            exist.setdefault(s.name, []).append((tau.name, g))
            if c:
                on = y + c
                g = 1.0 if on <= a0 and a1 <= end else (
                    (a1 if a1 < end else end) - (a0 if a0 > on else on)) / s.years
            if g * s.years > TILE_EPS:
                operate.setdefault(s.name, []).append((tau.name, g))
    return exist, operate


def window_dates(route: Route, start: int, end: float) -> list[float]:
    """Departure dates first + k*P inside [start, end) of a windowed route (start: Y_0, from
    which first_day counts)."""
    w = route.windows
    if w is None:
        return []
    first, period = w.first_year(start), w.period
    k = math.floor((start - first) / period) - 1
    out = []
    while first + k * period < end:
        x = first + k * period
        if x >= start - TILE_EPS:
            out.append(x)
        k += 1
    return out


def arrival_weights(route: Route, steps: list[StepInfo], dates: list[float]
                    ) -> tuple[dict[str, int], dict[str, list[tuple[str, float]]]]:
    """n_windows(s) of a windowed route, and w[r,s,s']: the arrival rate in s' per unit of
    departure rate in s (solvers.md, "Routes"); cargo arriving after the horizon is dropped."""
    tau = route.transit
    end = steps[-1].start_year + steps[-1].years
    counts: dict[str, int] = {}
    weights: dict[str, list[tuple[str, float]]] = {}

    def step_at(x: float) -> StepInfo | None:
        for s in steps:  # a date within rounding of a step's start is in that step
            if s.start_year - TILE_EPS <= x < s.start_year + s.years - TILE_EPS:
                return s
        return None

    for s in steps:
        a0, a1 = s.start_year, s.start_year + s.years
        out: dict[str, float] = {}
        if route.windows is not None:
            mine = [x for x in dates if a0 - TILE_EPS <= x < a1 - TILE_EPS]
            if not mine:
                continue
            counts[s.name] = len(mine)
            for x in mine:
                there = step_at(x + tau) if x + tau < end - TILE_EPS else None
                if there is not None:
                    out[there.name] = out.get(there.name, 0.0) + s.years / (len(mine) * there.years)
        elif tau == 0:
            out[s.name] = 1.0
        else:
            for there in steps[s.index:]:
                w = overlap(a0 + tau, a1 + tau, there.start_year, there.start_year + there.years)
                if w > TILE_EPS:
                    out[there.name] = w / there.years
        weights[s.name] = list(out.items())
    return counts, weights


def busy_weights(route: Route, steps: list[StepInfo], dates: list[float], busy: float
                 ) -> dict[str, list[tuple[str, float]]]:
    """u[r,s,s']: vehicle-years per year in s' that one trip per year departing in s holds, a trip
    holding its vehicle for `busy` years from its departure (at the windows, or spread evenly
    over s); time after the horizon is dropped (solvers.md, vehicle_fleet)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for s in steps:
        a0, a1 = s.start_year, s.start_year + s.years
        mine = [x for x in dates if a0 - TILE_EPS <= x < a1 - TILE_EPS]  # its windows
        held: dict[str, float] = {}
        for there in steps[s.index:]:
            b0, b1 = there.start_year, there.start_year + there.years
            if b0 >= a1 + busy:
                break
            if route.windows is None:
                years = _swept(a0, a1, busy, b0, b1)
            elif mine:
                years = sum(overlap(x, x + busy, b0, b1) for x in mine) * s.years / len(mine)
            else:
                years = 0.0
            if years > EPS:
                held[there.name] = years / there.years
        out[s.name] = list(held.items())
    return out


def _swept(a0: float, a1: float, busy: float, b0: float, b1: float) -> float:
    """The integral over u in [a0, a1) of |[u, u + busy) intersected with [b0, b1)|: the
    integrand is piecewise linear with kinks at b0 - busy, b0, b1 - busy, b1, so the trapezoid
    rule on those points is exact."""
    xs = sorted({a0, a1, *(x for x in (b0 - busy, b0, b1 - busy, b1) if a0 < x < a1)})
    f = [overlap(x, x + busy, b0, b1) for x in xs]
    return sum((xs[i + 1] - xs[i]) * (f[i] + f[i + 1]) / 2 for i in range(len(xs) - 1))


def per_stage(value: float | dict[str, float] | None, stages: list[str],
              default: float | None = 0.0) -> dict[str, float | None]:
    """A number applies to every stage; a mapping to the stages it lists (others get `default`)."""
    if value is None:
        return {t: None for t in stages}
    if isinstance(value, dict):
        return {t: value.get(t, default) for t in stages}
    return {t: float(value) for t in stages}


def flown_delta_v(route: Route) -> tuple[float, float | None]:
    """(outbound, return) delta-v in km/s with the route's reserve: dv (1 + reserve)."""
    k = 1.0 + route.delta_v_reserve
    back = route.return_delta_v_km_s
    return (route.delta_v_km_s or 0.0) * k, None if back is None else back * k


def propellant_per_t(route: Route, propulsion: dict) -> dict[str, float]:
    """Tonnes of each propellant commodity burnt per tonne of payload (phi x shares)."""
    if route.vehicle is not None:
        return {}  # set by _prepare_vehicles: the vehicle's dry mass flies per trip
    if isinstance(route.propellant_per_t, dict):
        return {k: v for k, v in route.propellant_per_t.items() if v > 0}
    if route.propellant_per_t is not None:
        phi = route.propellant_per_t
    elif route.delta_v_km_s is not None:
        out, back = flown_delta_v(route)
        prop = propulsion[route.propulsion]
        phi = rocket.propellant_per_t(out, prop.isp_s, route.dry_mass_ratio, back,
                                      route.tank_mass_ratio, prop.g0)
    else:
        return {}
    if phi <= 0:
        return {}
    shares = propulsion[route.propulsion].propellant
    return {k: phi * s for k, s in shares.items()}


def earth_surface(inst: Instance) -> set[str]:
    """Nodes of kind surface on body Earth (case-insensitive)."""
    return {n.name for n in inst.nodes if n is not None and n.kind == "surface"
            and (n.body or "").lower() == "earth"}


def launched_supplies(inst: Instance) -> list[int]:
    """Indices of the supplies bought on Earth's surface (node kind surface, body Earth): what
    the launch_mass objective counts (solvers.md, "Objective")."""
    ground = earth_surface(inst)
    return [i for i, s in enumerate(inst.supplies) if s is not None and s.node in ground]


def lifted_hulls(p: Prepared) -> list[tuple[tuple[str, str], float]]:
    """[((r, t), m_V l_t)]: trips of reusable vehicles that leave Earth's surface, each lifting
    its hull again (launch_mass counts it; solvers.md, "Objective")."""
    ground = earth_surface(p.inst)
    out = []
    for (r, t) in p.trip_keys:
        v = p.vehicle[p.flown_by[r]]
        if v.reusable and p.route[r].from_ in ground:
            out.append(((r, t), v.dry_mass * p.step[t].years))
    return out


def vehicle_leg(route: Route, vehicle: Vehicle, propulsion: dict) -> tuple[float, dict[str, float]]:
    """(R - 1, shares) of a leg flown by `vehicle`: burn = (R - 1)(dry mass x trips + payload)."""
    prop = propulsion[vehicle.propulsion]
    out, _ = flown_delta_v(route)
    return rocket.mass_ratio(out, prop.isp_s, prop.g0) - 1.0, dict(prop.propellant)


def window(elem: Facility | Route | Vehicle, stages: list[str]) -> list[str]:
    i = stages.index(elem.available_from) if elem.available_from else 0
    j = stages.index(elem.available_until) if elem.available_until else len(stages) - 1
    return stages[i:j + 1]


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
    # operating steps (solvers.md, "Steps"); every operating index below is a step name. With
    # resolution: stage, steps are the stages under the same names.
    steps: list[StepInfo] = field(default_factory=list)
    step: dict[str, StepInfo] = field(default_factory=dict)
    first_step: dict[str, str] = field(default_factory=dict)  # stage -> its first step
    next_step: dict[str, str] = field(default_factory=dict)  # step -> the step after it
    end_year: float = 0  # Y_end
    facility: dict[str, Facility] = field(default_factory=dict)  # name -> the instance's
    route: dict[str, Route] = field(default_factory=dict)  # name -> the instance's
    buildable: dict[str, Facility | Route | Vehicle] = field(default_factory=dict)
    cover: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (e,s) -> C(e,s)
    exist_share: dict[tuple[str, str], list[tuple[str, float]]] = field(
        default_factory=dict)  # (e,s) -> [(tau, g)]
    op_share: dict[tuple[str, str], list[tuple[str, float]]] = field(
        default_factory=dict)  # (e,s) -> [(tau, f)], only f > 0
    build_keys: list[tuple[str, str]] = field(default_factory=list)  # (e, tau)
    unit_limits: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    act_keys: list[tuple[str, str]] = field(default_factory=list)  # (facility, s)
    route_stages: dict[str, list[str]] = field(default_factory=dict)  # route -> steps it is used
    flow_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (route, k, s)
    n_windows: dict[tuple[str, str], int] = field(default_factory=dict)  # (windowed r, s)
    arrive: dict[tuple[str, str], list[tuple[str, float]]] = field(
        default_factory=dict)  # (r, s) -> [(s', w)] of routes with transit or windows only
    stock_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (facility, k, s)
    boil_off: dict[str, float] = field(default_factory=dict)  # k -> b_k (only > 0)
    initial_stock: dict[tuple[str, str], float] = field(default_factory=dict)  # (n, k) -> t
    end_credit: dict[tuple[str, str], float] = field(default_factory=dict)  # (e, tau) -> V
    annuity: dict[str, float] = field(default_factory=dict)  # e -> P (money per year)
    burn: dict[str, dict[str, float]] = field(default_factory=dict)  # route -> {k: t/t}
    tank_hardware: dict[str, float] = field(default_factory=dict)  # route -> s phi, t/t
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
    # vehicles (solvers.md, "Vehicles"): route -> vehicle; trips[r,t] keys, in flow_keys' stages
    vehicle: dict[str, Vehicle] = field(default_factory=dict)
    flown_by: dict[str, str] = field(default_factory=dict)
    trip_keys: list[tuple[str, str]] = field(default_factory=list)  # (route, t)
    # integer_trips in steps shorter than a year: the trips in the step are whole, not per year
    trip_count_keys: list[tuple[str, str]] = field(default_factory=list)  # (route, t)
    trip_burn: dict[str, dict[str, float]] = field(default_factory=dict)  # route -> {k: t/trip}
    trip_years: dict[str, float] = field(default_factory=dict)  # route -> vehicle-years per trip
    parked_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (V, node, t)
    # vehicles that need not return (returns: false): disposed of at a node in a step
    dispose_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (V, node, t)
    tank_cargo: dict[str, frozenset[str]] = field(default_factory=dict)  # route -> k in the tank
    maintenance: dict[str, tuple[str, float]] = field(default_factory=dict)  # route -> (C, t/trip)
    # used up in flight (crew-days): (route, k) -> {B: t of B per t of k over the leg}
    consumed: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    hardware_keys: list[tuple[str, str]] = field(default_factory=list)  # (node, t): may wait
    # (V, t) -> the vehicle-years per year each variable uses in step t (vehicle_fleet):
    # [("trips", (r, t), transit + turnaround), ("parked", (V, n, t'), 1/2)]
    fleet_use: dict[tuple[str, str], list[tuple[str, tuple[str, ...], float]]] = field(
        default_factory=dict)

    def online_units(self, e: str, t: str, built: Mapping[tuple[str, str], float]) -> float:
        """Units of e that exist at some time in step t."""
        return sum(built.get((e, tau), 0.0) for tau in self.cover.get((e, t), ()))

    def operating_units(self, e: str, t: str, built: Mapping[tuple[str, str], float]) -> float:
        """online[e,t] = sum_tau f[e,tau,t] build[e,tau]: units operating, by share of step t."""
        return sum(f * built.get((e, tau), 0.0) for tau, f in self.op_share.get((e, t), ()))

    def arrivals(self, r: str, t: str) -> list[tuple[str, float]]:
        """[(s', w[r,t,s'])]: where the cargo of route r departing in step t arrives."""
        timed = self.arrive.get((r, t))
        return [(t, 1.0)] if timed is None else timed

    def storable(self) -> set[tuple[str, str]]:
        """(node, k) that can be held from one step into the next: a storage facility's
        commodities at its node, and hardware where it may wait (solvers.md, "Stockpiles" and
        "Hardware"). The initial stock is the caller's to add where it counts."""
        out = {(self.facility[f].node, k) for (f, k, _) in self.stock_keys}
        hw = self.inst.hardware_commodity
        if hw is not None:
            out |= {(n, hw) for (n, _) in self.hardware_keys}
        return out

    def load(self, r: str, k: str) -> float:
        """Tonnes used up in flight per tonne of k departing on r (sum over consumes_per_day)."""
        used = self.consumed.get((r, k))
        return sum(used.values()) if used else 0.0

    def keep(self, k: str, s: str) -> float:
        """(1 - b_k)^l_s: the share of k's stock kept over step s."""
        return (1.0 - self.boil_off.get(k, 0.0)) ** self.step[s].years


def _labels(items: list[Any], attr_default: Callable[[Any], str]) -> list[str]:
    raw = [x.name or attr_default(x) for x in items]
    return [f"{lab}#{i}" if raw.count(lab) > 1 else lab for i, lab in enumerate(raw)]


def hardware_node(e: Facility | Route | Vehicle) -> str | None:
    """Where a unit of e needs its hardware when built (solvers.md, "Hardware"): a facility's
    node, a route's origin, a vehicle's base."""
    return e.from_ if isinstance(e, Route) else e.node


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
    p.steps = step_infos(inst, infos)
    p.step = {s.name: s for s in p.steps}
    for st in reversed(p.steps):
        p.first_step[st.stage] = st.name
    p.next_step = {now.name: nxt.name for now, nxt in zip(p.steps, p.steps[1:])}
    p.end_year = p.steps[-1].start_year + p.steps[-1].years
    steps = [s.name for s in p.steps]
    prop = {x.name: x for x in inst.propulsion}
    nodes = {n.name: n for n in inst.nodes}
    p.facility = {f.name: f for f in inst.facilities}
    p.route = {r.name: r for r in inst.routes}

    buildables: list[Facility | Route] = [*inst.facilities,
                                          *(r for r in inst.routes if r.capex is not None)]
    # elements of one template share their shares: computed once per (window, life, c)
    memo: dict[tuple, tuple[dict, dict, dict, list]] = {}
    for e in buildables:
        p.buildable[e.name] = e
        if gates_nothing(e, nodes):
            continue  # never built (solvers.md, depot_capacity)
        shared = (e.available_from, e.available_until, e.lifetime_years, e.commissioning_years)
        if shared not in memo:
            memo[shared] = _unit_sets(e, infos, p.steps)
        _add_units(p, e, names, memo[shared])
    p.act_keys = [(f.name, s) for f in inst.facilities for s in steps
                  if (f.name, s) in p.op_share]

    depot_steps: dict[str, set[str]] = {}
    for f in inst.facilities:
        if f.kind == "depot":
            depot_steps.setdefault(f.node, set()).update(
                s for s in steps if (f.name, s) in p.op_share)
    all_k = [c.name for c in inst.commodities]
    for r in inst.routes:
        if r.capex is not None:
            used = [s for s in steps if (r.name, s) in p.op_share]
        else:
            usable = set(window(r, names))
            used = [s.name for s in p.steps if s.stage in usable]
        counts, weights = arrival_weights(
            r, p.steps, window_dates(r, inst.horizon.start_year, p.end_year))
        if r.windows is not None:
            used = [s for s in used if s in counts]
            p.n_windows.update(((r.name, s), counts[s]) for s in used)
        if r.windows is not None or r.transit:  # others arrive where they depart: arrivals()
            p.arrive.update(((r.name, s), weights[s]) for s in used)
        p.route_stages[r.name] = used
        p.burn[r.name] = propellant_per_t(r, prop)
        if r.expends_tanks and inst.hardware_commodity is not None and p.burn[r.name]:
            # the stage's tanks are used up: s phi t of hardware per t (solvers.md, Tankage)
            p.tank_hardware[r.name] = r.tank_mass_ratio * sum(p.burn[r.name].values())
        p.route_cost[r.name] = {s: at_step(r.cost_per_t, p.step[s]) or 0.0 for s in used}
        carried = r.commodities if r.commodities is not None else all_k
        needs_depot = set(nodes[r.to].requires_depot)
        ok_depot = depot_steps.get(r.to, set())
        # a depot-gated flow needs a depot that can operate in every step its cargo arrives in
        gated_ok = {s for s in used if all(there in ok_depot for there, _ in weights[s])
                    } if needs_depot else set()
        p.flow_keys += [(r.name, k, s) for s in used for k in carried
                        if k not in needs_depot or s in gated_ok]
        _prepare_consumption(p, r, carried)

    for f in inst.facilities:
        if f.storage:
            stored = f.stores if f.stores is not None else all_k
            p.stock_keys += [(f.name, k, s) for s in steps if (f.name, s) in p.op_share
                             for k in stored]
    p.boil_off = {c.name: c.boil_off_per_year for c in inst.commodities if c.boil_off_per_year}
    p.initial_stock = {(n.name, k): v for n in inst.nodes for k, v in n.initial_stock.items()
                       if v > 0}

    _prepare_vehicles(p, prop)
    _prepare_hardware(p)
    _end_values(p)  # after the vehicles: fleets built with a lifetime get it too

    p.supply_label = _labels(inst.supplies, lambda s: f"{s.node}/{s.commodity}")
    for i, sup in enumerate(inst.supplies):
        for st in p.steps:
            limit = at_step(sup.max_per_year, st)
            if limit is None or limit > 0:
                p.supply_keys.append((i, st.name))
                p.supply_ub[(i, st.name)] = limit
                p.supply_price[(i, st.name)] = at_step(sup.price_per_t, st) or 0.0

    p.demand_label = _labels(inst.demands, lambda d: f"{d.node}/{d.commodity}")
    for i, d in enumerate(inst.demands):
        for st in p.steps:
            a, step = at_step(d.amount, st) or 0.0, st.name
            if a <= 0:
                continue
            if d.kind == "market":
                p.sale_keys.append((i, step))
                p.sale_ub[(i, step)] = a
                p.sale_price[(i, step)] = at_step(d.price_per_t, st) or 0.0
            else:
                key = (d.node, d.commodity, step)
                p.demand[key] = p.demand.get(key, 0.0) + a
                if d.shortfall_penalty_per_t is not None:
                    p.short_keys.append((i, step))
                    p.short_ub[(i, step)] = a
    return p


UnitSets = tuple[dict, dict, dict, list]  # exist shares, operating shares, cover, limit sets


def _unit_sets(e: Facility | Route | Vehicle, infos: list[StageInfo], steps: list[StepInfo]
               ) -> UnitSets:
    """Time's shares of e's units (solvers.md, "Units"), the build stages covering each step
    and the maximal sets of them that unit_limit bounds."""
    exist, operate = unit_shares(e, infos, steps)
    cover = {s: [tau for tau, _ in shares] for s, shares in exist.items()}
    return exist, operate, cover, maximal_sets(cover)


def _add_units(p: Prepared, e: Facility | Route | Vehicle, names: list[str], sets: UnitSets
               ) -> None:
    """Record a buildable element's build keys, shares and unit-limit sets in p."""
    exist, operate, cover, limits = sets
    for s, taus in cover.items():
        p.cover[(e.name, s)] = taus
        p.exist_share[(e.name, s)] = exist[s]
    for s, shares in operate.items():
        p.op_share[(e.name, s)] = shares
    p.build_keys += [(e.name, tau) for tau in window(e, names)]
    p.unit_limits += [(e.name, s) for s in limits]


def flight_days(route: Route) -> float:
    """The route's time of flight in days (transit_days, or transit_years x 365.25)."""
    if route.transit_days is not None:
        return route.transit_days
    return (route.transit_years or 0.0) * 365.25


def _prepare_consumption(p: Prepared, r: Route, carried: list[str]) -> None:
    """consumed[(r, k)] = {B: x_kB x days_r}: what a tonne of k uses up over r's time of flight
    (solvers.md, "Routes": consumption in flight)."""
    days = flight_days(r)
    if days <= 0:
        return
    for c in p.inst.commodities:
        if c.name in carried and c.consumes_per_day:
            used = {b: x * days for b, x in c.consumes_per_day.items() if x > 0}
            if used:
                p.consumed[(r.name, c.name)] = used


def _prepare_vehicles(p: Prepared, prop: dict) -> None:
    """Vehicles: reusable ones are buildable fleets with time's shares (exact lifetime,
    commissioning); routes they fly get trips in the steps a vehicle can fly them (reusable: some
    of the fleet can operate; windowed: a window departs), and flows only there."""
    inst = p.inst
    if not inst.vehicles:
        return
    names = [s.name for s in p.stages]
    p.vehicle = {v.name: v for v in inst.vehicles}
    for v in inst.vehicles:
        if not v.reusable:
            continue
        p.buildable[v.name] = v
        _add_units(p, v, names, _unit_sets(v, p.stages, p.steps))
    flying: dict[str, set[str]] = {}
    for r in inst.routes:
        if r.vehicle is None:
            continue
        v = p.vehicle[r.vehicle]
        p.flown_by[r.name] = v.name
        phi, mix = vehicle_leg(r, v, prop)
        if v.tank_cargo is not False:  # the default: true
            p.tank_cargo[r.name] = frozenset(mix)
        spares = v.maintenance.per_trip * v.dry_mass if v.maintenance is not None else 0.0
        if spares > 0:
            assert v.maintenance is not None
            p.maintenance[r.name] = (v.maintenance.commodity, spares)
        p.burn[r.name] = {k: phi * sh for k, sh in mix.items()} if phi > 0 else {}
        # the dry mass and the maintenance supplies fly on every trip, full or not
        p.trip_burn[r.name] = ({k: phi * (v.dry_mass + spares) * sh for k, sh in mix.items()}
                               if phi > 0 else {})
        p.trip_years[r.name] = r.transit + (v.turnaround_days or 0.0) / 365.25
        steps = [s for s in p.route_stages[r.name]
                 if not v.reusable or (v.name, s) in p.op_share]
        p.route_stages[r.name] = steps
        flying[r.name] = set(steps)
        p.trip_keys += [(r.name, s) for s in steps]
        if v.integer_trips:
            p.trip_count_keys += [(r.name, s) for s in steps if p.step[s].years < 1]
    p.flow_keys = [(r, k, s) for (r, k, s) in p.flow_keys if r not in flying or s in flying[r]]
    _prepare_fleets(p)


def _prepare_hardware(p: Prepared) -> None:
    """Hardware may wait where it arrives for a build there (solvers.md, "Hardware"):
    hardware_stock[n,t] at the nodes a route brings it to, where it is bought or where a facility
    makes it, at the end of every step but the last, when some element needs hardware."""
    hw = p.inst.hardware_commodity
    if hw is None or not any(p.buildable[e].hardware_mass > 0 for e, _ in p.build_keys):
        return
    nodes = {p.route[r].to for (r, k, _) in p.flow_keys if k == hw}
    nodes |= {s.node for s in p.inst.supplies if s.commodity == hw}
    nodes |= {f.node for f in p.inst.facilities if hw in f.produces}
    p.hardware_keys = [(n, s.name) for n in sorted(nodes) for s in p.steps[:-1]]


def _prepare_fleets(p: Prepared) -> None:
    """Where reusable vehicles wait (parked[V,n,t] at the nodes of their routes other than the
    base, between two steps in which V operates) and what each variable uses of the fleet
    (solvers.md, vehicle_circulation and vehicle_fleet)."""
    nodes: dict[str, set[str]] = {}
    for x in p.inst.routes:
        flier = p.vehicle.get(x.vehicle or "")
        if flier is not None and flier.reusable:
            nodes.setdefault(flier.name, set()).update((x.from_, x.to))
    for v, at in sorted(nodes.items()):
        away = sorted(at - {p.vehicle[v].base})
        for now, nxt in p.next_step.items():
            if (v, now) in p.op_share and (v, nxt) in p.op_share:
                p.parked_keys += [(v, n, now) for n in away]
    start = p.inst.horizon.start_year
    busy = {x.name: busy_weights(x, p.steps, window_dates(x, start, p.end_year),
                                 p.trip_years[x.name])
            for x in p.inst.routes
            if x.name in p.flown_by and p.vehicle[p.flown_by[x.name]].reusable}
    for (r, t) in p.trip_keys:
        v = p.flown_by[r]
        if not p.vehicle[v].reusable:
            continue
        for there, u in busy[r][t]:  # time in a step where V cannot operate: not counted
            if (v, there) in p.op_share:
                p.fleet_use.setdefault((v, there), []).append(("trips", (r, t), u))
    for (v, n, t) in p.parked_keys:  # waiting through the end of t: half in t, half in the next
        for s in (t, p.next_step[t]):
            p.fleet_use.setdefault((v, s), []).append(("parked", (v, n, t), 0.5))
    # (V, n, t): a vehicle of V can be at n in t, away from its base (trips leave or reach it)
    reach: set[tuple[str, str, str]] = set()
    for (r, t) in p.trip_keys:
        flier = p.vehicle[p.flown_by[r]]
        if flier.reusable and not flier.returns:
            x = p.route[r]
            if x.from_ != flier.base:
                reach.add((flier.name, x.from_, t))
            if x.to != flier.base:
                reach.update((flier.name, x.to, there) for there, _ in p.arrivals(r, t))
    for v in sorted(nodes):
        if p.vehicle[v].returns:
            continue
        operating = [s.name for s in p.steps if (v, s.name) in p.op_share]
        keys = sorted(k for k in reach if k[0] == v)
        p.dispose_keys += keys
        for (_, n, t) in keys:  # gone for good: half in t (as one waiting), whole after it
            for later in (s for s in operating if p.step[s].index >= p.step[t].index):
                p.fleet_use.setdefault((v, later), []).append(
                    ("dispose", (v, n, t), 0.5 if later == t else 1.0))


def _end_values(p: Prepared) -> None:
    """End-of-horizon value (solvers.md): the linear credit V[e,tau] of units existing at Y_end,
    or the annuity P_e replacing the capex of units with a lifetime."""
    h = p.inst.horizon
    if h.end_value == "none":
        return
    rho = h.discount_rate
    for (e, tau) in p.build_keys:
        x = p.buildable[e]
        life, capex = x.lifetime_years, x.capex or 0.0
        if life is None or not capex:
            continue
        if h.end_value == "annuity":
            p.annuity[e] = capex / life if rho == 0 else capex * rho / (1 - (1 + rho) ** -life)
            continue
        rest = p.stage[tau].start_year + life - p.end_year
        if rest > EPS:
            p.end_credit[(e, tau)] = capex * min(1.0, rest / life)
