"""HiGHS backend: Pyomo model -> sparse matrices (Pyomo's standard-form compiler) -> highspy.

Loading the matrices in bulk is faster than handing HiGHS one row at a time, and owning the
highspy object lets netopt stop a solve cleanly: on Ctrl-C, at a watchdog deadline, or never
later than asked, keeping the best solution found so far. It also reports live progress.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .status import Status

# the watchdog cancels a solve this long after its time limit, and gives up waiting after as long
# again (HiGHS checks its limit only at certain points, and has overrun it in presolve)
WATCHDOG_GRACE = 5.0


@dataclass
class Progress:
    """What a long solve reports: seconds elapsed, incumbent, dual bound, relative gap."""

    elapsed: float
    incumbent: float | None
    bound: float | None
    gap: float | None


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) and abs(x) < 1e300 else None


def to_matrices(model: Any) -> Any:
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    return LinearStandardFormCompiler().write(model)  # min c x  s.t.  A x <= b


def build(repn: Any) -> tuple[Any, bool]:
    """(highspy.Highs holding the model in `repn`, whether it has integer columns)."""
    import highspy
    from pyomo.common.tee import capture_output

    cols = repn.columns
    n = len(cols)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = repn.A.shape[0]
    c = repn.c.toarray().ravel() if repn.c.shape[0] else np.zeros(n)
    lp.col_cost_ = c
    lp.offset_ = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    inf = highspy.kHighsInf
    lp.col_lower_ = np.array([inf * -1 if v.lb is None else v.lb for v in cols], dtype=float)
    lp.col_upper_ = np.array([inf if v.ub is None else v.ub for v in cols], dtype=float)
    lp.row_lower_ = np.full(lp.num_row_, -inf)
    lp.row_upper_ = np.asarray(repn.rhs, dtype=float)
    A = repn.A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    h_is_mip = any(v.is_integer() for v in cols)
    if h_is_mip:
        lp.integrality_ = [highspy.HighsVarType.kInteger if v.is_integer()
                           else highspy.HighsVarType.kContinuous for v in cols]
    with capture_output(capture_fd=True):  # the banner HiGHS prints from C++
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h, h_is_mip


def set_options(h: Any, options: dict[str, Any]) -> list[str]:
    """Apply options; return those HiGHS rejects ('name=value')."""
    import highspy

    return [f"{k}={v!r}" for k, v in options.items()
            if h.setOptionValue(k, v) != highspy.HighsStatus.kOk]


def run(h: Any, time_limit: float | None,
        on_progress: Callable[[Progress], None] | None = None,
        progress_every: float = 1.0, grace: float = WATCHDOG_GRACE) -> tuple[Any, str | None]:
    """Run HiGHS in a worker thread; the main thread stays free for Ctrl-C, the watchdog and
    progress. Returns (model status, message) — the message says why a solve was stopped."""
    latest: dict[str, float] = {}

    def watch(e: Any) -> None:
        out = e.data_out
        latest.update(incumbent=out.mip_primal_bound, bound=out.mip_dual_bound, gap=out.mip_gap)

    h.HandleUserInterrupt = True  # makes cancelSolve() stop HiGHS at its next check
    if on_progress is not None:
        h.cbMipInterrupt += watch
    start = time.perf_counter()
    deadline = None if time_limit is None else time_limit + max(grace, 0.1 * time_limit)
    stopped_by: str | None = None
    cancelled_at: float | None = None
    last_report = start
    h.startSolve()
    while True:
        try:
            done, _ = h.wait(0.1)
            if done:
                break
            now = time.perf_counter()
            if deadline is not None and stopped_by is None and now - start > deadline:
                stopped_by, cancelled_at = "watchdog", now
                h.cancelSolve()
            if cancelled_at is not None and now - cancelled_at > max(grace, 0.1 * (
                    time_limit or 0)):
                return None, ("HiGHS did not stop when asked; abandoned its run "
                              f"after {now - start:.1f} s")
            if on_progress is not None and now - last_report >= progress_every:
                last_report = now
                on_progress(Progress(now - start, _finite(latest.get("incumbent")),
                                     _finite(latest.get("bound")), _finite(latest.get("gap"))))
        except KeyboardInterrupt:
            if stopped_by == "interrupt":
                raise  # a second Ctrl-C: give up at once
            stopped_by, cancelled_at = "interrupt", time.perf_counter()
            h.cancelSolve()
    message = {"interrupt": "interrupted (Ctrl-C)",
               "watchdog": "stopped by the watchdog past the time limit"}.get(stopped_by or "")
    return h.getModelStatus(), message


def solve(model: Any, options: dict[str, Any], time_limit: float | None,
          on_progress: Callable[[Progress], None] | None = None) -> tuple[Status, dict[str, Any]]:
    """Solve `model` with HiGHS; load the values of the best solution into its variables.

    Returns (status, info) with objective, bound, message, version and phase timings."""
    import highspy

    MS = highspy.HighsModelStatus
    t0 = time.perf_counter()
    repn = to_matrices(model)
    h, is_mip = build(repn)
    info: dict[str, Any] = {"version": h.version()}
    rejected = set_options(h, options)
    if rejected:
        raise ValueError(f"HiGHS rejects option(s) {', '.join(rejected)} (unknown name or "
                         "invalid value; see HiGHS's option list)")
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if "threads" in options:
        # HiGHS's thread pool is global: a different size than the last solve's needs a reset,
        # or the run fails ("global scheduler has already been initialized")
        highspy.Highs.resetGlobalScheduler(True)
    t1 = time.perf_counter()
    status, message = run(h, time_limit, on_progress)
    if status == MS.kUnboundedOrInfeasible:  # presolve cannot tell; the solver without it can
        h.setOptionValue("presolve", "off")
        status, message = run(h, time_limit, on_progress)
    info["timings"] = {"handover": t1 - t0, "solve": time.perf_counter() - t1}
    info["message"] = message
    if status is None:
        return Status.no_solution, info
    if status == MS.kModelEmpty:  # nothing to decide: the objective is its constant
        info["objective"] = info["bound"] = h.getLp().offset_
        return Status.optimal, info
    hinfo = h.getInfo()
    has_solution = hinfo.primal_solution_status == 2  # 2: feasible
    if has_solution:
        values = h.getSolution().col_value
        for v, x in zip(repn.columns, values):
            v.set_value(x, skip_validation=True)
        info["objective"] = hinfo.objective_function_value
        if status == MS.kOptimal:
            info["bound"] = _finite(hinfo.mip_dual_bound) if is_mip else hinfo.objective_function_value
            return Status.optimal, info
        info["bound"] = _finite(hinfo.mip_dual_bound) if is_mip else None
        info["message"] = message or f"stopped before proving optimality: {status.name}"
        return Status.feasible, info
    if status == MS.kInfeasible or status == MS.kUnboundedOrInfeasible:
        return Status.infeasible, info
    if status == MS.kUnbounded:
        return Status.unbounded, info
    info["message"] = message or f"no solution found: {status.name}"
    return Status.no_solution, info
