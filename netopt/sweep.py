"""Parameter sweeps: a grid and/or Monte-Carlo samples of overrides, one solve per run.

A sweep varies values of the base instance named by scenario paths (`routes[launch].cost_per_t`,
see `netopt.scenario`). Runs are the cartesian product of the grid's values (the first parameter
varies slowest), each crossed with `samples` random draws of the distributions; run ids number
them in that order. Draw j of parameter P with seed S uses its own random stream, seeded with
"S/j/P", and the inverse of P's distribution function: the same sweep and seed give the same
values on every machine and Python version, a draw does not change when other parameters or more
samples are added, and every grid point sees the same draws (common random numbers).

Every run is solved independently (in-process, in a local process pool, or on a Dask cluster) and
becomes one row of a CSV table: run id, parameter values, status, objective, bound, gap, what is
built in which stage (one `built:NAME` column per facility and buildable route), and a message.
Rows are appended as runs finish; at the end the table is rewritten in run-id order, so the same
sweep gives the same file. A failed run (invalid value, solver error, crashed worker) is a row with
its status and message; an interrupted sweep resumes (`resume=True`) without redoing the runs in
the table (rows with status `error` are redone).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path as FsPath
from statistics import NormalDist
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import KEY, InputError, Location, Locs, Problem, UsageError
from .paths import PathError, get_at, resolve
from .scenario import Override

# statuses a row can have beyond solve statuses
INVALID = "invalid"  # the run's values fail validation
ERROR = "error"  # the solver raised, or the worker died: redone on resume
FIXED_COLUMNS = ("status", "objective", "bound", "gap", "shortfall_t")
BUILT = "built:"


# ---------------------------------------------------------------------------------------------
# Distributions: each maps u in (0, 1) to a value through its inverse distribution function


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    scale: bool = False
    """Draws are factors of the base's value (a number, or every number of a mapping)."""

    def ppf(self, u: float) -> Any:
        raise NotImplementedError


def _check_range(low: float | None, high: float | None) -> None:
    if low is not None and high is not None and not low < high:
        raise ValueError(f"low ({low:g}) must be below high ({high:g})")


class Uniform(_Dist):
    """Every value in [low, high] equally likely."""

    dist: Literal["uniform"]
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> Uniform:
        _check_range(self.low, self.high)
        return self

    def ppf(self, u: float) -> float:
        return self.low + u * (self.high - self.low)


class LogUniform(_Dist):
    """log(value) uniform in [log low, log high]: each decade equally likely."""

    dist: Literal["loguniform"]
    low: float = Field(gt=0, allow_inf_nan=False)
    high: float = Field(gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> LogUniform:
        _check_range(self.low, self.high)
        return self

    def ppf(self, u: float) -> float:
        return math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))


class Normal(_Dist):
    """Normal(mean, sd), truncated to [low, high] when given (draws never fall outside)."""

    dist: Literal["normal"]
    mean: float = Field(allow_inf_nan=False)
    sd: float = Field(gt=0, allow_inf_nan=False)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> Normal:
        _check_range(self.low, self.high)
        return self

    def ppf(self, u: float) -> float:
        d = NormalDist(self.mean, self.sd)
        lo = d.cdf(self.low) if self.low is not None else 0.0
        hi = d.cdf(self.high) if self.high is not None else 1.0
        if hi - lo < 1e-12:
            raise ValueError("the truncation range [low, high] has no probability")
        x = d.inv_cdf(min(max(lo + u * (hi - lo), 1e-15), 1 - 1e-15))
        return min(max(x, self.low if self.low is not None else x),
                   self.high if self.high is not None else x)


