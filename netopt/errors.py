"""Problems found in input, and the exception that carries them."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:  # a key: a YAML `true:` or `null:` key reads as True or None, shown as written
            name = ("true" if part else "false") if isinstance(part, bool) else (
                "null" if part is None else str(part))
            out += f".{name}" if out else name
    return out


# control characters in a message would break its line (a name holding a newline), and C0/C1
# escapes (ESC [, 0x9b) would drive the terminal: escaped
_CONTROL = ({i: f"\\x{i:02x}" for i in (*range(32), *range(0x7f, 0xa0))}
            | {9: "\\t", 10: "\\n", 13: "\\r"})
_CONTROL_BUT_NEWLINE = {i: v for i, v in _CONTROL.items() if i != 10}


def printable(text: str, newlines: bool = False) -> str:
    """`text` on one line: control characters written as Python escapes (\\n, \\x00). With
    `newlines`, line breaks are kept (a table cell of several lines)."""
    return text.translate(_CONTROL_BUT_NEWLINE if newlines else _CONTROL)


class Location(NamedTuple):  # a tuple: cheap to make for every value of a large file
    file: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


Locs = MutableMapping[Path, Location]  # where each value of a file is written, by its path (a
# dict, or load.LazyLocs reading the locations only when first looked up)
KEY = "\0key"  # locs[path + (KEY,)] is where the key of the value at `path` is written


def locate(locs: Mapping[Path, Location], path: Path) -> Location | None:
    """Where `path` is written, or its closest written parent."""
    for n in range(len(path), -1, -1):
        if path[:n] in locs:
            return locs[path[:n]]
    return None


@dataclass(frozen=True)
class Problem:
    message: str
    path: Path = ()
    location: Location | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        what = f"{format_path(self.path)}: " if self.path else ""
        tag = "warning: " if self.severity == "warning" else ""
        return printable(f"{where}{tag}{what}{self.message}")


class InputError(Exception):
    """Invalid input; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class FieldError(ValueError):
    """A model validator's error about one of the model's fields (a rule between fields): its
    problem is located at that field (file:line:col of the value), not at the whole element."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def from_pydantic(err: Mapping[str, Any], path: Path, locs: Mapping[Path, Location],
                  fields: Iterable[str] = (), *,
                  suggest: Callable[[str, Iterable[Any]], str] | None = None,
                  got: bool = True) -> Problem:
    """One pydantic validation error (an item of ValidationError.errors()) in netopt's words, at
    `path` (the error's loc, cleaned by the caller) and its location: an unknown key names the
    closest of `fields` (`suggest`: closest, or did_you_mean), a missing key says so, a value
    error loses pydantic's prefix; with `got`, the offending value is shown."""
    kind, msg = err["type"], str(err["msg"]).removeprefix("Value error, ")
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldError):
        path = path + (cause.field,)
    if kind == "invalid_key":  # `true: 2`: pydantic's loc holds the key as 1, not True
        key = err["input"]
        path = path[:-1] + (key,)
        shown = format_path((key,))
        return Problem(f"a key must be a name, not {type(key).__name__} {shown}: write "
                       f"'{shown}'", path, locs.get(path + (KEY,)) or locate(locs, path))
    if kind == "extra_forbidden":
        msg = f"unknown key '{path[-1]}'" + (suggest or closest)(str(path[-1]), fields)
    elif kind == "missing":
        msg = f"missing required key '{path[-1]}'"
    elif kind == "string_pattern_mismatch":
        msg = "a name may hold only ASCII letters, digits, '_', '.' and '-'"
    if got and kind not in ("missing", "extra_forbidden") and not isinstance(
            err.get("input"), dict | list):
        msg += f" (got {err['input']!r})"
    where = locs.get(path + (KEY,)) if kind == "extra_forbidden" else None
    return Problem(msg, path, where or locate(locs, path))


def closest(name: str, choices: Iterable[Any]) -> str:
    """' (did you mean 'x'?)' for a choice similar enough to `name`, or ''."""
    match = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def closest_choice(name: str, choices: Iterable[Any]) -> str | None:
    """The most similar choice (always one if there are choices: 'the closest valid one')."""
    names = sorted({str(c) for c in choices})
    if not names:
        return None
    match = difflib.get_close_matches(name, names, n=1, cutoff=0.0)
    return match[0] if match else names[0]


def did_you_mean(name: str, choices: Iterable[Any]) -> str:
    """' (did you mean 'x'?)' for the closest choice however far (see closest_choice), or ''."""
    best = closest_choice(name, choices)
    return f" (did you mean '{best}'?)" if best else ""


class UsageError(Exception):
    """A request that cannot be carried out as asked (a missing solver, a sweep's usage): the
    command line's exit code 2."""
