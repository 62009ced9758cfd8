"""netopt: declarative optimizer for space-resources infrastructure.

    import netopt
    inst = netopt.load("instances/cislunar-ice.yaml")
    sol = netopt.solve(inst, netopt.SolveOptions(time_limit=60))
    sol.builds, sol.flows, sol.costs; sol.write("out/")
"""

from __future__ import annotations


__version__ = "0.1.0"
__all__ = ["load", "solve", "solve_file", "Plan", "SolveOptions", "Solution", "Status",
           "InputError"]

# The functions shadow their modules' names on purpose (`netopt.load(path)`); the modules stay
# importable as `from netopt.load import read_tree`.
from .errors import InputError  # noqa: E402
from .plan import Plan, load, solve, solve_file  # noqa: E402
from .results import Solution  # noqa: E402
from .solve import SolveOptions  # noqa: E402
from .status import Status  # noqa: E402
