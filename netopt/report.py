"""Reports for people: one self-contained HTML file (SVG figures and CSS inline), or Markdown with
PNG figures. Figures are drawn with matplotlib's object API (no pyplot, no global state):

- the network in each stage, nodes laid out left (sunward) to right by system and body — Sun–Earth
  L1, Earth, Earth–Moon L1, Moon, Earth–Moon L2, Sun–Earth L2, asteroids, Mars and its moons,
  the main belt, Jupiter and its moons — surfaces below orbits; online facilities drawn with area
  proportional to capacity and flows with width proportional to t/yr, on one scale for all stages;
- a build timeline: units online per element across the years, build events marked;
- the cost breakdown by category and stage (discounted), and its split by category;
- where the mass comes from: tonnes per year bought (supplies) and produced (facilities) by body.
"""

from __future__ import annotations

import html
import io
import math
import re
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from .labels import Box, Label, Place, freeze, mark_box, place
from .results import Solution, table_columns, tidy_rows

MAX_TABLE_ROWS = 1000  # rows of one table shown in a report (the CSV export has them all)
MAX_TIMELINE_ROWS = 60

# --- layout ------------------------------------------------------------------------------------
# Systems from the Sun outwards; each holds columns ordered sunward -> outward.
SYSTEMS = [("earth", "Earth–Moon system"), ("asteroids", "Asteroids"), ("mars", "Mars system"),
           ("belt", "Main belt"), ("jupiter", "Jupiter system"), ("outer", "Outer system"),
           ("other", "Other")]
_SYSTEM_RANK = {s: i for i, (s, _) in enumerate(SYSTEMS)}
# body -> (system, order within the system); a planet is 0, its moons after it
BODIES: dict[str, tuple[str, float]] = {
    "earth": ("earth", 0), "moon": ("earth", 2), "luna": ("earth", 2),
    "mars": ("mars", 0), "phobos": ("mars", 1), "deimos": ("mars", 2),
    "ceres": ("belt", 0), "vesta": ("belt", 1), "pallas": ("belt", 2), "hygiea": ("belt", 3),
    "psyche": ("belt", 4), "belt": ("belt", 5), "main belt": ("belt", 5),
    "jupiter": ("jupiter", 0), "io": ("jupiter", 1), "europa": ("jupiter", 2),
    "ganymede": ("jupiter", 3), "callisto": ("jupiter", 4),
    "saturn": ("outer", 0), "enceladus": ("outer", 1), "titan": ("outer", 2),
    "venus": ("other", 0), "mercury": ("other", 1),
}
_PLANET_OF_SYSTEM = {"earth": "earth", "mars": "mars", "jupiter": "jupiter", "outer": "saturn"}
LEVEL = {"surface": 0.0, "orbit": 1.0, "lagrange": 1.0, "other": 1.0}

KIND_COLOR = {"surface": "#8c6d46", "orbit": "#3b75af", "lagrange": "#8e5ea2", "other": "#7f7f7f"}
FACILITY_STYLE = {"mine": ("^", "#d08a2c"), "processor": ("s", "#3a923a"),
                  "depot": ("D", "#7b4fb0"), "other": ("o", "#777777")}
COMMODITY_COLOR = {
    "water": "#2b7bba", "ice": "#2b7bba", "lox": "#17becf", "o2": "#17becf", "oxygen": "#17becf",
    "lh2": "#e377c2", "h2": "#e377c2", "hydrogen": "#e377c2", "propellant": "#ff7f0e",
    "methane": "#8c564b", "ch4": "#8c564b", "hardware": "#555555", "metals": "#b8860b",
    "metal": "#b8860b", "regolith": "#c49c94", "ore": "#c49c94", "nitrogen": "#9467bd",
}
_SPARE_COLORS = ["#d62728", "#2ca02c", "#9467bd", "#bcbd22", "#1f77b4", "#ff9896", "#98df8a",
                 "#c5b0d5", "#f7b6d2", "#dbdb8d", "#aec7e8", "#ffbb78"]
COST_COLOR = {"capex": "#4c72b0", "opex": "#55a868", "variable": "#8172b3",
              "transport": "#dd8452", "supply": "#937860", "shortfall": "#c44e52",
              "revenue": "#64b5cd"}


def commodity_colors(names: list[str]) -> dict[str, str]:
    spare = iter(_SPARE_COLORS * 4)
    return {k: COMMODITY_COLOR.get(k.lower()) or next(spare) for k in sorted(names)}


def _place(n: dict) -> tuple[str, float, float]:
    """(system, column order, level) of a network node."""
    level = LEVEL.get(n.get("kind") or "other", 1.0)
    bodies = [b.lower() for b in (n.get("bodies") or [])]
    point = (n.get("point") or "").upper()
    if n.get("kind") == "lagrange" and bodies:
        other = [b for b in bodies if b != "sun"]
        if "sun" in bodies and other:  # Sun-planet: L1 sunward of the system, L2.. beyond it
            system = BODIES.get(other[0], ("asteroids", 50))[0]
            order = {"L1": -10.0, "L2": 100.0, "L3": 101.0, "L4": 102.0, "L5": 103.0}.get(
                point, 104.0)
            return system, order, level
        if len(other) == 2:  # planet-moon: L1 between them, L2 beyond the moon
            planet, moon = other
            system = BODIES.get(planet, BODIES.get(moon, ("other", 0)))[0]
            m = BODIES.get(moon, (system, 1))[1]
            order = {"L1": m - 1.0, "L2": m + 1.0}.get(point, m + 1.5)
            return system, order, level
    body = (n.get("body") or (bodies[0] if bodies else "")).lower()
    if not body:
        return "other", 50.0, level
    if body in BODIES:
        return BODIES[body][0], BODIES[body][1], level
    if body == "sun":
        return "other", -100.0, level
    return "asteroids", 10.0, level  # unknown small bodies: near-Earth asteroids mostly


