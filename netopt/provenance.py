"""Where a result came from: the `provenance` block of solution.json.

netopt's version (and `git describe` of its source tree when it is a checkout), every input file
read with its sha256 (the instance, its includes, scenario files and their bases), the scenarios
and `--set` overrides applied, the solver options and seed, solver and HiGHS versions, when the
run started and finished, and the host's CPU count: enough to tell two solution files apart and to
run the same solve again.

Input files are recorded where they are read (`parse.read_text`) while a `recording_inputs()`
block is open, so the list is exactly what the loader read, includes and scenario bases included.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path as FsPath
from typing import Any

# the files read in the open recording_inputs() block: {path: sha256}; None outside one.
# A ContextVar, not a global: concurrent loads (threads, sweeps) each see their own.
_READS: ContextVar[dict[str, str] | None] = ContextVar("netopt_inputs_read", default=None)
_SOURCE = FsPath(__file__).resolve().parents[1]  # the source tree, when netopt runs from one


@contextmanager
def recording_inputs() -> Iterator[dict[str, str]]:
    """Within the block, every input file read is added to the yielded {path: sha256} (and to
    that of an enclosing block)."""
    files: dict[str, str] = {}
    outer = _READS.get()
    token = _READS.set(files)
    try:
        yield files
    finally:
        _READS.reset(token)
        if outer is not None:
            outer.update(files)


def note_read(path: FsPath, raw: bytes) -> None:
    """Called by the one function that reads input files."""
    files = _READS.get()
    if files is not None:
        files[str(path)] = hashlib.sha256(raw).hexdigest()


def now() -> str:
    """UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def netopt_version() -> str:
    try:
        return metadata.version("netopt")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


def git_describe() -> str | None:
    """`git describe --tags --always --dirty` of netopt's source tree; None when netopt is not
    run from a git checkout or git is missing."""
    if not (_SOURCE / ".git").exists():
        return None
    try:
        res = subprocess.run(["git", "-C", str(_SOURCE), "describe", "--tags", "--always",
                              "--dirty"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if res.returncode != 0:
        return None
    return res.stdout.strip() or None


def highs_version() -> str | None:
    try:
        return metadata.version("highspy")
    except metadata.PackageNotFoundError:
        return None


def options_record(opts: Any) -> dict[str, Any]:
    """The solve options that change the answer or its proof (not display ones)."""
    return {"time_limit": opts.time_limit, "gap": opts.gap, "threads": opts.threads,
            "seed": opts.seed, "elastic": opts.elastic,
            "cuts": None if opts.cuts is None else list(opts.cuts), "online": opts.online,
            "solver_options": dict(opts.solver_options)}


def collect(opts: Any, solver: dict[str, str], started: str, finished: str, *,
            inputs: dict[str, str] | None = None, scenarios: list[str] | tuple = (),
            sets: list[str] | tuple = ()) -> dict[str, Any]:
    """The provenance block (solution_schema.Provenance)."""
    return {
        "netopt": netopt_version(),
        "git": git_describe(),
        "inputs": [{"path": p, "sha256": h} for p, h in (inputs or {}).items()],
        "scenarios": [str(s) for s in scenarios],
        "sets": [str(s) for s in sets],
        "options": options_record(opts),
        "solver": solver.get("name", ""),
        "solver_version": solver.get("version", ""),
        "highs_version": highs_version(),
        "python": platform.python_version(),
        "started": started,
        "finished": finished,
        "host_cpus": os.cpu_count(),
    }
