"""Checks that need the whole instance: names, cross-references, stage windows, likely unit slips.

Each check returns `Problem`s with the path of the offending value; `load` adds file and line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .errors import Path, Problem, closest, format_path
from .params import TILE_EPS, flown_delta_v, launched_supplies, step_count, step_names
from .rocket import mass_ratio, max_delta_v_km_s
from .rocket import exponent as rocket_exponent
from .schema import DAYS_PER_YEAR, MAX_STEPS, Instance

# launch windows of one route inside the horizon (a window every day for 27 years)
MAX_WINDOWS = 10_000
# a mass ratio above e^20 (5e8 t of propellant per t of payload) is no transport leg
MAX_EXPONENT = 20.0


def _each(items: list) -> Iterable[tuple[int, Any]]:
    """Items with their index; None marks an item that failed validation (already reported)."""
    return ((i, x) for i, x in enumerate(items) if x is not None)


class _Refs:
    def __init__(self, inst: Instance, invalid_names: dict[str, set[str]]):
        # names of items that failed validation still count: no second error for their users
        extra = invalid_names
        self.stages = [s.name for s in inst.horizon.stages if s is not None]
        self.stages += sorted(extra.get("stages", set()) - set(self.stages))
        self.nodes = {n.name for _, n in _each(inst.nodes)} | extra.get("nodes", set())
        self.commodities = ({c.name for _, c in _each(inst.commodities)}
                            | extra.get("commodities", set()))
        self.propulsion = ({p.name for _, p in _each(inst.propulsion)}
                           | extra.get("propulsion", set()))
        self.vehicles = {v.name for _, v in _each(inst.vehicles)} | extra.get("vehicles", set())
        # per-stage mappings may also name a step (solvers.md, "Per-stage values")
        self.step_of = {n: t for n, t in step_names(inst.horizon).items() if n != t}
        self.problems: list[Problem] = []

    def ref(self, value: str | None, kind: str, names: Iterable[str], path: Path) -> None:
        names = names if isinstance(names, set | list) else set(names)
        if value is not None and value not in names:
            self.problems.append(Problem(f"unknown {kind} '{value}'{closest(value, names)}", path))

    def stage(self, value: str | None, path: Path) -> None:
        self.ref(value, "stage", self.stages, path)

    def keys(self, mapping: dict, kind: str, names: Iterable[str], path: Path) -> None:
        for key in mapping:
            self.ref(key, kind, names, path + (key,))

    def stage_map(self, value: object, path: Path, *, complete: bool, needed: list[str]) -> None:
        if not isinstance(value, dict):
            return
        self.keys(value, "stage", [*self.stages, *self.step_of], path)
        if complete:  # a step is priced by its own entry or its stage's
            missing = [s for s in needed if s not in value and self.step_of.get(s) not in value]
            if missing:
                self.problems.append(Problem(
                    f"a price given by stage must name every stage it is used in; missing: "
                    f"{', '.join(missing)}", path))

    def window(self, elem: object, path: Path) -> list[str]:
        """Check available_from/until; return the stages inside the window."""
        lo, hi = getattr(elem, "available_from"), getattr(elem, "available_until")
        self.stage(lo, path + ("available_from",))
        self.stage(hi, path + ("available_until",))
        i = self.stages.index(lo) if lo in self.stages else 0
        j = self.stages.index(hi) if hi in self.stages else len(self.stages) - 1
        if i > j:
            self.problems.append(Problem(
                f"available_from '{lo}' comes after available_until '{hi}'", path))
        return self.stages[i:j + 1]


def _unique(items: Iterable[tuple[str, Path]], what: str) -> list[Problem]:
    seen: dict[str, Path] = {}
    out = []
    for name, path in items:
        if name in seen:
            out.append(Problem(f"duplicate {what} name '{name}' (also {format_path(seen[name])})",
                               path + ("name",)))
        else:
            seen[name] = path
    return out


def check_instance(inst: Instance, invalid_names: dict[str, set[str]] | None = None
                   ) -> list[Problem]:
    """Cross-reference checks. `inst` may be partial (see load.partial_instance): list items that
    failed validation are None and `invalid_names` holds their names by section."""
    r = _Refs(inst, invalid_names or {})
    p = r.problems
    p += _unique(((s.name, ("horizon", "stages", i)) for i, s in _each(inst.horizon.stages)),
                 "stage")
    p += _unique(((c.name, ("commodities", i)) for i, c in _each(inst.commodities)), "commodity")
    p += _unique(((n.name, ("nodes", i)) for i, n in _each(inst.nodes)), "node")
    p += _unique(((x.name, ("propulsion", i)) for i, x in _each(inst.propulsion)), "propulsion")
    p += _unique([(f.name, ("facilities", i)) for i, f in _each(inst.facilities)]
                 + [(x.name, ("routes", i)) for i, x in _each(inst.routes)]
                 + [(v.name, ("vehicles", i)) for i, v in _each(inst.vehicles)],
                 "facility/route" + ("/vehicle" if inst.vehicles else ""))

    r.ref(inst.hardware_commodity, "commodity", r.commodities, ("hardware_commodity",))
    for i, n in _each(inst.nodes):
        for j, k in enumerate(n.requires_depot):
            r.ref(k, "commodity", r.commodities, ("nodes", i, "requires_depot", j))
    for i, x in _each(inst.propulsion):
        r.keys(x.propellant, "commodity", r.commodities, ("propulsion", i, "propellant"))
        if x.isp_s < 100 or x.isp_s > 100_000:
            p.append(Problem(f"isp_s {x.isp_s:g} s is outside 100..100000 s: a unit slip?",
                             ("propulsion", i, "isp_s"), severity="warning"))

    depot_nodes = {n.name for _, n in _each(inst.nodes) if n.requires_depot}
    first_mass: Path | None = None
    for i, f in _each(inst.facilities):
        path: Path = ("facilities", i)
        r.ref(f.node, "node", r.nodes, path + ("node",))
        r.keys(f.produces, "commodity", r.commodities, path + ("produces",))
        r.keys(f.consumes, "commodity", r.commodities, path + ("consumes",))
        r.window(f, path)
        if f.mass > 0 and first_mass is None:
            first_mass = path + ("mass",)
        if f.kind == "depot" and f.node in r.nodes and f.node not in depot_nodes:
            p.append(Problem(f"depot {f.name} gates nothing: its node '{f.node}' lists no "
                             "requires_depot commodities, so it will never be built",
                             path + ("node",), severity="warning"))
    props = {x.name: x for _, x in _each(inst.propulsion)}
    for i, x in _each(inst.routes):
        path = ("routes", i)
        r.ref(x.from_, "node", r.nodes, path + ("from",))
        r.ref(x.to, "node", r.nodes, path + ("to",))
        if x.from_ == x.to:
            p.append(Problem("a route must join two different nodes", path + ("to",)))
        r.ref(x.propulsion, "propulsion", r.propulsion, path + ("propulsion",))
        for j, k in enumerate(x.commodities or []):
            r.ref(k, "commodity", r.commodities, path + ("commodities", j))
        if isinstance(x.propellant_per_t, dict):
            r.keys(x.propellant_per_t, "commodity", r.commodities, path + ("propellant_per_t",))
        used = r.window(x, path)
        r.stage_map(x.cost_per_t, path + ("cost_per_t",), complete=True, needed=used)
        if x.mass > 0 and first_mass is None:
            first_mass = path + ("mass",)
        for field in ("delta_v_km_s", "return_delta_v_km_s"):
            dv = getattr(x, field)
            if dv is not None and dv > 30:
                p.append(Problem(f"{dv:g} km/s is more than 30 km/s: given in m/s?",
                                 path + (field,), severity="warning"))
            prop = props.get(x.propulsion)
            if dv is not None and prop is not None:
                exponent = rocket_exponent(dv, prop.isp_s, prop.g0)
                if exponent > MAX_EXPONENT:
                    p.append(Problem(
                        f"the rocket equation gives a mass ratio of e^{exponent:.3g} for "
                        f"{dv:g} km/s at Isp {prop.isp_s:g} s: no vehicle can fly this leg",
                        path + (field,)))

    p += _unflyable_legs(inst)
    p += _expended_tanks_need_hardware(inst)
    p += _vehicles(inst, r)
    p += _launch_mass_counts_something(inst)

    for i, s in _each(inst.supplies):
        path = ("supplies", i)
        r.ref(s.node, "node", r.nodes, path + ("node",))
        r.ref(s.commodity, "commodity", r.commodities, path + ("commodity",))
        r.stage_map(s.max_per_year, path + ("max_per_year",), complete=False, needed=[])
        used = (r.stages if not isinstance(s.max_per_year, dict)
                else [t for t, v in s.max_per_year.items() if v > 0])
        r.stage_map(s.price_per_t, path + ("price_per_t",), complete=True, needed=used)
    for i, d in _each(inst.demands):
        path = ("demands", i)
        r.ref(d.node, "node", r.nodes, path + ("node",))
        r.ref(d.commodity, "commodity", r.commodities, path + ("commodity",))
        r.stage_map(d.amount, path + ("amount",), complete=False, needed=[])
        used = (r.stages if not isinstance(d.amount, dict)
                else [t for t, v in d.amount.items() if v > 0])
        r.stage_map(d.price_per_t, path + ("price_per_t",), complete=True, needed=used)
    r.keys(inst.budgets, "stage", r.stages, ("budgets",))
    p += _steps(inst)
    p += _time_checks(inst, r)

    for i, v in _each(inst.vehicles):
        if v.hardware_mass > 0 and first_mass is None:
            first_mass = ("vehicles", i, "mass" if v.mass is not None else "dry_mass")
    if first_mass is not None and inst.hardware_commodity is None:
        p.append(Problem("mass needs a hardware_commodity (a top-level key naming the commodity "
                         "that carries facility and vehicle mass)", first_mass))
    if getattr(inst, "uncertainty", None) is not None:
        from .stochastic.checks import check_tree

        p += check_tree(inst)
    return p


def _unflyable_legs(inst: Instance) -> list[Problem]:
    """Routes whose tanks (tank_mass_ratio s) make the leg impossible for one stage:
    (R R_ret - 1) s >= 1, i.e. delta-v (+ return) >= Isp g0 ln(1 + 1/s) (solvers.md, "Tankage")."""
    props = {x.name: x for _, x in _each(inst.propulsion)}
    out = []
    for i, x in _each(inst.routes):
        prop = props.get(x.propulsion)
        s = x.tank_mass_ratio
        if not s or x.delta_v_km_s is None or prop is None:
            continue
        dv, back = flown_delta_v(x)
        total = dv + (back or 0.0)
        if total * 1000.0 / (prop.isp_s * prop.g0) > MAX_EXPONENT:
            continue  # reported as a mass ratio no vehicle has
        if (mass_ratio(total, prop.isp_s, prop.g0) - 1.0) * s < 1.0:
            continue
        most = max_delta_v_km_s(prop.isp_s, s, prop.g0)
        trip = f"{dv:.4g} km/s" if back is None else f"{dv:.4g} km/s out + {back:.4g} km/s back"
        if x.delta_v_reserve:
            trip += f" (with its {x.delta_v_reserve:.0%} reserve)"
        allowed = (f"the largest delta-v it allows is Isp g0 ln(1 + 1/s) = {most:.4g} km/s"
                   if back is None else
                   f"the largest it allows is Isp g0 ln(1 + 1/s) = {most:.4g} km/s out and back "
                   f"together ({max(most - back, 0.0):.4g} km/s out with this return)")
        out.append(Problem(
            f"route '{x.name}' cannot be flown by one stage: {trip} at Isp {prop.isp_s:g} s "
            f"with tank_mass_ratio {s:g}; {allowed}",
            ("routes", i, "delta_v_km_s")))
    return out


def _expended_tanks_need_hardware(inst: Instance) -> list[Problem]:
    """Expended tanks are drawn as the hardware_commodity (solvers.md, "Tankage"): an instance
    without one would fly them without ever launching them."""
    if inst.hardware_commodity is not None:
        return []
    return [Problem(f"route '{x.name}' uses up its tanks (tank_mass_ratio {x.tank_mass_ratio:g}, "
                    f"no return_delta_v_km_s), drawn as hardware at {x.from_}, and the instance "
                    f"names no hardware_commodity: name one, or set tanks_expended: false",
                    ("routes", i, "tank_mass_ratio"))
            for i, x in _each(inst.routes) if x.vehicle is None and x.expends_tanks]


def _launch_mass_counts_something(inst: Instance) -> list[Problem]:
    """objective launch_mass counts supplies on Earth's surface: without one it would be 0."""
    if inst.objective != "launch_mass" or launched_supplies(inst):
        return []
    return [Problem("objective launch_mass counts the supplies at nodes of kind surface on body "
                    "Earth, and this instance has none", ("objective",))]