class LogNormal(_Dist):
    """ln(value) ~ Normal(ln median, sigma): median and the spread of the log; truncated to
    [low, high] when given."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0, allow_inf_nan=False)
    sigma: float = Field(gt=0, allow_inf_nan=False)
    low: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    high: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> LogNormal:
        _check_range(self.low, self.high)
        return self

    def ppf(self, u: float) -> float:
        n = Normal(dist="normal", mean=math.log(self.median), sd=self.sigma,
                   low=math.log(self.low) if self.low else None,
                   high=math.log(self.high) if self.high else None)
        return math.exp(n.ppf(u))


class Triangular(_Dist):
    """Triangular on [low, high] with its peak at mode."""

    dist: Literal["triangular"]
    low: float = Field(allow_inf_nan=False)
    mode: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> Triangular:
        _check_range(self.low, self.high)
        if not self.low <= self.mode <= self.high:
            raise ValueError("mode must lie in [low, high]")
        return self

    def ppf(self, u: float) -> float:
        a, c, b = self.low, self.mode, self.high
        f = (c - a) / (b - a)
        if u < f:
            return a + math.sqrt(u * (b - a) * (c - a))
        return b - math.sqrt((1 - u) * (b - a) * (b - c))


class Choice(_Dist):
    """One of `values` (any YAML values: numbers, mappings...), with optional weights."""

    dist: Literal["choice"]
    values: list[Any] = Field(min_length=1)
    weights: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values")
            if not sum(self.weights) > 0:
                raise ValueError("the weights sum to 0")
        return self

    def ppf(self, u: float) -> Any:
        w = self.weights or [1.0] * len(self.values)
        total, acc = sum(w), 0.0
        for v, wi in zip(self.values, w):
            acc += wi
            if u * total < acc:
                return copy.deepcopy(v)
        return copy.deepcopy(self.values[-1])


Distribution = Annotated[Uniform | LogUniform | Normal | LogNormal | Triangular | Choice,
                         Field(discriminator="dist")]
DIST_NAMES = ("uniform", "loguniform", "normal", "lognormal", "triangular", "choice")


def draw_u(seed: int, sample: int, path: str) -> float:
    """The uniform number behind draw `sample` of `path`: its own stream, same everywhere."""
    return random.Random(f"{seed}/{sample}/{path}").random()


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
    import yaml

    loc = Location(f"{'--scale' if scale else '--param'} {text}")
    path, sep, raw = text.partition("=")
    if not sep or not path.strip() or not raw.strip():
        raise InputError([Problem(f"'{text}' is not PATH=v1,v2,... (e.g. "
                                  "routes[launch].cost_per_t=0.5,1,2,4)", location=loc)])
    try:
        if raw.strip().startswith("[") and raw.strip().endswith("]"):
            values = yaml.safe_load(raw)
        else:
            values = [yaml.safe_load(s) if s else None for s in split_values(raw)]
    except yaml.YAMLError as e:
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
    from .load import read_tree

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
    from .errors import did_you_mean, locate

    out = []
    for err in e.errors(include_url=False):
        path = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in DIST_NAMES
                                                   and len(err["loc"]) > 2))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            fields = list(SweepFileModel.model_fields) if len(path) == 1 else []
            msg = f"unknown key '{path[-1]}'" + (did_you_mean(str(path[-1]), fields) if fields else "")
        elif err["type"] == "union_tag_invalid":
            path += ("dist",)
            msg = f"unknown distribution; one of {', '.join(DIST_NAMES)}"
        elif err["type"] == "union_tag_not_found":
            msg = f"say which distribution: dist: one of {', '.join(DIST_NAMES)}"
        elif err["type"] == "missing":
            msg = f"missing required key '{path[-1]}'"
        where = locs.get(path + (KEY,)) if err["type"] == "extra_forbidden" else None
        out.append(Problem(msg, path, where or locate(locs, path)))
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


# ---------------------------------------------------------------------------------------------
# One run


def cell(value: Any) -> str:
    """A value as written in the table (and compared on resume)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def builds_cell(builds: list[dict], name: str, stage_order: list[str]) -> str:
    """'s2030:1 s2040:2': units of `name` built per stage, in stage order ('' if never)."""
    units = {b["stage"]: b["units"] for b in builds if b["name"] == name}
    order = stage_order + [t for t in units if t not in stage_order]  # a run may rename stages
    return " ".join(f"{t}:{units[t]}" for t in order if t in units)


# Compiling and solving are not thread-safe (Pyomo's model building, HiGHS's global thread pool;
# Pyomo's standard-form compiler, used before, failed outright with two threads). A Dask
# worker with several threads runs several tasks in one process: they take turns here.
_SOLVE_LOCK = threading.Lock()


@dataclass
class RunResult:
    run: int
    row: dict[str, str]
    seconds: float  # the whole run: validate, compile, solve, extract
    solve_seconds: float | None = None  # the solver alone
    started: bool | None = None  # whether HiGHS accepted the MIP start (None: none given)