@dataclass
class Layout:
    pos: dict[str, tuple[float, float]] = field(default_factory=dict)
    bands: list[tuple[str, float, float, float, float]] = field(default_factory=list)  # label, box
    columns: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, body label
    width: float = 1.0
    height: float = 2.0
    crowd: set[str] = field(default_factory=set)  # nodes drawn small and unlabelled (crowds)


_LOW = ("leo", "llo", "lmo", "low", "lxo")
_HIGH = ("geo", "gto", "heo", "nrho", "halo", "high", "dro", "meo")


def _altitude_rank(name: str) -> int:
    n = name.lower()
    return 0 if any(w in n for w in _LOW) else 2 if any(w in n for w in _HIGH) else 1


def _block(system: str, keys: list[tuple[float, str]],
           cols: dict[tuple[str, float, str], list[dict]]) -> tuple[dict, list, float, float]:
    """One system's nodes relative to (0, 0): {name: (x, y)}, column labels, width, height."""
    pos: dict[str, tuple[float, float]] = {}
    labels: list[tuple[float, float, str]] = []
    many = len(keys) > 12  # a crowd of small bodies: a grid of columns, rows stacked upward
    if many:
        per_row = max(6, math.ceil(math.sqrt(len(keys) * 2.5)))
        for i, (order, kb) in enumerate(keys):
            for j, n in enumerate(sorted(cols[(system, order, kb)], key=lambda n: n["name"])):
                pos[n["name"]] = (0.4 + (i % per_row) * 0.62 + 0.2 * j, (i // per_row) * 0.8)
        width = 0.8 + (min(len(keys), per_row) - 1) * 0.62
        return pos, labels, width, max(y for _, y in pos.values()) if pos else 0.0
    x = 0.0
    height = 1.0
    for order, kb in keys:
        members = cols[(system, order, kb)]
        by_level: dict[float, list[dict]] = defaultdict(list)
        for n in members:
            by_level[_place(n)[2]].append(n)
        surfaces = sorted(by_level.pop(0.0, []), key=lambda n: n["name"])
        span = 0.5 * (len(surfaces) - 1) if surfaces else 0.0
        cx = x + 0.5 + span / 2
        for j, n in enumerate(surfaces):  # surfaces side by side
            pos[n["name"]] = (cx - span / 2 + 0.5 * j, 0.0)
        for level, group in sorted(by_level.items()):  # orbits stacked upward, low first
            group.sort(key=lambda n: (_altitude_rank(n["name"]), n["name"]))
            for j, n in enumerate(group):
                pos[n["name"]] = (cx + (0.14 if j % 2 else 0.0), level + 0.6 * j)
                height = max(height, level + 0.6 * j)
        label = _column_label(members)
        if label:
            labels.append((cx, 0.0, label))
        x += 1.0 + span
    return pos, labels, x + 0.3, height  # room for the facility markers right of the last node


def layout(nodes: list[dict], max_row_width: float = 14.0) -> Layout:
    """Positions of the nodes: systems from the Sun outwards, left to right (wrapped into rows,
    top to bottom, when wider than `max_row_width`); in a system a column per body or Lagrange
    point, sunward first; in a column surfaces at the bottom and orbits above (low orbits first)."""
    cols: dict[tuple[str, float, str], list[dict]] = defaultdict(list)
    for n in nodes:
        system, order, _ = _place(n)
        # columns: one per (system, order); unknown bodies get one column each, by body name
        key_body = (n.get("body") or "").lower() if order == 10.0 and system == "asteroids" else ""
        cols[(system, order, key_body)].append(n)
    by_system: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for key in sorted(cols, key=lambda k: (_SYSTEM_RANK[k[0]], k[1], k[2])):
        by_system[key[0]].append((key[1], key[2]))
    blocks = [(system, *_block(system, by_system[system], cols))
              for system, _ in SYSTEMS if system in by_system]
    limit = max([max_row_width] + [b[3] for b in blocks])
    rows: list[list[tuple]] = [[]]
    used = 0.0
    for b in blocks:  # fill rows greedily, in order from the Sun
        if rows[-1] and used + b[3] > limit:
            rows.append([])
            used = 0.0
        rows[-1].append(b)
        used += b[3] + 0.35
    lay = Layout()
    pad_below, pad_above, gap = 0.8, 0.75, 0.3
    heights = [max(b[4] for b in row) + pad_below + pad_above for row in rows]
    lay.height = sum(heights) + gap * (len(rows) - 1)
    lay.width = max(sum(b[3] for b in row) + 0.35 * (len(row) - 1) for row in rows)
    y_top = lay.height
    for row, h in zip(rows, heights):
        y0 = y_top - h
        x = 0.0
        for system, pos, labels, width, _ in row:
            for name, (px, py) in pos.items():
                lay.pos[name] = (x + px, y0 + pad_below + py)
            lay.columns += [(x + cx, y0 + 0.06, label) for cx, _, label in labels]
            label = dict(SYSTEMS)[system]
            if len(pos) > 12 and not labels:  # a crowd
                lay.crowd.update(pos)
                label += f" ({len(pos)} nodes)"
            lay.bands.append((label, x, x + width, y0, y_top))
            x += width + 0.35
        y_top = y0 - gap
    return lay


def _column_label(members: list[dict]) -> str:
    n = members[0]
    if n.get("kind") == "lagrange" and n.get("bodies"):
        return "–".join(n["bodies"]) + " " + "/".join(sorted({m.get("point") or "L?"
                                                              for m in members}))
    return n.get("body") or ""


# --- figures -----------------------------------------------------------------------------------
def _new_figure(w: float, h: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), dpi=100, layout="constrained")


def _nice(x: float) -> float:
    """A round number near x (1, 2, 5 x 10^n)."""
    if x <= 0:
        return 1.0
    e = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10**e >= x * 0.7:
            return m * 10**e
    return 10 ** (e + 1)


def _fmt_t(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.3g} Mt"
    if x >= 1e3:
        return f"{x / 1e3:.3g} kt"
    return f"{x:.3g} t"


@dataclass
class _Scale:
    flow_max: float
    cap_max: float
    lw_max: float = 11.0  # points, for flow_max
    area_max: float = 700.0  # points^2, for cap_max

    def lw(self, rate: float) -> float:
        return max(0.7, self.lw_max * rate / self.flow_max) if self.flow_max else 0.7

    def area(self, cap: float) -> float:
        return max(18.0, self.area_max * cap / self.cap_max) if self.cap_max else 18.0


def _scale(sol: Solution, lay: Layout | None = None) -> _Scale:
    flows: dict[tuple[str, str, str, str], float] = defaultdict(float)
    for f in sol.flows:
        flows[(f["from"], f["to"], f["commodity"], f["stage"])] += f["rate"]
    caps: dict[tuple[str, str, str], float] = defaultdict(float)
    fac = {f["name"]: f for f in (sol.network or {}).get("facilities", [])}
    for o in sol.online:
        if o["type"] == "facility" and o["name"] in fac:
            f = fac[o["name"]]
            caps[(f["node"], f["kind"], o["stage"])] += o["capacity"] or 0.0
    crowded = bool(lay and lay.crowd)  # many nodes close together: thinner lines, smaller marks
    return _Scale(max(flows.values(), default=0.0), max(caps.values(), default=0.0),
                  lw_max=4.0 if crowded else 11.0, area_max=160.0 if crowded else 700.0)


def network_figure(sol: Solution, stage: str, lay: Layout | None = None,
                   scale: _Scale | None = None) -> Any:
    """The network in one stage: nodes by system/body, candidate routes dotted, flows as arrows
    with width proportional to t/yr (one arrow per commodity), facilities as markers with area
    proportional to online capacity (filled black edge: built in this stage)."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import ArrowStyle, FancyArrowPatch, Rectangle
    from matplotlib.transforms import offset_copy

    net = sol.network or {}
    nodes = net.get("nodes") or [{"name": n} for n in _row_nodes(sol)]
    lay = lay or layout(nodes)
    scale = scale or _scale(sol, lay)
    info = next(s for s in sol.stages if s["name"] == stage)
    G = sol.graph(stage, multi=True)
    unit = min(1.3, 12.0 / (lay.width + 0.4))  # inches per layout unit: at most ~14 in wide,
    # so that text stays legible when a page scales the figure to its width
    w = max((lay.width + 0.4) * unit + 2.2, 7.0)
    # taller than the layout's units: room under and over each node for its labels
    h = (lay.height + 0.2) * unit * STRETCH + 0.5
    fig = _new_figure(w, h)
    ax = fig.subplots()
    ax.set_xlim(-0.2, lay.width + 0.2)
    ax.set_ylim(-0.1, lay.height + 0.1)
    ax.set_axis_off()
    ax.set_aspect(STRETCH, adjustable="box")
    end = info["start_year"] + info["years"] - 1
    ax.set_title(f"{sol.instance} — stage {stage} ({info['start_year']}–{end})", loc="left",
                 fontsize=11)

    fixed = []  # texts that stay where they are (band and column titles)
    for i, (label, x0, x1, y0, y1) in enumerate(lay.bands):
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, color="#f2f4f7"
                               if i % 2 == 0 else "#e8ecf1", zorder=0, lw=0))
        fixed.append(ax.text((x0 + x1) / 2, y1 - 0.08, label, ha="center", va="top",
                             fontsize=FONT["band"], color="#445", fontweight="bold"))
    for x, y, label in lay.columns:
        fixed.append(ax.text(x, y, textwrap.fill(label, 11), ha="center", va="bottom",
                             fontsize=FONT["column"], color="#667", style="italic",
                             linespacing=1.0))

    pos = {n: lay.pos.get(n) for n in G.nodes}
    colors = commodity_colors(sorted({f["commodity"] for f in sol.flows}))
    # candidate routes: one dotted line per connected pair of nodes (one collection)
    pairs = {tuple(sorted((u, v))) for u, v in G.edges() if pos.get(u) and pos.get(v)}
    if pairs:
        ax.add_collection(LineCollection([(pos[u], pos[v]) for u, v in sorted(pairs)],
                                         colors="#aab2bd", linewidths=0.6, linestyles=(0, (1, 2)),
                                         zorder=1, label="candidates"))
    labels: list[Label] = []  # placed at the end, around what is drawn
    marks: list[tuple[float, float, float, float, float, float]] = []  # x, y, dx, dy, half w, h
    flow_labels: list[tuple[float, str, str, float, float]] = []
    by_pair: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for u, v, key, a in G.edges(keys=True, data=True):
        for k, rate in a.items():
            if k.startswith("flow_") and rate > 0:
                by_pair[(u, v)][k[5:]] += rate
    stage_max = max((sum(d.values()) for d in by_pair.values()), default=0.0)
    for (u, v), per_k in sorted(by_pair.items()):
        if pos.get(u) is None or pos.get(v) is None or pos[u] == pos[v]:
            continue
        (x0, y0), (x1, y1) = pos[u], pos[v]
        length = math.hypot(x1 - x0, y1 - y0)
        px, py = (y1 - y0) / length, -(x1 - x0) / length  # right of the direction of travel
        # a ribbon: one arrow per commodity side by side, widths to scale, right of the axis
        offset = 1.5
        for k, rate in sorted(per_k.items(), key=lambda kv: -kv[1]):
            lw = scale.lw(rate)
            shift = offset + lw / 2
            offset += lw + 0.6
            tr = offset_copy(ax.transData, fig=fig, x=px * shift, y=py * shift, units="points")
            style = ArrowStyle.Simple(head_length=max(6.0, 1.3 * lw),
                                      head_width=max(5.5, 1.6 * lw), tail_width=lw)
            ax.add_patch(FancyArrowPatch(
                pos[u], pos[v], connectionstyle="arc3,rad=0.06", arrowstyle=style,
                mutation_scale=1.0, lw=0, color=colors[k], alpha=0.85,
                shrinkA=8, shrinkB=9, zorder=3, transform=tr, label=f"flow:{u}:{v}:{k}"))
        total = sum(per_k.values())
        if total >= 0.12 * stage_max and not (u in lay.crowd and v in lay.crowd):
            flow_labels.append((total, u, v, px * (offset + 2), py * (offset + 2)))
    # the biggest flows are labelled where there is room (mid-route, then along it)
    for rank, (total, u, v, dx, dy) in enumerate(sorted(flow_labels, key=lambda x: -x[0])[:12]):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        # mid-route beside the ribbon, farther out, on the other side, then along the route
        spots = [(0.5, 1.0), (0.5, 1.8), (0.5, -1.0), (0.35, 1.0), (0.65, 1.0), (0.25, 1.0),
                 (0.75, 1.0), (0.35, -1.0), (0.65, -1.0)]
        labels.append(Label(
            x0, y0, _fmt_t(total) + "/yr", [_beside(dx * f, dy * f) for _, f in spots],
            priority=30 + rank, required=False,
            anchors=[(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a) for a, _ in spots],
            style={"fontsize": FONT["flow"], "zorder": 6, "color": "#222",
                   "bbox": {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                            "alpha": 0.8}}))

    # nodes; a crowd (many small bodies) as small unlabelled dots
    crowd = [n for n in G.nodes if n in lay.crowd and pos.get(n) is not None]
    if crowd:
        ax.scatter([pos[n][0] for n in crowd], [pos[n][1] for n in crowd], s=10, zorder=4,
                   c=[KIND_COLOR.get(G.nodes[n].get("kind", "other"), "#777") for n in crowd],
                   linewidths=0)
    for n, a in G.nodes(data=True):
        if pos.get(n) is None or n in lay.crowd:
            continue
        x, y = pos[n]
        ax.scatter([x], [y], s=46, c=KIND_COLOR.get(a.get("kind", "other"), "#777"),
                   edgecolors="white", linewidths=1.0, zorder=4)
        marks.append((x, y, 0.0, 0.0, 4.0, 4.0))
        labels.append(Label(x, y, n, NAME_PLACES, priority=0, style={
            "fontsize": FONT["node"], "zorder": 7, "color": "#111",
            "bbox": {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6}}))
        notes = []
        for prefix, label, color in (("supply_", "buys", "#7a4b12"), ("demand_", "needs", "#1d6b3a"),
                                     ("sale_", "sells", "#1d5f8a"),
                                     ("shortfall_", "short", "#c0392b")):
            amount = sum(v for k, v in a.items() if k.startswith(prefix))
            if amount:
                notes.append((f"{label} {_fmt_t(amount)}/yr", color))
        for j, (text, color) in enumerate(notes):
            short = text.startswith("short")
            labels.append(Label(x, y, text, _note_places(j), priority=10 + j, required=short,
                                style={"fontsize": FONT["note"], "color": color, "zorder": 7,
                                       "fontweight": "bold" if short else "normal",
                                       "bbox": {"boxstyle": "round,pad=0.1", "fc": "white",
                                                "ec": "none", "alpha": 0.6}}))

    # facilities: aggregate online capacity by node and kind
    fac = {f["name"]: f for f in net.get("facilities", [])}
    cap: dict[tuple[str, str], float] = defaultdict(float)
    units: dict[tuple[str, str], int] = defaultdict(int)
    new: dict[tuple[str, str], int] = defaultdict(int)
    for o in sol.online:
        if o["stage"] == stage and o["type"] == "facility" and o["name"] in fac:
            f = fac[o["name"]]
            cap[(f["node"], f["kind"])] += o["capacity"] or 0.0
            units[(f["node"], f["kind"])] += o["units"]
    for b in sol.builds:
        if b["stage"] == stage and b["type"] == "facility" and b["name"] in fac:
            new[(b["node"], fac[b["name"]]["kind"])] += b["units"]
    # a row of markers right of the node, spaced in points so that they never overlap;
    # the units (and units built) above each marker
    cursor: dict[str, float] = defaultdict(lambda: 7.0)
    slot: dict[str, int] = defaultdict(int)
    for (node, kind), c in sorted(cap.items()):
        if pos.get(node) is None:
            continue
        radius = math.sqrt(scale.area(c)) / 2 * (1.15 if FACILITY_STYLE.get(
            kind, FACILITY_STYLE["other"])[0] == "D" else 1.0)
        dx = cursor[node] + radius
        cursor[node] += 2 * radius + 2.5
        dy = 4.0 if node in lay.crowd else 0.0
        tr = offset_copy(ax.transData, fig=fig, x=dx, y=dy, units="points")
        marker, color = FACILITY_STYLE.get(kind, FACILITY_STYLE["other"])
        ax.scatter([pos[node][0]], [pos[node][1]], s=scale.area(c), marker=marker, c=color,
                   alpha=0.85, zorder=5, label=f"facility:{node}:{kind}", transform=tr,
                   edgecolors="black" if new[(node, kind)] else "white",
                   linewidths=1.3 if new[(node, kind)] else 0.6)
        marks.append((*pos[node], dx, dy, radius, radius))
        if node in lay.crowd:
            continue
        text = f"{units[(node, kind)]}" + (f" (+{new[(node, kind)]})" if new[(node, kind)] else "")
        # above the marker, else below (neighbours alternate), else beside it
        above, below = (dx, dy + radius + 1.5, "center", "bottom"), (
            dx, dy - radius - 1.5, "center", "top")
        first = [below, above] if slot[node] % 2 else [above, below]
        slot[node] += 1
        more = [(dx + radius + 2, dy, "left", "center"), (dx, dy + radius + 12, "center", "bottom"),
                (dx, dy - radius - 12, "center", "top"), (dx + radius + 2, dy + radius, "left",
                                                          "bottom"),
                (dx + radius + 2, dy - radius, "left", "top")]
        labels.append(Label(*pos[node], text, first + more,
                            priority=5, style={"fontsize": FONT["units"], "zorder": 7,
                                               "color": "#222"}))

    # legends: commodities, flow width scale, facility kinds and area scale
    handles = [Line2D([], [], color=colors[k], lw=3, label=k) for k in colors
               if any(k in d for d in by_pair.values())]
    if scale.flow_max:
        ref = _nice(scale.flow_max / 2)
        handles.append(Line2D([], [], color="#444", lw=scale.lw(ref), label=f"{_fmt_t(ref)}/yr"))
    if scale.cap_max:
        ref = _nice(scale.cap_max / 2)
        for kind in sorted({k for (_, k) in cap}):
            marker, color = FACILITY_STYLE.get(kind, FACILITY_STYLE["other"])
            handles.append(Line2D([], [], ls="", marker=marker, color=color, label=kind,
                                  markersize=7))
        handles.append(Line2D([], [], ls="", marker="o", color="#999",
                              markersize=math.sqrt(scale.area(ref)),
                              label=f"{_fmt_t(ref)}/yr capacity"))
    handles.append(Line2D([], [], ls=(0, (1, 2)), color="#b8bec8", lw=1, label="candidate route"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0),
              fontsize=FONT["legend"], frameon=False, borderaxespad=0.2, labelspacing=0.9)
    # labels last, on the laid-out figure: each where it overlaps nothing drawn so far
    renderer = freeze(fig)
    taken = [Box(*t.get_window_extent(renderer).extents) for t in fixed]
    taken += [mark_box(ax, *m) for m in marks]
    place(ax, renderer, labels, taken)
    return fig


# Font sizes (points) of the network figure: at least 9 pt is 12 px at 100 % zoom, 10.5 px
# when the page scales the widest figure (about 16 in) to its 1,336 px
FONT = {"band": 10.5, "column": 9.0, "node": 10.0, "note": 9.0, "units": 9.0, "flow": 9.0,
        "legend": 9.0}
# a node's name: below it, above it, then to either side
NAME_PLACES: list[Place] = [(0, -6, "center", "top"), (0, 6, "center", "bottom"),
                            (-6, 0, "right", "center"), (6, -6, "left", "top"),
                            (-6, -6, "right", "top"), (0, -18, "center", "top")]


STRETCH = 1.5  # vertical scale of the network figure relative to its layout


def _note_places(j: int) -> list[Place]:
    """A node's j-th note (needs, buys...): stacked under its name, else above the node, else
    beside it: always next to the node it belongs to."""
    return ([(0, -19 - 12 * i, "center", "top") for i in (j, j + 1)]
            + [(0, 18 + 12 * i, "center", "bottom") for i in (j, j + 1)]
            + [(-7, -7 - 12 * j, "right", "top"), (7, -7 - 12 * j, "left", "top")])


def _beside(dx: float, dy: float) -> Place:
    """A flow label's place: offset (dx, dy) points from the route, aligned away from it."""
    norm = math.hypot(dx, dy) or 1.0
    ha = "left" if dx / norm > 0.35 else "right" if dx / norm < -0.35 else "center"
    va = "bottom" if dy / norm > 0.35 else "top" if dy / norm < -0.35 else "center"
    return (dx, dy, ha, va)


def _row_nodes(sol: Solution) -> list[str]:
    names: dict[str, None] = {}
    for f in sol.flows:
        names[f["from"]] = names[f["to"]] = None
    for t in (sol.activities, sol.supplies, sol.sales, sol.shortfalls):
        for x in t:
            names[x["node"]] = None
    return list(names)


def timeline_figure(sol: Solution) -> Any:
    """Units online per element across the horizon; build events marked with +n."""
    from matplotlib.patches import Patch

    stages = sol.stages
    online: dict[str, dict[str, int]] = defaultdict(dict)
    kinds: dict[str, str] = {}
    fac = {f["name"]: f for f in (sol.network or {}).get("facilities", [])}
    route = {r["name"]: r for r in (sol.network or {}).get("routes", [])}
    for o in sol.online:
        online[o["name"]][o["stage"]] = o["units"]
        kinds[o["name"]] = fac[o["name"]]["kind"] if o["name"] in fac else "route"
    built: dict[str, dict[str, int]] = defaultdict(dict)
    for b in sol.builds:
        built[b["name"]][b["stage"]] = b["units"]
        kinds.setdefault(b["name"], fac[b["name"]]["kind"] if b["name"] in fac else "route")
    order = [s["name"] for s in stages]
    names = sorted(kinds, key=lambda e: (min((order.index(s) for s in built.get(e, {})),
                                             default=99), e))
    hidden = 0
    if len(names) > MAX_TIMELINE_ROWS:  # keep the elements with the most unit-stages online
        keep = set(sorted(names, key=lambda e: -sum(online[e].values()))[:MAX_TIMELINE_ROWS])
        hidden = len(names) - len(keep)
        names = [e for e in names if e in keep]
    fig = _new_figure(10.5, 1.6 + 0.34 * max(len(names), 2))
    ax = fig.subplots()
    start = stages[0]["start_year"] if stages else 0
    stop = stages[-1]["start_year"] + stages[-1]["years"] if stages else 1
    ax.set_xlim(start, stop)
    ax.set_title(f"{sol.instance} — build timeline (units online; ▲ +n built)"
                 + (f"; {hidden} smaller elements not shown" if hidden else ""), loc="left",
                 fontsize=11)
    if not names:
        ax.text(0.5, 0.5, "Nothing is built.", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
        return fig
    colors = {**{k: c for k, (_, c) in FACILITY_STYLE.items()}, "route": "#3b75af"}
    top = max((u for d in online.values() for u in d.values()), default=1)
    for i, e in enumerate(names):
        y = len(names) - 1 - i
        for s in stages:
            u = online[e].get(s["name"], 0)
            if u:
                ax.barh(y, s["years"], left=s["start_year"], height=0.62,
                        color=colors.get(kinds[e], "#777"), alpha=0.35 + 0.6 * u / top,
                        edgecolor="white", lw=1)
                ax.text(s["start_year"] + s["years"] / 2, y, str(u), ha="center", va="center",
                        fontsize=8, color="white" if u / top > 0.5 else "#111")
            b = built[e].get(s["name"])
            if b:
                ax.plot([s["start_year"]], [y + 0.36], marker="^", color="black", ms=5,
                        clip_on=False)
                ax.text(s["start_year"] + 0.25, y + 0.36, f"+{b}", fontsize=7, va="center")
    where = {e: (fac[e]["node"] if e in fac else
                 f"{route[e]['from']}→{route[e]['to']}" if e in route else "") for e in names}
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([f"{e}  ({where[e]})" if where[e] else e for e in reversed(names)],
                       fontsize=8)
    ax.set_ylim(-0.6, len(names) - 0.3)
    for s in stages:
        ax.axvline(s["start_year"], color="#ccd", lw=0.6, zorder=0)
    ax.set_xticks([s["start_year"] for s in stages] + [stop])
    ax.tick_params(axis="x", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    present = sorted(set(kinds.values()))
    ax.legend(handles=[Patch(color=colors.get(k, "#777"), label=k) for k in present],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return fig


def cost_figure(sol: Solution) -> Any:
    """Discounted cost per stage stacked by category, and the split by category."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    money = sol.units.get("money", "")
    stages = sol.stage_names
    cats = [c for c in COST_COLOR if any(x["category"] == c for x in sol.costs)]
    cats += sorted({x["category"] for x in sol.costs} - set(cats))
    grid: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for x in sol.costs:
        grid[x["category"]][x["stage"]] += x["discounted"]
    fig = _new_figure(10.5, 3.9)
    ax, bx = fig.subplots(1, 2, width_ratios=[max(len(stages), 2), 2.2])
    ax.set_title(f"Discounted cost by stage ({money})", loc="left", fontsize=11)
    bx.set_title("Split by category", loc="left", fontsize=11)
    xs = range(len(stages))
    pos_base = [0.0] * len(stages)
    neg_base = [0.0] * len(stages)
    for cat in cats:
        vals = [grid[cat].get(s, 0.0) for s in stages]
        base = [pb if v >= 0 else nb for v, pb, nb in zip(vals, pos_base, neg_base)]
        ax.bar(xs, vals, bottom=base, color=COST_COLOR.get(cat, "#999"), label=cat, width=0.65)
        for i, v in enumerate(vals):
            if v >= 0:
                pos_base[i] += v
            else:
                neg_base[i] += v
    totals = [sum(grid[c].get(s, 0.0) for c in cats) for s in stages]
    has_negative = any(v < 0 for v in neg_base)
    for i, t in enumerate(totals):
        if has_negative:  # the net total differs from the top of the bar: mark it
            ax.plot([i - 0.36, i + 0.36], [t, t], color="black", lw=1.6, zorder=4)
        ax.text(i, pos_base[i], f"{t:,.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(stages, fontsize=8, rotation=30 if len(stages) > 6 else 0)
    ax.axhline(0, color="#333", lw=0.6)
    ax.tick_params(axis="y", labelsize=8)
    ax.margins(y=0.12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    by_cat = [(c, sum(grid[c].values())) for c in cats]
    gross = sum(abs(v) for _, v in by_cat) or 1.0
    bx.barh(range(len(by_cat)), [v for _, v in by_cat],
            color=[COST_COLOR.get(c, "#999") for c, _ in by_cat])
    bx.set_yticks(range(len(by_cat)))
    bx.set_yticklabels([c for c, _ in by_cat], fontsize=8)
    bx.invert_yaxis()
    for i, (c, v) in enumerate(by_cat):
        bx.text(max(v, 0.0), i, f" {v:,.0f} ({abs(v) / gross:.0%})", va="center", ha="left",
                fontsize=7.5)
    bx.axvline(0, color="#333", lw=0.6)
    bx.margins(x=0.45)
    bx.tick_params(axis="x", labelsize=7)
    for side in ("top", "right"):
        bx.spines[side].set_visible(False)
    if not cats:
        ax.text(0.5, 0.5, "No costs.", ha="center", va="center", transform=ax.transAxes)
    else:
        handles = [Patch(color=COST_COLOR.get(c, "#999"), label=c) for c in cats]
        if any(v < 0 for v in neg_base):
            handles.append(Line2D([], [], color="black", lw=1.6, label="net total"))
        ax.legend(handles=handles, fontsize=7.5, frameon=False, loc="upper center",
                  bbox_to_anchor=(0.5, -0.1 if len(stages) <= 6 else -0.16),
                  ncol=len(handles))
    return fig


def sources_figure(sol: Solution) -> Any:
    """Where the mass comes from: t/yr bought (supplies) and produced (facilities), by body."""
    stages = sol.stage_names
    net = sol.network or {}
    body = {n["name"]: n.get("body") or "-".join(n.get("bodies") or []) or n["name"]
            for n in net.get("nodes", [])}
    fac = {f["name"]: f for f in net.get("facilities", [])}
    mines = [(a, fac[a["facility"]]) for a in sol.activities
             if a["facility"] in fac and fac[a["facility"]].get("kind") == "mine"]
    where = body
    if len({body.get(a["node"], a["node"]) for a, _ in mines}) > 8:  # too many bodies: systems
        systems = dict(SYSTEMS)
        node = {n["name"]: n for n in net.get("nodes", [])}
        where = {n: systems[_place(node[n])[0]] for n in node}
    series: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for x in sol.supplies:
        series[f"bought at {body.get(x['node'], x['node'])}"][x["stage"]] += x["rate"]
    for a, f in mines:
        series[f"mined on {where.get(a['node'], a['node'])}"][a["stage"]] += a["rate"] * sum(
            (f.get("produces") or {}).values())
    fig = _new_figure(10.5, 3.4)
    ax = fig.subplots()
    ax.set_title("Where the mass comes from (t/yr): bought from supplies (hatched) vs mined",
                 loc="left", fontsize=11)
    names = sorted(series, key=lambda s: (not s.startswith("bought"), s))
    bought_colors = iter(["#8c7b6b", "#b5a48f", "#6b5b4b", "#cfc2b0"])
    mined_colors = iter(["#2b7bba", "#d08a2c", "#3a923a", "#8e5ea2", "#c44e52", "#17becf",
                         "#bcbd22", "#e377c2", "#7f7f7f", "#1f9e89"] * 5)
    base = [0.0] * len(stages)
    for name in names:
        vals = [series[name].get(s, 0.0) for s in stages]
        color = next(bought_colors, "#8c7b6b") if name.startswith("bought") else next(
            mined_colors)
        ax.bar(range(len(stages)), vals, bottom=base, width=0.65, label=name, color=color,
               hatch="//" if name.startswith("bought") else None, edgecolor="white", lw=0.5)
        base = [b + v for b, v in zip(base, vals)]
    ax.set_xticks(range(len(stages)))
    ax.set_xticklabels(stages, fontsize=8, rotation=30 if len(stages) > 6 else 0)
    ax.tick_params(axis="y", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if names:
        ax.legend(fontsize=7.5, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        ax.text(0.5, 0.5, "Nothing bought or mined.", ha="center", va="center",
                transform=ax.transAxes)
    return fig


def figures(sol: Solution) -> dict[str, Any]:
    """Every figure of the report, by id: network-<stage> per stage, timeline, costs, sources."""
    out: dict[str, Any] = {}
    if not sol.stages:
        return out
    nodes = (sol.network or {}).get("nodes") or [{"name": n} for n in _row_nodes(sol)]
    lay = layout(nodes)
    scale = _scale(sol, lay)
    for s in sol.stage_names:
        out[f"network-{s}"] = network_figure(sol, s, lay, scale)
    out["timeline"] = timeline_figure(sol)
    out["costs"] = cost_figure(sol)
    out["sources"] = sources_figure(sol)
    return out


CAPTIONS = {
    "timeline": "Build timeline: units online per element and stage (darker: more units); "
                "▲ +n marks units built at the start of a stage.",
    "costs": "Cost breakdown: discounted cost per stage stacked by category (revenue below zero), "
             "and the total by category with its share.",
    "sources": "Where the mass comes from: tonnes per year bought from supplies (e.g. launched "
               "from Earth) and mined by facilities in space, by stage.",
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
        parts.append("Largest flows: " + ", ".join(f"{r} {_fmt_t(v)}/yr" for r, v in top) + ".")
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


def _caption(fid: str, sol: Solution) -> str:
    if fid.startswith("network-"):
        return stage_caption(sol, fid[len("network-"):])
    return CAPTIONS.get(fid, fid)


def svg_text(fig: Any, salt: str) -> str:
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt,
                                "font.family": "DejaVu Sans"}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "netopt"})
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML declaration and DOCTYPE
    # matplotlib names elements figure_1, axes_1...: prefix every id (and reference to one) so
    # that several SVGs inline in one page keep unique ids
    ids = set(re.findall(r'\sid="([^"]+)"', text))
    prefix = re.sub(r"[^A-Za-z0-9_.-]", "_", salt) + "-"
    return re.sub(r'(\sid="|url\(#|href="#)([^")]+)',
                  lambda m: m.group(1) + prefix + m.group(2) if m.group(2) in ids
                  else m.group(0), text)


def png_bytes(fig: Any, dpi: int = 110) -> bytes:
    import matplotlib

    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": "netopt"})
    return buf.getvalue()


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
        unit = money if sol.objective_kind == "cost" else f"{mass} supplied"
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
    return facts


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


def _table_rows(sol: Solution, name: str) -> tuple[list[str], list[list[str]], int]:
    cols = [h for h, _ in table_columns(sol, name)]
    rows = tidy_rows(sol, name)
    return cols, [[_num(r[c]) for c in cols] for r in rows[:MAX_TABLE_ROWS]], len(rows)


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
    "stages": "Stages", "nodes": "Nodes", "facilities": "Candidate facilities",
    "routes": "Candidate routes", "demands": "Demands",
}


# --- HTML --------------------------------------------------------------------------------------
CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1400px;
padding:1.5em 2em;color:#1d2330;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:2px solid #dde3ea;
padding-bottom:.2em}h3{margin-bottom:.3em}
nav a{margin-right:1em}figure{margin:1em 0 2em}figure svg{max-width:100%;height:auto}
figcaption{font-size:.88em;color:#556;max-width:60em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1em}
th,td{border:1px solid #d6dce4;padding:.2em .55em;text-align:left;vertical-align:top}
th{background:#eef2f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.facts th{background:none;border:none;padding-right:1.5em}table.facts td{border:none}
details{margin:.4em 0}summary{cursor:pointer;font-weight:600}
.status-optimal{color:#1e7d32}.status-feasible{color:#b36b00}.muted{color:#778;font-size:.85em}
"""

_NUMERIC = re.compile(r"^[+-]?[\d,]*\.?\d+(e[+-]?\d+)?( \(\+\d+\))?$")


def _html_table(header: list[str], rows: list[list[str]], tid: str | None = None,
                cls: str | None = None) -> str:
    attrs = (f' id="{tid}"' if tid else "") + (f' class="{cls}"' if cls else "")
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{html.escape(c)}</td>' if _NUMERIC.match(c)
                         else f"<td>{html.escape(c)}</td>" for c in r) + "</tr>\n"
        for r in rows)
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"


def _cost_table(sol: Solution) -> tuple[list[str], list[list[str]]]:
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


def render_html(sol: Solution, title: str | None = None) -> str:
    """The report as one self-contained HTML document (no external resources)."""
    from . import __version__

    title = title or f"netopt report: {sol.instance}"
    money = sol.units.get("money", "")
    figs = figures(sol)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f'<meta name="generator" content="netopt {__version__}">',
        f"<style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        '<nav><a href="#summary">Summary</a><a href="#network">Network</a>'
        '<a href="#timeline">Build timeline</a><a href="#costs">Costs</a>'
        '<a href="#sources">Mass sources</a><a href="#tables">Tables</a></nav>',
        '<section id="summary"><h2>Summary</h2>',
    ]
    facts = summary_facts(sol)
    parts.append('<table class="facts">' + "".join(
        f"<tr><th>{html.escape(k)}</th><td"
        + (f' class="status-{html.escape(v)}"' if k == "Status" else "")
        + f">{html.escape(v)}</td></tr>" for k, v in facts) + "</table>")
    header, rows = build_out(sol)
    parts.append("<h3>What is built where and when</h3>"
                 '<p class="muted">Units online per stage; (+n): built in that stage.</p>')
    parts.append(_html_table(header, rows, "summary-builds") if rows
                 else "<p>Nothing is built.</p>")
    if sol.costs:
        h, r = _cost_table(sol)
        parts.append(f"<h3>Cost split ({html.escape(money)}, discounted)</h3>")
        parts.append(_html_table(h, r, "summary-costs"))
    parts.append("</section>")

    def figure(fid: str) -> str:
        return (f'<figure id="fig-{html.escape(fid)}">{svg_text(figs[fid], fid)}'
                f"<figcaption>{html.escape(_caption(fid, sol))}</figcaption></figure>")

    parts.append('<section id="network"><h2>Network by stage</h2>'
                 f'<p class="muted">{html.escape(NETWORK_HOW_TO_READ)}</p>')
    for fid in figs:
        if fid.startswith("network-"):
            parts.append(f"<h3>{html.escape(fid[len('network-'):])}</h3>" + figure(fid))
    parts.append("</section>")
    for fid, head in (("timeline", "Build timeline"), ("costs", "Cost breakdown"),
                      ("sources", "Mass sources")):
        parts.append(f'<section id="{fid}"><h2>{head}</h2>')
        if fid in figs:
            parts.append(figure(fid))
        parts.append("</section>")

    parts.append('<section id="tables"><h2>Tables</h2><p class="muted">The tidy tables, as '
                 "<code>netopt export</code> writes them (CSV / Parquet); rates in "
                 f"{html.escape(sol.units.get('mass', 't'))}/yr, money in "
                 f"{html.escape(money)}.</p>")
    from .results import NETWORK_TABLES, TABLES

    for name in TABLES + NETWORK_TABLES:
        cols, rows, total = _table_rows(sol, name)
        note = (f" — first {len(rows)} of {total} rows" if total > len(rows) else
                f" — {total} row{'s' if total != 1 else ''}")
        parts.append(f'<details{" open" if name in TABLES and total <= 60 else ""}>'
                     f"<summary>{html.escape(TABLE_TITLES.get(name, name))}{note}</summary>"
                     + _html_table(cols, rows, f"table-{name}") + "</details>")
    parts.append("</section>")
    parts.append(f'<p class="muted">Generated by netopt {__version__} from solution.json '
                 "(schema_version " + str(_schema_version()) + ").</p></body></html>\n")
    for fig in figs.values():
        fig.clear()
    return "\n".join(parts)


def _schema_version() -> int:
    from .solution_schema import SCHEMA_VERSION

    return SCHEMA_VERSION


def write_html(sol: Solution, path: str | FsPath, title: str | None = None) -> list[FsPath]:
    from .results import write_atomic

    path = FsPath(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, render_html(sol, title))
    return [path]


# --- Markdown ----------------------------------------------------------------------------------
def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def cell(c: str) -> str:
        return c.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "|" + "|".join("---:" if rows and all(_NUMERIC.match(r[i]) or not r[i] for r in rows)
                            else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def write_markdown(sol: Solution, path: str | FsPath, title: str | None = None) -> list[FsPath]:
    """report.md plus one PNG per figure in report_files/ beside it."""
    from .results import NETWORK_TABLES, TABLES, write_atomic

    path = FsPath(path)
    fig_dir = path.with_name(f"{path.stem}_files")
    fig_dir.mkdir(parents=True, exist_ok=True)
    title = title or f"netopt report: {sol.instance}"
    money = sol.units.get("money", "")
    figs = figures(sol)
    written: list[FsPath] = []
    pngs: dict[str, str] = {}
    for fid, fig in figs.items():
        p = fig_dir / f"{fid}.png"
        write_atomic(p, png_bytes(fig))
        fig.clear()
        written.append(p)
        pngs[fid] = f"{fig_dir.name}/{p.name}"
    md = [f"# {title}", "", "## Summary", ""]
    md += [f"- **{k}**: {v}" for k, v in summary_facts(sol)]
    header, rows = build_out(sol)
    md += ["", "### What is built where and when", "",
           "Units online per stage; (+n): built in that stage.", ""]
    md.append(_md_table(header, rows) if rows else "Nothing is built.")
    if sol.costs:
        h, r = _cost_table(sol)
        md += ["", f"### Cost split ({money}, discounted)", "", _md_table(h, r)]
    md += ["", "## Network by stage", "", NETWORK_HOW_TO_READ, ""]
    for fid in figs:
        if fid.startswith("network-"):
            md += [f"### {fid[len('network-'):]}", "", f"![{fid}]({pngs[fid]})", "",
                   f"*{_caption(fid, sol)}*", ""]
    for fid, head in (("timeline", "Build timeline"), ("costs", "Cost breakdown"),
                      ("sources", "Mass sources")):
        if fid in figs:
            md += [f"## {head}", "", f"![{fid}]({pngs[fid]})", "", f"*{_caption(fid, sol)}*", ""]
    md += ["## Tables", ""]
    for name in TABLES + NETWORK_TABLES:
        cols, rows, total = _table_rows(sol, name)
        md += [f"### {TABLE_TITLES.get(name, name)}", ""]
        if total > len(rows):
            md += [f"First {len(rows)} of {total} rows (the CSV export has them all).", ""]
        md += [_md_table(cols, rows) if rows else "(no rows)", ""]
    write_atomic(path, "\n".join(md) + "\n")
    return [path, *written]
