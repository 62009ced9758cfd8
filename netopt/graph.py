"""A solution's network in one stage as a networkx graph, and GraphML export.

Nodes are the instance's nodes; edges its routes (every candidate route, used or not). Attribute
values are plain str / int / float / bool so the graph writes to GraphML as is (Gephi, yEd,
Cytoscape). Rates are t/yr (the instance's mass unit per year, `G.graph["rate_unit"]`).

Node attributes: kind, body, bodies ("Earth;Moon"), point, facilities ("name x units;..." online),
built_units, online_units (facility units at the node), capacity (online facility capacity, t/yr),
activity (sum of facility activity, t/yr), and per commodity k, where non-zero: supply_k, sale_k,
shortfall_k, demand_k (required demand), produced_k, consumed_k, propellant_k (burnt by vehicles
departing the node).

Edge attributes: route (name; parallel routes joined by ";" in a DiGraph), routes (count), buildable,
built_units, online_units, capacity (t/yr of payload; absent when unbounded), flow (payload t/yr),
arrivals (t/yr), propellant (t/yr burnt), flow_k / arrivals_k / propellant_k per commodity,
delta_v_km_s and loss (when given and, for parallel routes, equal).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from .files import write_atomic

if TYPE_CHECKING:
    from .results import Solution

_SUMMED = ("built_units", "online_units", "capacity", "flow", "arrivals", "propellant")


def _check_stage(sol: Solution, stage: str | None) -> str:
    names = sol.stage_names
    if not names:
        raise ValueError("the solution has no stages")
    if stage is None:
        return names[-1]
    if stage not in names:
        raise KeyError(f"no stage '{stage}' (stages: {', '.join(names)})")
    return stage


def _add(d: dict[str, Any], key: str, value: float) -> None:
    if value:
        d[key] = d.get(key, 0.0) + float(value)


def solution_graph(sol: Solution, stage: str | None = None, *, multi: bool = False) -> Any:
    sol = sol.by_stage()  # rows per stage (resolution: year has rows per year)
    import networkx as nx  # networkx: imported only when a graph is asked for

    stage = _check_stage(sol, stage)
    info = next(s for s in sol.stages if s["name"] == stage)
    net = sol.network or {}
    G = nx.MultiDiGraph() if multi else nx.DiGraph()
    G.graph.update({k: v for k, v in {
        "instance": sol.instance, "stage": stage, "start_year": info["start_year"],
        "years": info["years"], "status": sol.status.value, "objective": sol.objective,
        "rate_unit": f"{sol.units.get('mass', 't')}/yr", "money_unit": sol.units.get("money"),
    }.items() if v is not None})

    # --- nodes ---
    nodes: dict[str, dict[str, Any]] = {}
    for n in net.get("nodes", []):
        a: dict[str, Any] = {"kind": n.get("kind") or "other"}
        if n.get("body"):
            a["body"] = n["body"]
        if n.get("bodies"):
            a["bodies"] = ";".join(n["bodies"])
        if n.get("point"):
            a["point"] = n["point"]
        nodes[n["name"]] = a

    def node(name: str) -> dict[str, Any]:  # nodes only the rows know of (a version-1 file)
        return nodes.setdefault(name, {"kind": "other"})

    facility = {f["name"]: f for f in net.get("facilities", [])}
    for b in sol.builds:
        if b["stage"] == stage and b["type"] == "facility":
            a = node(b["node"])
            a["built_units"] = a.get("built_units", 0) + int(b["units"])
    online_fac: dict[str, list[str]] = defaultdict(list)
    for o in sol.online:
        if o["stage"] != stage or o["type"] != "facility" or o["name"] not in facility:
            continue
        a = node(facility[o["name"]]["node"])
        a["online_units"] = a.get("online_units", 0) + int(o["units"])
        _add(a, "capacity", o["capacity"] or 0.0)
        online_fac[facility[o["name"]]["node"]].append(f"{o['name']} x{o['units']}")
    for name, items in online_fac.items():
        nodes[name]["facilities"] = ";".join(items)
    for x in sol.activities:
        if x["stage"] != stage:
            continue
        a = node(x["node"])
        _add(a, "activity", x["rate"])
        f = facility.get(x["facility"], {})
        for k, ratio in (f.get("produces") or {}).items():
            _add(a, f"produced_{k}", ratio * x["rate"])
        for k, ratio in (f.get("consumes") or {}).items():
            _add(a, f"consumed_{k}", ratio * x["rate"])
    for table, prefix in (("supplies", "supply"), ("sales", "sale"), ("shortfalls", "shortfall"),
                          ("propellant", "propellant")):
        for x in getattr(sol, table):
            if x["stage"] == stage:
                _add(node(x["node"]), f"{prefix}_{x['commodity']}", x["rate"])
    for d in net.get("demands", []):
        if d["stage"] == stage and d["kind"] == "required":
            _add(node(d["node"]), f"demand_{d['commodity']}", d["amount"])
    for name, a in nodes.items():
        G.add_node(name, **{"built_units": 0, "online_units": 0, "capacity": 0.0,
                            "activity": 0.0, **a})

    # --- edges: one per route, then merged per node pair unless multi ---
    per_route: dict[str, dict[str, Any]] = {}
    for r in net.get("routes", []):
        a = {"route": r["name"], "buildable": bool(r.get("buildable"))}
        if r.get("delta_v_km_s") is not None:
            a["delta_v_km_s"] = float(r["delta_v_km_s"])
        if r.get("loss"):
            a["loss"] = float(r["loss"])
        if not r.get("buildable") and r.get("capacity") is not None:
            a["capacity"] = float(r["capacity"])
        per_route[r["name"]] = {"from": r["from"], "to": r["to"], "attrs": a}

    def edge(name: str, frm: str | None = None, to: str | None = None) -> dict[str, Any]:
        if name not in per_route:  # a version-1 file: routes only the rows know of
            per_route[name] = {"from": frm, "to": to, "attrs": {"route": name}}
        return per_route[name]["attrs"]

    for b in sol.builds:
        if b["stage"] == stage and b["type"] == "route":
            frm, _, to = b["node"].partition("->")
            a = edge(b["name"], frm, to)
            a["built_units"] = a.get("built_units", 0) + int(b["units"])
    for o in sol.online:
        if o["stage"] == stage and o["type"] == "route" and o["name"] in per_route:
            a = edge(o["name"])
            a["online_units"] = int(o["units"])
            if o["capacity"] is not None:
                a["capacity"] = float(o["capacity"])
    for f in sol.flows:
        if f["stage"] == stage:
            a = edge(f["route"], f["from"], f["to"])
            _add(a, "flow", f["rate"])
            _add(a, "arrivals", f["arrivals"])
            _add(a, f"flow_{f['commodity']}", f["rate"])
            _add(a, f"arrivals_{f['commodity']}", f["arrivals"])
    for x in sol.propellant:
        if x["stage"] == stage:
            a = edge(x["route"], x["node"])
            _add(a, "propellant", x["rate"])
            _add(a, f"propellant_{x['commodity']}", x["rate"])

    for name, e in per_route.items():
        if e["from"] is None or e["to"] is None:
            continue
        a = e["attrs"]
        for key in ("flow", "arrivals", "propellant"):
            a.setdefault(key, 0.0)
        a.setdefault("built_units", 0)
        a.setdefault("online_units", 0)
        for n in (e["from"], e["to"]):
            if n not in G:
                G.add_node(n, kind="other", built_units=0, online_units=0, capacity=0.0,
                           activity=0.0)
        if multi:
            G.add_edge(e["from"], e["to"], key=name, routes=1, **a)
        elif G.has_edge(e["from"], e["to"]):
            _merge(G.edges[e["from"], e["to"]], a)
        else:
            G.add_edge(e["from"], e["to"], routes=1, **a)
    return G


def _merge(have: dict[str, Any], new: dict[str, Any]) -> None:
    """Fold a parallel route into an existing DiGraph edge."""
    unbounded = "capacity" not in have or "capacity" not in new
    have["route"] = f"{have['route']};{new['route']}"
    have["routes"] += 1
    have["buildable"] = have["buildable"] or new["buildable"]
    for key in ("delta_v_km_s", "loss"):
        if have.get(key) != new.get(key):
            have.pop(key, None)
    for key, value in new.items():
        if key in _SUMMED or key.startswith(("flow_", "arrivals_", "propellant_")):
            have[key] = have.get(key, 0) + value
    if unbounded:
        have.pop("capacity", None)


def graphml(sol: Solution, stage: str | None = None, *, multi: bool = False) -> str:
    """The GraphML text of one stage's graph."""
    import networkx as nx  # networkx: imported only when a graph is asked for

    G = solution_graph(sol, stage, multi=multi)
    return "\n".join(nx.generate_graphml(G, named_key_ids=True)) + "\n"


def write_graphml(sol: Solution, path: str | FsPath, stage: str | None = None,
                  *, multi: bool = False) -> list[FsPath]:
    """Write GraphML atomically. With `stage`, one file at `path`; without, one file per stage
    (`path` with the stage name before the suffix: out-s2030.graphml), or `path` itself when the
    solution has a single stage."""
    path = FsPath(path)
    stages = [stage] if stage is not None else sol.stage_names
    if len(stages) == 1:
        targets = [(stages[0], path)]
    else:
        targets = [(s, path.with_name(f"{path.stem}-{s}{path.suffix or '.graphml'}"))
                   for s in stages]
    out = []
    for s, p in targets:
        p.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(p, graphml(sol, s, multi=multi))
        out.append(p)
    return out
