"""A stochastic plan: the base instance, its tree and one validated Plan per leaf.

    sp = StochasticPlan.read("instances/cislunar-ice-stochastic.yaml")
    sol = sp.solve(SolveOptions(gap=0))      # extensive form, then WS / EV / EEV: EVPI and VSS

Each leaf is the base with its branches' changes applied, validated and prepared like any instance
(so every feature works per leaf); the extensive form (extensive.py) puts them side by side.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, MutableMapping
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Location, Path, Problem
from ..paths import get_at, resolve, set_at
from ..plan import Plan
from ..scenario import Override
from .tree import Tree, apply_changes, tree_of

if TYPE_CHECKING:
    from ..compile import Extra
    from ..results import Solution
    from ..solve import SolveOptions


class StochasticPlan:
    """A validated instance with an `uncertainty:` section, and the Plan of each leaf."""

    def __init__(self, base: Plan, data: dict, locs: MutableMapping[Path, Location]):
        self.base = base
        self.tree: Tree = tree_of(base.instance)
        self.warnings: list[Problem] = list(base.warnings)
        self.timings = dict(base.timings)
        full = base.instance.model_dump(by_alias=True)
        self._data, self._locs, self._full = data, locs, full
        self.leaves: list[Plan] = []
        for leaf in self.tree.leaves:
            d, lc = apply_changes(data, locs, full, leaf.changes)
            try:
                self.leaves.append(Plan.from_data(d, lc))
            except InputError as e:
                raise InputError([Problem(f"in leaf '{leaf.name}': {p.message}", p.path,
                                          p.location, p.severity) for p in e.problems]) from None

    @classmethod
    def read(cls, file: str | FsPath, scenarios: Iterable[str | FsPath] = (),
             sets: Iterable[str | Override] = ()) -> StochasticPlan | Plan:
        """The StochasticPlan of a file with an `uncertainty:` section, else its Plan (as
        Plan.read: overlays applied, validated, prepared). Raises InputError."""
        base, data, locs = Plan.read_tree(file, scenarios, sets)
        if base.instance.uncertainty is None:
            return base
        start = time.perf_counter()
        sp = cls(base, data, locs)
        sp.timings["validate"] = base.timings["validate"] + time.perf_counter() - start  # + leaves
        return sp

    # --- the mean-value instance -----------------------------------------------------------------
    def mean_value_plan(self) -> Plan:
        """The instance with every changed value replaced by its expectation (solvers.md, EV)."""
        data = {k: v for k, v in self._data.items() if k != "uncertainty"}
        data = copy.deepcopy(data)
        stages = self.tree.stages
        for outcomes in self.tree.outcomes:
            paths: list[str] = []
            for _, _, changes in outcomes:
                paths += [c.path for c in changes if c.path not in paths]
            probs = [p for _, p, _ in outcomes]
            for text in paths:
                where = resolve(data, text)
                current = _value_at(data, self._full, where)
                values = []
                for _, _, changes in outcomes:
                    v = current
                    for c in changes:
                        if c.path == text:
                            v = c.value if c.kind == "set" else _scale(v, c.value)
                    values.append(v)
                set_at(data, where, mean(values, probs, stages))
        return Plan.from_data(data, {})

    def solve(self, options: SolveOptions | None = None, extra: Extra | None = None,
              figures: bool = True) -> Solution:
        """The extensive form's Solution; with `figures`, EVPI and VSS (see extensive.solve).
        `extra` is applied to every leaf's model, as Plan.solve applies it to one."""
        from ..provenance import collect, now
        from ..solve import SolveOptions
        from .extensive import solve

        opts = options or SolveOptions()
        started = now()
        sol = solve(self, opts, figures, extra)
        b = self.base
        sol.provenance = collect(opts, sol.solver, started, now(), inputs=b.inputs,
                                 scenarios=b.scenarios, sets=b.sets)
        return sol


def _value_at(data: dict, full: dict, path: Path) -> Any:
    try:
        return copy.deepcopy(get_at(data, path))
    except (KeyError, IndexError, TypeError):
        return copy.deepcopy(get_at(full, path))


def _scale(value: Any, factor: float) -> Any:
    from ..sweep.spec import scaled

    return scaled(value, factor)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def mean(values: list[Any], probs: list[float], stages: list[str]) -> Any:
    """The probability-weighted mean of branch values: numbers averaged, mappings of numbers by
    key (a number stands for every stage, a key not listed for 0), anything else the most
    probable value (the first on a tie)."""
    if all(_is_number(v) for v in values):
        return sum(p * v for p, v in zip(probs, values))
    if all(_is_number(v) or (isinstance(v, dict) and all(_is_number(x) for x in v.values()))
           for v in values):
        maps = [v if isinstance(v, dict) else {t: v for t in stages} for v in values]
        keys = [k for k in stages if any(k in m for m in maps)]
        keys += [k for m in maps for k in m if k not in keys]
        return {k: sum(p * m.get(k, 0.0) for p, m in zip(probs, maps)) for k in keys}
    best = max(range(len(values)), key=lambda i: (probs[i], -i))
    return values[best]