def _vehicles(inst: Instance, r: _Refs) -> list[Problem]:
    """Vehicles' references, and legs whose empty vehicle needs more propellant than its tank
    holds: (R - 1) m_V > T_V (solvers.md, "Vehicles")."""
    out: list[Problem] = []
    vehicles = {v.name: v for _, v in _each(inst.vehicles)}
    props = {x.name: x for _, x in _each(inst.propulsion)}
    all_k = sorted(r.commodities)
    for i, v in _each(inst.vehicles):
        path: Path = ("vehicles", i)
        r.ref(v.propulsion, "propulsion", r.propulsion, path + ("propulsion",))
        r.ref(v.base, "node", r.nodes, path + ("base",))
        r.window(v, path)
        if v.maintenance is not None:
            r.ref(v.maintenance.commodity, "commodity", r.commodities,
                  path + ("maintenance", "commodity"))
        prop = props.get(v.propulsion)
        if v.tank_cargo is True and prop is not None:
            carried = {k for _, x in _each(inst.routes) if x.vehicle == v.name
                       for k in (x.commodities if x.commodities is not None else all_k)}
            if not carried & set(prop.propellant):
                out.append(Problem(
                    f"tank_cargo: true, but no route flown by '{v.name}' carries its propellant "
                    f"({', '.join(sorted(prop.propellant))}) in its commodities",
                    path + ("tank_cargo",)))
    for i, c in _each(inst.commodities):
        r.keys(c.consumes_per_day, "commodity", r.commodities, ("commodities", i, "consumes_per_day"))
    for i, x in _each(inst.routes):
        if x.vehicle is None:
            continue
        path = ("routes", i)
        r.ref(x.vehicle, "vehicle", r.vehicles, path + ("vehicle",))
        v = vehicles.get(x.vehicle)
        prop = props.get(v.propulsion) if v is not None else None
        if v is None or prop is None or x.delta_v_km_s is None:
            continue
        dv, _ = flown_delta_v(x)
        if dv * 1000.0 / (prop.isp_s * prop.g0) > MAX_EXPONENT:
            continue
        empty = (mass_ratio(dv, prop.isp_s, prop.g0) - 1.0) * v.dry_mass
        if empty > v.tank:
            most = prop.isp_s * prop.g0 * math.log1p(v.tank / v.dry_mass) / 1000.0
            out.append(Problem(
                f"route '{x.name}' cannot be flown by vehicle '{v.name}': even empty it burns "
                f"{empty:.4g} t over {dv:.4g} km/s, more than its tank of {v.tank:g} t; the "
                f"largest delta-v its tank allows is Isp g0 ln(1 + tank/dry_mass) = "
                f"{most:.4g} km/s", path + ("delta_v_km_s",)))
    out += _one_way_fleets(inst, vehicles)
    return out


