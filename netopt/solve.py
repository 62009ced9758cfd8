"""Solve a compiled model: options -> solver -> normalized outcome (plan.py runs the pipeline)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError, Problem, UsageError
from .status import INTERRUPT_MESSAGES, Interrupted, Status, status_words

DEFAULT_SOLVER = "highs"

# time-limit and relative-gap option names of other solvers Pyomo drives (legacy interface)
_OPTION_NAMES = {
    "cbc": ("seconds", "ratioGap"),
    "glpk": ("tmlim", "mipgap"),
    "gurobi": ("TimeLimit", "MIPGap"),
    "gurobi_direct": ("TimeLimit", "MIPGap"),
    "gurobi_persistent": ("TimeLimit", "MIPGap"),
    "cplex": ("timelimit", "mipgap"),
    "cplex_direct": ("timelimit", "mipgap"),
    "scip": ("limits/time", "limits/gap"),
    "appsi_highs": ("time_limit", "mip_rel_gap"),
    "xpress": ("maxtime", "miprelstop"),
}


class SolverUnavailable(UsageError):
    """The requested solver is unknown to Pyomo or not installed."""


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: limits, solver and its options, and what to do besides the plain solve.

    The defaults give the same answer for the same input (a fixed seed), no time limit, HiGHS's
    own gap (1e-4), the valid inequalities of solvers.md and, if the plan is infeasible, an
    explanation in the instance's terms (`Solution.message`)."""

    time_limit: float | None = None
    """Seconds; the best solution found by then is kept (status feasible). None: no limit."""
    gap: float | None = None
    """Relative MIP gap at which the solve stops; None: the solver's default (HiGHS 1e-4)."""
    threads: int | None = None
    """Solver threads; None: the solver's default."""
    solver: str = DEFAULT_SOLVER
    """"highs" (netopt's own backend), or any solver Pyomo knows (cbc, glpk, gurobi, ...)."""
    seed: int = 0
    """The solver's random seed, fixed so that the same input gives the same answer."""
    tee: bool = False
    """Stream the solver's log."""
    solver_options: dict[str, Any] = field(default_factory=dict)
    """Options passed to the solver as they are, e.g. {"mip_heuristic_effort": 0.2}."""
    progress: Callable[[Any], None] | None = None
    """Called about once a second during a HiGHS solve with a highs.Progress."""
    elastic: bool = False
    """Meet as much required demand as possible, then at least cost; report what is unmet."""
    cuts: tuple[str, ...] | None = None
    """Valid inequalities to add (compile.CUTS); None: the defaults (all)."""
    online: str | None = None
    """How online[e,s] enters the rows that use it (compile.ONLINE_FORMS: "expression" or
    "variable", solvers.md "Units"); None: the default for the instance's resolution (variable
    at year grain, expression at stage grain). Changes no optimum."""
    explain: bool = True
    """When the plan is infeasible, solve again elastically to say why (Solution.message)."""
    mip_start: bool = False
    """For run_solver: the model's current variable values are a start (HiGHS only)."""
    race: int = 1
    """HiGHS copies racing seeds seed, seed+1, ... (race.py: the fewest nodes to a proof wins,
    so the answer does not depend on timing); 1: one plain solve. Plan.solve races; run_solver
    does not."""
    write_model: str | None = None
    """Write the MIP as built (cuts and extras included) to this .mps or .lp file before the
    solve (model_file.py), for any other solver; not with `elastic` (two models)."""


@dataclass
class Outcome:
    """What a solver run came to, whatever the solver: status, objective, bound, timings."""

    status: Status
    objective: float | None = None
    bound: float | None = None
    message: str | None = None
    solver: str = DEFAULT_SOLVER
    solver_version: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # handover, solve
    mip_start: bool | None = None  # with SolveOptions.mip_start: whether the solver took it

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        diff = abs(self.objective - self.bound)
        return 0.0 if diff <= 1e-9 * max(1.0, abs(self.objective)) else diff / max(
            abs(self.objective), 1e-10)


