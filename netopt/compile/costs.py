"""Money and mass: the objective's cost terms, the end-of-horizon value, the objective itself
and budgets (solvers.md, "Objective", "End-of-horizon value", "Budgets")."""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from ..params import Prepared, launched_supplies, lifted_hulls
from .model import Compiled, CostTerms, Terms


def define_budgets(c: Compiled, p: Prepared) -> None:
    """sum of capex of units built in stage t <= budgets[t]."""
    m = c.model
    by_stage: dict[str, Terms] = defaultdict(Terms)
    for (e, t) in p.build_keys:
        capex = p.buildable[e].capex or 0.0
        if capex and t in p.inst.budgets:
            by_stage[t].add(c.v.build[e, t], capex)
    keys = [t for t in p.stage if t in by_stage]
    if not keys:
        return
    m.budget = pyo.Constraint(keys, rule=lambda m, t: (None, by_stage[t].expr(),
                                                       p.inst.budgets[t]))


def cost_terms(c: Compiled, p: Prepared) -> CostTerms:
    """Every money term of the objective, by category and stage (costs positive, revenue negative)."""
    inst, out = p.inst, CostTerms()
    for (e, t) in p.build_keys:
        if e not in p.annuity:
            out.add("capex", p.first_step[t], p.stage[t].capex_factor,
                    p.buildable[e].capex or 0.0, c.v.build[e, t])
    for (e, t), shares in p.exist_share.items():
        for tau, g in shares:  # opex for the share of the step the unit exists
            out.add("opex", t, p.step[t].annual_factor, p.buildable[e].opex * g, c.v.build[e, tau])
    fac = p.facility
    for (f, t) in p.act_keys:
        out.add("variable", t, p.step[t].annual_factor, fac[f].variable_cost, c.v.act[f, t])
    for (r, k, t) in p.flow_keys:
        out.add("transport", t, p.step[t].annual_factor, p.route_cost[r][t], c.v.flow[r, k, t])
    for (r, t) in p.trip_keys:  # an expendable vehicle is bought for every trip
        v = p.vehicle[p.flown_by[r]]
        if not v.reusable:
            out.add("transport", t, p.step[t].annual_factor, v.capex, c.v.trips[r, t])
    for (i, t) in p.supply_keys:
        out.add("supply", t, p.step[t].annual_factor, p.supply_price[(i, t)], c.v.supply[i, t])
    for (i, t) in p.short_keys:
        out.add("shortfall", t, p.step[t].annual_factor,
                inst.demands[i].shortfall_penalty_per_t or 0.0, c.v.short[i, t])
    for (i, t) in p.sale_keys:
        out.add("revenue", t, p.step[t].annual_factor, -p.sale_price[(i, t)], c.v.sale[i, t])
    define_end_value(c, p, out)
    return out


def cost_objective_terms(c: Compiled) -> Terms:
    """The discounted cost (solvers.md, "Objective") from the model's cost terms."""
    terms = Terms()
    for key, items in c.costs.terms.items():
        f = c.costs.factor[key]
        for coef, v in items:
            terms.add(v, f * coef)
    return terms


def launch_mass_terms(c: Compiled, p: Prepared) -> Terms:
    """Tonnes bought on Earth's surface over the horizon, undiscounted, and the hulls of reusable
    vehicles on every trip that leaves it (solvers.md, launch_mass)."""
    ground = set(launched_supplies(p.inst))
    terms = Terms((c.v.supply[i, t], p.step[t].years) for (i, t) in p.supply_keys if i in ground)
    for key, tonnes in lifted_hulls(p):
        terms.add(c.v.trips[key], tonnes)
    return terms


def define_end_value(c: Compiled, p: Prepared, out: CostTerms) -> None:
    """End-of-horizon value: `linear` credits V[e,tau] (discounted to Y_end) in the last step;
    `annuity` pays P_e for the share g of each step a unit exists, instead of its capex."""
    h = p.inst.horizon
    last = p.steps[-1].name
    d_end = (1.0 + h.discount_rate) ** -(p.end_year - h.start_year)
    for (e, tau), credit in p.end_credit.items():
        out.add("end_value", last, d_end, -credit, c.v.build[e, tau])
    if not p.annuity:
        return
    for (e, t), shares in p.exist_share.items():
        pay = p.annuity.get(e)
        if pay:
            for tau, g in shares:
                out.add("annuity", t, p.step[t].annual_factor, pay * g, c.v.build[e, tau])


def define_objective(c: Compiled, p: Prepared) -> None:
    """minimize the discounted cost (or, objective: supply_mass, the tonnes bought)."""
    c.costs = cost_terms(c, p)
    c.model.objective = pyo.Objective(expr=objective_expr(c, p), sense=pyo.minimize)


def objective_expr(c: Compiled, p: Prepared) -> LinearExpression:
    """The objective's expression: the discounted cost from the model's cost terms, or the
    tonnes bought (supply_mass) or launched from Earth's surface (launch_mass)."""
    return objective_terms(c, p).expr()


def objective_terms(c: Compiled, p: Prepared) -> Terms:
    """The objective's coefficient of each variable (session.py reads a changed run's column
    costs off them without building a model)."""
    if p.inst.objective == "cost":
        return cost_objective_terms(c)
    if p.inst.objective == "launch_mass":
        return launch_mass_terms(c, p)
    # supply_mass: tonnes bought over the horizon, undiscounted
    return Terms((c.v.supply[i, t], p.step[t].years) for (i, t) in p.supply_keys)


def update_objective(c: Compiled) -> None:
    """Rebuild the objective from the model's cost terms (after an extra added some)."""
    c.model.objective.set_value(objective_expr(c, c.prepared))
