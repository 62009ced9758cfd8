"""The cost–launch-mass front by the ε-constraint method (solvers.md, "The cost–launch-mass front").

Every point is a full solve of the Pyomo model of record: minimum cost with the launch mass
(tonnes bought on Earth's surface over the horizon) capped at ε, between the two single-objective
optima. Points another point dominates, and repeats, are dropped.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path as FsPath
from typing import Any

from .files import write_atomic
from .results import extract
from .solve import SolveOptions, run_solver
from .status import Status

# params (pydantic) and compile (Pyomo) are imported inside the functions that need them, as in
# plan.py, to keep them out of `import netopt`

REL = 1e-9  # relative tolerance of the lexicographic caps and of domination


class FrontError(Exception):
    """The front cannot be traced: no feasible plan (`status`), or no launch from Earth to
    trade (status None: the input's fault)."""

    def __init__(self, message: str, status: Status | None):
        super().__init__(message)
        self.status = status


@dataclass
class Point:
    """One plan of the front: its discounted cost, launch mass and what it builds when."""

    cost: float  # discounted, money
    launch_mass: float  # t over the horizon
    cap: float | None  # the ε this point was solved with (None: an end solved without a cap)
    status: str
    builds: list[dict] = field(default_factory=list)


@dataclass
class Front:
    """The traced front: its non-dominated points (cost, launch mass, builds), how many solved
    points were dropped as dominated or repeated, and how many solves it took."""

    instance: str
    units: dict[str, str]
    points: list[Point]  # non-dominated, by launch mass ascending
    dropped: int  # points solved but dominated or repeated
    solves: int

    def to_dict(self) -> dict[str, Any]:
        return {"instance": self.instance, "units": self.units, "solves": self.solves,
                "dropped": self.dropped,
                "points": [{"cost": p.cost, "launch_mass": p.launch_mass, "cap": p.cap,
                            "status": p.status, "builds": p.builds} for p in self.points]}


def launch_mass_of(prep: Any, sol: Any) -> float:
    """Tonnes bought on Earth's surface over the horizon in a solution, and the hulls lifted
    from it (solvers.md, launch_mass); `prep` is the instance's prepared data (params.prepare)."""
    from .params import earth_surface, launched_supplies  # pydantic: see above

    ground = {prep.supply_label[i] for i in launched_supplies(prep.inst)}
    length = sol.step_lengths()  # rows are per step: a stage's length counts each year again
    bought = sum(r["rate"] * length[(r["stage"], r["year"])] for r in sol.supplies
                 if r["supply"] in ground)
    surface = earth_surface(prep.inst)
    hulls = sum(r["trips"] * prep.vehicle[r["vehicle"]].dry_mass * length[(r["stage"], r["year"])]
                for r in sol.trips
                if r["from"] in surface and prep.vehicle[r["vehicle"]].reusable)
    return bought + hulls


def _solve(prep: Any, opts: Any, objective: str, cost_cap: float | None = None,
           launch_cap: float | None = None) -> Any:
    """Build the model with `objective` ('cost' | 'launch_mass') and optional caps; solve."""
    import pyomo.core as pyo  # Pyomo: see above

    from .compile import compile_model, cost_objective_terms, launch_mass_terms  # Pyomo

    c = compile_model(prep, cuts=opts.cuts)
    m = c.model
    if objective == "launch_mass":
        m.objective.deactivate()
        m.launch_objective = pyo.Objective(expr=launch_mass_terms(c, prep).expr(),
                                           sense=pyo.minimize)
    if cost_cap is not None:
        m.cost_cap = pyo.Constraint(expr=(None, cost_objective_terms(c).expr(), cost_cap))
    if launch_cap is not None:
        m.launch_cap = pyo.Constraint(expr=(None, launch_mass_terms(c, prep).expr(), launch_cap))
    if c.trivially_infeasible:
        raise FrontError("; ".join(c.trivially_infeasible), Status.infeasible)
    return extract(prep, c, run_solver(m, opts))


def trace(inst: Any, points: int = 5, options: Any = None) -> Front:
    """The non-dominated (cost, launch mass) plans of `inst` from `points` ε-constraint solves
    between the two single-objective optima, plus the ends' solves (solvers.md)."""
    from .params import launched_supplies, prepare  # pydantic: see above

    if points < 2:
        raise ValueError("a front needs at least 2 points")
    if inst.uncertainty is not None:
        from .errors import UsageError
        from .stochastic.tree import tree_of

        raise UsageError(f"{inst.name} has an uncertainty tree "
                         f"({len(tree_of(inst).leaves)} leaves): the front is traced for one "
                         "deterministic instance, not in expectation; trace a leaf's by giving "
                         "its values with --set, or solve the tree with netopt solve")
    opts = replace(options or SolveOptions(), progress=None, elastic=False)
    inst = inst.model_copy(update={"objective": "cost"})
    prep = prepare(inst)
    solved: list[Point] = []

    def point(sol: Any, cap: float | None) -> Point:
        if not sol.status.has_solution:
            raise FrontError(f"{sol.status.value}: {sol.message or 'no solution'}", sol.status)
        builds = [{k: b[k] for k in ("name", "stage", "units")} for b in sol.builds]
        return Point(sol.cost_total(), launch_mass_of(prep, sol), cap, sol.status.value, builds)

    try:
        first = _solve(prep, opts, "cost")
    except FrontError as e:  # infeasible before the solver: say why, as solve does
        raise FrontError(f"infeasible: {e}", Status.infeasible) from None
    if first.status is Status.infeasible:  # no plan at all, whatever the launch mass
        from .diagnose import explain_infeasible  # Pyomo: see above

        why = explain_infeasible(prep, replace(opts, mip_start=False))
        raise FrontError("infeasible: no plan meets every demand" + (f"\n{why}" if why else ""),
                         Status.infeasible)
    if not launched_supplies(inst):  # after the first solve: an infeasible plan says so first
        raise FrontError("nothing is bought on Earth's surface (no supply at a node of kind "
                         "surface on body Earth): there is no launch mass to trade", None)
    cheapest = point(first, None)
    c1 = cheapest.cost
    # the cost end, not weakly dominated: least launch mass among the cheapest plans
    cost_end = point(_solve(prep, opts, "launch_mass", cost_cap=c1 + REL * max(1.0, abs(c1))),
                     None)
    lightest = point(_solve(prep, opts, "launch_mass"), None)
    l0, l1 = lightest.launch_mass, cost_end.launch_mass
    solves = 3
    for i in range(points):
        eps = l0 + (l1 - l0) * i / (points - 1)
        cap = eps + REL * max(1.0, abs(eps))
        solved.append(point(_solve(prep, opts, "cost", launch_cap=cap), eps))
        solves += 1
    front = non_dominated(solved)
    return Front(inst.name, dict(inst.units.model_dump()), front, len(solved) - len(front), solves)


def non_dominated(points: list[Point]) -> list[Point]:
    """Points no other point dominates (no worse in cost and launch mass, better in one, within
    REL), one per repeated (cost, launch mass), by launch mass ascending."""
    def le(a: float, b: float) -> bool:
        return a <= b + REL * max(1.0, abs(b))

    def lt(a: float, b: float) -> bool:
        return a < b - REL * max(1.0, abs(b))

    out: list[Point] = []
    for p in sorted(points, key=lambda q: (q.launch_mass, q.cost)):
        if any(le(q.cost, p.cost) and le(q.launch_mass, p.launch_mass)
               and (lt(q.cost, p.cost) or lt(q.launch_mass, p.launch_mass)) for q in points):
            continue
        if any(le(q.cost, p.cost) and le(p.cost, q.cost) and le(q.launch_mass, p.launch_mass)
               and le(p.launch_mass, q.launch_mass) for q in out):
            continue  # a repeat of a point kept
        out.append(p)
    return out


def write(front: Front, out_dir: FsPath) -> list[FsPath]:
    """pareto.json, and pareto.png when matplotlib is installed. Returns the files written."""
    out_dir = FsPath(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "pareto.json"]
    write_atomic(written[0], json.dumps(front.to_dict(), indent=2) + "\n")
    try:  # matplotlib: optional (netopt[plot])
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return written
    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [p.launch_mass for p in front.points]
    ys = [p.cost for p in front.points]
    ax.plot(xs, ys, "o-", drawstyle="steps-post" if len(xs) > 1 else "default")
    ax.set_xlabel(f"launch mass from Earth's surface over the horizon ({front.units.get('mass', 't')})")
    ax.set_ylabel(f"discounted cost ({front.units.get('money', '')})")
    ax.set_title(f"{front.instance}: cost vs launch mass ({len(xs)} non-dominated plans)")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    png = out_dir / "pareto.png"
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    plt.close(fig)
    write_atomic(png, buf.getvalue())
    return [*written, png]
