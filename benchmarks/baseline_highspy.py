"""Solver-alone baseline: the MIP netopt builds for an OR-Library cap instance, built directly in
highspy with bulk addVars/addRows from numpy arrays, solved with the same options.

Model (the MIP netopt compiles from `orlib.to_instance`; a test checks it entry by entry):

    columns  y_i  binary (build[w_i])      a_i >= 0 (act[w_i])      x_ij >= 0 (flow[w_i-c_j])
    rows     a_i - cap_i y_i           <= 0     facility_capacity[w_i]
             a_i - sum_j x_ij          >= 0     balance[w_i]  (production at the warehouse node)
             sum_i x_ij                >= d_j   balance[c_j]
    min      sum_i f_i y_i + sum_ij (c_ij / d_j) x_ij

`order="netopt"` (default) lays columns and rows out as netopt's hand-over does (netopt.highs: the
model's variables in declaration order, y, a, x (warehouse-major); rows in the model's order, each
with its own sense: cap, then balance sorted by name: c1, c10, c100, ..., then w1, w10, ...), so
the matrix HiGHS receives is identical and the solve times compare like for like;
`order="natural"` keeps the balance rows in the order w, c.

Optional valid inequalities (`cuts`), to measure what they would do inside netopt:
    "aggregate":   sum_i cap_i y_i >= sum_j d_j          (1 row; netopt's aggregate_capacity)
    "linking":     x_ij <= d_j y_i                       (all m*n rows; netopt's linking)
    "linking-min": x_ij <= min(d_j, cap_i) y_i           (all m*n rows; stronger where d_j > cap_i)
    "linkingK":    x_ij <= d_j y_i for the K cheapest warehouses of each customer (e.g. linking5)
    "linking-sep": x_ij <= d_j y_i separated: solve the LP relaxation, add the rows it violates,
                   repeat until none is violated (at most 50 rounds), then solve the MIP with them
With order="netopt", "aggregate" and "linking" come out exactly as netopt's rows do (a test
checks it), after the balance rows, aggregate first.

    python -m benchmarks.baseline_highspy cap41 capa-8000 --time-limit 60 [--cuts aggregate,linking]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .orlib import CapData

CUTS = ("aggregate", "linking", "linking-min", "linkingK", "linking-sep")
NETOPT_NAMES = {"aggregate_capacity": "aggregate"}  # netopt's cut names -> ours


def _name_order(prefix: str, count: int) -> np.ndarray:
    """Indices 0..count-1 in the order their names prefix<k+1> sort as strings."""
    return np.array(sorted(range(count), key=lambda k: f"{prefix}{k + 1}"), dtype=np.int64)


@dataclass
class Layout:
    """Column index of every variable."""

    y: np.ndarray  # (m,)
    a: np.ndarray  # (m,)
    x: np.ndarray  # (m, n)
    num_col: int


def layout(m: int, n: int, order: str = "netopt") -> Layout:
    """y, a, x: netopt's declaration order (build, act, flow), and the natural one."""
    y = np.arange(m)
    return Layout(y, m + y, 2 * m + np.arange(m * n).reshape(m, n), 2 * m + m * n)


@dataclass
class Rows:
    """Rows in CSR form."""

    lower: list = field(default_factory=list)
    upper: list = field(default_factory=list)
    starts: list = field(default_factory=list)  # one array of row starts per block
    index: list = field(default_factory=list)
    value: list = field(default_factory=list)
    count: int = 0
    nnz: int = 0

    def add(self, lower, upper, index: np.ndarray, value: np.ndarray) -> None:
        """A block of rows with the same number of entries each: index/value shaped (rows, k)."""
        rows, k = index.shape
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (rows,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (rows,)))
        self.starts.append(self.nnz + k * np.arange(rows))
        self.index.append(index.ravel())
        self.value.append(np.broadcast_to(value, (rows, k)).ravel())
        self.count += rows
        self.nnz += rows * k

    def arrays(self):
        cat = np.concatenate
        return (self.count, cat(self.lower), cat(self.upper), self.nnz,
                cat(self.starts).astype(np.int32), cat(self.index).astype(np.int32),
                cat(self.value).astype(float))


