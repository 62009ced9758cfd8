"""What a report says, whatever its format: the summary facts, the build-out, the cost split,
the captions and the tidy tables as rows of text."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..results import Solution, table_columns, tidy_rows
from ..tables import NETWORK_TABLES, TABLES
from .figures import fmt_t

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


def stage_caption(sol: Solution, stage: str) -> str:
    """What happens in one stage, in a sentence or two."""
    info = next(s for s in sol.stages if s["name"] == stage)
    end = info["start_year"] + info["years"] - 1
    mass = sol.units.get("mass", "t")
    money = sol.units.get("money", "")
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
        parts.append("Largest flows: " + ", ".join(f"{r} {fmt_t(v)}/yr" for r, v in top) + ".")
    bought = sum(x["rate"] for x in sol.supplies if x["stage"] == stage)
    if bought:
        parts.append(f"Bought from supplies: {bought:,.0f} {mass}/yr.")
    short = sum(x["rate"] for x in sol.shortfalls if x["stage"] == stage)
    if short:
        parts.append(f"Not delivered: {short:,.0f} {mass}/yr.")
    cost = sol.cost_total(stage=stage)
    if sol.costs:
        parts.append(f"Discounted cost {cost:,.0f} {money}.")
    return " ".join(parts)


def caption(fid: str, sol: Solution) -> str:
    if fid.startswith("network-"):
        return stage_caption(sol, fid[len("network-"):])
    return CAPTIONS.get(fid, fid)


# --- text: summary and tables ------------------------------------------------------------------
def _num(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}" if abs(x) >= 10000 else str(x)
    if isinstance(x, float):
        if x == 0:
            return "0"
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:.4g}"
    return str(x)


def summary_facts(sol: Solution) -> list[tuple[str, str]]:
    money = sol.units.get("money", "")
    mass = sol.units.get("mass", "t")
    facts = [("Instance", sol.instance), ("Status", sol.status.value)]
    if sol.objective is not None:
        unit = {"cost": money, "launch_mass": f"{mass} launched"}.get(sol.objective_kind,
                                                                   f"{mass} supplied")
        facts.append(("Objective", f"{sol.objective:,.6g} {unit}"))
    if sol.gap is not None:
        facts.append(("Gap", f"{sol.gap:.3%}" + (f" (bound {sol.bound:,.6g})"
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
        facts.append(("Discounted cost", f"{sol.cost_total():,.6g} {money}"))
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
        return "n/a" if x is None else f"{x:,.6g} {unit}"

    tree = st["tree"]
    facts = [("Uncertainty", f"{len(st['leaves'])} leaves; " + "; ".join(
        f"{b['name']} known in {b['stage']} ({len(b['branches'])} outcomes)"
        for b in tree["branchings"])),
        ("Here and now", ", ".join(f"{b['name']} x{b['units']} in {b['stage']}"
                                   for b in st["here_and_now"]) or "build nothing")]
    sp = st.get("spread")
    facts.append(("Expected cost (SP)", m(st.get("expected_cost")) + (
        f", leaves {sp['min']:,.6g} to {sp['max']:,.6g} (sd {sp['std']:,.4g})" if sp else "")))
    if "evpi" in st:
        facts.append(("EVPI (SP − wait-and-see)", f"{m(st.get('evpi'))} (WS {m(st.get('wait_and_see'))})"))
        facts.append(("VSS (EEV − SP)", f"{m(st.get('vss'))} (EEV {m(st.get('eev'))}, "
                                       f"mean-value plan {m(st.get('mean_value'))})"))
    return facts


def leaf_table(sol: Solution) -> tuple[list[str], list[list[str]]]:
    """One row per leaf: probability, branches, cost, builds."""
    st = sol.stochastic or {}
    rows = [[leaf["name"], f"{leaf['probability']:.4g}", _num(leaf.get("objective")),
             ", ".join(f"{b['name']} x{b['units']} {b['stage']}" for b in leaf.get("builds", []))]
            for leaf in st.get("leaves", [])[:MAX_TABLE_ROWS]]
    return ["leaf", "probability", "cost", "builds"], rows


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
    return cols, [[_num(r[c]) for c in cols] for r in rows[:MAX_TABLE_ROWS]], len(rows)


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
        out.append((f"Stockpiles: stock held at the end of each step ({mass})",
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
    "builds": "Builds: units built per element and stage",
    "online": "Online: units and capacity per element and stage",
    "activities": "Activities: facility activity per stage",
    "flows": "Flows: payload per route, commodity and stage",
    "propellant": "Propellant burnt per route, commodity and stage",
    "supplies": "Supplies: tonnes bought per year",
    "sales": "Sales to markets",
    "shortfalls": "Shortfalls: required demand not delivered",
    "costs": "Costs per category and stage",
    "stocks": "Stocks held at the end of each stage",
    "arrivals": "Arrivals per route, commodity and stage",
    "steps": "Operating steps",
    "trips": "Trips: vehicle trips per route and step",
    "fleet": "Fleets: reusable vehicles online and used per step",
    "parked": "Parked: vehicles waiting away from their base at the end of each step",
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


Block = Facts | Heading | Text | Grid | Figure | DataTable


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


def document(sol: Solution, fids: list[str], title: str | None = None,
             timed: list[tuple[str, list[str], list[list[str]]]] | None = None) -> Document:
    """The report of `sol` as sections of blocks; `fids`: the figures drawn (figures());
    `timed`: time_tables() of the plan before its stage view (stockpiles, launch windows)."""
    money = sol.units.get("money", "")
    header, rows = build_out(sol)
    summary: list[Block] = [
        Facts(summary_facts(sol)),
        Heading("What is built where and when",
                "Units online per stage; (+n): built in that stage."),
        Grid(header, rows, "summary-builds") if rows else Text("Nothing is built."),
    ]
    if sol.costs:
        h, r = cost_table(sol)
        summary += [Heading(f"Cost split ({money}, discounted)"), Grid(h, r, "summary-costs")]
    if sol.stochastic:
        h, r = leaf_table(sol)
        summary += [Heading("Leaves of the scenario tree",
                            "Each leaf's probability, cost and build-out; the tables below hold "
                            "the here-and-now builds and the expected operation."),
                    Grid(h, r, "summary-leaves")]
    sections = [
        Section("summary", "Summary", summary),
        Section("assumptions", "Assumptions", assumptions(sol)),
        Section("network", "Network by stage",
                [Figure(fid, caption(fid, sol), fid[len("network-"):]) for fid in fids
                 if fid.startswith("network-")], NETWORK_HOW_TO_READ),
    ]
    sections += [Section(fid, head, [Figure(fid, caption(fid, sol))] if fid in fids else [])
                 for fid, head in FIGURE_SECTIONS]
    if "fleets" in fids:  # only plans with vehicles have this section
        sections.append(Section("fleets", "Vehicle fleets", [Figure("fleets",
                                                                    caption("fleets", sol))]))
    if timed:
        over: list[Block] = []
        for i, (head, cols, cells) in enumerate(timed):
            over += [Heading(head), Grid(cols, cells, f"time-{i}")]
        sections.append(Section("time", "Stockpiles and launch windows over time", over))
    tables: list[Block] = []
    for name in TABLES + NETWORK_TABLES:
        cols, cells, total = table_rows(sol, name)
        tables.append(DataTable(name, TABLE_TITLES.get(name, name), cols, cells, total,
                                name in TABLES and total <= 60))
    sections.append(Section("tables", "Tables", tables,
                            "The tidy tables, as `netopt export` writes them (CSV / Parquet); "
                            f"rates in {sol.units.get('mass', 't')}/yr, money in {money}."))
    sections.append(Section("provenance", "Where this comes from",
                            [Facts(provenance_facts(sol), "provenance-facts")]))
    return Document(title or f"netopt report: {sol.instance}", sections)


def assumptions(sol: Solution) -> list[Block]:
    """The frame the plan was optimised in: scenario, discount rate, prices, element costs."""
    money = sol.units.get("money", "")
    blocks: list[Block] = [Facts(assumption_facts(sol), "assumption-facts")]
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
        facts.append(("Capex budgets", ", ".join(f"{t}: {v:,.6g} {money}"
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
