"""The report as Markdown, with one PNG per figure in NAME_files/ beside it."""

from __future__ import annotations

from pathlib import Path as FsPath

from ..files import write_atomic
from ..results import Solution
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
from .figures import figures, png_bytes


# --- Markdown ----------------------------------------------------------------------------------
def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def cell(c: str) -> str:
        return c.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "|" + "|".join("---:" if rows and all(NUMERIC.match(r[i]) or not r[i] for r in rows)
                            else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def write_markdown(sol: Solution, path: str | FsPath, title: str | None = None) -> list[FsPath]:
    """report.md plus one PNG per figure in report_files/ beside it."""
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
        h, r = cost_table(sol)
        md += ["", f"### Cost split ({money}, discounted)", "", _md_table(h, r)]
    if sol.stochastic:
        h, r = leaf_table(sol)
        md += ["", "### Leaves of the scenario tree", "", _md_table(h, r)]
    md += ["", "## Network by stage", "", NETWORK_HOW_TO_READ, ""]
    for fid in figs:
        if fid.startswith("network-"):
            md += [f"### {fid[len('network-'):]}", "", f"![{fid}]({pngs[fid]})", "",
                   f"*{caption(fid, sol)}*", ""]
    for fid, head in (("timeline", "Build timeline"), ("costs", "Cost breakdown"),
                      ("sources", "Mass sources")):
        if fid in figs:
            md += [f"## {head}", "", f"![{fid}]({pngs[fid]})", "", f"*{caption(fid, sol)}*", ""]
    md += ["## Tables", ""]
    for name in TABLES + NETWORK_TABLES:
        cols, rows, total = table_rows(sol, name)
        md += [f"### {TABLE_TITLES.get(name, name)}", ""]
        if total > len(rows):
            md += [f"First {len(rows)} of {total} rows (the CSV export has them all).", ""]
        md += [_md_table(cols, rows) if rows else "(no rows)", ""]
    write_atomic(path, "\n".join(md) + "\n")
    return [path, *written]
