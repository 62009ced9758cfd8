"""One run of a sweep: the base with the run's overrides, validated and solved through Plan."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..plan import Plan, values
from ..scenario import Override, Scenario, apply
from ..session import Session
from ..solve import SolveOptions, run_solver
from .table import BUILT, ERROR, FIXED_COLUMNS, INVALID, builds_cell, cell


@dataclass
class RunResult:
    run: int
    row: dict[str, str]
    seconds: float  # the whole run: validate, compile, solve, extract
    solve_seconds: float | None = None  # the solver alone
    started: bool | None = None  # whether HiGHS accepted the MIP start (None: none given)


def run_one(base: dict, run_id: int, settings: dict[str, Any], options: SolveOptions,
            elements: list[str], stage_order: list[str],
            start: dict | None = None, overrides: dict[str, Any] | None = None,
            session: Session | None = None) -> RunResult:
    """Apply `settings` to a copy of the raw base data, validate, solve (from the MIP start
    `start` if given, see `plan.values`; in `session` if given, which re-solves in place when the
    run changes only numbers): one table row. Never raises: a problem becomes the row's status
    and message."""

    t0 = time.perf_counter()
    row = {"run": str(run_id), **{p: cell(v) for p, v in settings.items()},
           **{c: "" for c in FIXED_COLUMNS}, **{BUILT + e: "" for e in elements}, "message": ""}
    try:
        sets = overrides if overrides is not None else settings  # settings: the table's cells
        data, locs = apply(base, {}, Scenario(set=[Override(p, v) for p, v in sets.items()]))
        plan = Plan.from_data(data, locs)
    except InputError as e:
        row.update(status=INVALID, message="; ".join(str(p) for p in e.problems))
        return RunResult(run_id, row, time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001  (a row, never a crash)
        row.update(status=ERROR, message=f"{type(e).__name__}: {e}")
        return RunResult(run_id, row, time.perf_counter() - t0)
    try:
        # solves are thread-safe (tests/test_threads.py): a Dask worker with several threads
        # runs several runs at once
        if plan.instance.uncertainty is not None:
            # the run's tree, solved as `netopt solve` solves it (the extensive form): the
            # objective is the expected cost, the builds are the here-and-now ones
            from ..stochastic.plan import StochasticPlan

            sol, started = StochasticPlan(plan, data, locs).solve(options, figures=False), None
        else:
            sol, outcome = (session.solve_outcome(plan, options, start=start) if session
                            else plan.solve_outcome(options, start=start))
            started = None if not start or outcome is None or outcome.mip_start is None \
                else bool(outcome.mip_start)
    except Exception as e:  # noqa: BLE001
        row.update(status=ERROR, message=f"{type(e).__name__}: {e}")
        return RunResult(run_id, row, time.perf_counter() - t0)
    row.update(status=sol.status.value, objective=cell(sol.objective), bound=cell(sol.bound),
               gap=cell(sol.gap), message=" | ".join((sol.message or "").splitlines()))
    if sol.status.has_solution:
        length = sol.step_lengths()  # rows are per step (year grain: one per year)
        row["shortfall_t"] = cell(round(sum(x["rate"] * length.get((x["stage"], x["year"]), 1)
                                            for x in sol.shortfalls), 9))
    for name in elements:
        row[BUILT + name] = builds_cell(sol.builds, name, stage_order)
    return RunResult(run_id, row, time.perf_counter() - t0, sol.timings.get("solve"), started)


# ---------------------------------------------------------------------------------------------
# Warm start: the base solution as a MIP start (SolveOptions.mip_start -> Highs.setSolution)


def base_start(plan: Plan, options: SolveOptions) -> tuple[dict[tuple, float] | None, str]:
    """Solve the base plan once: (its variable values as a start, or None; a note)."""

    compiled = plan.build(cuts=options.cuts, online=options.online)
    if compiled.trivially_infeasible:
        return None, "the base is infeasible: no warm start"
    t0 = time.perf_counter()
    outcome = run_solver(compiled.model, options)
    note = f"base solved in {time.perf_counter() - t0:.2f} s: {outcome.status.value}"
    if not outcome.status.has_solution:
        return None, note + "; no warm start"
    from ..summary import money_text  # rich: only for this note

    obj = outcome.objective
    return values(compiled), note + (f", objective {money_text(obj)}" if obj is not None else "")
