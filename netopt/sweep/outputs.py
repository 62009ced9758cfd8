"""A finished sweep's files beside its table: NAME.json, NAME-summary.md, NAME-objective.png."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path as FsPath
from typing import Any

from ..files import write_atomic
from .analysis import number, summarize
from .table import SweepResult, sidecar_paths

# ---------------------------------------------------------------------------------------------
# Reports


def plot_objective(rows: list[dict[str, str]], params: list[str], path: FsPath,
                   title: str = "") -> FsPath | None:
    """Objective versus each swept parameter (one panel each) as a PNG or SVG (by suffix).
    None if matplotlib is not installed."""
    try:
        import matplotlib  # matplotlib: imported only when drawing

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    solved = [r for r in rows if r["status"] in ("optimal", "feasible")
              and number(r["objective"]) is not None]
    k = max(1, len(params))
    cols = min(k, 3)
    rows_n = math.ceil(k / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(4.2 * cols, 3.4 * rows_n), squeeze=False,
                             sharey=True)
    flat = [ax for row in axes for ax in row]
    for ax in flat[len(params):]:
        ax.set_visible(False)
    for ax, p in zip(flat, params):
        xs = [number(r[p]) for r in solved]
        ys = [number(r["objective"]) for r in solved]
        if all(x is not None for x in xs):
            if len(params) == 1:
                # solved rows: every objective is a number
                pts = sorted((x, y) for x, y in zip(xs, ys) if x is not None and y is not None)
                ax.plot([a for a, _ in pts], [b for _, b in pts], "-", color="C0", alpha=0.5)
            ax.scatter(xs, ys, s=18, color="C0")
        else:
            cats = sorted({r[p] for r in solved})
            pos = {c: i for i, c in enumerate(cats)}
            ax.scatter([pos[r[p]] for r in solved], ys, s=18, color="C0")
            ax.set_xticks(range(len(cats)), [c[:18] for c in cats], rotation=30, ha="right")
        ax.set_xlabel(p)
        ax.grid(alpha=0.3)
    for row in axes:
        row[0].set_ylabel("objective")
    missing = len(rows) - len(solved)
    fig.suptitle((title + " " if title else "") + (f"({missing} runs without a solution not shown)"
                                                   if missing else ""), fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()  # written whole or not at all, as every other output
    fig.savefig(buf, format=path.suffix.lstrip(".").lower() or "png", dpi=110)
    plt.close(fig)
    write_atomic(path, buf.getvalue())
    return path


def write_reports(result: SweepResult, table: FsPath, plot: bool, meta: dict,
                   options: Any, kept: set[int], partial: bool = False) -> None:
    """NAME.json, and unless `partial` (an interrupted sweep) NAME-summary.md and the plot."""
    side = sidecar_paths(table)
    summary = summarize(result.rows, result.spec.paths, result.elements)
    plot_path = None
    if plot and not partial:
        title = FsPath(str(meta.get("base", ""))).stem
        plot_path = plot_objective(result.rows, result.spec.paths, side["plot"], title)
        if plot_path is None:
            result.notes.append("matplotlib is not installed: no plot (pip install matplotlib)")
        else:
            result.files["plot"] = plot_path
    md = [f"# Sweep: {table.name}", "", *(f"- {k}: {v}" for k, v in meta.items()),
          f"- runs: {len(result.spec)} ({result.executor}, {result.wall:.1f} s for "
          f"{result.ran} runs)", "", "```", *summary.lines(), "```", ""]
    if plot_path is not None:
        md += [f"![objective versus each parameter]({plot_path.name})", ""]
    md += [f"Table: [{table.name}]({table.name})", ""] + [f"Note: {n}" for n in result.notes]
    if not partial:
        write_atomic(side["summary"], "\n".join(md) + "\n")
        result.files["summary"] = side["summary"]
    prev: dict = {}
    if side["json"].exists():
        try:
            prev = json.loads(side["json"].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            prev = {}
    per_run = {}
    for key, now in (("seconds", result.seconds), ("solve_seconds", result.solve_seconds),
                     ("started", result.started)):
        merged = {str(k): v for k, v in (prev.get(key) or {}).items() if int(k) in kept}
        merged.update({str(k): round(v, 6) if isinstance(v, float) else v
                       for k, v in now.items()})
        per_run[key] = dict(sorted(merged.items(), key=lambda kv: int(kv[0])))
    opts = {k: v for k, v in asdict(options).items() if k not in ("progress",)}
    doc = {"table": table.name, **meta, "sweep": result.spec.describe(), "runs": len(result.spec),
           "complete": not partial,
           "elements": result.elements, "solve_options": _jsonable(opts),
           "executor": result.executor, "wall_seconds": round(result.wall, 3),
           "notes": result.notes, **per_run,
           "summary": {"statuses": summary.statuses, "objective": summary.objective,
                       "robust": [e.name for e in summary.robust],
                       "varying": {e.name: [asdict(d) for d in e.depends]
                                   for e in summary.varying},
                       "never": [e.name for e in summary.never]}}
    write_atomic(side["json"], json.dumps(doc, indent=1, default=str) + "\n")
    result.files["json"] = side["json"]


def _jsonable(x: Any) -> Any:
    return json.loads(json.dumps(x, default=str))


def iter_summary(result: SweepResult) -> Iterable[str]:
    return summarize(result.rows, result.spec.paths, result.elements).lines()
