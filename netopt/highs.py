"""HiGHS backend: Pyomo model -> sparse arrays -> highspy, in bulk.

Loading the matrices in bulk is faster than handing HiGHS one row at a time, and owning the
highspy object lets netopt stop a solve cleanly: on Ctrl-C, at a watchdog deadline, or never
later than asked, keeping the best solution found so far. It also reports live progress.
"""

from __future__ import annotations

import atexit
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from pyomo.common.tee import capture_output
from pyomo.core.base.constraint import Constraint
from pyomo.core.base.objective import Objective
from pyomo.core.base.var import ScalarVar, Var, VarData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.expr.relational_expr import (
    EqualityExpression,
    InequalityExpression,
    RangedExpression,
)
from pyomo.repn.standard_repn import generate_standard_repn

from .gcpause import paused_gc
from .status import Status, status_words

# the watchdog cancels a solve this long after its time limit, and gives up waiting after as long
# again (HiGHS checks its limit only at certain points, and has overrun it in presolve)
WATCHDOG_GRACE = 5.0
INTERRUPT_GRACE = 120.0  # seconds HiGHS gets to stop after Ctrl-C before it is abandoned

# HiGHS prints its banner from C++ to the process's stdout, once per process, in the constructor of
# its first Highs object. That object is made here, at import (under Python's import lock, so in
# one thread), with the output captured: no solve ever redirects the process's stdout.
with capture_output(capture_fd=True):
    highspy.Highs()


