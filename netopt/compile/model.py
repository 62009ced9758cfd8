"""The model's data: its variables by index (Vars), linear terms (Terms), the objective's money
terms (CostTerms) and the built model (Compiled) that every family below writes into."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyomo.core as pyo  # the modelling layer only: pyomo.environ adds ~0.15 s of plugins
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from .. import costs
from ..params import Prepared


EPS_NEED = 1e-12  # a row with no variable holds if its constant need is no more than this


EPS_SHARE = 1e-12  # operating shares closer than this are equal (params.EPS drops smaller ones)


@dataclass
class CostTerms:
    """Objective terms by (category, step): [(coef, var)], and the discount factor of the key
    (D_tau for capex, at the first step of its stage; D_end for end_value; A_s otherwise).
    `once`: the categories paid once (costs.ONCE, and an extra's), whose undiscounted amount is
    not multiplied by the step's years."""

    terms: dict[tuple[str, str], list[tuple[float, Any]]] = field(
        default_factory=lambda: defaultdict(list))
    factor: dict[tuple[str, str], float] = field(default_factory=dict)
    once: set[str] = field(default_factory=lambda: set(costs.ONCE))

    def add(self, category: str, stage: str, factor: float, coef: float, var: Any) -> None:
        if coef:
            self.terms[(category, stage)].append((coef, var))
            self.factor[(category, stage)] = factor


@dataclass
class Vars:
    """The model's variables in plain dicts by index: the families below look up 500k of them at
    100k routes, and Pyomo's indexed lookup costs ~15x a dict's."""

    build: dict
    act: dict
    flow: dict
    supply: dict
    short: dict
    sale: dict
    unmet: dict
    trips: dict
    trip_count: dict
    parked: dict
    dispose: dict  # vehicles that need not return (returns: false)
    stock: dict
    online: dict  # with the variable form only (solvers.md, online_definition)
    hardware_stock: dict


class Terms:
    """Linear terms keyed by variable identity (Pyomo variables are not hashable)."""

    __slots__ = ("_at", "vars", "coefs")

    def __init__(self, items: Iterable[tuple[Any, float]] = ()):
        self._at: dict[int, int] = {}
        self.vars: list = []
        self.coefs: list[float] = []
        for v, c in items:
            self.add(v, c)

    def add(self, var: Any, coef: float) -> Terms:
        i = self._at.get(id(var))
        if i is None:
            self._at[id(var)] = len(self.vars)
            self.vars.append(var)
            self.coefs.append(coef)
        else:
            self.coefs[i] += coef
        return self

    def __bool__(self) -> bool:
        return any(self.coefs)

    def expr(self) -> LinearExpression:
        # the terms as Pyomo stores them: 1.8x faster than its constant/coefs/vars form
        # (100k two-term rows: 0.115 s vs 0.206 s, measured)
        return LinearExpression([MonomialTermExpression((c, v))
                                 for v, c in zip(self.vars, self.coefs) if c])


@dataclass
class Compiled:
    """A built model and what the rest of the pipeline reads off it: the Pyomo model (the model
    of record; its components are named as in solvers.md), its variables by index, the objective's
    money terms by category and stage, and the rows that cannot hold whatever the solver does.
    An `extra` function (see plan.py) may add variables, constraints and cost terms to it."""

    model: pyo.ConcreteModel
    prepared: Prepared
    v: Vars
    costs: CostTerms
    trivially_infeasible: list[str] = field(default_factory=list)  # plain words
    elastic: bool = False

    def add_cost(self, category: str, stage: str, coef: float, var: Any, *,
                 once: bool = False) -> None:
        """Add coef x var to the cost objective under `category` (a name of the extra's own, or
        a built-in one) in `stage`, an operating step (the stage itself with resolution: stage,
        a year's step with resolution: year): money per year over the step's years (discounted
        with its annual factor A_s), or with `once` money paid once at the step's start
        (discounted to it, as capex: D_t at a stage's start). It is reported in Solution.costs
        like the built-in categories. The objective is rebuilt from the cost terms after the
        extra function returns (costs.update_objective)."""
        if category in costs.NAMES and (category in costs.ONCE) != once:
            raise ValueError(f"cost category '{category}' is paid "
                             f"{'once' if category in costs.ONCE else 'every year'}")
        p = self.prepared
        info = p.step.get(stage)
        if info is None:
            raise ValueError(f"no operating step '{stage}' (steps: {', '.join(p.step)})")
        h = p.inst.horizon
        start = (1.0 + h.discount_rate) ** -(info.start_year - h.start_year)
        self.costs.add(category, stage, start if once else info.annual_factor, coef, var)
        if once:
            self.costs.once.add(category)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the model as built (cuts, extras and all) to `path`, .mps or .lp by its
        suffix, for any other solver (model_file.py); returns the path written."""
        from ..model_file import write_model

        return write_model(self.model, path)


# An `extra` function: called with the built model and the prepared data between build and solve;
# it may add variables, constraints (to compiled.model) and cost terms (compiled.add_cost).
Extra = Callable[[Compiled, Prepared], None]


def _online(c: Compiled, p: Prepared, e: str, t: str, coef: float) -> Terms:
    """coef x online[e,t] (units operating in step t): the variable if the model has one, else
    coef x sum_tau f[e,tau,t] build[e,tau]."""
    v = c.v.online.get((e, t))
    if v is not None:
        return Terms(((v, coef),))
    return Terms((c.v.build[e, tau], coef * f) for tau, f in p.op_share.get((e, t), ()))


def _payload(c: Compiled, p: Prepared) -> dict[tuple[str, str], list[tuple[str, Any]]]:
    """(route, t) -> [(k, flow variable)] of every commodity it carries."""
    out: dict[tuple[str, str], list[tuple[str, Any]]] = defaultdict(list)
    for (r, k, t) in p.flow_keys:
        out[(r, t)].append((k, c.v.flow[r, k, t]))
    return out
