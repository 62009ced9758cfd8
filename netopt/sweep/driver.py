"""Parameter sweeps: a grid and/or Monte-Carlo samples of overrides, one solve per run.

A sweep varies values of the base instance named by scenario paths (`routes[launch].cost_per_t`,
see `netopt.scenario`). Runs are the cartesian product of the grid's values (the first parameter
varies slowest), each crossed with `samples` random draws of the distributions; run ids number
them in that order. Draw j of parameter P with seed S uses its own random stream, seeded with
"S/j/P", and the inverse of P's distribution function: the same sweep and seed give the same
values on every machine and Python version, a draw does not change when other parameters or more
samples are added, and every grid point sees the same draws (common random numbers).

Every run is solved independently (in-process, in a local process pool, or on a Dask cluster) and
becomes one row of a CSV table: run id, parameter values, status, objective, bound, gap, what is
built in which stage (one `built:NAME` column per facility and buildable route), and a message.
Rows are appended as runs finish; at the end the table is rewritten in run-id order, so the same
sweep gives the same file. A failed run (invalid value, solver error, crashed worker) is a row with
its status and message; an interrupted sweep resumes (`resume=True`) without redoing the runs in
the table (rows with status `error` are redone)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path as FsPath
from typing import Any

from ..errors import Locs
from .. import files
from ..files import write_atomic
from ..paths import resolve
from ..plan import Plan
from ..session import Session
from ..solve import DEFAULT_SOLVER, SolveOptions
from .executors import interrupt_flag, run_dask, run_pool
from .outputs import write_reports
from .run import RunResult, base_start, run_one
from .spec import SweepError, SweepSpec, base_values, check_paths
from .table import ERROR, SweepResult, cell, columns, csv_line, read_table


def buildable_elements(base_inst: Any, data: dict, spec: SweepSpec) -> list[str]:
    """Facilities, buildable routes and reusable vehicles (fleets) of the base, plus routes whose
    capex is swept."""
    names = [f.name for f in base_inst.facilities]
    names += [r.name for r in base_inst.routes if r.capex is not None]
    names += [v.name for v in base_inst.vehicles if v.reusable]
    for p in spec.params:
        path = resolve(data, p.path)
        if len(path) >= 2 and path[0] == "routes" and (len(path) == 2 or path[2] == "capex"):
            name = data["routes"][path[1]].get("name")
            if name and name not in names:
                names.append(name)
    return names


def run_sweep(base: dict, spec: SweepSpec, table: FsPath | None = None, *,
              locs: Locs | None = None, options: Any = None, workers: int = 1,
              dask: str | None = None, dask_scheduler_file: str | None = None,
              dask_timeout: str = "30s", resume: bool = False, overwrite: bool = False,
              on_result: Callable[[dict[str, str], int, int], None] | None = None,
              on_start: Callable[[int, int], None] | None = None,
              write_report: bool = True, plot: bool = True, meta: dict | None = None,
              warm_start: bool = False, check_solver: bool = True,
              in_place: bool = True) -> SweepResult:
    """Run every run of `spec` on `base` (raw instance data, overlays applied) and write `table`
    (CSV) as runs finish, then the table in run-id order, `<table>.json`, `<table>-summary.md`
    and `<table>-objective.png`. Raises InputError (invalid base or paths), SweepError (usage).
    `in_place`: each worker (serial or process pool) keeps a session.Session that compiles once
    and re-solves runs that change only numbers in place; Dask tasks solve cold."""

    spec.check()
    check_paths(base, spec)
    base_plan = Plan.from_data(copy.deepcopy(base), locs or {})
    base_inst = base_plan.instance
    options = options or SolveOptions()
    if check_solver:
        preflight(options)
    if options.threads is None:  # one thread per run: same answers on any executor, no
        options = replace(options, threads=1)  # oversubscription with parallel runs
    elements = buildable_elements(base_inst, base, spec)
    stage_order = [s.name for s in base_inst.horizon.stages]
    cols = columns(spec, elements)
    runs = spec.runs()
    expected = {i: {p: cell(v) for p, v in r.items()} for i, r in enumerate(runs)}

    done: dict[int, dict[str, str]] = {}
    if table is not None and table.exists() and table.stat().st_size > 0:
        if resume:
            done = _resumable(table, cols, expected)
        elif not overwrite:
            raise SweepError(f"{table} exists: --resume to finish that sweep, or --overwrite to "
                             "start again")
    elif resume and table is not None and not table.exists():
        pass  # nothing to resume: a fresh start
    result = SweepResult(spec, elements, [])
    rows = dict(done)
    try:
        return _run(base, spec, table, result, rows, base_plan, options, elements, stage_order,
                    cols, runs, done, workers, dask, dask_scheduler_file, dask_timeout,
                    on_result, on_start, write_report, plot, meta, warm_start, in_place)
    except _WriteFailed as failed:
        assert table is not None
        e = failed.error
        kept = files.keep_somewhere("sweep", "".join(
            [csv_line(dict(zip(cols, cols)), cols)] + [csv_line(rows[i], cols)
                                                       for i in sorted(rows)]),
            suffix=".csv") if rows else None
        keep = ("no run had finished" if not rows else
                f"the {len(rows)} runs done are kept in {kept}" if kept else
                "the runs done could not be kept anywhere either")
        raise files.OutputError(f"cannot write to {table.parent}: {e.strerror or e} "
                                f"({e.filename or table}); {keep}") from None


class _WriteFailed(BaseException):
    """A write of the sweep's files failed: ends the sweep wherever it is (a BaseException, so
    that the executors' per-run error handling does not make a row of it)."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


