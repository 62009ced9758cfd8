"""Year resolution on the roadmap (issue 12): load, compile, hand-over and time to a 1 % gap,
against the same instance at stage resolution in the same run.

    python -m benchmarks.time_resolution --repeat 3 --time-limit 600

Each run loads instances/roadmap-2100.yaml afresh (resolution: year as shipped; the baseline sets
horizon.resolution to stage: one step per stage, every other time rule unchanged), solves with
`--gap 0.01 --threads 2` and the time limit, and prints the phases (seconds), the model size, the
status and the gap reached. Medians over the repeats at the end. Not a test: a benchmark.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from pyomo.core import Constraint, Var

from netopt import SolveOptions
from netopt.plan import Plan, override

ROADMAP = Path(__file__).resolve().parent.parent / "instances" / "roadmap-2100.yaml"
PHASES = ("load", "compile", "handover", "solve")


def run(resolution: str, time_limit: float) -> dict:
    t0 = time.perf_counter()
    plan = Plan.read(ROADMAP)
    if resolution != "year":
        plan = Plan.of(override(plan.instance, {"horizon.resolution": resolution}))
    load = time.perf_counter() - t0
    sol = plan.solve(SolveOptions(gap=0.01, threads=2, time_limit=time_limit))
    compiled = plan.build()
    rows = sum(len(c) for c in compiled.model.component_objects(ctype=Constraint))
    cols = sum(len(v) for v in compiled.model.component_objects(ctype=Var))
    return {"load": load, "compile": sol.timings.get("compile", 0.0),
            "handover": sol.timings.get("handover", 0.0), "solve": sol.timings.get("solve", 0.0),
            "status": sol.status.value, "gap": sol.gap, "objective": sol.objective,
            "rows": rows, "cols": cols}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--resolutions", nargs="+", default=["stage", "year"])
    args = ap.parse_args()
    results: dict[str, list[dict]] = {r: [] for r in args.resolutions}
    for i in range(args.repeat):
        for res in args.resolutions:  # interleaved, so that load on the machine hits both
            r = run(res, args.time_limit)
            results[res].append(r)
            print(f"run {i + 1} {res:5s}: " + ", ".join(f"{k} {r[k]:.2f} s" for k in PHASES)
                  + f"; {r['status']}, gap {r['gap'] or float('nan'):.4f}, "
                  f"objective {r['objective'] or float('nan'):.1f}; "
                  f"{r['rows']} rows x {r['cols']} columns", flush=True)
    print("medians:")
    for res, runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in PHASES}
        print(f"  {res:5s}: " + ", ".join(f"{k} {v:.2f} s" for k, v in med.items())
              + f"; gaps {[r['gap'] and round(r['gap'], 4) for r in runs]}")


if __name__ == "__main__":
    main()
