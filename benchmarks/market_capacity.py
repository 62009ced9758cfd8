"""The market_capacity rows (solvers.md, "Valid inequalities") on a market-bound instance:
HiGHS's bound and gap at fixed CPU budgets, per seed, with and without the rows.

    python -m benchmarks.market_capacity instances/neas-700.yaml --seeds 0 1 2 --cpu-limit 150
    python -m benchmarks.market_capacity instances/neas-700.yaml --one --seed 0 --log highs.log

Each (seed, variant) runs in its own process, one after another, the variants interleaved per
seed so that a change in the machine's load falls on both alike. A run is HiGHS alone on the
model netopt hands over (1 thread, default gap unless --gap), stopped from its MIP callback once
the process has used --cpu-limit CPU seconds in the solve (CPU, not wall: the machine is shared).
The callback records every change of incumbent and bound, so one run gives the gap at each
budget in --checkpoints. Prints one JSON line per run, then medians per variant; JSON lines also
to --out. The load average before and after and the commit are printed with the table."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

VARIANTS = {"default": "aggregate_capacity,linking",
            "market": "aggregate_capacity,linking,market_capacity",
            # the same rows unrounded (S - C - sum_j a_j y_j <= -D): implied by the LP, they only
            # hand HiGHS's own cover and MIR separators the knapsack in one row
            "market-row": "aggregate_capacity,linking,+market_row"}


def unrounded_rows(c: Any) -> int:
    """Add market_capacity's rows before the rounding (an experiment, not a model family)."""
    import pyomo.core as pyo

    from netopt.compile import _market_rows

    found = _market_rows(c, c.prepared)
    rows = {}
    for key, (units, other, need, _) in found.items():
        for v, a in zip(units.vars, units.coefs):
            other.add(v, -a)
        rows[key] = (other, -need)
    if rows:
        c.model.market_row = pyo.Constraint(sorted(rows), rule=lambda m, n, k, t: (
            None, rows[(n, k, t)][0].expr(), rows[(n, k, t)][1]))
    return len(rows)


def one(args: argparse.Namespace) -> None:
    """One HiGHS run (in this process): JSON on stdout."""
    from netopt import highs
    from netopt.plan import Plan
    from netopt.solve import SolveOptions, highs_options

    plan = Plan.read(args.instance)
    names = [c for c in args.cuts.split(",") if c and c != "none"]
    cuts = [c for c in names if not c.startswith("+")]
    compiled = plan.build(cuts=cuts)
    rows = sum(len(getattr(compiled.model, c)) for c in cuts if hasattr(compiled.model, c))
    if "+market_row" in names:
        rows += unrounded_rows(compiled)
    h, _ = highs.build(highs.to_matrices(compiled.model))
    highs.set_options(h, highs_options(SolveOptions(gap=args.gap, seed=args.seed, threads=1)))
    h.setOptionValue("time_limit", 4.0 * args.cpu_limit)  # a backstop only
    if args.log:
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("log_file", args.log)
    trace: list[tuple[float, float, float]] = []
    c0 = time.process_time()

    def watch(e: Any) -> None:
        out = e.data_out
        cpu = time.process_time() - c0
        point = (cpu, out.mip_primal_bound, out.mip_dual_bound)
        if not trace or point[1:] != trace[-1][1:]:
            trace.append(point)
        if cpu > args.cpu_limit:
            e.interrupt()

    h.cbMipInterrupt += watch
    w0 = time.perf_counter()
    with highs.SCHEDULER.use(1):
        h.run()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    info = h.getInfo()
    print(json.dumps({"instance": args.instance, "seed": args.seed, "cuts": args.cuts,
                      "cut_rows": rows, "status": h.getModelStatus().name, "cpu": cpu,
                      "wall": wall, "nodes": info.mip_node_count,
                      "objective": info.objective_function_value,
                      "bound": info.mip_dual_bound, "gap": info.mip_gap, "trace": trace}))


def gap_at(rec: dict, budget: float) -> float | None:
    """Relative gap (HiGHS's definition) at `budget` CPU seconds, from the run's trace."""
    seen = [(inc, bd) for cpu, inc, bd in rec["trace"] if cpu <= budget]
    if not seen or abs(seen[-1][0]) == float("inf") or abs(seen[-1][0]) > 1e300:
        return None
    inc, bd = seen[-1]
    return abs(inc - bd) / max(abs(inc), 1e-9)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--cpu-limit", type=float, default=120.0)
    ap.add_argument("--checkpoints", type=float, nargs="+", default=[30.0, 60.0, 120.0])
    ap.add_argument("--gap", type=float, default=None)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--out", default=None)
    ap.add_argument("--log", default=None, help="with --one: HiGHS's log to this file")
    ap.add_argument("--one", action="store_true", help="one run in this process (--seed, --cuts)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cuts", default="aggregate_capacity,linking",
                    help="with --one: comma-separated cut names (+market_row: the unrounded rows)")
    args = ap.parse_args(argv)
    if args.one:
        return one(args)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    load0 = os.getloadavg()
    recs: dict[str, list[dict]] = {v: [] for v in args.variants}
    for seed in args.seeds:
        for v in args.variants:
            cmd = [sys.executable, "-m", "benchmarks.market_capacity", args.instance, "--one",
                   "--seed", str(seed), "--cuts", VARIANTS[v], "--cpu-limit", str(args.cpu_limit)]
            if args.gap is not None:
                cmd += ["--gap", str(args.gap)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            rec = json.loads(out.strip().splitlines()[-1])
            rec["variant"], rec["load"] = v, os.getloadavg()[0]
            recs[v].append(rec)
            brief = {k: rec[k] for k in ("variant", "seed", "cut_rows", "status", "cpu", "wall",
                                         "nodes", "objective", "bound", "gap", "load")}
            print(json.dumps(brief), flush=True)
            if args.out:
                with open(args.out, "a") as f:
                    f.write(json.dumps(rec) + "\n")
    load1 = os.getloadavg()
    print(f"\ncommit {commit}; load average before {load0[0]:.1f}/{load0[1]:.1f}/{load0[2]:.1f}, "
          f"after {load1[0]:.1f}/{load1[1]:.1f}/{load1[2]:.1f} on {os.cpu_count()} cores")
    head = " | ".join(f"gap at {c:g} CPU-s" for c in args.checkpoints)
    print(f"| variant | seeds | {head} | bound at the end | incumbent | nodes |")
    print("|---|---|" + "---|" * len(args.checkpoints) + "---|---|---|")
    for v, rs in recs.items():
        gaps = []
        for c in args.checkpoints:
            vals = [g for g in (gap_at(r, c) for r in rs) if g is not None]
            gaps.append(f"{100 * statistics.median(vals):.4f} %" if vals else "-")
        print(f"| {v} | {len(rs)} | " + " | ".join(gaps)
              + f" | {statistics.median(r['bound'] for r in rs):.2f}"
              + f" | {statistics.median(r['objective'] for r in rs):.2f}"
              + f" | {statistics.median(r['nodes'] for r in rs):.0f} |")


if __name__ == "__main__":
    main()