def run_one(base: dict, run_id: int, settings: dict[str, Any], options: Any,
            elements: list[str], stage_order: list[str],
            start: dict | None = None, overrides: dict[str, Any] | None = None) -> RunResult:
    """Apply `settings` to a copy of the raw base data, validate, solve (from the MIP start
    `start` if given, see `plan.values`): one table row. Never raises: a problem becomes the row's
    status and message."""
    from .plan import Plan
    from .scenario import Scenario, apply

    t0 = time.perf_counter()
    row = {"run": str(run_id), **{p: cell(v) for p, v in settings.items()},
           **{c: "" for c in FIXED_COLUMNS}, **{BUILT + e: "" for e in elements}, "message": ""}
    try:
        sets = overrides if overrides is not None else settings  # settings: the table's cells
        data, locs = apply(base, {}, Scenario(set=[Override(p, v) for p, v in sets.items()]))
        plan = Plan.from_data(data, locs)
    except InputError as e:
        row.update(status=INVALID, message="; ".join(str(p) for p in e.problems))
        return RunResult(run_id, row, time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001  (a row, never a crash)
        row.update(status=ERROR, message=f"{type(e).__name__}: {e}")
        return RunResult(run_id, row, time.perf_counter() - t0)
    try:
        with _SOLVE_LOCK:  # one solve at a time per process: see _SOLVE_LOCK
            sol, outcome = plan.solve_outcome(options, start=start)
        started = None if not start or outcome is None or outcome.mip_start is None else bool(
            outcome.mip_start)
    except Exception as e:  # noqa: BLE001
        row.update(status=ERROR, message=f"{type(e).__name__}: {e}")
        return RunResult(run_id, row, time.perf_counter() - t0)
    row.update(status=sol.status.value, objective=cell(sol.objective), bound=cell(sol.bound),
               gap=cell(sol.gap), message=" | ".join((sol.message or "").splitlines()))
    if sol.status.has_solution:
        years = {s["name"]: s["years"] for s in sol.stages}
        row["shortfall_t"] = cell(round(sum(x["rate"] * years.get(x["stage"], 1)
                                            for x in sol.shortfalls), 9))
    for e in elements:
        row[BUILT + e] = builds_cell(sol.builds, e, stage_order)
    return RunResult(run_id, row, time.perf_counter() - t0, sol.timings.get("solve"), started)


# ---------------------------------------------------------------------------------------------
# Warm start: the base solution as a MIP start (SolveOptions.mip_start -> Highs.setSolution)


def base_start(plan: Any, options: Any) -> tuple[dict[tuple, float] | None, str]:
    """Solve the base plan once: (its variable values as a start, or None; a note)."""
    from .plan import values
    from .solve import run_solver

    compiled = plan.build(cuts=options.cuts)
    if compiled.trivially_infeasible:
        return None, "the base is infeasible: no warm start"
    t0 = time.perf_counter()
    outcome = run_solver(compiled.model, options)
    note = f"base solved in {time.perf_counter() - t0:.2f} s: {outcome.status.value}"
    if not outcome.status.has_solution:
        return None, note + "; no warm start"
    return values(compiled), note + f", objective {outcome.objective:,.6g}"


# process-pool workers get the base once, through the initializer
_WORKER_STATE: dict[str, Any] = {}


def _pool_init(base: dict, options: Any, elements: list[str], stage_order: list[str],
               start: dict | None = None) -> None:
    import signal

    # Ctrl-C at a terminal reaches the whole process group: the sweep (the parent) handles it
    # and ends the workers; a worker must not stop its solve early and report that as a result
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_STATE.update(base=base, options=options, elements=elements, stage_order=stage_order,
                         start=start)


def _pool_run(run_id: int, settings: dict[str, Any], overrides: dict | None = None) -> RunResult:
    s = _WORKER_STATE
    return run_one(s["base"], run_id, settings, s["options"], s["elements"], s["stage_order"],
                   s["start"], overrides)


def _dask_run(payload: dict, run_id: int, settings: dict[str, Any],
              overrides: dict | None = None) -> RunResult:
    return run_one(payload["base"], run_id, settings, payload["options"], payload["elements"],
                   payload["stage_order"], payload["start"], overrides)


# ---------------------------------------------------------------------------------------------
# The table


def columns(spec: SweepSpec, elements: list[str]) -> list[str]:
    return ["run", *spec.paths, *FIXED_COLUMNS, *(BUILT + e for e in elements), "message"]


def _csv_line(row: dict[str, str], cols: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([row.get(c, "") for c in cols])
    return buf.getvalue()


def read_table(path: FsPath) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of a sweep table; rows cut short by an interruption are dropped."""
    with open(path, newline="", encoding="utf-8") as f:
        text = f.read()
    complete = text if text.endswith("\n") else text[:text.rfind("\n") + 1]
    reader = csv.reader(io.StringIO(complete))
    header = next(reader, [])
    rows = []
    for values in reader:
        if len(values) != len(header):
            continue
        row = dict(zip(header, values))
        if row.get("run", "").isdigit():
            rows.append(row)
    return header, rows


def sidecar_paths(table: FsPath) -> dict[str, FsPath]:
    stem = table.with_suffix("") if table.suffix else table
    return {"json": stem.with_name(stem.name + ".json"),
            "summary": stem.with_name(stem.name + "-summary.md"),
            "plot": stem.with_name(stem.name + "-objective.png")}


# ---------------------------------------------------------------------------------------------
# Running a sweep


@dataclass
class SweepResult:
    spec: SweepSpec
    elements: list[str]
    rows: list[dict[str, str]]  # every run in the table, by run id
    ran: int = 0  # runs solved by this call (not resumed)
    seconds: dict[int, float] = field(default_factory=dict)  # per run solved by this call
    solve_seconds: dict[int, float] = field(default_factory=dict)  # the solver alone, per run
    started: dict[int, bool] = field(default_factory=dict)  # per run: HiGHS took the start
    wall: float = 0.0
    executor: str = ""
    interrupted: bool = False
    files: dict[str, FsPath] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.rows) == len(self.spec) and not self.interrupted


class SweepError(UsageError):
    """A sweep cannot start (a usage problem, not invalid input)."""


def buildable_elements(base_inst: Any, data: dict, spec: SweepSpec) -> list[str]:
    """Facilities and buildable routes of the base, plus routes whose capex is swept."""
    names = [f.name for f in base_inst.facilities]
    names += [r.name for r in base_inst.routes if r.capex is not None]
    for p in spec.params:
        path = resolve(data, p.path)
        if len(path) >= 2 and path[0] == "routes" and (len(path) == 2 or path[2] == "capex"):
            name = data["routes"][path[1]].get("name")
            if name and name not in names:
                names.append(name)
    return names


def run_sweep(base: dict, spec: SweepSpec, table: FsPath | None = None, *,
              locs: Locs | None = None, options: Any = None, workers: int = 1,
              dask: str | None = None, dask_scheduler_file: str | None = None,
              dask_timeout: str = "30s", resume: bool = False, overwrite: bool = False,
              on_result: Callable[[dict[str, str], int, int], None] | None = None,
              on_start: Callable[[int, int], None] | None = None,
              write_report: bool = True, plot: bool = True, meta: dict | None = None,
              warm_start: bool = False, check_solver: bool = True) -> SweepResult:
    """Run every run of `spec` on `base` (raw instance data, overlays applied) and write `table`
    (CSV) as runs finish, then the table in run-id order, `<table>.json`, `<table>-summary.md`
    and `<table>-objective.png`. Raises InputError (invalid base or paths), SweepError (usage)."""
    from .plan import Plan
    from .solve import SolveOptions

    spec.check()
    check_paths(base, spec)
    base_plan = Plan.from_data(copy.deepcopy(base), locs or {})
    base_inst = base_plan.instance
    options = options or SolveOptions()
    if check_solver:
        preflight(options)
    if options.threads is None:  # one thread per run: same answers on any executor, no
        options = replace(options, threads=1)  # oversubscription with parallel runs
    elements = buildable_elements(base_inst, base, spec)
    stage_order = [s.name for s in base_inst.horizon.stages]
    cols = columns(spec, elements)
    runs = spec.runs()
    expected = {i: {p: cell(v) for p, v in r.items()} for i, r in enumerate(runs)}

    done: dict[int, dict[str, str]] = {}
    if table is not None and table.exists() and table.stat().st_size > 0:
        if resume:
            done = _resumable(table, cols, expected)
        elif not overwrite:
            raise SweepError(f"{table} exists: --resume to finish that sweep, or --overwrite to "
                             "start again")
    elif resume and table is not None and not table.exists():
        pass  # nothing to resume: a fresh start
    result = SweepResult(spec, elements, [])
    if table is not None:
        table.parent.mkdir(parents=True, exist_ok=True)
        from .results import write_atomic

        # rewrite what is kept (drops error rows and a cut-off last line), then append
        write_atomic(table, "".join([_csv_line(dict(zip(cols, cols)), cols)]
                                    + [_csv_line(done[i], cols) for i in sorted(done)]))
    bvals = base_values(base, spec, base_inst)
    pending = [(i, runs[i], spec.overrides(runs[i], bvals)) for i in range(len(runs))
               if i not in done]
    total = len(runs)
    if on_start:
        on_start(len(done), total)
    rows = dict(done)
    t0 = time.perf_counter()
    fh = open(table, "a", encoding="utf-8", newline="") if table is not None else None

    def record(r: RunResult) -> None:
        rows[r.run] = r.row
        result.seconds[r.run] = r.seconds
        if r.solve_seconds is not None:
            result.solve_seconds[r.run] = r.solve_seconds
        if r.started is not None:
            result.started[r.run] = r.started
        result.ran += 1
        if fh is not None:
            fh.write(_csv_line(r.row, cols))
            fh.flush()
        if on_result:
            on_result(r.row, len(rows), total)

    start = None
    try:
        if warm_start and pending:
            if options.solver != "highs":
                result.notes.append(f"warm start: only with HiGHS, not {options.solver}")
            else:
                start, note = base_start(base_plan, options)
                result.notes.append(f"warm start: {note}")
        args = (base, options, elements, stage_order, start)
        if not pending:
            result.executor = "none (all runs in the table)"
        elif dask or dask_scheduler_file:
            result.executor = _run_dask(pending, args, record, dask, dask_scheduler_file,
                                        dask_timeout, result.notes)
        elif workers <= 1 or len(pending) == 1:
            result.executor = "serial"
            with _interrupt_flag() as interrupted:
                for i, settings, sets in pending:
                    r = run_one(base, i, settings, options, elements, stage_order, start, sets)
                    if interrupted.is_set():  # the solver stopped early on Ctrl-C: not a result
                        raise KeyboardInterrupt
                    record(r)
        else:
            result.executor = _run_pool(pending, args, record, min(workers, len(pending)))
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        if fh is not None:
            fh.close()
    result.wall = time.perf_counter() - t0
    result.rows = [rows[i] for i in sorted(rows)]
    if table is not None and not result.interrupted:
        from .results import write_atomic

        write_atomic(table, "".join([_csv_line(dict(zip(cols, cols)), cols)]
                                    + [_csv_line(r, cols) for r in result.rows]))
        result.files["table"] = table
        if write_report:
            _write_reports(result, table, plot, meta or {}, options, set(done))
    elif table is not None and write_report:  # keep the timings of the runs done so far
        _write_reports(result, table, False, meta or {}, options, set(done), partial=True)
    return result


def preflight(options: Any) -> None:
    """Fail before any run (SweepError) if the solver is missing or rejects an option, rather
    than write a table of identical error rows."""
    from .solve import DEFAULT_SOLVER

    if options.solver == DEFAULT_SOLVER:
        try:
            import highspy
        except ImportError:
            raise SweepError("HiGHS (highspy) is not installed: pip install highspy") from None
        from pyomo.common.tee import capture_output

        from .highs import set_options

        with capture_output(capture_fd=True):  # HiGHS prints its banner from C++
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        rejected = set_options(h, dict(options.solver_options))
        if rejected:
            raise SweepError(f"HiGHS rejects option(s) {', '.join(rejected)}")
        return
    import pyomo.environ as pyo

    try:
        ok = pyo.SolverFactory(options.solver).available(exception_flag=False)
    except Exception:  # noqa: BLE001  (Pyomo raises assorted errors for unknown names)
        ok = False
    if not ok:
        raise SweepError(f"solver '{options.solver}' is not available to Pyomo on this machine")


def _resumable(table: FsPath, cols: list[str], expected: dict[int, dict[str, str]]
               ) -> dict[int, dict[str, str]]:
    header, rows = read_table(table)
    if header != cols:
        raise SweepError(f"{table} was written by a different sweep (its columns differ); "
                         "--overwrite to start again")
    done = {}
    for row in rows:
        i = int(row["run"])
        want = expected.get(i)
        if want is None:
            raise SweepError(f"{table} has run {i}, this sweep has {len(expected)} runs; "
                             "--overwrite to start again")
        diff = [p for p, v in want.items() if row[p] != v]
        if diff:
            raise SweepError(f"{table} was written by a different sweep (run {i}: {diff[0]} is "
                             f"{row[diff[0]]!r} there, {want[diff[0]]!r} here); --overwrite to "
                             "start again")
        if row["status"] != ERROR:
            done[i] = row
    return done


def _error_result(i: int, settings: dict, elements: list[str], message: str) -> RunResult:
    row = {"run": str(i), **{p: cell(v) for p, v in settings.items()},
           **{c: "" for c in FIXED_COLUMNS}, **{BUILT + e: "" for e in elements},
           "status": ERROR, "message": message}
    return RunResult(i, row, 0.0)


MAX_ATTEMPTS = 2  # a run in flight when a worker process dies is tried again once


# what a worker needs, imported once in the fork server instead of once per worker
PRELOAD = ["netopt.sweep", "netopt.load", "netopt.solve", "netopt.params", "netopt.compile",
           "netopt.results", "netopt.highs", "pyomo.environ", "highspy"]


def _mp_context() -> Any:
    """Workers are forked from a fork server that has imported netopt and the solver once (never
    from this process, whose solver threads may be running); `spawn` where there is no fork."""
    import multiprocessing as mp

    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


@contextmanager
def _interrupt_flag() -> Any:
    """An Event set when SIGINT arrives (which still raises KeyboardInterrupt as usual): netopt's
    HiGHS backend turns Ctrl-C into an early stop with the incumbent, which must not be taken for a
    run's result."""
    import signal

    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        flag.set()
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, old)


def _run_pool(pending: list[tuple[int, dict]], args: tuple, record: Callable,
              workers: int) -> str:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = _mp_context()
    attempts: dict[int, int] = {}
    todo = list(pending)
    elements = args[2]
    while todo:
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_pool_init,
                                   initargs=args)
        futures = {pool.submit(_pool_run, i, s, o): (i, s, o) for i, s, o in todo}
        todo = []
        broken = False
        try:
            waiting = set(futures)
            while waiting:
                finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i, s, o = futures[fut]
                    try:
                        record(fut.result())
                    except BrokenProcessPool:
                        broken = True
                        attempts[i] = attempts.get(i, 0) + 1
                        if attempts[i] >= MAX_ATTEMPTS:
                            record(_error_result(i, s, elements, "the worker process died "
                                                 f"while solving this run ({attempts[i]} tries)"))
                        else:
                            todo.append((i, s, o))
                    except Exception as e:  # noqa: BLE001
                        record(_error_result(i, s, elements, f"{type(e).__name__}: {e}"))
        except BaseException:
            _kill_pool(pool)
            pool.shutdown(wait=True, cancel_futures=True)  # the workers are gone: quick
            raise
        pool.shutdown(wait=not broken, cancel_futures=True)
        todo.sort()
    return f"process pool ({workers} workers)"


