"""The solve session against the cold pipeline in one process, run by run (CPU seconds).

    python -m benchmarks.inplace instances/neas-700.yaml \\
        "demands[leo-water-market].price_per_t=1.0,0.5,1.5,2.0,2.5"

The session solves the first value, then each later value in place (`Session.solve`) and, right
after, cold (`Plan.solve`), both from the same validated data: `time.process_time` around each
(validation of the run's override included in both), whether they agree (objective, builds), the
session's counts. The median ratio says what compiling once saves where HiGHS and validation
take their share."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def main() -> None:
    from netopt.load import read_tree
    from netopt.plan import Plan
    from netopt.scenario import Override, Scenario, apply
    from netopt.session import Session
    from netopt.solve import SolveOptions

    ap = argparse.ArgumentParser()
    ap.add_argument("instance")
    ap.add_argument("param", help="PATH=v1,v2,... (the first is solved before timing)")
    ap.add_argument("--gap", type=float, default=0.01)
    args = ap.parse_args()
    path, _, spec = args.param.partition("=")
    values = [float(v) for v in spec.split(",")]
    data, locs, _ = read_tree(Path(args.instance))
    opts = SolveOptions(gap=args.gap, seed=0)

    def plan(v: float) -> Plan:
        d, loc = apply(data, locs, Scenario(set=[Override(path, v)]))
        return Plan.from_data(d, loc)

    session = Session()
    session.solve(plan(values[0]), opts)
    cold, warm, agree = [], [], 0
    for v in values[1:]:
        t = time.process_time()
        a = session.solve(plan(v), opts)
        warm.append(time.process_time() - t)
        t = time.process_time()
        b = plan(v).solve(opts)
        cold.append(time.process_time() - t)
        agree += a.objective == b.objective and a.builds == b.builds
    print(f"{path}: cold {[round(x, 2) for x in cold]} in place {[round(x, 2) for x in warm]} "
          f"CPU-s; median ratio {statistics.median(cold) / statistics.median(warm):.2f}x; "
          f"identical {agree}/{len(values) - 1}; {session.counts}")


if __name__ == "__main__":
    main()
