"""Parameter sweeps: a grid and/or Monte-Carlo samples of overrides, one solve per run.

The stages, one module each: distributions (what a parameter may draw from), spec (what a sweep
varies, sweep files), run (one run, solved through plan.Plan), executors (in this process, a
process pool or Dask), table (the CSV table and its cells), analysis (robust decisions, what
depends on which parameter), outputs (the files beside the table), driver (`run_sweep`, tying
them together). The names below are the sweep's public interface.
"""

from __future__ import annotations

from .analysis import Summary, rank_correlation, summarize
from .distributions import (
                            DIST_NAMES,
                            Choice,
                            LogNormal,
                            LogUniform,
                            Normal,
                            Triangular,
                            Uniform,
                            draw_u,
)
from .driver import preflight, run_sweep
from .outputs import iter_summary, plot_objective
from .run import RunResult, base_start, run_one
from .spec import (
                            Param,
                            SweepError,
                            SweepFile,
                            SweepSpec,
                            check_paths,
                            is_sweep_file,
                            parse_param,
                            read_sweep_file,
                            split_values,
                            sweep_from_dict,
)
from .table import SweepResult, read_table, sidecar_paths

__all__ = ["Summary", "rank_correlation", "summarize", "DIST_NAMES", "Choice", "LogNormal",
           "LogUniform", "Normal", "Triangular", "Uniform", "draw_u", "preflight", "run_sweep",
           "iter_summary", "plot_objective", "RunResult", "base_start", "run_one", "Param",
           "SweepError", "SweepFile", "SweepSpec", "check_paths", "is_sweep_file", "parse_param",
           "read_sweep_file", "split_values", "sweep_from_dict", "SweepResult", "read_table",
           "sidecar_paths"]