class _Scheduler:
    """HiGHS's thread pool is global to the process, sized by the first solve's `threads`; a
    solve asking for another size needs it reset, which must not happen under a running solve.
    Solves asking for the pool's size (or for none) run together; one asking for another size
    waits until the running ones end, then resets the pool."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._size: int | None = None  # threads of the pool as last set, None: never set
        self._running = 0

    @contextmanager
    def use(self, threads: int | None) -> Iterator[None]:
        with self._cond:
            if threads is not None:
                self._cond.wait_for(lambda: self._running == 0 or self._size == threads)
                if self._size != threads:
                    highspy.Highs.resetGlobalScheduler(True)
                    self._size = threads
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()


SCHEDULER = _Scheduler()  # mirrors HiGHS's own process-wide pool: one per process


@dataclass
class Progress:
    """What a long solve reports: seconds elapsed, incumbent, dual bound, relative gap."""

    elapsed: float
    incumbent: float | None
    bound: float | None
    gap: float | None


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) and abs(x) < 1e300 else None


@dataclass
class Matrices:
    """A linear model as HiGHS takes it: min (or max) cost·x + offset subject to
    row_lower <= A x <= row_upper and col_lower <= x <= col_upper, some x integer. A is row-wise
    (start, index, value); `columns` are the Pyomo variables in column order."""

    columns: list
    cost: np.ndarray
    offset: float
    maximize: bool
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray  # column indices
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray


_NUMBER: frozenset[type[float]] = frozenset({int, float})
_VARIABLE = frozenset({VarData, ScalarVar})
_INF = float("inf")


def to_matrices(model: Any) -> Matrices:
    with paused_gc():
        return _to_matrices(model)


def _to_matrices(model: Any) -> Matrices:
    """Read the rows of `model` straight off its expressions into arrays.

    netopt writes every row and the objective as a LinearExpression compared with constants, so
    reading them is a walk over its terms; anything else goes through Pyomo's standard_repn.
    Columns are the model's variables in declaration order; rows keep the model's order and
    their own sense (no >= row is negated). A (row, column) entry may repeat: `build` sums them."""
    cols = list(model.component_data_objects(Var, active=True))
    col = {id(v): i for i, v in enumerate(cols)}
    objectives = list(model.component_data_objects(Objective, active=True))
    if len(objectives) != 1:
        raise ValueError(f"the model has {len(objectives)} active objectives; HiGHS needs one")
    obj = objectives[0]
    lower: list[float] = []
    upper: list[float] = []
    index: list[int] = []
    value: list[float] = []
    offset = _terms(obj.expr, col, index, value)
    n_obj = len(index)
    starts: list[int] = [n_obj]
    for con in model.component_data_objects(Constraint, active=True):
        lo, body, up = _row(con)
        const = _terms(body, col, index, value)
        lower.append(lo - const)
        upper.append(up - const)
        starts.append(len(index))
    inf = _highs_inf()
    cost = np.zeros(len(cols))
    np.add.at(cost, np.asarray(index[:n_obj], dtype=np.int64), np.asarray(value[:n_obj]))
    idx = np.asarray(index[n_obj:], dtype=np.int32)
    val = np.asarray(value[n_obj:], dtype=float)
    ptr = np.asarray(starts, dtype=np.int64) - n_obj
    lb = np.fromiter((-inf if v.lb is None else v.lb for v in cols), float, len(cols))
    ub = np.fromiter((inf if v.ub is None else v.ub for v in cols), float, len(cols))
    for i, v in enumerate(cols):
        if v.fixed:
            lb[i] = ub[i] = v.value
    integer = np.flatnonzero(np.fromiter((v.is_integer() for v in cols), bool, len(cols)))
    return Matrices(cols, cost, float(offset), obj.sense == -1, lb, ub, integer,
                    np.clip(np.asarray(lower, dtype=float), -inf, inf),
                    np.clip(np.asarray(upper, dtype=float), -inf, inf),
                    ptr.astype(np.int32), idx, val)


def row_entries(con: Any, col: dict[int, int]) -> tuple[float, dict[int, float], float]:
    """(lower, {column: coefficient}, upper) of a Pyomo constraint as `to_matrices` hands it
    over (the body's constant moved to the bounds, repeated columns summed); `col` maps
    id(variable) to its column."""
    lo, body, up = _row(con)
    index: list[int] = []
    value: list[float] = []
    const = _terms(body, col, index, value)
    coef: dict[int, float] = {}
    for j, x in zip(index, value):
        coef[j] = coef.get(j, 0.0) + x
    return lo - const, coef, up - const


def _terms(expr: Any, col: dict[int, int], index: list[int], value: list[float]) -> float:
    """Append the columns and coefficients of linear `expr` to index/value; return its constant."""
    if expr.__class__ is LinearExpression:
        args = expr._args_
        if all(a.__class__ is MonomialTermExpression for a in args):  # netopt writes c·x only
            pairs = [a._args_ for a in args]
            if all(c.__class__ in _NUMBER and v.__class__ in _VARIABLE for c, v in pairs):
                index += [col[id(v)] for _, v in pairs]
                value += [c for c, _ in pairs]
                return 0.0
    repn = generate_standard_repn(expr, quadratic=False)
    if not repn.is_linear():
        raise ValueError(f"HiGHS takes linear models only; not linear: {expr}")
    index += [col[id(v)] for v in repn.linear_vars]
    value += [float(c) for c in repn.linear_coefs]
    return float(repn.constant)


def _sum_repeated(idx: np.ndarray, val: np.ndarray, ptr: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise arrays with each (row, column) once: HiGHS refuses repeated entries."""
    if len(idx) == 0:
        return idx, val, ptr
    width = int(idx.max()) + 1
    row = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    uniq, first = np.unique(row * width + idx, return_inverse=True)
    summed = np.zeros(len(uniq))
    np.add.at(summed, first, val)
    rows = uniq // width
    new_ptr = np.searchsorted(rows, np.arange(len(ptr)), side="left").astype(np.int64)
    return (uniq % width).astype(np.int32), summed, new_ptr


class ModelRefused(Exception):
    """HiGHS refused the model's numbers: a fault of the input, not of the solver."""


class OptionsRejected(ValueError):
    """HiGHS refused a solver option given on the command line."""


def _highs_inf() -> float:
    return float(highspy.kHighsInf)


def _row(con: Any) -> tuple[float, Any, float]:
    """(lower, body, upper) of a constraint, bounds as floats (±inf when absent)."""
    e = con.expr
    cls = e.__class__
    args: Any = e.args
    if cls is InequalityExpression:
        a, b = args
        if b.__class__ in _NUMBER:
            return -_INF, a, float(b)
        if a.__class__ in _NUMBER:
            return float(a), b, _INF
    elif cls is RangedExpression and args[0].__class__ in _NUMBER and args[2].__class__ in _NUMBER:
        return float(args[0]), args[1], float(args[2])
    elif cls is EqualityExpression and args[1].__class__ in _NUMBER:
        return float(args[1]), args[0], float(args[1])
    lo, up = con.lb, con.ub  # anything else: Pyomo's normal form
    return (-_INF if lo is None else lo), con.body, (_INF if up is None else up)


def build(mat: Matrices) -> tuple[Any, bool]:
    """(highspy.Highs holding the model `mat`, whether it has integer columns)."""

    n, rows = len(mat.columns), len(mat.row_lower)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = rows
    lp.col_cost_ = mat.cost
    lp.offset_ = mat.offset
    lp.sense_ = highspy.ObjSense.kMaximize if mat.maximize else highspy.ObjSense.kMinimize
    lp.col_lower_ = mat.col_lower
    lp.col_upper_ = mat.col_upper
    lp.row_lower_ = mat.row_lower
    lp.row_upper_ = mat.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = rows
    lp.a_matrix_.start_ = mat.start
    lp.a_matrix_.index_ = mat.index
    lp.a_matrix_.value_ = mat.value
    h = highspy.Highs()  # quiet: the process's first one printed its banner at import (above)
    h.setOptionValue("output_flag", False)
    if h.passModel(lp) != highspy.HighsStatus.kOk:
        # HiGHS refuses a row naming a column twice; summing them costs 0.1 s at 400k entries,
        # so only when needed (netopt's own rows never do)
        idx, val, ptr = _sum_repeated(mat.index, mat.value, mat.start.astype(np.int64))
        lp.a_matrix_.start_ = ptr.astype(np.int32)
        lp.a_matrix_.index_ = idx
        lp.a_matrix_.value_ = val
        if h.passModel(lp) != highspy.HighsStatus.kOk:
            raise ModelRefused("HiGHS refuses the model: a coefficient is not finite, above "
                               "1e15 or at most 1e-9 (validation refuses those it can trace "
                               "to a field; this one it could not)")
    k = len(mat.integer)
    if k:
        h.changeColsIntegrality(k, mat.integer.astype(np.int32),
                                np.full(k, highspy.HighsVarType.kInteger))
    return h, k > 0


def set_start(h: Any, columns: list) -> bool:
    """Pass the columns' current values to HiGHS as a starting solution; whether it took them."""

    values = np.fromiter((0.0 if v.value is None else v.value for v in columns), float,
                         len(columns))
    idx = np.arange(len(values), dtype=np.int32)
    return h.setSolution(len(values), idx, values) == highspy.HighsStatus.kOk


def set_options(h: Any, options: dict[str, Any]) -> list[str]:
    """Apply options; return those HiGHS rejects ('name=value')."""

    return [f"{k}={v!r}" for k, v in options.items()
            if h.setOptionValue(k, v) != highspy.HighsStatus.kOk]


def run(h: Any, time_limit: float | None,
        on_progress: Callable[[Progress], None] | None = None,
        progress_every: float = 1.0, grace: float = WATCHDOG_GRACE,
        interrupt_grace: float = INTERRUPT_GRACE,
        abandon: Callable[[Any, int], None] | None = None) -> tuple[Any, str | None]:
    """Run HiGHS in a worker thread; the calling thread stays free for Ctrl-C, the watchdog and
    progress. Returns (model status, message) — the message says why a solve was stopped.

    The worker is netopt's own, not highspy's startSolve/wait: highspy keeps those methods' locks
    on the Highs class, shared by every Highs object, so two solves in two threads would refuse
    each other ("Solver is already running").

    Ctrl-C and SIGTERM only set a flag while HiGHS runs (no KeyboardInterrupt can leave this
    function with HiGHS still running, which at interpreter exit aborted the process): the first
    asks HiGHS to stop and keeps its incumbent, a second asks again. A HiGHS that does not stop
    within `interrupt_grace` (`grace` past the time limit) is abandoned, and the process then
    ends with os._exit rather than an interpreter exit (`abandon(h, exit code)`, by default
    `exit_without_destroying`)."""
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
    heard = 0
    with _signals_as_flags() as signals:
        worker = threading.Thread(target=_solve_in_thread, args=(h,), daemon=True,
                                  name="netopt-highs")
        worker.start()
        while True:
            worker.join(0.1)
            if not worker.is_alive():
                break
            now = time.perf_counter()
            if len(signals) > heard:  # each Ctrl-C asks again; the first starts the grace
                heard = len(signals)
                if stopped_by != "interrupt":
                    stopped_by, cancelled_at = "interrupt", now
                h.cancelSolve()
            elif deadline is not None and stopped_by is None and now - start > deadline:
                stopped_by, cancelled_at = "watchdog", now
                h.cancelSolve()
            if cancelled_at is not None and now - cancelled_at > (
                    interrupt_grace if stopped_by == "interrupt"
                    else max(grace, 0.1 * (time_limit or 0))):
                (abandon or exit_without_destroying)(h, 130 if stopped_by == "interrupt" else 4)
                return None, ("HiGHS did not stop when asked; abandoned its run "
                              f"after {now - start:.1f} s")
            if on_progress is not None and now - last_report >= progress_every:
                last_report = now
                on_progress(Progress(now - start, _finite(latest.get("incumbent")),
                                     _finite(latest.get("bound")), _finite(latest.get("gap"))))
    message = {"interrupt": "interrupted (Ctrl-C)" if signals[:1] != [signal.SIGTERM]
               else "interrupted (SIGTERM)",
               "watchdog": "stopped by the watchdog past the time limit"}.get(stopped_by or "")
    return h.getModelStatus(), message


@contextmanager
def _signals_as_flags() -> Iterator[list[int]]:
    """While the block runs, SIGINT and SIGTERM are appended to the yielded list instead of
    raising; a handler that was there before (a sweep's interrupt flag) still hears of them."""
    got: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield got  # signals are delivered to the main thread only
        return
    before: dict[int, Any] = {}

    def note(signum: int, frame: Any) -> None:
        got.append(signum)
        old = before.get(signum)
        if callable(old) and old is not signal.default_int_handler:
            try:
                old(signum, frame)
            except KeyboardInterrupt:
                pass

    for signum in (signal.SIGINT, signal.SIGTERM):
        before[signum] = signal.signal(signum, note)
    try:
        yield got
    finally:
        for number, old in before.items():
            signal.signal(number, old)


def exit_without_destroying(h: Any, code: int) -> None:
    """HiGHS's thread is still running: destroying its Highs object (at interpreter exit at the
    latest) could abort the process. Keep `h` alive and end the process with os._exit once the
    program is done (after its output is flushed), with `code`."""
    def exit_now(keep: Any = h) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)

    atexit.register(exit_now)