def run_solver(model: Any, opts: SolveOptions) -> Outcome:  # model: a Pyomo ConcreteModel
    """Solve `model` in memory and load the solution into its variables if there is one."""
    if opts.solver == DEFAULT_SOLVER:
        return _run_highs(model, opts)
    return _run_legacy(model, opts)


def highs_options(opts: SolveOptions) -> dict[str, Any]:
    """HiGHS's option values for `opts` (the time limit is passed on its own)."""
    options: dict[str, Any] = {"random_seed": opts.seed, "output_flag": opts.tee,
                               **opts.solver_options}
    if opts.gap is not None:
        options["mip_rel_gap"] = opts.gap
    if opts.threads is not None:
        options["threads"] = opts.threads
    return options


def highs_outcome(status: Status, info: dict[str, Any]) -> Outcome:
    """The Outcome of a HiGHS solve from netopt.highs's (status, info). Raises Interrupted when
    Ctrl-C or SIGTERM stopped HiGHS before it had a solution: nothing to keep (README: 130)."""
    if not status.has_solution and info.get("message") in INTERRUPT_MESSAGES:
        raise Interrupted("solving, before HiGHS had found a solution")
    return Outcome(status, objective=info.get("objective"), bound=info.get("bound"),
                   message=info.get("message"), solver="highs", solver_version=info["version"],
                   timings=info["timings"], mip_start=info.get("mip_start"))


def _run_highs(model: Any, opts: SolveOptions) -> Outcome:
    from . import highs  # Pyomo and highspy: imported only when solving with HiGHS

    try:
        status, info = highs.solve(model, highs_options(opts), opts.time_limit, opts.progress,
                                   mip_start=opts.mip_start)
    except highs.OptionsRejected as e:  # a usage error; the model's own faults are not
        raise SolverUnavailable(str(e)) from None
    except highs.ModelRefused as e:
        raise InputError([Problem(str(e))]) from None
    return highs_outcome(status, info)


def _run_legacy(model: Any, opts: SolveOptions) -> Outcome:
    import pyomo.environ as pyo  # Pyomo: imported only when a model is built or solved
    from pyomo.common.log import LoggingIntercept
    from pyomo.opt import SolutionStatus
    from pyomo.opt import TerminationCondition as TC

    # Pyomo logs an unknown name with a traceback before returning an unusable solver: the
    # user gets one clean error instead (and Pyomo's reason in it)
    said = io.StringIO()
    try:
        with LoggingIntercept(said, "pyomo"):
            solver = pyo.SolverFactory(opts.solver)
            available = solver is not None and solver.available(exception_flag=False)
    except Exception:  # noqa: BLE001  (Pyomo raises assorted errors for unknown names)
        available = False
    if not available:
        raise SolverUnavailable(f"solver '{opts.solver}' is not available to Pyomo on this machine")
    solver.options.update(opts.solver_options)
    names = _OPTION_NAMES.get(opts.solver)
    if names:
        if opts.time_limit is not None:
            solver.options[names[0]] = opts.time_limit
        if opts.gap is not None:
            solver.options[names[1]] = opts.gap
    t0 = time.perf_counter()
    res = solver.solve(model, load_solutions=False, tee=opts.tee)
    out = Outcome(Status.no_solution, solver=opts.solver,
                  timings={"handover": 0.0, "solve": time.perf_counter() - t0})
    tc = res.solver.termination_condition
    if len(res.solution) and res.solution(0).status in (
            SolutionStatus.optimal, SolutionStatus.feasible, SolutionStatus.bestSoFar):
        model.solutions.load_from(res)
        out.objective = pyo.value(model.objective)
        out.status = Status.optimal if tc == TC.optimal else Status.feasible
        lb = res.problem[0].lower_bound if len(res.problem) else None
        out.bound = lb if isinstance(lb, float) and abs(lb) < 1e300 else (
            out.objective if out.status is Status.optimal else None)
    elif tc in (TC.infeasible, TC.infeasibleOrUnbounded):
        out.status = Status.infeasible
    elif tc == TC.unbounded:
        out.status = Status.unbounded
    else:
        out.message = f"no solution found: {status_words(tc)}"
    return out
