"""Benchmark netopt on the OR-Library capacitated warehouse location instances.

For each instance: netopt's objective against the published optimum, status, the phase times of
the netopt pipeline (read YAML, validate, compile, handover, solve, extract, write) and the
solver-alone baseline (`baseline_highspy`: same MIP built in highspy from numpy arrays, same
options), with the ratio netopt / baseline end to end and per phase group:

    build  = netopt read + validate + compile + handover   vs  baseline read text + build arrays
    solve  = HiGHS run                                       vs  HiGHS run
    after  = netopt extract + write                          vs  baseline getSolution

netopt runs with its default valid inequalities unless --cuts says otherwise, and the baseline adds
exactly the same rows (--baseline-cuts to give it others). Every figure is the median over
--repeat runs; netopt and the baseline alternate within a repeat so
they share the machine's noise.

    python -m benchmarks.run_orlib                       # the 37 small instances
    python -m benchmarks.run_orlib cap41 cap131 --repeat 5
    python -m benchmarks.run_orlib capb --time-limit 120 # capb-5000 ... capb-8000
    python -m benchmarks.run_orlib capb --time-limit 120 --cuts none   # without valid inequalities
    python -m benchmarks.run_orlib large --time-limit 60 --repeat 1 --json out.json
    python -m benchmarks.run_orlib --process cap131 --repeat 7   # whole processes
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import baseline_highspy as base
from . import orlib

NETOPT_PHASES = ("read", "validate", "compile", "handover", "solve", "extract", "write")
GROUPS = {"build": ("read", "validate", "compile", "handover"), "solve": ("solve",),
          "after": ("extract", "write")}
BASE_GROUPS = {"build": ("read", "build"), "solve": ("solve",), "after": ("extract",)}


def expand(names: list[str]) -> list[str]:
    """Group names: small (37), large (12), all, capa/capb/capc (4 each)."""
    out: list[str] = []
    for n in names or ["small"]:
        if n == "small":
            out += orlib.SMALL
        elif n == "large":
            out += orlib.LARGE
        elif n == "all":
            out += orlib.SMALL + orlib.LARGE
        elif n in orlib.CAPACITIES:
            out += [x for x in orlib.LARGE if x.startswith(n + "-")]
        else:
            out.append(n)
    return out


def code_version() -> str:
    """The commit measured, and whether netopt/ had uncommitted changes (others edit it live)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "netopt"], cwd=root,
                               check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes in netopt/" if dirty else "")


def run_netopt(path: Path, outdir: Path | None, time_limit, gap, threads, seed=0,
               cuts: tuple[str, ...] | None = None) -> dict:
    """The `netopt solve FILE -o DIR` pipeline in this process; timings in seconds."""
    from netopt.plan import Plan
    from netopt.solve import SolveOptions

    c0 = time.process_time()
    t0 = time.perf_counter()
    plan = Plan.read(path)
    kw = {} if cuts is None else {"cuts": cuts}  # None: netopt's defaults
    sol = plan.solve(SolveOptions(time_limit=time_limit, gap=gap, threads=threads, seed=seed,
                                  **kw))
    if outdir is not None and sol.status.has_solution:
        sol.write(outdir)
    total = time.perf_counter() - t0
    timings = {k: sol.timings.get(k, 0.0) for k in NETOPT_PHASES}
    timings["total"] = total
    timings["cpu"] = time.process_time() - c0  # vs total: how much the machine's load stole
    return {"status": sol.status.value, "objective": sol.objective, "bound": sol.bound,
            "timings": timings}


def run_baseline(name: str, time_limit, gap, threads, seed=0, cuts=()) -> dict:
    c0 = time.process_time()
    t0 = time.perf_counter()
    data = orlib.load(name)
    t_read = time.perf_counter() - t0
    r = base.solve(data, time_limit, gap, threads, seed, cuts=cuts)
    timings = {"read": t_read, **r.timings}
    timings["total"] = time.perf_counter() - t0
    timings["cpu"] = time.process_time() - c0
    return {"status": r.status, "objective": r.objective, "bound": r.bound, "timings": timings,
            "nodes": r.nodes}


