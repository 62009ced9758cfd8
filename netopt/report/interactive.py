"""The HTML report's interactive parts, inline and offline: per-step charts as SVG (hover a step
for its values), the network with a time slider, and the one script that drives both. No library,
no network: the data travel in the page as JSON, the script is a few dozen lines."""

from __future__ import annotations

import html
import json
import math
from typing import Any

from .document import fmt
from .series import Series

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#7b4173",
           "#3182bd", "#e6550d", "#31a354"]
KIND_COLOR = {"surface": "#8c6d46", "orbit": "#3b75af", "lagrange": "#8e5ea2", "other": "#7f7f7f"}

CSS = """
.chart{margin:.4em 0 1.6em}.chart svg{max-width:100%;height:auto;font-size:11px}
.chart .band{fill:transparent;cursor:crosshair}.chart .band:hover{fill:rgba(60,90,140,.08)}
.chart .cursor{fill:rgba(230,160,40,.16);pointer-events:none}
.player svg{max-width:100%;height:auto;font-size:11px;background:#fbfcfd}
.player .controls{display:flex;gap:.8em;align-items:center;margin:.3em 0}
.player input[type=range]{flex:1;max-width:40em}.player .step{font-weight:600;min-width:14em}
.player .edge{cursor:pointer}.player .node{cursor:pointer}
#tip{position:absolute;display:none;background:#1d2330;color:#fff;padding:.35em .6em;
border-radius:4px;font-size:12px;white-space:pre;pointer-events:none;z-index:10;line-height:1.35}
"""


def value_text(x: float | None) -> str:
    """A value in a tooltip or a chart's table: whole above 1,000, else 4 significant digits
    (never 1e+06); '' for no value."""
    if x is None:
        return ""
    return f"{x:,.0f}" if abs(x) >= 1000 else fmt(x, 4)


def _nice_max(x: float) -> float:
    if x <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(x))
    return next(m * e for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * e >= x)


def series_svg(s: Series) -> str:
    """One chart: a line per name over the steps (a step function, or the running total through
    each step's end); a transparent band per step carries its values for the tooltip."""
    w, h, left, right, top, bottom = 960, 300, 78, 250, 12, 34
    steps = s.steps
    if not steps.years:
        return ""
    x0 = steps.years[0]
    x1 = steps.years[-1] + steps.lengths[-1]
    values = [v for _, line in s.lines for v in line if v is not None]
    lo = min([0.0, *values])
    hi = _nice_max(max([0.0, *values]))
    if lo < 0:
        lo = -_nice_max(-lo)

    def X(year: float) -> float:
        return left + (year - x0) / max(x1 - x0, 1) * (w - left - right)

    def Y(v: float) -> float:
        return top + (hi - v) / (hi - lo) * (h - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
           f'height="{h}" role="img" aria-label="{html.escape(s.title)}">']
    for k in range(5):  # the value axis
        tick = lo + (hi - lo) * k / 4
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{Y(tick):.1f}" y2="{Y(tick):.1f}" '
                   f'stroke="{"#333" if tick == 0 else "#e3e7ec"}" stroke-width="1"/>'
                   f'<text x="{left - 6}" y="{Y(tick) + 4:.1f}" text-anchor="end" fill="#445">'
                   f"{html.escape(value_text(tick))}</text>")
    ticks = sorted({st for st in steps.years if st in _year_ticks(steps)} | {x1})
    for t in ticks:
        out.append(f'<line x1="{X(t):.1f}" x2="{X(t):.1f}" y1="{h - bottom}" y2="{h - bottom + 4}" '
                   f'stroke="#445"/><text x="{X(t):.1f}" y="{h - bottom + 16}" '
                   f'text-anchor="middle" fill="#445">{t:g}</text>')
    out.append(f'<text x="{left - 6}" y="{h - 4}" text-anchor="end" fill="#667">'
               f"{html.escape(s.unit)}</text>")
    for j, (name, line) in enumerate(s.lines):
        color = PALETTE[j % len(PALETTE)]
        d: list[str] = []
        pen = False
        if s.cumulative:
            d.append(f"M{X(x0):.1f},{Y(0):.1f}")
            pen = True
        for i, v in enumerate(line):
            a, b = steps.years[i], steps.years[i] + steps.lengths[i]
            if v is None:
                pen = False
                continue
            if s.cumulative:
                d.append(f"{'L' if pen else 'M'}{X(b):.1f},{Y(v):.1f}")
            else:
                d.append(f"{'L' if pen else 'M'}{X(a):.1f},{Y(v):.1f}L{X(b):.1f},{Y(v):.1f}")
            pen = True
        out.append(f'<path d="{"".join(d)}" fill="none" stroke="{color}" stroke-width="2" '
                   f'stroke-linejoin="round" class="line" data-name="{html.escape(name)}"/>')
        ly = top + 14 + 17 * j
        out.append(f'<rect x="{w - right + 12}" y="{ly - 9}" width="14" height="4" '
                   f'fill="{color}"/><text x="{w - right + 32}" y="{ly - 4}" fill="#223">'
                   f"{html.escape(_short(name, 34))}</text>")
    out.append(f'<rect class="cursor" x="{X(x0):.1f}" y="{top}" width="0" '
               f'height="{h - top - bottom}"/>')
    for i in range(len(steps.years)):
        a, b = steps.years[i], steps.years[i] + steps.lengths[i]
        when = steps.label(i)
        head = (f"end of {when}" if s.cumulative else when) + f" (stage {steps.stages[i]})"
        rows = [f"{name}: {value_text(line[i])} {s.unit}" for name, line in s.lines
                if line[i] is not None and line[i] != 0]
        tip = head + "\n" + ("\n".join(rows) if rows else "nothing")
        out.append(f'<rect class="band" data-i="{i}" x="{X(a):.1f}" y="{top}" '
                   f'width="{X(b) - X(a):.1f}" height="{h - top - bottom}" '
                   f'data-tip="{html.escape(tip)}"/>')
    out.append("</svg>")
    return "".join(out)


