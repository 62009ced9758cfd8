"""The form of online[e,s] (solvers.md, "Units"; issue 14, item 4): the sum over build stages in
every row that uses it (`expression`) against one variable per element and step defined by a
recursion over steps (`variable`, the online_definition rows), on year-resolution models.

    python -m benchmarks.online MODEL ... [--seeds 0 1 2] [--cpu 240] [--gap 0.01] [--out F.jsonl]

MODEL is a file (`instances/roadmap-2100.yaml`), a file at another grain (`FILE@year`), or a
generated instance `family:C:S` (benchmarks.scale's family: C regional copies over S five-year
stages, at `resolution: year`, or `family:C:S:stage`; its processors and launch routes have no
lifetime, so their cover sets grow with the number of stages, the case the variable form is for).

For each model, seed and form (the forms alternate, so that the machine's load hits both), one
HiGHS run with one thread, `--gap`, and a budget of `--cpu` CPU seconds of the solving process
(HiGHS's own limits are wall-clock, which a loaded machine stretches; the budget is checked once a
second by the progress callback, which cancels the run). Printed per run: rows, columns and
nonzeros as handed to HiGHS and after presolve, compile and hand-over CPU seconds, the root LP's
simplex iterations and seconds (HiGHS's log), the solve's CPU seconds, status, gap and objective.
Medians per model and form at the end. Not a test: a benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from netopt import highs
from netopt.compile import ONLINE_FORMS, compile_model
from netopt.plan import Plan, override
from netopt.solve import SolveOptions, highs_options


def load_model(spec: str) -> Plan:
    if spec.startswith("family:"):
        from benchmarks.scale import family

        _, copies, stages, *grain = spec.split(":")
        data = family(int(copies), int(stages))
        data["horizon"]["resolution"] = grain[0] if grain else "year"
        return Plan.from_data(data)
    path, _, resolution = spec.partition("@")
    plan = Plan.read(path)
    if resolution:
        plan = Plan.of(override(plan.instance, {"horizon.resolution": resolution}))
    return plan


def root_lp(log: str) -> dict[str, Any]:
    """From HiGHS's MIP log: the presolved size, and the root LP's iterations and seconds (the
    first line of the node table with simplex iterations)."""
    out: dict[str, Any] = {}
    m = re.search(r"Presolve reductions: rows (\d+)\(.*?columns (\d+)\(.*?nonzeros (\d+)\(", log)
    if m:
        out["presolved"] = [int(x) for x in m.groups()]
    for line in log.splitlines():
        cells = line.split()
        if len(cells) >= 10 and cells[-1].endswith("s") and cells[-2].isdigit():
            if int(cells[-2]) > 0:
                out["root_iterations"] = int(cells[-2])
                out["root_seconds"] = float(cells[-1][:-1])
                break
    return out


def run(plan: Plan, form: str, seed: int, cpu: float, gap: float) -> dict[str, Any]:
    t0 = time.process_time()
    compiled = compile_model(plan.prepared, online=form)
    t1 = time.process_time()
    loaded = highs.load(compiled.model)
    t2 = time.process_time()
    mat = loaded.mat
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "highs.log"
        options = {**highs_options(SolveOptions(gap=gap, threads=1, seed=seed)),
                   "output_flag": True, "log_to_console": False, "log_file": str(log)}

        def budget(progress: highs.Progress) -> None:
            if time.process_time() - t2 > cpu:
                loaded.h.cancelSolve()

        status, info = highs.solve_loaded(loaded, options, 4 * cpu, budget)
        spent = time.process_time() - t2
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    objective, bound = info.get("objective"), info.get("bound")
    final_gap = None if objective is None or bound is None else abs(objective - bound) / max(
        abs(objective), 1e-10)
    return {"form": form, "seed": seed, "rows": len(mat.row_lower), "cols": len(mat.columns),
            "nnz": len(mat.index), "compile": t1 - t0, "handover": t2 - t1, "solve": spent,
            "status": status.value, "gap": final_gap, "objective": objective, "bound": bound,
            **root_lp(text)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--forms", nargs="+", default=list(ONLINE_FORMS), choices=ONLINE_FORMS)
    ap.add_argument("--cpu", type=float, default=240.0, help="CPU seconds per HiGHS run")
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--out", help="also append each run as a JSON line to this file")
    args = ap.parse_args(argv)
    print(f"load {os.getloadavg()[0]:.2f}", flush=True)
    for spec in args.models:
        plan = load_model(spec)
        runs: list[dict[str, Any]] = []
        for i, seed in enumerate(args.seeds):
            forms = args.forms if i % 2 == 0 else list(reversed(args.forms))
            for form in forms:
                r = {"model": spec, **run(plan, form, seed, args.cpu, args.gap),
                     "load": os.getloadavg()[0]}
                runs.append(r)
                print(json.dumps(r), flush=True)
                if args.out:
                    with open(args.out, "a", encoding="utf-8") as f:
                        f.write(json.dumps(r) + "\n")
        for form in args.forms:
            mine = [r for r in runs if r["form"] == form]
            med = {k: statistics.median(r[k] for r in mine if r.get(k) is not None)
                   for k in ("solve", "gap", "root_iterations", "root_seconds")
                   if any(r.get(k) is not None for r in mine)}
            print(f"{spec} {form}: {mine[0]['rows']} rows x {mine[0]['cols']} cols, "
                  f"{mine[0]['nnz']} nnz; medians " + ", ".join(f"{k} {v:.4g}"
                                                               for k, v in med.items()),
                  flush=True)


if __name__ == "__main__":
    sys.exit(main())
