"""Vehicles flying routes: payload, tank, circulation, fleet and their terms of the balance
(solvers.md, "Vehicles")."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyomo.core as pyo

from ..params import Prepared
from .model import Compiled, Terms, _online, _payload


def define_vehicle_payload(c: Compiled, p: Prepared) -> None:
    """sum_{k not in tank} flow[r,k,t] + sum_k c_rk flow[r,k,t] + mu_V m_V trips[r,t]
    <= payload_V * trips[r,t]: the cargo outside the tank, what the cargo uses up in flight and
    the maintenance supplies."""
    if not p.trip_keys:
        return
    payload = _payload(c, p)

    def rule(m: pyo.ConcreteModel, r: str, t: str) -> Any:
        tank = p.tank_cargo.get(r, frozenset())
        terms = Terms((v, p.load(r, k) + (0.0 if k in tank else 1.0))
                      for k, v in payload.get((r, t), ()))
        spares = p.maintenance.get(r, ("", 0.0))[1]
        terms.add(c.v.trips[r, t], spares - p.vehicle[p.flown_by[r]].payload)
        return (None, terms.expr(), 0.0)

    m = c.model
    m.vehicle_payload = pyo.Constraint(p.trip_keys, rule=rule)


def define_trip_count(c: Compiled, p: Prepared) -> None:
    """l_t trips[r,t] = trip_count[r,t] (integer): with integer_trips, whole trips in a step
    shorter than a year (trips per year stay integer in longer steps)."""
    if not p.trip_count_keys:
        return
    m = c.model
    m.trip_count_definition = pyo.Constraint(p.trip_count_keys, rule=lambda m, r, t: (
        p.step[t].years * c.v.trips[r, t] - c.v.trip_count[r, t] == 0.0))


def define_vehicle_tank(c: Compiled, p: Prepared) -> None:
    """burn[r,t] + sum_{k in tank} flow[r,k,t] <= tank_V trips, burn[r,t] = (R - 1)(m_V (1 +
    mu_V) trips + sum_k (1 + c_rk) flow): the propellant of a trip and the propellant it
    carries as cargo fit its tank."""
    if not p.trip_keys:
        return
    payload = _payload(c, p)

    def rule(m: pyo.ConcreteModel, r: str, t: str) -> Any:
        phi = sum(p.burn[r].values())
        tank = p.tank_cargo.get(r, frozenset())
        terms = Terms((v, phi * (1.0 + p.load(r, k)) + (1.0 if k in tank else 0.0))
                      for k, v in payload.get((r, t), ()))
        terms.add(c.v.trips[r, t], sum(p.trip_burn[r].values()) - p.vehicle[p.flown_by[r]].tank)
        return (None, terms.expr(), 0.0)

    m = c.model
    m.vehicle_tank = pyo.Constraint(p.trip_keys, rule=rule)


def define_vehicle_circulation(c: Compiled, p: Prepared) -> None:
    """Reusable vehicles, at every node of their routes but the base, per step:
    parked[t-1] + l_t sum_in w trips = l_t sum_out trips + parked[t] + dispose[t] (arrivals
    split over steps like the cargo; none parked before the first step or after the last;
    dispose only for vehicles with returns: false)."""
    route = p.route
    rows: dict[tuple[str, str, str], Terms] = defaultdict(Terms)
    for (r, s) in p.trip_keys:
        v = p.vehicle[p.flown_by[r]]
        if not v.reusable:
            continue
        x, trip = route[r], c.v.trips[r, s]
        if x.from_ != v.base:
            rows[(v.name, x.from_, s)].add(trip, -float(p.step[s].years))
        if x.to != v.base:
            for there, w in p.arrivals(r, s):
                rows[(v.name, x.to, there)].add(trip, w * p.step[there].years)
    for (name, n, t) in p.parked_keys:
        waiting = c.v.parked[name, n, t]
        rows[(name, n, t)].add(waiting, -1.0)
        rows[(name, n, p.next_step[t])].add(waiting, 1.0)
    for (name, n, t) in p.dispose_keys:
        if (name, n, t) in rows:  # a vehicle can be left only where one can be
            rows[(name, n, t)].add(c.v.dispose[name, n, t], -1.0)
    if not rows:
        return
    m = c.model
    m.vehicle_circulation = pyo.Constraint(sorted(rows), rule=lambda m, v, n, t: (
        0.0, rows[(v, n, t)].expr(), 0.0))


def define_vehicle_fleet(c: Compiled, p: Prepared) -> None:
    """Reusable vehicles: the vehicle-years per year the trips hold in step t (u[r,s',t], spread
    over the steps a trip spans) + the vehicles waiting away from base (mean of the step's start
    and end) <= online[V,t]."""
    if not p.fleet_use:
        return

    def rule(m: pyo.ConcreteModel, v: str, t: str) -> Any:
        terms = _online(c, p, v, t, -1.0)
        for family, key, coef in p.fleet_use[(v, t)]:
            terms.add(getattr(c.v, family)[key], coef)
        return (None, terms.expr(), 0.0)

    m = c.model
    m.vehicle_fleet = pyo.Constraint(sorted(p.fleet_use), rule=rule)


def add_vehicle_balance_terms(c: Compiled, p: Prepared, bal: dict) -> None:
    """The balance's vehicle terms: propellant for the dry mass (and maintenance supplies) on
    every trip at the origin, the maintenance supplies, and an expendable vehicle's dry mass as
    hardware there (the payload's share is in p.burn)."""
    route = p.route
    hw = p.inst.hardware_commodity
    for (r, t) in p.trip_keys:
        var, origin = c.v.trips[r, t], route[r].from_
        for k, coef in p.trip_burn[r].items():
            bal[(origin, k, t)].add(var, -coef)
        if r in p.maintenance:
            spares, tonnes = p.maintenance[r]
            bal[(origin, spares, t)].add(var, -tonnes)
        v = p.vehicle[p.flown_by[r]]
        if not v.reusable:
            bal[(origin, hw, t)].add(var, -v.dry_mass)
