"""The extensive form of a scenario tree, and the figures that judge it (solvers.md, "Planning
under uncertainty"): each leaf's compiled model is a sub-block `leaf<i>` of one Pyomo model, with
nonanticipativity rows between the build variables of leaves that share a tree node, and the
expected cost as objective. Solved by the same solver path as any instance.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from ..compile import Compiled, Terms
from ..errors import UsageError
from ..gcpause import paused_gc
from ..model_file import check_model_path, write_model
from ..solve import Outcome, SolveOptions, run_solver
from ..status import Status

if TYPE_CHECKING:
    from ..compile import Extra
    from ..results import Solution
    from .plan import StochasticPlan
    from .tree import Tree


@dataclass
class Extensive:
    model: pyo.ConcreteModel
    leaves: list[Compiled]
    trivially_infeasible: list[str]


def build(sp: StochasticPlan, cuts: Any = None, extra: Extra | None = None,
          online: str | None = None) -> Extensive:
    """One model: leaf i's compiled model as block `leaf<i>`, NA rows, expected cost."""
    m = pyo.ConcreteModel(name=sp.base.instance.name)
    leaves, trivial = [], []
    with paused_gc():
        for i, (leaf, plan) in enumerate(zip(sp.tree.leaves, sp.leaves)):
            c = plan.build(cuts=cuts, extra=extra, online=online)
            c.model.objective.deactivate()
            m.add_component(f"leaf{i}", c.model)
            leaves.append(c)
            trivial += [f"leaf {leaf.name}: {why}" for why in c.trivially_infeasible]
        define_nonanticipativity(m, leaves, sp.tree)
        define_expected_cost(m, leaves, sp.tree)
    return Extensive(m, leaves, trivial)


def define_nonanticipativity(m: pyo.ConcreteModel, leaves: list[Compiled], tree: Tree) -> None:
    """build^l[e,t] = build^l0[e,t] for the leaves l of each node at t (l0 its first leaf); a
    build variable some leaves of the node lack is fixed to 0 in the others."""
    rows: list[tuple[Any, Any]] = []
    for k, stage in enumerate(tree.stages):
        for group in tree.groups(k):
            if len(group) < 2:
                continue
            keys = {key for i in group for key in leaves[i].v.build if key[1] == stage}
            for key in sorted(keys):
                have = [i for i in group if key in leaves[i].v.build]
                if len(have) < len(group):
                    for i in have:
                        leaves[i].v.build[key].fix(0)
                    continue
                first = leaves[have[0]].v.build[key]
                rows += [(leaves[i].v.build[key], first) for i in have[1:]]
    if not rows:
        return
    m.nonanticipativity = pyo.Constraint(range(len(rows)), rule=lambda m, j: (
        0.0, LinearExpression([MonomialTermExpression((1.0, rows[j][0])),
                               MonomialTermExpression((-1.0, rows[j][1]))]), 0.0))


def define_expected_cost(m: pyo.ConcreteModel, leaves: list[Compiled], tree: Tree) -> None:
    """min sum_l p_l z_l, z_l the leaf's own objective."""
    terms = Terms()
    for leaf, c in zip(tree.leaves, leaves):
        for v, coef in _linear(c.model.objective.expr):
            terms.add(v, leaf.probability * coef)
    m.expected_cost = pyo.Objective(expr=terms.expr(), sense=pyo.minimize)


def _linear(expr: Any) -> list[tuple[Any, float]]:
    from pyomo.repn.standard_repn import generate_standard_repn

    repn = generate_standard_repn(expr, quadratic=False)
    return list(zip(repn.linear_vars, (float(c) for c in repn.linear_coefs)))


# --- solving -----------------------------------------------------------------------------------