def _kill_pool(pool: Any) -> None:
    """End the pool's worker processes (ours, by pid) so an interrupted sweep stops at once."""
    for p in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            p.terminate()
            p.join(timeout=5)
        except Exception:  # noqa: BLE001
            pass


def _run_dask(pending: list[tuple[int, dict, dict]], args: tuple, record: Callable,
              address: str | None, scheduler_file: str | None, timeout: str = "30s",
              notes: list[str] | None = None) -> str:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SweepError("--dask needs Dask distributed: pip install 'netopt[dask]'") from None
    base, options, elements, stage_order, start = args
    try:
        client = (Client(scheduler_file=scheduler_file, timeout=timeout) if scheduler_file
                  else Client(address, timeout=timeout))
    except (OSError, TimeoutError, ValueError) as e:
        raise SweepError(f"cannot reach the Dask scheduler "
                         f"{scheduler_file or address}: {e}") from None
    try:
        info = (client.scheduler_info(n_workers=-1) if _takes_n_workers(client)
                else client.scheduler_info())
        workers = info.get("workers", {})
        n = len(workers)
        threaded = sum(1 for w in workers.values() if (w.get("nthreads") or 1) > 1)
        if threaded and notes is not None:
            notes.append(f"{threaded} Dask worker(s) have several threads: their tasks take "
                         "turns (netopt's solve is not thread-safe); start workers with "
                         "--nthreads 1 --nworkers N to use every core")
        payload = client.scatter({"base": base, "options": options, "elements": elements,
                                  "stage_order": stage_order, "start": start}, broadcast=True)
        futures = {client.submit(_dask_run, payload, i, s, o, pure=False): (i, s)
                   for i, s, o in pending}
        try:
            for fut in as_completed(list(futures)):
                i, s = futures[fut]
                try:
                    record(fut.result())
                except Exception as e:  # noqa: BLE001  (KilledWorker, lost connection...)
                    record(_error_result(i, s, elements, f"{type(e).__name__}: {e}"))
        except BaseException:
            client.cancel(list(futures))
            raise
        return f"dask ({client.scheduler.address}, {n} workers)"
    finally:
        client.close()


