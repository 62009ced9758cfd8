"""`netopt pareto`: the cost–launch-mass front (solvers.md), its table and files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from ..files import OutputError, OutputFolder, keep_somewhere
from ..pareto import FrontError, trace, write
from ..plan import load_instance
from ..solve import SolveOptions
from ..status import ExitCode, exit_code
from ..summary import money_text
from .common import (
    Gap,
    Sets,
    Threads,
    TimeLimit,
    err,
    exit_codes,
    exit_unwritten,
    note_cleaned,
    out,
    print_problems,
)

# what `netopt pareto -o DIR` writes: a folder holding anything else is not replaced
PARETO_FILES = re.compile(r"pareto\.(json|png)|\..*\.tmp")


def pareto(
    file: Annotated[Path, typer.Argument(help="Instance file (or a scenario naming its base).")],
    points: Annotated[int, typer.Option("--points", "-n", min=2, help="ε-constraint solves between the two single-objective optima (ends included).")] = 5,  # noqa: E501
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Directory for pareto.json and pareto.png (default: <file>-pareto/).")] = None,  # noqa: E501
    time_limit: TimeLimit = None,
    gap: Gap = None,
    threads: Threads = None,
    scenario: Annotated[Optional[list[Path]], typer.Option("--scenario", help="Scenario file applied first (repeatable).")] = None,  # noqa: E501
    set_: Sets = None,
) -> None:
    """The cost–launch-mass trade-off: minimum discounted cost for launch masses (t bought on
    Earth's surface over the horizon) between the two single-objective optima, by the
    ε-constraint method; prints the non-dominated plans, writes pareto.json and pareto.png."""
    target = output if output is not None else file.with_name(f"{file.stem}-pareto")
    folder = OutputFolder(target, ours=PARETO_FILES)
    with exit_codes("reading the instance"):  # invalid input -> 1, unusable output -> 2
        inst, warnings = load_instance(file, scenario or [], set_ or [])
        folder.prepare()  # as solve -o: a location that cannot be written is known before solving
    note_cleaned(folder)
    print_problems(warnings)
    try:
        with exit_codes("tracing the front"):  # unavailable solver -> 2, Ctrl-C -> 130
            front = trace(inst, points, SolveOptions(time_limit=time_limit, gap=gap,
                                                     threads=threads))
    except FrontError as e:
        folder.abandon()
        err.print(f"error: no front: {e}", markup=False)
        raise typer.Exit(ExitCode.INVALID_INPUT if e.status is None
                         else exit_code(e.status)) from None
    except BaseException:
        folder.abandon()
        raise
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
        table.add_row(money_text(p.launch_mass), money_text(p.cost), built)
    out.print(table)
    try:
        with folder.writing() as tmp:  # the folder replaced whole, as solve -o
            names = [f.name for f in write(front, tmp)]
    except (OutputError, KeyboardInterrupt) as e:
        kept = keep_somewhere(f"{front.instance}-pareto",
                              json.dumps(front.to_dict(), indent=2) + "\n")
        exit_unwritten(e, target, "front", kept)
    out.print("wrote " + ", ".join(str(target / n) for n in names), markup=False)
    raise typer.Exit(ExitCode.OK)
