"""What differs between two solutions: objective, stages, builds, costs, largest flow changes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from .errors import printable
from .results import Solution

REL_TOL = 1e-6
ABS_TOL = 1e-6
MAX_FLOWS = 10


def _differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > max(ABS_TOL, REL_TOL * max(abs(a), abs(b)))


@dataclass
class Comparison:
    a: str  # labels (file names or instance names)
    b: str
    header: list[dict] = field(default_factory=list)  # field, a, b (only those that differ)
    stages: list[dict] = field(default_factory=list)  # stage, a, b ("5 yr from 2030" / "-")
    builds: list[dict] = field(default_factory=list)  # name, type, where, stage, a, b
    first_built: list[dict] = field(default_factory=list)  # name, type, where, a, b (stage or None)
    costs: list[dict] = field(default_factory=list)  # category, stage ("total" too), a, b, diff
    flows: list[dict] = field(default_factory=list)  # route, commodity, stage, a, b, diff
    # what each plan delivers, always listed (a cheaper plan may meet less): measure, a, b
    delivery: list[dict] = field(default_factory=list)
    provenance: list[dict] = field(default_factory=list)  # field, a, b: where each came from

    @property
    def same(self) -> bool:
        return not (self.header or self.stages or self.builds or self.costs or self.flows
                    or any(_differs(d["a"], d["b"]) for d in self.delivery))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "same": self.same}


def compare(a: Solution, b: Solution, label_a: str = "A", label_b: str = "B",
            max_flows: int = MAX_FLOWS) -> Comparison:
    a, b = a.by_stage(), b.by_stage()  # compare stage by stage whatever the resolution
    c = Comparison(label_a, label_b)
    for name in ("instance", "status", "objective_kind", "objective", "gap"):
        va, vb = getattr(a, name), getattr(b, name)
        if name == "status":
            va, vb = va.value, vb.value
        if (_differs(va, vb) if name in ("objective", "gap") else va != vb):
            c.header.append({"field": name, "a": va, "b": vb})
    for unit in sorted(set(a.units) | set(b.units)):
        if a.units.get(unit) != b.units.get(unit):
            c.header.append({"field": f"units.{unit}", "a": a.units.get(unit),
                             "b": b.units.get(unit)})

    def stage_desc(s: dict | None) -> str | None:
        return None if s is None else f"{s['years']} yr from {s['start_year']}"

    sa, sb = {s["name"]: s for s in a.stages}, {s["name"]: s for s in b.stages}
    order = a.stage_names + [s for s in b.stage_names if s not in sa]
    for s in order:
        da, db = stage_desc(sa.get(s)), stage_desc(sb.get(s))
        if da != db:
            c.stages.append({"stage": s, "a": da, "b": db})

    def stage_key(s: str) -> int:
        return order.index(s) if s in order else len(order)

    where: dict[str, tuple[str, str]] = {}
    units: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for i, sol in enumerate((a, b)):
        for x in sol.builds:
            where.setdefault(x["name"], (x["type"], x["node"]))
            units[(x["name"], x["stage"])][i] += x["units"]
    for (name, s), (ua, ub) in sorted(units.items(), key=lambda kv: (kv[0][0],
                                                                      stage_key(kv[0][1]))):
        if ua != ub:
            c.builds.append({"name": name, "type": where[name][0], "where": where[name][1],
                             "stage": s, "a": ua, "b": ub})
    for name in sorted(where):
        fa = min((s for (n, s), u in units.items() if n == name and u[0]), key=stage_key,
                 default=None)
        fb = min((s for (n, s), u in units.items() if n == name and u[1]), key=stage_key,
                 default=None)
        if fa != fb:
            c.first_built.append({"name": name, "type": where[name][0], "where": where[name][1],
                                  "a": fa, "b": fb})

    cost: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for i, sol in enumerate((a, b)):
        for x in sol.costs:
            cost[(x["category"], x["stage"])][i] += x["discounted"]
            cost[(x["category"], "total")][i] += x["discounted"]
            cost[("total", x["stage"])][i] += x["discounted"]
            cost[("total", "total")][i] += x["discounted"]
    cats = sorted({k[0] for k in cost} - {"total"}) + ["total"]
    for cat in cats:
        for s in sorted({k[1] for k in cost if k[0] == cat} - {"total"}, key=stage_key) + [
                "total"]:
            if (cat, s) not in cost:
                continue
            va, vb = cost[(cat, s)]
            if _differs(va, vb):
                c.costs.append({"category": cat, "stage": s, "a": va, "b": vb, "diff": vb - va})

    flow: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for i, sol in enumerate((a, b)):
        for x in sol.flows:
            flow[(x["route"], x["commodity"], x["stage"])][i] += x["rate"]
    diffs: list[dict[str, Any]] = [{"route": r, "commodity": k, "stage": s, "a": va, "b": vb, "diff": vb - va}
             for (r, k, s), (va, vb) in flow.items() if _differs(va, vb)]
    diffs.sort(key=lambda d: (-abs(d["diff"]), stage_key(d["stage"]), d["route"], d["commodity"]))
    c.flows = diffs[:max_flows]
    c.delivery = delivery(a, b, order)
    c.provenance = provenance_rows(a, b)
    return c


def _over_horizon(sol: Solution, rows: list[dict]) -> dict[str, float]:
    """{stage: tonnes over the stage} of rate rows (t/yr), and 'total'."""
    years = {s["name"]: s["years"] for s in sol.stages}
    out: dict[str, float] = defaultdict(float)
    for x in rows:
        out[x["stage"]] += x["rate"] * years.get(x["stage"], 1)
        out["total"] += x["rate"] * years.get(x["stage"], 1)
    return out


def delivery(a: Solution, b: Solution, order: list[str]) -> list[dict]:
    """Required demand left unmet and market sales, in tonnes over the horizon (and per stage
    where unmet differs), and the discounted revenue: what the objective alone does not show
    (an --elastic plan that leaves demand unmet pays nothing for it)."""
    unmet = [_over_horizon(x, x.shortfalls) for x in (a, b)]
    sold = [_over_horizon(x, x.sales) for x in (a, b)]
    revenue = [-x.cost_total("revenue") for x in (a, b)]
    rows = [{"measure": "required demand unmet, t over the horizon",
             "a": unmet[0]["total"], "b": unmet[1]["total"]}]
    rows += [{"measure": f"  unmet in {s}, t", "a": unmet[0][s], "b": unmet[1][s]}
             for s in order if _differs(unmet[0][s], unmet[1][s])]
    rows.append({"measure": "sold to markets, t over the horizon", "a": sold[0]["total"],
                 "b": sold[1]["total"]})
    money = a.units.get("money") or b.units.get("money")
    rows.append({"measure": "revenue, discounted" + (f", {money}" if money else ""),
                 "a": revenue[0], "b": revenue[1]})
    return rows


def provenance_rows(a: Solution, b: Solution) -> list[dict]:
    """Where each solution came from, side by side (solution_schema.Provenance)."""
    pa, pb = a.provenance or {}, b.provenance or {}
    if not pa and not pb:
        return []

    def inputs(p: dict) -> str | None:
        files = p.get("inputs")
        if files is None:
            return None
        return "\n".join(f"{f['path']} ({f['sha256'][:12]})" for f in files) or "-"

    def options(p: dict) -> str | None:
        o = p.get("options")
        if o is None:
            return None
        return ", ".join(f"{k}={v}" for k, v in o.items()
                         if v is not None and v is not False and v != {}) or None

    rows = []
    for name, get in (("netopt", lambda p: p.get("netopt")), ("git", lambda p: p.get("git")),
                      ("inputs", inputs),
                      ("scenarios", lambda p: ", ".join(p.get("scenarios") or []) or None),
                      ("--set", lambda p: ", ".join(p.get("sets") or []) or None),
                      ("options", options),
                      ("solver", lambda p: " ".join(x for x in (p.get("solver"),
                                                                 p.get("solver_version")) if x)),
                      ("solved", lambda p: p.get("finished"))):
        va, vb = get(pa), get(pb)
        if va or vb:
            rows.append({"field": name, "a": va, "b": vb})
    return rows


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int):
        return str(x)
    return f"{x:.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + _num(x)


def print_comparison(c: Comparison, console: Any, money: str = "") -> None:

    console.print(Text.assemble(("A", "bold"), f" = {printable(c.a)}\n", ("B", "bold"),
                                f" = {printable(c.b)}"))

    def table(title: str, cols: list[str], rows: list[list[str]], right: set[str]) -> None:
        t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  title_style="bold")
        for col in cols:
            t.add_column(col, justify="right" if col in right else "left")
        for r in rows:
            # as written: a path's [..] is not markup; a file's ESC [ is not a terminal command
            t.add_row(*(Text(printable(x, newlines=True)) for x in r))
        console.print(t)

    if c.same:
        console.print("No differences (builds, stages, costs, flows and deliveries agree within "
                      f"{REL_TOL:g} relative).")
        if c.provenance:
            table("Where they come from", ["", "A", "B"],
                  [[p["field"], p["a"] or "-", p["b"] or "-"] for p in c.provenance], set())
        return
    if c.header:
        table("Summary", ["", "A", "B"], [[h["field"], _num(h["a"]), _num(h["b"])]
                                          for h in c.header], {"A", "B"})
    if c.stages:
        table("Stages that differ", ["stage", "A", "B"],
              [[s["stage"], s["a"] or "-", s["b"] or "-"] for s in c.stages], set())
    if c.first_built:
        table("First built", ["element", "type", "where", "A", "B"],
              [[x["name"], x["type"], x["where"], x["a"] or "never", x["b"] or "never"]
               for x in c.first_built], set())
    if c.builds:
        table("Units built that differ", ["element", "type", "where", "stage", "A", "B"],
              [[x["name"], x["type"], x["where"], x["stage"], str(x["a"]), str(x["b"])]
               for x in c.builds], {"A", "B"})
    else:
        console.print("Builds: identical.")
    if c.costs:
        table(f"Discounted costs that differ ({money})" if money else "Discounted costs that differ",
              ["category", "stage", "A", "B", "B - A"],
              [[x["category"], x["stage"], _num(x["a"]), _num(x["b"]), _signed(x["diff"])]
               for x in c.costs], {"A", "B", "B - A"})
    else:
        console.print("Costs: identical.")
    if c.delivery:
        table("What each plan delivers", ["", "A", "B"], [[d["measure"], _num(d["a"]), _num(d["b"])] for d in c.delivery],
              {"A", "B"})
        short = [x for x, v in (("A", c.delivery[0]["a"]), ("B", c.delivery[0]["b"])) if v]
        if short:
            console.print(f"{' and '.join(short)} leave{'s' if len(short) == 1 else ''} required "
                          "demand unmet: a lower cost may mean less delivered.", markup=False)
    if c.provenance:
        table("Where they come from", ["", "A", "B"],
              [[p["field"], p["a"] or "-", p["b"] or "-"] for p in c.provenance], set())
    if c.flows:
        table(f"Largest flow changes (t/yr payload), top {len(c.flows)}",
              ["stage", "route", "commodity", "A", "B", "B - A"],
              [[x["stage"], x["route"], x["commodity"], _num(x["a"]), _num(x["b"]),
                _signed(x["diff"])] for x in c.flows], {"A", "B", "B - A"})