@contextmanager
def _writes() -> Iterator[None]:
    try:
        yield
    except OSError as e:
        raise _WriteFailed(e) from None


def _run(base: dict, spec: SweepSpec, table: FsPath | None, result: SweepResult,
         rows: dict[int, dict[str, str]], base_plan: Plan, options: Any, elements: list[str],
         stage_order: list[str], cols: list[str], runs: list, done: dict[int, dict[str, str]],
         workers: int, dask: str | None, dask_scheduler_file: str | None, dask_timeout: str,
         on_result: Callable[[dict[str, str], int, int], None] | None,
         on_start: Callable[[int, int], None] | None, write_report: bool, plot: bool,
         meta: dict | None, warm_start: bool, in_place: bool) -> SweepResult:
    """run_sweep once the table is known good: every write raises _WriteFailed."""
    if table is not None:
        with _writes():
            table.parent.mkdir(parents=True, exist_ok=True)
            # rewrite what is kept (drops error rows and a cut-off last line), then append
            write_atomic(table, "".join([csv_line(dict(zip(cols, cols)), cols)]
                                        + [csv_line(done[i], cols) for i in sorted(done)]))
    bvals = base_values(base, spec, base_plan.instance)
    pending = [(i, runs[i], spec.overrides(runs[i], bvals)) for i in range(len(runs))
               if i not in done]
    total = len(runs)
    if on_start:
        on_start(len(done), total)
    t0 = time.perf_counter()
    with _writes():
        fh = open(table, "a", encoding="utf-8", newline="") if table is not None else None

    def record(r: RunResult) -> None:
        rows[r.run] = r.row
        result.seconds[r.run] = r.seconds
        if r.solve_seconds is not None:
            result.solve_seconds[r.run] = r.solve_seconds
        if r.started is not None:
            result.started[r.run] = r.started
        result.ran += 1
        if fh is not None:
            with _writes():
                files.write_all(fh, csv_line(r.row, cols), table)
                fh.flush()
        if on_result:
            on_result(r.row, len(rows), total)

    start = None
    tree = base_plan.instance.uncertainty is not None
    if tree:
        from ..stochastic.tree import tree_of

        result.notes.append(
            f"the base has an uncertainty tree ({len(tree_of(base_plan.instance).leaves)} "
            "leaves): each run solves its tree as netopt solve does (the extensive form; the "
            "leaves' changes apply over the run's values); objective: the expected cost; "
            "built: the here-and-now builds")
    try:
        if warm_start and pending and tree:
            result.notes.append("warm start: not with an uncertainty tree")
        elif warm_start and pending:
            if options.solver != "highs":
                result.notes.append(f"warm start: only with HiGHS, not {options.solver}")
            else:
                start, note = base_start(base_plan, options)
                result.notes.append(f"warm start: {note}")
        args = (base, options, elements, stage_order, start, in_place)
        if not pending:
            result.executor = "none (all runs in the table)"
        elif dask or dask_scheduler_file:
            result.executor = run_dask(pending, args, record, dask, dask_scheduler_file,
                                        dask_timeout, result.notes)
        elif workers <= 1 or len(pending) == 1:
            result.executor = "serial"
            session = Session() if in_place else None
            with interrupt_flag() as interrupted:
                for i, settings, sets in pending:
                    r = run_one(base, i, settings, options, elements, stage_order, start, sets,
                                session)
                    if interrupted.is_set():  # the solver stopped early on Ctrl-C: not a result
                        raise KeyboardInterrupt
                    record(r)
        else:
            result.executor = run_pool(pending, args, record, min(workers, len(pending)))
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        if fh is not None:
            try:
                fh.close()
            except OSError:
                pass  # a write that failed said so already (the close flushes it again)
    result.wall = time.perf_counter() - t0
    result.rows = [rows[i] for i in sorted(rows)]
    with _writes():
        if table is not None and not result.interrupted:
            write_atomic(table, "".join([csv_line(dict(zip(cols, cols)), cols)]
                                        + [csv_line(r, cols) for r in result.rows]))
            result.files["table"] = table
            if write_report:
                write_reports(result, table, plot, meta or {}, options, set(done))
        elif table is not None and write_report:  # keep the timings of the runs done so far
            write_reports(result, table, False, meta or {}, options, set(done), partial=True)
    return result


