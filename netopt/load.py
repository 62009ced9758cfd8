"""Read instance YAML with line numbers, resolve includes, validate into an `Instance`.

Every problem found is collected and raised together as one `InputError`, each naming the file,
line, column and path of the offending value.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path as FsPath
from typing import Any

import yaml

from . import templates
from .errors import InputError, Location, Path, Problem, closest

MAX_BYTES = 20 * 1024 * 1024
MAX_NODES = 2_000_000  # bounds alias expansion ("billion laughs")
NAMED_SECTIONS = ("commodities", "nodes", "propulsion", "facility_templates", "route_templates",
                  "facilities", "routes")
LIST_SECTIONS = (*NAMED_SECTIONS, "supplies", "demands")
CATALOG_KEYS = set(LIST_SECTIONS) | {"include", "name", "description", "source", "units"}

Locs = dict[Path, Location]
KEY = "\0key"  # locs[path + (KEY,)] is where the key of the value at `path` is written


# Safe loading only (no object construction from tags); libyaml's parser when PyYAML has it
# (about 10x faster on large files), with the same node marks for line numbers.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str, file: str) -> tuple[Any, Locs, list[Problem]]:
    """YAML text -> (data, locations by path, problems)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, [Problem("the file is empty", location=Location(file, 1, 1))]
        if "&" in text:  # without anchors there are no aliases to expand
            _check_alias_expansion(node)
        problems: list[Problem] = []
        locs: Locs = {}
        _walk(node, (), file, locs, problems, [0])
        if problems:
            return None, locs, problems
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else None
        if isinstance(e, yaml.constructor.ConstructorError):
            tag = (e.problem or "").rsplit(" ", 1)[-1]
            return None, {}, [Problem(f"unsupported YAML tag {tag}: netopt reads plain data only",
                                      location=loc)]
        msg = " ".join(s for s in (e.context, e.problem) if s)
        return None, {}, [Problem(f"YAML syntax error: {msg}", location=loc)]
    except yaml.YAMLError as e:
        return None, {}, [Problem(f"YAML error: {e}", location=Location(file, 1, 1))]
    finally:
        loader.dispose()
    return data, locs, []


def _check_alias_expansion(root: yaml.Node) -> None:
    """Refuse alias bombs ("billion laughs") from the node graph, before expanding anything."""
    size: dict[int, int] = {}
    open_: set[int] = set()  # nodes whose children are being sized: meeting one again is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative post-order: sizes of shared nodes are computed once
        node, done = stack.pop()
        if id(node) in size:
            continue
        children = ([c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode)
                    else node.value if isinstance(node, yaml.SequenceNode) else [])
        if done:
            size[id(node)] = 1 + sum(size[id(c)] for c in children)
            open_.discard(id(node))
        elif id(node) in open_:
            raise yaml.YAMLError("an alias refers to a value that contains it (recursive alias)")
        else:
            open_.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in size)
    expanded, distinct = size[id(root)], len(size)
    if expanded > MAX_NODES or (expanded > 100_000 and expanded > 10 * distinct):
        raise yaml.YAMLError(f"aliases expand {distinct} values into {expanded}: refusing the "
                             "file (alias bomb?)")


def _walk(node: yaml.Node, path: Path, file: str, locs: Locs, problems: list[Problem],
          count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise yaml.YAMLError(f"more than {MAX_NODES} values (alias expansion?); refusing the file")
    locs[path] = Location(file, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key in seen:
                problems.append(Problem(
                    f"duplicate key '{key}' (first at line {seen[key]})", path + (key,),
                    Location(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)))
                continue
            seen[key] = key_node.start_mark.line + 1
            locs[path + (key, KEY)] = Location(file, key_node.start_mark.line + 1,
                                               key_node.start_mark.column + 1)
            _walk(value_node, path + (key,), file, locs, problems, count)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), file, locs, problems, count)


