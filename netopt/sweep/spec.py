"""What a sweep varies: parameters (grid values or distributions), the spec, and sweep files."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import (KEY, InputError, Location, Locs, Problem, UsageError, did_you_mean,
                      from_pydantic, locate)
from ..load import read_tree
from ..parse import yaml_value
from ..paths import PathError, get_at, resolve
from ..scenario import Override
from .distributions import DIST_NAMES, Choice, Distribution, draw_u

# ---------------------------------------------------------------------------------------------
# The sweep definition


SCALE = "scale:"


@dataclass
class Param:
    path: str
    values: list[Any] | None = None  # grid values
    dist: Any = None  # a distribution
    location: Location | None = None  # where it is defined (for error messages)
    scale: bool = False  # values are factors of the base's value (a number or numbers by key)

    @property
    def column(self) -> str:
        """Its column in the table: the path, or `scale:PATH` holding the factor."""
        return SCALE + self.path if self.scale else self.path


@dataclass
class SweepSpec:
    params: list[Param] = field(default_factory=list)
    samples: int | None = None
    seed: int = 0

    @property
    def grid(self) -> list[Param]:
        return [p for p in self.params if p.values is not None]

    @property
    def sampled(self) -> list[Param]:
        return [p for p in self.params if p.dist is not None]

    @property
    def paths(self) -> list[str]:
        """The parameters' table columns (`PATH`, or `scale:PATH` for a factor)."""
        return [p.column for p in self.params]

    def check(self) -> None:
        """Raise InputError if the definition cannot run."""
        problems = []
        seen: dict[str, Param] = {}
        for p in self.params:
            if p.path in seen:
                problems.append(Problem(f"'{p.path}' is swept twice", location=p.location))
            seen[p.path] = p
            if p.values is not None and not p.values:
                problems.append(Problem(f"'{p.path}' has no values", location=p.location))
            if p.scale and p.values is not None and not all(_is_number(v) for v in p.values):
                problems.append(Problem(f"'{p.path}': scale factors are numbers",
                                        location=p.location))
            if p.scale and isinstance(p.dist, Choice) and not all(
                    _is_number(v) for v in p.dist.values):
                problems.append(Problem(f"'{p.path}': scale factors are numbers",
                                        location=p.location))
        if self.sampled and not self.samples:
            problems.append(Problem("distributions need a number of samples (samples: N in the "
                                    "sweep file, or --samples N)",
                                    location=self.sampled[0].location))
        if self.samples and not self.sampled:
            problems.append(Problem("samples need distributions (give them in a sweep file)"))
        if not self.params:
            problems.append(Problem("nothing to sweep: give --param PATH=v1,v2,... or a sweep file"
                                    " with grid or distributions"))
        if problems:
            raise InputError(problems)

    def __len__(self) -> int:
        n = math.prod(len(p.values or ()) for p in self.grid)
        return n * (self.samples or 1) if self.sampled else n

    def runs(self) -> list[dict[str, Any]]:
        """{column: value} of every run, in run-id order (a `scale:` column holds the factor)."""
        grid = self.grid
        points: list[dict[str, Any]] = [{}]
        for p in grid:
            points = [{**pt, p.column: v} for pt in points for v in (p.values or [])]
        if not self.sampled:
            return points
        draws = [{p.column: p.dist.ppf(draw_u(self.seed, j, p.column)) for p in self.sampled}
                 for j in range(self.samples or 0)]
        order = {p.column: i for i, p in enumerate(self.params)}
        return [dict(sorted({**pt, **d}.items(), key=lambda kv: order[kv[0]]))
                for pt in points for d in draws]

    def overrides(self, run: dict[str, Any], base_values: dict[str, Any]) -> dict[str, Any]:
        """{path: value} a run sets: its values, and its factors times the base's values."""
        out = {}
        for p in self.params:
            v = run[p.column]
            out[p.path] = scaled(base_values[p.path], v) if p.scale else v
        return out

    def describe(self) -> dict[str, Any]:
        return {"grid": {p.column: p.values for p in self.grid},
                "distributions": {p.column: p.dist.model_dump() for p in self.sampled},
                "samples": self.samples, "seed": self.seed}


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def scaled(value: Any, factor: float) -> Any:
    """value x factor: a number, or every number of a mapping (a per-stage price...)."""
    if _is_number(value):
        return value * factor
    if isinstance(value, dict):
        return {k: scaled(v, factor) for k, v in value.items()}
    raise ValueError(f"only a number or a mapping of numbers can be scaled, not {value!r}")


def base_values(data: dict, spec: SweepSpec, inst: Any) -> dict[str, Any]:
    """The base's value at each scaled path, defaults and template values included
    (InputError if one is not a number or a mapping of numbers). `inst`: the base validated."""

    scaled_params = [p for p in spec.params if p.scale]
    if not scaled_params:
        return {}
    full = inst.model_dump(by_alias=True)
    out, problems = {}, []
    for p in scaled_params:
        try:
            value = get_at(full, resolve(data, p.path))
            scaled(value, 1.0)
        except (KeyError, IndexError, TypeError):
            problems.append(Problem(f"'{p.path}' has no value in the base to scale",
                                    location=p.location))
            continue
        except ValueError:
            problems.append(Problem(f"'{p.path}' is {value!r} in the base: only a number or a "
                                    "mapping of numbers can be scaled", location=p.location))
            continue
        out[p.path] = value
    if problems:
        raise InputError(problems)
    return out


