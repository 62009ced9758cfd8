"""Command line: netopt validate | solve | schema."""

from __future__ import annotations

import gc
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
    from .plan import load_instance

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
    cuts: Annotated[Optional[str], typer.Option("--cuts", help="Valid inequalities to add: comma-separated from aggregate_capacity, linking; 'none' for none (default: all).")] = None,  # noqa: E501
    elastic: Annotated[bool, typer.Option("--elastic", help="Meet as much required demand as possible, then at least cost; report what is unmet.")] = False,  # noqa: E501
    scenario: Annotated[Optional[list[Path]], typer.Option("--scenario", help="Scenario file (overrides of the base) applied first (repeatable; docs/scenarios.md).")] = None,  # noqa: E501
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override PATH=VALUE (repeatable; VALUE is YAML), e.g. routes\\[launch].cost_per_t=1.4.")] = None,  # noqa: E501
) -> None:
    """Solve an instance: print the staged build-out; with -o write solution.json and CSVs."""
    from .errors import InputError
    from .plan import Plan
    from .solve import SolveOptions, SolverUnavailable
    from .status import exit_code
    from .summary import print_summary

    # One model per process, freed at exit: the cyclic collector would only re-scan its millions
    # of objects each time a phase allocates (capa-8000, 100k routes: 1.3 s of a 10.5 s run)
    gc.disable()
    try:
        plan = Plan.read(file, scenario or [], set_ or [])
    except InputError as e:
        _report_input_error(e)
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    for w in plan.warnings:
        err.print(str(w), markup=False)
    opts = SolveOptions(time_limit=time_limit, gap=gap, threads=threads, solver=solver,
                        seed=seed, tee=log, solver_options=_parse_options(option or []),
                        progress=None if (quiet or log) else _progress_printer(),
                        elastic=elastic, cuts=_parse_cuts(cuts))
    try:
        sol = plan.solve(opts)
    except SolverUnavailable as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(ExitCode.USAGE) from None
    if opts.progress is not None and err.is_terminal:
        err.file.write("\r" + " " * 78 + "\r")
    if quiet:
        out.print(f"{sol.instance}: {sol.status.value}"
                  + (f", objective {sol.objective:,.6g}" if sol.objective is not None else ""))
        if sol.message and not sol.status.has_solution:
            out.print(sol.message, markup=False)
    else:
        print_summary(sol, out)
    if output is not None:
        if sol.status.has_solution:
            tables = sum(p.suffix == ".csv" for p in sol.write(output))
            out.print(f"wrote {output}/solution.json and {tables} CSV tables", markup=False)
        else:
            err.print(f"no solution: nothing written to {output}", markup=False)
    raise typer.Exit(exit_code(sol.status))


def _progress_printer(start_after: float = 2.0, every_plain: float = 10.0):
    """Live progress on stderr: one updating line on a terminal, a line every 10 s otherwise."""
    last = [0.0]

    def show(p) -> None:
        if p.elapsed < start_after:
            return
        fmt = (lambda x: "-" if x is None else f"{x:,.6g}")
        line = (f"  {p.elapsed:6.0f} s  incumbent {fmt(p.incumbent)}  bound {fmt(p.bound)}  "
                f"gap {'-' if p.gap is None else f'{p.gap:.2%}'}")
        if err.is_terminal:
            err.file.write("\r" + line.ljust(78))
            err.file.flush()
        elif p.elapsed - last[0] >= every_plain:
            last[0] = p.elapsed
            err.print(line, markup=False)

    return show