def _solve_in_thread(h: Any) -> None:
    try:
        h.run()
    finally:
        # as highspy's own solver thread does: free this thread's handle on HiGHS's scheduler
        # (its authors saw a deadlock on Windows without)
        highspy.Highs.resetThreadScheduler(False)


def solve(model: Any, options: dict[str, Any], time_limit: float | None,
          on_progress: Callable[[Progress], None] | None = None,
          mip_start: bool = False) -> tuple[Status, dict[str, Any]]:
    """Solve `model` with HiGHS; load the values of the best solution into its variables.
    `mip_start`: give HiGHS the variables' current values (None as 0) as a starting solution.

    Returns (status, info) with objective, bound, message, version, phase timings and, with
    `mip_start`, whether HiGHS took the start ("mip_start")."""
    t0 = time.perf_counter()
    loaded = load(model)
    handover = time.perf_counter() - t0
    status, info = solve_loaded(loaded, options, time_limit, on_progress, mip_start=mip_start)
    info["timings"]["handover"] += handover
    return status, info


@dataclass
class Loaded:
    """A model handed over to HiGHS: the arrays it was given, the highspy object holding it
    (which session.py changes in place between solves), whether it has integer columns."""

    mat: Matrices
    h: Any
    is_mip: bool


def load(model: Any) -> Loaded:
    """Hand the Pyomo `model` over to a new highspy object."""
    mat = to_matrices(model)
    h, is_mip = build(mat)
    return Loaded(mat, h, is_mip)


