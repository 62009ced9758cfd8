"""Overhead of whole `netopt solve` processes: everything but HiGHS's own solve, as a share of
the process's wall time (issue 4's target: <= 10 % on capa/capb/capc).

For each instance the OR-Library file is converted once (YAML, or JSON with --json-input), then
`netopt solve FILE -q -o DIR --gap 0 --threads 1 [--time-limit T]` runs as its own process,
--repeat times. Per run: wall time (process start to exit, imports and teardown included), the
phases netopt records in solution.json `timings`, overhead = wall - timings.solve, its share,
status and the objective's relative difference to the published optimum. Medians per instance.

    python -m benchmarks.overhead cap131 --repeat 5
    python -m benchmarks.overhead large --time-limit 120 --repeat 1 --json large-process.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import orlib
from .run_orlib import expand


def run(name: str, *, repeat: int = 3, time_limit: float | None = None, json_input: bool = False,
        extra: list[str] | None = None, echo=print) -> dict:
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root), *filter(None, [os.environ.get("PYTHONPATH")])])}
    optimum = orlib.known_optima().get(name)
    runs = []
    with tempfile.TemporaryDirectory(prefix="netopt-overhead-") as tmp:
        inst = orlib.to_instance(orlib.load(name))
        path = Path(tmp) / f"{name}.{'json' if json_input else 'yaml'}"
        if json_input:
            path.write_text(json.dumps(inst), encoding="utf-8")
        else:
            orlib.write_yaml(inst, path)
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-c", "from netopt.cli import main; main()", "solve", str(path),
               "-q", "-o", str(out), "--gap", "0", "--threads", "1", *(extra or [])]
        if time_limit is not None:
            cmd += ["--time-limit", str(time_limit)]
        for _ in range(repeat):
            t0 = time.perf_counter()
            p = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True,
                               check=False)
            wall = time.perf_counter() - t0
            if p.returncode == 4:  # no solution within the limit: nothing written
                runs.append({"wall": wall, "timings": {"solve": float("nan")},
                             "overhead": float("nan"), "share": float("nan"),
                             "status": "no_solution", "objective": None, "gap": None,
                             "rel_diff": None})
                continue
            if p.returncode != 0:
                raise RuntimeError(f"{cmd} failed ({p.returncode}): {p.stderr[-2000:]}")
            doc = json.loads((out / "solution.json").read_text(encoding="utf-8"))
            t = doc["timings"]
            obj = doc["objective"]
            runs.append({"wall": wall, "timings": t, "overhead": wall - t["solve"],
                         "share": (wall - t["solve"]) / wall, "status": doc["status"],
                         "objective": obj, "gap": doc.get("gap"),
                         "rel_diff": None if optimum is None or obj is None
                         else abs(obj - optimum) / abs(optimum)})
    med = {k: statistics.median(r[k] for r in runs) for k in ("wall", "overhead", "share")}
    phases = {k: statistics.median(r["timings"].get(k, 0.0) for r in runs)
              for k in runs[0]["timings"]}
    rec = {"name": name, "repeat": repeat, "time_limit": time_limit, "input": path.suffix[1:],
           "optimum": optimum, "runs": runs, **{f"median_{k}": v for k, v in med.items()},
           "median_phases": phases}
    last = runs[-1]
    echo(f"{name}: {last['status']}, gap {_pct(last['gap'])}, vs optimum {_e(last['rel_diff'])}; "
         f"wall {med['wall']:.2f}s, HiGHS {phases['solve']:.2f}s, overhead "
         f"{med['overhead']:.2f}s = {100 * med['share']:.1f}% ("
         + ", ".join(f"{k} {v:.2f}" for k, v in phases.items() if k != "solve") + ")")
    return rec


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.3g}%"


def _e(x: float | None) -> str:
    return "-" if x is None else f"{x:.1e}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.overhead",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="instances or groups: small, large, capa, ...")
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json-input", action="store_true", help="JSON instance files, not YAML")
    ap.add_argument("--json", type=Path, help="write every run's figures here")
    a = ap.parse_args(argv)
    recs = [run(n, repeat=a.repeat, time_limit=a.time_limit, json_input=a.json_input)
            for n in expand(a.names)]
    if a.json:
        a.json.write_text(json.dumps(recs, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