def _base_rows(data: CapData, L: Layout, order: str) -> Rows:
    import highspy

    inf = highspy.kHighsInf
    m, n = data.m, data.n
    r = Rows()
    ones_m = np.ones((1, m))
    r.add(-inf, 0.0, np.stack([L.y, L.a], 1), np.stack([-data.capacity, np.ones(m)], 1))
    w_rows = (0.0, inf, np.concatenate([L.x, L.a[:, None]], 1),
              np.concatenate([-np.ones((m, n)), np.ones((m, 1))], 1))
    if order == "netopt":  # balance rows in name order
        w, c = _name_order("w", m), _name_order("c", n)
        r.add(data.demand[c], inf, L.x[:, c].T, ones_m)
        r.add(w_rows[0], w_rows[1], w_rows[2][w], w_rows[3])
    else:
        r.add(*w_rows)
        r.add(data.demand, inf, L.x.T, ones_m)
    return r


def build(data: CapData, order: str = "netopt", cuts: tuple[str, ...] = ()):
    """A highspy.Highs holding the model; returns (highs, layout)."""
    import highspy

    inf = highspy.kHighsInf
    m, n = data.m, data.n
    if order not in ("netopt", "natural"):
        raise ValueError(f"order must be netopt or natural, not {order!r}")
    L = layout(m, n, order)
    r = _base_rows(data, L, order)
    cost = np.zeros(L.num_col)
    cost[L.y] = data.fixed
    cost[L.x] = data.unit_cost
    upper = np.full(L.num_col, inf)
    upper[L.y] = 1.0
    cuts = tuple(NETOPT_NAMES.get(c, c) for c in cuts)
    if "aggregate" in cuts:
        r.add(data.demand.sum(), inf, L.y[None, :], data.capacity[None, :])
    for c in cuts:
        if c in ("linking", "linking-min"):
            _linking_rows(r, data, L, np.ones((m, n), dtype=bool), tight=c == "linking-min")
        elif c.startswith("linking") and c[7:].isdigit():
            k = min(int(c[7:]), m)
            cheapest = np.argsort(data.cost, axis=0, kind="stable")[:k]  # (k, n)
            mask = np.zeros((m, n), dtype=bool)
            mask[cheapest, np.arange(n)[None, :]] = True
            _linking_rows(r, data, L, mask)
        elif c not in ("aggregate", "linking-sep"):
            raise ValueError(f"unknown cut {c!r}; known: {CUTS}")

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(L.num_col, np.zeros(L.num_col), upper)
    h.changeColsCost(L.num_col, np.arange(L.num_col, dtype=np.int32), cost)
    h.changeColsIntegrality(m, L.y.astype(np.int32),
                            np.full(m, highspy.HighsVarType.kInteger))
    h.addRows(*r.arrays())
    return h, L


def _linking_rows(r: Rows, data: CapData, L: Layout, mask: np.ndarray,
                  tight: bool = False) -> int:
    """x_ij - d_j y_i <= 0 (tight: min(d_j, cap_i)) for the (i, j) where mask is True, in
    warehouse-major order (netopt's route order)."""
    import highspy

    i, j = np.nonzero(mask)
    big = np.minimum(data.demand[j], data.capacity[i]) if tight else data.demand[j]
    r.add(-highspy.kHighsInf, 0.0, np.stack([L.x[i, j], L.y[i]], 1),
          np.stack([np.ones(len(i)), -big], 1))
    return len(i)


def separate_linking(h, data: CapData, L: Layout, rounds: int = 50, tol: float = 1e-6) -> dict:
    """Add the linking rows the LP relaxation violates, round after round; the model's
    integrality is restored at the end. Returns {rounds, rows, lp_seconds}."""
    import highspy

    m = data.m
    ints = L.y.astype(np.int32)
    h.changeColsIntegrality(m, ints, np.full(m, highspy.HighsVarType.kContinuous))
    big = np.broadcast_to(data.demand[None, :], (m, data.n))
    added = np.zeros(big.shape, dtype=bool)
    total, t0, k = 0, time.perf_counter(), 0
    for k in range(1, rounds + 1):
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        x = np.asarray(h.getSolution().col_value)
        viol = (x[L.x] > big * x[L.y][:, None] + tol * big) & ~added
        if not viol.any():
            break
        r = Rows()
        total += _linking_rows(r, data, L, viol)
        added |= viol
        h.addRows(*r.arrays())
    h.changeColsIntegrality(m, ints, np.full(m, highspy.HighsVarType.kInteger))
    return {"rounds": k, "rows": total, "lp_seconds": time.perf_counter() - t0}