def _takes_n_workers(client: Any) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


# ---------------------------------------------------------------------------------------------
# Summary: robust decisions, what depends on which parameter


def _num(v: str) -> float | None:
    try:
        x = float(v)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


@dataclass
class Dependence:
    param: str
    accuracy: float  # share of runs the best one-parameter rule classifies right
    rule: str  # e.g. "built when routes[launch].cost_per_t >= 4, not when <= 2"
    flips: int = 0  # settings of the other parameters where changing this one alone flips it
    settings: int = 0  # settings of the other parameters with more than one run


@dataclass
class ScheduleDependence:
    param: str
    rho: float | None  # rank correlation of units built (all stages) with the parameter
    flips: int = 0  # settings of the other parameters where changing this one alone changes it
    settings: int = 0  # settings of the other parameters with more than one run

    @property
    def text(self) -> str:
        parts = []
        if self.rho is not None and abs(self.rho) >= RHO_MIN:
            parts.append(f"{'more' if self.rho > 0 else 'fewer'} units when higher, rank "
                         f"correlation {self.rho:+.2f}")
        if self.flips:
            parts.append(_flip_text(self.flips, self.settings, "changes it"))
        return f"{self.param} ({'; '.join(parts)})"


RHO_MIN = 0.5  # a rank correlation this strong is worth reporting