def median_timings(runs: list[dict]) -> dict[str, float]:
    keys = runs[0]["timings"].keys()
    return {k: statistics.median(r["timings"][k] for r in runs) for k in keys}


def group(t: dict[str, float], groups: dict) -> dict[str, float]:
    return {g: sum(t.get(k, 0.0) for k in ks) for g, ks in groups.items()}


def rel_diff(obj: float | None, opt: float | None) -> float | None:
    if obj is None or opt is None:
        return None
    return (obj - opt) / abs(opt)


def _fmt(x: float | None, spec: str = ".4g") -> str:
    return "-" if x is None else format(x, spec)


def bench(names: list[str], *, time_limit=None, gap=0.0, threads=1, repeat=3,
          baseline=True, cuts: tuple[str, ...] | None = None,
          baseline_cuts: tuple[str, ...] | None = None, workdir: Path | None = None,
          warmup=True, echo=print) -> list[dict]:
    """cuts: netopt's valid inequalities (None: its defaults); the baseline adds the same rows
    unless baseline_cuts says otherwise."""
    if cuts is None:
        from netopt.compile import DEFAULT_CUTS

        cuts = tuple(DEFAULT_CUTS)
    if baseline_cuts is None:
        baseline_cuts = cuts
    optima = orlib.known_optima()
    records = []
    version = code_version()
    echo(f"netopt at {version}; threads {threads}, gap {gap}, time limit {time_limit}, "
         f"medians of {repeat}; cuts {','.join(cuts) or 'none'} (baseline: "
         f"{','.join(baseline_cuts) or 'none'})")
    tmp = tempfile.TemporaryDirectory(prefix="orlib-") if workdir is None else None
    work = Path(tmp.name) if tmp else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        if warmup:  # imports and first-call costs, not counted (whole processes count them)
            wpath = work / "warmup-cap41.yaml"
            orlib.write_yaml(orlib.to_instance(orlib.load("cap41")), wpath)
            run_netopt(wpath, None, 5.0, 1e-4, threads, cuts=cuts)
            if baseline:
                run_baseline("cap41", 5.0, 1e-4, threads, cuts=baseline_cuts)
        for name in names:
            path = work / f"{name}.yaml"
            if not path.exists():
                orlib.write_yaml(orlib.to_instance(orlib.load(name)), path)
            runs, bruns = [], []
            for _ in range(repeat):
                gc.collect()
                runs.append(run_netopt(path, work / f"{name}.out", time_limit, gap, threads,
                                       cuts=cuts))
                if baseline:
                    gc.collect()
                    bruns.append(run_baseline(name, time_limit, gap, threads,
                                              cuts=baseline_cuts))
            rec = {"name": name, "optimum": optima.get(name), "repeat": repeat, "code": version,
                   "cuts": list(cuts),
                   "time_limit": time_limit, "gap": gap, "threads": threads,
                   "netopt": {"runs": runs, "median": median_timings(runs)}}
            last = runs[-1]
            rec.update(status=last["status"], objective=last["objective"], bound=last["bound"],
                       rel_diff=rel_diff(last["objective"], optima.get(name)))
            if baseline:
                rec["baseline"] = {"runs": bruns, "median": median_timings(bruns),
                                   "cuts": list(baseline_cuts)}
            records.append(rec)
            echo(report_line(rec))
    finally:
        if tmp:
            tmp.cleanup()
    return records


