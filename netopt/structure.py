"""Structural checks before solving: what can never reach where, and numbers that will hurt.

Reachability is computed per operating step as a fixpoint over (node, commodity): a commodity is
available at a node if it is supplied there, made there by a facility whose inputs (and hardware)
are available, delivered by a usable route from a node where it and the route's propellant are
available (in the step the cargo arrives: transit and windows), held there at the start, or held
over from an earlier step where some facility can store it (hardware: wherever it arrives). A required demand that can never be reached makes the plan impossible: that is an error
in plain words, before any solve. Elements that can never work are warnings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from .errors import Path, Problem, format_path
from .params import Prepared

SPAN_LIMIT = 1e9
# HiGHS's documented limits (its options small_matrix_value, large_matrix_value, infinite_cost,
# infinite_bound): a matrix value at or below 1e-9 is dropped as zero, one above 1e15 refuses the
# model; a cost or bound of 1e20 or more is infinite. Refused here, where the field is known.
SMALL_MATRIX, LARGE_MATRIX, INFINITE = 1e-9, 1e15, 1e20


def available(p: Prepared) -> dict[str, set[tuple[str, str]]]:
    """Step -> set of (node, commodity) that can hold a positive amount in that step."""
    inst = p.inst
    hw = inst.hardware_commodity
    fac = p.facility
    route = p.route
    flows_by_stage: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (r, k, t) in p.flow_keys:
        flows_by_stage[t].append((r, k))
    acts_by_stage: dict[str, list[str]] = defaultdict(list)
    for (f, t) in p.act_keys:
        acts_by_stage[t].append(f)
    out: dict[str, set[tuple[str, str]]] = {}

    def hardware_ok(e: str, node: str, t: str, here: set) -> bool:
        x = p.buildable.get(e)
        if x is None or not x.mass:
            return True
        return any((node, hw) in (here if p.first_step[tau] == t else out[p.first_step[tau]])
                   for tau in p.cover[(e, t)])

    storable = p.storable()
    pending: dict[str, set[tuple[str, str]]] = defaultdict(set)  # cargo arriving in a later step
    held: set[tuple[str, str]] = set(p.initial_stock)
    for s in p.steps:
        t = s.name
        avail = {(inst.supplies[i].node, inst.supplies[i].commodity)
                 for (i, tt) in p.supply_keys if tt == t} | pending[t] | held
        changed = True
        while changed:
            changed = False
            for f in acts_by_stage[t]:
                x = fac[f]
                if all((x.node, k) in avail for k in x.consumes) and hardware_ok(f, x.node, t, avail):
                    for k in x.produces:
                        if (x.node, k) not in avail:
                            avail.add((x.node, k))
                            changed = True
            for r, k in flows_by_stage[t]:
                y = route[r]
                if ((y.from_, k) in avail
                        and all((y.from_, pk) in avail for pk in p.burn[r])
                        and (r not in p.tank_hardware or (y.from_, hw) in avail)
                        and (y.capex is None or hardware_ok(r, y.from_, t, avail))):
                    for there, _ in p.arrivals(r, t):
                        if there != t:
                            pending[there].add((y.to, k))
                        elif (y.to, k) not in avail:
                            avail.add((y.to, k))
                            changed = True
        out[t] = avail
        held = avail & storable
    return out


def _why_not(p: Prepared, node: str, k: str, t: str, avail: set[tuple[str, str]],
             flow_keys: set[tuple[str, str, str]]) -> str:
    """One level of explanation for (node, k) being unreachable in stage t."""
    inst = p.inst
    reasons = []
    for r in inst.routes:
        if r.to != node or (r.commodities is not None and k not in r.commodities):
            continue
        if t not in p.route_stages[r.name]:
            reasons.append(f"route {r.name} cannot be used in {t}")
        elif (r.name, k, t) not in flow_keys:
            reasons.append(f"route {r.name} cannot deliver {k}: {node} requires a depot for it "
                           f"and no depot can be online there in {t}")
        elif (r.from_, k) not in avail:
            reasons.append(f"route {r.name} has no {k} at {r.from_}")
        else:
            missing = [pk for pk in p.burn[r.name] if (r.from_, pk) not in avail]
            if missing:
                reasons.append(f"route {r.name} has no propellant {', '.join(missing)} at {r.from_}")
            elif r.name in p.tank_hardware and (r.from_, inst.hardware_commodity) not in avail:
                reasons.append(f"route {r.name} has no {inst.hardware_commodity} at {r.from_} "
                               f"for the tanks it uses up (tanks_expended)")
    for f in inst.facilities:
        if f.node == node and k in f.produces:
            if (f.name, t) not in p.op_share:
                reasons.append(f"facility {f.name} cannot be online in {t}")
            else:
                missing = [c for c in f.consumes if (node, c) not in avail]
                reasons.append(f"facility {f.name} lacks its input {', '.join(missing)}"
                               if missing else f"facility {f.name} lacks its hardware")
    if not reasons:
        return f"nothing supplies, produces or delivers {k} at {node}"
    return "; ".join(reasons)


def check_structure(p: Prepared) -> list[Problem]:
    inst = p.inst
    avail = available(p)
    flow_keys = set(p.flow_keys)
    problems: list[Problem] = []
    for i, d in enumerate(inst.demands):
        if d.kind == "market":
            continue
        bad = [t for t in p.step if (d.node, d.commodity, t) in p.demand
               and (d.node, d.commodity) not in avail[t]]
        if not bad:
            continue
        t = bad[0]
        stages = ", ".join(bad)
        why = _why_not(p, d.node, d.commodity, t, avail[t], flow_keys)
        if len(bad) > 1:
            why = f"in {t}: {why}"
        if d.shortfall_penalty_per_t is None:
            problems.append(Problem(
                f"demand for {d.commodity} at {d.node} can never be met in {stages}: {why}",
                ("demands", i)))
        else:
            problems.append(Problem(
                f"demand for {d.commodity} at {d.node} can never be met in {stages} and will be "
                f"paid as shortfall: {why}", ("demands", i), severity="warning"))
    ever = set().union(*avail.values()) if avail else set()
    hw = inst.hardware_commodity
    build_stages: dict[str, list[str]] = defaultdict(list)
    for e, t in p.build_keys:
        build_stages[e].append(t)
    for i, f in enumerate(inst.facilities):
        if f.mass and not any((f.node, hw) in avail[p.first_step[t]]
                              for t in build_stages[f.name]):
            problems.append(Problem(f"facility {f.name} can never be built: its hardware ({hw}) "
                                    f"never reaches {f.node} in a stage it can be built",
                                    ("facilities", i), severity="warning"))
            continue
        missing = [k for k in f.consumes if (f.node, k) not in ever]
        if missing:
            problems.append(Problem(f"facility {f.name} can never run: {', '.join(missing)} is "
                                    f"never available at {f.node}", ("facilities", i),
                                    severity="warning"))
    for i, r in enumerate(inst.routes):
        missing = [k for k in p.burn[r.name] if (r.from_, k) not in ever]
        if missing:
            problems.append(Problem(f"route {r.name} can never be used: its propellant "
                                    f"{', '.join(missing)} is never available at {r.from_}",
                                    ("routes", i), severity="warning"))
    depots = {f.node for f in inst.facilities if f.kind == "depot"}
    for i, n in enumerate(inst.nodes):
        if n.requires_depot and n.name not in depots and any(r.to == n.name for r in inst.routes):
            problems.append(Problem(
                f"node {n.name} requires a depot for {', '.join(n.requires_depot)} but has no "
                "depot candidate: routes can deliver none of them there", ("nodes", i),
                severity="warning"))
    limits = check_limits(p)
    return problems + (limits or check_span(p))


def _matrix_coefficients(p: Prepared) -> Iterator[tuple[float, Path]]:
    inst = p.inst
    lengths = {max(s.years for s in p.steps), min(s.years for s in p.steps)}  # mass / l_s
    for i, f in enumerate(inst.facilities):
        yield f.capacity, ("facilities", i, "capacity")
        for k, v in f.produces.items():
            yield v, ("facilities", i, "produces", k)
        for k, v in f.consumes.items():
            yield v, ("facilities", i, "consumes", k)
        if f.mass:
            yield from ((f.mass / years, ("facilities", i, "mass")) for years in lengths)
    for i, r in enumerate(inst.routes):
        if r.capacity is not None:
            yield r.capacity, ("routes", i, "capacity")
        if r.loss:
            yield 1 - r.loss, ("routes", i, "loss")
        for v in p.burn[r.name].values():
            yield v, ("routes", i)
    for i, f in enumerate(inst.facilities):
        if f.storage:
            yield f.storage, ("facilities", i, "storage")
    for i, veh in enumerate(inst.vehicles):
        yield veh.payload, ("vehicles", i, "payload")
        yield veh.tank, ("vehicles", i, "tank")
        yield veh.dry_mass, ("vehicles", i, "dry_mass")
        if veh.hardware_mass:
            field = "mass" if veh.mass is not None else "dry_mass"
            yield from ((veh.hardware_mass / years, ("vehicles", i, field)) for years in lengths)
    # stock kept over a step: (1 - b)^l multiplies the stock carried (params.Prepared.keep),
    # for the commodities held anywhere
    held = {k for (_, k) in p.storable()} | {k for (_, k) in p.initial_stock}
    for i, c in enumerate(inst.commodities):
        if c.boil_off_per_year and c.name in held:
            for years in sorted({s.years for s in p.steps}):
                yield (1.0 - c.boil_off_per_year) ** years, ("commodities", i,
                                                             "boil_off_per_year")


def _cost_coefficients(p: Prepared) -> Iterator[tuple[float, Path]]:
    inst = p.inst
    for i, f in enumerate(inst.facilities):
        yield f.capex, ("facilities", i, "capex")
        yield f.opex, ("facilities", i, "opex")
        yield f.variable_cost, ("facilities", i, "variable_cost")
    for i, veh in enumerate(inst.vehicles):
        yield veh.capex, ("vehicles", i, "capex")
        yield veh.opex, ("vehicles", i, "opex")
    for i, r in enumerate(inst.routes):
        for v in p.route_cost[r.name].values():
            yield v, ("routes", i, "cost_per_t")
        yield r.capex or 0.0, ("routes", i, "capex")
        yield r.opex, ("routes", i, "opex")
    for (i, _), v in p.supply_price.items():
        yield v, ("supplies", i, "price_per_t")
    for (i, _), v in p.sale_price.items():
        yield v, ("demands", i, "price_per_t")


def _extremes(items: Iterator[tuple[float, Path]]
              ) -> tuple[tuple[float, Path], tuple[float, Path]] | None:
    """The smallest and largest nonzero |value| with their paths (the first of equals), in one
    pass: 300k coefficients at 100k routes."""
    lo = hi = None
    for v, path in items:
        if v:
            a = abs(v)
            if lo is None or a < lo[0]:
                lo = (a, path)
            if hi is None or a > hi[0]:
                hi = (a, path)
    return None if lo is None or hi is None else (lo, hi)


def _amounts(p: Prepared) -> Iterator[tuple[float, Path]]:
    """Demand amounts: right-hand sides, and matrix values too (the linking cuts divide by
    them)."""
    for i, d in enumerate(p.inst.demands):
        for v in _each(d.amount):
            yield v, ("demands", i, "amount")
    for i, n in enumerate(p.inst.nodes):  # right-hand sides of the first step's balance
        for k, v in n.initial_stock.items():
            yield v, ("nodes", i, "initial_stock", k)


def _bounds(p: Prepared) -> Iterator[tuple[float, Path]]:
    for i, s in enumerate(p.inst.supplies):
        for v in _each(s.max_per_year):
            yield v, ("supplies", i, "max_per_year")
    for name, v in p.inst.budgets.items():
        yield v, ("budgets", name)


def _each(v: float | dict | None) -> list[float]:
    return [] if v is None else list(v.values()) if isinstance(v, dict) else [v]


def check_limits(p: Prepared) -> list[Problem]:
    """Errors for numbers HiGHS cannot take as written, each naming the field it comes from."""
    out = []
    for v, path in (*_matrix_coefficients(p), *_amounts(p)):
        a = abs(v)
        if 0 < a <= SMALL_MATRIX:
            out.append(Problem(f"makes a constraint coefficient of {v:.3g}; HiGHS treats values "
                               f"at or below {SMALL_MATRIX:.0e} as zero (check the units)", path))
        elif a > LARGE_MATRIX:
            out.append(Problem(f"makes a constraint coefficient of {v:.3g}; HiGHS refuses values "
                               f"above {LARGE_MATRIX:.0e} (check the units)", path))
    for v, path in _bounds(p):
        if abs(v) >= INFINITE:
            out.append(Problem(f"{v:.3g} is a limit HiGHS takes as infinite (from "
                               f"{INFINITE:.0e}): leave it out for no limit", path))
    for v, path in _cost_coefficients(p):
        if abs(v) >= INFINITE:
            out.append(Problem(f"{v:.3g} is a cost HiGHS takes as infinite (from {INFINITE:.0e})",
                               path))
    seen: set[Path] = set()  # one error per field (a price per stage repeats it)
    return [q for q in out if not (q.path in seen or seen.add(q.path))]  # type: ignore[func-returns-value]


def check_span(p: Prepared) -> list[Problem]:
    """Warn when constraint or objective coefficients span more than SPAN_LIMIT."""
    out = []
    for what, items in (("constraint", _matrix_coefficients(p)), ("cost", _cost_coefficients(p))):
        found = _extremes(items)
        if found is None:
            continue
        lo, hi = found
        if hi[0] / lo[0] > SPAN_LIMIT:
            out.append(Problem(
                f"{what} coefficients span {lo[0]:.3g} ({format_path(lo[1])}) to {hi[0]:.3g} "
                f"({format_path(hi[1])}), a ratio over {SPAN_LIMIT:.0e}: solvers lose accuracy; "
                "check the units", hi[1], severity="warning"))
    return out