def solve_loaded(loaded: Loaded, options: dict[str, Any], time_limit: float | None,
                 on_progress: Callable[[Progress], None] | None = None,
                 mip_start: bool = False, start: np.ndarray | None = None
                 ) -> tuple[Status, dict[str, Any]]:
    """`solve` for a model already handed over (the options are set afresh each time). `start`:
    column values to give HiGHS as a starting solution instead of the variables' values."""
    MS = highspy.HighsModelStatus
    t0 = time.perf_counter()
    mat, h, is_mip = loaded.mat, loaded.h, loaded.is_mip
    info: dict[str, Any] = {"version": h.version()}
    h.resetOptions()  # a solve before may have turned presolve off (below)
    h.setOptionValue("output_flag", False)
    if mip_start:
        info["mip_start"] = is_mip and set_start(h, mat.columns)
    elif start is not None and is_mip:
        idx = np.arange(len(start), dtype=np.int32)
        info["mip_start"] = h.setSolution(len(start), idx, start) == highspy.HighsStatus.kOk
    rejected = set_options(h, options)
    if rejected:
        raise OptionsRejected(f"HiGHS rejects option(s) {', '.join(rejected)} (unknown name "
                              "or invalid value; see HiGHS's option list)")
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    t1 = time.perf_counter()
    # HiGHS's thread pool is global: a different size than the last solve's needs a reset, or
    # the run fails ("global scheduler has already been initialized"); see _Scheduler
    with SCHEDULER.use(options.get("threads")):
        status, message = run(h, time_limit, on_progress)
        if status == MS.kUnboundedOrInfeasible:  # presolve cannot tell; without it HiGHS can
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
        for v, x in zip(mat.columns, values):
            v.set_value(x, skip_validation=True)
        info["objective"] = hinfo.objective_function_value
        if status == MS.kOptimal:
            info["bound"] = _finite(hinfo.mip_dual_bound) if is_mip else hinfo.objective_function_value
            return Status.optimal, info
        info["bound"] = _finite(hinfo.mip_dual_bound) if is_mip else None
        info["message"] = message or ("stopped before proving optimality: "
                                      f"{status_words(status)}")
        return Status.feasible, info
    if status == MS.kInfeasible or status == MS.kUnboundedOrInfeasible:
        return Status.infeasible, info
    if status == MS.kUnbounded:
        return Status.unbounded, info
    info["message"] = message or f"no solution found: {status_words(status)}"
    return Status.no_solution, info
