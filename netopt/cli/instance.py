"""Commands that read instance files: validate, solve, schema."""

from __future__ import annotations

import gc
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..errors import InputError, UsageError
from ..files import OutputError, OutputFolder
from ..model_file import check_model_path
from ..plan import Plan, chain, load_extra
from ..solve import SolveOptions
from ..status import ExitCode, exit_code
from ..stochastic.ph import agree, mpi_rank
from ..stochastic.plan import StochasticPlan
from ..stochastic.summary import stochastic_lines
from ..summary import count, money_text, print_summary
from .common import (
    Gap,
    Sets,
    Solver,
    SolverOption,
    Threads,
    TimeLimit,
    err,
    exit_codes,
    note_cleaned,
    out,
    parse_cuts,
    parse_online,
    parse_options,
    print_problems,
    progress_printer,
    write_solution,
)

if TYPE_CHECKING:
    from ..compile import Extra
    from ..results import Solution


def validate(files: Annotated[list[Path], typer.Argument(help="Instance, scenario or sweep files.")]) -> None:  # noqa: E501
    """Check instance, scenario and sweep files; exit 0 if all are valid, 1 with every error
    otherwise. A sweep file is checked with its base: the base, its scenarios and sets, and
    every swept path."""
    bad = False
    for f in files:
        try:
            if _is_sweep(f):
                _validate_sweep(f)
                continue
            plan = StochasticPlan.read(f)  # an instance, or a scenario naming its base
        except InputError as e:
            print_problems(e.problems)
            bad = True
            continue
        print_problems(plan.warnings)
        inst = plan.base.instance if isinstance(plan, StochasticPlan) else plan.instance
        counts = [count(len(inst.facilities), "facility", "facilities"),
                  count(len(inst.routes), "route"), count(len(inst.vehicles), "vehicle"),
                  count(len(inst.horizon.stages), "stage")]
        if isinstance(plan, StochasticPlan):
            counts.append(count(len(plan.leaves), "leaf", "leaves"))
        out.print(f"{f}: valid ({', '.join(counts)})", markup=False)
    raise typer.Exit(ExitCode.INVALID_INPUT if bad else ExitCode.OK)


def _is_sweep(f: Path) -> bool:
    """A readable YAML/JSON file whose keys are a sweep's (grid, distributions, samples); any
    problem reading it is left to the instance reader, which names it."""
    from ..load import read_tree
    from ..sweep import is_sweep_file  # pydantic: only for a file that may be a sweep

    if f.suffix.lower() not in (".yaml", ".yml", ".json") or not f.is_file():
        return False
    try:
        raw, _, problems = read_tree(f)
    except (InputError, OSError):
        return False
    return not problems and is_sweep_file(raw)


def _validate_sweep(f: Path) -> None:
    """A sweep file: its own fields, then its base with the sweep's scenarios and sets, then
    every swept path in that base (what `netopt sweep FILE` checks before its first run).
    Raises InputError."""
    from ..scenario import load_tree
    from ..sweep import check_paths, read_sweep_file

    sf = read_sweep_file(f)
    params = len(sf.spec.params)
    draws = f", {sf.spec.samples} samples" if sf.spec.samples else ""
    if sf.base is None:
        out.print(f"{f}: valid sweep file ({params} parameters{draws}); it names no base: its "
                  "paths are checked when `netopt sweep BASE --sweep FILE` runs", markup=False)
        return
    plan = StochasticPlan.read(sf.base, sf.scenarios, sf.sets)
    print_problems(plan.warnings)
    data, _, _ = load_tree(sf.base, sf.scenarios, sf.sets)
    check_paths(data, sf.spec)
    out.print(f"{f}: valid sweep of {sf.base} ({params} parameters{draws})", markup=False)


