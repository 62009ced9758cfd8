"""What a report says, whatever its format: the summary facts, the build-out, the cost split,
the captions and the tidy tables as rows of text."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..results import Solution, table_columns, tidy_rows
from ..tables import NETWORK_TABLES, TABLES
from .figures import fmt_t
from .series import Series, network_frames, steps_of, time_series

MAX_TABLE_ROWS = 1000  # rows of one table shown in a report (the CSV export has them all)


CAPTIONS = {
    "timeline": "Build timeline: units online per element and stage (darker: more units); "
                "▲ +n marks units built at the start of a stage.",
    "costs": "Cost breakdown: discounted cost per stage stacked by category (revenue below zero), "
             "and the total by category with its share.",
    "sources": "Where the mass comes from: tonnes per year bought from supplies (e.g. launched "
               "from Earth) and mined by facilities in space, by stage.",
    "fleets": "Vehicle fleets: reusable vehicles online per stage (bars) and the vehicle-years "
              "their trips use per year (dots: transit + turnaround per trip); trips per year "
              "written above.",
}


NETWORK_HOW_TO_READ = (
    "How to read the network pictures: left to right from the Sun outwards (Sun–planet L1 "
    "sunward of its planet, L2 beyond), a column per body or Lagrange point, surfaces below "
    "orbits. Arrows are payload flows, one per commodity side by side on the right of the "
    "direction of travel, width proportional to t/yr on the same scale in every stage; dotted "
    "lines are candidate routes. Markers are online facilities by kind, area proportional to "
    "capacity; a black edge and (+n) mark units built in that stage. Under a node: what it "
    "buys (supplies), needs (required demand), sells (markets) and misses (shortfall), in t/yr.")


def stage_caption(sol: Solution, stage: str, averaged: bool = False) -> str:
    """What happens in one stage, in a sentence or two; `averaged`: the stage view of several
    steps (rates are the stage's means)."""
    info = next(s for s in sol.stages if s["name"] == stage)
    end = info["start_year"] + info["years"] - 1
    mass = sol.units.get("mass", "t")
    money = sol.units.get("money", "")
    per_yr = f"{mass}/yr" + (" on average over the stage" if averaged else "")
    built = [f"{b['name']} +{b['units']} at {b['node']}" for b in sol.builds
             if b["stage"] == stage]
    parts = [f"Stage {stage} ({info['start_year']}–{end}, {info['years']} years)."]
    parts.append(("Built: " + "; ".join(built) + ".") if built else "Nothing new is built.")
    per_route: dict[str, float] = defaultdict(float)
    for f in sol.flows:
        if f["stage"] == stage:
            per_route[f"{f['from']} → {f['to']}"] += f["rate"]
    if per_route:
        top = sorted(per_route.items(), key=lambda kv: -kv[1])[:3]
        parts.append("Largest flows (" + per_yr + "): "
                     + ", ".join(f"{r} {fmt_t(v)}/yr" for r, v in top) + ".")
    bought = sum(x["rate"] for x in sol.supplies if x["stage"] == stage)
    if bought:
        parts.append(f"Bought from supplies: {bought:,.0f} {per_yr}.")
    short = sum(x["rate"] for x in sol.shortfalls if x["stage"] == stage)
    if short:
        parts.append(f"Not delivered: {short:,.0f} {per_yr}.")
    cost = sol.cost_total(stage=stage)
    if sol.costs:
        parts.append(f"Discounted cost {cost:,.0f} {money}"
                     + (" (expected)." if sol.stochastic else "."))
    return " ".join(parts)


def caption(fid: str, sol: Solution, averaged: bool = False) -> str:
    if fid.startswith("network-"):
        return stage_caption(sol, fid[len("network-"):], averaged)
    text = CAPTIONS.get(fid, fid)
    if averaged and fid in ("sources", "fleets"):
        text += " Per stage: the mean over the stage's years (year by year: 'Over time')."
    return text


# --- text: summary and tables ------------------------------------------------------------------
def fmt(x: float, digits: int = 6) -> str:
    """x to `digits` significant digits, thousands separated, never in scientific notation
    (money and tonnes are read by people: 1,234,567, not 1.23457e+06)."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    mag = math.floor(math.log10(abs(x)))
    text = f"{x:,.{min(max(0, digits - 1 - mag), 12)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _num(x: Any) -> str:
    """A number of the summary: whole above 1,000, else 4 significant digits."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}" if abs(x) >= 10000 else str(x)
    if isinstance(x, float):
        return f"{x:,.0f}" if abs(x) >= 1000 else fmt(x, 4)
    return str(x)


def exact(x: Any) -> str:
    """A cell of a tidy table as the report shows it: the CSV's value to 6 significant digits
    (integers and text as they are)."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return "True" if x else "False"  # as csv writes a bool
    if isinstance(x, int):
        return f"{x:,}" if abs(x) >= 10000 else str(x)
    if isinstance(x, float):
        return fmt(x, 6)
    return str(x)


def summary_facts(sol: Solution) -> list[tuple[str, str]]:
    money = sol.units.get("money", "")
    mass = sol.units.get("mass", "t")
    facts = [("Instance", sol.instance), ("Status", sol.status.value)]
    if sol.objective is not None:
        unit = {"cost": money, "launch_mass": f"{mass} launched"}.get(sol.objective_kind,
                                                                   f"{mass} supplied")
        facts.append(("Objective", f"{fmt(sol.objective)} {unit}".rstrip()
                      + (" (expected: probability-weighted over the leaves)"
                         if sol.stochastic else "")))
    if sol.gap is not None:
        facts.append(("Gap", f"{sol.gap:.3%}" + (f" (bound {fmt(sol.bound)})"
                                                 if sol.bound is not None else "")))
    if sol.message:
        facts.append(("Solver message", sol.message))
    if sol.solver:
        facts.append(("Solver", " ".join(v for v in sol.solver.values() if v)))
    if sol.stages:
        first, last = sol.stages[0], sol.stages[-1]
        facts.append(("Stages", f"{len(sol.stages)} ({', '.join(sol.stage_names)}), "
                                f"{first['start_year']}–{last['start_year'] + last['years'] - 1}"))
    if sol.costs:
        facts.append(("Expected discounted cost" if sol.stochastic else "Discounted cost",
                      f"{fmt(sol.cost_total())} {money}".rstrip()))
    years = {s["name"]: s["years"] for s in sol.stages}
    units = sum(b["units"] for b in sol.builds)
    facts.append(("Units built", f"{units} ({len({b['name'] for b in sol.builds})} elements)"))
    bought = sum(x["rate"] * years.get(x["stage"], 1) for x in sol.supplies)
    if bought:
        facts.append(("Mass bought over the horizon", f"{bought:,.0f} {mass}"))
    short = sum(x["rate"] * years.get(x["stage"], 1) for x in sol.shortfalls)
    if short:
        facts.append(("Demand not delivered (shortfall)", f"{short:,.0f} {mass}"))
    return facts + stochastic_facts(sol)


def stochastic_facts(sol: Solution) -> list[tuple[str, str]]:
    """Planning under uncertainty: the tree, the figures (solvers.md), or nothing."""
    st = sol.stochastic
    if not st:
        return []
    unit = sol.units.get("money", "") if sol.objective_kind == "cost" else sol.units.get("mass", "t")

    def m(x: float | None) -> str:
        return "n/a" if x is None else f"{fmt(x)} {unit}".rstrip()

    tree = st["tree"]
    facts = [("Uncertainty", f"{len(st['leaves'])} leaves; " + "; ".join(
        f"{b['name']} known in {b['stage']} ({len(b['branches'])} outcomes)"
        for b in tree["branchings"])),
        ("Here and now", ", ".join(f"{b['name']} x{b['units']} in {b['stage']}"
                                   for b in st["here_and_now"]) or "build nothing")]
    sp = st.get("spread")
    facts.append(("Expected cost (SP)", m(st.get("expected_cost")) + (
        f", leaves {fmt(sp['min'])} to {fmt(sp['max'])} (sd {fmt(sp['std'], 4)})" if sp else "")))
    if "evpi" in st:
        facts.append(("EVPI (SP − wait-and-see)", f"{m(st.get('evpi'))} (WS {m(st.get('wait_and_see'))})"))
        facts.append(("VSS (EEV − SP)", f"{m(st.get('vss'))} (EEV {m(st.get('eev'))}, "
                                       f"mean-value plan {m(st.get('mean_value'))})"))
    return facts


def leaf_table(sol: Solution) -> tuple[list[str], list[list[str]]]:
    """One row per leaf: probability, discounted cost per stage, objective, builds; a last row
    the probability-weighted expectation (what the other tables of the report hold)."""
    st = sol.stochastic or {}
    stages = sol.stage_names
    leaves = st.get("leaves", [])
    per: list[dict[str, float]] = []
    for leaf in leaves:
        cost: dict[str, float] = defaultdict(float)
        for c in leaf.get("costs") or []:
            cost[c["stage"]] += c["discounted"]
        per.append(cost)
    rows = [[leaf["name"], fmt(leaf["probability"], 4), *(_num(cost.get(s)) for s in stages),
             _num(leaf.get("objective")),
             ", ".join(f"{b['name']} x{b['units']} {b['stage']}" for b in leaf.get("builds", []))]
            for leaf, cost in zip(leaves[:MAX_TABLE_ROWS], per)]
    if leaves:
        weigh = [leaf["probability"] for leaf in leaves]
        objs = [leaf.get("objective") for leaf in leaves]
        rows.append(["expected (probability-weighted)", fmt(sum(weigh), 4),
                     *(_num(sum(w * c.get(s, 0.0) for w, c in zip(weigh, per))) for s in stages),
                     _num(sum(w * o for w, o in zip(weigh, objs)) if None not in objs else None),
                     ""])
    return ["leaf", "probability", *stages, "objective", "builds"], rows


def capacity_table(sol: Solution) -> tuple[list[str], list[list[str]]]:
    """Facility capacity per stage of the stage view: 'operating of nameplate' t/yr. Nameplate:
    the units that exist in the stage x capacity per unit; operating: the mean over the stage's
    years of the capacity in operation (commissioning and retirement inside the stage count for
    the share of it they cover), the figure the terminal summary's build-out prints."""
    stages = sol.stage_names
    per_unit = {f["name"]: f.get("capacity") for f in (sol.network or {}).get("facilities", [])}
    cells: dict[str, dict[str, str]] = defaultdict(dict)
    for o in sol.online:
        cap = per_unit.get(o["name"])
        if o["type"] != "facility" or cap is None or o.get("capacity") is None:
            continue
        plate = o["units"] * cap
        share = f" ({o['capacity'] / plate:.0%})" if plate and o["capacity"] < plate - 1e-6 else ""
        cells[o["name"]][o["stage"]] = f"{_num(o['capacity'])} of {_num(plate)}{share}"
    rows = [[name, _num(per_unit[name]), *(cells[name].get(s, "") for s in stages)]
            for name in sorted(cells)]
    return ["facility", "per unit", *stages], rows


def build_out(sol: Solution) -> tuple[list[str], list[list[str]]]:
    """What is built where and when: one row per element, per stage 'online (+built)'."""
    stages = sol.stage_names
    fac = {f["name"]: f for f in (sol.network or {}).get("facilities", [])}
    node_body = {n["name"]: n.get("body") or "–".join(n.get("bodies") or [])
                 for n in (sol.network or {}).get("nodes", [])}
    rows: dict[str, dict[str, Any]] = {}
    for b in sol.builds:
        r = rows.setdefault(b["name"], {"type": b["type"], "where": b["node"], "on": {},
                                        "new": {}})
        r["new"][b["stage"]] = r["new"].get(b["stage"], 0) + b["units"]
    for o in sol.online:
        if o["name"] in rows:
            rows[o["name"]]["on"][o["stage"]] = o["units"]
    header = ["element", "kind", "where", "body"] + stages
    out = []
    for name, r in sorted(rows.items(), key=lambda kv: (min(stages.index(s) for s in kv[1]["new"]),
                                                        kv[0])):
        kind = fac[name]["kind"] if name in fac else r["type"]
        frm = r["where"].split("->")[0]
        cells = []
        for s in stages:
            on, new = r["on"].get(s, 0), r["new"].get(s, 0)
            cells.append("" if not on and not new else f"{on}" + (f" (+{new})" if new else ""))
        out.append([name, kind, r["where"], node_body.get(frm, "") or "", *cells])
    return header, out


def table_rows(sol: Solution, name: str) -> tuple[list[str], list[list[str]], int]:
    cols = [h for h, _ in table_columns(sol, name)]
    rows = tidy_rows(sol, name)
    return cols, [[_year(r[c]) if c in YEAR_COLUMNS else exact(r[c]) for c in cols]
                  for r in rows[:MAX_TABLE_ROWS]], len(rows)


YEAR_COLUMNS = ("year", "start_year", "end_year")


def _year(x: Any) -> str:
    """A calendar year as a year: 2031, or 2031.0082 for a step 3 days into it (no separator)."""
    if isinstance(x, float):
        return f"{x:.4f}".rstrip("0").rstrip(".")
    return "" if x is None else str(x)


def _spans(years: list[int]) -> str:
    """2036, 2037, 2038, 2041 -> '2036–2038, 2041'."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and runs[-1][1] == y - 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs)


def time_tables(sol: Solution) -> list[tuple[str, list[str], list[list[str]]]]:
    """Stockpiles and launch windows over time, from the per-step rows (call it before
    `by_stage`): [(title, header, rows)], empty when the plan has neither."""
    mass = sol.units.get("mass", "t")
    out = []
    held: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for x in sol.stocks:
        held[(x["node"], x["commodity"])].append((x["year"], x["tonnes"]))
    if held:
        rows = []
        for (node, k), series in sorted(held.items()):
            peak_year, peak = max(series, key=lambda yt: (yt[1], -yt[0]))
            rows.append([node, k, _spans([y for y, _ in series]), fmt_t(peak), str(peak_year)])
        out.append((f"Stockpiles in brief: where, in which years, the peak ({mass})",
                    ["node", "commodity", "held (end of)", "peak", "peak year"], rows))
    windowed = {r["name"]: r for r in (sol.network or {}).get("routes", [])
                if r.get("window_every_years")}
    flown: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    length = {(s["stage"], s["start_year"]): s["years"] for s in sol.steps}
    for f in sol.flows:
        if f["route"] in windowed:
            flown[f["route"]][f["year"]] += f["rate"] * length.get((f["stage"], f["year"]), 1)
    if flown:
        rows = []
        for name in sorted(flown):
            r = windowed[name]
            rows.append([name, f"{r['from']} → {r['to']}", f"{r['window_every_years']:g}",
                         f"{r.get('transit_years') or 0:g}",
                         ", ".join(f"{y}: {fmt_t(t)}" for y, t in sorted(flown[name].items()))])
        out.append((f"Launch windows used: {mass} departing per step",
                    ["route", "from → to", "every (yr)", "transit (yr)", "departures"], rows))
    return out


TABLE_TITLES = {
    "builds": "Builds: units built per element at the start of a stage",
    "online": "Online: units, operating units and operating capacity per element and step",
    "activities": "Activities: facility activity per step",
    "flows": "Flows: payload per route, commodity and step",
    "propellant": "Propellant burnt per route, commodity and step",
    "supplies": "Supplies: tonnes bought per year, per step",
    "sales": "Sales to markets per step",
    "shortfalls": "Shortfalls: required demand not delivered, per step",
    "costs": "Costs per category and step",
    "stocks": "Stocks held at the end of each step",
    "arrivals": "Arrivals per route, commodity and step",
    "steps": "Operating steps",
    "trips": "Trips: vehicle trips per route and step",
    "fleet": "Fleets: reusable vehicles online and used per step",
    "parked": "Parked: vehicles waiting away from their base at the end of each step",
    "disposals": "Disposals: vehicles left for good away from their base (returns: false)",
    "stages": "Stages", "nodes": "Nodes", "facilities": "Candidate facilities",
    "routes": "Candidate routes", "demands": "Demands",
}


NUMERIC = re.compile(r"^[+-]?[\d,]*\.?\d+(e[+-]?\d+)?( \(\+\d+\))?$")


def cost_table(sol: Solution) -> tuple[list[str], list[list[str]]]:
    stages = sol.stage_names
    grid: dict[str, dict[str, float]] = defaultdict(dict)
    for c in sol.costs:
        grid[c["category"]][c["stage"]] = grid[c["category"]].get(c["stage"], 0.0) + c[
            "discounted"]
    total = sol.cost_total() or 0.0
    gross = sum(abs(sum(r.values())) for r in grid.values()) or 1.0
    rows = [[cat, *(_num(r.get(s)) for s in stages), _num(sum(r.values())),
             f"{abs(sum(r.values())) / gross:.0%}"] for cat, r in grid.items()]
    rows.append(["total", *(_num(sum(r.get(s, 0.0) for r in grid.values())) for s in stages),
                 _num(total), ""])
    return ["category", *stages, "total", "share"], rows


# --- the document: what both renderers draw ------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    """Key facts, one (label, value) a line."""

    rows: list[tuple[str, str]]
    id: str | None = None


@dataclass(frozen=True)
class Heading:
    """A subsection's heading, with an optional note under it (`code` in backticks)."""

    text: str
    note: str | None = None


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text."""

    text: str


@dataclass(frozen=True)
class Grid:
    """A table of text cells (numbers already formatted; right-aligned when they look numeric)."""

    header: list[str]
    rows: list[list[str]]
    id: str | None = None


@dataclass(frozen=True)
class Figure:
    """A figure of `figures()` by id, its caption, and an optional heading of its own."""

    fid: str
    caption: str
    heading: str | None = None


@dataclass(frozen=True)
class DataTable:
    """One tidy table: its first rows (of `total`), shown open when it is short."""

    name: str
    title: str
    header: list[str]
    rows: list[list[str]]
    total: int
    open: bool


@dataclass(frozen=True)
class Player:
    """The network step by step with a time slider (HTML only): network_frames()' data."""

    id: str
    frames: dict[str, Any]


Block = Facts | Heading | Text | Grid | Figure | DataTable | Series | Player


@dataclass(frozen=True)
class Section:
    """A top-level section; `note` (`code` in backticks) under its heading."""

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True)
class Document:
    title: str
    sections: list[Section]