def solve(sp: StochasticPlan, options: SolveOptions | None = None, figures: bool = True,
          extra: Extra | None = None) -> Solution:
    """Solve the extensive form; with `figures`, also each leaf alone (WS), the mean-value
    instance (EV) and the extensive form with EV's here-and-now builds fixed (EEV): EVPI and VSS
    in `solution.stochastic`."""
    opts = options or SolveOptions()
    if opts.elastic:
        raise UsageError("--elastic is not available with an uncertainty tree yet; give the "
                         "demands a shortfall_penalty_per_t instead")
    timings = dict(sp.timings)
    t0 = time.perf_counter()
    if opts.write_model is not None:
        check_model_path(opts.write_model)
    ef = build(sp, opts.cuts, extra, opts.online)
    if opts.write_model is not None:
        write_model(ef.model, opts.write_model)  # the extensive form, one MIP
    timings["compile"] = time.perf_counter() - t0
    if ef.trivially_infeasible:
        outcome = Outcome(Status.infeasible, message="; ".join(ef.trivially_infeasible),
                          solver=opts.solver)
    else:
        outcome = run_solver(ef.model, opts)
    timings.update(outcome.timings)
    t1 = time.perf_counter()
    sol = _extract(sp, ef, outcome)
    timings["extract"] = time.perf_counter() - t1
    quiet = replace(opts, progress=None, explain=False, tee=False, write_model=None)
    assert sol.stochastic is not None
    if figures and outcome.status.has_solution and outcome.objective is not None:
        t2 = time.perf_counter()
        found = _figures(sp, ef, quiet, outcome.objective, extra)
        better = found.pop("better", None)
        if better is not None:
            # the EEV solve (EF with EV's here-and-now builds fixed) found a cheaper plan than
            # the EF's search, which a limit or the MIP gap stopped: keep it (the variables hold
            # it now). Still optimal within the gap if the EF was: its bound holds for any plan.
            status = Status.optimal if outcome.status is Status.optimal else Status.feasible
            outcome = replace(outcome, objective=better, status=status)
            sol = _extract(sp, ef, outcome)
            assert sol.stochastic is not None
            found["vss"] = 0.0
            if found["wait_and_see"] is not None:
                found["evpi"] = _difference(better, found["wait_and_see"])
            sol.message = "\n".join(x for x in (sol.message, (
                "the plan with the mean-value plan's here-and-now builds is cheaper than the "
                "extensive form's best (its search stopped at a limit or within the MIP gap): "
                "kept")) if x)
        if sol.gap is not None and sol.gap > 1e-6:
            from ..summary import money_text  # rich: only for this note
            found["note"] = (f"the extensive form is solved to a gap of {sol.gap:.2%}: EVPI and "
                             "VSS are uncertain by up to "
                             f"{money_text(sol.gap * abs(sol.objective or 0))}")
        assert sol.stochastic is not None
        sol.stochastic.update(found)
        timings["figures"] = time.perf_counter() - t2
    elif outcome.status is Status.infeasible and not ef.trivially_infeasible:
        alone = [leaf.name for leaf, plan in zip(sp.tree.leaves, sp.leaves)
                 if plan.solve(quiet, extra).status is Status.infeasible]
        why = (f"leaf {', '.join(alone)} is infeasible on its own" if alone else
               "every leaf is feasible on its own, but no build-out is feasible in all leaves "
               "that share a tree node")
        sol.message = "\n".join(x for x in (sol.message, why) if x)
    sol.timings = timings
    return sol


def _extract(sp: StochasticPlan, ef: Extensive, outcome: Outcome) -> Solution:
    """Each leaf's Solution from the model's values, and the expected Solution of them."""
    from ..results import extract

    leaf_sols = []
    for plan, c in zip(sp.leaves, ef.leaves):
        z = pyo.value(c.model.objective.expr) if outcome.status.has_solution else None
        leaf_sols.append(extract(plan.prepared, c, replace(outcome, objective=z, bound=None)))
    return expected_solution(sp, outcome, leaf_sols)


def _difference(a: float, b: float) -> float:
    """a - b, with solver noise (1e-9 relative) shown as 0."""
    d = a - b
    return 0.0 if abs(d) <= 1e-9 * max(1.0, abs(a), abs(b)) else d


def _figures(sp: StochasticPlan, ef: Extensive, opts: SolveOptions, sp_value: float,
             extra: Extra | None = None) -> dict[str, Any]:
    """WS, EVPI, EV, EEV, VSS (solvers.md). A figure whose solve finds no solution is None."""
    tree = sp.tree
    ws_parts = [plan.solve(opts, extra) for plan in sp.leaves]
    alone = [s.objective if s.status.has_solution else None for s in ws_parts]
    ws = (math.fsum(leaf.probability * z for leaf, z in zip(tree.leaves, alone) if z is not None)
          if all(z is not None for z in alone) else None)
    ev_sol = sp.mean_value_plan().solve(opts, extra)
    out: dict[str, Any] = {
        "wait_and_see": ws, "evpi": None if ws is None else _difference(sp_value, ws),
        "leaf_alone": alone,
        "mean_value": ev_sol.objective, "eev": None, "vss": None,
        "eev_status": None}
    if not ev_sol.status.has_solution:
        out["eev_status"] = "mean-value instance: " + ev_sol.status.value
        return out
    root = set(tree.root_stages)
    ev_units = {(b["name"], b["stage"]): b["units"] for b in ev_sol.builds}
    fixed = []
    for c in ef.leaves:
        for key, var in c.v.build.items():
            if key[1] in root and not var.fixed:
                var.fix(ev_units.get(key, 0))
                fixed.append(var)
    try:
        eev = run_solver(ef.model, opts)
    finally:
        for var in fixed:
            var.unfix()
    out["eev_status"] = eev.status.value
    if eev.status.has_solution and eev.objective is not None:
        out["eev"] = eev.objective
        out["vss"] = _difference(eev.objective, sp_value)
        if out["vss"] < 0:  # a limit or the gap stopped the SP solve: EEV's plan is SP-feasible
            out["better"] = eev.objective
    return out


