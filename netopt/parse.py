"""One instance file's text -> data: YAML or JSON (by the `.json` suffix), fast without locations,
or exactly with the file, line and column of every value and the problems found reading it.

The fast readers raise `NeedsLocations` on anything only the exact ones report word for word
(syntax errors, duplicate keys, tags, alias bombs...); `load.read_tree` then reads the same text
again with locations. Safe loading only: no object is constructed from a tag.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path as FsPath
from sys import intern
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import KEY, Location, Locs, Path, Problem
from .provenance import note_read

MAX_BYTES = 20 * 1024 * 1024
MAX_NODES = 2_000_000  # bounds alias expansion ("billion laughs")


# libyaml's parser when PyYAML has it (about 10x faster on large files), with the same node marks
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class NeedsLocations(Exception):
    """The fast reader met something that only the location-tracking reader reports exactly."""


def yaml_with_locations(text: str, file: str) -> tuple[Any, Locs, list[Problem]]:
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
    except RecursionError:
        return None, {}, [Problem("YAML error: values nested too deeply",
                                  location=Location(file, 1, 1))]
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        return None, {}, [Problem(f"YAML error: {e}", location=Location(file, 1, 1))]
    finally:
        loader.dispose()
    return data, locs, []


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def plain_yaml(text: str) -> Any:
    """YAML text -> the data `yaml_with_locations` returns, without locations (capa-8000: 1.8 s
    instead of 3.6 s). Raises NeedsLocations wherever `yaml_with_locations` could report a problem
    or construct differently."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise NeedsLocations
        shared = "&" in text
        if shared:
            _check_alias_expansion(root)
        return _construct(root, loader, shared)
    except (yaml.YAMLError, RecursionError, ValueError) as e:
        raise NeedsLocations from e
    finally:
        loader.dispose()


def _construct(root: yaml.Node, loader: Any, shared: bool) -> Any:
    """Plain data from the node tree, as SafeConstructor builds it for the tags it covers (the
    scalars by its own methods); anything else (other tags, merge keys, duplicate keys, more
    than MAX_NODES values) raises NeedsLocations."""
    scalars = {"tag:yaml.org,2002:int": loader.construct_yaml_int,
               "tag:yaml.org,2002:float": loader.construct_yaml_float,
               "tag:yaml.org,2002:bool": loader.construct_yaml_bool,
               "tag:yaml.org,2002:null": loader.construct_yaml_null}
    memo: dict[int, Any] = {}  # an aliased node is one object, as in SafeConstructor
    count = 1  # values, as _walk counts them

    def value(node: yaml.Node) -> Any:
        nonlocal count
        cls, tag = node.__class__, node.tag
        if cls is ScalarNode:
            if tag == _STR:
                return node.value
            make = scalars.get(tag)
            if make is None:
                raise NeedsLocations
            return make(node)
        if shared and id(node) in memo:
            return memo[id(node)]
        if cls is MappingNode and tag == _MAP:
            pairs = node.value
            out: dict = {}
            if shared:
                memo[id(node)] = out
            keys_as_written = True
            for k, v in pairs:
                if k.__class__ is not ScalarNode:
                    raise NeedsLocations
                if k.tag == _STR:
                    out[intern(k.value)] = value(v)  # one string per key name, as json has
                elif k.tag in scalars:  # merge keys are not: _walk skips them
                    out[scalars[k.tag](k)] = value(v)
                    keys_as_written = False
                else:
                    raise NeedsLocations
            # _walk compares keys as written: `1` and `'1'` are duplicates there
            if len(out) != len(pairs) or not keys_as_written and len(
                    {k.value for k, _ in pairs}) != len(pairs):
                raise NeedsLocations
            count += len(pairs)
            return out
        if cls is SequenceNode and tag == _SEQ:
            items: list = []
            if shared:
                memo[id(node)] = items
            items.extend(value(c) for c in node.value)
            count += len(items)
            return items
        raise NeedsLocations

    data = value(root)
    if count > MAX_NODES:
        raise NeedsLocations
    return data


def plain_json(text: str) -> Any:
    """JSON text -> data (the stdlib's C parser); raises NeedsLocations where
    `json_with_locations` reports a problem."""
    if not text.strip():
        raise NeedsLocations
    duplicates = False

    def pairs(items: list[tuple[str, Any]]) -> dict:
        nonlocal duplicates
        out = dict(items)
        if len(out) != len(items):
            duplicates = True
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except (ValueError, RecursionError) as e:
        raise NeedsLocations from e
    # every value but the root follows a ',', '[' or ':': count them only if there may be many
    if duplicates or (text.count(",") + text.count("[") + text.count(":") >= MAX_NODES
                      and _count(data) > MAX_NODES):
        raise NeedsLocations
    return data