def _one_way_fleets(inst: Instance, vehicles: dict[str, Any]) -> list[Problem]:
    """Reusable vehicles circulate: a route of V into a node that no route of V leaves (or out
    of one that none enters) can never be flown. Said as a warning, naming the route."""
    ins: dict[tuple[str, str], int] = {}
    outs: dict[tuple[str, str], int] = {}
    for i, x in _each(inst.routes):
        v = vehicles.get(x.vehicle) if x.vehicle is not None else None
        if v is not None and v.reusable:
            ins.setdefault((v.name, x.to), i)
            outs.setdefault((v.name, x.from_), i)
    problems = []
    for i, x in _each(inst.routes):
        v = vehicles.get(x.vehicle) if x.vehicle is not None else None
        if v is None or not v.reusable or not v.returns:  # (those may end anywhere)
            continue
        if (v.name, x.to) not in outs:
            where = f"no route of '{v.name}' leaves {x.to}"
        elif (v.name, x.from_) not in ins:
            where = f"no route of '{v.name}' arrives at {x.from_}"
        else:
            continue
        problems.append(Problem(
            f"route '{x.name}' can never be flown: {where}, and a reusable vehicle comes back "
            f"(add the return leg, or make the vehicle reusable: false)", ("routes", i, "vehicle"),
            severity="warning"))
    flown = {name for name, _ in ins}
    for j, v in _each(inst.vehicles):
        if v.reusable and v.name in flown and v.base is not None and (v.name, v.base) not in outs:
            problems.append(Problem(
                f"vehicle '{v.name}' can never leave its base {v.base}: none of its routes "
                f"starts there, and its vehicles start every tour from the base (solvers.md, "
                f"vehicle_circulation)", ("vehicles", j, "base"), severity="warning"))
    return problems
