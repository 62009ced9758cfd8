"""Helpers for tests: small instances from keyword overrides, solved to proven optimality."""

from __future__ import annotations

import errno
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import Any

from . import files
from .plan import solve, validate
from .results import Solution
from .solve import SolveOptions


def instance(**sections: Any) -> Any:
    """A validated Instance: one 1-year stage `s1`, no discounting, commodity `x`, nodes a and b,
    unless `sections` override them."""
    data: dict[str, Any] = {
        "name": "t",
        "horizon": {"start_year": 2030, "discount_rate": 0.0, "stages": [{"name": "s1", "years": 1}]},
        "commodities": [{"name": "x"}],
        "nodes": [{"name": "a"}, {"name": "b"}],
    }
    data.update(sections)
    return validate(data)[0]


def solve_exact(inst: Any, **options: Any) -> Solution:
    """Solve with a zero MIP gap, so the optimum is proven, not approximate."""
    return solve(inst, SolveOptions(gap=0.0, **options))


def facility_location(n: int = 25, m: int = 40) -> Any:
    """A deterministic single-stage capacitated facility location instance, n sites x m customers,
    that HiGHS does not close at the root node (for limit and status tests)."""
    return instance(
        nodes=[{"name": f"w{i}"} for i in range(n)] + [{"name": f"c{j}"} for j in range(m)],
        facilities=[{"name": f"w{i}", "node": f"w{i}", "capacity": 40 + (i * 37) % 60,
                     "capex": 300 + (i * 71) % 250, "produces": {"x": 1.0}} for i in range(n)],
        routes=[{"name": f"r{i}_{j}", "from": f"w{i}", "to": f"c{j}",
                 "cost_per_t": 1 + ((i * 13 + j * 29) % 47) / 5} for i in range(n) for j in range(m)],
        demands=[{"node": f"c{j}", "commodity": "x", "amount": 5 + (j * 17) % 20} for j in range(m)])


# --- fault injection ---------------------------------------------------------------------------
# Tests (and the fuzzers) use these to make a write fail or a signal arrive at a chosen point,
# deterministically: no timer, no sleep, no race with the solver.

PHASES = ("read", "validate", "compile", "start", "solve", "write", "subproblem")


@contextmanager
def failing_writes(after: int = 0, error: int = errno.ENOSPC, under: str | Path | None = None
                   ) -> Iterator[list[str]]:
    """Every output write (they all go through files.write_all) to a file under the folder
    `under` (default: anywhere) fails with OSError(`error`) once `after` bytes have been written
    in all, as on a disk that fills up; the write that crosses the line writes its first bytes,
    as a real one does. Yields the files written to."""
    original = files.write_all
    done = [0]
    names: list[str] = []
    root = None if under is None else Path(under).resolve()

    def write(f: Any, data: Any, path: Any = None) -> None:
        name = str(path if path is not None else getattr(f, "name", "?"))
        if root is not None and root not in Path(name).resolve().parents:
            return original(f, data, path)
        names.append(name)
        room = max(after - done[0], 0)
        if len(data) > room:
            original(f, data[:room], path)
            done[0] = after
            raise OSError(error, os.strerror(error), name)
        original(f, data, path)
        done[0] += len(data)

    files.write_all = write
    try:
        yield names
    finally:
        files.write_all = original


