"""What a sweep's table says: robust decisions, and what depends on which parameter."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .table import BUILT

# ---------------------------------------------------------------------------------------------
# Summary: robust decisions, what depends on which parameter


def number(v: str) -> float | None:
    try:
        x = float(v)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


@dataclass
class Dependence:
    param: str
    accuracy: float  # share of runs the best one-parameter rule classifies right
    rule: str  # e.g. "built when routes[launch].cost_per_t >= 4, not when <= 2"
    flips: int = 0  # settings of the other parameters where changing this one alone flips it
    settings: int = 0  # settings of the other parameters with more than one run


@dataclass
class ScheduleDependence:
    param: str
    rho: float | None  # rank correlation of units built (all stages) with the parameter
    flips: int = 0  # settings of the other parameters where changing this one alone changes it
    settings: int = 0  # settings of the other parameters with more than one run

    @property
    def text(self) -> str:
        parts = []
        if self.rho is not None and abs(self.rho) >= RHO_MIN:
            parts.append(f"{'more' if self.rho > 0 else 'fewer'} units when higher, rank "
                         f"correlation {self.rho:+.2f}")
        if self.flips:
            parts.append(_flip_text(self.flips, self.settings, "changes it"))
        return f"{self.param} ({'; '.join(parts)})"


RHO_MIN = 0.5  # a rank correlation this strong is worth reporting


@dataclass
class ElementSummary:
    name: str
    built_in: int  # runs (with a solution) in which it is built
    solved: int
    schedules: dict[str, int]  # build schedule -> number of runs
    depends: list[Dependence] = field(default_factory=list)  # of whether it is built
    schedule_depends: list[ScheduleDependence] = field(default_factory=list)  # of when, how many

    @property
    def robust(self) -> bool:
        return self.solved > 0 and self.built_in == self.solved

    @property
    def never(self) -> bool:
        return self.built_in == 0


@dataclass
class Summary:
    runs: int
    statuses: dict[str, int]
    solved: int
    objective: dict[str, float]  # min, median, max over solved runs
    elements: list[ElementSummary]
    params: list[str]

    @property
    def robust(self) -> list[ElementSummary]:
        return [e for e in self.elements if e.robust]

    @property
    def varying(self) -> list[ElementSummary]:
        return [e for e in self.elements if not e.robust and not e.never]

    @property
    def never(self) -> list[ElementSummary]:
        return [e for e in self.elements if e.never]

    def lines(self) -> list[str]:
        out = [f"{self.runs} runs: " + ", ".join(f"{n} {s}" for s, n in self.statuses.items())]
        if self.objective:
            from ..summary import money_text  # rich: only to print; never 1.05e+08

            o = self.objective
            out.append(f"objective: min {money_text(o['min'])}, median "
                       f"{money_text(o['median'])}, max {money_text(o['max'])}")
        if not self.solved:
            out.append("no run has a solution")
            return out
        out.append(f"robust (built in all {self.solved} runs with a solution):"
                   + ("" if self.robust else " none"))
        for e in self.robust:
            out.append(f"  {e.name}: {_schedules(e)}")
            out += _schedule_lines(e)
        out.append("depends on the parameters:" + ("" if self.varying else " none"))
        for e in self.varying:
            out.append(f"  {e.name}: built in {e.built_in} of {e.solved} runs ({_schedules(e)})")
            for d in e.depends:
                extra = f"; {_flip_text(d.flips, d.settings, 'flips it')}" if d.flips else ""
                out.append(f"    {d.rule} ({d.accuracy:.0%} of runs){extra}")
            if not e.depends:
                out.append("    no single parameter explains it")
            out += _schedule_lines(e)
        if self.never:
            out.append("never built: " + ", ".join(e.name for e in self.never))
        return out


def _schedule_lines(e: ElementSummary) -> list[str]:
    if not e.schedule_depends:
        return []
    return ["    when and how many varies with: "
            + ", ".join(d.text for d in e.schedule_depends)]


def _schedules(e: ElementSummary) -> str:
    items = sorted(((s, n) for s, n in e.schedules.items() if s), key=lambda kv: -kv[1])
    if len(items) == 1:
        return f"always {items[0][0]}"
    return ", ".join(f"{s} in {n}" for s, n in items)


def summarize(rows: list[dict[str, str]], params: list[str], elements: list[str]) -> Summary:
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    solved = [r for r in rows if r["status"] in ("optimal", "feasible")]
    objs = sorted(x for x in (number(r["objective"]) for r in solved) if x is not None)
    objective = {}
    if objs:
        mid = len(objs) // 2
        med = objs[mid] if len(objs) % 2 else (objs[mid - 1] + objs[mid]) / 2
        objective = {"min": objs[0], "median": med, "max": objs[-1]}
    summary = Summary(len(rows), statuses, len(solved), objective, [], params)
    for e in elements:
        col = BUILT + e
        schedules: dict[str, int] = {}
        for r in solved:
            schedules[r[col]] = schedules.get(r[col], 0) + 1
        built = [bool(r[col]) for r in solved]
        es = ElementSummary(e, sum(built), len(solved), schedules)
        if 0 < es.built_in < es.solved:
            es.depends = _dependence(solved, built, params)
        if len([k for k in schedules if k]) > 1:
            es.schedule_depends = _schedule_dependence(solved, col, params)
        summary.elements.append(es)
    return summary


def _dependence(rows: list[dict[str, str]], built: list[bool], params: list[str]
                ) -> list[Dependence]:
    """Parameters that explain `built`: the best threshold rule on each (a numeric parameter) or
    value -> decision (another), and whether changing it alone flips the decision."""
    n = len(rows)
    base_rate = max(sum(built), n - sum(built)) / n
    found = []
    for p in params:
        acc, rule = _best_rule([r[p] for r in rows], built, p)
        flips, settings = _flips(rows, [str(b) for b in built], p, params)
        if acc > base_rate + 1e-9 or flips:
            found.append(Dependence(p, acc, rule, flips, settings))
    found.sort(key=lambda d: (-d.accuracy, -d.flips, d.param))
    return found[:3]


def _flips(rows: list[dict[str, str]], outcome: list[str], p: str, params: list[str]
           ) -> tuple[int, int]:
    """(settings of the other parameters in which runs differing only in `p` have different
    outcomes, settings with more than one run): a grid's evidence that `p` matters alone."""
    others = [q for q in params if q != p]
    groups: dict[tuple, list[str]] = {}
    for r, o in zip(rows, outcome):
        groups.setdefault(tuple(r[q] for q in others), []).append(o)
    multi = [g for g in groups.values() if len(g) > 1]
    return sum(1 for g in multi if len(set(g)) > 1), len(multi)


