"""Prepared instance -> Pyomo ConcreteModel: one `define_*` function per constraint family.

The math is in solvers.md; names here follow it. The families live by concern:

- `model.py`: the built model (Compiled), its variables (Vars), linear terms (Terms) and the
  objective's money terms (CostTerms);
- `build.py`: compile_model, the variables, the order the families are written in, apply_extra;
- `units.py`: online[e,s] as a variable, unit limits;
- `flows.py`: facility, route and depot capacity, the balance with its arrivals and hardware;
- `stocks.py`: stock in the balance, storage capacity;
- `vehicles.py`: vehicle payload, tank, circulation, fleet and their balance terms;
- `costs.py`: cost terms, end-of-horizon value, the objective, budgets;
- `cuts.py`: the valid inequalities (aggregate_capacity, linking, market_capacity).

Everything other modules use is importable from `netopt.compile` itself.
"""

from __future__ import annotations

from .build import (CUTS, DEFAULT_CUTS, DEFAULT_ONLINE, ONLINE_FORMS, apply_extra, compile_model,
                    define_variables)
from .costs import (cost_objective_terms, cost_terms, define_budgets, define_end_value,
                    define_objective, launch_mass_terms, objective_expr, objective_terms,
                    update_objective)
from .cuts import (_hauled, _market_rows, _moves_between_steps, _rounded,
                   define_aggregate_capacity, define_linking, define_market_capacity)
from .flows import (define_arrivals, define_balance, define_depot_capacity,
                    define_facility_capacity, define_hardware, define_route_capacity)
from .model import (EPS_NEED, EPS_SHARE, Compiled, CostTerms, Extra, Terms, Vars, _online,
                    _payload)
from .stocks import define_stock, define_storage_capacity
from .units import define_online_definition, define_unit_limits
from .vehicles import (add_vehicle_balance_terms, define_trip_count, define_vehicle_circulation,
                       define_vehicle_fleet, define_vehicle_payload, define_vehicle_tank)

__all__ = [
    "CUTS", "DEFAULT_CUTS", "DEFAULT_ONLINE", "EPS_NEED", "EPS_SHARE", "ONLINE_FORMS", "Compiled",
    "CostTerms", "Extra", "Terms", "Vars", "_hauled", "_market_rows", "_moves_between_steps",
    "_online", "_payload", "_rounded", "add_vehicle_balance_terms", "apply_extra", "compile_model",
    "cost_objective_terms", "cost_terms", "define_aggregate_capacity", "define_arrivals",
    "define_balance", "define_budgets", "define_depot_capacity", "define_end_value",
    "define_facility_capacity", "define_hardware", "define_linking", "define_market_capacity",
    "define_objective", "define_online_definition", "define_route_capacity", "define_stock",
    "define_storage_capacity", "define_trip_count", "define_unit_limits", "define_variables",
    "define_vehicle_circulation", "define_vehicle_fleet", "define_vehicle_payload",
    "define_vehicle_tank", "launch_mass_terms", "objective_expr", "objective_terms",
    "update_objective",
]
