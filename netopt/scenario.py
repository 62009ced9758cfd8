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
import difflib
import re
import time
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Union

import yaml

from .errors import KEY, InputError, Location, Locs, Path, Problem, locate

SCENARIO_KEYS = ("base", "name", "description", "set", "add", "remove")
# sections whose items may be selected by node/commodity when they have no name
LABELLED = ("supplies", "demands")
# template items are partial facilities / routes
TEMPLATE_MODELS = {"facility_templates": "Facility", "route_templates": "Route"}

_MISSING = object()


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
    name: str | None = None
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
    from .parse import yaml_value

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
    from .load import read_tree

    path = FsPath(path)
    data, locs, problems = read_tree(path)
    if problems:
        raise InputError(problems)
    return scenario_from_dict(data, locs, str(path), path.parent)


def scenario_from_dict(data: dict, locs: Locs | None = None, file: str | None = None,
                       folder: FsPath | None = None) -> Scenario:
    """A Scenario from a mapping with keys base, name, description, set, add, remove."""
    from .load import LIST_SECTIONS

    locs = locs or {}
    problems: list[Problem] = []
    sc = Scenario(file=file)

    def bad(msg: str, p: Path) -> None:
        problems.append(Problem(msg, p, locs.get(p + (KEY,)) or locate(locs, p)))

    for key in data:
        if key not in SCENARIO_KEYS:
            bad(f"unknown key '{key}' in a scenario{_closest(str(key), SCENARIO_KEYS)}; a scenario "
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
                bad(f"cannot {kind} '{section}'{_closest(str(section), allowed)}; sections: "
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
# Paths against the instance format


_SEGMENT = re.compile(r"([^.\[\]]+)?((?:\[[^\[\]]*\])*)")


def parse_path(text: str) -> list[tuple[str, str]]:
    """'routes[launch].cost_per_t' -> [('key', 'routes'), ('sel', 'launch'), ('key', 'cost_per_t')].
    Raises ValueError for malformed text."""
    steps: list[tuple[str, str]] = []
    if not text or text.strip() != text:
        raise ValueError("a path is field names separated by dots, e.g. horizon.discount_rate")
    for part in _split_dots(text):
        m = _SEGMENT.fullmatch(part)
        if not m or (not m.group(1) and not m.group(2)):
            raise ValueError(f"malformed path segment '{part}'")
        if m.group(1):
            steps.append(("key", m.group(1)))
        elif not steps:
            raise ValueError("a path starts with a field name")
        for sel in re.findall(r"\[([^\[\]]*)\]", m.group(2)):
            if not sel:
                raise ValueError("empty [] in path")
            steps.append(("sel", sel))
    return steps


def _split_dots(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced ']' in path")
        if ch == "." and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if depth:
        raise ValueError("unbalanced '[' in path")
    parts.append(cur)
    return parts


def format_steps(steps: list[tuple[str, str]]) -> str:
    out = ""
    for kind, s in steps:
        out += f"[{s}]" if kind == "sel" else (f".{s}" if out else s)
    return out


class PathError(Exception):
    """A path that does not exist. `detail` says why (naming the closest valid path); `message`
    adds the path itself, for when no location shows it."""

    def __init__(self, detail: str, path: str | None = None):
        self.detail, self.path = detail, path
        self.message = f"'{path}': {detail}" if path else detail
        super().__init__(self.message)


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        out = []
        for a in typing.get_args(tp):
            out += _members(a)
        return [m for m in out if m is not type(None)]
    return [tp]


def _is_model(tp: Any) -> bool:
    from pydantic import BaseModel

    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _fields(model: Any) -> dict[str, Any]:
    return {(f.alias or n): f.annotation for n, f in model.model_fields.items()}


def _kind_word(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _closest(name: str, choices: Any) -> str:
    best = closest_choice(name, choices)
    return f" (did you mean '{best}'?)" if best else ""


def closest_choice(name: str, choices: Any) -> str | None:
    """The most similar choice (always one if there are choices: 'the closest valid one')."""
    choices = sorted({str(c) for c in choices})
    if not choices:
        return None
    match = difflib.get_close_matches(name, choices, n=1, cutoff=0.0)
    return match[0] if match else choices[0]


def _labels(items: list) -> list[str | None]:
    return [f"{x.get('node')}/{x.get('commodity')}" if isinstance(x, dict) else None
            for x in items]


def _select(section: str | None, items: list, sel: str) -> int:
    """Index of the item `sel` names (name, index or node/commodity); PathError otherwise."""
    if re.fullmatch(r"-?\d+", sel):
        i = int(sel)
        if not 0 <= i < len(items):
            raise PathError(f"index {i} is out of range ({len(items)} items"
                            + (f": 0..{len(items) - 1})" if items else ")"))
        return i
    names = [x.get("name") if isinstance(x, dict) else None for x in items]
    hits = [i for i, n in enumerate(names) if n == sel]
    choices = [n for n in names if n is not None]
    if not hits and section in LABELLED:
        labels = _labels(items)
        hits = [i for i, (lab, n) in enumerate(zip(labels, names)) if n is None and lab == sel]
        choices += [lab for lab, n in zip(labels, names) if n is None and lab]
    if len(hits) > 1:
        raise PathError(f"{len(hits)} items match '{sel}' (indices "
                        f"{', '.join(map(str, hits))}); select one by index")
    if not hits:
        raise PathError(f"no item named '{sel}'") if not choices else _NoItem(sel, choices)
    return hits[0]


class _NoItem(PathError):
    def __init__(self, sel: str, choices: list[str]):
        self.sel, self.best = sel, closest_choice(sel, choices)
        super().__init__(f"no item named '{sel}'")


def resolve(data: dict, text: str) -> Path:
    """The concrete path (keys and list indices) that `text` names in `data`, checked against the
    instance format. Raises PathError naming the closest valid path."""
    if text == "include" or text.startswith(("include.", "include[")):
        raise PathError("includes are merged before overrides apply: override the included "
                        "elements instead", text)
    try:
        return _resolve(data, text)
    except PathError as e:
        if e.path is None:
            raise PathError(e.detail, text) from None
        raise


def _resolve(data: dict, text: str) -> Path:
    from . import schema

    try:
        steps = parse_path(text)
    except ValueError as e:
        raise PathError(str(e), text) from None
    tp: Any = schema.Instance
    cur: Any = data
    out: list[str | int] = []
    section: str | None = None
    for n, (kind, s) in enumerate(steps):
        here, rest = format_steps(steps[:n]), steps[n + 1:]

        def suggest(replacement: tuple[str, str]) -> str:
            return format_steps(steps[:n] + [replacement] + rest)

        members = _members(tp)
        models = [m for m in members if _is_model(m)]
        dicts = [m for m in members if typing.get_origin(m) is dict or m is dict]
        lists = [m for m in members if typing.get_origin(m) is list]
        if kind == "sel" and isinstance(cur, list) and lists:
            try:
                i = _select(section, cur, s)
            except _NoItem as e:
                raise PathError(f"{here} has {e.message}; did you mean "
                                f"'{suggest(('sel', e.best))}'?") from None
            except PathError as e:
                hint = ""
                if cur and "out of range" in e.message:
                    hint = f"; did you mean '{suggest(('sel', str(len(cur) - 1)))}'?"
                raise PathError(f"{here}: {e.message}{hint}") from None
            out.append(i)
            cur = cur[i]
            tp = typing.get_args(lists[0])[0]
            if section in TEMPLATE_MODELS:
                tp = getattr(schema, TEMPLATE_MODELS[section])
            continue
        if kind == "sel" and lists and cur is _MISSING:
            raise PathError(f"{here} has no items")
        # a key (or [key] on a mapping)
        if isinstance(cur, list):
            first = next((x.get("name") for x in cur if isinstance(x, dict) and x.get("name")),
                         "0")
            raise PathError(f"{here} is a list; select an item, e.g. "
                            f"'{format_steps(steps[:n] + [('sel', first), (kind, s)] + rest)}'")
        if cur is not _MISSING and not isinstance(cur, dict):
            hint = f"; set {here} to a mapping to give values by key" if dicts else ""
            raise PathError(f"{here} is {_kind_word(cur)}, it has no '{s}'{hint}")
        if models:
            fields = _fields(models[0])
            if s not in fields:
                best = closest_choice(s, fields)
                where = f"{here} has" if here else "an instance has"
                raise PathError(f"{where} no field '{s}'; did you mean "
                                f"'{suggest((kind if here else 'key', best))}'?")
            tp = fields[s]
        elif dicts:
            args = typing.get_args(dicts[0])
            tp = args[1] if len(args) == 2 else Any
        elif tp is not Any:
            raise PathError(f"{here} is a single value, it has no '{s}'")
        if not out:
            section = s
        out.append(s)
        cur = cur.get(s, _MISSING) if isinstance(cur, dict) else _MISSING
    return tuple(out)


def _get(data: Any, path: Path) -> Any:
    for p in path:
        data = data[p]
    return data


def _set(data: dict, path: Path, value: Any) -> None:
    cur: Any = data
    for p in path[:-1]:
        if isinstance(cur, dict) and (p not in cur or cur[p] is None):
            cur[p] = {}
        cur = cur[p]
    cur[path[-1]] = value


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
    _set(data, path, copy.deepcopy(ov.value))
    _drop(locs, path)
    if ov.location is not None:
        locs[path] = ov.location
        locs[path + (KEY,)] = ov.key_location or ov.location
    for p, loc in ov.value_locs.items():
        if p:
            locs[path + p] = loc
    return path


def apply(data: dict, locs: Locs, scenario: Scenario) -> tuple[dict, Locs]:
    """A copy of (data, locs) with the scenario applied: remove, add, set. Raises InputError with
    every problem found (located in the scenario, not the base). Locations the base has not read
    yet (load.LazyLocs) stay unread: the scenario is applied to them when they are."""
    from .load import LazyLocs

    if isinstance(locs, LazyLocs) and not locs.loaded:
        out, _ = _apply(data, {}, scenario)
        return out, LazyLocs(lambda: _apply(data, dict(locs), scenario)[1])
    return _apply(data, dict(locs), scenario)


def _apply(data: dict, locs: Locs, scenario: Scenario) -> tuple[dict, Locs]:
    from .load import NAMED_SECTIONS

    data = copy.deepcopy(data)
    problems: list[Problem] = []
    # remove: resolve every selector first, then delete from the back
    doomed: dict[str, set] = {}
    for section, sel, loc in scenario.remove:
        items = data.get(section)
        if section == "budgets":
            if not isinstance(items, dict) or str(sel) not in items:
                have = list(items) if isinstance(items, dict) else []
                problems.append(Problem(f"remove: no budget for stage '{sel}'"
                                        f"{_closest(str(sel), have) if have else ''}",
                                        location=loc))
            else:
                doomed.setdefault(section, set()).add(str(sel))
            continue
        if not isinstance(items, list) or not items:
            problems.append(Problem(f"remove: the base has no {section}", location=loc))
            continue
        try:
            doomed.setdefault(section, set()).add(_select(section, items, str(sel)))
        except _NoItem as e:
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
    from .load import read_tree

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


def load_tree(file: str | FsPath, scenarios: list[str | FsPath] | tuple = (),
              sets: list[str | Override] | tuple = ()) -> tuple[dict, Locs, list[Problem]]:
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


def load_instance(file: str | FsPath, scenarios: list[str | FsPath] | tuple = (),
                  sets: list[str | Override] | tuple = (),
                  timings: dict[str, float] | None = None) -> tuple[Any, list[Problem]]:
    """Like load.load_checked, with overlays: (Instance, warnings). Raises InputError."""
    from .load import validate

    t0 = time.perf_counter()
    data, locs, warnings = load_tree(file, scenarios, sets)
    t1 = time.perf_counter()
    inst, more = validate(data, locs)
    if timings is not None:
        timings["read"], timings["validate"] = t1 - t0, time.perf_counter() - t1
    return inst, warnings + more


def instance_data(inst: Any) -> dict:
    """The raw data of a validated Instance (fields as written, aliases as in files)."""
    return inst.model_dump(by_alias=True, exclude_unset=True)


def override(inst: Any, values: dict[str, Any] | None = None, *,
             scenario: Scenario | None = None) -> Any:
    """A new validated Instance: `inst` with `values` ({path: value}) and/or `scenario` applied.
    For tests and scripts: `override(inst, {"routes[launch].cost_per_t": 5})`."""
    from .load import validate

    data, locs = instance_data(inst), {}
    if scenario is not None:
        data, locs = apply(data, locs, scenario)
    if values:
        data, locs = apply(data, locs, Scenario(set=[Override(p, v) for p, v in values.items()]))
    return validate(data, locs)[0]