FIGURE_SECTIONS = (("timeline", "Build timeline"), ("costs", "Cost breakdown"),
                   ("sources", "Mass sources"))


def grain_note(sol: Solution, view: Solution) -> str:
    """What the stage view's numbers are: a stage's only step, or its steps averaged."""
    if view is sol:
        return ("One operating step per stage: a rate is the t/yr of every year of its stage, "
                "a stock what is held at the stage's end.")
    return ("Stage view of yearly steps: a rate is the mean t/yr over the stage's years, units "
            "the most that exist during the stage, capacity the mean operating capacity, costs "
            "the stage's sum, stocks what is held at the stage's end. Year by year: 'Over time' "
            "and the tables.")


def expectation_note(sol: Solution) -> str | None:
    """Under uncertainty, what the operation's numbers are."""
    st = sol.stochastic
    if not st:
        return None
    return (f"Planning under uncertainty: flows, stocks, fleets, costs and every table except "
            f"the leaves' are probability-weighted expectations over the {len(st['leaves'])} "
            "leaves of the scenario tree (each leaf's costs and builds: 'Leaves of the scenario "
            "tree').")


def document(sol: Solution, fids: list[str], title: str | None = None) -> Document:
    """The report of `sol` (as solved: one row per step) as sections of blocks; `fids`: the
    figures drawn (figures() of `sol.by_stage()`). Summary and figures speak in stages (labelled
    as averages when a stage has several steps); 'Over time' and the tables in steps."""
    money = sol.units.get("money", "")
    mass = sol.units.get("mass", "t")
    view = sol.by_stage()
    grain = grain_note(sol, view)
    expected = expectation_note(sol)
    header, rows = build_out(view)
    summary: list[Block] = [Facts(summary_facts(view), "summary-facts")]
    if expected:
        summary.append(Text(expected))
    summary += [
        Heading("What is built where and when",
                "Units per stage: the most that exist during the stage; (+n): built at the "
                "stage's start."),
        Grid(header, rows, "summary-builds") if rows else Text("Nothing is built."),
    ]
    h, r = capacity_table(view)
    if r:
        summary += [Heading(f"Facility capacity per stage ({mass}/yr): operating of nameplate",
                            "Nameplate: units x capacity per unit. Operating: the mean over the "
                            "stage's years of the capacity in operation — a unit still being "
                            "commissioned, or retired, counts for the share of the stage it "
                            "operates (the terminal summary's build-out prints this figure)."),
                    Grid(h, r, "summary-capacity")]
    if view.costs:
        h, r = cost_table(view)
        summary += [Heading(f"Cost split ({money}, discounted"
                            + (", expected)" if sol.stochastic else ")")), Grid(h, r,
                                                                                "summary-costs")]
    if sol.stochastic:
        h, r = leaf_table(view)
        summary += [Heading("Leaves of the scenario tree",
                            f"Each leaf's probability, discounted cost per stage ({money}), "
                            "objective and build-out; the last row weighs them by probability: "
                            "the expectation the rest of the report shows."),
                    Grid(h, r, "summary-leaves")]
    over: list[Block] = [Text(
        "Step by step as the solution holds them (" + (
            "one step a year" if sol.steps and steps_of(sol).yearly
            else "each step as long as it lasts") + "). Move the slider to see the network in "
        "a step; hover over a chart or the network for its values.")]
    if sol.stages:
        over.append(Player("player", network_frames(sol)))
    over += list(time_series(sol))
    for i, (head, cols, cells) in enumerate(time_tables(sol)):
        over += [Heading(head), Grid(cols, cells, f"time-{i}")]
    sections = [
        Section("summary", "Summary", summary, grain),
        Section("time", "Over time", over, expected),
        Section("assumptions", "Assumptions", assumptions(view)),
        Section("network", "Network by stage",
                [Figure(fid, caption(fid, view, view is not sol), fid[len("network-"):])
                 for fid in fids if fid.startswith("network-")],
                NETWORK_HOW_TO_READ + " " + grain),
    ]
    sections += [Section(fid, head, [Figure(fid, caption(fid, view, view is not sol))]
                         if fid in fids else [])
                 for fid, head in FIGURE_SECTIONS]
    if "fleets" in fids:  # only plans with vehicles have this section
        sections.append(Section("fleets", "Vehicle fleets", [Figure(
            "fleets", caption("fleets", view, view is not sol))]))
    tables: list[Block] = []
    for name in TABLES + NETWORK_TABLES:
        cols, cells, total = table_rows(sol, name)
        tables.append(DataTable(name, TABLE_TITLES.get(name, name), cols, cells, total,
                                name in TABLES and total <= 60))
    sections.append(Section(
        "tables", "Tables",
        tables, "The tidy tables as `netopt export` writes them (CSV / Parquet): the same rows "
        "— one per element and step, `year` the step's start — with numbers to 6 significant "
        f"digits; rates in {mass}/yr, money in {money}." + (" " + expected if expected else "")))
    sections.append(Section("provenance", "Where this comes from",
                            [Facts(provenance_facts(sol), "provenance-facts")]))
    return Document(title or f"netopt report: {sol.instance}", sections)


