"""A solve session: compile once, then re-solve in place for runs that change only numbers.

    session = Session()
    for plan in plans:                       # each a validated Plan (Plan.from_data / Plan.read)
        sol, outcome = session.solve_outcome(plan, options)

The first plan is compiled and handed to HiGHS as usual. For each later plan the session compares
its validated instance with the one HiGHS holds. When every difference is a number the model reads
as a column cost or a variable bound (`IN_PLACE`), and the prepared model data are otherwise the
same, the session changes those HiGHS data in place (`changeColsCost`, `changeColsBounds`) and
re-solves; the column costs are recomputed by compile's own `cost_terms` and `objective_terms`,
so the objective cannot drift from the model of record. A changed capacity rebuilds the rows that
read capacities (`CAPACITY_ROWS`) with compile's own `define_*` functions on the variables HiGHS
holds, and changes the coefficients and row bounds that differ (`changeCoeff`, `changeRowBounds`)
in HiGHS and in the held Pyomo model; if a rebuilt row has other columns or the family other
rows (a route that gains its first capacity), the run compiles afresh. Any other difference (new
elements, windows, max_units, stages, required amounts, budgets, delta-v...) compiles the plan
afresh: the full pipeline for that run, which the session then holds.

The data HiGHS holds after a run depend only on that run's plan (costs and bounds are set in
full), never on the order of runs. Validation is the
caller's (`Plan.from_data`), so a run's values keep the schema's messages. Not thread-safe: one
session per thread or process (the sweep keeps one per worker).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, Problem
from .gcpause import paused_gc
from .solve import DEFAULT_SOLVER, Outcome, SolveOptions, SolverUnavailable

if TYPE_CHECKING:
    from .compile import Compiled
    from .highs import Loaded
    from .plan import Plan, Start
    from .results import Solution

COSTS, BOUNDS, ROWS = "costs", "bounds", "rows"
# a rebuilt row: (held constraint, rebuilt constraint, HiGHS row, {column: coefficient}, lower,
# upper)
Row = tuple[Any, Any, int, dict[int, float], float, float]

# (section, field) -> what it changes in the HiGHS model. Everything else is structure.
IN_PLACE: dict[tuple[str, str], str] = {
    ("facilities", "capex"): COSTS,  # and budget rows: see _classify
    ("facilities", "opex"): COSTS,
    ("facilities", "variable_cost"): COSTS,
    ("routes", "capex"): COSTS,
    ("routes", "opex"): COSTS,
    ("routes", "cost_per_t"): COSTS,
    ("supplies", "price_per_t"): COSTS,
    ("supplies", "max_per_year"): BOUNDS,
    ("demands", "price_per_t"): COSTS,
    ("demands", "shortfall_penalty_per_t"): COSTS,
    ("demands", "amount"): BOUNDS,  # markets only: see _classify
    ("horizon", "discount_rate"): COSTS,
    ("facilities", "capacity"): ROWS,  # coefficients of the rows in CAPACITY_ROWS
    ("routes", "capacity"): ROWS,
}
# The row families that read capacities (netopt/compile/): a run that changes one rebuilds them on the
# variables HiGHS holds and changes the coefficients and row bounds that differ. The cuts among
# them only where the held model has them (its `cuts`).
CAPACITY_ROWS = ("facility_capacity", "route_capacity", "aggregate_capacity", "market_capacity")
NO_EFFECT = frozenset({"description", "source", "facility_templates", "route_templates",
                       "include"})  # templates: their effect is in facilities and routes
SECTIONS = ("facilities", "routes", "supplies", "demands")
# Prepared's fields that only feed column costs (through compile.cost_terms) or the bounds set
# here; every other field must be equal, or the run changes structure whatever its fields say
# (`facility`, `route` and `buildable` map names to the instance's elements: views of `inst`,
# whose structure classify has compared field by field; with buildable outside, a capex or opex
# change never ran in place)
NUMBERS = frozenset({"inst", "facility", "route", "buildable", "stages", "stage", "steps",
                     "step", "route_cost", "supply_ub", "supply_price", "short_ub", "sale_ub",
                     "sale_price", "end_credit", "annuity"})


@dataclass
class Change:
    """What a run changes relative to the plan HiGHS holds."""

    kinds: set[str]


def classify(held: Plan, new: Plan) -> Change | None:
    """The in-place change from `held` to `new`, or None if it changes the model's structure."""
    a, b = held.instance, new.instance
    kinds: set[str] = set()
    for name in type(a).model_fields:
        x, y = getattr(a, name), getattr(b, name)
        if x == y or name in NO_EFFECT:
            continue
        if name == "horizon":
            fields = _changed(x, y)
            if fields != {"discount_rate"}:
                return None
            kinds.add(COSTS)
            continue
        if name not in SECTIONS or len(x) != len(y):
            return None
        for i, (u, v) in enumerate(zip(x, y)):
            if u == v:
                continue
            for f in _changed(u, v) - NO_EFFECT:
                kind = IN_PLACE.get((name, f))
                if kind is None:
                    return None
                if f == "capex" and b.budgets:
                    return None  # capex is a budget row's coefficient too
                if name == "demands" and f == "amount" and v.kind != "market":
                    return None  # a required amount is in balance, aggregate and linking rows
                kinds.add(kind)
    p, q = held.prepared, new.prepared
    if any(getattr(p, f.name) != getattr(q, f.name) for f in dataclasses.fields(p)
           if f.name not in NUMBERS):
        return None
    return Change(kinds)


