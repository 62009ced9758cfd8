"""What-if experiments: changes proposed for netopt/, measured from outside without editing it.

Each experiment times netopt's own functions phase by phase, next to what a proposed change
would leave of that phase, on the same instance in the same process (medians of --repeat):

- read:      load_checked's read (libyaml compose + location walk + construct) vs the same YAML
             through yaml.load(CSafeLoader) without locations (locations only needed on error)
             vs the same instance as JSON (json.loads);
- validate:  load.validate vs its parts: pydantic alone, check_instance, prepare+check_structure
             (prepare runs again in solve);
- compile:   prepare+compile_model as is, and with the garbage collector paused;
- handover:  netopt.highs (Pyomo standard-form compiler + passModel), with the collector paused,
             and the floor: the highspy baseline's numpy build of the same MIP;
- cuts:      valid inequalities derived generically from the prepared instance (see
             `add_valid_inequalities`), added to the compiled Pyomo model and solved through
             netopt's own `run_solver`.

    python -m benchmarks.whatif overhead cap131 capa-8000 --repeat 3
    python -m benchmarks.whatif cuts capb-5000 --time-limit 60 --cuts aggregate,linking
"""

from __future__ import annotations

import argparse
import gc
import importlib
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from . import orlib

_load = importlib.import_module("netopt.load")  # `netopt.load` the attribute is the function


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector (what a `compile` wrapper in netopt would do)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def time_compile(inst, pause_gc: bool):
    from netopt.compile import compile_model
    from netopt.params import prepare

    gc.collect()
    t0 = time.perf_counter()
    if pause_gc:
        with gc_paused():
            prep = prepare(inst)
            model = compile_model(prep)
    else:
        prep = prepare(inst)
        model = compile_model(prep)
    return time.perf_counter() - t0, prep, model


def time_handover(model, pause_gc: bool) -> float:
    """netopt's hand-over to HiGHS as in netopt.highs.solve: standard form, then passModel."""
    from netopt import highs

    gc.collect()
    t0 = time.perf_counter()
    if pause_gc:
        with gc_paused():
            highs.build(highs.to_matrices(model))
    else:
        highs.build(highs.to_matrices(model))
    return time.perf_counter() - t0


# ---- valid inequalities ---------------------------------------------------------------------

def add_valid_inequalities(m, p, aggregate: bool = True, linking: bool = True) -> dict[str, int]:
    """Add valid inequalities to a compiled netopt model, derived from the prepared instance.

    aggregate[k, t]: sum_f capacity_f * produces_f[k] * (units of f online in t) >= D[k, t]
        for every commodity k and stage t where D, the hard required demand of k (no shortfall
        penalty), is positive and k has no supply anywhere (so facilities are its only source).
        Valid for every feasible solution: balance rows have no inventory between stages, every
        tonne delivered is produced in the same stage, transit losses and consumption only add to
        what must be produced, and activity <= capacity * online.

    linking[r, k, t]: flow[r,k,t] <= sum_{f at from(r) producing k} min(U, cap_f p_fk) online_f,t
        for a route r whose origin's only source of k is its own facilities (no supply of k there,
        no route delivering k there, k burns on no route) and whose destination's only use of k
        is a hard required demand U = D[to(r), k, t] (no route leaving it with k, no facility
        consuming k there, no market). This is the classic x_ij <= d_j y_i of facility location,
        which the aggregated capacity row act <= cap * online does not give the LP relaxation.
        The cap_f part holds for every feasible solution (one route's flow <= the origin's
        production); the U part holds for at least one optimal solution: balance rows let a
        surplus be vented, and since every cost and price in the schema is >= 0, shipping less
        than U + venting nothing never costs more (a dominance argument, as in the literature).
    Returns the number of rows added per family.
    """
    import pyomo.environ as pyo

    from netopt.compile import Terms

    inst = p.inst
    routes = {r.name: r for r in inst.routes}
    supplied = {(s.node, s.commodity) for s in inst.supplies}
    supplied_k = {s.commodity for s in inst.supplies}
    delivered: set[tuple[str, str]] = set()  # (node, k) reached by some route
    leaving: set[tuple[str, str]] = set()  # (node, k) carried out by some route
    burnt: set[str] = set()
    for (r, k, t) in p.flow_keys:
        delivered.add((routes[r].to, k))
        leaving.add((routes[r].from_, k))
        burnt.update(p.burn[r])
    consumed = {(f.node, k) for f in inst.facilities for k in f.consumes}
    markets = {(d.node, d.commodity) for d in inst.demands if d.kind == "market"}
    hw = inst.hardware_commodity
    hard = {(d.node, d.commodity) for d in inst.demands
            if d.kind == "required" and d.shortfall_penalty_per_t is None}
    hard_demand: dict[tuple[str, str, str], float] = {
        key: v for key, v in p.demand.items() if (key[0], key[1]) in hard}
    producers: dict[tuple[str, str], list] = defaultdict(list)  # (node, k) -> facilities
    for f in inst.facilities:
        for k, c in f.produces.items():
            producers[(f.node, k)].append((f, c))

    def online_terms(items, t, coef_of) -> Terms:
        terms = Terms()
        for f, c in items:
            coef = coef_of(f, c)
            for tau in p.cover.get((f.name, t), ()):
                terms.add(m.build[f.name, tau], coef)
        return terms

    added = {"aggregate": 0, "linking": 0}
    if aggregate:
        rows = []
        need: dict[tuple[str, str], float] = defaultdict(float)
        for (n, k, t), d in hard_demand.items():
            need[(k, t)] += d
        for (k, t), d in sorted(need.items()):
            if k in supplied_k or k == hw or d <= 0:
                continue
            items = [(f, c) for f in inst.facilities for kk, c in f.produces.items() if kk == k]
            terms = online_terms(items, t, lambda f, c: f.capacity * c)
            if terms:
                rows.append((d, terms))
        if rows:
            m.vi_aggregate = pyo.Constraint(range(len(rows)), rule=lambda m, i: (
                rows[i][0], rows[i][1].expr(), None))
            added["aggregate"] = len(rows)
    if linking:
        rows = []
        for (r, k, t) in p.flow_keys:
            x = routes[r]
            src, dst = x.from_, x.to
            if ((src, k) in supplied or (src, k) in delivered or not producers.get((src, k))
                    or k == hw or k in burnt):
                continue
            if (dst, k) in leaving or (dst, k) in consumed or (dst, k) in markets:
                continue
            if (dst, k) not in hard:
                continue
            use = hard_demand.get((dst, k, t), 0.0)
            if use <= 0:
                continue
            terms = online_terms(producers[(src, k)], t,
                                 lambda f, c, u=use: -min(u, f.capacity * c))
            if not terms:
                continue
            terms.add(m.flow[r, k, t], 1.0)
            rows.append(terms)
        if rows:
            m.vi_linking = pyo.Constraint(range(len(rows)), rule=lambda m, i: (
                None, rows[i].expr(), 0.0))
            added["linking"] = len(rows)
    return added