def report_line(rec: dict) -> str:
    t = rec["netopt"]["median"]
    total = t["total"]
    overhead = (total - t["solve"]) / total if total else 0.0
    gap = None
    if rec["objective"] is not None and rec["bound"] is not None:
        gap = abs(rec["objective"] - rec["bound"]) / max(abs(rec["objective"]), 1e-10)
    lines = [
        (f"{rec['name']}: {rec['status']} objective {_fmt(rec['objective'], '.10g')} "
         f"optimum {_fmt(rec['optimum'], '.10g')} rel.diff {_fmt(rec['rel_diff'], '.2e')} "
         f"gap {_fmt(gap, '.2e')}"),
        "  netopt   " + " ".join(f"{k} {t[k]:.3f}" for k in NETOPT_PHASES)
        + f" other {total - sum(t[k] for k in NETOPT_PHASES):.3f}"
        + f" | total {total:.3f}s (cpu {t['cpu']:.3f}s) overhead {100 * overhead:.1f}%",
    ]
    if "baseline" in rec:
        b = rec["baseline"]["median"]
        br = rec["baseline"]["runs"][-1]
        lines.append(f"  baseline read {b['read']:.3f} build {b['build']:.3f} "
                     f"solve {b['solve']:.3f} extract {b['extract']:.3f} | total "
                     f"{b['total']:.3f}s (cpu {b['cpu']:.3f}s) ({br['status']}, objective {_fmt(br['objective'], '.10g')})")
        gn, gb = group(t, GROUPS), group(b, BASE_GROUPS)
        lines.append("  ratio netopt/baseline: total " + _ratio(total, b["total"]) + " | "
                     + " ".join(f"{g} {_ratio(gn[g], gb[g])}" for g in GROUPS))
    return "\n".join(lines)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "-"


def summary(records: list[dict]) -> str:
    if not records:
        return ""
    n_ok = sum(1 for r in records if r["rel_diff"] is not None and abs(r["rel_diff"]) <= 1e-6)
    tn = sum(r["netopt"]["median"]["total"] for r in records)
    sn = sum(r["netopt"]["median"]["solve"] for r in records)
    out = [(f"{len(records)} instances, {n_ok} within 1e-6 of the known optimum; netopt total "
            f"{tn:.2f}s (sum of medians), HiGHS solve {sn:.2f}s, overhead "
            f"{100 * (tn - sn) / tn:.1f}%")]
    if all("baseline" in r for r in records):
        tb = sum(r["baseline"]["median"]["total"] for r in records)
        bb = sum(group(r["baseline"]["median"], BASE_GROUPS)["build"] for r in records)
        nb = sum(group(r["netopt"]["median"], GROUPS)["build"] for r in records)
        sb = sum(r["baseline"]["median"]["solve"] for r in records)
        ratios = [r["netopt"]["median"]["total"] / r["baseline"]["median"]["total"]
                  for r in records]
        out.append(f"baseline total {tb:.2f}s; ratio netopt/baseline: total {tn / tb:.2f}x "
                   f"(geometric mean per instance {statistics.geometric_mean(ratios):.2f}x), "
                   f"build {nb / bb:.1f}x, solve {sn / sb:.2f}x")
    return "\n".join(out)


# ---- whole processes ------------------------------------------------------------------------