def _changed(u: Any, v: Any) -> set[str]:
    return {f for f in type(u).model_fields if getattr(u, f) != getattr(v, f)}


class Session:
    """Compiles once and re-solves in place; see the module's docstring. `warm`: start each
    in-place re-solve from the previous run's incumbent when it is still feasible (off by
    default: with runs spread over workers, which run came before is not reproducible)."""

    def __init__(self, warm: bool = False):
        self.warm = warm
        self.held: Plan | None = None
        self.compiled: Compiled | None = None
        self.loaded: Loaded | None = None
        self.form: tuple[tuple[str, ...] | None, str | None] = (None, None)  # cuts, online
        self.last: np.ndarray | None = None  # the last run's column values
        self.columns: dict[int, int] = {}  # id(Pyomo variable) -> HiGHS column
        self.rows: dict[int, int] = {}  # id(Pyomo constraint) -> HiGHS row
        self.counts = {"compiled": 0, "in_place": 0, "cold": 0}

    def solve(self, plan: Plan, options: SolveOptions | None = None, *,
              start: Start | None = None) -> Solution:
        return self.solve_outcome(plan, options, start=start)[0]

    def solve_outcome(self, plan: Plan, options: SolveOptions | None = None, *,
                      start: Start | None = None) -> tuple[Solution, Outcome | None]:
        """`plan.solve_outcome(options, start=start)`, in place when it can be."""
        opts = options or SolveOptions()
        if opts.solver != DEFAULT_SOLVER or opts.elastic:
            self.counts["cold"] += 1
            return plan.solve_outcome(opts, start=start)
        with paused_gc():  # see gcpause.py
            t0 = time.perf_counter()
            change = None
            if self.held is not None and self.form == (opts.cuts, opts.online):
                change = classify(self.held, plan)
            try:
                if change is not None and self._apply(plan, change):
                    self.counts["in_place"] += 1
                else:
                    self._compile(plan, opts)
                    self.counts["compiled"] += 1
            except BaseException:
                self.held = None  # HiGHS's copy may be half changed: the next run compiles
                raise
            assert self.compiled is not None
            if start:
                from .plan import set_values

                set_values(self.compiled, start)
                opts = replace(opts, mip_start=True)
            spent = {**plan.timings, "compile": time.perf_counter() - t0}
            sol, outcome = plan.finish(self.compiled, opts, spent, runner=self._run)
            return sol, outcome

    def _compile(self, plan: Plan, opts: SolveOptions) -> None:
        from . import highs

        self.held, self.form, self.last = None, (opts.cuts, opts.online), None
        self.loaded, self.columns, self.rows = None, {}, {}
        self.compiled = plan.build(cuts=opts.cuts, online=opts.online)
        if not self.compiled.trivially_infeasible:
            try:
                self.loaded = highs.load(self.compiled.model)
            except highs.ModelRefused as e:  # as solve._run_highs: the model's fault, bad input
                raise InputError([Problem(str(e))]) from None
        self.held = plan

    def _run(self, model: Any, opts: SolveOptions) -> Outcome:
        from . import highs
        from .solve import highs_options, highs_outcome

        assert self.loaded is not None
        start = None
        if self.warm and not opts.mip_start and self.last is not None and self._feasible(
                self.last):
            start = self.last
        try:
            status, info = highs.solve_loaded(self.loaded, highs_options(opts), opts.time_limit,
                                              opts.progress, mip_start=opts.mip_start,
                                              start=start)
        except ValueError as e:
            raise SolverUnavailable(str(e)) from None
        if status.has_solution:
            self.last = np.array(self.loaded.h.getSolution().col_value)
        return highs_outcome(status, info)

    # --- in place --------------------------------------------------------------------------------
    def _apply(self, plan: Plan, change: Change) -> bool:
        """Change the held model into `plan`'s in place; False (and nothing changed) if a rebuilt
        row shows a change of structure after all."""
        from .compile import cost_terms, objective_terms

        c, loaded = self.compiled, self.loaded
        assert c is not None and self.held is not None
        p = plan.prepared
        rows = None
        if ROWS in change.kinds:
            if loaded is None:
                return False  # trivially infeasible: its rows were never handed over
            rows = self._rebuilt_rows(p)
            if rows is None:
                return False
        c.prepared = p
        if COSTS in change.kinds:  # bounds and capacities leave every cost term as it was
            c.costs = cost_terms(c, p)  # extract reads the cost split off it
        self.held = plan
        if loaded is None:  # trivially infeasible: nothing handed over
            return True
        mat, h = loaded.mat, loaded.h
        col = self._col()
        if rows is not None:
            self._set_rows(rows)
        if COSTS in change.kinds:
            terms = objective_terms(c, p)
            cost = np.zeros(len(mat.columns))
            for v, k in zip(terms.vars, terms.coefs):
                if k:
                    cost[col[id(v)]] += k
            self._set(h.changeColsCost, mat.cost, cost)
        if BOUNDS in change.kinds:
            lower, upper = mat.col_lower.copy(), mat.col_upper.copy()
            inf = float("inf")
            for keys, var, ub in ((p.supply_keys, c.v.supply, p.supply_ub),
                                  (p.short_keys, c.v.short, p.short_ub),
                                  (p.sale_keys, c.v.sale, p.sale_ub)):
                for key in keys:
                    j = col[id(var[key])]
                    lower[j], upper[j] = 0.0, inf if ub[key] is None else ub[key]
            changed = np.flatnonzero((lower != mat.col_lower) | (upper != mat.col_upper))
            if len(changed):
                h.changeColsBounds(len(changed), changed.astype(np.int32), lower[changed],
                                   upper[changed])
                mat.col_lower, mat.col_upper = lower, upper
        return True

    def _rebuilt_rows(self, p: Any) -> list[Row] | None:
        """The rows of CAPACITY_ROWS built afresh from `p` on the held variables; None if a
        family's rows or a row's columns differ from the held model's (structure)."""
        import pyomo.core as pyo

        from . import compile as cm
        from .highs import row_entries

        c, loaded = self.compiled, self.loaded
        assert c is not None and loaded is not None
        scratch = dataclasses.replace(c, model=pyo.ConcreteModel(), prepared=p,
                                      trivially_infeasible=[])
        cuts = cm.DEFAULT_CUTS if self.form[0] is None else self.form[0]
        for name in CAPACITY_ROWS:
            if name not in cm.CUTS or name in cuts:
                getattr(cm, f"define_{name}")(scratch, p)
        col, row, mat = self._col(), self._row(), loaded.mat
        out: list[Row] = []
        for name in CAPACITY_ROWS:
            held, new = getattr(c.model, name, None), getattr(scratch.model, name, None)
            if held is None and new is None:
                continue
            if held is None or new is None or set(held.keys()) != set(new.keys()):
                return None
            for key, con in new.items():
                old = held[key]
                r = row[id(old)]
                lo, coef, up = row_entries(con, col)
                if set(coef) != set(mat.index[mat.start[r]:mat.start[r + 1]].tolist()):
                    return None
                out.append((old, con, r, coef, lo, up))
        return out

    def _set_rows(self, rows: list[Row]) -> None:
        """Write rebuilt rows into HiGHS, its arrays and the held Pyomo model."""
        assert self.loaded is not None
        mat, h = self.loaded.mat, self.loaded.h
        for old, new, r, coef, lo, up in rows:
            a, b = int(mat.start[r]), int(mat.start[r + 1])
            held: dict[int, float] = {}
            for j, x in zip(mat.index[a:b].tolist(), mat.value[a:b].tolist()):
                held[j] = held.get(j, 0.0) + x  # a (row, column) pair may repeat: summed
            seen: set[int] = set()
            for pos in range(a, b):  # the new value in a pair's first place, 0 in repeats
                j = int(mat.index[pos])
                mat.value[pos] = 0.0 if j in seen else coef[j]
                seen.add(j)
            for j, x in coef.items():
                if x != held[j]:
                    h.changeCoeff(r, j, x)
            if lo != mat.row_lower[r] or up != mat.row_upper[r]:
                h.changeRowBounds(r, lo, up)
                mat.row_lower[r], mat.row_upper[r] = lo, up
            old.set_value(new.expr)

    def _row(self) -> dict[int, int]:
        """id(Pyomo constraint) -> HiGHS row: rows are the model's constraints in order."""
        if not self.rows:
            import pyomo.core as pyo

            assert self.compiled is not None
            self.rows = {id(con): i for i, con in enumerate(
                self.compiled.model.component_data_objects(pyo.Constraint, active=True))}
        return self.rows

    def _col(self) -> dict[int, int]:
        assert self.loaded is not None
        if not self.columns:
            self.columns = {id(v): j for j, v in enumerate(self.loaded.mat.columns)}
        return self.columns

    @staticmethod
    def _set(change: Any, current: np.ndarray, new: np.ndarray) -> None:
        changed = np.flatnonzero(new != current)
        if len(changed):
            change(len(changed), changed.astype(np.int32), new[changed])
            current[changed] = new[changed]

    def _feasible(self, x: np.ndarray, tol: float = 1e-6) -> bool:
        """Whether column values `x` satisfy the bounds and rows HiGHS holds now."""
        assert self.loaded is not None
        mat = self.loaded.mat
        if np.any(x < mat.col_lower - tol) or np.any(x > mat.col_upper + tol):
            return False
        if not len(mat.row_lower):
            return True
        products = mat.value * x[mat.index]
        activity = np.add.reduceat(np.append(products, 0.0), mat.start[:-1].astype(np.int64))
        empty = mat.start[1:] == mat.start[:-1]
        activity[empty] = 0.0
        scale = np.maximum(1.0, np.abs(activity))
        return bool(np.all(activity >= mat.row_lower - tol * scale)
                    and np.all(activity <= mat.row_upper + tol * scale))

