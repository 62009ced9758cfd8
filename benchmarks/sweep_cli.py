"""The `netopt sweep` command as a user runs it, at several installs (e.g. two commits): wall
seconds and CPU of the whole process tree, runs alternating, medians.

    python -m benchmarks.sweep_cli --repeat 3 \\
        then=/venv-then/bin/netopt@/src-then  now=netopt@.

Each LABEL=NETOPT[@TREE] names a `netopt` executable and the source tree whose
instances/neas-700.yaml it sweeps (and which goes first on PYTHONPATH, so one venv can serve
several checkouts). The sweep: `demands[leo-water-market].price_per_t` = 12 values 0.5-3.25,
`-j 2 --gap 0.01` (issue 14's sweep). CPU: every process of the tree (the pool's workers are the
fork server's children, which no rusage of ours sees) polled from /proc every 0.05 s, each at its
last sighting: a few hundredths of a second per short-lived process may be missed."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PRICES = ",".join(str(0.5 + 0.25 * i) for i in range(12))
TICK = os.sysconf("SC_CLK_TCK")


def _poll(root: int, seen: dict[int, float]) -> None:
    """Record the CPU seconds of every descendant of `root` now (utime + stime)."""
    children: dict[int, list[tuple[int, float]]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(
            (int(d), (int(stat[11]) + int(stat[12])) / TICK))
    todo = [root]
    while todo:
        for pid, cpu in children.get(todo.pop(), []):
            seen[pid] = max(seen.get(pid, 0.0), cpu)
            todo.append(pid)


def one(label: str, exe: str, tree: str, out: str) -> dict:
    tree = os.path.abspath(tree)
    cmd = [exe, "sweep", os.path.join(tree, "instances", "neas-700.yaml"), "-p",
           f"demands[leo-water-market].price_per_t={PRICES}", "-j", "2", "--gap", "0.01",
           "-o", out, "--overwrite", "--no-plot", "-q"]
    env = {**os.environ, "PYTHONPATH": tree}
    load = os.getloadavg()[0]
    seen: dict[int, float] = {}
    t0 = time.perf_counter()
    # cwd: out's directory, not this checkout, whose netopt/ would shadow PYTHONPATH in the pool's
    # fork server (its sys.path starts with the working directory)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            cwd=os.path.dirname(out))
    while proc.poll() is None:
        _poll(os.getpid(), seen)
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(f"{label}: exit {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
    return {"label": label, "wall": wall, "cpu": sum(seen.values()), "load": load,
            "runs_per_hour": 12 * 3600 / wall}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("installs", nargs="+", metavar="LABEL=NETOPT[@TREE]")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    installs = []
    for spec in args.installs:
        label, _, rest = spec.partition("=")
        exe, _, tree = rest.partition("@")
        installs.append((label, exe, tree or "."))
    got: dict[str, list[dict]] = {label: [] for label, _, _ in installs}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeat):
            for label, exe, tree in (installs if r % 2 == 0 else installs[::-1]):
                res = one(label, exe, tree, os.path.join(tmp, label))
                got[label].append(res)
                print(json.dumps(res), flush=True)
    first = statistics.median(x["runs_per_hour"] for x in got[installs[0][0]])
    for label, runs in got.items():
        rph = statistics.median(x["runs_per_hour"] for x in runs)
        print(f"{label:10s} wall {statistics.median(x['wall'] for x in runs):6.2f} s  cpu "
              f"{statistics.median(x['cpu'] for x in runs):6.1f} s  {rph:6.0f} runs/hour "
              f"({rph / first:.2f}x {installs[0][0]})")


if __name__ == "__main__":
    main()