def run_processes(name: str, *, repeat=5, time_limit=None, gap=0.0, threads=1,
                  cuts: tuple[str, ...] | None = None, echo=print) -> dict:
    """Wall time of a whole `netopt solve FILE -o DIR` process vs a whole baseline process
    (`python -m benchmarks.baseline_highspy NAME`), alternating, medians."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root), *filter(None, [os.environ.get("PYTHONPATH")])])}
    opts = []
    if time_limit is not None:
        opts += ["--time-limit", str(time_limit)]
    if gap is not None:
        opts += ["--gap", str(gap)]
    if threads is not None:
        opts += ["--threads", str(threads)]
    if cuts is None:
        from netopt.compile import DEFAULT_CUTS

        cuts = tuple(DEFAULT_CUTS)
    opts += ["--cuts", ",".join(cuts) or "none"]  # both take netopt's names
    with tempfile.TemporaryDirectory(prefix="orlib-proc-") as tmp:
        path = Path(tmp) / f"{name}.yaml"
        orlib.write_yaml(orlib.to_instance(orlib.load(name)), path)
        netopt_exe = [sys.executable, "-c", "from netopt.cli import main; main()"]
        cmd_n = [*netopt_exe, "solve", str(path), "-q", "-o", str(Path(tmp) / "out"), *opts]
        cmd_b = [sys.executable, "-m", "benchmarks.baseline_highspy", name, "--quiet",
                 "-o", str(Path(tmp) / "bout"), *opts]
        tn, tb, tpy = [], [], []
        cpu: dict[int, list[float]] = {id(tn): [], id(tb): [], id(tpy): []}
        last: dict[int, str] = {}
        for _ in range(repeat):
            for cmd, acc in ((cmd_n, tn), (cmd_b, tb), ([sys.executable, "-c", "pass"], tpy)):
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                p = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True,
                                   check=False)
                acc.append(time.perf_counter() - t0)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[id(acc)].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
                if p.returncode != 0:
                    raise RuntimeError(f"{cmd} failed ({p.returncode}): {p.stderr[-2000:]}")
                last[id(acc)] = p.stdout.strip()
    rec = {"name": name, "repeat": repeat, "netopt": tn, "baseline": tb, "python": tpy,
           "median_netopt": statistics.median(tn), "median_baseline": statistics.median(tb),
           "median_python": statistics.median(tpy), "netopt_output": last[id(tn)],
           "baseline_output": last[id(tb)],
           "cpu_netopt": statistics.median(cpu[id(tn)]),
           "cpu_baseline": statistics.median(cpu[id(tb)]),
           "cpu_python": statistics.median(cpu[id(tpy)]), "load": os.getloadavg()}
    echo(f"{name}: whole process, median of {repeat}: netopt {rec['median_netopt']:.3f}s, "
         f"baseline {rec['median_baseline']:.3f}s, ratio "
         f"{rec['median_netopt'] / rec['median_baseline']:.2f}x "
         f"(bare python startup {rec['median_python']:.3f}s); CPU (user+sys) netopt "
         f"{rec['cpu_netopt']:.3f}s, baseline {rec['cpu_baseline']:.3f}s, ratio "
         f"{rec['cpu_netopt'] / rec['cpu_baseline']:.2f}x (python {rec['cpu_python']:.3f}s); "
         f"load {rec['load'][0]:.1f}")
    return rec


def _cut_list(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(c.strip() for c in text.split(",") if c.strip() and c.strip() != "none")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run_orlib",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*",
                    help="instances or groups: small (default), large, all, capa, capb, capc")
    ap.add_argument("--time-limit", type=float, help="seconds per HiGHS run (default: none)")
    ap.add_argument("--gap", type=float, default=0.0, help="relative MIP gap (default 0)")
    ap.add_argument("--threads", type=int, default=1, help="HiGHS threads (default 1)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per instance; medians reported")
    ap.add_argument("--no-baseline", action="store_true", help="skip the highspy baseline")
    ap.add_argument("--cuts", help="netopt's valid inequalities, comma-separated "
                    "(aggregate_capacity, linking) or none; default: netopt's defaults. The "
                    "baseline adds the same rows")
    ap.add_argument("--baseline-cuts", help="the baseline's instead (baseline_highspy.CUTS, "
                    "e.g. linking-sep) or none")
    ap.add_argument("--process", action="store_true",
                    help="compare whole processes (netopt solve vs baseline) instead")
    ap.add_argument("--json", help="write every run's figures here")
    ap.add_argument("--workdir", help="keep the generated YAML (and solutions) here")
    a = ap.parse_args(argv)
    names = expand(a.names)
    if a.process:
        print(f"netopt at {code_version()}; whole processes, medians of {a.repeat}")
        recs = [run_processes(n, repeat=a.repeat, time_limit=a.time_limit, gap=a.gap,
                              threads=a.threads, cuts=_cut_list(a.cuts)) for n in names]
    else:
        recs = bench(names, time_limit=a.time_limit, gap=a.gap, threads=a.threads,
                     repeat=a.repeat, baseline=not a.no_baseline, cuts=_cut_list(a.cuts),
                     baseline_cuts=_cut_list(a.baseline_cuts),
                     workdir=Path(a.workdir) if a.workdir else None)
        print(summary(recs))
    if a.json:
        Path(a.json).write_text(json.dumps(recs, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