def _parse_cuts(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    from .compile import CUTS  # Pyomo: only when asked

    names = tuple(c.strip() for c in text.split(",") if c.strip() and c.strip() != "none")
    unknown = [c for c in names if c not in CUTS]
    if unknown:
        raise typer.BadParameter(f"unknown cut(s) {', '.join(unknown)}; known: "
                                 f"{', '.join(CUTS)}, none", param_hint="--cuts")
    return names


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


catalog_app = typer.Typer(no_args_is_help=True, help="Generate instances from external catalogs.")
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("neas")
def catalog_neas(
    file: Annotated[Path, typer.Argument(help="JPL 'NEA Delta-V for Spacecraft Rendezvous' list (e.g. data/benner_dv_2013-04-14.txt).")],  # noqa: E501
    output: Annotated[Path, typer.Option("-o", "--output", help="Instance file to write.")],
    max_dv: Annotated[Optional[float], typer.Option("--max-dv", help="Most delta-v from LEO, km/s.")] = 6.0,  # noqa: E501
    max_h: Annotated[Optional[float], typer.Option("--max-h", help="Faintest absolute magnitude H (smaller H: bigger).")] = 22.0,  # noqa: E501
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Keep at most this many candidates (lowest delta-v first).")] = None,  # noqa: E501
    min_capacity: Annotated[float, typer.Option("--min-capacity", min=0, help="Drop mines smaller than this, t/yr.")] = 100.0,  # noqa: E501
    water_min_a: Annotated[float, typer.Option("--water-min-a", help="Type rule: unknown-type asteroids with a >= this (AU) hold water, the rest metal.")] = 1.5,  # noqa: E501
    start_year: Annotated[int, typer.Option("--start-year")] = 2030,
    stages: Annotated[int, typer.Option("--stages", min=1)] = 10,
    stage_years: Annotated[int, typer.Option("--stage-years", min=1)] = 5,
    discount_rate: Annotated[float, typer.Option("--discount-rate", min=0, max=0.99)] = 0.05,
    mining_from: Annotated[int, typer.Option("--mining-from", min=0, help="Index of the first stage in which mines can be built.")] = 1,  # noqa: E501
    launch_price: Annotated[float, typer.Option("--launch-price", min=0, help="Earth -> LEO, money per t.")] = 2.72,  # noqa: E501
    water_price: Annotated[float, typer.Option("--water-price", min=0, help="Water sold in LEO, money per t.")] = 1.0,  # noqa: E501
    metal_price: Annotated[float, typer.Option("--metal-price", min=0, help="Metals sold in LEO, money per t.")] = 1.0,  # noqa: E501
    water_market: Annotated[float, typer.Option("--water-market", min=0, help="Most water sold in the last stage, t/yr.")] = 100_000.0,  # noqa: E501
    metal_market: Annotated[float, typer.Option("--metal-market", min=0, help="Most metals sold in the last stage, t/yr.")] = 50_000.0,  # noqa: E501
    models: Annotated[Optional[Path], typer.Option("--models", help="Directory of the catalogs (models/).")] = None,  # noqa: E501
) -> None:
    """Turn the JPL NEA delta-v list into candidate asteroid mines and routes around a LEO hub."""
    from .catalog import Assumptions, NeaOptions, generate

    opts = NeaOptions(max_dv=max_dv, max_h=max_h, limit=limit, min_capacity=min_capacity,
                      start_year=start_year, stages=stages, stage_years=stage_years,
                      discount_rate=discount_rate, mining_from=mining_from,
                      launch_price=launch_price, water_price=water_price, metal_price=metal_price,
                      water_market=water_market, metal_market=metal_market)
    command = ["netopt", "catalog", "neas", str(file)]
    if max_dv is not None:
        command += ["--max-dv", f"{max_dv:g}"]
    if max_h is not None:
        command += ["--max-h", f"{max_h:g}"]
    defaults = NeaOptions()
    for flag, name in (("--limit", "limit"), ("--min-capacity", "min_capacity"),
                       ("--start-year", "start_year"), ("--stages", "stages"),
                       ("--stage-years", "stage_years"), ("--discount-rate", "discount_rate"),
                       ("--mining-from", "mining_from"), ("--launch-price", "launch_price"),
                       ("--water-price", "water_price"), ("--metal-price", "metal_price"),
                       ("--water-market", "water_market"), ("--metal-market", "metal_market")):
        if getattr(opts, name) != getattr(defaults, name):
            command += [flag, f"{getattr(opts, name):g}"]
    if water_min_a != Assumptions().water_min_a:
        command += ["--water-min-a", f"{water_min_a:g}"]
    if models is not None:
        command += ["--models", str(models)]
    command += ["-o", str(output)]
    try:
        cands = generate(file, opts, output, command, Assumptions(water_min_a=water_min_a), models)
    except (OSError, ValueError) as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    n_water = sum(c.resource == "water" for c in cands)
    out.print(f"wrote {output}: {len(cands)} candidate asteroids ({n_water} water, "
              f"{len(cands) - n_water} metal)", markup=False)


from .sweep_cli import sweep as _sweep  # noqa: E402  (netopt sweep: scenarios issue)

app.command("sweep")(_sweep)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # outside a solve (a solve keeps its best solution instead)
        err.print("interrupted; nothing written")
        raise SystemExit(130) from None
    finally:
        # the exit would collect a solved model's millions of objects one by one (1 s at 100k
        # routes) for memory the OS frees anyway: frozen objects are not collected
        gc.freeze()
