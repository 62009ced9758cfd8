"""The report's figures, drawn with matplotlib's object API (no pyplot, no global state): the
network per stage, the build timeline, the cost breakdown, the mass sources; as SVG text or PNG."""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..costs import ordered as ordered_categories
from ..results import Solution
from .labels import Box, Label, Place, freeze, mark_box, place as place_labels
from .layout import SYSTEMS, Layout, layout, place

MAX_TIMELINE_ROWS = 60


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


# --- figures -----------------------------------------------------------------------------------
def _new_figure(w: float, h: float) -> Any:
    from matplotlib.figure import Figure  # matplotlib: imported only when drawing

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


def fmt_t(x: float) -> str:
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
    from matplotlib.collections import LineCollection  # matplotlib: imported only when drawing
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

    # nodes the layout places (the others are not drawn)
    pos: dict[str, tuple[float, float]] = {n: xy for n in G.nodes
                                           if (xy := lay.pos.get(n)) is not None}
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
            x0, y0, fmt_t(total) + "/yr", [_beside(dx * f, dy * f) for _, f in spots],
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
                notes.append((f"{label} {fmt_t(amount)}/yr", color))
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
        handles.append(Line2D([], [], color="#444", lw=scale.lw(ref), label=f"{fmt_t(ref)}/yr"))
    if scale.cap_max:
        ref = _nice(scale.cap_max / 2)
        for kind in sorted({k for (_, k) in cap}):
            marker, color = FACILITY_STYLE.get(kind, FACILITY_STYLE["other"])
            handles.append(Line2D([], [], ls="", marker=marker, color=color, label=kind,
                                  markersize=7))
        handles.append(Line2D([], [], ls="", marker="o", color="#999",
                              markersize=math.sqrt(scale.area(ref)),
                              label=f"{fmt_t(ref)}/yr capacity"))
    handles.append(Line2D([], [], ls=(0, (1, 2)), color="#b8bec8", lw=1, label="candidate route"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0),
              fontsize=FONT["legend"], frameon=False, borderaxespad=0.2, labelspacing=0.9)
    # labels last, on the laid-out figure: each where it overlaps nothing drawn so far
    renderer = freeze(fig)
    taken = [Box(*t.get_window_extent(renderer).extents) for t in fixed]
    taken += [mark_box(ax, *m) for m in marks]
    place_labels(ax, renderer, labels, taken)
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
    places: list[Place] = [(0.0, -19.0 - 12 * i, "center", "top") for i in (j, j + 1)]
    places += [(0.0, 18.0 + 12 * i, "center", "bottom") for i in (j, j + 1)]
    return places + [(-7.0, -7.0 - 12 * j, "right", "top"), (7.0, -7.0 - 12 * j, "left", "top")]


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
    from matplotlib.patches import Patch  # matplotlib: imported only when drawing

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
            new = built[e].get(s["name"])
            if new:
                ax.plot([s["start_year"]], [y + 0.36], marker="^", color="black", ms=5,
                        clip_on=False)
                ax.text(s["start_year"] + 0.25, y + 0.36, f"+{new}", fontsize=7, va="center")
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
    from matplotlib.lines import Line2D  # matplotlib: imported only when drawing
    from matplotlib.patches import Patch

    money = sol.units.get("money", "")
    stages = sol.stage_names
    cats = ordered_categories(x["category"] for x in sol.costs)
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
        handles: list[Any] = [Patch(color=COST_COLOR.get(c, "#999"), label=c) for c in cats]
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
        where = {n: systems[place(node[n])[0]] for n in node}
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


def fleet_figure(sol: Solution) -> Any:
    """Per vehicle: vehicles online per stage (bars), vehicle-years used (dots), trips/yr."""
    stages = sol.stage_names
    vehicles = sorted({x["vehicle"] for x in sol.trips})
    fig = _new_figure(10.5, 1.2 + 1.9 * len(vehicles))
    axes = fig.subplots(len(vehicles), 1, squeeze=False)[:, 0]
    for ax, v in zip(axes, vehicles):
        online = {x["stage"]: x["online"] for x in sol.fleet if x["vehicle"] == v}
        used = {x["stage"]: x["vehicle_years"] for x in sol.fleet if x["vehicle"] == v}
        trips: dict[str, float] = defaultdict(float)
        for x in sol.trips:
            if x["vehicle"] == v:
                trips[x["stage"]] += x["trips"]
        xs = range(len(stages))
        ax.bar(xs, [online.get(s, 0) for s in stages], width=0.6, color="#9ecae1",
               label="online")
        ax.plot([i for i, s in enumerate(stages) if s in used], [used[s] for s in stages
                                                                   if s in used],
                "o", color="#08519c", label="vehicle-years used per year")
        top = max([*online.values(), *used.values(), 1.0])
        for i, s in enumerate(stages):
            if trips.get(s):
                ax.text(i, max(online.get(s, 0), used.get(s, 0.0)) + 0.04 * top,
                        f"{trips[s]:,.3g} trips/yr", ha="center", va="bottom", fontsize=7.5)
        ax.set_title(f"{v}" + ("" if online else " (expendable: trips only)"), loc="left",
                     fontsize=10)
        ax.set_xticks(list(xs))
        ax.set_xticklabels(stages, fontsize=8)
        ax.set_ylim(0, top * 1.3)
        ax.tick_params(axis="y", labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].legend(fontsize=7.5, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
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
    if sol.trips:
        out["fleets"] = fleet_figure(sol)
    return out


def svg_text(fig: Any, salt: str) -> str:
    import matplotlib  # matplotlib: imported only when drawing

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
    import matplotlib  # matplotlib: imported only when drawing

    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": "netopt"})
    return buf.getvalue()
