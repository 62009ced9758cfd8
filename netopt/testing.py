"""Helpers for tests: small instances from keyword overrides, solved to proven optimality."""

from __future__ import annotations

from typing import Any

from .load import validate
from .results import Solution
from .solve import SolveOptions, solve


def instance(**sections: Any) -> Any:
    """A validated Instance: one 1-year stage `s1`, no discounting, commodity `x`, nodes a and b,
    unless `sections` override them."""
    data: dict[str, Any] = {
        "name": "t",
        "horizon": {"start_year": 2030, "discount_rate": 0.0, "stages": [{"name": "s1", "years": 1}]},
        "commodities": [{"name": "x"}],
        "nodes": [{"name": "a"}, {"name": "b"}],
    }
    data.update(sections)
    return validate(data)[0]


def solve_exact(inst: Any, **options: Any) -> Solution:
    """Solve with a zero MIP gap, so the optimum is proven, not approximate."""
    return solve(inst, SolveOptions(gap=0.0, **options))
