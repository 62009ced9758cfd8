"""Seeds and the race (netopt/race.py): time to a proof per HiGHS seed, and what --race N makes of it.

    python -m benchmarks.race instances/roadmap-2100.yaml --seeds 0 1 2 3 4 5 --time-limit 600
    python -m benchmarks.race replay out-*.json --race 2      # the race's winner per base seed
    python -m benchmarks.race live instances/X.yaml --race 2 --base 0 1 2 3 4 --time-limit 600
    ... --set horizon.resolution=stage                           # any override, as netopt solve

`run`: one plain HiGHS solve per seed (1 thread, the default gap unless --gap), each in this
process one after another: CPU seconds of the solve (time.process_time around HiGHS's run only,
so the load of a shared machine does not count), the node count at the end, status, objective,
bound. JSON lines on stdout.

`replay`: the race decides in nodes, not seconds (race.py), so its winner among seeds
s..s+N-1 is the proven seed with the fewest nodes (lowest seed among equals), and its time to the
proof on N free cores is that seed's own time. From the single-seed runs: per base seed s, the
winner and its CPU seconds against seed s alone; medians over the base seeds. Seeds that did not
prove within the limit count as the limit (a lower bound on their time).

`live`: the real race (`SolveOptions(race=N)`) per base seed: wall and CPU seconds, winner."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def run(args: argparse.Namespace) -> None:
    from netopt import highs
    from netopt.plan import Plan
    from netopt.solve import SolveOptions, highs_options

    plan = Plan.read(args.instance, sets=args.set)
    compiled = plan.build(cuts=None if args.cuts is None else [
        c for c in args.cuts.split(",") if c and c != "none"])
    mat = highs.to_matrices(compiled.model)
    for seed in args.seeds:
        h, _ = highs.build(mat)
        highs.set_options(h, highs_options(SolveOptions(gap=args.gap, seed=seed, threads=1)))
        h.setOptionValue("time_limit", float(args.time_limit))
        load = os.getloadavg()[0]
        c0, t0 = time.process_time(), time.perf_counter()
        with highs.SCHEDULER.use(1):
            h.run()
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        info = h.getInfo()
        print(json.dumps({"instance": args.instance, "seed": seed, "gap": args.gap,
                          "status": h.getModelStatus().name, "cpu": cpu, "wall": wall,
                          "nodes": info.mip_node_count,
                          "objective": info.objective_function_value,
                          "bound": info.mip_dual_bound, "load": load,
                          "time_limit": args.time_limit, "cuts": args.cuts,
                          "set": args.set}), flush=True)


def replay(args: argparse.Namespace) -> None:
    rows = {}
    for name in args.files:
        with open(name) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    rows[r["seed"]] = r
    seeds = sorted(rows)
    n = args.race
    if not any(r["status"] == "kOptimal" for r in rows.values()):
        return replay_at_limit(rows, n)
    single, raced = [], []
    for s in seeds:
        lanes = [rows.get(s + i) for i in range(n)]
        if any(x is None for x in lanes):
            continue
        proven = sorted((x for x in lanes if x["status"] == "kOptimal"),
                        key=lambda x: (x["nodes"], x["seed"]))
        t_single = rows[s]["cpu"]
        t_race = proven[0]["cpu"] if proven else max(x["cpu"] for x in lanes)
        who = proven[0]["seed"] if proven else None
        single.append(t_single)
        raced.append(t_race)
        print(f"base seed {s}: alone {t_single:7.1f} CPU-s ({rows[s]['status']}, "
              f"{rows[s]['nodes']} nodes); race of {n}: winner seed {who}, "
              f"{t_race:7.1f} s to the proof on {n} cores")
    if single:
        print(f"median over {len(single)} base seeds: alone {statistics.median(single):.1f} s, "
              f"race {statistics.median(raced):.1f} s, "
              f"ratio {statistics.median(single) / statistics.median(raced):.2f}x")


def _gap(incumbent: float, bound: float) -> float:
    return abs(incumbent - bound) / max(abs(incumbent), 1e-10)


def replay_at_limit(rows: dict, n: int) -> None:
    """Nothing proven: the race's answer per base seed is the best incumbent and the best bound
    over its seeds (each seed's figures at the same limit, as on N free cores)."""
    alone, raced = [], []
    for s in sorted(rows):
        lanes = [rows.get(s + i) for i in range(n)]
        if any(x is None for x in lanes):
            continue
        inc = min(x["objective"] for x in lanes)
        bound = max(x["bound"] for x in lanes)
        who = min(lanes, key=lambda x: (x["objective"], x["seed"]))["seed"]
        alone.append(_gap(rows[s]["objective"], rows[s]["bound"]))
        raced.append(_gap(inc, bound))
        print(f"base seed {s}: alone gap {alone[-1]:.4%} ({rows[s]['cpu']:.0f} CPU-s); race of "
              f"{n}: gap {raced[-1]:.4%} (incumbent from seed {who})")
    if alone:
        print(f"median over {len(alone)} base seeds: gap alone {statistics.median(alone):.4%}, "
              f"race {statistics.median(raced):.4%}")


def live(args: argparse.Namespace) -> None:
    from netopt.plan import Plan
    from netopt.solve import SolveOptions

    plan = Plan.read(args.instance, sets=args.set)
    for base in args.base:
        load = os.getloadavg()[0]
        c0, t0 = time.process_time(), time.perf_counter()
        cuts = None if args.cuts is None else tuple(
            c for c in args.cuts.split(",") if c and c != "none")
        sol = plan.solve(SolveOptions(gap=args.gap, seed=base, race=args.race,
                                      time_limit=args.time_limit, cuts=cuts))
        print(json.dumps({"instance": args.instance, "base": base, "race": args.race,
                          "status": sol.status.value, "objective": sol.objective,
                          "bound": sol.bound, "message": sol.message,
                          "cpu": time.process_time() - c0, "wall": time.perf_counter() - t0,
                          "load": load, "set": args.set}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd")
    r = sub.add_parser("run")
    r.add_argument("instance")
    r.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4, 5])
    r.add_argument("--gap", type=float, default=None)
    r.add_argument("--time-limit", type=float, default=600)
    r.add_argument("--cuts", help="netopt's valid inequalities, e.g. none (default: all)")
    r.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="an override, as netopt solve --set (e.g. horizon.resolution=stage)")
    p = sub.add_parser("replay")
    p.add_argument("files", nargs="+")
    p.add_argument("--race", type=int, default=2)
    v = sub.add_parser("live")
    v.add_argument("instance")
    v.add_argument("--race", type=int, default=2)
    v.add_argument("--base", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    v.add_argument("--gap", type=float, default=None)
    v.add_argument("--time-limit", type=float, default=600)
    v.add_argument("--cuts", help="netopt's valid inequalities, e.g. none (default: all)")
    v.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="an override, as netopt solve --set (e.g. horizon.resolution=stage)")
    args = ap.parse_args()
    {"run": run, "replay": replay, "live": live}.get(args.cmd, lambda a: ap.print_help())(args)


if __name__ == "__main__":
    sys.exit(main())
