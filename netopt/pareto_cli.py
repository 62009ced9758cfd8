"""`netopt pareto`: the command (registered in cli.py) and its table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from .status import ExitCode, exit_code

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def pareto(
    file: Annotated[Path, typer.Argument(help="Instance file (or a scenario naming its base).")],
    points: Annotated[int, typer.Option("--points", "-n", min=2, help="ε-constraint solves between the two single-objective optima (ends included).")] = 5,  # noqa: E501
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Directory for pareto.json and pareto.png (default: <file>-pareto/).")] = None,  # noqa: E501
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", min=0, help="Seconds per solve.")] = None,  # noqa: E501
    gap: Annotated[Optional[float], typer.Option("--gap", min=0, help="Relative MIP gap per solve.")] = None,  # noqa: E501
    threads: Annotated[Optional[int], typer.Option("--threads", min=1)] = None,
    scenario: Annotated[Optional[list[Path]], typer.Option("--scenario", help="Scenario file applied first (repeatable).")] = None,  # noqa: E501
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override PATH=VALUE (repeatable).")] = None,  # noqa: E501
) -> None:
    """The cost–launch-mass trade-off: minimum discounted cost for launch masses (t bought on
    Earth's surface over the horizon) between the two single-objective optima, by the
    ε-constraint method; prints the non-dominated plans, writes pareto.json and pareto.png."""
    from .errors import InputError
    from .pareto import FrontError, trace, write
    from .scenario import load_instance
    from .solve import SolveOptions, SolverUnavailable

    try:
        inst, warnings = load_instance(file, scenario or [], set_ or [])
    except InputError as e:
        for p in e.problems:
            err.print(str(p), markup=False)
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    for w in warnings:
        err.print(str(w), markup=False)
    opts = SolveOptions(time_limit=time_limit, gap=gap, threads=threads)
    try:
        front = trace(inst, points, opts)
    except FrontError as e:
        err.print(f"error: no front: {e}", markup=False)
        raise typer.Exit(ExitCode.INVALID_INPUT if e.status is None else exit_code(e.status)
                         ) from None
    except SolverUnavailable as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(ExitCode.USAGE) from None
    money, mass = front.units.get("money", ""), front.units.get("mass", "t")
    table = Table(title=f"{front.instance}: cost vs launch mass, {len(front.points)} "
                        f"non-dominated plans ({front.dropped} dominated or repeated dropped, "
                        f"{front.solves} solves)", title_justify="left")
    table.add_column(f"launch mass ({mass})", justify="right")
    table.add_column(f"cost ({money}, discounted)", justify="right")
    table.add_column("built")
    for p in front.points:
        by_name: dict[str, list[str]] = {}
        for b in p.builds:
            by_name.setdefault(b["name"], []).append(f"{b['stage']}:{b['units']}")
        built = "; ".join(f"{n} {' '.join(v)}" for n, v in by_name.items()) or "-"
        table.add_row(f"{p.launch_mass:,.6g}", f"{p.cost:,.6g}", built)
    out.print(table)
    target = output if output is not None else file.with_name(f"{file.stem}-pareto")
    files = write(front, target)
    out.print("wrote " + ", ".join(str(f) for f in files), markup=False)
    raise typer.Exit(ExitCode.OK)
