"""Helpers for tests: small instances from keyword overrides, solved to proven optimality."""

from __future__ import annotations

from typing import Any

from .plan import solve, validate
from .results import Solution
from .solve import SolveOptions


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


def facility_location(n: int = 25, m: int = 40) -> Any:
    """A deterministic single-stage capacitated facility location instance, n sites x m customers,
    that HiGHS does not close at the root node (for limit and status tests)."""
    return instance(
        nodes=[{"name": f"w{i}"} for i in range(n)] + [{"name": f"c{j}"} for j in range(m)],
        facilities=[{"name": f"w{i}", "node": f"w{i}", "capacity": 40 + (i * 37) % 60,
                     "capex": 300 + (i * 71) % 250, "produces": {"x": 1.0}} for i in range(n)],
        routes=[{"name": f"r{i}_{j}", "from": f"w{i}", "to": f"c{j}",
                 "cost_per_t": 1 + ((i * 13 + j * 29) % 47) / 5} for i in range(n) for j in range(m)],
        demands=[{"node": f"c{j}", "commodity": "x", "amount": 5 + (j * 17) % 20} for j in range(m)])