def assumptions(sol: Solution) -> list[Block]:
    """The frame the plan was optimised in: scenario, discount rate, prices, element costs."""
    money = sol.units.get("money", "")
    blocks: list[Block] = [Facts(assumption_facts(sol), "assumption-facts")]
    if sol.stochastic:
        blocks.append(Text("The base instance's figures: each leaf of the scenario tree changes "
                           "some of them as its branches say (Summary: 'Uncertainty')."))
    for name, title, (cols, rows, total) in (
            ("prices", f"Prices ({money} per t) by stage", price_table(sol)),
            ("element-costs", "Capital and operating costs", element_cost_table(sol))):
        if rows:
            blocks.append(DataTable(name, title, cols, rows, total, total <= 40))
    return blocks


# --- assumptions and provenance ----------------------------------------------------------------
def _price(v: Any, stage: str) -> float | None:
    """A price as the instance gives it (a number, or {stage: price}) in one stage."""
    if v is None:
        return None
    return v.get(stage) if isinstance(v, dict) else v


def assumption_facts(sol: Solution) -> list[tuple[str, str]]:
    """The economic frame: scenario and overrides, horizon, discount rate, budgets."""
    net, prov = sol.network or {}, sol.provenance or {}
    money = sol.units.get("money", "")
    facts = [("Instance (scenario)", sol.instance)]
    if prov.get("scenarios"):
        facts.append(("Scenario files", ", ".join(prov["scenarios"])))
    if prov.get("sets"):
        facts.append(("Overrides (--set)", ", ".join(prov["sets"])))
    if net.get("discount_rate") is not None:
        first = sol.stages[0]["start_year"] if sol.stages else None
        facts.append(("Discount rate", f"{net['discount_rate']:.4g} per year"
                      + (f", costs discounted to {first}" if first else "")))
    facts.append(("Objective", "least discounted cost" if sol.objective_kind == "cost"
                  else "least mass bought from supplies"))
    if net.get("budgets"):
        facts.append(("Capex budgets", ", ".join(f"{t}: {fmt(v)} {money}"
                                                 for t, v in net["budgets"].items())))
    return facts