# each leaf's own tables in solution.json (solution_schema.LeafRow), beside the expectation
LEAF_TABLES = ("builds", "costs", "online", "activities", "flows", "propellant", "supplies",
               "sales", "shortfalls", "stocks", "arrivals", "trips", "fleet", "parked")


def expected_solution(sp: StochasticPlan, outcome: Outcome, leaf_sols: list[Solution]
                      ) -> Solution:
    """The top-level Solution: here-and-now builds and online units (root stages), every other
    table the probability-weighted sum of the leaves'; `stochastic` the tree and each leaf."""
    from ..results import Solution, network_of

    tree, first = sp.tree, leaf_sols[0]
    inst = sp.base.instance
    root = set(tree.root_stages)
    sol = Solution(instance=inst.name, status=outcome.status, objective=outcome.objective,
                   bound=outcome.bound, gap=outcome.gap, objective_kind=inst.objective,
                   units=inst.units.model_dump(), message=outcome.message,
                   solver={"name": outcome.solver, "version": outcome.solver_version},
                   stages=first.stages, steps=first.steps, network=network_of(sp.base.prepared))
    probs = [leaf.probability for leaf in tree.leaves]
    has = outcome.status.has_solution
    if has:
        sol.builds = [b for b in first.builds if b["stage"] in root]
        sol.online = [o for o in first.online if o["stage"] in root]
        sol.fleet = [f for f in first.fleet if f["stage"] in root]  # vehicles: as online
        for table in ("activities", "flows", "propellant", "supplies", "sales", "shortfalls",
                      "costs", "stocks", "arrivals", "trips", "parked", "disposals"):
            setattr(sol, table, expected_rows([getattr(s, table) for s in leaf_sols], probs))
        order = {s["name"]: i for i, s in enumerate(sol.stages)}
        sol.costs.sort(key=lambda r: (order[r["stage"]], r.get("year") or 0, r["category"]))
    zs = [s.objective or 0.0 for s in leaf_sols]
    sol.stochastic = {
        "tree": tree_record(sp),
        "here_and_now": [dict(b) for b in sol.builds],
        "leaves": [{"name": leaf.name, "probability": leaf.probability,
                    "branches": dict(zip((n for n, _ in tree.branchings), leaf.branches)),
                    "objective": s.objective,
                    **{t: getattr(s, t) for t in LEAF_TABLES}}
                   for leaf, s in zip(tree.leaves, leaf_sols)],
        "expected_cost": outcome.objective if has else None,
        "spread": spread(zs, probs) if has else None,
    }
    return sol


def tree_record(sp: StochasticPlan) -> dict[str, Any]:
    """The tree as solution.json records it (solution_schema.TreeInfo)."""
    tree = sp.tree
    unc = sp.base.instance.uncertainty
    return {"kind": "sampled" if unc is not None and unc.sampled is not None else "branchings",
            "branchings": [{"name": name, "stage": tree.stages[k],
                            "branches": [{"name": b, "probability": p} for b, p, _ in outcomes]}
                           for (name, k), outcomes in zip(tree.branchings, tree.outcomes)],
            "root_stages": tree.root_stages}


def expected_rows(tables: list[list[dict]], probs: list[float]) -> list[dict]:
    """Rows keyed by their text and integer fields, float fields summed with weight p."""
    out: dict[tuple, dict] = {}
    for rows, p in zip(tables, probs):
        for r in rows:
            key = tuple((k, v) for k, v in r.items() if not isinstance(v, float))
            acc = out.get(key)
            if acc is None:
                acc = out[key] = {k: (0.0 if isinstance(v, float) else v) for k, v in r.items()}
            for k, v in r.items():
                if isinstance(v, float):
                    acc[k] += p * v
    return list(out.values())


def spread(values: list[float], probs: list[float]) -> dict[str, float]:
    """Min, max and probability-weighted standard deviation of the leaves' costs."""
    mu = math.fsum(p * z for p, z in zip(probs, values))
    var = math.fsum(p * (z - mu) ** 2 for p, z in zip(probs, values))
    return {"min": min(values), "max": max(values), "std": math.sqrt(max(var, 0.0))}