@dataclass
class ElementSummary:
    name: str
    built_in: int  # runs (with a solution) in which it is built
    solved: int
    schedules: dict[str, int]  # build schedule -> number of runs
    depends: list[Dependence] = field(default_factory=list)  # of whether it is built
    schedule_depends: list[ScheduleDependence] = field(default_factory=list)  # of when, how many

    @property
    def robust(self) -> bool:
        return self.solved > 0 and self.built_in == self.solved

    @property
    def never(self) -> bool:
        return self.built_in == 0


@dataclass
class Summary:
    runs: int
    statuses: dict[str, int]
    solved: int
    objective: dict[str, float]  # min, median, max over solved runs
    elements: list[ElementSummary]
    params: list[str]

    @property
    def robust(self) -> list[ElementSummary]:
        return [e for e in self.elements if e.robust]

    @property
    def varying(self) -> list[ElementSummary]:
        return [e for e in self.elements if not e.robust and not e.never]

    @property
    def never(self) -> list[ElementSummary]:
        return [e for e in self.elements if e.never]

    def lines(self) -> list[str]:
        out = [f"{self.runs} runs: " + ", ".join(f"{n} {s}" for s, n in self.statuses.items())]
        if self.objective:
            o = self.objective
            out.append(f"objective: min {o['min']:,.6g}, median {o['median']:,.6g}, "
                       f"max {o['max']:,.6g}")
        if not self.solved:
            out.append("no run has a solution")
            return out
        out.append(f"robust (built in all {self.solved} runs with a solution):"
                   + ("" if self.robust else " none"))
        for e in self.robust:
            out.append(f"  {e.name}: {_schedules(e)}")
            out += _schedule_lines(e)
        out.append("depends on the parameters:" + ("" if self.varying else " none"))
        for e in self.varying:
            out.append(f"  {e.name}: built in {e.built_in} of {e.solved} runs ({_schedules(e)})")
            for d in e.depends:
                extra = f"; {_flip_text(d.flips, d.settings, 'flips it')}" if d.flips else ""
                out.append(f"    {d.rule} ({d.accuracy:.0%} of runs){extra}")
            if not e.depends:
                out.append("    no single parameter explains it")
            out += _schedule_lines(e)
        if self.never:
            out.append("never built: " + ", ".join(e.name for e in self.never))
        return out


def _schedule_lines(e: ElementSummary) -> list[str]:
    if not e.schedule_depends:
        return []
    return ["    when and how many varies with: "
            + ", ".join(d.text for d in e.schedule_depends)]


