"""Problems found in input, and the exception that carries them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class Location(NamedTuple):  # a tuple: cheap to make for every value of a large file
    file: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


Locs = dict[Path, Location]  # where each value of a file is written, by its path
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
        return f"{where}{tag}{what}{self.message}"


class InputError(Exception):
    """Invalid input; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def closest(name: str, choices: list[str] | set[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or ''."""
    import difflib

    match = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""
