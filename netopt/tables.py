"""The tidy tables: a denormalized view of a Solution for spreadsheets and notebooks (CSV, Parquet,
DataFrames). One row per element x stage, units in the column names, node bodies and facility
kinds joined in, and the instance's network (stages, nodes, facilities, routes, demands) as small
dimension tables. solution.json (results.Solution) is the record; these are derived from it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from .files import write_atomic

if TYPE_CHECKING:
    from .results import Solution

TABLES = ("builds", "online", "activities", "flows", "propellant", "supplies", "sales",
          "shortfalls", "costs", "stocks", "arrivals", "trips", "fleet",
          "parked", "disposals")
NETWORK_TABLES = ("stages", "steps", "nodes", "facilities", "routes", "demands")

# (key in the tidy row, type, unit): unit "rate" -> mass per year, "money" -> money unit
_COLUMNS: dict[str, list[tuple[str, type, str | None]]] = {
    "builds": [("name", str, None), ("type", str, None), ("kind", str, None), ("node", str, None),
               ("body", str, None), ("stage", str, None), ("units", int, None)],
    "online": [("name", str, None), ("type", str, None), ("kind", str, None), ("node", str, None),
               ("body", str, None), ("stage", str, None), ("year", int, None),
               ("units", int, None), ("operating", float, None), ("capacity", float, "rate")],
    "activities": [("facility", str, None), ("kind", str, None), ("node", str, None),
                   ("body", str, None), ("stage", str, None), ("year", int, None),
                   ("rate", float, "rate")],
    "flows": [("route", str, None), ("from", str, None), ("to", str, None),
              ("commodity", str, None), ("stage", str, None), ("year", int, None),
              ("rate", float, "rate"), ("arrivals", float, "rate")],
    "propellant": [("route", str, None), ("node", str, None), ("body", str, None),
                   ("commodity", str, None), ("stage", str, None), ("year", int, None),
                   ("rate", float, "rate")],
    "supplies": [("supply", str, None), ("node", str, None), ("body", str, None),
                 ("commodity", str, None), ("stage", str, None), ("year", int, None),
                 ("rate", float, "rate")],
    "sales": [("demand", str, None), ("node", str, None), ("body", str, None),
              ("commodity", str, None), ("stage", str, None), ("year", int, None),
              ("rate", float, "rate")],
    "shortfalls": [("demand", str, None), ("node", str, None), ("body", str, None),
                   ("commodity", str, None), ("stage", str, None), ("year", int, None),
                   ("rate", float, "rate")],
    "costs": [("category", str, None), ("stage", str, None), ("year", int, None),
              ("amount", float, "money"), ("discounted", float, "money")],
    "stocks": [("facility", str, None), ("node", str, None), ("body", str, None),
               ("commodity", str, None), ("stage", str, None), ("year", int, None),
               ("tonnes", float, "mass")],
    "arrivals": [("route", str, None), ("to", str, None), ("body", str, None),
                 ("commodity", str, None), ("stage", str, None), ("year", int, None),
                 ("rate", float, "rate")],
    "trips": [("route", str, None), ("vehicle", str, None), ("from", str, None), ("to", str, None),
              ("stage", str, None), ("year", int, None), ("trips", float, None),
              ("payload", float, "rate"), ("propellant", float, "rate"),
              ("tank_cargo", float, "rate")],
    "fleet": [("vehicle", str, None), ("stage", str, None), ("year", int, None),
              ("online", int, None), ("operating", float, None), ("vehicle_years", float, None),
              ("utilisation", float, None)],
    "parked": [("vehicle", str, None), ("node", str, None), ("body", str, None),
               ("stage", str, None), ("year", int, None), ("vehicles", float, None)],
    "disposals": [("vehicle", str, None), ("node", str, None), ("body", str, None),
                  ("stage", str, None), ("year", int, None), ("vehicles", float, None)],
    "stages": [("stage", str, None), ("start_year", int, None), ("end_year", int, None),
               ("years", int, None), ("capex_factor", float, None),
               ("annual_factor", float, None)],
    "steps": [("step", str, None), ("stage", str, None), ("start_year", int, None),
              ("years", int, None), ("annual_factor", float, None)],
    "nodes": [("node", str, None), ("kind", str, None), ("body", str, None),
              ("bodies", str, None), ("point", str, None), ("requires_depot", str, None)],
    "facilities": [("facility", str, None), ("kind", str, None), ("node", str, None),
                   ("body", str, None), ("capacity_per_unit", float, "rate"),
                   ("max_units", int, None), ("produces", str, None), ("consumes", str, None)],
    "routes": [("route", str, None), ("from", str, None), ("to", str, None),
               ("from_body", str, None), ("to_body", str, None), ("buildable", bool, None),
               ("capacity", float, "rate"), ("delta_v_km_s", float, None), ("loss", float, None)],
    "demands": [("demand", str, None), ("kind", str, None), ("node", str, None),
                ("body", str, None), ("commodity", str, None), ("stage", str, None),
                ("amount", float, "rate")],
}


def _unit_suffix(unit: str | None, sol: Solution) -> str:
    if unit == "rate":
        return f"_{sol.units.get('mass', 't')}_per_yr"
    if unit == "money":
        return f"_{sol.units.get('money', 'money')}"
    if unit == "mass":
        return f"_{sol.units.get('mass', 't')}"
    return ""


EXPECTED = "expected"  # the `leaf` of a stochastic plan's probability-weighted rows


def _leafed(sol: Solution, name: str) -> bool:
    """A table of a plan with an uncertainty tree: a `leaf` column first."""
    return bool(sol.stochastic) and name in TABLES


def table_columns(sol: Solution, name: str) -> list[tuple[str, type]]:
    """[(header, type)] of a tidy table; headers carry units (rate_t_per_yr, amount_MUSD). With
    an uncertainty tree the solution's tables start with `leaf`: "expected" on the rows of the
    probability-weighted expectation over the leaves, a leaf's name on that leaf's own rows.
    With steps inside a year (solvers.md, "Steps") a step's year and length are fractional."""
    whole = all(isinstance(s["start_year"], int) and isinstance(s["years"], int)
                for s in sol.steps)
    timed = set() if whole else ({"year", "start_year", "years"} if name == "steps" else {"year"})
    lead: list[tuple[str, type]] = [("leaf", str)] if _leafed(sol, name) else []
    return lead + [(key + _unit_suffix(unit, sol), float if key in timed else typ)
                   for key, typ, unit in _COLUMNS[name]]


