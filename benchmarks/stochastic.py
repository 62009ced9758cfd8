"""Extensive form vs progressive hedging as the tree grows: CPU time and peak memory.

The tree: instances/cislunar-ice.yaml with a sampled uncertainty section of N leaves, known at
s2040 (so the 2030 and 2035 builds are here-and-now): the EML1 LOX demand of the 2050s uniform in
1,500-4,500 t/yr, the ice mine's capacity scaled by a uniform 0.3-1.0 (the ice grade). Each
run is a separate process (peak memory is per process): the extensive form on one process, PH on
--ranks MPI ranks (CPU time and peak memory summed over the ranks). Medians over --repeat runs.

    python -m benchmarks.stochastic [--leaves 8 32 128] [--repeat 3] [--ranks 2]
    python -m benchmarks.stochastic --one ef --n 32          # one run, prints a JSON line
    mpiexec -n 2 python -m benchmarks.stochastic --one ph --n 32
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tree_data(n: int, seed: int = 1) -> tuple[dict, object]:
    from netopt.load import read_tree

    data, locs, problems = read_tree(ROOT / "instances" / "cislunar-ice.yaml")
    assert not problems
    data = dict(data)
    data["uncertainty"] = {"sampled": {"name": "draw", "stage": "s2040", "scenarios": n,
                                       "seed": seed, "params": {
        "demands[eml1-lox].amount.s2050": {"dist": "uniform", "low": 1500, "high": 4500},
        "facilities[moon-ice-mine].capacity": {"dist": "uniform", "low": 0.3, "high": 1.0,
                                               "scale": True}}}}
    return data, locs


def one(mode: str, n: int, gap: float) -> dict | None:
    from netopt.plan import Plan
    from netopt.solve import SolveOptions
    from netopt.stochastic.plan import StochasticPlan

    t0, c0 = time.perf_counter(), time.process_time()
    data, locs = tree_data(n)
    sp = StochasticPlan(Plan.from_data(data, locs), data, locs)
    opts = SolveOptions(gap=gap, threads=1)
    if mode == "ef":
        from netopt.stochastic.extensive import solve

        sol = solve(sp, opts, figures=False)
        out = {"objective": sol.objective, "ranks": 1}
        cpu, rss = time.process_time() - c0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"mode": mode, "leaves": n, **out, "cpu": cpu, "wall": time.perf_counter() - t0,
                "rss_mb": rss / 1024, "rss_max_mb": rss / 1024}
    from netopt.stochastic.ph import mpi_status, run_ph

    res = run_ph(sp, opts)
    cpu, rss = time.process_time() - c0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    comm, _ = mpi_status()
    cpus = [cpu] if comm is None else comm.allgather(cpu)
    rsss = [rss] if comm is None else comm.allgather(rss)
    if res.rank != 0:
        return None
    return {"mode": mode, "leaves": n, "objective": res.objective, "bound": res.bound,
            "iterations": res.iterations, "ranks": res.ranks, "cpu": sum(cpus),
            "wall": time.perf_counter() - t0, "rss_mb": sum(rsss) / 1024,
            "rss_max_mb": max(rsss) / 1024}


def run(mode: str, n: int, ranks: int, gap: float) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.stochastic", "--one", mode, "--n", str(n),
           "--gap", str(gap)]
    if mode == "ph":
        mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent))
        cmd = [mpiexec or "mpiexec", "-n", str(ranks), *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leaves", type=int, nargs="+", default=[8, 32, 128])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--gap", type=float, default=1e-4)
    ap.add_argument("--one", choices=["ef", "ph"])
    ap.add_argument("--n", type=int, default=8)
    a = ap.parse_args()
    if a.one:
        out = one(a.one, a.n, a.gap)
        if out is not None:
            print(json.dumps(out))
        return
    print(f"load average before: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores")
    print("| leaves | EF cpu s | EF peak MB | EF objective | PH cpu s (sum of ranks) | "
          "PH peak MB (sum) | PH iterations | PH objective | PH bound |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in a.leaves:
        ef = [run("ef", n, 1, a.gap) for _ in range(a.repeat)]
        ph = [run("ph", n, a.ranks, a.gap) for _ in range(a.repeat)]

        def med(rows: list[dict], key: str) -> float:
            return statistics.median(r[key] for r in rows)

        print(f"| {n} | {med(ef, 'cpu'):.2f} | {med(ef, 'rss_mb'):.0f} | "
              f"{ef[0]['objective']:,.1f} | {med(ph, 'cpu'):.2f} | {med(ph, 'rss_mb'):.0f} | "
              f"{med(ph, 'iterations'):.0f} | {ph[0]['objective'] or float('nan'):,.1f} | "
              f"{ph[0]['bound']:,.1f} |", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
