"""The cost categories of the objective, in one place (solvers.md, "Objective").

Each built-in category is paid either once, when units are built (discounted with the stage's
capex factor D_t), or every year of a stage (with its annual factor A_t). An `extra` function
(plan.py) may add categories of its own (compile.Compiled.add_cost); they are reported like these.
"""

from __future__ import annotations

from collections.abc import Iterable

# (name, paid once at the stage's start rather than every year, what it is)
CATEGORIES: tuple[tuple[str, bool, str], ...] = (
    ("capex", True, "units built: capex per unit"),
    ("opex", False, "units online: opex per unit and year"),
    ("variable", False, "facility activity: variable cost per t"),
    ("transport", False, "route flows: cost per t carried"),
    ("supply", False, "supplies bought: price per t"),
    ("shortfall", False, "required demand not delivered: penalty per t"),
    ("revenue", False, "market sales: minus the price per t"),
)
NAMES: tuple[str, ...] = tuple(name for name, _, _ in CATEGORIES)
ONCE: frozenset[str] = frozenset(name for name, once, _ in CATEGORIES if once)


def ordered(categories: Iterable[str]) -> list[str]:
    """The built-in categories present in their order, then any others (an extra's) by name."""
    present = set(categories)
    return [c for c in NAMES if c in present] + sorted(present - set(NAMES))