def _ratios(d: dict[str, float]) -> str:
    return ";".join(f"{k}={v:g}" for k, v in d.items())


def _network_maps(sol: Solution) -> tuple[dict, dict, dict]:
    """The network's nodes, facilities and routes by name."""
    net = sol.network or {}
    return ({n["name"]: n for n in net.get("nodes", [])},
            {f["name"]: f for f in net.get("facilities", [])},
            {r["name"]: r for r in net.get("routes", [])})


def tidy_rows(sol: Solution, name: str,
              maps: tuple[dict, dict, dict] | None = None) -> list[dict[str, Any]]:
    """Rows of one tidy table, keyed by the table's headers. `maps`: `_network_maps(sol)`, when
    writing several tables (100k routes take 20 ms to map, each time). With an uncertainty tree:
    the expectation's rows (leaf "expected"), then each leaf's (table_columns)."""
    if _leafed(sol, name):
        from dataclasses import replace

        assert sol.stochastic is not None
        maps = maps or _network_maps(sol)
        out = [{"leaf": EXPECTED, **r} for r in tidy_rows(replace(sol, stochastic=None), name,
                                                           maps)]
        for leaf in sol.stochastic.get("leaves", []):
            view = replace(sol, stochastic=None)
            setattr(view, name, leaf.get(name) or [])
            out += [{"leaf": leaf["name"], **r} for r in tidy_rows(view, name, maps)]
        return out
    net = sol.network or {}
    node, fac, route = maps or _network_maps(sol)

    def body(n: str | None) -> str | None:
        x = node.get(n or "")
        if x is None:
            return None
        return x.get("body") or ("-".join(x["bodies"]) if x.get("bodies") else None)

    def where_body(b: dict) -> str | None:
        if b["type"] == "facility":
            return body(b.get("node") or fac.get(b["name"], {}).get("node"))
        r = route.get(b["name"])
        if r is None:
            return None
        fb, tb = body(r["from"]), body(r["to"])
        return None if fb is None and tb is None else f"{fb or ''}->{tb or ''}"

    def where(o: dict) -> str | None:
        if o["type"] == "facility":
            return fac.get(o["name"], {}).get("node")
        r = route.get(o["name"])
        return f"{r['from']}->{r['to']}" if r else None

    def kind(o: dict) -> str | None:
        return fac.get(o["name"], {}).get("kind") if o["type"] == "facility" else None

    src: list[dict]
    if name == "builds":
        src = [{**b, "kind": kind(b), "body": where_body(b)} for b in sol.builds]
    elif name == "online":
        src = [{**o, "kind": kind(o), "node": where(o), "body": where_body(o)}
               for o in sol.online]
    elif name == "activities":
        src = [{**a, "kind": fac.get(a["facility"], {}).get("kind"), "body": body(a["node"])}
               for a in sol.activities]
    elif name in ("propellant", "supplies", "sales", "shortfalls", "stocks", "parked",
                  "disposals"):
        src = [{**x, "body": body(x["node"])} for x in getattr(sol, name)]
    elif name == "arrivals":
        src = [{**x, "body": body(x["to"])} for x in sol.arrivals]
    elif name == "steps":
        src = [{**s, "step": s["name"]} for s in sol.steps]
    elif name in ("flows", "costs", "trips", "fleet"):
        src = getattr(sol, name)
    elif name == "stages":
        src = [{**s, "stage": s["name"], "end_year": s["start_year"] + s["years"] - 1}
               for s in sol.stages]
    elif name == "nodes":
        src = [{"node": n["name"], "kind": n.get("kind"), "body": n.get("body"),
                "bodies": ";".join(n.get("bodies") or []) or None, "point": n.get("point"),
                "requires_depot": ";".join(n.get("requires_depot") or []) or None}
               for n in net.get("nodes", [])]
    elif name == "facilities":
        src = [{"facility": f["name"], "kind": f.get("kind"), "node": f["node"],
                "body": body(f["node"]), "capacity_per_unit": f.get("capacity"),
                "max_units": f.get("max_units"), "produces": _ratios(f.get("produces") or {}),
                "consumes": _ratios(f.get("consumes") or {})}
               for f in net.get("facilities", [])]
    elif name == "routes":
        src = [{"route": r["name"], "from": r["from"], "to": r["to"], "from_body": body(r["from"]),
                "to_body": body(r["to"]), **r} for r in net.get("routes", [])]
    elif name == "demands":
        src = [{**d, "body": body(d["node"])} for d in net.get("demands", [])]
    else:
        raise KeyError(f"no table '{name}' (tables: {', '.join(TABLES + NETWORK_TABLES)})")
    keys = [(key, key + _unit_suffix(unit, sol)) for key, _, unit in _COLUMNS[name]]
    return [{h: row.get(k) for k, h in keys} for row in src]


