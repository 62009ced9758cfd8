"""`netopt sweep`: the command, its progress display and its report."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError
from ..files import OutputFolder
from ..load import read_tree
from ..scenario import load_tree, parse_set
from ..solve import SolveOptions
from ..status import ExitCode
from .common import (
    INTERRUPTED,
    Gap,
    Sets,
    Solver,
    SolverOption,
    TimeLimit,
    err,
    exit_codes,
    note_cleaned,
    out,
    parse_options,
    print_problems,
)


TABLE = "sweep.csv"  # in the -o directory; its sidecars take its stem (sweep.json, ...)
# what `netopt sweep -o DIR` writes: a folder holding anything else is refused
SWEEP_FILES = re.compile(r"sweep(\.csv|\.json|-summary\.md|-objective\.(png|svg))|\..*\.tmp")


def sweep(
    file: Annotated[Path, typer.Argument(help="Base instance (or a scenario naming its base, or a sweep file naming its base).")],  # noqa: E501
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="Grid parameter PATH=v1,v2,... (repeatable; values are YAML), e.g. routes[launch].cost_per_t=0.5,1,2,4.")] = None,  # noqa: E501
    scale: Annotated[Optional[list[str]], typer.Option("--scale", help="Grid of factors PATH=f1,f2,... of the base's value (a number, or each number of a per-stage mapping), e.g. routes[launch].cost_per_t=0.5,1,2.")] = None,  # noqa: E501
    sweep_file: Annotated[Optional[Path], typer.Option("--sweep", help="Sweep file: grid, distributions, samples, seed (see docs/scenarios.md).")] = None,  # noqa: E501
    samples: Annotated[Optional[int], typer.Option("--samples", min=1, help="Monte-Carlo samples of the sweep file's distributions (per grid point).")] = None,  # noqa: E501
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed of the samples (default: the sweep file's, else 0).")] = None,  # noqa: E501
    scenario: Annotated[Optional[list[str]], typer.Option("--scenario", help="Scenario file applied to the base first (repeatable).")] = None,  # noqa: E501
    set_: Sets = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Directory (as for solve -o): DIR/sweep.csv, the table; DIR/sweep.json, DIR/sweep-summary.md, DIR/sweep-objective.png. Default: <file>-sweep/.")] = None,  # noqa: E501
    resume: Annotated[bool, typer.Option("--resume", help="Finish the sweep in the table: keep its runs, do the others.")] = False,  # noqa: E501
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Start again over an existing table.")] = False,  # noqa: E501
    workers: Annotated[Optional[int], typer.Option("--workers", "-j", min=1, help="Local worker processes (default: CPU count; 1: in this process).")] = None,  # noqa: E501
    dask: Annotated[Optional[str], typer.Option("--dask", help="Run on this Dask scheduler, e.g. tcp://host:8786 (pip install 'netopt[dask]').")] = None,  # noqa: E501
    dask_scheduler_file: Annotated[Optional[Path], typer.Option("--dask-scheduler-file", help="Run on the Dask scheduler this file describes.")] = None,  # noqa: E501
    time_limit: TimeLimit = None,
    gap: Gap = None,
    threads: Annotated[Optional[int], typer.Option("--threads", min=1, help="Solver threads per run (default 1).")] = None,  # noqa: E501
    solver: Solver = "highs",
    option: SolverOption = None,
    elastic: Annotated[bool, typer.Option("--elastic", help="Each run meets as much required demand as possible, then at least cost (as solve --elastic).")] = False,  # noqa: E501
    warm_start: Annotated[bool, typer.Option("--warm-start/--no-warm-start", help="Solve the base first and give its solution to HiGHS as a MIP start in every run (measured: no gain on netopt's test instances; see docs/scenarios.md).")] = False,  # noqa: E501
    plot: Annotated[bool, typer.Option("--plot/--no-plot", help="Plot objective versus each parameter (needs matplotlib).")] = True,  # noqa: E501
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress bar.")] = False,
) -> None:
    """Solve the base once per run of a grid (--param) and/or Monte-Carlo samples (--sweep FILE
    --samples N); write a table of parameters -> status, objective, what is built when; summarize
    which decisions are robust and which depend on which parameter."""
    # pydantic: only when a sweep runs
    from ..sweep import (
        SweepSpec,
        is_sweep_file,
        parse_param,
        read_sweep_file,
        run_sweep,
        summarize,
    )

    try:
        # FILE may itself be a sweep file naming its base
        sf = None
        if sweep_file is None and file.suffix in (".yaml", ".yml") and file.is_file():
            raw, _, problems = read_tree(file)
            if not problems and is_sweep_file(raw):
                sweep_file = file
        if sweep_file is not None:
            sf = read_sweep_file(sweep_file)
        base_file = file
        if sf is not None and sweep_file == file:
            if sf.base is None:
                err.print(f"error: {file} is a sweep file without a base: name the base instance"
                          " (base: FILE) or give it first on the command line", markup=False)
                raise typer.Exit(ExitCode.USAGE)
            base_file = sf.base
        elif sf is not None and sf.base is not None and sf.base.resolve() != file.resolve():
            err.print(f"warning: the sweep file's base is {sf.base}; sweeping {file} as asked",
                      markup=False)
        scenarios: list[str | Path] = [*(sf.scenarios if sf else []), *(scenario or [])]
        sets = [*(sf.sets if sf else []), *(parse_set(s) for s in set_ or [])]
        data, locs, warnings = load_tree(base_file, scenarios, sets)
        for w in warnings:
            err.print(str(w), markup=False)
        spec = sf.spec if sf else SweepSpec()
        cli_params = [parse_param(p) for p in param or []]
        cli_params += [parse_param(p, scale=True) for p in scale or []]
        cli_paths = {p.path for p in cli_params}
        spec.params = [p for p in spec.params if p.path not in cli_paths] + cli_params
        if samples is not None:
            spec.samples = samples
        if seed is not None:
            spec.seed = seed
    except InputError as e:
        print_problems(e.problems)
        raise typer.Exit(ExitCode.INVALID_INPUT) from None

    opts = SolveOptions(time_limit=time_limit, gap=gap, threads=threads, solver=solver,
                        solver_options=parse_options(option or []), elastic=elastic)
    folder = output or Path(f"{Path(base_file).stem}-sweep")
    if folder.is_file() or folder.suffix.lower() == ".csv":
        err.print(f"error: -o names a directory, as for solve (the table is DIR/{TABLE}); "
                  f"{folder} is {'a file' if folder.is_file() else 'a .csv name'}", markup=False)
        raise typer.Exit(ExitCode.USAGE)
    table = folder / TABLE
    out_folder = OutputFolder(folder, ours=SWEEP_FILES)
    with exit_codes("reading the instance"):
        out_folder.prepare()  # as solve -o: checked and locked before the first run
    note_cleaned(out_folder)
    meta = {"base": str(base_file), "scenarios": [str(s) for s in scenarios],
            "set": [f"{o.path}={o.value!r}" for o in sets]}
    if sweep_file is not None:
        meta["sweep_file"] = str(sweep_file)
    n_workers = workers or os.cpu_count() or 1

    progress = None
    task = None
    failures = [0]

    def on_start(done: int, total: int) -> None:
        nonlocal progress, task
        if done:
            err.print(f"resuming: {done} of {total} runs already in {table}", markup=False)
        if quiet:
            return
        # rich.progress only for a sweep: `netopt solve` and --help do without it
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        progress = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
                            TextColumn("eta"), TimeRemainingColumn(), console=err,
                            transient=False)
        task = progress.add_task("sweep", total=total, completed=done, note="")
        progress.start()

    def on_result(row: dict, done: int, total: int) -> None:
        if row["status"] not in ("optimal", "feasible"):
            failures[0] += 1
        if progress is not None and task is not None:
            note = f"{failures[0]} without solution" if failures[0] else ""
            progress.update(task, completed=done, note=note)

    with exit_codes():
        try:
            result = run_sweep(data, spec, table, locs=locs, options=opts, workers=n_workers,
                               dask=dask, dask_scheduler_file=str(dask_scheduler_file)
                               if dask_scheduler_file else None, resume=resume,
                               overwrite=overwrite, on_result=on_result, on_start=on_start,
                               plot=plot, meta=meta, warm_start=warm_start)
        except BaseException:
            out_folder.abandon()  # removes the folder only if this sweep made it and it is empty
            raise
        finally:
            if progress is not None:
                progress.stop()
            out_folder.release()
    if result.interrupted:
        err.print(f"interrupted: {len(result.rows)} of {len(spec)} runs are in {table}; "
                  "run the same command with --resume to finish", markup=False)
        raise typer.Exit(INTERRUPTED)
    for line in summarize(result.rows, spec.paths, result.elements).lines():
        out.print(line, markup=False)
    for note in result.notes:
        err.print(f"note: {note}", markup=False)
    files = ", ".join(str(p) for p in result.files.values())
    out.print(f"{result.ran} runs solved in {result.wall:.1f} s ({result.executor}); wrote {files}",
              markup=False)
    raise typer.Exit(ExitCode.OK)
