"""The report's numbers over time, step by step as the solution holds them (a year at resolution:
year, a stage at resolution: stage): the per-step series of the charts and the per-step state of
the network that the time slider shows. Data only; html.py and markdown.py draw it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..results import Solution
from .layout import layout

MAX_LINES = 8  # lines of one chart; the smaller ones are summed into one "other" line


@dataclass(frozen=True)
class Steps:
    """The solution's operating steps in order: start (a calendar year, fractional for steps
    inside a year), length in years and stage of each; the names and dates of steps in days."""

    years: list[float]
    lengths: list[float]
    stages: list[str]
    names: list[str] = field(default_factory=list)
    dates: list[str | None] = field(default_factory=list)

    @property
    def yearly(self) -> bool:
        """Every step one calendar year long (resolution: year)."""
        return all(n == 1 for n in self.lengths) and all(float(y).is_integer()
                                                         for y in self.years)

    def label(self, i: int) -> str:
        """'2031'; '2030–2034' for a step of whole years; else its name, date and length
        ('m1.2, 2030-01-04, 3 days')."""
        y, n = self.years[i], self.lengths[i]
        if float(y).is_integer() and float(n).is_integer():
            y, n = int(y), int(n)
            return f"{y}" if n == 1 else f"{y}–{y + n - 1}"
        name = self.names[i] if i < len(self.names) else ""
        date = self.dates[i] if i < len(self.dates) else None
        length = f"{n * 365.25:.4g} days" if n < 1 else f"{n:.4g} years"
        return ", ".join(x for x in (name, date or f"{y:.4f}", length) if x)


def steps_of(sol: Solution) -> Steps:
    rows = sol.steps or [{"start_year": s["start_year"], "years": s["years"],
                          "stage": s["name"], "name": s["name"]} for s in sol.stages]
    rows = sorted(rows, key=lambda s: s["start_year"])
    return Steps([s["start_year"] for s in rows], [s["years"] for s in rows],
                 [s["stage"] for s in rows], [s.get("name", "") for s in rows],
                 [s.get("start_date") for s in rows])


@dataclass(frozen=True)
class Series:
    """A chart of values per step: one line per name (None: no value in that step).

    `cumulative`: each value is the running total at the end of its step (drawn as a line
    through the steps' ends); otherwise a value holds over its step (drawn as a step function)."""

    id: str
    title: str
    unit: str
    steps: Steps
    lines: list[tuple[str, list[float | None]]]
    note: str = ""
    cumulative: bool = False


def _lines(values: dict[str, dict[float, float]], steps: Steps, fill: float | None = 0.0,
           keep: int = MAX_LINES) -> list[tuple[str, list[float | None]]]:
    """{name: {step start year: value}} as lines in step order, the largest `keep` (by their
    sum) first; the rest summed into 'other (n)'."""
    order = sorted(values, key=lambda k: (-sum(abs(v) for v in values[k].values()), k))
    out: list[tuple[str, list[float | None]]] = [
        (k, [values[k].get(y, fill) for y in steps.years]) for k in order[:keep]]
    rest = order[keep:]
    if rest:
        out.append((f"other ({len(rest)})", [sum(values[k].get(y, 0.0) for k in rest)
                                            for y in steps.years]))
    return out


def time_series(sol: Solution) -> list[Series]:
    """The per-step charts of a solution as solved (before `by_stage`): flows per route,
    stockpiles, fleets, the cumulative discounted cost, and (under uncertainty) each leaf's."""
    steps = steps_of(sol)
    mass = sol.units.get("mass", "t")
    money = sol.units.get("money", "")
    grain = "per year" if steps.yearly else "per step"
    # under uncertainty the operation's rows are expectations over the leaves: say so in titles
    exp = "Expected: " if sol.stochastic else ""
    out: list[Series] = []
    flows: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for f in sol.flows:
        flows[f"{f['route']} ({f['from']} → {f['to']})"][f["year"]] += f["rate"]
    if flows:
        out.append(Series("series-flows", exp + f"Payload flown {grain}, by route ({mass}/yr)",
                          f"{mass}/yr", steps, _lines(flows, steps),
                          "Every commodity a route carries, summed; the routes with the most "
                          "tonnes first."))
    bought: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for x in sol.supplies:
        bought[f"{x['commodity']} at {x['node']}"][x["year"]] += x["rate"]
    if bought:
        out.append(Series("series-supplies", exp + f"Bought from supplies {grain} ({mass}/yr)",
                          f"{mass}/yr", steps, _lines(bought, steps)))
    held: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for x in sol.stocks:
        held[f"{x['commodity']} at {x['node']}"][x["year"]] += x["tonnes"]
    if held:
        out.append(Series("series-stocks", exp + f"Stockpiles: held at the end of each step ({mass})",
                          mass, steps, _lines(held, steps)))
    fleet: dict[str, dict[float, float]] = defaultdict(dict)
    for x in sol.fleet:
        fleet[f"{x['vehicle']} online"][x["year"]] = x["online"]
        fleet[f"{x['vehicle']} in use"][x["year"]] = x["vehicle_years"]
    if fleet:
        out.append(Series("series-fleet", exp + f"Vehicle fleets {grain}: vehicles online and in use",
                          "vehicles", steps, _lines(fleet, steps, keep=2 * MAX_LINES),
                          "online: vehicles that exist in the step; in use: the vehicle-years "
                          "per year their trips take (transit and turnaround)."))
    if sol.costs:
        out.append(Series("series-cost", exp + f"Cumulative discounted cost ({money})", money, steps,
                          _cumulative(sol.costs, steps),
                          "Running total at the end of each step, by category and in all.",
                          cumulative=True))
    st = sol.stochastic or {}
    if st.get("leaves") and any(leaf.get("costs") for leaf in st["leaves"]):
        lines = [(f"{leaf['name']} (p={leaf['probability']:.3g})",
                  next(v for k, v in _cumulative(leaf.get("costs") or [], steps) if k == "total"))
                 for leaf in st["leaves"][:2 * MAX_LINES]]
        lines.append(("expected (probability-weighted)",
                      next(v for k, v in _cumulative(sol.costs, steps) if k == "total")))
        out.append(Series("series-leaves", f"Cumulative discounted cost of each leaf ({money})",
                          money, steps, lines, "Each leaf of the scenario tree as it unfolds; "
                          "the expected cost weighs them by their probabilities.",
                          cumulative=True))
    return out


def _cumulative(costs: list[dict], steps: Steps) -> list[tuple[str, list[float | None]]]:
    per: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for c in costs:
        per[c["category"]][c["year"]] += c["discounted"]
        per["total"][c["year"]] += c["discounted"]
    out: list[tuple[str, list[float | None]]] = []
    for name in ["total"] + sorted(k for k in per if k != "total"):
        run, line = 0.0, list[float | None]()
        for y in steps.years:
            run += per[name].get(y, 0.0)
            line.append(run)
        out.append((name, line))
    return out


def network_frames(sol: Solution) -> dict[str, Any]:
    """What the time slider over the network shows, step by step: node positions (the figures'
    layout), the routes flown in any step with their t/yr per commodity in each step, and per
    node what it buys, needs, holds and misses. Plain data for the page's script."""
    steps = steps_of(sol)
    net = sol.network or {}
    nodes = net.get("nodes") or [{"name": n} for n in sorted(
        {f["from"] for f in sol.flows} | {f["to"] for f in sol.flows})]
    lay = layout(nodes)
    index = {y: i for i, y in enumerate(steps.years)}
    n = len(steps.years)
    pairs: dict[tuple[str, str], dict[str, list[float]]] = {}
    # rows in a year that starts no step (a hand-edited solution.json) are left out, not an error
    for f in sol.flows:
        if f["year"] in index:
            per = pairs.setdefault((f["from"], f["to"]), {})
            per.setdefault(f["commodity"], [0.0] * n)[index[f["year"]]] += f["rate"]
    info: dict[str, dict[str, list[float]]] = defaultdict(dict)

    def add(node: str, what: str, year: int, v: float) -> None:
        if year in index:
            info[node].setdefault(what, [0.0] * n)[index[year]] += v

    for x in sol.supplies:
        add(x["node"], f"buys {x['commodity']} (t/yr)", x["year"], x["rate"])
    for x in sol.sales:
        add(x["node"], f"sells {x['commodity']} (t/yr)", x["year"], x["rate"])
    for x in sol.shortfalls:
        add(x["node"], f"short of {x['commodity']} (t/yr)", x["year"], x["rate"])
    for x in sol.stocks:
        add(x["node"], f"holds {x['commodity']} (t, end of step)", x["year"], x["tonnes"])
    fac = {f["name"]: f for f in net.get("facilities", [])}
    for o in sol.online:
        if o["type"] == "facility" and o["name"] in fac:
            add(fac[o["name"]]["node"], f"{o['name']} units", o["year"], o["units"])
            if o.get("capacity") is not None:
                add(fac[o["name"]]["node"], f"{o['name']} operating capacity (t/yr)", o["year"],
                    o["capacity"])
    drawn = dict(lay.pos)
    kinds = {m["name"]: m.get("kind") or "other" for m in nodes}
    return {
        "steps": [steps.label(i) for i in range(n)],
        "stages": steps.stages,
        "width": lay.width, "height": lay.height,
        "bands": [[label, x0, x1, y0, y1] for label, x0, x1, y0, y1 in lay.bands],
        "nodes": [{"name": k, "x": x, "y": y, "kind": kinds.get(k, "other"),
                   "crowd": k in lay.crowd, "info": info.get(k, {})}
                  for k, (x, y) in sorted(drawn.items())],
        "edges": [{"from": u, "to": v, "rates": per} for (u, v), per in sorted(pairs.items())
                  if u in drawn and v in drawn and drawn[u] != drawn[v]],
        "max": max((sum(per[k][i] for k in per) for per in pairs.values() for i in range(n)),
                   default=0.0),
    }
