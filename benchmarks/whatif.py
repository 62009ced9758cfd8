"""What-if experiments: changes proposed for netopt/, measured from outside without editing it.
(The read, validate and hand-over changes measured here have since gone into netopt; see
BENCHMARKS.md.)

Each experiment times netopt's own functions phase by phase, next to what a proposed change
would leave of that phase, on the same instance in the same process (medians of --repeat):

- read:      load_checked's read (libyaml compose + location walk + construct) vs the same YAML
             through yaml.load(CSafeLoader) without locations (locations only needed on error)
             vs the same instance as JSON (json.loads);
- validate:  load.validate vs its parts: pydantic alone, check_instance, prepare+check_structure
             (prepare runs again in solve);
- compile:   prepare+compile_model without valid inequalities (the baseline's MIP), and with
             netopt's default ones;
- handover:  netopt.highs (rows read off the model's expressions + passModel), as is and with the
             garbage collector paused; and the floor: the highspy baseline's numpy build of the
             same MIP;
- cuts:      netopt's own valid inequalities (SolveOptions.cuts) switched off, one at a time, both.

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

_plan = importlib.import_module("netopt.plan")


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


def time_compile(inst, pause_gc: bool, cuts: tuple[str, ...] | None = None):
    """prepare + compile_model (which pauses the collector itself since b9e2efc)."""
    from netopt.compile import DEFAULT_CUTS, compile_model
    from netopt.params import prepare

    cuts = DEFAULT_CUTS if cuts is None else cuts
    gc.collect()
    t0 = time.perf_counter()
    if pause_gc:
        with gc_paused():
            prep = prepare(inst)
            model = compile_model(prep, cuts=cuts).model
    else:
        prep = prepare(inst)
        model = compile_model(prep, cuts=cuts).model
    return time.perf_counter() - t0, prep, model


def time_handover(model, pause_gc: bool) -> float:
    """netopt's hand-over to HiGHS as in netopt.highs.solve: rows into arrays, then passModel."""
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

VARIANTS = {"none": (), "aggregate": ("aggregate_capacity",), "linking": ("linking",),
            "aggregate+linking": ("aggregate_capacity", "linking")}


def solve_with_cuts(inst, time_limit, gap, threads, cuts: tuple[str, ...]) -> dict:
    """netopt's own solve with its valid inequalities switched (SolveOptions.cuts)."""
    from netopt.solve import SolveOptions
    from netopt import solve as netopt_solve

    sol = netopt_solve(inst, SolveOptions(time_limit=time_limit, gap=gap, threads=threads,
                                          cuts=cuts))
    return {"status": sol.status.value, "objective": sol.objective, "bound": sol.bound,
            "gap": sol.gap, "cuts": list(cuts), **sol.timings}


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
        inst, _ = _plan.load_checked(warm)
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
                inst, _ = _plan.load_checked(path, t)
                acc["read"].append(t["read"])
                acc["validate"].append(t["validate"])
                data = _tick(acc, "read_yaml_no_locations", yaml.load, text, yaml.CSafeLoader)
                _tick(acc, "read_json", json.loads, json_text)
                _tick(acc, "validate_pydantic_only", Instance.model_validate, data)
                _tick(acc, "check_instance", check_instance, inst)
                _tick(acc, "prepare_check_structure",
                      lambda i: check_structure(prepare(i)), inst)
                c0, _, model = time_compile(inst, pause_gc=False, cuts=())
                acc["compile"].append(c0)
                acc["compile_default_cuts"].append(time_compile(inst, pause_gc=False)[0])
                acc["handover"].append(time_handover(model, pause_gc=False))
                acc["handover_gc_paused"].append(time_handover(model, pause_gc=True))
                del model, data
                _tick(acc, "baseline_read_build", lambda n: base.build(orlib.load(n)), name)
            med = {k: statistics.median(v) for k, v in acc.items()}
            out.append({"name": name, "repeat": repeat, "median": med, "runs": dict(acc)})
            echo(f"{name} (medians of {repeat}, seconds):\n"
                 f"  read {med['read']:.3f} | yaml.load without locations "
                 f"{med['read_yaml_no_locations']:.3f} | json.loads {med['read_json']:.3f}\n"
                 f"  validate {med['validate']:.3f} = pydantic {med['validate_pydantic_only']:.3f}"
                 f" + check_instance {med['check_instance']:.3f} + prepare/check_structure "
                 f"{med['prepare_check_structure']:.3f} + rest\n"
                 f"  compile {med['compile']:.3f} (no cuts, as the baseline) | with netopt's "
                 f"default cuts {med['compile_default_cuts']:.3f}\n"
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

    from netopt.plan import validate

    ap = argparse.ArgumentParser(prog="python -m benchmarks.whatif")
    ap.add_argument("experiment", choices=("overhead", "cuts"))
    ap.add_argument("names", nargs="+")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--time-limit", type=float)
    ap.add_argument("--gap", type=float, default=0.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cuts", default=",".join(VARIANTS),
                    help=f"comma-separated variants of netopt's cuts: {', '.join(VARIANTS)}")
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
                runs = [solve_with_cuts(inst, a.time_limit, a.gap, a.threads, VARIANTS[variant])
                        for _ in range(a.repeat)]
                solve_t = statistics.median(r["solve"] for r in runs)
                r = runs[-1]
                opt = optima.get(name)
                rd = None if r["objective"] is None or opt is None else (
                    r["objective"] - opt) / opt
                rec = {"name": name, "variant": variant, "solve_median": solve_t, "runs": runs}
                recs.append(rec)
                print(f"{name} [{variant}]: {r['status']} objective {r['objective']} "
                      f"rel.diff {_e(rd)} gap {_e(r['gap'])} "
                      f"solve {solve_t:.2f}s (median of {a.repeat})", flush=True)
        print(summarize_cuts(recs))
    if a.json:
        Path(a.json).write_text(json.dumps(recs, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
