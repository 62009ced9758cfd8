"""The report as one self-contained HTML file (SVG figures and CSS inline)."""

from __future__ import annotations

import html
import re
from pathlib import Path as FsPath
from typing import Any

from .. import __version__
from ..files import write_atomic
from ..results import Solution
from ..status import SCHEMA_VERSION
from .document import NUMERIC, Block, Facts, Figure, Grid, Heading, Player, Text, document
from .figures import figures, svg_text
from .interactive import CSS as INTERACTIVE_CSS, SCRIPT, player_html, series_svg
from .series import Series

NAV = {"network": "Network", "costs": "Costs", "provenance": "Provenance", "time": "Over time"}  # shorter link texts than the section titles

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


def _inline(text: str) -> str:
    """Escaped text, `code` in backticks as <code>."""
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(text))


def _block(b: Block, figs: dict[str, Any]) -> str:
    if isinstance(b, Facts):
        return '<table class="facts"' + (f' id="{b.id}"' if b.id else "") + ">" + "".join(
            f"<tr><th>{html.escape(k)}</th><td"
            + (f' class="status-{html.escape(v)}"' if k == "Status" else "")
            + f">{html.escape(v)}</td></tr>" for k, v in b.rows) + "</table>"
    if isinstance(b, Heading):
        return f"<h3>{html.escape(b.text)}</h3>" + (
            f'<p class="muted">{_inline(b.note)}</p>' if b.note else "")
    if isinstance(b, Text):
        return f"<p>{html.escape(b.text)}</p>"
    if isinstance(b, Grid):
        return _html_table(b.header, b.rows, b.id)
    if isinstance(b, Series):
        return (f'<div class="chart" id="{html.escape(b.id)}"><h3>{html.escape(b.title)}</h3>'
                + (f'<p class="muted">{_inline(b.note)}</p>' if b.note else "")
                + series_svg(b) + "</div>")
    if isinstance(b, Player):
        return player_html(b.id, b.frames)
    if isinstance(b, Figure):
        return ((f"<h3>{html.escape(b.heading)}</h3>" if b.heading else "")
                + f'<figure id="fig-{html.escape(b.fid)}">{svg_text(figs[b.fid], b.fid)}'
                f"<figcaption>{html.escape(b.caption)}</figcaption></figure>")
    shown = len(b.rows)
    note = (f" — first {shown} of {b.total} rows" if b.total > shown else
            f" — {b.total} row{'s' if b.total != 1 else ''}")
    return (f'<details{" open" if b.open else ""}>'
            f"<summary>{html.escape(b.title)}{note}</summary>"
            + _html_table(b.header, b.rows, f"table-{b.name}") + "</details>")


def render_html(sol: Solution, title: str | None = None) -> str:
    """The report as one self-contained HTML document (no external resources)."""
    figs = figures(sol.by_stage())  # the figures speak in stages
    doc = document(sol, list(figs), title)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(doc.title)}</title>",
        f'<meta name="generator" content="netopt {__version__}">',
        f"<style>{CSS}{INTERACTIVE_CSS}</style></head><body>",
        f"<h1>{html.escape(doc.title)}</h1>",
        "<nav>" + "".join(f'<a href="#{s.id}">{NAV.get(s.id, s.title)}</a>'
                          for s in doc.sections) + "</nav>",
    ]
    for sec in doc.sections:
        parts.append(f'<section id="{sec.id}"><h2>{html.escape(sec.title)}</h2>'
                     + (f'<p class="muted">{_inline(sec.note)}</p>' if sec.note else ""))
        parts += [_block(b, figs) for b in sec.blocks]
        parts.append("</section>")
    parts.append(f"<script>{SCRIPT}</script>")
    parts.append(f'<p class="muted">Generated by netopt {__version__} from solution.json '
                 f"(schema_version {SCHEMA_VERSION}).</p></body></html>\n")
    for fig in figs.values():
        fig.clear()
    return "\n".join(parts)


def write_html(sol: Solution, path: str | FsPath, title: str | None = None) -> list[FsPath]:
    path = FsPath(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, render_html(sol, title))
    return [path]
