"""The report as Markdown, with one PNG per figure in NAME_files/ beside it."""

from __future__ import annotations

from pathlib import Path as FsPath

from ..errors import printable
from ..files import write_atomic
from ..results import Solution
from .document import NUMERIC, Block, Facts, Figure, Grid, Heading, Player, Text, document
from .figures import figures, png_bytes
from .interactive import value_text
from .series import Series


# Markdown's and HTML's active characters, written as text (CommonMark: a backslash before any
# ASCII punctuation makes it literal): a value from solution.json cannot open a heading, a link,
# an image, an HTML tag or a table cell of its own
_MD_ACTIVE = {ord(c): "\\" + c for c in "\\`*[]<>#|&!"}  # not _ in moon_ice: only emphasis


def md_text(text: str) -> str:
    """`text` (a value from the solution, not netopt's own words) as literal Markdown on one
    line."""
    return printable(" ".join(text.splitlines())).translate(_MD_ACTIVE)


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def cell(c: str) -> str:
        return c.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "|" + "|".join("---:" if rows and all(NUMERIC.match(r[i]) or not r[i] for r in rows)
                            else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(md_text(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _block(b: Block, pngs: dict[str, str]) -> list[str]:
    """The chunks of one block (chunks are separated by a blank line)."""
    if isinstance(b, Facts):
        return ["\n".join(f"- **{k}**: {md_text(v)}" for k, v in b.rows)]
    if isinstance(b, Heading):
        return [f"### {b.text}"] + ([b.note] if b.note else [])
    if isinstance(b, Text):
        return [b.text]
    if isinstance(b, Grid):
        return [_md_table(b.header, b.rows)]
    if isinstance(b, Series):  # the chart's numbers, a row per step
        when = "end of step" if b.cumulative else "step"
        rows = [[b.steps.label(i), b.steps.stages[i],
                 *(value_text(line[i]) for _, line in b.lines)]
                for i in range(len(b.steps.years))]
        return ([f"### {b.title}"] + ([b.note] if b.note else [])
                + [_md_table([when, "stage", *(name for name, _ in b.lines)], rows)])
    if isinstance(b, Player):
        return ["The network step by step (a time slider) is in the HTML report "
                "(`netopt report` without `--format md`)."]
    if isinstance(b, Figure):
        return (([f"### {b.heading}"] if b.heading else [])
                + [f"![{b.fid}]({pngs[b.fid]})", f"*{b.caption}*"])
    out = [f"### {b.title}"]
    if b.total > len(b.rows):
        out.append(f"First {len(b.rows)} of {b.total} rows (the CSV export has them all).")
    if not b.rows:
        out.append("No rows (the CSV has the header only).")
    return out + [_md_table(b.header, b.rows)]


def write_markdown(sol: Solution, path: str | FsPath, title: str | None = None) -> list[FsPath]:
    """report.md plus one PNG per figure in report_files/ beside it."""
    path = FsPath(path)
    fig_dir = path.with_name(f"{path.stem}_files")
    fig_dir.mkdir(parents=True, exist_ok=True)
    figs = figures(sol.by_stage())  # the figures speak in stages
    doc = document(sol, list(figs), title)
    written: list[FsPath] = []
    pngs: dict[str, str] = {}
    for fid, fig in figs.items():
        p = fig_dir / f"{fid}.png"
        write_atomic(p, png_bytes(fig))
        fig.clear()
        written.append(p)
        pngs[fid] = f"{fig_dir.name}/{p.name}"
    chunks = [f"# {doc.title}"]
    for sec in doc.sections:
        if not sec.blocks and not sec.note:
            continue  # a figure not drawn: no empty section
        chunks.append(f"## {sec.title}")
        if sec.note:
            chunks.append(sec.note)
        for b in sec.blocks:
            chunks += _block(b, pngs)
    write_atomic(path, "\n\n".join(chunks) + "\n\n")
    return [path, *written]