def _year_ticks(steps: Any) -> set[float]:
    """Tick years: every stage start, thinned to about a dozen."""
    starts = [y for i, y in enumerate(steps.years) if i == 0 or steps.stages[i] != steps.stages[i - 1]]
    every = max(1, math.ceil(len(starts) / 12))
    return set(starts[::every])


def _short(name: str, n: int) -> str:
    return name if len(name) <= n else name[:n - 1] + "…"


def player_html(pid: str, frames: dict[str, Any]) -> str:
    """The network with a time slider: nodes where the figures put them, an arrow per pair of
    nodes that a route joins in some step (width to scale of the largest in any step), the
    slider and a play button. The script sets widths and tooltips for the step chosen."""
    unit = min(120.0, 1180.0 / (frames["width"] + 0.4))
    stretch = 1.0
    width = (frames["width"] + 0.4) * unit
    height = (frames["height"] + 0.2) * unit * stretch

    def P(x: float, y: float) -> tuple[float, float]:
        return (x + 0.2) * unit, (frames["height"] + 0.1 - y) * unit * stretch

    out = [f'<div class="player" id="{pid}">',
           '<div class="controls"><button type="button" class="play">▶ play</button>'
           f'<input type="range" min="0" max="{max(len(frames["steps"]) - 1, 0)}" value="0" '
           'step="1" aria-label="step">'
           '<span class="step"></span></div>',
           f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}">',
           f'<defs><marker id="{pid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
           'markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
           '<path d="M0,0L10,5L0,10z" fill="#2b6cb0"/></marker></defs>']
    for i, (label, bx0, bx1, by0, by1) in enumerate(frames["bands"]):
        (ax, ay), (bx, by) = P(bx0, by1), P(bx1, by0)
        out.append(f'<rect x="{ax:.1f}" y="{ay:.1f}" width="{bx - ax:.1f}" height="{by - ay:.1f}" '
                   f'fill="{"#f2f4f7" if i % 2 == 0 else "#e8ecf1"}"/>'
                   f'<text x="{(ax + bx) / 2:.1f}" y="{ay + 14:.1f}" text-anchor="middle" '
                   f'font-weight="bold" fill="#445">{html.escape(label)}</text>')
    pos = {n["name"]: P(n["x"], n["y"]) for n in frames["nodes"]}
    for k, e in enumerate(frames["edges"]):
        (ux, uy), (vx, vy) = pos[e["from"]], pos[e["to"]]
        length = math.hypot(vx - ux, vy - uy) or 1.0
        dx, dy = (vx - ux) / length, (vy - uy) / length
        nx, ny = -dy * 3.5, dx * 3.5  # beside the axis: the two directions apart
        out.append(f'<line class="edge" data-k="{k}" x1="{ux + dx * 8 + nx:.1f}" '
                   f'y1="{uy + dy * 8 + ny:.1f}" x2="{vx - dx * 9 + nx:.1f}" '
                   f'y2="{vy - dy * 9 + ny:.1f}" stroke="#2b6cb0" stroke-width="1" '
                   f'opacity="0.15" marker-end="url(#{pid}-arrow)" '
                   f'data-tip="{html.escape(e["from"])} → {html.escape(e["to"])}"/>')
    for k, n in enumerate(frames["nodes"]):
        x, y = pos[n["name"]]
        r = 3 if n["crowd"] else 6
        out.append(f'<circle class="node" data-k="{k}" cx="{x:.1f}" cy="{y:.1f}" r="{r}" '
                   f'fill="{KIND_COLOR.get(n["kind"], "#777")}" stroke="white" '
                   f'data-tip="{html.escape(n["name"])}"/>')
        if not n["crowd"]:
            out.append(f'<text x="{x:.1f}" y="{y + 18:.1f}" text-anchor="middle" fill="#111">'
                       f'{html.escape(n["name"])}</text>')
    out.append("</svg>")
    data = json.dumps(frames, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    out.append(f'<script type="application/json" class="player-data">{data}</script></div>')
    return "\n".join(out)


# One script for the page: tooltips for every [data-tip], the slider and play button of each
# player, the cursor band of every chart following the slider, a click on a chart's step moving
# the slider. It marks <html data-netopt-ready="1"> when it has run (the browser test reads it),
# and #step=N in the address opens the page at step N.
SCRIPT = r"""
(function () {
  "use strict";
  var root = document.documentElement;
  window.addEventListener("error", function (e) {
    root.setAttribute("data-netopt-error", String(e.message));
  });
  var tip = document.createElement("div");
  tip.id = "tip";
  document.body.appendChild(tip);
  function fmt(x) {
    var a = Math.abs(x);
    if (a < 1e-9) return "0";
    if (a >= 1000) return Math.round(x).toLocaleString("en-US");
    return String(Number(x.toPrecision(4)));
  }
  document.addEventListener("mousemove", function (e) {
    var t = e.target && e.target.closest ? e.target.closest("[data-tip]") : null;
    if (!t) { tip.style.display = "none"; return; }
    tip.textContent = t.getAttribute("data-tip");
    tip.style.display = "block";
    tip.style.left = (e.pageX + 14) + "px";
    tip.style.top = (e.pageY + 12) + "px";
  });
  var bands = document.querySelectorAll(".chart .band");
  function cursors(i) {
    document.querySelectorAll(".chart svg").forEach(function (svg) {
      var band = svg.querySelector('.band[data-i="' + i + '"]');
      var cur = svg.querySelector(".cursor");
      if (band && cur) {
        cur.setAttribute("x", band.getAttribute("x"));
        cur.setAttribute("width", band.getAttribute("width"));
      }
    });
  }
  var players = [];
  document.querySelectorAll(".player").forEach(function (el) {
    var D = JSON.parse(el.querySelector(".player-data").textContent);
    var slider = el.querySelector("input[type=range]");
    var label = el.querySelector(".step");
    var edges = el.querySelectorAll(".edge");
    var nodes = el.querySelectorAll(".node");
    var widest = 16;
    function show(i) {
      i = Math.max(0, Math.min(D.steps.length - 1, i | 0));
      slider.value = String(i);
      label.textContent = D.steps[i] + " (stage " + D.stages[i] + ")";
      edges.forEach(function (line) {
        var e = D.edges[+line.getAttribute("data-k")];
        var total = 0, rows = [];
        Object.keys(e.rates).sort().forEach(function (c) {
          var v = e.rates[c][i];
          if (v > 0) { total += v; rows.push(c + ": " + fmt(v) + " t/yr"); }
        });
        line.setAttribute("stroke-width", total > 0 ? Math.max(1.2, widest * total / D.max).toFixed(2) : "0.8");
        line.setAttribute("opacity", total > 0 ? "0.85" : "0.12");
        line.setAttribute("data-rate", String(total));
        line.setAttribute("data-tip", e.from + " \u2192 " + e.to + " in " + D.steps[i] + "\n" +
          (rows.length ? "total " + fmt(total) + " t/yr\n" + rows.join("\n") : "nothing flown"));
      });
      nodes.forEach(function (c) {
        var n = D.nodes[+c.getAttribute("data-k")];
        var rows = [];
        Object.keys(n.info).sort().forEach(function (k) {
          var v = n.info[k][i];
          if (v) rows.push(k + ": " + fmt(v));
        });
        c.setAttribute("data-tip", n.name + " in " + D.steps[i] + (rows.length ? "\n" + rows.join("\n") : ""));
        c.setAttribute("stroke", rows.length ? "#111" : "white");
      });
      cursors(i);
    }
    slider.addEventListener("input", function () { show(+slider.value); });
    var timer = null;
    el.querySelector(".play").addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; return; }
      if (+slider.value >= D.steps.length - 1) show(0);
      timer = setInterval(function () {
        if (+slider.value >= D.steps.length - 1) { clearInterval(timer); timer = null; return; }
        show(+slider.value + 1);
      }, 450);
    });
    players.push(show);
  });
  bands.forEach(function (b) {
    b.addEventListener("click", function () {
      var i = +b.getAttribute("data-i");
      if (players.length) players.forEach(function (show) { show(i); }); else cursors(i);
    });
  });
  var m = /step=(\d+)/.exec(location.hash);
  var start = m ? +m[1] : 0;
  if (players.length) players.forEach(function (show) { show(start); }); else cursors(start);
  root.setAttribute("data-netopt-ready", "1");
})();
"""