def _read(path: FsPath) -> tuple[Any, Locs, list[Problem]]:
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        return None, {}, [Problem(f"cannot read file: {e.strerror or e}", location=Location(file))]
    if len(raw) > MAX_BYTES:
        return None, {}, [Problem(f"file is {len(raw)} bytes, more than the {MAX_BYTES} allowed",
                                  location=Location(file, 1, 1))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return None, {}, [Problem(f"not UTF-8 text (byte {e.start}: {raw[e.start]:#04x})",
                                  location=Location(file, 1, 1))]
    return _parse(text, file)


class _Merged:
    """List sections merged across files: items by name (a later file's item replaces an earlier
    one in place), each item with its locations relative to it. Linear in the number of values."""

    def __init__(self) -> None:
        self.items: dict[str, list] = {}
        self.item_locs: dict[str, list[Locs]] = {}
        self.index: dict[str, dict[str, int]] = {}
        self.section_locs: dict[str, Locs] = {}  # the section's own key and value locations

    def add(self, data: dict, locs: Locs) -> None:
        per_item: dict[tuple[str, int], Locs] = defaultdict(dict)
        per_section: dict[str, Locs] = defaultdict(dict)
        for p, loc in locs.items():
            if not p or p[0] not in LIST_SECTIONS:
                continue
            if len(p) >= 2 and isinstance(p[1], int):
                per_item[(p[0], p[1])][p[2:]] = loc
            else:
                per_section[p[0]][p[1:]] = loc
        for section in LIST_SECTIONS:
            items = data.get(section)
            if items is None:
                continue
            self.section_locs[section] = per_section[section]
            if not isinstance(items, list) or not isinstance(self.items.get(section, []), list):
                # a wrong type: keep it whole, for validation to report at its location
                self.items[section] = items
                self.item_locs[section] = [per_item[(section, i)] for i in range(
                    len(items) if isinstance(items, list) else 0)]
                continue
            target = self.items.setdefault(section, [])
            target_locs = self.item_locs.setdefault(section, [])
            index = self.index.setdefault(section, {})
            for i, item in enumerate(items):
                name = item.get("name") if isinstance(item, dict) else None
                named = section in NAMED_SECTIONS and isinstance(name, str)
                if named and name in index:
                    j = index[name]
                    target[j], target_locs[j] = item, per_item[(section, i)]
                else:
                    if named:
                        index[name] = len(target)
                    target.append(item)
                    target_locs.append(per_item[(section, i)])

    def locs(self) -> Locs:
        out: Locs = {}
        for section, items in self.items.items():
            out.update({(section, *p): loc for p, loc in self.section_locs[section].items()})
            for j, item_locs in enumerate(self.item_locs[section]):
                out.update({(section, j, *p): loc for p, loc in item_locs.items()})
        return out


def read_tree(path: FsPath, stack: tuple[FsPath, ...] = ()) -> tuple[dict, Locs, list[Problem]]:
    """Read a file and its includes, merged: list items by name (the including file wins)."""
    data, locs, problems = _read(path)
    if problems:
        return {}, locs, problems
    if not isinstance(data, dict):
        kind = ("a list" if isinstance(data, list) else "a boolean" if isinstance(data, bool)
                else "a number" if isinstance(data, int | float) else "a string")
        return {}, locs, [Problem(f"the file must be a mapping of keys (name, horizon, ...), "
                                  f"not {kind}", location=locs.get(()))]
    includes = data.get("include") or []
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        return {}, locs, [Problem("include must be a list of file paths", ("include",),
                                  locs.get(("include",)))]
    if not includes:
        return data, locs, problems
    merged = _Merged()
    for i, inc in enumerate(includes):
        inc_path = (path.parent / inc).resolve()
        here = locs.get(("include", i))
        if inc_path in stack or inc_path == path.resolve():
            chain = " -> ".join(str(p) for p in (*stack, path.resolve(), inc_path))
            problems.append(Problem(f"include cycle: {chain}", ("include", i), here))
            continue
        if not inc_path.is_file():
            problems.append(Problem(f"included file not found: {inc_path}", ("include", i), here))
            continue
        sub, sub_locs, sub_problems = read_tree(inc_path, (*stack, path.resolve()))
        problems += sub_problems
        for key in sub:
            if key not in CATALOG_KEYS:
                problems.append(Problem(
                    f"a catalog may hold only {', '.join(sorted(CATALOG_KEYS))}; "
                    f"'{key}' belongs in the instance{closest(key, CATALOG_KEYS)}",
                    (key,), sub_locs.get((key, KEY))))
        merged.add(sub, sub_locs)
    merged.add(data, locs)
    out = {k: v for k, v in data.items() if k not in LIST_SECTIONS}
    out.update(merged.items)
    out_locs = {p: loc for p, loc in locs.items() if not p or p[0] not in LIST_SECTIONS}
    out_locs.update(merged.locs())
    return out, out_locs, problems


def _locate(locs: Locs, path: Path) -> Location | None:
    for n in range(len(path), -1, -1):
        if path[:n] in locs:
            return locs[path[:n]]
    return None


def _pydantic_problems(err: Any, locs: Locs) -> list[Problem]:
    problems = []
    for e in err.errors(include_url=False):
        path: Path = tuple(p for p in e["loc"] if not _is_union_tag(p))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = f"unknown key '{path[-1]}'" + closest(str(path[-1]), _field_names(path[:-1]))
        elif e["type"] == "missing":
            msg = f"missing required key '{path[-1]}'"
        elif e["type"] == "string_pattern_mismatch":
            msg = "a name may hold only ASCII letters, digits, '_', '.' and '-'"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        if e["type"] not in ("missing", "extra_forbidden") and not isinstance(
                e.get("input"), dict | list):
            msg += f" (got {e['input']!r})"
        where = locs.get(path + (KEY,)) if e["type"] == "extra_forbidden" else None
        problems.append(Problem(msg, path, where or _locate(locs, path)))
    return _dedupe_union(problems)


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts the union member's type name into loc, e.g. 'float' or 'dict[str,float]'
    return isinstance(part, str) and (part in ("float", "int", "constrained-float")
                                      or part.startswith(("dict[", "list[", "function-")))


def _dedupe_union(problems: list[Problem]) -> list[Problem]:
    """A value failing every member of a union yields one error per member: keep the first."""
    seen: set[Path] = set()
    out = []
    for p in problems:
        if p.path in seen and "unknown key" not in p.message:
            continue
        seen.add(p.path)
        out.append(p)
    return out


def _field_names(path: Path) -> list[str]:
    from . import schema

    model: Any = schema.Instance
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        inner = next((a for a in (ann, *args) if isinstance(a, type)
                      and issubclass(a, schema.BaseModel)), None)
        if inner is None:
            return []
        model = inner
    return [f.alias or n for n, f in model.model_fields.items()]


def validate(data: dict, locs: Locs | None = None) -> tuple[Any, list[Problem]]:
    """Validate a dict (already read) into (Instance, warnings); raise InputError with all problems."""
    from pydantic import ValidationError

    from .checks import check_instance
    from .schema import Instance

    data, locs, problems = templates.expand(data, locs or {})
    if problems:
        raise InputError(problems)
    try:
        inst = Instance.model_validate(data)
    except ValidationError as e:
        # report the cross-reference errors too, from the items that did validate
        found = _pydantic_problems(e, locs)
        partial, invalid_names = partial_instance(data)
        found += [Problem(p.message, p.path, _locate(locs, p.path), p.severity)
                  for p in check_instance(partial, invalid_names)]
        raise InputError(_in_file_order(found)) from None
    found = check_instance(inst)
    if not any(p.severity == "error" for p in found):
        from .params import prepare
        from .structure import check_structure

        found += check_structure(prepare(inst))
    problems = [Problem(p.message, p.path, _locate(locs, p.path), p.severity) for p in found]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(_in_file_order(problems))
    return inst, problems


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    def key(p: Problem) -> tuple:
        loc = p.location
        return (0, loc.file, loc.line or 0, loc.column or 0) if loc else (1, "", 0, 0)
    return sorted(problems, key=key)


def partial_instance(data: Any) -> tuple[Any, dict[str, set[str]]]:
    """An Instance built without validation from the parts of `data` that validate on their own:
    list items that fail are None. Also the names of the failed items, by section."""
    from pydantic import ValidationError

    from . import schema

    items = {"commodities": schema.Commodity, "nodes": schema.Node,
             "propulsion": schema.Propulsion, "facilities": schema.Facility,
             "routes": schema.Route, "supplies": schema.Supply, "demands": schema.Demand}
    data = data if isinstance(data, dict) else {}
    invalid: dict[str, set[str]] = {}

    def each(raw: Any, model: Any, section: str) -> list:
        out = []
        for item in raw if isinstance(raw, list) else []:
            try:
                out.append(model.model_validate(item))
                continue
            except ValidationError as e:
                bad = {err["loc"][0] for err in e.errors() if err["loc"]}
            try:  # again without the offending keys: the rest can still be cross-checked
                trimmed = {k: v for k, v in item.items() if k not in bad}
                out.append(model.model_validate(trimmed))
            except (ValidationError, AttributeError):
                out.append(None)
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    invalid.setdefault(section, set()).add(item["name"])
        return out

    fields: dict[str, Any] = {k: each(data.get(k), m, k) for k, m in items.items()}
    horizon = data.get("horizon") if isinstance(data.get("horizon"), dict) else {}
    fields["horizon"] = schema.Horizon.model_construct(
        stages=each(horizon.get("stages"), schema.Stage, "stages"))
    hw = data.get("hardware_commodity")
    fields["hardware_commodity"] = hw if isinstance(hw, str) else None
    budgets = data.get("budgets")
    fields["budgets"] = {k: v for k, v in budgets.items() if isinstance(k, str)} if isinstance(
        budgets, dict) else {}
    return schema.Instance.model_construct(**fields), invalid


def load_checked(path: str | FsPath, timings: dict[str, float] | None = None
                 ) -> tuple[Any, list[Problem]]:
    """Read, merge includes and validate an instance file: (Instance, warnings).
    Records seconds spent in `timings['read']` and `timings['validate']` if given."""
    t0 = time.perf_counter()
    data, locs, problems = read_tree(FsPath(path))
    if problems:
        raise InputError(problems)
    t1 = time.perf_counter()
    out = validate(data, locs)
    if timings is not None:
        timings["read"], timings["validate"] = t1 - t0, time.perf_counter() - t1
    return out


def load(path: str | FsPath) -> Any:
    """Read, merge includes and validate an instance file. Raises InputError."""
    return load_checked(path)[0]
