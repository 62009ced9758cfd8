"""One instance file's text -> data: YAML or JSON (by the `.json` suffix), fast without locations,
or exactly with the file, line and column of every value and the problems found reading it.

The fast readers raise `NeedsLocations` on anything only the exact ones report word for word
(syntax errors, duplicate keys, tags, alias bombs...); `load.read_tree` then reads the same text
again with locations. Safe loading only: no object is constructed from a tag.
"""

from __future__ import annotations

import json
import os
import re
import stat
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
MAX_NODES = 2_000_000  # bounds alias expansion ("billion laughs"); MAX_BYTES bounds the rest


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's parser when PyYAML has it (about 10x faster on large files), reading plain
    scalars as YAML 1.2's core schema does: only true/false are booleans (`yes`, `on` are
    strings), `0400` is decimal, `6:40` a string, `1e3` a number; no timestamps. YAML 1.1's
    readings turned typos into numbers silently (`capacity: yes` was 1.0)."""


_Loader.yaml_implicit_resolvers = {}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(  # before float: "12" is an int
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), list("-+.0123456789"))
_Loader.add_implicit_resolver(  # merge keys are not YAML 1.2, but files use them
    "tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


def _int(_loader: Any, node: ScalarNode) -> int:
    v = node.value  # matched the int pattern above
    return int(v[2:], 8) if v.startswith("0o") else int(v[2:], 16) if v.startswith("0x") else int(v)


_NAN = float("nan")  # one object, as PyYAML's: data read twice compares equal


def _float(_loader: Any, node: ScalarNode) -> float:
    v = node.value  # matched the float pattern above
    if v[-1] in "nN":
        return _NAN
    return float(v.replace(".", "")) if v[-1] in "fF" else float(v)  # .inf, -.Inf


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)


class NeedsLocations(Exception):
    """The fast reader met something that only the location-tracking reader reports exactly."""


def yaml_with_locations(text: str, file: str) -> tuple[Any, Locs, list[Problem]]:
    """YAML text -> (data, locations by path, problems)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, [Problem("the file is empty", location=Location(file, 1, 1))]
        shared = "&" in text  # without anchors there are no aliases to expand
        if shared:
            _check_alias_expansion(node)
        problems: list[Problem] = []
        locs: Locs = {}
        _walk(node, (), file, locs, problems)
        if problems:
            return None, locs, problems
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else None
        if isinstance(e, yaml.constructor.ConstructorError) and "tag" in (e.problem or ""):
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
    scalars by its own methods); anything else (other tags, merge keys, duplicate keys)
    raises NeedsLocations."""
    scalars = {"tag:yaml.org,2002:int": lambda n: _int(loader, n),
               "tag:yaml.org,2002:float": lambda n: _float(loader, n),
               "tag:yaml.org,2002:bool": loader.construct_yaml_bool,
               "tag:yaml.org,2002:null": loader.construct_yaml_null}
    memo: dict[int, Any] = {}  # an aliased node is one object, as in SafeConstructor

    def value(node: yaml.Node) -> Any:
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
            return out
        if cls is SequenceNode and tag == _SEQ:
            items: list = []
            if shared:
                memo[id(node)] = items
            items.extend(value(c) for c in node.value)
            return items
        raise NeedsLocations

    return value(root)


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
    if duplicates:
        raise NeedsLocations
    return data


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


def _json_locations(text: str, file: str) -> tuple[Locs, list[Problem]]:
    """Where each value and key of valid JSON `text` is written, as _walk finds them in YAML,
    and its duplicate keys. A small scanner: only run when a location is needed."""
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    locs: Locs = {}
    problems: list[Problem] = []
    # _WS matches any run of whitespace, the empty one too: never None
    ws = cast("Callable[[str, int], re.Match[str]]", _WS.match)
    scan = json.decoder.scanstring  # type: ignore[attr-defined]  # public, not in typeshed

    def at(pos: int) -> Location:
        line = bisect_right(starts, pos)
        return Location(file, line, pos - starts[line - 1] + 1)

    def value(pos: int, path: Path | None) -> int:
        """Skip the value at `pos`, recording locations under `path` (None: not recorded, as
        _walk does not walk the value of a duplicate key); return where it ends."""
        if path is not None:
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

    value(ws(text, 0).end(), ())
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
    aliased = expanded - distinct  # values that exist only as copies made by aliases
    if expanded > MAX_NODES or (aliased > 100 and expanded > 1000
                                and aliased > expanded * allowed_alias_ratio(expanded)):
        raise yaml.YAMLError(f"aliases expand {distinct} values into {expanded}: refusing the "
                             "file (alias bomb?)")


def allowed_alias_ratio(expanded: int) -> float:
    """Largest share of a document's values that may be alias copies: go-yaml v3's rule (99 %
    up to 400,000 values, falling linearly to 10 % at 4,000,000), which lets a list shared by
    every route through and stops exponential expansion long before memory runs out."""
    low, high = 400_000, 4_000_000
    if expanded <= low:
        return 0.99
    if expanded >= high:
        return 0.10
    return 0.99 - 0.89 * (expanded - low) / (high - low)


def _walk(node: yaml.Node, path: Path, file: str, locs: Locs, problems: list[Problem]) -> None:
    locs[path] = Location(file, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
                problems.append(Problem(
                    f"a key must be a name, not {kind}", path,
                    Location(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)))
                continue
            key = key_node.value
            if key in seen:
                problems.append(Problem(
                    f"duplicate key '{key}' (first at line {seen[key]})", path + (key,),
                    Location(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)))
                continue
            seen[key] = key_node.start_mark.line + 1
            if key_node.tag != _STR:  # `true: 2`: the data's key is True, the text's 'true'
                scalar = _SCALARS.get(key_node.tag)
                key = scalar(None, key_node) if scalar else key
            locs[path + (key, KEY)] = Location(file, key_node.start_mark.line + 1,
                                               key_node.start_mark.column + 1)
            _walk(value_node, path + (key,), file, locs, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), file, locs, problems)


_SCALARS = {"tag:yaml.org,2002:int": _int, "tag:yaml.org,2002:float": _float,
            "tag:yaml.org,2002:bool": lambda _, n: n.value.lower() == "true",
            "tag:yaml.org,2002:null": lambda _, n: None}


def read_text(path: FsPath) -> tuple[str, list[Problem]]:
    """A file's text, or the problem reading it. Only regular files are read (a FIFO would block
    for ever, /dev/zero never end), and at most MAX_BYTES + 1 bytes of them."""
    file = str(path)
    try:
        raw = read_bounded(path, MAX_BYTES)
    except NotReadable as e:
        if e.located:
            return "", [Problem(str(e), location=Location(file, 1, 1))]
        return "", [Problem(f"cannot read file: {e}", location=Location(file))]
    note_read(path, raw)  # provenance: what a result was computed from
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as e:
        return "", [Problem(f"not UTF-8 text (byte {e.start}: {raw[e.start]:#04x})",
                            location=Location(file, 1, 1))]


class NotReadable(OSError):
    """A file that cannot be read, or may not be: the message says why."""

    def __init__(self, message: str, located: bool = False) -> None:
        super().__init__(message)
        self.located = located

    def __str__(self) -> str:
        return str(self.args[0])  # the message is about the content (file:1:1), not the path


def file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def read_bounded(path: str | FsPath, limit: int) -> bytes:
    """The bytes of the regular file `path`, if there are at most `limit` of them; raises
    NotReadable otherwise. Opened without blocking, so a FIFO is refused rather than waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError) as e:  # ValueError: a NUL in the path
        raise NotReadable(f"{getattr(e, 'strerror', None) or e}") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as e:
        os.close(fd)
        raise NotReadable(f"{e.strerror or e}") from None
    if not stat.S_ISREG(mode):  # before fdopen, which refuses a directory with its own error
        os.close(fd)
        raise NotReadable(f"it is {file_kind(mode)}, not a regular file")
    with os.fdopen(fd, "rb") as f:
        try:
            raw = f.read(limit + 1)
        except OSError as e:
            raise NotReadable(f"{e.strerror or e}") from None
    if len(raw) > limit:
        size = max(os.stat(path).st_size, len(raw))
        raise NotReadable(f"file is {size} bytes, more than the {limit} allowed", located=True)
    return raw


def yaml_value(text: str) -> Any:
    """One value written on the command line (`--set PATH=VALUE`), read as instance files are:
    YAML 1.2 scalars, aliases bounded. Raises yaml.YAMLError, or ValueError for a number
    Python refuses (more than 4300 digits)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "&" in text:
            _check_alias_expansion(node)
        return loader.construct_document(node)
    except RecursionError:
        raise yaml.YAMLError("values nested too deeply") from None
    finally:
        loader.dispose()


def is_json(path: FsPath) -> bool:
    return path.suffix.lower() == ".json"