def solve_with_cuts(inst, time_limit, gap, threads, aggregate, linking) -> dict:
    """netopt's prepare/compile + valid inequalities + netopt's own run_solver."""
    from netopt.compile import compile_model
    from netopt.params import prepare
    from netopt.solve import SolveOptions, run_solver

    t0 = time.perf_counter()
    p = prepare(inst)
    m = compile_model(p)
    t1 = time.perf_counter()
    added = add_valid_inequalities(m, p, aggregate, linking)
    t2 = time.perf_counter()
    out = run_solver(m, SolveOptions(time_limit=time_limit, gap=gap, threads=threads))
    return {"status": out.status.value, "objective": out.objective, "bound": out.bound,
            "gap": out.gap, "added": added, "compile": t1 - t0, "cuts": t2 - t1,
            **out.timings}


# ---- command line ---------------------------------------------------------------------------

def _tick(acc: dict, key: str, fn, *args):
    gc.collect()
    t0 = time.perf_counter()
    r = fn(*args)
    acc[key].append(time.perf_counter() - t0)
    return r


def overhead(names, repeat: int, echo=print) -> list[dict]:
    """Each phase of the netopt pipeline now, and what the proposed changes leave of it."""
    import json

    import yaml

    from netopt.checks import check_instance
    from netopt.params import prepare
    from netopt.schema import Instance
    from netopt.structure import check_structure

    from . import baseline_highspy as base

    out = []
    with tempfile.TemporaryDirectory(prefix="whatif-") as tmp:
        # warm-up (imports, first calls), not timed
        warm = orlib.write_yaml(orlib.to_instance(orlib.load("cap41")), Path(tmp) / "warm.yaml")
        inst, _ = _load.load_checked(warm)
        time_handover(time_compile(inst, pause_gc=False)[2], pause_gc=False)
        base.build(orlib.load("cap41"))
        for name in names:
            inst_dict = orlib.to_instance(orlib.load(name))
            path = orlib.write_yaml(inst_dict, Path(tmp) / f"{name}.yaml")
            text = path.read_text()
            json_text = json.dumps(inst_dict)
            del inst_dict
            acc: dict[str, list[float]] = defaultdict(list)
            for _ in range(repeat):
                t: dict[str, float] = {}
                gc.collect()
                inst, _ = _load.load_checked(path, t)
                acc["read"].append(t["read"])
                acc["validate"].append(t["validate"])
                data = _tick(acc, "read_yaml_no_locations", yaml.load, text, yaml.CSafeLoader)
                _tick(acc, "read_json", json.loads, json_text)
                _tick(acc, "validate_pydantic_only", Instance.model_validate, data)
                _tick(acc, "check_instance", check_instance, inst)
                _tick(acc, "prepare_check_structure",
                      lambda i: check_structure(prepare(i)), inst)
                c0, _, model = time_compile(inst, pause_gc=False)
                c1, _, model1 = time_compile(inst, pause_gc=True)
                acc["compile"].append(c0)
                acc["compile_gc_paused"].append(c1)
                acc["handover"].append(time_handover(model, pause_gc=False))
                acc["handover_gc_paused"].append(time_handover(model1, pause_gc=True))
                del model, model1, data
                _tick(acc, "baseline_read_build", lambda n: base.build(orlib.load(n)), name)
            med = {k: statistics.median(v) for k, v in acc.items()}
            out.append({"name": name, "repeat": repeat, "median": med, "runs": dict(acc)})
            echo(f"{name} (medians of {repeat}, seconds):\n"
                 f"  read {med['read']:.3f} | yaml.load without locations "
                 f"{med['read_yaml_no_locations']:.3f} | json.loads {med['read_json']:.3f}\n"
                 f"  validate {med['validate']:.3f} = pydantic {med['validate_pydantic_only']:.3f}"
                 f" + check_instance {med['check_instance']:.3f} + prepare/check_structure "
                 f"{med['prepare_check_structure']:.3f} + rest\n"
                 f"  compile {med['compile']:.3f} | gc paused {med['compile_gc_paused']:.3f}\n"
                 f"  handover {med['handover']:.3f} | gc paused {med['handover_gc_paused']:.3f}\n"
                 f"  baseline read+build (numpy -> highspy) {med['baseline_read_build']:.3f}")
    return out


