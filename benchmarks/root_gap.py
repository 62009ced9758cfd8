"""Where the root gap comes from (issue 23): the LP bound family by family, against a plan.

    python -m benchmarks.root_gap FILE --plan out/solution.json [--set PATH=VALUE ...]
                                  [--cuts a,b] [--online variable|expression] [--top 12]

With z_LP the LP relaxation (every integer relaxed, netopt's valid inequalities in, no HiGHS
cuts) and z* the plan's cost (every integer column fixed at the plan's value, the rest an LP:
the plan's builds with the best operations; equals the plan's objective when the solve that
wrote it was optimal in its continuous part), the gap z* - z_LP is split two ways:

- *relax one family*: every integer fixed at the plan but family F relaxed (z_-F). The share
  (z* - z_-F) / (z* - z_LP) is what F's integrality alone is worth with the rest decided.
- *fix one family*: family F fixed at the plan, every other integer relaxed (z_F). The share
  (z_F - z_LP) / (z* - z_LP) is what knowing F's plan values closes from the LP's side.

Families are the integer columns by variable and element kind (build of facilities, routes,
vehicles; integer trips), and each element alone for the *relax one* split (the elements whose
integrality the bound loses most: where a valid inequality would pay). Numbers are LP optima:
deterministic, so a loaded machine changes the time this takes, not the figures.
Not a test: a measurement, recorded in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import highspy
import numpy as np

from netopt import highs
from netopt.compile import compile_model
from netopt.plan import Plan


def families(plan: Plan, columns: list) -> dict[str, list[int]]:
    """Integer column indices by family: 'build:<kind>' / 'trips', and 'element:<name>'."""
    p = plan.prepared
    kind = {**{f: "facility" for f in p.facility}, **{r: "route" for r in p.route},
            **{v.name: "vehicle" for v in plan.instance.vehicles}}
    out: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(columns):
        if not v.is_integer():
            continue
        name = v.parent_component().local_name
        e = v.index()[0]
        out[f"{name}:{kind.get(e, 'other')}" if name == "build" else name].append(i)
        out[f"element:{e}"].append(i)
    return dict(out)


def plan_values(plan: Plan, columns: list, solution: Path) -> np.ndarray:
    """The plan's value of each integer column (builds from solution.json; integer trips from
    its trips table); NaN for a column the plan does not give."""
    doc = json.loads(solution.read_text(encoding="utf-8"))
    builds = {(b["name"], b["stage"]): b["units"] for b in doc.get("builds", [])}
    # per-step rows name their step by (stage, start year); steps carry the model's step name
    step = {(s["stage"], s["start_year"]): s for s in doc.get("steps", [])}
    trips = {(t["route"], step[(t["stage"], t["year"])]["name"]): t["trips"]
             for t in doc.get("trips", [])}
    years = {s["name"]: s["years"] for s in doc.get("steps", [])}
    values = np.full(len(columns), np.nan)
    for i, v in enumerate(columns):
        if not v.is_integer():
            continue
        name = v.parent_component().local_name
        if name == "build":
            values[i] = builds.get(v.index(), 0.0)
        elif name == "trips":
            values[i] = round(trips.get(v.index(), 0.0))
        elif name == "trip_count":  # whole trips in a step under a year: l_s x trips per year
            r, t = v.index()
            values[i] = round(trips.get((r, t), 0.0) * years[t])
    return values


def lp_value(h: Any, mat: highs.Matrices, fixed: np.ndarray, values: np.ndarray) -> float:
    """The LP with the columns `fixed` (bool mask) at `values`, the other integers relaxed."""
    lower = np.where(fixed, values, mat.col_lower)
    upper = np.where(fixed, values, mat.col_upper)
    n = len(lower)
    h.changeColsBounds(n, np.arange(n, dtype=np.int32), lower, upper)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return float("nan")
    return float(h.getInfo().objective_function_value)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--plan", required=True, type=Path, help="solution.json of the plan")
    ap.add_argument("--set", dest="sets", action="append", default=[])
    ap.add_argument("--cuts", default=None, help="comma-separated; 'none' for none")
    ap.add_argument("--online", default=None)
    ap.add_argument("--top", type=int, default=12, help="elements to list")
    a = ap.parse_args(argv)
    plan = Plan.read(a.file, sets=a.sets)
    cuts = None if a.cuts is None else ([] if a.cuts == "none" else a.cuts.split(","))
    compiled = compile_model(plan.prepared, cuts=cuts, online=a.online)
    mat = highs.to_matrices(compiled.model)
    h, _ = highs.build(mat)
    h.changeColsIntegrality(len(mat.integer), mat.integer.astype(np.int32),
                            np.full(len(mat.integer), highspy.HighsVarType.kContinuous))
    values = plan_values(plan, mat.columns, a.plan)
    integer = ~np.isnan(values)
    fam = families(plan, mat.columns)
    t0 = time.perf_counter()
    none = np.zeros(len(values), bool)
    z_lp = lp_value(h, mat, none, values)
    z_star = lp_value(h, mat, integer, values)
    doc = json.loads(a.plan.read_text(encoding="utf-8"))
    gap = z_star - z_lp
    if gap <= 1e-9 * max(1.0, abs(z_star)):
        print(f"z_LP {z_lp:,.3f} = z* {z_star:,.3f}: no root gap to split")
        return
    print(f"{a.file} {' '.join(a.sets)}: {len(mat.columns)} columns, {len(mat.row_lower)} rows, "
          f"{int(integer.sum())} integer")
    print(f"z_LP {z_lp:,.3f}; z* (plan's integers fixed) {z_star:,.3f} (plan's objective "
          f"{doc.get('objective', float('nan')):,.3f}); root gap {gap:,.3f} = "
          f"{gap / abs(z_star):.2%} of z*")
    print(f"{'family':<28}{'columns':>8}{'relax one: z_-F':>20}{'share':>8}"
          f"{'fix one: z_F':>18}{'share':>8}")
    for name, cols in sorted(fam.items()):
        if name.startswith("element:"):
            continue
        mask = np.zeros(len(values), bool)
        mask[cols] = True
        z_minus = lp_value(h, mat, integer & ~mask, values)
        z_only = lp_value(h, mat, mask, values)
        print(f"{name:<28}{len(cols):>8}{z_minus:>20,.3f}{(z_star - z_minus) / gap:>8.1%}"
              f"{z_only:>18,.3f}{(z_only - z_lp) / gap:>8.1%}")
    rows = []
    for name, cols in fam.items():
        if name.startswith("element:"):
            mask = np.zeros(len(values), bool)
            mask[cols] = True
            rows.append(((z_star - lp_value(h, mat, integer & ~mask, values)) / gap, name, len(cols)))
    print(f"elements whose integrality alone is worth most (relax one, the rest fixed; top {a.top}):")
    for share, name, n in sorted(rows, reverse=True)[:a.top]:
        print(f"  {name[8:]:<36}{n:>6} columns {share:>8.1%}")
    print(f"({len(fam)} LPs in {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
