"""Read instance files (YAML, or JSON by the `.json` suffix) with their includes, validate into
an `Instance`.

Every problem found is collected and raised together as one `InputError`, each naming the file,
line, column and path of the offending value. Locations are worked out lazily: files are first
read without marks (fast); the location-tracking reader reads the same texts again only when a
problem or warning needs a location, so the messages are exactly its own.
"""

from __future__ import annotations

import errno
import stat
from collections import defaultdict
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path as FsPath
from typing import Any

from . import templates
from .errors import (KEY, InputError, Location, Locs, Path, Problem, closest, from_pydantic,
                     locate)
from .gcpause import paused_gc
from .parse import (
    NeedsLocations,
    file_kind,
    is_json,
    json_with_locations,
    plain_json,
    plain_yaml,
    read_text,
    yaml_with_locations,
)

NAMED_SECTIONS = ("commodities", "nodes", "propulsion", "facility_templates", "route_templates",
                  "vehicle_templates", "facilities", "routes", "vehicles")
LIST_SECTIONS = (*NAMED_SECTIONS, "supplies", "demands")
CATALOG_KEYS = set(LIST_SECTIONS) | {"include", "name", "description", "source", "units"}


class LazyLocs(MutableMapping):
    """Locations by path, computed by `compute()` on first use (then a plain dict inside)."""

    def __init__(self, compute: Callable[[], MutableMapping[Path, Location]]) -> None:
        self._compute: Callable[[], MutableMapping[Path, Location]] | None = compute
        self._locs: dict[Path, Location] = {}

    @property
    def loaded(self) -> bool:
        return self._compute is None

    def _get(self) -> dict[Path, Location]:
        if self._compute is not None:
            compute, self._compute = self._compute, None
            got = compute()
            self._locs = (got._get() if isinstance(got, LazyLocs) else got
                          if isinstance(got, dict) else dict(got))
        return self._locs

    def __getitem__(self, path: Path) -> Location:
        return self._get()[path]

    def get(self, path: Path, default: Any = None) -> Any:
        return self._get().get(path, default)

    def __contains__(self, path: object) -> bool:
        return path in self._get()

    def __setitem__(self, path: Path, loc: Location) -> None:
        self._get()[path] = loc

    def __delitem__(self, path: Path) -> None:
        del self._get()[path]

    def __iter__(self) -> Iterator[Path]:
        return iter(self._get())

    def keys(self) -> Any:
        return self._get().keys()

    def items(self) -> Any:
        return self._get().items()

    def values(self) -> Any:
        return self._get().values()

    def __len__(self) -> int:
        return len(self._get())

    def __bool__(self) -> bool:  # `locs or {}` must not read the files again
        return not self.loaded or bool(self._locs)

    def __repr__(self) -> str:
        return f"LazyLocs({self._locs!r})" if self.loaded else "LazyLocs(<not read yet>)"


Texts = dict[FsPath, str]  # the text of each file read, for reading it again with locations
Reader = Callable[[FsPath], tuple[Any, Locs, list[Problem]]]


def _read(path: FsPath, texts: Texts | None = None) -> tuple[Any, Locs, list[Problem]]:
    """One file, with locations (from its text in `texts` if there)."""
    if texts is not None and path in texts:
        text = texts[path]
    else:
        text, problems = read_text(path)
        if problems:
            return None, {}, problems
    return (json_with_locations if is_json(path) else yaml_with_locations)(text, str(path))


def _read_fast(path: FsPath, texts: Texts) -> tuple[Any, Locs, list[Problem]]:
    """One file, without locations; keeps its text in `texts`. Raises NeedsLocations on any
    problem."""
    text, problems = read_text(path)
    if problems:
        raise NeedsLocations
    texts[path] = text
    return (plain_json if is_json(path) else plain_yaml)(text), {}, []


class _Merged:
    """List sections merged across files: items by name (a later file's item replaces an earlier
    one in place), each item with its locations relative to it. Linear in the number of values."""

    def __init__(self) -> None:
        self.items: dict[str, list] = {}
        self.item_locs: dict[str, list[Locs]] = {}
        self.index: dict[str, dict[str, int]] = {}
        self.section_locs: dict[str, Locs] = {}  # the section's own key and value locations

    def add(self, data: dict, locs: Locs, catalog: bool = False) -> list[Problem]:
        """Merge one file's sections in; return its problems the merge would hide: a name twice
        in one file (the second would replace the first), and in a catalog a section that is not
        a list (the including file's section would replace it)."""
        problems: list[Problem] = []
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
            if catalog and not isinstance(items, list):
                problems.append(Problem("Input should be a valid list", (section,),
                                        per_section[section].get(())))
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
            here: dict[str, int] = {}  # names met in this file
            for i, item in enumerate(items):
                name = item.get("name") if isinstance(item, dict) else None
                if not isinstance(name, str) or section not in NAMED_SECTIONS:
                    name = None
                if name is not None and name in here:
                    problems.append(Problem(
                        f"duplicate name '{name}' (also {section}[{here[name]}])",
                        (section, i, "name"), per_item[(section, i)].get(("name",))))
                    continue
                if name is not None:
                    here[name] = i
                if name is not None and name in index:
                    j = index[name]
                    target[j], target_locs[j] = item, per_item[(section, i)]
                else:
                    if name is not None:
                        index[name] = len(target)
                    target.append(item)
                    target_locs.append(per_item[(section, i)])
        return problems

    def locs(self) -> Locs:
        out: Locs = {}
        for section, items in self.items.items():
            out.update({(section, *p): loc for p, loc in self.section_locs[section].items()})
            for j, item_locs in enumerate(self.item_locs[section]):
                out.update({(section, j, *p): loc for p, loc in item_locs.items()})
        return out