def _schedules(e: ElementSummary) -> str:
    items = sorted(((s, n) for s, n in e.schedules.items() if s), key=lambda kv: -kv[1])
    if len(items) == 1:
        return f"always {items[0][0]}"
    return ", ".join(f"{s} in {n}" for s, n in items)


def summarize(rows: list[dict[str, str]], params: list[str], elements: list[str]) -> Summary:
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    solved = [r for r in rows if r["status"] in ("optimal", "feasible")]
    objs = sorted(x for x in (_num(r["objective"]) for r in solved) if x is not None)
    objective = {}
    if objs:
        mid = len(objs) // 2
        med = objs[mid] if len(objs) % 2 else (objs[mid - 1] + objs[mid]) / 2
        objective = {"min": objs[0], "median": med, "max": objs[-1]}
    summary = Summary(len(rows), statuses, len(solved), objective, [], params)
    for e in elements:
        col = BUILT + e
        schedules: dict[str, int] = {}
        for r in solved:
            schedules[r[col]] = schedules.get(r[col], 0) + 1
        built = [bool(r[col]) for r in solved]
        es = ElementSummary(e, sum(built), len(solved), schedules)
        if 0 < es.built_in < es.solved:
            es.depends = _dependence(solved, built, params)
        if len([k for k in schedules if k]) > 1:
            es.schedule_depends = _schedule_dependence(solved, col, params)
        summary.elements.append(es)
    return summary


def _dependence(rows: list[dict[str, str]], built: list[bool], params: list[str]
                ) -> list[Dependence]:
    """Parameters that explain `built`: the best threshold rule on each (a numeric parameter) or
    value -> decision (another), and whether changing it alone flips the decision."""
    n = len(rows)
    base_rate = max(sum(built), n - sum(built)) / n
    found = []
    for p in params:
        acc, rule = _best_rule([r[p] for r in rows], built, p)
        flips, settings = _flips(rows, [str(b) for b in built], p, params)
        if acc > base_rate + 1e-9 or flips:
            found.append(Dependence(p, acc, rule, flips, settings))
    found.sort(key=lambda d: (-d.accuracy, -d.flips, d.param))
    return found[:3]


def _flips(rows: list[dict[str, str]], outcome: list[str], p: str, params: list[str]
           ) -> tuple[int, int]:
    """(settings of the other parameters in which runs differing only in `p` have different
    outcomes, settings with more than one run): a grid's evidence that `p` matters alone."""
    others = [q for q in params if q != p]
    groups: dict[tuple, list[str]] = {}
    for r, o in zip(rows, outcome):
        groups.setdefault(tuple(r[q] for q in others), []).append(o)
    multi = [g for g in groups.values() if len(g) > 1]
    return sum(1 for g in multi if len(set(g)) > 1), len(multi)


def _flip_text(flips: int, settings: int, verb: str) -> str:
    if settings <= 1:
        return f"changing it alone {verb}"
    return f"changing it alone {verb} in {flips} of {settings} settings of the other parameters"


def _units(schedule: str) -> float:
    return float(sum(int(x.rsplit(":", 1)[1]) for x in schedule.split()))


