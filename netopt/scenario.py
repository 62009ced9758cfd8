"""Scenario overlays: change a base instance without copying it.

A scenario file names its base instance and lists overrides, applied in this order::

    base: cislunar-ice.yaml            # relative to this file
    description: launch twice as dear
    remove:                            # elements by section and name (or index, or node/commodity)
      facilities: [sp-electrolysis]
    add:                               # new elements, as in an instance
      routes:
        - {name: launch-heavy, from: earth, to: leo, cost_per_t: 4.0, capacity: 500}
    set:                               # paths to values
      routes[launch].cost_per_t: 5.4
      horizon.discount_rate: 0.07
      demands[eml1/lox].amount: {s2035: 200, s2040: 600}

A path is a chain of field names separated by dots; `[...]` selects a list item by name
(`routes[launch]`), by index (`routes[2]`) or, for supplies and demands without a name, by
`node/commodity` (`demands[eml1/lox]`); on a mapping it selects a key (`budgets[s2030]`, same as
`budgets.s2030`). A path is checked against the instance format before anything is applied: a field
or an element that does not exist is an error naming the closest valid path. Values then go through
the same validation as the base file, with errors pointing at the scenario file's line (or at the
`--set` argument).

The overrides work on the raw data (after includes, before templates are expanded), so a value set
on an element that uses a template wins over the template's, as if written in the element.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

import yaml

from .errors import KEY, InputError, Location, Locs, Path, Problem, did_you_mean, locate
from .load import LIST_SECTIONS, NAMED_SECTIONS, LazyLocs, read_tree
from .parse import yaml_value
from .paths import NoItem, PathError, resolve, select_item, set_at

if TYPE_CHECKING:
    from pydantic import BaseModel

SCENARIO_KEYS = ("base", "name", "description", "set", "add", "remove")


# ---------------------------------------------------------------------------------------------
# Overrides


@dataclass
class Override:
    """`path` set to `value` (`value_locs`: where the parts of the value are written, relative)."""

    path: str
    value: Any
    location: Location | None = None  # where the value is written
    value_locs: Locs = field(default_factory=dict)
    key_location: Location | None = None  # where the path is written (default: location)


@dataclass
class Scenario:
    """A parsed scenario: base file (or None), removals, additions, then settings."""

    file: str | None = None
    base: FsPath | None = None
    name: str | None = None  # the instance's name once applied (default: the file's stem)
    description: str | None = None
    remove: list[tuple[str, Any, Location | None]] = field(default_factory=list)
    add: list[tuple[str, Any, Location | None, Locs]] = field(default_factory=list)
    set: list[Override] = field(default_factory=list)


def parse_set(text: str, where: str = "--set") -> Override:
    """`PATH=VALUE` from the command line; VALUE is YAML (`1.4`, `{s1: 3, s2: 4}`, `null`)."""
    loc = Location(f"{where} {text}")
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise InputError([Problem(f"'{text}' is not PATH=VALUE (e.g. "
                                  "routes[launch].cost_per_t=1.4)", location=loc)])
    try:  # read as instance files are: YAML 1.2 scalars, aliases bounded
        value = yaml_value(raw) if raw.strip() else None
    except (yaml.YAMLError, ValueError) as e:
        msg = _yaml_msg(e) if isinstance(e, yaml.YAMLError) else str(e)
        raise InputError([Problem(f"the value is not valid YAML: {msg}",
                                  location=loc)]) from None
    return Override(path.strip(), value, loc)


def _yaml_msg(e: yaml.YAMLError) -> str:
    if isinstance(e, yaml.MarkedYAMLError):
        return " ".join(s for s in (e.context, e.problem) if s)
    return str(e)


def read_scenario(path: str | FsPath) -> Scenario:
    """Read a scenario file (structure only; paths are checked when it is applied)."""
    path = FsPath(path)
    data, locs, problems = read_tree(path)
    if problems:
        raise InputError(problems)
    return scenario_from_dict(data, locs, str(path), path.parent)


def scenario_from_dict(data: dict, locs: Locs | None = None, file: str | None = None,
                       folder: FsPath | None = None) -> Scenario:
    """A Scenario from a mapping with keys base, name, description, set, add, remove."""
    locs = locs or {}
    problems: list[Problem] = []
    sc = Scenario(file=file)

    def bad(msg: str, p: Path) -> None:
        problems.append(Problem(msg, p, locs.get(p + (KEY,)) or locate(locs, p)))

    for key in data:
        if key not in SCENARIO_KEYS:
            bad(f"unknown key '{key}' in a scenario{did_you_mean(str(key), SCENARIO_KEYS)}; a scenario "
                f"holds {', '.join(SCENARIO_KEYS)}", (key,))
    if data.get("base") is not None:
        if not isinstance(data["base"], str):
            bad("base must be a file path", ("base",))
        else:
            sc.base = (folder or FsPath(".")) / data["base"]
    for key in ("name", "description"):
        if data.get(key) is not None:
            setattr(sc, key, str(data[key]))
    sets = data.get("set") or {}
    if not isinstance(sets, dict):
        bad("set must be a mapping of paths to values", ("set",))
    else:
        for p, v in sets.items():
            sc.set.append(Override(str(p), v, locs.get(("set", p)),
                                   _shift(locs, ("set", p), ()), locs.get(("set", p, KEY))))
    for kind in ("add", "remove"):
        spec = data.get(kind) or {}
        if not isinstance(spec, dict):
            bad(f"{kind} must be a mapping of sections to lists, e.g. {kind}: {{routes: [...]}}",
                (kind,))
            continue
        allowed = (*LIST_SECTIONS, "budgets") if kind == "remove" else LIST_SECTIONS
        for section, items in spec.items():
            if section not in allowed:
                bad(f"cannot {kind} '{section}'{did_you_mean(str(section), allowed)}; sections: "
                    f"{', '.join(allowed)}", (kind, section))
                continue
            if not isinstance(items, list):
                bad(f"{kind}.{section} must be a list", (kind, section))
                continue
            for i, item in enumerate(items):
                here = (kind, section, i)
                if kind == "add":
                    if not isinstance(item, dict):
                        bad("an added element is a mapping, as in an instance", here)
                        continue
                    sc.add.append((section, item, locs.get(here), _shift(locs, here, ())))
                else:
                    if not isinstance(item, str | int) or isinstance(item, bool):
                        bad("name an element to remove (a name, an index or node/commodity)",
                            here)
                        continue
                    sc.remove.append((section, item, locs.get(here)))
    if problems:
        raise InputError(problems)
    return sc


def is_scenario(data: Any) -> bool:
    """A mapping naming a `base` is a scenario (an instance has no such key)."""
    return isinstance(data, dict) and "base" in data


# ---------------------------------------------------------------------------------------------
# Applying


def _shift(locs: Locs, prefix: Path, new_prefix: Path) -> Locs:
    n = len(prefix)
    return {new_prefix + p[n:]: loc for p, loc in locs.items() if p[:n] == prefix}


def _drop(locs: Locs, prefix: Path) -> None:
    n = len(prefix)
    for p in [p for p in locs if p[:n] == prefix]:
        del locs[p]


def set_value(data: dict, locs: Locs, ov: Override) -> Path:
    """Apply one override in place (data and locs); return the concrete path. Raises PathError."""
    path = resolve(data, ov.path)
    set_at(data, path, copy.deepcopy(ov.value))
    _drop(locs, path)
    if ov.location is not None:
        locs[path] = ov.location
        locs[path + (KEY,)] = ov.key_location or ov.location
    for p, loc in ov.value_locs.items():
        if p:
            locs[path + p] = loc
    return path


def scenario_label(scenario: Scenario) -> str | None:
    """The name of a scenario file's instance: its `name:`, else the file's stem as a valid
    name; None for overrides that come from no file (--set, sweeps)."""
    if scenario.name is not None:
        return scenario.name
    if scenario.file is None:
        return None
    return re.sub(r"[^A-Za-z0-9_.\-]+", "-", FsPath(scenario.file).stem).strip("-") or None


def apply(data: dict, locs: Locs, scenario: Scenario) -> tuple[dict, Locs]:
    """A copy of (data, locs) with the scenario applied: remove, add, set. Raises InputError with
    every problem found (located in the scenario, not the base). Locations the base has not read
    yet (load.LazyLocs) stay unread: the scenario is applied to them when they are."""
    if isinstance(locs, LazyLocs) and not locs.loaded:
        out, _ = _apply(data, {}, scenario)
        return out, LazyLocs(lambda: _apply(data, dict(locs), scenario)[1])
    return _apply(data, dict(locs), scenario)


def _apply(data: dict, locs: Locs, scenario: Scenario) -> tuple[dict, Locs]:
    data = copy.deepcopy(data)
    label = scenario_label(scenario)
    if label is not None:  # results say which scenario they are (a `set: {name: ..}` still wins)
        data["name"] = label
    problems: list[Problem] = []
    # remove: resolve every selector first, then delete from the back
    doomed: dict[str, set] = {}
    for section, sel, loc in scenario.remove:
        items = data.get(section)
        if section == "budgets":
            if not isinstance(items, dict) or str(sel) not in items:
                have = list(items) if isinstance(items, dict) else []
                problems.append(Problem(f"remove: no budget for stage '{sel}'"
                                        f"{did_you_mean(str(sel), have) if have else ''}",
                                        location=loc))
            else:
                doomed.setdefault(section, set()).add(str(sel))
            continue
        if not isinstance(items, list) or not items:
            problems.append(Problem(f"remove: the base has no {section}", location=loc))
            continue
        try:
            doomed.setdefault(section, set()).add(select_item(section, items, str(sel)))
        except NoItem as e:
            problems.append(Problem(f"remove: {section} has {e.message}; did you mean "
                                    f"'{e.best}'?", location=loc))
        except PathError as e:
            problems.append(Problem(f"remove: {section}: {e.message}", location=loc))
    for section, gone in doomed.items():
        if section == "budgets":
            for k in gone:
                del data[section][k]
                _drop(locs, (section, k))
            continue
        keep = [i for i in range(len(data[section])) if i not in gone]
        old = {p: loc for p, loc in locs.items() if len(p) > 1 and p[0] == section}
        for p in old:
            del locs[p]
        for j, i in enumerate(keep):
            locs.update(_shift(old, (section, i), (section, j)))
        data[section] = [data[section][i] for i in keep]
    # add
    for section, item, loc, item_locs in scenario.add:
        items = data.setdefault(section, [])
        if not isinstance(items, list):
            problems.append(Problem(f"add: {section} in the base is not a list", location=loc))
            continue
        name = item.get("name")
        if section in NAMED_SECTIONS and name is not None and any(
                isinstance(x, dict) and x.get("name") == name for x in items):
            problems.append(Problem(f"add: {section} already has '{name}' (change it with set, or "
                                    "remove it first)", location=loc))
            continue
        j = len(items)
        items.append(copy.deepcopy(item))
        if loc is not None:
            locs[(section, j)] = loc
        locs.update({(section, j) + p: v for p, v in item_locs.items() if p})
    if problems:
        raise InputError(problems)
    # set
    for ov in scenario.set:
        try:
            set_value(data, locs, ov)
        except PathError as e:
            where = ov.key_location or ov.location
            problems.append(Problem(e.detail if where else e.message, location=where))
    if problems:
        raise InputError(problems)
    return data, locs


# ---------------------------------------------------------------------------------------------
# Loading


def read_base(path: str | FsPath, _stack: tuple[FsPath, ...] = ()
              ) -> tuple[dict, Locs, FsPath, list[Problem]]:
    """Read an instance file, or a scenario file applied to its base (recursively):
    (raw data, locations, the instance file at the bottom, warnings). Raises InputError."""
    path = FsPath(path)
    data, locs, problems = read_tree(path)
    if problems:
        raise InputError(problems)
    if not is_scenario(data):
        return data, locs, path, []
    if path.resolve() in _stack:
        chain = " -> ".join(str(p) for p in (*_stack, path.resolve()))
        raise InputError([Problem(f"scenario base cycle: {chain}",
                                  location=locs.get(("base",)))])
    sc = scenario_from_dict(data, locs, str(path), path.parent)
    assert sc.base is not None
    if not sc.base.is_file():
        raise InputError([Problem(f"base file not found: {sc.base}", ("base",),
                                  locs.get(("base",)))])
    bdata, blocs, bottom, warnings = read_base(sc.base, (*_stack, path.resolve()))
    bdata, blocs = apply(bdata, blocs, sc)
    return bdata, blocs, bottom, warnings


def load_tree(file: str | FsPath, scenarios: Sequence[str | FsPath] = (),
              sets: Sequence[str | Override] = ()) -> tuple[dict, Locs, list[Problem]]:
    """Raw data of `file` (an instance, or a scenario naming its base) with each scenario file
    then each `--set` applied, not yet validated: (data, locs, warnings). Raises InputError."""
    data, locs, bottom, warnings = read_base(file)
    for s in scenarios:
        sc = read_scenario(s)
        if sc.base is not None and sc.base.resolve() != FsPath(file).resolve() \
                and sc.base.resolve() != bottom.resolve():
            warnings.append(Problem(f"the scenario's base is {sc.base}; applying it to {file} as "
                                    "asked", ("base",), Location(str(s)), "warning"))
        data, locs = apply(data, locs, sc)
    overrides = [parse_set(s) if isinstance(s, str) else s for s in sets]
    if overrides:
        data, locs = apply(data, locs, Scenario(set=overrides))
    return data, locs, warnings


def instance_data(inst: BaseModel) -> dict:
    """The raw data of a validated Instance (fields as written, aliases as in files)."""
    return inst.model_dump(by_alias=True, exclude_unset=True)
