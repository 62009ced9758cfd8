"""Command line: netopt validate | solve | schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from .status import ExitCode

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Declarative optimizer for space-resources infrastructure.")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _report_input_error(e: Exception) -> None:
    for p in e.problems:  # type: ignore[attr-defined]
        err.print(str(p), markup=False)


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Instance files.")]) -> None:
    """Check instance files; exit 0 if all are valid, 1 with every error otherwise."""
    from .errors import InputError
    from .scenario import load_instance

    bad = False
    for f in files:
        try:
            inst, warnings = load_instance(f)  # an instance, or a scenario naming its base
        except InputError as e:
            _report_input_error(e)
            bad = True
            continue
        for w in warnings:
            err.print(str(w), markup=False)
        out.print(f"{f}: valid ({len(inst.facilities)} facilities, {len(inst.routes)} routes, "
                  f"{len(inst.horizon.stages)} stages)", markup=False)
    raise typer.Exit(ExitCode.INVALID_INPUT if bad else ExitCode.OK)


@app.command()
def solve(
    file: Annotated[Path, typer.Argument(help="Instance file.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write solution.json and CSV tables here.")] = None,  # noqa: E501
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", min=0, help="Seconds.")] = None,  # noqa: E501
    gap: Annotated[Optional[float], typer.Option("--gap", min=0, help="Relative MIP gap (default: solver's, HiGHS 1e-4).")] = None,  # noqa: E501
    threads: Annotated[Optional[int], typer.Option("--threads", min=1)] = None,
    solver: Annotated[str, typer.Option("--solver", help="highs, or any solver Pyomo knows.")] = "highs",  # noqa: E501
    seed: Annotated[int, typer.Option("--seed", help="Solver random seed.")] = 0,
    option: Annotated[Optional[list[str]], typer.Option("--option", help="Solver option KEY=VALUE (repeatable), e.g. mip_max_nodes=100.")] = None,  # noqa: E501
    log: Annotated[bool, typer.Option("--log", help="Show the solver's log.")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Print only the status line.")] = False,  # noqa: E501
    scenario: Annotated[Optional[list[Path]], typer.Option("--scenario", help="Scenario file (overrides of the base) applied first (repeatable; docs/scenarios.md).")] = None,  # noqa: E501
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override PATH=VALUE (repeatable; VALUE is YAML), e.g. routes[launch].cost_per_t=1.4.")] = None,  # noqa: E501
) -> None:
    """Solve an instance: print the staged build-out; with -o write solution.json and CSVs."""
    from .errors import InputError
    from .scenario import load_instance
    from .solve import SolveOptions, SolverUnavailable
    from .solve import solve as run
    from .status import exit_code
    from .summary import print_summary

    timings: dict[str, float] = {}
    try:
        inst, warnings = load_instance(file, scenario or [], set_ or [], timings)
    except InputError as e:
        _report_input_error(e)
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    for w in warnings:
        err.print(str(w), markup=False)
    opts = SolveOptions(time_limit=time_limit, gap=gap, threads=threads, solver=solver,
                        seed=seed, tee=log, solver_options=_parse_options(option or []))
    try:
        sol = run(inst, opts, timings=timings)
    except SolverUnavailable as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(ExitCode.USAGE) from None
    if quiet:
        out.print(f"{sol.instance}: {sol.status.value}"
                  + (f", objective {sol.objective:,.6g}" if sol.objective is not None else ""))
    else:
        print_summary(sol, out)
    if output is not None:
        if sol.status.has_solution:
            sol.write(output)
            out.print(f"wrote {output}/solution.json and {len(sol.tables())} CSV tables",
                      markup=False)
        else:
            err.print(f"no solution: nothing written to {output}", markup=False)
    raise typer.Exit(exit_code(sol.status))


def _parse_options(items: list[str]) -> dict[str, object]:
    options: dict[str, object] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"'{item}' is not KEY=VALUE", param_hint="--option")
        value: object = raw
        for convert in (int, float):
            try:
                value = convert(raw)
                break
            except ValueError:
                continue
        options[key.strip()] = value
    return options


@app.command()
def schema(
    solution: Annotated[bool, typer.Option("--solution", help="The schema of solution.json instead.")] = False,  # noqa: E501
) -> None:
    """Print the JSON Schema of the instance format (for editors), or with --solution of
    solution.json (versioned: schema_version)."""
    if solution:
        from .solution_schema import solution_json_schema

        print(json.dumps(solution_json_schema(), indent=2))
        return
    from .schema import instance_json_schema

    print(json.dumps(instance_json_schema(), indent=2))


# netopt export | compare | report: reading solution.json files (netopt/cli_solution.py)
from .cli_solution import compare, export, report  # noqa: E402

app.command()(export)
app.command()(compare)
app.command()(report)


from .sweep_cli import sweep as _sweep  # noqa: E402  (netopt sweep: scenarios issue)

app.command("sweep")(_sweep)


def main() -> None:
    app()
