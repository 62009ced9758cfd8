"""The solve session against cold runs: a sweep of one price on an instance, whole processes.

    python -m benchmarks.session --instance instances/neas-700.yaml \
        --param "demands[leo-water-market].price_per_t=0.5:3.25:12" --gap 0.01 --workers 2 --repeat 5

Each repeat runs the same sweep twice in fresh processes, in place (the default) and cold
(`in_place=False`), alternating, so both share the machine's noise. Reported per sweep: CPU
seconds of the process and all its children (resource.getrusage after they exit, the pool's workers
included: the fork server reaps them), wall seconds, runs per hour of wall time; medians over the
repeats, the ratio cold/in-place of each, and the load average before and after. The two tables
must agree run by run (objective within the gap, status), which the script checks."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
from pathlib import Path
from netopt.load import read_tree
from netopt.solve import SolveOptions
from netopt.sweep import Param, SweepSpec, run_sweep
a = json.loads(sys.argv[1])
data, locs, _ = read_tree(Path(a["instance"]))
spec = SweepSpec([Param(a["path"], a["values"])])
t0 = time.perf_counter()
res = run_sweep(data, spec, locs=locs, options=SolveOptions(gap=a["gap"], seed=a["seed"]),
                workers=a["workers"], in_place=a["in_place"], check_solver=False)
wall = time.perf_counter() - t0
import os, resource
own = resource.getrusage(resource.RUSAGE_SELF)
cpu = own.ru_utime + own.ru_stime
try:  # pool workers are the fork server's children: it reaped them, /proc has their CPU
    from multiprocessing import forkserver
    pid = forkserver._forkserver._forkserver_pid
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    cpu += sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
except (AttributeError, TypeError, OSError):
    pass
print(json.dumps({"wall": wall, "cpu": cpu, "rows": res.rows, "executor": res.executor}))
"""


def one(args: argparse.Namespace, in_place: bool, values: list[float]) -> dict:
    payload = json.dumps({"instance": args.instance, "path": args.path, "values": values,
                          "gap": args.gap, "workers": args.workers, "in_place": in_place,
                          "seed": args.seed})
    out = subprocess.run([sys.executable, "-c", CHILD, payload], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instance", default="instances/neas-700.yaml")
    ap.add_argument("--param", default="demands[leo-water-market].price_per_t=0.5:3.25:12",
                    help="PATH=LOW:HIGH:N (N values evenly spaced)")
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json")
    args = ap.parse_args()
    args.path, spec = args.param.split("=")
    lo, hi, n = spec.split(":")
    values = [round(float(lo) + i * (float(hi) - float(lo)) / (int(n) - 1), 6)
              for i in range(int(n))]
    load0 = os.getloadavg()
    got: dict[str, list[dict]] = {"in_place": [], "cold": []}
    for r in range(args.repeat):
        for mode in (("in_place", "cold") if r % 2 == 0 else ("cold", "in_place")):
            res = one(args, mode == "in_place", values)
            got[mode].append(res)
            print(f"repeat {r} {mode:8s} cpu {res['cpu']:6.1f} s wall {res['wall']:6.1f} s "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    load1 = os.getloadavg()
    mismatches = 0
    for a, b in zip(got["in_place"][0]["rows"], got["cold"][0]["rows"]):
        if a["status"] != b["status"] or abs(float(a["objective"] or 0) - float(
                b["objective"] or 0)) > args.gap * max(1.0, abs(float(b["objective"] or 0))):
            mismatches += 1
    identical = sum(a == b for a, b in zip(got["in_place"][0]["rows"], got["cold"][0]["rows"]))
    summary = {}
    for mode, runs in got.items():
        cpu = statistics.median(x["cpu"] for x in runs)
        wall = statistics.median(x["wall"] for x in runs)
        summary[mode] = {"cpu": cpu, "wall": wall, "cpu_per_run": cpu / len(values),
                         "runs_per_hour": 3600 * len(values) / wall}
    print(f"\n{args.instance} {args.path} {len(values)} values, gap {args.gap}, "
          f"{args.workers} workers, medians of {args.repeat}; load {load0} -> {load1}")
    for mode, s in summary.items():
        print(f"  {mode:8s} cpu {s['cpu']:.1f} s ({s['cpu_per_run']:.2f} per run) wall "
              f"{s['wall']:.1f} s, {s['runs_per_hour']:.0f} runs/hour")
    print(f"  ratio cold / in place: cpu {summary['cold']['cpu'] / summary['in_place']['cpu']:.2f}x"
          f", runs/hour {summary['in_place']['runs_per_hour'] / summary['cold']['runs_per_hour']:.2f}x")
    print(f"  rows identical {identical}/{len(values)}, outside the gap {mismatches}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"summary": summary, "load": [load0, load1], "values": values,
                       "runs": got}, f)


if __name__ == "__main__":
    main()
