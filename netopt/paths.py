"""The override path language, shared by scenarios (`set:`, `--set`) and sweeps (`--param`).

A path is a chain of field names separated by dots; `[...]` selects a list item by name
(`routes[launch]`), by index (`routes[2]`) or, for supplies and demands without a name, by
`node/commodity` (`demands[eml1/lox]`); on a mapping it selects a key (`budgets[s2030]`, same as
`budgets.s2030`). `resolve` checks a path against the instance format and the data it is applied
to: a field or an element that does not exist is a PathError naming the closest valid path.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Union

from .errors import Path, closest_choice

# sections whose items may be selected by node/commodity when they have no name
LABELLED = ("supplies", "demands")
# template items are partial facilities / routes
TEMPLATE_MODELS = {"facility_templates": "Facility", "route_templates": "Route"}

_MISSING = object()


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
    from pydantic import BaseModel  # pydantic: imported only when validating

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


def _labels(items: list) -> list[str | None]:
    return [f"{x.get('node')}/{x.get('commodity')}" if isinstance(x, dict) else None
            for x in items]


def select_item(section: str | None, items: list, sel: str) -> int:
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
        raise PathError(f"no item named '{sel}'") if not choices else NoItem(sel, choices)
    return hits[0]


class NoItem(PathError):
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
    from . import schema  # pydantic (the instance models): imported only when validating

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
                i = select_item(section, cur, s)
            except NoItem as e:
                raise PathError(f"{here} has {e.message}; did you mean "
                                f"'{suggest(('sel', e.best or ''))}'?") from None
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
            first = str(next((x.get("name") for x in cur
                              if isinstance(x, dict) and x.get("name")), "0"))
            raise PathError(f"{here} is a list; select an item, e.g. "
                            f"'{format_steps(steps[:n] + [('sel', first), (kind, s)] + rest)}'")
        if cur is not _MISSING and not isinstance(cur, dict):
            hint = f"; set {here} to a mapping to give values by key" if dicts else ""
            raise PathError(f"{here} is {_kind_word(cur)}, it has no '{s}'{hint}")
        if models:
            fields = _fields(models[0])
            if s not in fields:
                best = closest_choice(s, fields) or ""
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


def get_at(data: Any, path: Path) -> Any:
    """The value at a concrete path (as `resolve` returns)."""
    for p in path:
        data = data[p]
    return data


def set_at(data: dict, path: Path, value: Any) -> None:
    """Set the value at a concrete path, making missing (or null) mappings on the way."""
    cur: Any = data
    for p in path[:-1]:
        if isinstance(cur, dict) and (p not in cur or cur[p] is None):
            cur[p] = {}
        cur = cur[p]
    cur[path[-1]] = value