def price_table(sol: Solution) -> tuple[list[str], list[list[str]], int]:
    """Prices per tonne by stage: supplies, transport (routes with a price), markets, shortfall
    penalties. Returns (header, rows, total rows before the cap)."""
    net = sol.network or {}
    stages = sol.stage_names
    rows: list[list[str]] = []

    def row(kind: str, name: str, where: str, price: Any, always: bool = True) -> None:
        cells = [_price(price, t) for t in stages]
        if always or any(c for c in cells):  # routes without a price: too many to list
            rows.append([kind, name, where] + ["-" if c is None else _num(c) for c in cells])

    for s in net.get("supplies", []):
        row("supply", s["supply"], f"{s['commodity']} at {s['node']}", s["price_per_t"])
    for r in net.get("routes", []):
        row("transport", r["name"], f"{r['from']} → {r['to']}", r.get("cost_per_t"), False)
    markets: dict[str, dict[str, Any]] = {}
    for d in net.get("demands", []):
        if d["kind"] == "market" and d.get("price_per_t") is not None:
            m = markets.setdefault(d["demand"], {"where": f"{d['commodity']} at {d['node']}",
                                                 "price": {}})
            m["price"][d["stage"]] = d["price_per_t"]
        elif d.get("shortfall_penalty_per_t") is not None:
            markets.setdefault(d["demand"] + " (shortfall)", {
                "where": f"{d['commodity']} at {d['node']}", "penalty": True,
                "price": d["shortfall_penalty_per_t"]})
    for name, m in markets.items():
        row("shortfall penalty" if m.get("penalty") else "market", name, m["where"], m["price"])
    total = len(rows)
    return ["kind", "name", "what, where"] + stages, rows[:MAX_TABLE_ROWS], total