def split_values(text: str) -> list[str]:
    """'0.5,1,{a: 1, b: 2}' -> ['0.5', '1', '{a: 1, b: 2}'] (commas inside brackets, braces or
    quotes do not split)."""
    out, depth, quote, cur = [], 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        cur += ch
    out.append(cur)
    return [s.strip() for s in out]


def parse_param(text: str, scale: bool = False) -> Param:
    """`PATH=v1,v2,...` (each value YAML) or `PATH=[v1, v2]` (a YAML list); with `scale` the
    values are factors of the base's value (`--scale`)."""
    loc = Location(f"{'--scale' if scale else '--param'} {text}")
    path, sep, raw = text.partition("=")
    if not sep or not path.strip() or not raw.strip():
        raise InputError([Problem(f"'{text}' is not PATH=v1,v2,... (e.g. "
                                  "routes[launch].cost_per_t=0.5,1,2,4)", location=loc)])
    try:  # as instance files are read: YAML 1.2 scalars, aliases bounded
        if raw.strip().startswith("[") and raw.strip().endswith("]"):
            values = yaml_value(raw)
        else:
            values = [yaml_value(s) if s else None for s in split_values(raw)]
    except (yaml.YAMLError, ValueError) as e:
        raise InputError([Problem(f"a value is not valid YAML: {e}", location=loc)]) from None
    return Param(path.strip(), list(values), location=loc, scale=scale)


class SweepFileModel(BaseModel):
    """A sweep file: what to vary and how (see docs/scenarios.md)."""

    model_config = ConfigDict(extra="forbid")
    base: str | None = None
    """Base instance (or scenario) file, relative to the sweep file; the command line's wins."""
    scenarios: list[str] = []
    """Scenario files applied to the base first, relative to the sweep file."""
    set: dict[str, Any] = {}
    """Fixed overrides (path: value) applied to the base first."""
    grid: dict[str, list[Any]] = {}
    """path: list of values; runs are the cartesian product."""
    scale: dict[str, list[float]] = {}
    """path: list of factors of the base's value (grid parameters too)."""
    samples: int | None = Field(default=None, ge=1, le=10_000_000)
    """Monte-Carlo draws (per grid point)."""
    seed: int = 0
    """Seed of the draws."""
    distributions: dict[str, Distribution] = {}
    """path: {dist: uniform|loguniform|normal|lognormal|triangular|choice, ...}."""


@dataclass
class SweepFile:
    spec: SweepSpec
    base: FsPath | None = None
    scenarios: list[FsPath] = field(default_factory=list)
    sets: list[Override] = field(default_factory=list)


def is_sweep_file(data: Any) -> bool:
    return isinstance(data, dict) and "horizon" not in data and any(
        k in data for k in ("grid", "distributions", "samples"))


def read_sweep_file(path: str | FsPath) -> SweepFile:

    path = FsPath(path)
    data, locs, problems = read_tree(path)
    if problems:
        raise InputError(problems)
    return sweep_from_dict(data, locs, path.parent)


def sweep_from_dict(data: dict, locs: Locs | None = None, folder: FsPath | None = None
                    ) -> SweepFile:
    locs = locs or {}
    folder = folder or FsPath(".")
    try:
        m = SweepFileModel.model_validate(data)
    except ValidationError as e:
        raise InputError(_problems(e, locs)) from None
    spec = SweepSpec(seed=m.seed, samples=m.samples)
    for p, values in m.grid.items():
        spec.params.append(Param(p, values, location=locs.get(("grid", p, KEY))))
    for p, values in m.scale.items():
        spec.params.append(Param(p, values, location=locs.get(("scale", p, KEY)), scale=True))
    for p, dist in m.distributions.items():
        spec.params.append(Param(p, dist=dist, location=locs.get(("distributions", p, KEY)),
                                 scale=dist.scale))
    sets = [Override(p, v, locs.get(("set", p)), _sub(locs, ("set", p)),
                     locs.get(("set", p, KEY))) for p, v in m.set.items()]
    return SweepFile(spec, folder / m.base if m.base else None,
                     [folder / s for s in m.scenarios], sets)


def _sub(locs: Locs, prefix: tuple) -> Locs:
    n = len(prefix)
    return {p[n:]: v for p, v in locs.items() if p[:n] == prefix}


def _problems(e: ValidationError, locs: Locs) -> list[Problem]:

    out = []
    for err in e.errors(include_url=False):
        path = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in DIST_NAMES
                                                   and len(err["loc"]) > 2))
        if err["type"] == "union_tag_invalid":
            path += ("dist",)
            out.append(Problem(f"unknown distribution; one of {', '.join(DIST_NAMES)}", path,
                               locate(locs, path)))
        elif err["type"] == "union_tag_not_found":
            out.append(Problem(f"say which distribution: dist: one of {', '.join(DIST_NAMES)}",
                               path, locate(locs, path)))
        else:
            fields = list(SweepFileModel.model_fields) if len(path) == 1 else []
            out.append(from_pydantic(err, path, locs, fields, suggest=did_you_mean, got=False))
    return out


def check_paths(data: dict, spec: SweepSpec) -> None:
    """Every swept path must exist in the base (InputError naming the closest valid one)."""
    problems = []
    for p in spec.params:
        try:
            resolve(data, p.path)
        except PathError as e:
            problems.append(Problem(e.detail if p.location else e.message, location=p.location))
    if problems:
        raise InputError(problems)




class SweepError(UsageError):
    """A sweep cannot start (a usage problem, not invalid input)."""
