"""The documentation names what the code has, and the reverse."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _components(kind: str) -> set[str]:
    """Names of the Pyomo components of class `kind` that netopt/compile/ puts on the model
    (`m.NAME = pyo.KIND(...)`)."""
    out = set()
    for node in (n for path in sorted((ROOT / "netopt" / "compile").glob("*.py"))
                 for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Attribute)
                and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr == kind):
            out.add(node.targets[0].attr)
    return out


def test_every_constraint_family_is_in_solvers_md_and_the_reverse():
    text = (ROOT / "solvers.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\*\*([a-z_]+)\*\*", text))
    families = _components("Constraint")
    assert families == {"unit_limit", "facility_capacity", "route_capacity", "depot_capacity",
                        "storage_capacity", "balance", "budget", "aggregate_capacity", "linking",
                        "vehicle_payload", "vehicle_tank", "vehicle_circulation", "vehicle_fleet",
                        "market_capacity", "online_definition", "trip_count_definition"}
    # the extensive form of an uncertainty tree adds one family across the leaves' blocks and its
    # own objective (netopt/stochastic/extensive.py, built on top of compile)
    assert documented == families | {"nonanticipativity", "expected_cost"}
    # each family is written by one define_* function whose docstring or name says which
    source = "".join(path.read_text(encoding="utf-8")
                     for path in sorted((ROOT / "netopt" / "compile").glob("*.py")))
    for f in families:
        assert f"m.{f} = pyo.Constraint" in source
    extensive = (ROOT / "netopt" / "stochastic" / "extensive.py").read_text(encoding="utf-8")
    assert "def define_nonanticipativity(" in extensive
    assert "m.nonanticipativity = pyo.Constraint" in extensive


def test_every_variable_is_in_the_variables_table_and_the_reverse():
    text = (ROOT / "solvers.md").read_text(encoding="utf-8")
    section = text[text.index("## Variables and their indices"):]
    section = section[:section.index("\n## ", 1)]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))
    assert documented == _components("Var") == {"build", "act", "flow", "supply", "short",
                                                 "sale", "unmet", "stock", "trips",
                                                 "trip_count", "parked", "dispose",
                                                 "hardware_stock", "online"}
    from netopt.compile import Vars

    assert set(Vars.__dataclass_fields__) == documented