@dataclass
class Result:
    name: str
    status: str  # optimal | feasible | no_solution | infeasible | ...
    objective: float | None
    bound: float | None
    timings: dict[str, float]
    nodes: int = 0
    separation: dict | None = None  # linking-sep: rounds, rows, lp_seconds
    open: list[int] | None = None  # warehouses built (0-based), with keep_solution
    flows: list[tuple[int, int, float]] | None = None  # (i, j, tonnes) > 0

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return abs(self.objective - self.bound) / max(abs(self.objective), 1e-10)


def solve(data: CapData, time_limit: float | None = None, gap: float | None = None,
          threads: int | None = None, seed: int = 0, order: str = "netopt",
          cuts: tuple[str, ...] = (), keep_solution: bool = False) -> Result:
    """Build and solve; timings: build, solve (HiGHS run), extract, total."""
    import highspy

    t0 = time.perf_counter()
    h, L = build(data, order, cuts)
    t1 = time.perf_counter()
    h.setOptionValue("random_seed", seed)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    sep = None
    cuts = tuple(NETOPT_NAMES.get(c, c) for c in cuts)
    if "linking-sep" in cuts:  # its LP rounds count as solve time, against the same limit
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
        sep = separate_linking(h, data, L)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit) - (time.perf_counter() - t1), 1e-3))
    if gap is not None:
        h.setOptionValue("mip_rel_gap", float(gap))
    h.run()
    t2 = time.perf_counter()
    ms = h.getModelStatus()
    info = h.getInfo()
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if ms == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    elif ms == highspy.HighsModelStatus.kInfeasible:
        status = "infeasible"
    else:
        status = "feasible" if has_sol else "no_solution"
    obj = info.objective_function_value if has_sol else None
    res = Result(data.name, status, obj, info.mip_dual_bound if has_sol else None, {},
                 int(info.mip_node_count), sep)
    if has_sol:
        x = np.asarray(h.getSolution().col_value)  # what netopt's extract needs: the values
        if keep_solution:
            res.open = [int(i) for i in np.flatnonzero(x[L.y] > 0.5)]
            i, j = np.nonzero(x[L.x] > 1e-7)
            res.flows = [(int(a), int(b), float(x[L.x][a, b])) for a, b in zip(i, j)]
    t3 = time.perf_counter()
    res.timings = {"build": t1 - t0, "solve": t2 - t1, "extract": t3 - t2, "total": t3 - t0}
    return res


def write_solution(res: Result, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": res.name, "status": res.status,
                                "objective": res.objective, "bound": res.bound,
                                "open": res.open, "flows": res.flows, "timings": res.timings}))


def main(argv: list[str] | None = None) -> int:
    from . import orlib
    from .run_orlib import expand

    ap = argparse.ArgumentParser(prog="python -m benchmarks.baseline_highspy",
                                 description="Solve OR-Library cap instances in highspy alone.")
    ap.add_argument("names", nargs="+")
    ap.add_argument("--time-limit", type=float)
    ap.add_argument("--gap", type=float)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--order", choices=("netopt", "natural"), default="netopt")
    ap.add_argument("--cuts", default="", help=f"comma-separated: {','.join(CUTS)}")
    ap.add_argument("--quiet", action="store_true", help="one status line per instance")
    ap.add_argument("-o", "--output", help="write <name>.json (objective, open warehouses, flows)")
    ap.add_argument("--json", help="append one JSON line per instance (figures) to this file")
    a = ap.parse_args(argv)
    cuts = tuple(c for c in a.cuts.split(",") if c and c != "none")
    t_start = time.perf_counter()
    for name in expand(a.names):
        t0 = time.perf_counter()
        data = orlib.load(name)
        t_read = time.perf_counter() - t0
        res = solve(data, a.time_limit, a.gap, a.threads, order=a.order, cuts=cuts,
                    keep_solution=bool(a.output))
        if a.output:
            write_solution(res, Path(a.output) / f"{name}.json")
        if a.json:
            with open(a.json, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"name": name, "cuts": list(cuts), "status": res.status,
                                     "objective": res.objective, "bound": res.bound,
                                     "gap": res.gap, "read": t_read, **res.timings,
                                     "nodes": res.nodes, "separation": res.separation,
                                     "time_limit": a.time_limit, "threads": a.threads}) + "\n")
        print(f"{name}: {res.status} objective {res.objective!r} bound {res.bound!r} "
              f"read {t_read:.3f}s build {res.timings['build']:.3f}s "
              f"solve {res.timings['solve']:.3f}s nodes {res.nodes}"
              + (f" separation {res.separation}" if res.separation else ""), flush=True)
    if not a.quiet:
        print(f"total {time.perf_counter() - t_start:.3f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