def solve(
    file: Annotated[Path, typer.Argument(help="Instance file.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write solution.json and CSV tables here.")] = None,  # noqa: E501
    time_limit: TimeLimit = None,
    gap: Gap = None,
    threads: Threads = None,
    solver: Solver = "highs",
    seed: Annotated[int, typer.Option("--seed", help="Solver random seed.")] = 0,
    race: Annotated[int, typer.Option("--race", min=1, help="Race N HiGHS copies with seeds SEED..SEED+N-1 (one thread each); the copy that proves optimality at the fewest nodes wins, so the answer does not depend on timing.")] = 1,  # noqa: E501
    option: SolverOption = None,
    log: Annotated[bool, typer.Option("--log", help="Show the solver's log.")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Print only the status line.")] = False,  # noqa: E501
    cuts: Annotated[Optional[str], typer.Option("--cuts", help="Valid inequalities to add: comma-separated from aggregate_capacity, linking, market_capacity; 'none' for none (default: aggregate_capacity, linking).")] = None,  # noqa: E501
    online: Annotated[Optional[str], typer.Option("--online", help="Units online in the capacity rows: the sum over build stages in each row (expression), or one variable per element and step (variable). Default: variable at resolution: year, expression at stage (solvers.md, Units).")] = None,  # noqa: E501
    elastic: Annotated[bool, typer.Option("--elastic", help="Meet as much required demand as possible, then at least cost; report what is unmet.")] = False,  # noqa: E501
    scenario: Annotated[Optional[list[Path]], typer.Option("--scenario", help="Scenario file (overrides of the base) applied first (repeatable; docs/scenarios.md).")] = None,  # noqa: E501
    set_: Sets = None,
    extra: Annotated[Optional[list[str]], typer.Option("--extra", help="MODULE:FUNCTION (or FILE.py:FUNCTION) called with the built model before the solve: your own variables, constraints and cost terms (repeatable; docs/extending.md).")] = None,  # noqa: E501
    decompose: Annotated[Optional[str], typer.Option("--decompose", help="With an uncertainty tree: 'ph' runs progressive hedging (mpi-sppy) on the MPI ranks, e.g. mpiexec -n 4 netopt solve FILE --decompose ph.")] = None,  # noqa: E501
    ph_iterations: Annotated[int, typer.Option("--ph-iterations", min=1, help="Most PH iterations.")] = 50,  # noqa: E501
    ph_rho: Annotated[float, typer.Option("--ph-rho", min=0.0, help="PH penalty as a multiple of each build variable's cost coefficient.")] = 1.0,  # noqa: E501
    figures: Annotated[bool, typer.Option("--figures/--no-figures", help="With an uncertainty tree: also compute EVPI and VSS (each leaf alone, the mean-value instance, and the extensive form once more).")] = True,  # noqa: E501
    extensive: Annotated[bool, typer.Option("--extensive/--no-extensive", help="With --decompose: also solve the extensive form on rank 0 (and, with --figures, EVPI and VSS) and compare; without it only PH's plan and bounds are reported.")] = False,  # noqa: E501
    write_model: Annotated[Optional[Path], typer.Option("--write-model", help="Also write the MIP as built (cuts and --extra included; the extensive form with an uncertainty tree) to FILE.mps or FILE.lp, with solvers.md's names, for any other solver.")] = None,  # noqa: E501
) -> None:
    """Solve an instance: print the staged build-out; with -o write solution.json and CSVs."""
    # One model per process, freed at exit: the cyclic collector would only re-scan its millions
    # of objects each time a phase allocates (capa-8000, 100k routes: 1.3 s of a 10.5 s run)
    gc.disable()
    folder = None if output is None else OutputFolder(output)
    if decompose is not None and mpi_rank() != 0:
        # rank 0 alone writes (and locks) the output folder, and reports; the others say nothing
        folder = None
        out.quiet = err.quiet = True
    with exit_codes("reading the instance"):
        extras = [load_extra(x) for x in extra or []]
        plan = StochasticPlan.read(file, scenario or [], set_ or [])
        if write_model is not None:
            if decompose is not None:
                raise UsageError("--write-model writes one MIP; --decompose ph solves many "
                                 "(drop --decompose to write the extensive form)")
            check_model_path(write_model)
        verdict = None
        if folder is not None:
            try:
                folder.prepare()  # a location that cannot be written is known before solving
            except OutputError as e:
                verdict = str(e)
        if decompose is not None:
            verdict = agree(verdict)  # every rank stops if rank 0 cannot write
        if verdict is not None:
            raise OutputError(verdict)
    if folder is not None:
        note_cleaned(folder)
    print_problems(plan.warnings)
    opts = SolveOptions(time_limit=time_limit, gap=gap, threads=threads, solver=solver,
                        seed=seed, tee=log, solver_options=parse_options(option or []),
                        progress=None if (quiet or log) else progress_printer(),
                        elastic=elastic, cuts=parse_cuts(cuts), race=race,
                        online=parse_online(online),
                        write_model=None if write_model is None else str(write_model))
    try:
        with exit_codes("building the model (the solver had not started)"):
            if decompose is not None:
                sol = solve_decomposed(plan, opts, decompose, ph_iterations, ph_rho, extensive,
                                       figures, chain(extras))
                if sol is None:
                    raise typer.Exit(ExitCode.OK)  # an MPI rank other than 0: rank 0 reports
            elif isinstance(plan, StochasticPlan):
                sol = plan.solve(opts, chain(extras), figures=figures)
            else:
                sol = plan.solve(opts, chain(extras))
    except BaseException:
        if folder is not None:
            folder.abandon()
        raise
    if opts.progress is not None and err.is_terminal:
        err.file.write("\r" + " " * 78 + "\r")
    if quiet:
        out.print(f"{sol.instance}: {sol.status.value}"
                  + (f", objective {money_text(sol.objective)}" if sol.objective is not None else ""))
        if sol.message and not sol.status.has_solution:
            out.print(sol.message, markup=False)
    else:
        print_summary(sol, out)
    for line in stochastic_lines(sol):
        out.print(line, markup=False)
    if folder is not None:
        if sol.status.has_solution:
            tables = sum(p.suffix == ".csv" for p in write_solution(sol, folder))
            out.print(f"wrote {output}/solution.json and {tables} CSV tables", markup=False)
        else:
            folder.abandon()
            err.print(f"no solution: nothing written to {output}", markup=False)
    raise typer.Exit(exit_code(sol.status))


def solve_decomposed(plan: Plan | StochasticPlan, opts: SolveOptions, method: str,
                     iterations: int, rho: float, extensive: bool, figures: bool,
                     extra: Extra | None = None) -> Solution | None:
    """PH on every MPI rank, then on rank 0 PH's plan alone, or with `extensive` (asked for:
    it is the solve PH exists to avoid) the extensive form beside it. None on the other ranks."""
    from ..errors import UsageError
    from ..stochastic.ph import infeasible_solution, ph_solution, run_ph

    if method != "ph":
        raise UsageError(f"unknown --decompose '{method}'; known: ph")
    if not isinstance(plan, StochasticPlan):
        raise UsageError("--decompose needs an instance with an uncertainty: section")
    res = run_ph(plan, replace(opts, progress=None), iterations=iterations, rho=rho, extra=extra)
    if res.rank != 0:
        return None
    if res.mpi_note:
        err.print(res.mpi_note, markup=False)
    if res.infeasible:  # the extensive form would be infeasible too: say why, once
        return infeasible_solution(plan, res, opts, extra)
    if not extensive:
        return ph_solution(plan, res)
    sol = plan.solve(opts, extra, figures=figures)
    if sol.stochastic is not None:
        sol.stochastic["decomposition"] = res.as_dict(
            sol.objective if sol.status.has_solution else None)
    sol.timings["ph"] = res.seconds
    return sol


def schema(
    solution: Annotated[bool, typer.Option("--solution", help="The schema of solution.json instead.")] = False,  # noqa: E501
    file: Annotated[Optional[str], typer.Option("--file", help="The schema of a file as written, for editors: instance, catalog, scenario or sweep (as published in schemas/).")] = None,  # noqa: E501
) -> None:
    """Print the JSON Schema of the (merged) instance format, of a file as written (--file KIND,
    what editors check), or of solution.json (--solution; versioned: schema_version)."""
    if solution:
        from ..solution_schema import solution_json_schema  # pydantic: only when asked

        print(json.dumps(solution_json_schema(), indent=2))
        return
    if file is not None:
        from ..file_schemas import KINDS, file_schema  # pydantic: only when asked

        if file not in KINDS:
            err.print(f"error: --file takes one of {', '.join(KINDS)}, not '{file}'",
                      markup=False)
            raise typer.Exit(ExitCode.USAGE)
        print(json.dumps(file_schema(file), indent=2, ensure_ascii=False))
        return
    from ..schema import instance_json_schema  # pydantic: only when asked

    print(json.dumps(instance_json_schema(), indent=2))