def _count(data: Any) -> int:
    n, stack = 1, [data]
    while stack:
        x = stack.pop()
        children = x.values() if isinstance(x, dict) else x if isinstance(x, list) else ()
        for c in children:
            n += 1
            if isinstance(c, dict | list):
                stack.append(c)
    return n


_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")


def json_with_locations(text: str, file: str) -> tuple[Any, Locs, list[Problem]]:
    """JSON text -> (data, locations by path, problems), as `yaml_with_locations` for YAML."""
    if not text.strip():
        return None, {}, [Problem("the file is empty", location=Location(file, 1, 1))]
    try:
        data = json.loads(text)
        locs, problems = _json_locations(text, file)
    except json.JSONDecodeError as e:
        return None, {}, [Problem(f"JSON syntax error: {e.msg}",
                                  location=Location(file, e.lineno, e.colno))]
    except RecursionError:
        return None, {}, [Problem("JSON error: values nested too deeply",
                                  location=Location(file, 1, 1))]
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        return None, {}, [Problem(f"JSON error: {e}", location=Location(file, 1, 1))]
    if problems:
        return None, locs, problems
    return data, locs, []


class _TooMany(Exception):
    pass


def _json_locations(text: str, file: str) -> tuple[Locs, list[Problem]]:
    """Where each value and key of valid JSON `text` is written, as _walk finds them in YAML,
    and its duplicate keys. A small scanner: only run when a location is needed."""
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    locs: Locs = {}
    problems: list[Problem] = []
    count = 0
    # _WS matches any run of whitespace, the empty one too: never None
    ws = cast("Callable[[str, int], re.Match[str]]", _WS.match)
    scan = json.decoder.scanstring  # type: ignore[attr-defined]  # public, not in typeshed

    def at(pos: int) -> Location:
        line = bisect_right(starts, pos)
        return Location(file, line, pos - starts[line - 1] + 1)

    def value(pos: int, path: Path | None) -> int:
        """Skip the value at `pos`, recording locations under `path` (None: not recorded, as
        _walk does not walk the value of a duplicate key); return where it ends."""
        nonlocal count
        if path is not None:
            count += 1
            if count > MAX_NODES:
                raise _TooMany
            locs[path] = at(pos)
        c = text[pos]
        if c == "{":
            seen: dict[str, int] = {}
            pos = ws(text, pos + 1).end()
            while text[pos] != "}":
                key, end = scan(text, pos + 1)
                start, pos = pos, ws(text, ws(text, end).end() + 1).end()  # past the ':'
                if path is None:
                    pos = value(pos, None)
                elif key in seen:
                    problems.append(Problem(f"duplicate key '{key}' (first at line {seen[key]})",
                                            path + (key,), at(start)))
                    pos = value(pos, None)
                else:
                    here = at(start)
                    seen[key] = here.line or 0
                    locs[path + (key, KEY)] = here
                    pos = value(pos, path + (key,))
                pos = ws(text, pos).end()
                if text[pos] == ",":
                    pos = ws(text, pos + 1).end()
            return pos + 1
        if c == "[":
            i = 0
            pos = ws(text, pos + 1).end()
            while text[pos] != "]":
                pos = ws(text, value(pos, None if path is None else path + (i,))).end()
                i += 1
                if text[pos] == ",":
                    pos = ws(text, pos + 1).end()
            return pos + 1
        if c == '"':
            return scan(text, pos + 1)[1]
        number = _NUMBER.match(text, pos)
        if number:
            return number.end()
        return pos + len(next(w for w in _LITERALS if text.startswith(w, pos)))

    try:
        value(ws(text, 0).end(), ())
    except _TooMany:
        return {}, [Problem(f"JSON error: more than {MAX_NODES} values; refusing the file",
                            location=Location(file, 1, 1))]
    return locs, problems


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


def read_text(path: FsPath) -> tuple[str, list[Problem]]:
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        return "", [Problem(f"cannot read file: {e.strerror or e}", location=Location(file))]
    note_read(path, raw)  # provenance: what a result was computed from
    if len(raw) > MAX_BYTES:
        return "", [Problem(f"file is {len(raw)} bytes, more than the {MAX_BYTES} allowed",
                            location=Location(file, 1, 1))]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as e:
        return "", [Problem(f"not UTF-8 text (byte {e.start}: {raw[e.start]:#04x})",
                            location=Location(file, 1, 1))]


def is_json(path: FsPath) -> bool:
    return path.suffix.lower() == ".json"