def _ranks(xs: list[float]) -> list[float]:
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def rank_correlation(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation (ties averaged); None if either side is constant."""
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else None


def _schedule_dependence(rows: list[dict[str, str]], col: str, params: list[str]
                         ) -> list[ScheduleDependence]:
    """Parameters that change when and how many units are built: rank correlation of the units
    built with each numeric parameter, and whether changing it alone changes the schedule."""
    units = [_units(r[col]) for r in rows]
    found = []
    for p in params:
        xs = [_num(r[p]) for r in rows]
        rho = None
        if all(x is not None for x in xs) and len(set(xs)) >= 3:
            rho = rank_correlation(xs, units)  # type: ignore[arg-type]
        flips, settings = _flips(rows, [r[col] for r in rows], p, params)
        if flips or (rho is not None and abs(rho) >= RHO_MIN):
            found.append(ScheduleDependence(p, rho, flips, settings))
    found.sort(key=lambda d: (-abs(d.rho or 0), -d.flips, d.param))
    return found[:3]


def _best_rule(values: list[str], built: list[bool], p: str) -> tuple[float, str]:
    n = len(values)
    nums = [_num(v) for v in values]
    if all(x is not None for x in nums):
        xs = sorted(set(nums))  # type: ignore[arg-type]
        best = (0.0, "")
        for k in range(1, len(xs)):
            lo, hi = xs[k - 1], xs[k]
            for above in (True, False):
                ok = sum((x >= hi) == b if above else (x <= lo) == b
                         for x, b in zip(nums, built))  # type: ignore[operator]
                acc = ok / n
                if acc > best[0] + 1e-12:
                    rule = (f"built when {p} >= {hi:g}, not when <= {lo:g}" if above
                            else f"built when {p} <= {lo:g}, not when >= {hi:g}")
                    best = (acc, rule)
        return best
    by_value: dict[str, list[bool]] = {}
    for v, b in zip(values, built):
        by_value.setdefault(v, []).append(b)
    ok = sum(max(sum(bs), len(bs) - sum(bs)) for bs in by_value.values())
    yes = sorted(v for v, bs in by_value.items() if sum(bs) * 2 > len(bs))
    return ok / n, f"built when {p} is " + (" or ".join(yes) if yes else "(never)")


# ---------------------------------------------------------------------------------------------
# Reports


def plot_objective(rows: list[dict[str, str]], params: list[str], path: FsPath,
                   title: str = "") -> FsPath | None:
    """Objective versus each swept parameter (one panel each) as a PNG or SVG (by suffix).
    None if matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    solved = [r for r in rows if r["status"] in ("optimal", "feasible")
              and _num(r["objective"]) is not None]
    k = max(1, len(params))
    cols = min(k, 3)
    rows_n = math.ceil(k / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(4.2 * cols, 3.4 * rows_n), squeeze=False,
                             sharey=True)
    flat = [ax for row in axes for ax in row]
    for ax in flat[len(params):]:
        ax.set_visible(False)
    for ax, p in zip(flat, params):
        xs = [_num(r[p]) for r in solved]
        ys = [_num(r["objective"]) for r in solved]
        if all(x is not None for x in xs):
            if len(params) == 1:
                pts = sorted(zip(xs, ys))  # type: ignore[arg-type]
                ax.plot([a for a, _ in pts], [b for _, b in pts], "-", color="C0", alpha=0.5)
            ax.scatter(xs, ys, s=18, color="C0")
        else:
            cats = sorted({r[p] for r in solved})
            pos = {c: i for i, c in enumerate(cats)}
            ax.scatter([pos[r[p]] for r in solved], ys, s=18, color="C0")
            ax.set_xticks(range(len(cats)), [c[:18] for c in cats], rotation=30, ha="right")
        ax.set_xlabel(p)
        ax.grid(alpha=0.3)
    for row in axes:
        row[0].set_ylabel("objective")
    missing = len(rows) - len(solved)
    fig.suptitle((title + " " if title else "") + (f"({missing} runs without a solution not shown)"
                                                   if missing else ""), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _write_reports(result: SweepResult, table: FsPath, plot: bool, meta: dict,
                   options: Any, kept: set[int], partial: bool = False) -> None:
    """NAME.json, and unless `partial` (an interrupted sweep) NAME-summary.md and the plot."""
    from .results import write_atomic

    side = sidecar_paths(table)
    summary = summarize(result.rows, result.spec.paths, result.elements)
    plot_path = None
    if plot and not partial:
        title = FsPath(str(meta.get("base", ""))).stem
        plot_path = plot_objective(result.rows, result.spec.paths, side["plot"], title)
        if plot_path is None:
            result.notes.append("matplotlib is not installed: no plot (pip install matplotlib)")
        else:
            result.files["plot"] = plot_path
    md = [f"# Sweep: {table.name}", "", *(f"- {k}: {v}" for k, v in meta.items()),
          f"- runs: {len(result.spec)} ({result.executor}, {result.wall:.1f} s for "
          f"{result.ran} runs)", "", "```", *summary.lines(), "```", ""]
    if plot_path is not None:
        md += [f"![objective versus each parameter]({plot_path.name})", ""]
    md += [f"Table: [{table.name}]({table.name})", ""] + [f"Note: {n}" for n in result.notes]
    if not partial:
        write_atomic(side["summary"], "\n".join(md) + "\n")
        result.files["summary"] = side["summary"]
    prev: dict = {}
    if side["json"].exists():
        try:
            prev = json.loads(side["json"].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            prev = {}
    per_run = {}
    for key, now in (("seconds", result.seconds), ("solve_seconds", result.solve_seconds),
                     ("started", result.started)):
        merged = {str(k): v for k, v in (prev.get(key) or {}).items() if int(k) in kept}
        merged.update({str(k): round(v, 6) if isinstance(v, float) else v
                       for k, v in now.items()})
        per_run[key] = dict(sorted(merged.items(), key=lambda kv: int(kv[0])))
    opts = {k: v for k, v in asdict(options).items() if k not in ("progress",)}
    doc = {"table": table.name, **meta, "sweep": result.spec.describe(), "runs": len(result.spec),
           "complete": not partial,
           "elements": result.elements, "solve_options": _jsonable(opts),
           "executor": result.executor, "wall_seconds": round(result.wall, 3),
           "notes": result.notes, **per_run,
           "summary": {"statuses": summary.statuses, "objective": summary.objective,
                       "robust": [e.name for e in summary.robust],
                       "varying": {e.name: [asdict(d) for d in e.depends]
                                   for e in summary.varying},
                       "never": [e.name for e in summary.never]}}
    write_atomic(side["json"], json.dumps(doc, indent=1, default=str) + "\n")
    result.files["json"] = side["json"]


def _jsonable(x: Any) -> Any:
    return json.loads(json.dumps(x, default=str))


def iter_summary(result: SweepResult) -> Iterable[str]:
    return summarize(result.rows, result.spec.paths, result.elements).lines()