def _steps(inst: Instance) -> list[Problem]:
    """Operating steps (solvers.md, "Steps"): explicit steps inside their stage, step names
    unique, and at most MAX_STEPS steps in all, counted before any is built."""
    out: list[Problem] = []
    h = inst.horizon
    default = getattr(h, "resolution", "stage")
    stages = list(_each(getattr(h, "stages", None) or []))
    counts = [(step_count(st, default), i, st) for i, st in stages]
    total = sum(n for n, _, _ in counts)
    if total > MAX_STEPS:
        n, i, st = max(counts, key=lambda c: c[0])
        field: Path = (("horizon", "stages", i, "steps") if st.steps else
                       ("horizon", "stages", i, "resolution") if st.resolution else
                       ("horizon", "resolution"))
        out.append(Problem(f"{total:,} operating steps ({n:,} in stage '{st.name}'): more than "
                           f"the {MAX_STEPS:,} netopt accepts; use longer steps or "
                           f"resolution: stage where the plan needs no detail", field))
        return out
    seen: dict[str, Path] = {}
    start = getattr(h, "start_year", 0) or 0
    year = start
    for i, st in stages:
        path: Path = ("horizon", "stages", i)
        names: list[tuple[str, Path]] = []
        if st.steps:
            at = 0.0
            for j, x in enumerate(st.steps):
                at += x.length
                names.append((x.name or f"{st.name}.{j + 1}", path + ("steps", j, "name")))
                if at > st.years + TILE_EPS:
                    given = "days" if x.days is not None else "years"
                    out.append(Problem(
                        f"the steps of stage '{st.name}' ({year}-{year + st.years}) end "
                        f"{(at - st.years) * DAYS_PER_YEAR:g} days after it: steps must tile "
                        f"their stage (the rest of the stage is one more step)",
                        path + ("steps", j, given)))
                    break
            if st.years - at > TILE_EPS:
                names.append((f"{st.name}.{len(st.steps) + 1}", path + ("steps",)))
        elif (st.resolution or default) == "year":
            names += [(str(y), path) for y in range(year, year + st.years)]
        else:
            names.append((st.name, path + ("name",)))
        for name, where in names:
            if name in seen:
                out.append(Problem(f"step name '{name}' is used twice (step names are unique "
                                   f"across the horizon; stage and year grain name steps after "
                                   f"their stage or start year)", where))
            seen.setdefault(name, where)
        year += st.years
    return out