def read_tree(path: FsPath, stack: tuple[FsPath, ...] = ()
              ) -> tuple[dict, MutableMapping[Path, Location], list[Problem]]:
    """Read a file and its includes, merged: list items by name (the including file wins).
    The locations are a LazyLocs: read again from the same texts when first looked up. If any
    file has a problem, the location-tracking reader reports it (and the locations are read)."""
    path = FsPath(path)
    texts: Texts = {}
    # a million small objects and no garbage cycles: the cyclic collector would only re-scan
    # them, more often the bigger the file (capa-8000 compose: 7.2 s -> 1.4 s)
    with paused_gc():
        try:
            data, _, problems = _tree(path, stack, lambda p: _read_fast(p, texts))
            fast = not problems
        except NeedsLocations:
            fast = False
        if not fast:
            return _tree(path, stack, lambda p: _read(p, texts))

    def located() -> Locs:
        with paused_gc():
            return _tree(path, stack, lambda p: _read(p, texts))[1]

    return data, LazyLocs(located), []


class _Frame:
    """A file of the include tree whose includes are being read."""

    def __init__(self, path: FsPath, chain: tuple[FsPath, ...], data: dict, locs: Locs,
                 includes: list[str]) -> None:
        self.path, self.chain, self.data, self.locs = path, chain, data, locs
        self.includes, self.next, self.merged = includes, 0, _Merged()


def _tree(path: FsPath, stack: tuple[FsPath, ...], read: Reader
          ) -> tuple[dict, Locs, list[Problem]]:
    """The include tree under `path`, merged depth first. A loop with a stack of files, not
    recursion: a legal chain of thousands of nested includes would pass Python's recursion
    limit."""
    problems: list[Problem] = []
    frames: list[_Frame] = []

    def start(p: FsPath, chain: tuple[FsPath, ...]) -> tuple[dict, Locs] | None:
        """Read `p`: its result if it has no includes (or a problem), else None (a new frame)."""
        data, locs, found = read(p)
        if found:
            problems.extend(found)
            return {}, locs
        if not isinstance(data, dict):
            kind = ("a list" if isinstance(data, list) else "a boolean" if isinstance(data, bool)
                    else "a number" if isinstance(data, int | float) else "a string")
            problems.append(Problem(f"the file must be a mapping of keys (name, horizon, ...), "
                                    f"not {kind}", location=locs.get(())))
            return {}, locs
        includes = data.get("include") or []
        if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
            problems.append(Problem("include must be a list of file paths", ("include",),
                                    locs.get(("include",))))
            return {}, locs
        if not includes:
            return data, locs
        frames.append(_Frame(p, chain, data, locs, includes))
        return None

    done = start(path, stack)
    while frames:
        f = frames[-1]
        if done is not None:  # the include just read: merge it in
            sub, sub_locs = done
            done = None
            for key in sub:
                if key not in CATALOG_KEYS:
                    problems.append(Problem(
                        f"a catalog may hold only {', '.join(sorted(CATALOG_KEYS))}; "
                        f"'{key}' belongs in the instance{closest(key, CATALOG_KEYS)}",
                        (key,), sub_locs.get((key, KEY))))
            problems.extend(f.merged.add(sub, sub_locs, catalog=True))
        if f.next < len(f.includes):
            i, f.next = f.next, f.next + 1
            here = f.locs.get(("include", i))
            me = _resolved(f.path)
            inc_path, trouble = _include_path(f.path, f.includes[i])
            if inc_path is not None and (inc_path in f.chain or inc_path == me):
                chain = " -> ".join(str(p) for p in (*f.chain, me, inc_path))
                trouble = f"include cycle: {chain}"
            if trouble is not None or inc_path is None:
                problems.append(Problem(trouble or "", ("include", i), here))
                continue
            done = start(inc_path, (*f.chain, me))
            continue
        frames.pop()
        problems.extend(f.merged.add(f.data, f.locs))
        out = {k: v for k, v in f.data.items() if k not in LIST_SECTIONS}
        out.update(f.merged.items)
        out_locs = {p: loc for p, loc in f.locs.items() if not p or p[0] not in LIST_SECTIONS}
        out_locs.update(f.merged.locs())
        done = out, out_locs
    assert done is not None
    return done[0], done[1], problems