def summarize_cuts(recs: list[dict]) -> str:
    """Per variant: total of the median solve times, instances at their known optimum (1e-6),
    and the geometric-mean speed-up over `none` per instance."""
    optima = orlib.known_optima()
    per: dict[str, dict[str, float]] = defaultdict(dict)
    ok: dict[str, int] = defaultdict(int)
    for r in recs:
        per[r["variant"]][r["name"]] = r["solve_median"]
        obj, opt = r["runs"][-1]["objective"], optima.get(r["name"])
        ok[r["variant"]] += obj is not None and opt is not None and abs(obj - opt) <= 1e-6 * opt
    lines = []
    for v, times in per.items():
        line = f"{v}: solve {sum(times.values()):.2f}s in total, {ok[v]}/{len(times)} at optimum"
        if "none" in per and v != "none":
            sp = [per["none"][n] / t for n, t in times.items() if n in per["none"] and t > 0]
            if sp:
                line += (f", speed-up over none: geometric mean {statistics.geometric_mean(sp):.2f}x"
                         f" (min {min(sp):.2f}x, max {max(sp):.2f}x)")
        lines.append(line)
    return "\n".join(lines)


def _e(x: float | None) -> str:
    return "-" if x is None else f"{x:.2e}"


def main(argv: list[str] | None = None) -> int:
    import json

    from netopt.load import validate

    ap = argparse.ArgumentParser(prog="python -m benchmarks.whatif")
    ap.add_argument("experiment", choices=("overhead", "cuts"))
    ap.add_argument("names", nargs="+")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--time-limit", type=float)
    ap.add_argument("--gap", type=float, default=0.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cuts", default="none,aggregate,linking,aggregate+linking",
                    help="comma-separated variants, each none or a +-joined set")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    from .run_orlib import expand

    names = expand(a.names)
    if a.experiment == "overhead":
        recs = overhead(names, a.repeat)
    else:
        recs = []
        optima = orlib.known_optima()
        for name in names:
            inst, _ = validate(orlib.to_instance(orlib.load(name)))
            for variant in a.cuts.split(","):
                parts = set(variant.split("+")) - {"none"}
                runs = [solve_with_cuts(inst, a.time_limit, a.gap, a.threads,
                                        "aggregate" in parts, "linking" in parts)
                        for _ in range(a.repeat)]
                solve_t = statistics.median(r["solve"] for r in runs)
                r = runs[-1]
                opt = optima.get(name)
                rd = None if r["objective"] is None or opt is None else (
                    r["objective"] - opt) / opt
                rec = {"name": name, "variant": variant, "solve_median": solve_t, "runs": runs}
                recs.append(rec)
                print(f"{name} [{variant}]: {r['status']} objective {r['objective']} "
                      f"rel.diff {_e(rd)} gap {_e(r['gap'])} rows {r['added']} "
                      f"solve {solve_t:.2f}s (median of {a.repeat})", flush=True)
        print(summarize_cuts(recs))
    if a.json:
        Path(a.json).write_text(json.dumps(recs, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