def preflight(options: SolveOptions) -> None:
    """Fail before any run (SweepError) if the solver is missing or rejects an option, rather
    than write a table of identical error rows."""
    if options.solver == DEFAULT_SOLVER:
        try:
            import highspy
        except ImportError:
            raise SweepError("HiGHS (highspy) is not installed: pip install highspy") from None
        from ..highs import set_options  # Pyomo, highspy: only to check the options

        h = highspy.Highs()  # quiet: netopt.highs swallowed the banner when imported
        h.setOptionValue("output_flag", False)
        rejected = set_options(h, dict(options.solver_options))
        if rejected:
            raise SweepError(f"HiGHS rejects option(s) {', '.join(rejected)}")
        return
    import pyomo.environ as pyo  # Pyomo: imported only when a model is built or solved

    try:
        ok = pyo.SolverFactory(options.solver).available(exception_flag=False)
    except Exception:  # noqa: BLE001  (Pyomo raises assorted errors for unknown names)
        ok = False
    if not ok:
        raise SweepError(f"solver '{options.solver}' is not available to Pyomo on this machine")


def _resumable(table: FsPath, cols: list[str], expected: dict[int, dict[str, str]]
               ) -> dict[int, dict[str, str]]:
    header, rows = read_table(table)
    if header != cols:
        raise SweepError(f"{table} was written by a different sweep (its columns differ); "
                         "--overwrite to start again")
    done = {}
    for row in rows:
        i = int(row["run"])
        want = expected.get(i)
        if want is None:
            raise SweepError(f"{table} has run {i}, this sweep has {len(expected)} runs; "
                             "--overwrite to start again")
        diff = [p for p, v in want.items() if row[p] != v]
        if diff:
            raise SweepError(f"{table} was written by a different sweep (run {i}: {diff[0]} is "
                             f"{row[diff[0]]!r} there, {want[diff[0]]!r} here); --overwrite to "
                             "start again")
        if row["status"] != ERROR:
            done[i] = row
    return done
