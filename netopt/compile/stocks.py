"""Stockpiles: stock in the balance and storage_capacity (solvers.md, "Stockpiles and boil-off")."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyomo.core as pyo

from ..params import Prepared
from .model import Compiled, _online


def define_stock(c: Compiled, p: Prepared, bal: dict) -> dict[tuple[str, str, str], float]:
    """Stock in the balance of step t: ((1 - b_k)^l_t stock[t-1] - stock[t]) / l_t, per storage
    facility; the initial stock is stock[-1], a constant. Returns those constants as
    {(node, k, first step): t/yr}, to move to the right-hand side."""
    held: dict[tuple[str, str, str], float] = {}
    first = p.steps[0].name
    for (n, k), tonnes in p.initial_stock.items():
        held[(n, k, first)] = tonnes * p.keep(k, first) / p.step[first].years
        bal[(n, k, first)]  # noqa: B018  (the stock may meet a demand on its own)
    if not p.stock_keys:
        return held
    stock = c.v.stock
    for (f, k, t) in p.stock_keys:
        v, n = stock[f, k, t], p.facility[f].node
        bal[(n, k, t)].add(v, -1.0 / p.step[t].years)
        after = p.next_step.get(t)
        if after is not None:
            bal[(n, k, after)].add(v, p.keep(k, after) / p.step[after].years)
    return held


def define_storage_capacity(c: Compiled, p: Prepared) -> None:
    """sum_k stock[f,k,t] <= storage_f x online[f,t]."""
    m = c.model
    if not p.stock_keys:
        return
    held: dict[tuple[str, str], list] = defaultdict(list)
    for (f, k, t) in p.stock_keys:
        held[(f, t)].append(c.v.stock[f, k, t])
    size = {f.name: f.storage for f in p.inst.facilities}

    def rule(m: pyo.ConcreteModel, f: str, t: str) -> Any:
        terms = _online(c, p, f, t, -size[f])
        for v in held[(f, t)]:
            terms.add(v, 1.0)
        return (None, terms.expr(), 0.0)

    m.storage_capacity = pyo.Constraint(list(held), rule=rule)
