"""Prepared instance -> Pyomo ConcreteModel: the variables, then one `define_*` function per
constraint family (units.py, flows.py, stocks.py, vehicles.py, costs.py, cuts.py), in order.

Every family is indexed only by the combinations that exist (see `params.Prepared`), so build time
grows linearly with the instance. The math is in solvers.md; names here follow it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any

import pyomo.core as pyo

from ..gcpause import paused_gc
from ..params import Prepared
from .costs import define_budgets, define_objective, update_objective
from .cuts import define_aggregate_capacity, define_linking, define_market_capacity
from .flows import (define_balance, define_depot_capacity, define_facility_capacity,
                    define_route_capacity)
from .model import Compiled, CostTerms, Extra, Vars
from .stocks import define_storage_capacity
from .units import define_online_definition, define_unit_limits
from .vehicles import (define_trip_count, define_vehicle_circulation, define_vehicle_fleet,
                       define_vehicle_payload, define_vehicle_tank)


# Valid inequalities (solvers.md, "Valid inequalities"); all on unless benchmarks say otherwise
CUTS = ("aggregate_capacity", "linking", "market_capacity")


DEFAULT_CUTS: tuple[str, ...] = ("aggregate_capacity", "linking")


# How online[e,s] enters the rows that use it (solvers.md, "Units"): the sum over build stages in
# every row, or a variable defined once per element and step by a recursion over steps. The
# default depends on the grain: each was the faster on the shipped instances at theirs
# (BENCHMARKS.md, "Cover-set growth")
ONLINE_FORMS = ("expression", "variable")


DEFAULT_ONLINE = {"year": "variable", "stage": "expression"}  # by horizon.resolution


def apply_extra(c: Compiled, extra: Extra | None) -> Compiled:
    """Call `extra` on a built model and rebuild the objective with any cost terms it added."""
    if extra is not None:
        extra(c, c.prepared)
        update_objective(c)
    return c


def compile_model(p: Prepared, elastic: bool = False,
                  cuts: Iterable[str] | None = None, online: str | None = None) -> Compiled:
    """The model of solvers.md. `elastic` adds unmet[n,k,t] to every required demand's balance
    (see diagnose.py), so that no demand can make the model infeasible. `cuts` names the valid
    inequalities to add (CUTS; None: DEFAULT_CUTS): they change no optimum, only how fast it is
    proven. `online` is the form of online[e,s] (ONLINE_FORMS; None: DEFAULT_ONLINE for the
    instance's resolution): it changes no optimum either."""
    cuts = DEFAULT_CUTS if cuts is None else tuple(cuts)
    unknown = set(cuts) - set(CUTS)
    if unknown:
        raise ValueError(f"unknown cut(s) {', '.join(sorted(unknown))}; known: {', '.join(CUTS)}")
    online = DEFAULT_ONLINE[p.inst.horizon.resolution] if online is None else online
    if online not in ONLINE_FORMS:
        raise ValueError(f"unknown online form '{online}'; known: {', '.join(ONLINE_FORMS)}")
    with paused_gc():
        return _build(p, elastic, frozenset(cuts), online)


def _build(p: Prepared, elastic: bool, cuts: frozenset[str], online: str) -> Compiled:
    m = pyo.ConcreteModel(name=p.inst.name)
    define_variables(m, p)
    if elastic:
        keys = sorted(p.demand)
        m.unmet = pyo.Var(keys, domain=pyo.NonNegativeReals,
                          bounds=lambda m, n, k, t: (0, p.demand[(n, k, t)]))
    v = Vars(**{f.name: dict(getattr(m, f.name).items()) if hasattr(m, f.name) else {}
                for f in fields(Vars)})
    c = Compiled(m, p, v, CostTerms(), elastic=elastic)
    if online == "variable":
        define_online_definition(c, p)
    define_unit_limits(c, p)
    define_facility_capacity(c, p)
    define_route_capacity(c, p)
    define_depot_capacity(c, p)
    define_vehicle_payload(c, p)
    define_vehicle_tank(c, p)
    define_trip_count(c, p)
    define_vehicle_circulation(c, p)
    define_vehicle_fleet(c, p)
    define_storage_capacity(c, p)
    define_balance(c, p)
    define_budgets(c, p)
    if "aggregate_capacity" in cuts:
        define_aggregate_capacity(c, p)
    if "linking" in cuts:
        define_linking(c, p)
    if "market_capacity" in cuts:
        define_market_capacity(c, p)
    define_objective(c, p)
    return c


def define_variables(m: pyo.ConcreteModel, p: Prepared) -> None:
    def build_domain(m: pyo.ConcreteModel, e: str, t: str) -> Any:
        return pyo.Binary if p.buildable[e].max_units == 1 else pyo.NonNegativeIntegers

    m.build = pyo.Var(p.build_keys, domain=build_domain,
                      bounds=lambda m, e, t: (0, p.buildable[e].max_units))
    m.act = pyo.Var(p.act_keys, domain=pyo.NonNegativeReals)
    m.flow = pyo.Var(p.flow_keys, domain=pyo.NonNegativeReals)
    m.supply = pyo.Var(p.supply_keys, domain=pyo.NonNegativeReals,
                       bounds=lambda m, i, t: (0, p.supply_ub[(i, t)]))
    m.short = pyo.Var(p.short_keys, domain=pyo.NonNegativeReals,
                      bounds=lambda m, i, t: (0, p.short_ub[(i, t)]))
    m.sale = pyo.Var(p.sale_keys, domain=pyo.NonNegativeReals,
                     bounds=lambda m, i, t: (0, p.sale_ub[(i, t)]))
    if p.stock_keys:
        m.stock = pyo.Var(p.stock_keys, domain=pyo.NonNegativeReals)
    if p.hardware_keys:  # hardware waiting where it arrived, for a build there
        m.hardware_stock = pyo.Var(p.hardware_keys, domain=pyo.NonNegativeReals)
    if p.trip_keys:  # trips per year on routes flown by a vehicle (integer with integer_trips)
        counted = set(p.trip_count_keys)  # steps under a year: trip_count is the integer
        m.trips = pyo.Var(p.trip_keys, domain=lambda m, r, t: (
            pyo.NonNegativeIntegers if p.vehicle[p.flown_by[r]].integer_trips
            and (r, t) not in counted else pyo.NonNegativeReals))
    if p.trip_count_keys:  # whole trips in a step shorter than a year (solvers.md, "Vehicles")
        m.trip_count = pyo.Var(p.trip_count_keys, domain=pyo.NonNegativeIntegers)
    if p.parked_keys:  # vehicles waiting away from their base at the end of a step
        m.parked = pyo.Var(p.parked_keys, domain=pyo.NonNegativeReals)
    if p.dispose_keys:  # vehicles left for good at a node in a step (returns: false)
        m.dispose = pyo.Var(p.dispose_keys, domain=pyo.NonNegativeReals)