@contextmanager
def signal_at(phase: str, sig: int | None = signal.SIGINT, times: int = 1,
              announce: bool = False) -> Iterator[list[str]]:
    """Send `sig` to this process as `phase` starts (one of PHASES). For "start" it is sent as
    HiGHS is about to run, before it can have any solution, and HiGHS starts only once a stop has
    been asked for (60 s at most). For "subproblem" it is sent as a progressive-hedging
    subproblem's HiGHS is about to run (on this MPI rank). For "solve" the signal is
    sent once HiGHS holds an incumbent (a MIP), and HiGHS is held in its callback until a stop
    has been asked for (60 s at most), so the solve cannot finish first; `times` signals then
    each wait for the stop the last one asked for. With
    `announce`, 'netopt-testing: at PHASE' is printed on stderr first (for a parent process to
    act on; `sig=None` sends nothing). Yields the phases at which it fired (empty if the phase
    was never reached)."""
    # Pyomo and highspy: imported only when a hook is installed (import_module: `netopt.load`
    # and such are shadowed by functions of the same name on the package)
    compile_mod, highs = import_module("netopt.compile"), import_module("netopt.highs")

    if phase not in PHASES:
        raise ValueError(f"unknown phase '{phase}'; phases: {', '.join(PHASES)}")
    fired: list[str] = []

    def send() -> None:
        if fired:
            return
        fired.append(phase)
        if announce:
            sys.stderr.write(f"netopt-testing: at {phase}\n")
            sys.stderr.flush()
        if sig is not None:
            os.kill(os.getpid(), sig)

    def before(fn: Callable) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            send()
            return fn(*args, **kwargs)
        return wrapper

    def run(h: Any, *args: Any, **kwargs: Any) -> Any:
        asked = threading.Event()
        cancel = h.cancelSolve

        def hold(e: Any) -> None:  # in HiGHS's thread
            if fired or not math.isfinite(e.data_out.mip_primal_bound):
                return
            send()
            asked.wait(60)
            for _ in range(times - 1):  # each once the last was heard (signals coalesce)
                asked.clear()
                os.kill(os.getpid(), sig)  # type: ignore[arg-type]
                asked.wait(60)

        def cancel_solve() -> Any:
            out = cancel()
            asked.set()
            return out

        h.cbMipInterrupt += hold
        h.cancelSolve = cancel_solve
        return original_run(h, *args, **kwargs)

    def starting(h: Any) -> Any:  # in HiGHS's thread, before HiGHS runs
        asked = threading.Event()
        cancel = h.cancelSolve

        def cancel_solve() -> Any:
            out = cancel()
            asked.set()
            return out

        h.cancelSolve = cancel_solve
        send()
        asked.wait(60)
        return original(h)

    load = import_module("netopt.load")
    if phase == "subproblem":  # a PH subproblem's HiGHS about to run (stochastic/ph.py)
        home, name = import_module("netopt.stochastic.ph"), "_subproblem_starting"
    else:
        home, name = {"read": (load, "read_tree"), "validate": (load, "validate_data"),
                      "compile": (compile_mod, "compile_model"),
                      "start": (highs, "_solve_in_thread"), "solve": (highs, "run"),
                      "write": (files, "write_all")}[phase]
    original = getattr(home, name)
    original_run = highs.run
    replacement = {"solve": run, "start": starting}.get(phase) or before(original)
    # every netopt module that imported the function by name holds the same object
    holders = [m for key, m in list(sys.modules.items())
               if (key == "netopt" or key.startswith("netopt.")) and m is not None
               and getattr(m, name, None) is original]
    for module in holders:
        setattr(module, name, replacement)
    try:
        yield fired
    finally:
        for module in holders:
            setattr(module, name, original)


def hardware_arrival_problems(inst: Any, sol: Solution, tol: float = 1e-6) -> list[str]:
    """Where a plan has a plant produce before its hardware can have arrived (solvers.md,
    "Hardware"): a facility with mass that produces in a step must have a unit built in an earlier
    step, and the hardware that reached its node before that step (arrivals + purchases -
    departures, in tonnes) must cover the mass of every unit built there before it (facilities
    at the node and vehicles based there; hardware may have waited there since it arrived).
    Plain words per violation; empty if none."""
    hw = inst.hardware_commodity
    length = {(s["stage"], s["start_year"]): s["years"] for s in sol.steps}
    start = {s["name"]: s["start_year"] for s in sol.stages}
    mass = {**{f.name: (f.node, f.mass) for f in inst.facilities},
            **{r.name: (r.from_, r.mass) for r in inst.routes},
            **{v.name: (v.base, v.hardware_mass) for v in inst.vehicles if v.reusable}}
    built: list[tuple[str, int, float]] = []  # (node, build year, tonnes)
    for b in sol.builds:
        node, m = mass[b["name"]]
        if m:
            built.append((node, start[b["stage"]], m * b["units"]))
    net: dict[str, list[tuple[int, float]]] = {}  # node -> [(year, tonnes in)]
    for a in sol.arrivals:
        if a["commodity"] == hw:
            net.setdefault(a["to"], []).append((a["year"], a["rate"] * length[(a["stage"], a["year"])]))
    for f in sol.flows:
        if f["commodity"] == hw:
            net.setdefault(f["from"], []).append((f["year"], -f["rate"] * length[(f["stage"], f["year"])]))
    for s in sol.supplies:
        if s["commodity"] == hw:
            net.setdefault(s["node"], []).append((s["year"], s["rate"] * length[(s["stage"], s["year"])]))
    out = []
    fac = {f.name: f for f in inst.facilities}
    for a in sol.activities:
        f = fac[a["facility"]]
        if not f.produces or not f.mass or a["rate"] <= tol:
            continue  # only plants: a depot handles throughput from the day it is built
        y = a["year"]
        if not any(b["name"] == f.name and start[b["stage"]] < y for b in sol.builds):
            out.append(f"{f.name} produces in {y} but no unit of it was built before {y}")
            continue
        have = sum(t for year, t in net.get(f.node, []) if year < y)
        need = sum(t for node, year, t in built if node == f.node and year < y)
        if have < need - tol * max(1.0, need):
            out.append(f"{f.name} produces in {y} but only {have:g} t of the {need:g} t of "
                       f"hardware built at {f.node} before {y} had arrived")
    return out