def _flip_text(flips: int, settings: int, verb: str) -> str:
    if settings <= 1:
        return f"changing it alone {verb}"
    return f"changing it alone {verb} in {flips} of {settings} settings of the other parameters"


def _units(schedule: str) -> float:
    return float(sum(int(x.rsplit(":", 1)[1]) for x in schedule.split()))


def _ranks(xs: list[float]) -> list[float]:
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def rank_correlation(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation (ties averaged); None if either side is constant."""
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else None


def _schedule_dependence(rows: list[dict[str, str]], col: str, params: list[str]
                         ) -> list[ScheduleDependence]:
    """Parameters that change when and how many units are built: rank correlation of the units
    built with each numeric parameter, and whether changing it alone changes the schedule."""
    units = [_units(r[col]) for r in rows]
    found = []
    for p in params:
        xs = [number(r[p]) for r in rows]
        rho = None
        if all(x is not None for x in xs) and len(set(xs)) >= 3:
            rho = rank_correlation(xs, units)  # type: ignore[arg-type]
        flips, settings = _flips(rows, [r[col] for r in rows], p, params)
        if flips or (rho is not None and abs(rho) >= RHO_MIN):
            found.append(ScheduleDependence(p, rho, flips, settings))
    found.sort(key=lambda d: (-abs(d.rho or 0), -d.flips, d.param))
    return found[:3]


def _best_rule(values: list[str], built: list[bool], p: str) -> tuple[float, str]:
    n = len(values)
    nums = [x for x in (number(v) for v in values) if x is not None]
    if len(nums) == n:
        xs = sorted(set(nums))
        best = (0.0, "")
        for k in range(1, len(xs)):
            lo, hi = xs[k - 1], xs[k]
            for above in (True, False):
                ok = sum((x >= hi) == b if above else (x <= lo) == b
                         for x, b in zip(nums, built))
                acc = ok / n
                if acc > best[0] + 1e-12:
                    rule = (f"built when {p} >= {hi:g}, not when <= {lo:g}" if above
                            else f"built when {p} <= {lo:g}, not when >= {hi:g}")
                    best = (acc, rule)
        return best
    by_value: dict[str, list[bool]] = {}
    for v, b in zip(values, built):
        by_value.setdefault(v, []).append(b)
    ok = sum(max(sum(bs), len(bs) - sum(bs)) for bs in by_value.values())
    yes = sorted(v for v, bs in by_value.items() if sum(bs) * 2 > len(bs))
    return ok / n, f"built when {p} is " + (" or ".join(yes) if yes else "(never)")
