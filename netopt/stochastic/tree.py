"""The scenario tree of an `uncertainty:` section: its checks, its leaves and their instances.

solvers.md, "Planning under uncertainty": branchings multiply into leaves; a leaf's instance is the
base with its branches' changes applied (path language of paths.py, as `--set`); the tree node of a
leaf at a stage is the tuple of its branches known by then.
"""

from __future__ import annotations

import copy
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import KEY, InputError, Location, Path, Problem, locate
from ..paths import get_at, resolve, set_at

@dataclass(frozen=True)
class Change:
    """`path` set to `value` (kind 'set') or multiplied by it (kind 'scale'); `where`: the path of
    the change in the instance file, for locating problems."""

    kind: str
    path: str
    value: Any
    where: Path


@dataclass(frozen=True)
class Leaf:
    name: str
    probability: float
    branches: tuple[str, ...]  # one branch name per branching, in the tree's order
    changes: tuple[Change, ...]


@dataclass
class Tree:
    """Branchings (name, stage index at which known), in the order written, and the leaves."""

    branchings: list[tuple[str, int]]
    leaves: list[Leaf]
    stages: list[str]
    # per branching: its branches (name, probability, changes) -- for the mean-value instance
    outcomes: list[list[tuple[str, float, tuple[Change, ...]]]] = field(default_factory=list)

    def node(self, leaf: int, stage: int) -> tuple[str, ...]:
        """The tree node of `leaf` at stage index `stage`: its branches known by then."""
        return tuple(b for b, (_, known) in zip(self.leaves[leaf].branches, self.branchings)
                     if known <= stage)

    @property
    def root_stages(self) -> list[str]:
        """Stages before any outcome is known: their decisions are here-and-now."""
        first = min(k for _, k in self.branchings)
        return self.stages[:first]

    def groups(self, stage: int) -> list[list[int]]:
        """Leaves that share a node at stage index `stage`, each group in leaf order."""
        by: dict[tuple[str, ...], list[int]] = {}
        for i in range(len(self.leaves)):
            by.setdefault(self.node(i, stage), []).append(i)
        return list(by.values())


def _changes(branch: Any, where: Path) -> tuple[Change, ...]:
    return (tuple(Change("scale", p, v, where + ("scale", p)) for p, v in branch.scale.items())
            + tuple(Change("set", p, v, where + ("set", p)) for p, v in branch.set.items()))


def _distributions(sampled: Any) -> dict[str, Any]:
    from pydantic import TypeAdapter

    from ..sweep.distributions import Distribution

    adapter: TypeAdapter = TypeAdapter(Distribution)
    return {p: adapter.validate_python(spec) for p, spec in sampled.params.items()}


def tree_of(inst: Any) -> Tree:
    """The tree of a validated instance with an `uncertainty:` section."""
    unc = inst.uncertainty
    stages = [s.name for s in inst.horizon.stages]
    index = {s: i for i, s in enumerate(stages)}
    if unc.sampled is not None:
        from ..sweep.distributions import draw_u

        s = unc.sampled
        dists = _distributions(s)
        where: Path = ("uncertainty", "sampled", "params")
        outcomes = []
        for i in range(s.scenarios):
            changes = tuple(Change("scale" if d.scale else "set", p,
                                   d.ppf(draw_u(s.seed, i, p)), where + (p,))
                            for p, d in dists.items())
            outcomes.append((f"{i}", 1.0 / s.scenarios, changes))
        branchings = [(s.name, index[s.stage])]
        all_outcomes = [outcomes]
    else:
        branchings = [(b.name, index[b.stage]) for b in unc.branchings]
        all_outcomes = [[(br.name, br.probability,
                          _changes(br, ("uncertainty", "branchings", i, "branches", j)))
                         for j, br in enumerate(b.branches)]
                        for i, b in enumerate(unc.branchings)]
    leaves = [Leaf("", 1.0, (), ())]
    for outcomes in all_outcomes:
        leaves = [Leaf(f"{leaf.name}/{name}" if leaf.name else name, leaf.probability * p,
                       leaf.branches + (name,), leaf.changes + changes)
                  for leaf in leaves for name, p, changes in outcomes]
    return Tree(branchings, leaves, stages, all_outcomes)


# --- leaf instances ----------------------------------------------------------------------------

def _factor(value: Any, factor: float) -> Any:
    from ..sweep.spec import scaled

    return scaled(value, factor)


def apply_changes(data: dict, locs: MutableMapping[Path, Location], full: dict,
                  changes: tuple[Change, ...]) -> tuple[dict, Any]:
    """(data, locs) of the base without its tree, with `changes` applied: each value located at
    the change's line, so that validating a leaf names it. `full`: the base validated and dumped
    with defaults, where a scaled value not written in `data` is read."""
    from ..scenario import Override, Scenario, apply

    base = {k: v for k, v in data.items() if k != "uncertainty"}
    overrides = []
    current = copy.deepcopy(base)
    for c in changes:
        value = c.value
        if c.kind == "scale":
            path = resolve(current, c.path)
            try:
                old = get_at(current, path)
            except (KeyError, IndexError, TypeError):
                old = get_at(full, path)
            try:
                value = _factor(old, c.value)
            except ValueError:
                raise InputError([Problem(f"'{c.path}' is {old!r} in the base: only a number or a "
                                          "mapping of numbers can be scaled", c.where,
                                          locate(locs, c.where))]) from None
        loc = locs.get(c.where) or locate(locs, c.where)
        overrides.append(Override(c.path, value, loc, {}, locs.get(c.where + (KEY,)) or loc))
        set_at(current, resolve(current, c.path), copy.deepcopy(value))
    return apply(base, locs, Scenario(set=overrides))
