"""The terminal summary of a Solution: status, what is built where and when, the largest flows,
the cost split. Long tables (one row per build, per flow, per stage), so they stay readable in an
80-column terminal however many stages the instance has."""

from __future__ import annotations

import math
from collections import defaultdict

from rich import box
from rich.console import Console
from rich.table import Table

from .costs import ordered as ordered_categories
from .results import Solution

MAX_FLOWS = 12
MAX_BUILDS = 60


def count(n: int, one: str, many: str | None = None) -> str:
    """'1 facility', '2 facilities': a number and its noun, singular or plural."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def money_text(x: float, digits: int = 6) -> str:
    """An amount of money as people write it: thousands separated, about `digits` significant
    digits, never in scientific notation (1.70891e+07 in a cost line reads as a typo)."""
    if not math.isfinite(x):
        return str(x)
    if abs(x) < 10.0 ** (-min(digits, 6)):
        return "0"
    places = max(0, min(6, digits - 1 - math.floor(math.log10(abs(x)))))
    text = f"{x:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _num(x: float | None, digits: int = 4) -> str:
    if x is None:
        return "-"
    if x == 0:
        return "0"
    return money_text(x, digits)  # as .4g below 1,000 and whole above, but never 1e-05


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                 title_style="bold")


LONGEST_NAME = 40  # a name longer than this may fold; below it a name column is never narrower


def _whole_names(t: Table) -> Table:
    """Columns of names (cells without spaces: elements, routes, vehicles, stages) as wide as
    their longest cell, so that a narrow terminal wraps the columns of words instead and never
    breaks a name in the middle ("eml1-moon-lan / der")."""
    for col in t.columns:
        words = [c for c in (col.header, *col.cells) if isinstance(c, str) and " " not in c]
        cells = [c for c in col.cells if isinstance(c, str)]
        if cells and not any(" " in c for c in cells):  # names: the longest whole
            words += cells
        if words:
            col.min_width = max(col.min_width or 0,
                                min(LONGEST_NAME, max(len(w) for w in words)))
    return t


def _expected(sol: Solution) -> str:
    """What a table of a plan with an uncertainty tree shows: the expectation, not a leaf."""
    if not sol.stochastic:
        return ""
    return (f": expected over the {len(sol.stochastic.get('leaves') or [])} leaves "
            "(probability-weighted)")


def print_summary(sol: Solution, console: Console) -> None:
    sol = sol.by_stage()  # rows per stage (resolution: year has rows per year)
    money = sol.units.get("money", "")
    mass = sol.units.get("mass", "t")
    head = f"[bold]{sol.instance}[/bold]: {sol.status.value}"
    if sol.objective is not None:
        unit = {"cost": money, "launch_mass": f"{mass} launched"}.get(sol.objective_kind,
                                                                   f"{mass} supplied")
        head += f", objective {money_text(sol.objective)} {unit}"
        if sol.stochastic:
            head += (f" (expected over {len(sol.stochastic.get('leaves') or [])} leaves, "
                     "probability-weighted)")
        if sol.gap is not None:
            head += f", gap {sol.gap:.2%}"
    console.print(head)
    if sol.message:
        console.print(sol.message, markup=False)
    if not sol.status.has_solution:
        return
    stages = sol.stage_names
    years = {s["name"]: s["years"] for s in sol.stages}
    if sol.stages:
        last = sol.stages[-1]
        first, end = sol.stages[0]["start_year"], last["start_year"] + last["years"] - 1
        console.print(f"{count(len(stages), 'stage')}, "
                      + (f"{first}–{end}" if end > first else str(first)), markup=False)
    _print_builds(sol, console, stages)
    _print_flows(sol, console, stages, mass)
    _print_vehicles(sol, console, stages, mass)
    _print_shortfalls(sol, console, stages, years, mass)
    _print_costs(sol, console, stages, money)


def _print_builds(sol: Solution, console: Console, stages: list[str]) -> None:
    if not sol.builds:
        console.print("Nothing is built.")
        return
    net = sol.network or {}
    fac = {f["name"]: f for f in net.get("facilities", [])}
    body = {n["name"]: n.get("body") or "–".join(n.get("bodies") or []) for n in net.get("nodes", [])}
    online = {(o["name"], o["stage"]): o for o in sol.online}
    t = _table("Build-out: what is built where and when "
               f"(units online, and capacity: {sol.units.get('mass', 't')}/yr in operation, the mean over "
               "the stage's years, after the build)"
               + (": here and now (root stages), the same in every leaf" if sol.stochastic
                  else ""))
    for col in ("stage", "element", "kind", "where (body)", "built", "online", "capacity"):
        t.add_column(col, justify="right" if col in ("built", "online", "capacity") else "left",
                     overflow="fold")
    rows = sorted(sol.builds, key=lambda b: (stages.index(b["stage"]) if b["stage"] in stages
                                             else len(stages), b["type"], b["name"]))
    previous = None
    for b in rows[:MAX_BUILDS]:
        o = online.get((b["name"], b["stage"]), {})
        kind = fac[b["name"]]["kind"] if b["name"] in fac else b["type"]
        if b["type"] == "route":
            frm, _, to = b["node"].partition("->")
            where = f"{frm} → {to}"
        else:
            where = b["node"] + (f" ({body[b['node']]})" if body.get(b["node"]) else "")
        new_stage = b["stage"] != previous
        if new_stage and previous is not None:
            t.add_section()
        t.add_row(b["stage"] if new_stage else "", b["name"], kind, where, f"+{b['units']}",
                  str(o.get("units", "")), _num(o.get("capacity")))
        previous = b["stage"]
    console.print(_whole_names(t))
    if len(rows) > MAX_BUILDS:
        console.print(f"... and {len(rows) - MAX_BUILDS} more builds (see builds.csv)")


def _print_flows(sol: Solution, console: Console, stages: list[str], mass: str) -> None:
    if not sol.flows:
        return
    burnt: dict[tuple[str, str], float] = defaultdict(float)
    for p in sol.propellant:
        burnt[(p["route"], p["stage"])] += p["rate"]
    # one row per route and stage: the commodities it carries, largest first
    per: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for f in sol.flows:
        per[(f["route"], f["stage"])].append(f)
    top = sorted(per.items(), key=lambda kv: (-sum(f["rate"] for f in kv[1]),
                                              stages.index(kv[0][1]), kv[0][0]))[:MAX_FLOWS]
    top.sort(key=lambda kv: (stages.index(kv[0][1]), -sum(f["rate"] for f in kv[1])))
    lossy = any(abs(f["arrivals"] - f["rate"]) > 1e-9 for f in sol.flows)
    t = _table(f"Largest flows ({mass}/yr), top {len(top)} of {len(per)} route-stages"
               + _expected(sol))
    cols = ["stage", "route", "from → to", "payload", "commodities"] + (
        ["arrives"] if lossy else []) + ["propellant"]
    for col in cols:
        t.add_column(col, justify="right" if col in ("payload", "arrives", "propellant")
                     else "left", overflow="fold")
    previous = None
    for (route, stage), fs in top:
        fs.sort(key=lambda f: -f["rate"])
        payload = sum(f["rate"] for f in fs)
        kinds = " + ".join(f"{f['commodity']} {_num(f['rate'], 3)}" if len(fs) > 1
                           else f["commodity"] for f in fs[:3])
        if len(fs) > 3:
            kinds += f" + {len(fs) - 3} more"
        arrives = [_num(sum(f["arrivals"] for f in fs))] if lossy else []
        t.add_row(stage if stage != previous else "", route, f"{fs[0]['from']} → {fs[0]['to']}",
                  _num(payload), kinds, *arrives,
                  _num(burnt.get((route, stage))) if burnt.get((route, stage)) else "")
        previous = stage
    console.print(_whole_names(t))


def _print_vehicles(sol: Solution, console: Console, stages: list[str], mass: str) -> None:
    """Trips per route and the fleets they need (solvers.md, "Vehicles")."""
    if not sol.trips:
        return
    t = _table(f"Vehicle trips (per year; payload and propellant in {mass}/yr)" + _expected(sol))
    for col in ("stage", "route", "from → to", "vehicle", "trips", "payload", "propellant"):
        t.add_column(col, justify="right" if col in ("trips", "payload", "propellant") else "left",
                     overflow="fold")
    previous = None
    for r in sorted(sol.trips, key=lambda x: (stages.index(x["stage"]), x["vehicle"], x["route"])):
        t.add_row(r["stage"] if r["stage"] != previous else "", r["route"],
                  f"{r['from']} → {r['to']}", r["vehicle"], _num(r["trips"], 4),
                  _num(r["payload"]) if r["payload"] else "empty", _num(r["propellant"]))
        previous = r["stage"]
    console.print(_whole_names(t))
    if not sol.fleet:
        return
    f = _table("Fleets (reusable vehicles, per year: the stage's mean)"
               + (": here and now (root stages)" if sol.stochastic else ""))
    f.caption = ("online: vehicles that exist in the stage; operating: vehicles in service "
                 "(lifetime, commissioning); used: vehicle-years used per year (flying, and "
                 "waiting away from base); utilisation = used / operating")
    f.caption_justify = "left"
    for col in ("stage", "vehicle", "online", "operating", "used", "utilisation"):
        f.add_column(col, justify="left" if col in ("stage", "vehicle") else "right")
    for r in sorted(sol.fleet, key=lambda x: (stages.index(x["stage"]), x["vehicle"])):
        f.add_row(r["stage"], r["vehicle"], str(r["online"]), _num(r["operating"], 4),
                  _num(r["vehicle_years"], 4), f"{r['utilisation']:.0%}")
    console.print(_whole_names(f))


def _print_shortfalls(sol: Solution, console: Console, stages: list[str],
                      years: dict[str, int], mass: str) -> None:
    if not sol.shortfalls:
        return
    t = _table(f"Demand not delivered (shortfall, {mass}/yr)" + _expected(sol))
    for col in ("stage", "demand", "commodity", "short", "of demand"):
        t.add_column(col, justify="right" if col in ("short", "of demand") else "left")
    amount = {(d["demand"], d["stage"]): d["amount"]
              for d in (sol.network or {}).get("demands", [])}
    for s in sorted(sol.shortfalls, key=lambda x: (stages.index(x["stage"]), x["demand"])):
        a = amount.get((s["demand"], s["stage"]))
        t.add_row(s["stage"], s["demand"], s["commodity"], _num(s["rate"]),
                  f"{s['rate'] / a:.0%}" if a else "")
    console.print(_whole_names(t))


def _print_costs(sol: Solution, console: Console, stages: list[str], money: str) -> None:
    if not sol.costs:
        return
    cats = ordered_categories(x["category"] for x in sol.costs)
    grid: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for c in sol.costs:
        grid[c["stage"]][c["category"]] += c["discounted"]
    t = _table(f"Costs ({money}, discounted) by stage and category" + _expected(sol))
    t.add_column("stage")
    for cat in cats:
        t.add_column(cat, justify="right")
    t.add_column("total", justify="right", style="bold")
    for s in stages:
        if s in grid:
            row = grid[s]
            t.add_row(s, *(_num(row[c]) if c in row else "" for c in cats),
                      _num(sum(row.values())))
    totals = {c: sum(grid[s].get(c, 0.0) for s in grid) for c in cats}
    t.add_section()
    t.add_row("total", *(_num(totals[c]) for c in cats), _num(sol.cost_total()), style="bold")
    gross = sum(abs(v) for v in totals.values()) or 1.0
    t.add_row("share", *(f"{abs(totals[c]) / gross:.0%}" for c in cats), "")
    console.print(_whole_names(t))
