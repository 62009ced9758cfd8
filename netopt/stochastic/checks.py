"""Checks of an `uncertainty:` section (solvers.md, "Planning under uncertainty"): stages, paths,
probabilities, names, distributions. Called by checks.check_instance; problems carry the path of
the offending value, which load.py turns into file:line."""

from __future__ import annotations

import math
from typing import Any

from ..errors import Path, Problem, closest
from ..paths import PathError, resolve

# paths a branch may not change: the tree itself, and what it is indexed by
FORBIDDEN = ("uncertainty", "horizon.stages", "include", "name")
# Most leaves of a tree of branchings, as of a sampled one (schema.SampledTree.scenarios): every
# leaf is an instance validated and a block of the extensive form; 2^20 of them ran out of memory
# building the tree itself
MAX_LEAVES = 100_000


def check_tree(inst: Any) -> list[Problem]:
    """The tree's problems: unknown stage or path, probabilities not summing to 1, names given
    twice, a distribution that is not one. Paths are checked against the format and the base."""
    unc = getattr(inst, "uncertainty", None)
    if unc is None:
        return []
    stages = [s.name for s in inst.horizon.stages]
    data = inst.model_dump(by_alias=True, exclude_unset=True)  # as scenario.instance_data
    problems: list[Problem] = []

    def stage(value: str, path: Path) -> None:
        if value not in stages:
            problems.append(Problem(f"unknown stage '{value}'{closest(value, stages)}", path))

    def paths(items: Any, where: Path) -> None:
        for p in items:
            if any(p == f or p.startswith((f + ".", f + "[")) for f in FORBIDDEN):
                problems.append(Problem(f"a branch cannot change '{p}' (the tree, the stages, "
                                        "includes and the name stay as in the base)",
                                        where + (p,)))
                continue
            try:
                resolve(data, p)
            except PathError as e:
                problems.append(Problem(e.detail, where + (p,)))

    if unc.sampled is not None:
        s = unc.sampled
        stage(s.stage, ("uncertainty", "sampled", "stage"))
        paths(s.params, ("uncertainty", "sampled", "params"))
        problems += _check_distributions(s)
        return problems
    leaves = math.prod(len(b.branches) for b in unc.branchings)  # counted before any is made
    if leaves > MAX_LEAVES:
        return [Problem(f"the {len(unc.branchings)} branchings make {leaves:,} leaves (the "
                        f"product of their numbers of branches), more than the {MAX_LEAVES:,} "
                        "netopt takes (a sampled tree of fewer leaves may stand for them)",
                        ("uncertainty", "branchings"))]
    seen: set[str] = set()
    for i, b in enumerate(unc.branchings):
        here: Path = ("uncertainty", "branchings", i)
        if b.name in seen:
            problems.append(Problem(f"branching '{b.name}' is named twice", here + ("name",)))
        seen.add(b.name)
        stage(b.stage, here + ("stage",))
        total = math.fsum(br.probability for br in b.branches)
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            problems.append(Problem(f"the probabilities of branching '{b.name}' sum to "
                                    f"{total:g}, not 1", here + ("branches",)))
        names: set[str] = set()
        for j, br in enumerate(b.branches):
            there = here + ("branches", j)
            if br.name in names:
                problems.append(Problem(f"branch '{br.name}' is named twice in '{b.name}'",
                                        there + ("name",)))
            names.add(br.name)
            paths(br.scale, there + ("scale",))
            paths(br.set, there + ("set",))
    return problems


def _check_distributions(s: Any) -> list[Problem]:
    from pydantic import TypeAdapter, ValidationError

    from ..sweep.distributions import Distribution

    adapter: TypeAdapter = TypeAdapter(Distribution)
    out = []
    for p, spec in s.params.items():
        try:
            adapter.validate_python(spec)
        except ValidationError as e:
            err = e.errors(include_url=False)[0]
            msg = err["msg"].removeprefix("Value error, ")
            where: Path = ("uncertainty", "sampled", "params", p)
            loc = tuple(x for x in err["loc"][1:] if x != "")
            if loc and err["type"] not in ("missing", "extra_forbidden"):
                # a value of the wrong kind: at its own line and column, with what it was
                got = err.get("input")
                shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
                out.append(Problem(f"not a distribution's value: {msg}{shown}", where + loc))
                continue
            field_ = ".".join(str(x) for x in loc)
            out.append(Problem(f"not a distribution: {field_ + ': ' if field_ else ''}{msg}",
                               where))
    return out
