"""The cost categories of the objective, in one place (solvers.md, "Objective").

Each built-in category is paid either once (capex when units are built, discounted with the
stage's capex factor D_t; the end value at the horizon end, with D_end), or every year of a step
(with its annual factor A_s). An `extra` function
(plan.py) may add categories of its own (compile.Compiled.add_cost); they are reported like these.
"""

from __future__ import annotations

from collections.abc import Iterable

# (name, paid once at the stage's start rather than every year, what it is)
CATEGORIES: tuple[tuple[str, bool, str], ...] = (
    ("capex", True, "units built: capex per unit"),
    ("annuity", False, "units with a lifetime, end_value: annuity: yearly payments instead of capex"),
    ("opex", False, "units online: opex per unit and year"),
    ("variable", False, "facility activity: variable cost per t"),
    ("transport", False, "route flows: cost per t carried"),
    ("supply", False, "supplies bought: price per t"),
    ("shortfall", False, "required demand not delivered: penalty per t"),
    ("revenue", False, "market sales: minus the price per t"),
    ("end_value", True, "units alive at the horizon end, end_value: linear: minus their value"),
)
NAMES: tuple[str, ...] = tuple(name for name, _, _ in CATEGORIES)
ONCE: frozenset[str] = frozenset(name for name, once, _ in CATEGORIES if once)


def ordered(categories: Iterable[str]) -> list[str]:
    """The built-in categories present in their order, then any others (an extra's) by name."""
    present = set(categories)
    return [c for c in NAMES if c in present] + sorted(present - set(NAMES))