def _time_checks(inst: Instance, r: _Refs) -> list[Problem]:
    """Transit, windows, storage and initial stock (solvers.md, "Steps" to "Stockpiles")."""
    out: list[Problem] = []
    stages = [s for s in inst.horizon.stages if s is not None]
    given = getattr(inst.horizon, "start_year", None)  # None: invalid, already reported
    start = given or 0
    end = start + sum(s.years for s in stages)
    for i, n in _each(inst.nodes):
        r.keys(n.initial_stock, "commodity", r.commodities, ("nodes", i, "initial_stock"))
    for i, x in _each(inst.routes if given is not None else []):
        path: Path = ("routes", i)
        if x.transit >= end - start:
            field = "transit_days" if x.transit_days is not None else "transit_years"
            out.append(Problem(f"a transit of {x.transit:g} years is not shorter than the horizon "
                               f"({end - start} years, {start}-{end}): nothing would arrive",
                               path + (field,)))
        w = x.windows
        if w is not None:
            first, period = w.first_year(start), w.period
            given_first = "first_day" if w.first_day is not None else "first"
            k = math.ceil((start - first) / period - 1e-9)
            if first + k * period >= end - 1e-9:
                out.append(Problem(f"no launch window inside the horizon ({start}-{end}): the "
                                   f"windows are {first:g} + k x {period:g} years",
                                   path + ("windows", given_first)))
            elif (end - start) / period > MAX_WINDOWS:
                given_every, period_text = (("every_days", f"{w.every_days:g} days")
                                            if w.every_days is not None
                                            else ("every_years", f"{w.every_years:g} years"))
                out.append(Problem(
                    f"a window every {period_text} makes {(end - start) / period:,.0f} launch "
                    f"windows in the horizon ({start}-{end}), more than the {MAX_WINDOWS:,} "
                    "netopt accepts per route: leave windows out for departures at any time",
                    path + ("windows", given_every)))
    # where each commodity can ever be: brought by a route, made, supplied or held at the start
    present: set[tuple[str, str]] = set()
    every = sorted(r.commodities)
    for _, x in _each(inst.routes):
        present.update((x.to, k) for k in (x.commodities if x.commodities is not None else every))
    for _, f in _each(inst.facilities):
        present.update((f.node, k) for k in f.produces)
    for _, s in _each(inst.supplies):
        present.add((s.node, s.commodity))
    for _, n in _each(inst.nodes):
        present.update((n.name, k) for k in n.initial_stock)
    for i, f in _each(inst.facilities):
        path = ("facilities", i)
        for j, k in enumerate(f.stores or []):
            r.ref(k, "commodity", r.commodities, path + ("stores", j))
        if f.storage and f.stores != []:
            stored = f.stores if f.stores is not None else every
            if not any((f.node, k) in present for k in stored):
                out.append(Problem(
                    f"storage at {f.node} with nothing to store: no route brings, no facility "
                    f"makes, no supply sells and no initial stock holds "
                    f"{', '.join(stored)} there", path + ("storage",)))
    return out
