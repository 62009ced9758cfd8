"""Scaling of netopt's own work with instance size: does compile time and memory grow linearly?

A family of generated instances: f regional copies of a cislunar-like network (each with mines,
processors and routes to a shared depot hub) over a fixed number of stages, so the model has about
f times the variables and rows. For each f, the median over --repeat runs of: validate, prepare +
compile (the Pyomo model), hand-over (rows into arrays + highspy load), and, in a separate pass, the
peak memory of prepare + compile (tracemalloc). The exponent b of cost ~ size^b is fitted on
log-log.

    python -m benchmarks.scale [--factors 1 2 4 8 16] [--repeat 3] [--stages 4]
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import time
import tracemalloc

from netopt.compile import compile_model
from netopt.highs import build, to_matrices
from netopt.plan import validate
from netopt.params import prepare


def family(copies: int, stages: int = 4) -> dict:
    """`copies` regions, each: 3 mines, 2 processors, a depot node, 6 routes; a shared hub."""
    nodes = [{"name": "earth"}, {"name": "hub", "requires_depot": ["lox"]}]
    facilities, routes, demands = [], [], []
    stage_names = [f"s{i}" for i in range(stages)]
    facilities.append({"name": "hub-depot", "kind": "depot", "node": "hub", "capacity": 500,
                       "capex": 100, "max_units": 100})
    routes.append({"name": "launch", "from": "earth", "to": "hub", "cost_per_t": 5.0})
    for c in range(copies):
        site, orbit = f"site{c}", f"orbit{c}"
        nodes += [{"name": site}, {"name": orbit}]
        for j in range(3):
            facilities.append({"name": f"mine{c}-{j}", "kind": "mine", "node": site,
                               "capacity": 100 + 10 * j, "capex": 50 + 7 * ((c + j) % 5),
                               "opex": 1, "max_units": 3, "lifetime_years": 15,
                               "produces": {"water": 1.0}})
        for j in range(2):
            facilities.append({"name": f"elec{c}-{j}", "kind": "processor", "node": site,
                               "capacity": 150, "capex": 40 + 5 * j, "max_units": 3,
                               "consumes": {"water": 1.0}, "produces": {"lox": 0.888, "lh2": 0.112}})
        routes += [
            {"name": f"up{c}", "from": site, "to": orbit, "propellant_per_t": {"lox": 0.3},
             "capacity": 200, "capex": 20, "max_units": 4},
            {"name": f"to-hub{c}", "from": orbit, "to": "hub", "cost_per_t": 0.1 + 0.01 * (c % 7),
             "loss": 0.01},
            {"name": f"hw{c}", "from": "earth", "to": site, "cost_per_t": 8.0,
             "commodities": ["lh2"]},
        ]
        demands.append({"node": orbit, "commodity": "lh2",
                        "amount": {s: 5 + (c + i) % 4 for i, s in enumerate(stage_names)}})
    demands.append({"node": "hub", "commodity": "lox",
                    "amount": {s: 40 * copies * (i + 1) / stages for i, s in enumerate(stage_names)}})
    return {
        "name": f"scale-{copies}",
        "horizon": {"start_year": 2030, "discount_rate": 0.05,
                    "stages": [{"name": s, "years": 5} for s in stage_names]},
        "commodities": [{"name": "water"}, {"name": "lox"}, {"name": "lh2"}],
        "nodes": nodes, "facilities": facilities, "routes": routes,
        "supplies": [{"node": "earth", "commodity": "lox", "price_per_t": 2.0},
                     {"node": "earth", "commodity": "lh2", "price_per_t": 3.0}],
        "demands": demands,
    }


def measure(copies: int, stages: int, repeat: int) -> dict:
    data = family(copies, stages)
    runs: dict[str, list[float]] = {"validate": [], "compile": [], "handover": [], "peak_mb": []}
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        inst, _ = validate(data)
        t1 = time.perf_counter()
        model = compile_model(prepare(inst)).model
        t2 = time.perf_counter()
        build(to_matrices(model))
        t3 = time.perf_counter()
        del model
        gc.collect()
        tracemalloc.start()  # a separate pass: tracing slows allocation-heavy code down
        model = compile_model(prepare(inst)).model
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        runs["validate"].append(t1 - t0)
        runs["compile"].append(t2 - t1)
        runs["handover"].append(t3 - t2)
        runs["peak_mb"].append(peak / 2**20)
    size = model.nvariables() + model.nconstraints()
    return {"copies": copies, "size": size, **{k: statistics.median(v) for k, v in runs.items()}}


def slope(xs: list[float], ys: list[float]) -> float:
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--factors", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--stages", type=int, default=4)
    args = ap.parse_args()
    rows = [measure(f, args.stages, args.repeat) for f in args.factors]
    print(f"{'copies':>6} {'vars+rows':>10} {'validate s':>11} {'compile s':>10} "
          f"{'handover s':>11} {'peak MB':>8}")
    for r in rows:
        print(f"{r['copies']:>6} {r['size']:>10} {r['validate']:>11.3f} {r['compile']:>10.3f} "
              f"{r['handover']:>11.3f} {r['peak_mb']:>8.1f}")
    sizes = [r["size"] for r in rows]
    for key in ("validate", "compile", "handover", "peak_mb"):
        print(f"exponent of {key} vs size: {slope(sizes, [r[key] for r in rows]):.2f}")


if __name__ == "__main__":
    main()