def element_cost_table(sol: Solution) -> tuple[list[str], list[list[str]], int]:
    """Capex, opex and variable cost of every facility and buildable route."""
    net = sol.network or {}
    rows = [[f["name"], f.get("kind", "other"), f["node"], _num(f.get("capex", 0.0)),
             _num(f.get("opex", 0.0)), _num(f.get("variable_cost", 0.0))]
            for f in net.get("facilities", [])]
    rows += [[r["name"], "route", f"{r['from']} → {r['to']}", _num(r["capex"]),
              _num(r.get("opex", 0.0)), "-"]
             for r in net.get("routes", []) if r.get("capex") is not None]
    money = sol.units.get("money", "")
    return (["element", "kind", "where", f"capex per unit ({money})",
             f"opex per unit-year ({money})", f"variable ({money}/t)"], rows[:MAX_TABLE_ROWS],
            len(rows))


def provenance_facts(sol: Solution) -> list[tuple[str, str]]:
    """Where the solution came from (solution.json's provenance), in words."""
    p = sol.provenance
    if not p:
        return [("Provenance", "not recorded (a solution.json older than schema version 3)")]
    facts = [("netopt", p["netopt"] + (f" ({p['git']})" if p.get("git") else ""))]
    facts += [("Input file", f"{f['path']} (sha256 {f['sha256']})") for f in p.get("inputs", [])]
    if p.get("scenarios"):
        facts.append(("Scenario files", ", ".join(p["scenarios"])))
    if p.get("sets"):
        facts.append(("Overrides (--set)", ", ".join(p["sets"])))
    options = ", ".join(f"{k}={v}" for k, v in (p.get("options") or {}).items()
                        if v is not None and v is not False and v != {})
    if options:
        facts.append(("Solve options", options))
    facts.append(("Solver", " ".join(x for x in (p.get("solver"), p.get("solver_version")) if x)
                  + (f" (highspy {p['highs_version']})" if p.get("highs_version") else "")))
    facts.append(("Solved", f"{p['started']} to {p['finished']}"
                  + (f" on {p['host_cpus']} CPUs" if p.get("host_cpus") else "")
                  + (f", Python {p['python']}" if p.get("python") else "")))
    return facts
