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

from .document import build_out, summary_facts
from .figures import figures, network_figure
from .html import render_html, write_html
from .layout import Layout, layout
from .markdown import write_markdown

__all__ = ["build_out", "summary_facts", "figures", "network_figure", "render_html",
           "write_html", "Layout", "layout", "write_markdown"]
