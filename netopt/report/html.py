"""The report as one self-contained HTML file (SVG figures and CSS inline)."""

from __future__ import annotations

import html
from pathlib import Path as FsPath

from .. import __version__
from ..files import write_atomic
from ..results import Solution
from ..status import SCHEMA_VERSION
from ..tables import NETWORK_TABLES, TABLES
from .document import (
    NETWORK_HOW_TO_READ,
    NUMERIC,
    TABLE_TITLES,
    build_out,
    caption,
    cost_table,
    leaf_table,
    summary_facts,
    table_rows,
)
from .figures import figures, svg_text

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




def _html_table(header: list[str], rows: list[list[str]], tid: str | None = None,
                cls: str | None = None) -> str:
    attrs = (f' id="{tid}"' if tid else "") + (f' class="{cls}"' if cls else "")
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{html.escape(c)}</td>' if NUMERIC.match(c)
                         else f"<td>{html.escape(c)}</td>" for c in r) + "</tr>\n"
        for r in rows)
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"


def render_html(sol: Solution, title: str | None = None) -> str:
    """The report as one self-contained HTML document (no external resources)."""
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
        h, r = cost_table(sol)
        parts.append(f"<h3>Cost split ({html.escape(money)}, discounted)</h3>")
        parts.append(_html_table(h, r, "summary-costs"))
    if sol.stochastic:
        h, r = leaf_table(sol)
        parts.append("<h3>Leaves of the scenario tree</h3>")
        parts.append(_html_table(h, r, "summary-leaves"))
    parts.append("</section>")

    def figure(fid: str) -> str:
        return (f'<figure id="fig-{html.escape(fid)}">{svg_text(figs[fid], fid)}'
                f"<figcaption>{html.escape(caption(fid, sol))}</figcaption></figure>")

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
    for name in TABLES + NETWORK_TABLES:
        cols, rows, total = table_rows(sol, name)
        note = (f" — first {len(rows)} of {total} rows" if total > len(rows) else
                f" — {total} row{'s' if total != 1 else ''}")
        parts.append(f'<details{" open" if name in TABLES and total <= 60 else ""}>'
                     f"<summary>{html.escape(TABLE_TITLES.get(name, name))}{note}</summary>"
                     + _html_table(cols, rows, f"table-{name}") + "</details>")
    parts.append("</section>")
    parts.append(f'<p class="muted">Generated by netopt {__version__} from solution.json '
                 "(schema_version " + str(SCHEMA_VERSION) + ").</p></body></html>\n")
    for fig in figs.values():
        fig.clear()
    return "\n".join(parts)


def write_html(sol: Solution, path: str | FsPath, title: str | None = None) -> list[FsPath]:
    path = FsPath(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, render_html(sol, title))
    return [path]
