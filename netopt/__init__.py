"""netopt: declarative optimizer for space-resources infrastructure.

    import netopt
    inst = netopt.load("instances/cislunar-ice.yaml")
    sol = netopt.solve(inst, netopt.SolveOptions(time_limit=60))
    sol.builds, sol.flows, sol.costs; sol.write("out/")
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["load", "solve", "solve_file", "SolveOptions", "Solution", "Status", "InputError"]

_LAZY = {  # heavy imports (Pyomo) only when used
    "load": ("load", "load"),
    "solve": ("solve", "solve"),
    "solve_file": ("solve", "solve_file"),
    "SolveOptions": ("solve", "SolveOptions"),
    "Solution": ("results", "Solution"),
    "Status": ("status", "Status"),
    "InputError": ("errors", "InputError"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'netopt' has no attribute '{name}'")
