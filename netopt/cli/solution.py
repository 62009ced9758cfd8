"""Commands that read solution.json files: export, compare, report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..dense import write_netcdf
from ..graph import write_graphml
from ..results import Solution
from ..status import ExitCode
from .common import err, exit_codes, out

# a missing or unreadable file is bad input (exit 1) here as for instance files: _read says so
SolutionArg = Annotated[Path, typer.Argument(help="A solution.json file.")]


def _read(path: Path) -> Any:
    from ..solution_schema import SolutionFileError  # pydantic: only to read a solution

    try:
        return Solution.read(path)
    except SolutionFileError as e:
        err.print(str(e), markup=False)
    except OSError as e:  # the same words as for an instance file (parse.read_text)
        err.print(f"{path}: cannot read file: {e.strerror or e}", markup=False)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        err.print(f"{path}: cannot read: {e}", markup=False)
    raise typer.Exit(ExitCode.INVALID_INPUT)


def export(
    solution: SolutionArg,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Directory: tidy tables (CSV; Parquet with --parquet), solution.json, and one GraphML file per stage.")] = None,  # noqa: E501
    csv: Annotated[bool, typer.Option("--csv/--no-csv", help="CSV tables in the -o directory.")] = True,  # noqa: E501
    parquet: Annotated[bool, typer.Option("--parquet", help="Parquet tables too (needs pyarrow: pip install 'netopt[parquet]').")] = False,  # noqa: E501
    graphml: Annotated[Optional[Path], typer.Option("--graphml", help="GraphML file (one per stage, NAME-STAGE.graphml, unless --stage or a single stage).")] = None,  # noqa: E501
    stage: Annotated[Optional[str], typer.Option("--stage", help="Only this stage's graph.")] = None,  # noqa: E501
    multi: Annotated[bool, typer.Option("--multi", help="GraphML with one edge per route (parallel routes kept apart).")] = False,  # noqa: E501
    netcdf: Annotated[bool, typer.Option("--netcdf", help="solution.nc too: every table as dense arrays by step (or stage), element and commodity (and leaf, with an uncertainty tree), zeros kept, units as attributes (needs pip install 'netopt[netcdf]').")] = False,  # noqa: E501
) -> None:
    """Export a solution for other tools: tidy CSV / Parquet tables, netCDF arrays, and GraphML
    network graphs."""
    if output is None and graphml is None:
        err.print("nothing to do: give -o DIR and/or --graphml FILE", markup=False)
        raise typer.Exit(ExitCode.USAGE)
    if netcdf and output is None:
        err.print("--netcdf writes DIR/solution.nc: give -o DIR", markup=False)
        raise typer.Exit(ExitCode.USAGE)
    sol = _read(solution)
    if stage is not None and stage not in sol.stage_names:
        err.print(f"no stage '{stage}' (stages: {', '.join(sol.stage_names)})", markup=False)
        raise typer.Exit(ExitCode.USAGE)
    written: list[Path] = []
    try:
        with exit_codes("writing"):
            if output is not None:  # the folder replaced whole: never half old, half new
                def more(folder: Path) -> list[Path]:
                    files = write_graphml(sol, folder / "network.graphml", stage, multi=multi)
                    return files + ([write_netcdf(sol, folder / "solution.nc")] if netcdf else [])

                written += sol.write(output, csv=csv, parquet=parquet, extra=more)
            if graphml is not None:
                written += write_graphml(sol, graphml, stage, multi=multi)
    except ImportError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(ExitCode.USAGE) from None
    for p in written:
        out.print(f"wrote {p}", markup=False)


def compare(
    a: SolutionArg,
    b: SolutionArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the differences as JSON.")] = False,  # noqa: E501
    flows: Annotated[int, typer.Option("--flows", min=0, help="How many of the largest flow changes to list.")] = 10,  # noqa: E501
) -> None:
    """What differs between two solutions: objective, stages, builds, costs, largest flow changes.
    Exit code 0 whether or not they differ."""
    sa, sb = _read(a), _read(b)
    # compare and report only for their commands: `netopt solve` and --help import neither
    from ..compare import compare as compare_solutions
    from ..compare import print_comparison

    c = compare_solutions(sa, sb, str(a), str(b), max_flows=flows)
    if as_json:
        print(json.dumps(c.to_dict(), indent=1))
    else:
        print_comparison(c, out, sa.units.get("money", ""))


def report(
    solution: SolutionArg,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Report file (default report.html, or report.md with --format md).")] = None,  # noqa: E501
    fmt: Annotated[str, typer.Option("--format", help="html: one self-contained file; md: Markdown + PNG figures in NAME_files/.")] = "html",  # noqa: E501
    title: Annotated[Optional[str], typer.Option("--title", help="Report title (default: the instance name).")] = None,  # noqa: E501
) -> None:
    """Write a report for people: summary, network per stage, build timeline, costs, tables."""
    if fmt not in ("html", "md"):
        err.print(f"--format must be html or md, not '{fmt}'", markup=False)
        raise typer.Exit(ExitCode.USAGE)
    sol = _read(solution)
    path = output or Path("report.html" if fmt == "html" else "report.md")
    from ..report import write_html, write_markdown  # see compare above (0.1 s of imports)

    with exit_codes(f"writing {path}"):
        written = (write_html if fmt == "html" else write_markdown)(sol, path, title=title)
    out.print(f"wrote {written[0]}" + (f" and {len(written) - 1} figures" if len(written) > 1
                                       else ""), markup=False)