def _resolved(path: FsPath) -> FsPath:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # read already refused such a path
        return path.absolute()


def _include_path(parent: FsPath, include: str) -> tuple[FsPath | None, str | None]:
    """The file an include names, or why it cannot be read (a symlink loop, a NUL, a folder)."""
    shown = include.encode("unicode_escape").decode("ascii")  # no raw NUL or newline
    try:
        path = (parent.parent / include).resolve()
    except RuntimeError:  # Python 3.11's resolve() on a symlink loop
        return None, f"included file is a symlink loop: {shown}"
    except ValueError:
        return None, f"included file name holds a NUL character: {shown}"
    except OSError as e:
        return None, f"included file cannot be found: {shown} ({e.strerror or e})"
    try:
        mode = path.stat().st_mode
    except OSError as e:
        if e.errno == errno.ELOOP:
            return None, f"included file is a symlink loop: {shown}"
        return None, f"included file not found: {path}"
    if not stat.S_ISREG(mode):
        return None, f"included file is {file_kind(mode)}, not a file: {path}"
    return path, None


def _pydantic_problems(err: Any, locs: MutableMapping[Path, Location]) -> list[Problem]:
    problems = []
    for e in err.errors(include_url=False):
        path: Path = tuple(p for p in e["loc"] if not _is_union_tag(p))
        fields = _field_names(path[:-1]) if e["type"] == "extra_forbidden" else []
        problems.append(from_pydantic(e, path, locs, fields))
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
    from . import schema  # pydantic (the instance models): imported only when validating

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


def validate_data(data: dict, locs: MutableMapping[Path, Location] | None = None,
                  more: Callable[[Any], list[Problem]] | None = None
                  ) -> tuple[Any, list[Problem]]:
    """Validate a dict (already read) into (Instance, warnings); raise InputError with all problems.
    `locs` (a dict or read_tree's LazyLocs) is looked up only for the problems found. `more`, if
    given, checks an Instance that passed the schema and the instance checks further (plan.py
    passes the structural checks, which need the prepared model data); its problems are located
    and reported with the others."""
    with paused_gc():  # as in read_tree; 100k routes: 1.63 s -> 1.33 s
        return _validate(data, {} if locs is None else locs, more)


def _validate(raw: dict, raw_locs: MutableMapping[Path, Location],
              more: Callable[[Any], list[Problem]] | None) -> tuple[Any, list[Problem]]:
    from pydantic import ValidationError  # pydantic: imported only when validating

    from .checks import check_instance
    from .schema import Instance

    # templates expanded without locations: they are carried over only when a problem needs them
    data, _, problems = templates.expand(raw, {})
    if problems:
        raise InputError(templates.expand(raw, raw_locs)[2])  # type: ignore[arg-type]
    locs = LazyLocs(lambda: templates.expand(raw, raw_locs)[1])  # type: ignore[arg-type]
    try:
        inst = Instance.model_validate(data)
    except ValidationError as e:
        # report the cross-reference errors too, from the items that did validate
        found = _pydantic_problems(e, locs)
        partial, invalid_names = partial_instance(data)
        found += [Problem(p.message, p.path, locate(locs, p.path), p.severity)
                  for p in check_instance(partial, invalid_names)]
        raise InputError(_in_file_order(found)) from None
    found = check_instance(inst)
    if more is not None and not any(p.severity == "error" for p in found):
        found += more(inst)
    problems = [Problem(p.message, p.path, locate(locs, p.path), p.severity) for p in found]
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
    from pydantic import ValidationError  # pydantic: imported only when validating

    from . import schema

    items = {"commodities": schema.Commodity, "nodes": schema.Node,
             "propulsion": schema.Propulsion, "facilities": schema.Facility,
             "routes": schema.Route, "vehicles": schema.Vehicle, "supplies": schema.Supply,
             "demands": schema.Demand}
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
    start = horizon.get("start_year")
    given: dict[str, Any] = {"stages": each(horizon.get("stages"), schema.Stage, "stages")}
    if type(start) is int:  # the time checks need it; anything else is reported already
        given["start_year"] = start
    fields["horizon"] = schema.Horizon.model_construct(**given)
    hw = data.get("hardware_commodity")
    fields["hardware_commodity"] = hw if isinstance(hw, str) else None
    budgets = data.get("budgets")
    fields["budgets"] = {k: v for k, v in budgets.items() if isinstance(k, str)} if isinstance(
        budgets, dict) else {}
    return schema.Instance.model_construct(**fields), invalid
