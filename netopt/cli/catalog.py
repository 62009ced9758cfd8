"""`netopt catalog`: generate instances from external catalogs."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..status import ExitCode
from .common import err, exit_codes, out

catalog_app = typer.Typer(no_args_is_help=True, help="Generate instances from external catalogs.")


@catalog_app.command("neas")
def catalog_neas(
    file: Annotated[Path, typer.Argument(help="JPL 'NEA Delta-V for Spacecraft Rendezvous' list (e.g. data/benner_dv_2013-04-14.txt).")],  # noqa: E501
    output: Annotated[Path, typer.Option("-o", "--output", help="Instance file to write.")],
    max_dv: Annotated[Optional[float], typer.Option("--max-dv", help="Most delta-v from LEO, km/s.")] = 6.0,  # noqa: E501
    max_h: Annotated[Optional[float], typer.Option("--max-h", help="Faintest absolute magnitude H (smaller H: bigger).")] = 22.0,  # noqa: E501
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Keep at most this many candidates (lowest delta-v first).")] = None,  # noqa: E501
    min_capacity: Annotated[float, typer.Option("--min-capacity", min=0, help="Drop mines smaller than this, t/yr.")] = 100.0,  # noqa: E501
    water_min_a: Annotated[float, typer.Option("--water-min-a", help="Type rule: unknown-type asteroids with a >= this (AU) hold water, the rest metal.")] = 1.5,  # noqa: E501
    start_year: Annotated[int, typer.Option("--start-year", min=1900, max=3000)] = 2030,
    stages: Annotated[int, typer.Option("--stages", min=1)] = 10,
    stage_years: Annotated[int, typer.Option("--stage-years", min=1, max=1000)] = 5,
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
    # the catalog code only for this command: `netopt solve` and --help do without it
    from ..catalog import Assumptions, NeaOptions, generate

    for flag, value in (("--max-dv", max_dv), ("--max-h", max_h), ("--min-capacity", min_capacity),
                        ("--water-min-a", water_min_a), ("--launch-price", launch_price),
                        ("--water-price", water_price), ("--metal-price", metal_price),
                        ("--water-market", water_market), ("--metal-market", metal_market)):
        if value is not None and not math.isfinite(value):
            raise typer.BadParameter(f"{value} is not a finite number", param_hint=flag)
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
        with exit_codes(f"making {output}"):  # a write error is a usage error (2)
            cands = generate(file, opts, output, command, Assumptions(water_min_a=water_min_a),
                             models)
    except ValueError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    n_water = sum(c.resource == "water" for c in cands)
    out.print(f"wrote {output}: {len(cands)} candidate asteroids ({n_water} water, "
              f"{len(cands) - n_water} metal)", markup=False)
