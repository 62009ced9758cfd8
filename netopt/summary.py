"""The terminal summary of a Solution: status, build-out by stage, main flows, cost split."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.table import Table

from .results import Solution

MAX_FLOWS = 12


def _num(x: float | None, digits: int = 4) -> str:
    if x is None:
        return "-"
    return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def print_summary(sol: Solution, console: Console) -> None:
    money = sol.units.get("money", "")
    head = f"[bold]{sol.instance}[/bold]: {sol.status.value}"
    if sol.objective is not None:
        unit = money if sol.objective_kind == "cost" else "t supplied"
        head += f", objective {sol.objective:,.6g} {unit}"
        if sol.gap is not None:
            head += f", gap {sol.gap:.2%}"
    console.print(head)
    if sol.message:
        console.print(sol.message)
    if not sol.status.has_solution:
        return

    stages = [s["name"] for s in sol.stages]
    builds = Table(title="Build-out (units built per stage)", title_justify="left")
    builds.add_column("element")
    builds.add_column("type")
    builds.add_column("where")
    for s in stages:
        builds.add_column(s, justify="right")
    by_elem: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for b in sol.builds:
        by_elem[(b["name"], b["type"], b["node"])][b["stage"]] = b["units"]
    for (name, kind, node), units in by_elem.items():
        builds.add_row(name, kind, node, *(str(units.get(s, "")) for s in stages))
    if by_elem:
        console.print(builds)
    else:
        console.print("Nothing is built.")

    if sol.flows:
        flows = Table(title=f"Largest flows (t/yr payload), top {MAX_FLOWS}", title_justify="left")
        for col in ("stage", "route", "commodity", "payload", "arrives"):
            flows.add_column(col, justify="right" if col in ("payload", "arrives") else "left")
        top = sorted(sol.flows, key=lambda f: (-f["rate"], stages.index(f["stage"]), f["route"],
                                               f["commodity"]))[:MAX_FLOWS]
        for f in sorted(top, key=lambda f: (stages.index(f["stage"]), -f["rate"])):
            flows.add_row(f["stage"], f"{f['route']} ({f['from']}->{f['to']})", f["commodity"],
                          _num(f["rate"]), _num(f["arrivals"]))
        console.print(flows)

    if sol.costs:
        costs = Table(title=f"Costs ({money}, discounted)", title_justify="left")
        costs.add_column("category")
        for s in stages:
            costs.add_column(s, justify="right")
        costs.add_column("total", justify="right")
        grid: dict[str, dict[str, float]] = defaultdict(dict)
        for c in sol.costs:
            grid[c["category"]][c["stage"]] = c["discounted"]
        for cat, row in grid.items():
            costs.add_row(cat, *(_num(row.get(s)) if s in row else "" for s in stages),
                          _num(sum(row.values())))
        costs.add_row("[bold]total[/bold]", *(_num(sum(r.get(s, 0.0) for r in grid.values()))
                                              for s in stages), _num(sol.cost_total()))
        console.print(costs)