def _frame(pd: Any, rows: list[dict], columns: list[tuple[str, type]]) -> Any:
    dtype = {int: "int64", float: "float64", bool: "bool", str: "object"}
    return pd.DataFrame({h: pd.Series([r[h] for r in rows], dtype=dtype[t]) for h, t in columns})


def to_csv(rows: list[dict], columns: list[tuple[str, type]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    headers = [h for h, _ in columns]
    w.writerow(headers)
    for row in rows:
        w.writerow([row.get(h) for h in headers])  # csv writes None as ""
    return buf.getvalue()


def write_parquet(sol: Solution, out: FsPath, names: tuple[str, ...]) -> list[FsPath]:
    try:
        import pyarrow as pa  # pyarrow (optional): only for Parquet
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ImportError("Parquet output needs pyarrow: pip install 'netopt[parquet]'") from e
    pa_type = {int: pa.int64(), float: pa.float64(), bool: pa.bool_(), str: pa.string()}
    paths = []
    for name in names:
        cols = table_columns(sol, name)
        schema = pa.schema([(h, pa_type[t]) for h, t in cols])
        table = pa.Table.from_pylist(tidy_rows(sol, name), schema=schema)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        paths.append(out / f"{name}.parquet")
        write_atomic(paths[-1], sink.getvalue().to_pybytes())
    return paths
