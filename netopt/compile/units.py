"""Units built and operating: online[e,s] as a variable (online_definition) and unit_limit
(solvers.md, "Units")."""

from __future__ import annotations

import pyomo.core as pyo

from ..params import Prepared
from .model import EPS_SHARE, Compiled, Terms


def define_online_definition(c: Compiled, p: Prepared) -> None:
    """The variable form of online[e,s] (solvers.md, "Units"): online[e,s] - online[e,s-1]
    - sum_tau (f[e,tau,s] - f[e,tau,s-1]) build[e,tau] = 0, one row per element and step, with
    a term only for the tau whose operating share changes; the step before s contributes nothing
    where e cannot operate in it."""
    m = c.model
    if not p.op_share:
        return
    keys = sorted(p.op_share, key=lambda key: (key[0], p.step[key[1]].index))
    m.online = pyo.Var(keys, domain=pyo.NonNegativeReals,
                       bounds=lambda m, e, t: (0, p.buildable[e].max_units))
    c.v.online = dict(m.online.items())
    before = {nxt: now for now, nxt in p.next_step.items()}
    rows: dict[tuple[str, str], Terms] = {}
    for (e, t) in keys:
        terms = Terms(((c.v.online[e, t], 1.0),))
        prev = before.get(t)
        earlier = dict(p.op_share.get((e, prev), ())) if prev is not None else {}
        if earlier:
            terms.add(c.v.online[e, prev], -1.0)
        for tau, f in p.op_share[(e, t)]:
            change = f - earlier.pop(tau, 0.0)
            if abs(change) > EPS_SHARE:
                terms.add(c.v.build[e, tau], -change)
        for tau, f in earlier.items():  # units that operated in the step before and no longer
            terms.add(c.v.build[e, tau], f)
        rows[(e, t)] = terms
    m.online_definition = pyo.Constraint(keys, rule=lambda m, e, t: rows[(e, t)].expr() == 0.0)


def define_unit_limits(c: Compiled, p: Prepared) -> None:
    """Units online at once <= max_units (only for overlapping build stages, else bounds do it)."""
    m = c.model
    if not p.unit_limits:
        return
    m.unit_limit = pyo.Constraint(range(len(p.unit_limits)), rule=lambda m, j: (
        None, Terms((c.v.build[p.unit_limits[j][0], tau], 1.0) for tau in p.unit_limits[j][1]).expr(),
        p.buildable[p.unit_limits[j][0]].max_units))
