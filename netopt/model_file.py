"""The MIP as a file for any other solver: `netopt solve --write-model FILE.mps|FILE.lp`,
`Plan.build().write(FILE)`.

The file is written from the Pyomo model (the model of record) by Pyomo's own LP and MPS writers,
with the names of solvers.md (`build(plant_s1)`, `flow(launch_lox_2031)`), so a row in another
solver's log can be traced back to its family. It is written atomically, like every output.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import UsageError
from .files import write_atomic

FORMATS = {".lp": "lp", ".mps": "mps"}


def model_format(path: str | os.PathLike[str]) -> str:
    """The writer for `path` by its suffix; a UsageError names what is accepted."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise UsageError(f"--write-model {os.fspath(path)}: the file must end in .mps or .lp "
                         "(the format is taken from the suffix)")
    return fmt


def check_model_path(path: str | os.PathLike[str]) -> None:
    """Refuse, before any solve, a model file that could not be written (UsageError)."""
    model_format(path)
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise UsageError(f"--write-model {p}: is a directory")
    if not parent.is_dir():
        raise UsageError(f"--write-model {p}: no such directory {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--write-model {p}: cannot write into {parent} (permission denied)")


def write_model(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write the Pyomo `model` to `path` (.mps or .lp) atomically; the path written."""
    import pyomo.environ  # noqa: F401  registers Pyomo's writers (compile imports pyomo.core)

    fmt = model_format(path)
    target = Path(path)
    with tempfile.TemporaryDirectory(prefix="netopt-model-") as tmp:
        scratch = Path(tmp) / f"model.{fmt}"
        # symbolic labels: the names of solvers.md instead of x1, c_e_x2_ (Pyomo's default)
        model.write(str(scratch), io_options={"symbolic_solver_labels": True})  # format: suffix
        write_atomic(target, scratch.read_bytes())
    return target
