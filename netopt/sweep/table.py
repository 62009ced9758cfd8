"""The sweep's table: columns, cells, the CSV lines, reading a table back; and a sweep's result."""

from __future__ import annotations

import csv
import io
import re
import json
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from .spec import SweepSpec

# statuses a row can have beyond solve statuses
INVALID = "invalid"  # the run's values fail validation
ERROR = "error"  # the solver raised, or the worker died: redone on resume
FIXED_COLUMNS = ("status", "objective", "bound", "gap", "shortfall_t")
BUILT = "built:"


def cell(value: Any) -> str:
    """A value as written in the table (and compared on resume)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def builds_cell(builds: list[dict], name: str, stage_order: list[str]) -> str:
    """'s2030:1 s2040:2': units of `name` built per stage, in stage order ('' if never)."""
    units = {b["stage"]: b["units"] for b in builds if b["name"] == name}
    order = stage_order + [t for t in units if t not in stage_order]  # a run may rename stages
    return " ".join(f"{t}:{units[t]}" for t in order if t in units)



# ---------------------------------------------------------------------------------------------
# The table


def columns(spec: SweepSpec, elements: list[str]) -> list[str]:
    return ["run", *spec.paths, *FIXED_COLUMNS, *(BUILT + e for e in elements), "message"]


def csv_line(row: dict[str, str], cols: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([row.get(c, "") for c in cols])
    return buf.getvalue()


_RUN = re.compile(r"[0-9]{1,9}")


def read_table(path: FsPath) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of a sweep table; rows cut short by an interruption are dropped."""
    with open(path, newline="", encoding="utf-8") as f:
        text = f.read()
    complete = text if text.endswith("\n") else text[:text.rfind("\n") + 1]
    reader = csv.reader(io.StringIO(complete))
    header = next(reader, [])
    rows = []
    for values in reader:
        if len(values) != len(header):
            continue
        row = dict(zip(header, values))
        if _RUN.fullmatch(row.get("run", "")):  # ASCII digits: '¹'.isdigit() is true
            rows.append(row)
    return header, rows


def sidecar_paths(table: FsPath) -> dict[str, FsPath]:
    stem = table.with_suffix("") if table.suffix else table
    return {"json": stem.with_name(stem.name + ".json"),
            "summary": stem.with_name(stem.name + "-summary.md"),
            "plot": stem.with_name(stem.name + "-objective.png")}


# ---------------------------------------------------------------------------------------------
# Running a sweep


@dataclass
class SweepResult:
    spec: SweepSpec
    elements: list[str]
    rows: list[dict[str, str]]  # every run in the table, by run id
    ran: int = 0  # runs solved by this call (not resumed)
    seconds: dict[int, float] = field(default_factory=dict)  # per run solved by this call
    solve_seconds: dict[int, float] = field(default_factory=dict)  # the solver alone, per run
    started: dict[int, bool] = field(default_factory=dict)  # per run: HiGHS took the start
    wall: float = 0.0
    executor: str = ""
    interrupted: bool = False
    files: dict[str, FsPath] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.rows) == len(self.spec) and not self.interrupted
