"""Race seeds: N copies of the same MIP, one HiGHS per thread with seeds s, s+1, ..., s+N-1.

HiGHS's path through a MIP depends on its random seed (roadmap-2100 at stage grain: 292 to 391
CPU-s to a proof over seeds 0-5, and a race of 2 1.05x faster on the median; BENCHMARKS.md).
`SolveOptions(race=N)` hands the model over once, gives N HiGHS objects the same arrays and runs
them at once (threads: solves are thread-safe, see highs.py).

Which copy wins must not depend on which thread the machine happened to run faster, or the same
input could give another plan. So the race is decided in HiGHS's own deterministic work, not in
seconds: each copy's branch-and-bound node count, which for a given seed does not depend on
timing. The winner is the copy that proves optimality (or infeasibility) at the fewest nodes, the
lowest seed among equals. When a copy proves at W nodes, every other copy runs on until it proves
too or passes W nodes (then it is stopped: it can no longer win); copies run at about the same
speed, so that wait is short. Same input, same N, same seed -> same winner, same plan.

At the time limit (or Ctrl-C) nothing is proven: the answer is the best incumbent over all copies
(lowest seed among equal objectives) and the best bound over all copies, which is valid for each.
That answer, like any time-limited one, depends on the machine's speed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from . import highs
from .errors import InputError, Problem
from .solve import Outcome, SolveOptions, SolverUnavailable, highs_options, highs_outcome
from .status import Status, status_words

PROVEN = ("kOptimal", "kInfeasible", "kUnbounded", "kUnboundedOrInfeasible")


@dataclass
class Lane:
    """One copy in the race."""

    seed: int
    h: Any
    nodes: int = 0  # branch-and-bound nodes so far (the callback's, then HiGHS's final count)
    incumbent: float | None = None
    bound: float | None = None
    status: Any = None  # HiGHS's model status once the copy has stopped
    stop: bool = False  # set by the race: interrupt this copy at its next callback
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def proven(self) -> bool:
        return self.status is not None and self.status.name in PROVEN


def run(model: Any, opts: SolveOptions) -> Outcome:
    """Solve the Pyomo `model` by racing `opts.race` seeds from `opts.seed` (see the module's
    docstring); load the winner's values into the model's variables."""
    t0 = time.perf_counter()
    mat = highs.to_matrices(model)
    lanes = []
    for i in range(opts.race):
        try:
            h, is_mip = highs.build(mat)
        except highs.ModelRefused as e:  # as solve._run_highs: the model's fault, bad input
            raise InputError([Problem(str(e))]) from None
        if not is_mip:  # an LP has one answer and no seed to race: solve it once
            loaded = highs.Loaded(mat, h, is_mip)
            try:
                status, info = highs.solve_loaded(loaded, highs_options(opts), opts.time_limit,
                                                  opts.progress)
            except ValueError as e:
                raise SolverUnavailable(str(e)) from None
            info["timings"]["handover"] += time.perf_counter() - t0
            return highs_outcome(status, info)
        lanes.append(Lane(opts.seed + i, h))
    threads = opts.threads or 1
    for lane in lanes:
        options = highs_options(SolveOptions(**{**_fields(opts), "seed": lane.seed,
                                                "threads": threads}))
        rejected = highs.set_options(lane.h, options)
        if rejected:
            raise SolverUnavailable(f"HiGHS rejects option(s) {', '.join(rejected)} (unknown "
                                    "name or invalid value; see HiGHS's option list)")
        if opts.time_limit is not None:
            lane.h.setOptionValue("time_limit", float(opts.time_limit))
        lane.h.cbMipInterrupt += _watch(lane)
    t1 = time.perf_counter()
    message = _race(lanes, threads, opts)
    t2 = time.perf_counter()
    out = _decide(lanes, mat, message, opts)
    out.timings = {"handover": t1 - t0, "solve": t2 - t1}
    return out


def _fields(opts: SolveOptions) -> dict[str, Any]:
    return {f: getattr(opts, f) for f in opts.__dataclass_fields__}


def _watch(lane: Lane) -> Any:
    def watch(e: Any) -> None:  # in the copy's own thread
        out = e.data_out
        lane.nodes = out.mip_node_count
        lane.incumbent = highs._finite(out.mip_primal_bound)
        lane.bound = highs._finite(out.mip_dual_bound)
        if lane.stop:
            e.interrupt()
    return watch


def _race(lanes: list[Lane], threads: int, opts: SolveOptions) -> str | None:
    """Run the copies until the winner is certain; the reason if they were stopped early."""
    def solve(lane: Lane) -> None:
        try:
            with highs.SCHEDULER.use(threads):
                lane.h.run()
        finally:
            highs.highspy.Highs.resetThreadScheduler(False)
            lane.status = lane.h.getModelStatus()
            lane.nodes = lane.h.getInfo().mip_node_count

    for lane in lanes:
        lane.thread = threading.Thread(target=solve, args=(lane,), daemon=True,
                                       name=f"netopt-race-{lane.seed}")
        lane.thread.start()
    start = time.perf_counter()
    last_report = start
    stopped_by = None
    cancelled_at: float | None = None
    while True:
        try:
            alive = [x for x in lanes if x.thread is not None and x.thread.is_alive()]
            if not alive:
                break
            alive[0].thread.join(0.05)  # type: ignore[union-attr]
            proven = [x for x in lanes if x.proven]
            if proven:
                # a copy past the winner's node count can no longer win: stop it
                w = min(x.nodes for x in proven)
                for x in lanes:
                    if x.status is None and x.nodes > w:
                        x.stop = True
            now = time.perf_counter()
            if (opts.time_limit is not None and stopped_by is None
                    and now - start > opts.time_limit + max(highs.WATCHDOG_GRACE,
                                                            0.1 * opts.time_limit)):
                stopped_by, cancelled_at = "watchdog", now
                for x in lanes:
                    x.stop = True
            if cancelled_at is not None and now - cancelled_at > highs.WATCHDOG_GRACE:
                break  # a copy that does not stop (no callback in its phase) is abandoned
            if opts.progress is not None and now - last_report >= 1.0:
                last_report = now
                inc = [x.incumbent for x in lanes if x.incumbent is not None]
                bnd = [x.bound for x in lanes if x.bound is not None]
                best, bound = (min(inc) if inc else None), (max(bnd) if bnd else None)
                gap = None if best is None or bound is None else abs(best - bound) / max(
                    abs(best), 1e-10)
                opts.progress(highs.Progress(now - start, best, bound, gap))
        except KeyboardInterrupt:
            if stopped_by == "interrupt":
                raise
            stopped_by, cancelled_at = "interrupt", time.perf_counter()
            for x in lanes:
                x.stop = True
    return {"interrupt": "interrupted (Ctrl-C)",
            "watchdog": "stopped by the watchdog past the time limit"}.get(stopped_by or "")


def _decide(lanes: list[Lane], mat: highs.Matrices, message: str | None,
            opts: SolveOptions) -> Outcome:
    MS = highs.highspy.HighsModelStatus
    seeds = f"seeds {lanes[0].seed}-{lanes[-1].seed}"
    lanes = [x for x in lanes if x.status is not None]  # abandoned copies (still running) out
    proven = sorted((x for x in lanes if x.proven), key=lambda x: (x.nodes, x.seed))
    version = highs.highspy.Highs().version() if not lanes else lanes[0].h.version()
    if proven:
        w = proven[0]
        info: dict[str, Any] = {"version": version, "timings": {}}
        note = f"race of {seeds}: seed {w.seed} won (proof at {w.nodes} nodes)"
        status = _load(w, mat, info)
        if w.status == MS.kOptimal and status is Status.optimal:
            info["message"] = note
        elif w.status in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
            status = Status.infeasible
            info["message"] = note
        elif w.status == MS.kUnbounded:
            status = Status.unbounded
        return highs_outcome(status, info)
    with_solution = [x for x in lanes if x.h.getInfo().primal_solution_status == 2]
    info = {"version": version, "timings": {}}
    if not with_solution:
        info["message"] = message or f"no solution found ({seeds})"
        return highs_outcome(Status.no_solution, info)
    sign = -1.0 if mat.maximize else 1.0
    best = min(with_solution, key=lambda x: (sign * x.h.getInfo().objective_function_value,
                                             x.seed))
    _load(best, mat, info)
    bounds = [b for b in (highs._finite(x.h.getInfo().mip_dual_bound) for x in lanes)
              if b is not None]
    info["bound"] = (max(bounds) if sign > 0 else min(bounds)) if bounds else None
    why = message or f"stopped before proving optimality: {status_words(best.status)}"
    info["message"] = f"{why}; race of {seeds}: incumbent from seed {best.seed}"
    return highs_outcome(Status.feasible, info)


def _load(lane: Lane, mat: highs.Matrices, info: dict[str, Any]) -> Status:
    """Load the lane's solution into the model's variables; fill objective and bound."""
    h = lane.h
    hinfo = h.getInfo()
    if hinfo.primal_solution_status != 2:
        return Status.no_solution
    for v, x in zip(mat.columns, h.getSolution().col_value):
        v.set_value(x, skip_validation=True)
    info["objective"] = hinfo.objective_function_value
    info["bound"] = highs._finite(hinfo.mip_dual_bound)
    return Status.optimal if lane.status == highs.highspy.HighsModelStatus.kOptimal else (
        Status.feasible)
