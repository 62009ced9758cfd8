"""The pipeline's spine: read -> validate -> prepare (once) -> build -> [extra] -> solve -> Solution.

    plan = Plan.read("instances/cislunar-ice.yaml", scenarios=["dear.yaml"], sets=["x.y=1"])
    sol = plan.solve(SolveOptions(gap=0.01))          # or plan.build() for the Pyomo model

A Plan holds a validated Instance and its prepared model data (params.Prepared), computed once:
validation's structural checks use it, and so does every model built from the plan. A Plan is not
changed by building or solving it, so one Plan can be solved many times, also from several threads.
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import replace
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any, cast

from .errors import InputError, Location, Locs, Path, Problem, UsageError
from .gcpause import paused_gc
from .provenance import collect, now, recording_inputs
from .load import read_tree, validate_data
from .results import extract
from .scenario import Override, Scenario, apply, instance_data, load_tree
from .solve import DEFAULT_SOLVER, Outcome, SolveOptions, run_solver
from .status import Status

# Imports inside the functions below keep two heavy dependencies out of `import netopt`:
# pydantic (through schema, params, structure: 0.1 s) until an instance is validated, and Pyomo
# until a model is built (`netopt validate` needs none).
if TYPE_CHECKING:
    from .compile import Compiled, Extra
    from .params import Prepared
    from .results import Solution
    from .schema import Instance

Start = dict[tuple[str, Any], float]  # (variable name, index) -> value: a MIP start


class Plan:
    """A validated instance, prepared once for building and solving.

        plan = Plan.read("instances/cislunar-ice.yaml", sets=["routes[launch].cost_per_t=4"])
        sol = plan.solve(SolveOptions(gap=0.01))               # a Solution
        compiled = plan.build()                                  # the Pyomo model, to inspect

    `instance` is the validated `schema.Instance`, `prepared` its `params.Prepared` (index sets
    and coefficients), `warnings` what validation found that is not an error, `timings` the
    seconds spent reading and validating. Building or solving does not change a plan: solve it
    as often as you like, with other options or extras, also from several threads at once.
    """

    def __init__(self, instance: Instance, prepared: Prepared,
                 warnings: Iterable[Problem] = (), timings: dict[str, float] | None = None):
        self.instance = instance
        self.prepared = prepared
        self.warnings: list[Problem] = list(warnings)
        self.timings: dict[str, float] = dict(timings or {})  # read, validate (seconds)
        # where it came from, for the solution's provenance: files read {path: sha256}, the
        # scenario files and overrides applied
        self.inputs: dict[str, str] = {}
        self.scenarios: list[str] = []
        self.sets: list[str] = []

    # --- making a plan ---------------------------------------------------------------------------
    @classmethod
    def of(cls, instance: Instance) -> Plan:
        """The plan of an Instance validated already (by `load`, `validate`, `override`)."""
        from .params import prepare  # pydantic: see above

        return cls(instance, prepare(instance))

    @classmethod
    def from_data(cls, data: dict, locs: MutableMapping[Path, Location] | None = None) -> Plan:
        """Validate raw data (as read, before templates) and prepare it. Raises InputError."""
        from .params import prepare  # pydantic: see above
        from .structure import check_structure

        prepared: list[Prepared] = []

        def structure(inst: Instance) -> list[Problem]:
            prepared.append(prepare(inst))
            return check_structure(prepared[0])

        inst, warnings = validate_data(data, locs, structure)
        return cls(inst, prepared[0] if prepared else prepare(inst), warnings)

    @classmethod
    def read(cls, file: str | FsPath, scenarios: Iterable[str | FsPath] = (),
             sets: Iterable[str | Override] = ()) -> Plan:
        """Read an instance file (or a scenario file naming its base), apply each scenario file
        and then each override (`PATH=VALUE` or an Override), validate, prepare. Raises
        InputError; the plan's warnings are the reader's and validation's."""
        return cls.read_tree(file, scenarios, sets)[0]

    @classmethod
    def read_tree(cls, file: str | FsPath, scenarios: Iterable[str | FsPath] = (),
                  sets: Iterable[str | Override] = ()) -> tuple[Plan, dict, Locs]:
        """`read`, also returning the merged data and its locations, for readers that build
        more plans from them (the leaves of a stochastic plan)."""
        t0 = time.perf_counter()
        scenarios, sets = list(scenarios), list(sets)
        with recording_inputs() as inputs:
            data, locs, warnings = load_tree(file, scenarios, sets)
        t1 = time.perf_counter()
        plan = cls.from_data(data, locs)
        plan.warnings = warnings + plan.warnings
        plan.timings = {"read": t1 - t0, "validate": time.perf_counter() - t1}
        plan.inputs = inputs
        plan.scenarios = [str(s) for s in scenarios]
        plan.sets = [s if isinstance(s, str) else f"{s.path}={s.value}" for s in sets]
        return plan, data, locs

    # --- building and solving --------------------------------------------------------------------
    def build(self, cuts: Iterable[str] | None = None, elastic: bool = False,
              extra: Extra | None = None, online: str | None = None) -> Compiled:
        """The Pyomo model of solvers.md, with its variables and cost terms (compile.Compiled).
        `cuts`: valid inequalities to add (compile.CUTS; None: the defaults). `elastic`: unmet
        demand variables on every required demand's balance (see diagnose.py). `extra`: called
        with the model and the prepared data, then the objective is rebuilt (see `solve`).
        `online`: the form of online[e,s] (compile.ONLINE_FORMS; None: the default)."""
        from .compile import apply_extra, compile_model  # Pyomo: see above
        from .extra import guard

        return apply_extra(compile_model(self.prepared, elastic=elastic, cuts=cuts,
                                         online=online), None if extra is None else guard(extra))

    def solve(self, options: SolveOptions | None = None, extra: Extra | None = None,
              start: Start | None = None, *, timings: dict[str, float] | None = None
              ) -> Solution:
        """Build and solve; the Solution (status, objective, builds, flows, costs, ...).

        `extra(compiled, prepared)` is called between build and solve: it may add variables and
        constraints to `compiled.model` and cost terms with `compiled.add_cost(category, ...)`,
        which are then part of the objective and reported in `Solution.costs` like the built-in
        categories (docs/extending.md). `start`: variable values to hand HiGHS as a MIP start
        (see `values`)."""
        return self.solve_outcome(options, extra, start, timings=timings)[0]

    def solve_outcome(self, options: SolveOptions | None = None, extra: Extra | None = None,
                      start: Start | None = None, *, timings: dict[str, float] | None = None
                      ) -> tuple[Solution, Outcome | None]:
        """`solve`, and the solver's Outcome of the main solve (None for an elastic solve)."""
        opts = options or SolveOptions()
        if extra is not None:  # the user's code: its errors named as theirs (extra.py)
            from .extra import guard

            extra = guard(extra)
        started = now()
        sol, outcome = self._solve(opts, extra, start, {**self.timings, **(timings or {})})
        sol.provenance = collect(opts, sol.solver, started, now(), inputs=self.inputs,
                                 scenarios=self.scenarios, sets=self.sets)
        return sol, outcome

    def _solve(self, opts: SolveOptions, extra: Extra | None, start: Start | None,
               spent: dict[str, float]) -> tuple[Solution, Outcome | None]:
        if opts.write_model is not None:
            from .model_file import check_model_path

            if opts.elastic:
                raise UsageError("--write-model writes one MIP; --elastic solves two in turn "
                                 "(diagnose.py): drop one of them")
            check_model_path(opts.write_model)
        with paused_gc():  # see gcpause.py: from compile to extract, the model is the heap
            t0 = time.perf_counter()
            if opts.elastic:
                from .diagnose import solve_elastic  # Pyomo: see above

                sol = solve_elastic(self.prepared, opts, extra)
                sol.timings = {**spent, "elastic": time.perf_counter() - t0}
                return sol, None
            compiled = self.build(cuts=opts.cuts, extra=extra, online=opts.online)
            if opts.write_model is not None:
                compiled.write(opts.write_model)
            use_start = bool(start) and opts.solver == DEFAULT_SOLVER
            if use_start:
                assert start is not None
                set_values(compiled, start)
                opts = replace(opts, mip_start=True)
            spent["compile"] = time.perf_counter() - t0
            return self.finish(compiled, opts, spent, extra)

    def finish(self, compiled: Compiled, opts: SolveOptions, timings: dict[str, float],
               extra: Extra | None = None,
               runner: Callable[[Any, SolveOptions], Outcome] | None = None
               ) -> tuple[Solution, Outcome]:
        """The second half of `solve`, for a built model (whose variables may hold a MIP start,
        see SolveOptions.mip_start): solve, extract, explain an infeasible one. Returns the
        Solution, with `timings` and the solver's, and the solver's Outcome. `runner` solves the
        Pyomo model (default run_solver; session.py passes one that re-solves a model HiGHS
        holds already, race.py one that races seeds)."""
        p = self.prepared
        if compiled.trivially_infeasible:
            outcome = Outcome(Status.infeasible, message="; ".join(compiled.trivially_infeasible),
                              solver=opts.solver)
        else:
            if runner is None and opts.race > 1 and opts.solver == DEFAULT_SOLVER \
                    and not opts.mip_start:
                from . import race  # Pyomo and highspy: see above

                runner = race.run
            outcome = (runner or run_solver)(compiled.model, opts)
        timings.update(outcome.timings)
        t1 = time.perf_counter()
        sol = extract(p, compiled, outcome)
        timings["extract"] = time.perf_counter() - t1
        if sol.status is Status.infeasible and opts.explain and not compiled.trivially_infeasible:
            from .diagnose import explain_infeasible  # Pyomo: see above

            t2 = time.perf_counter()
            why = explain_infeasible(p, replace(opts, mip_start=False), extra)
            sol.message = "\n".join(x for x in (sol.message, why) if x) or None
            timings["explain"] = time.perf_counter() - t2
        sol.timings = timings
        return sol, outcome


def values(compiled: Compiled) -> Start:
    """The value of every variable of a solved model, by (name, index): a MIP start."""
    import pyomo.core as pyo  # Pyomo: see above

    return {(v.parent_component().local_name, v.index()): float(v.value)
            for v in compiled.model.component_data_objects(pyo.Var) if v.value is not None}


def set_values(compiled: Compiled, start: Start) -> None:
    """Give every variable its value in `start` (0 if absent): a MIP start for HiGHS. The
    online variables (if the model has them) get the units the start's builds put online, so
    that a start taken from a model of the other form (or a partial one) stays consistent."""
    import pyomo.core as pyo  # Pyomo: see above

    for v in compiled.model.component_data_objects(pyo.Var):
        v.set_value(start.get((v.parent_component().local_name, v.index()), 0.0),
                    skip_validation=True)
    if compiled.v.online:
        built = {key: v.value or 0.0 for key, v in compiled.v.build.items()}
        p = compiled.prepared
        for (e, t), v in compiled.v.online.items():
            v.set_value(p.operating_units(e, t, built), skip_validation=True)


def load_extra(spec: str) -> Extra:
    """The function `module:function` names (or `path/to/file.py:function`): an `extra` for
    Plan.solve. Raises UsageError saying what is wrong."""
    where, sep, name = spec.rpartition(":")
    if not sep or not where or not name.isidentifier():
        raise UsageError(f"--extra '{spec}': expected MODULE:FUNCTION or FILE.py:FUNCTION")
    try:
        if where.endswith(".py"):
            file = FsPath(where)
            loader = importlib.util.spec_from_file_location(f"netopt_extra_{file.stem}", file)
            if loader is None or loader.loader is None or not file.is_file():
                raise UsageError(f"--extra '{spec}': no file {where}")
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
    except UsageError:
        raise
    except Exception as e:  # noqa: BLE001  (the user's module: any error in it is theirs to read)
        raise UsageError(f"--extra '{spec}': cannot import {where}: {e}") from None
    func = getattr(module, name, None)
    if not callable(func):
        raise UsageError(f"--extra '{spec}': {where} has no function '{name}'")
    from .extra import guard  # pydantic (through structure's limits): see above

    return guard(cast("Extra", func), spec)


def chain(extras: Iterable[Extra]) -> Extra | None:
    """One extra calling each of `extras` in turn (None for none)."""
    funcs = list(extras)
    if not funcs:
        return None
    if len(funcs) == 1:
        return funcs[0]

    def both(compiled: Compiled, prepared: Prepared) -> None:
        for f in funcs:
            f(compiled, prepared)

    return both


# --- shortcuts ---------------------------------------------------------------------------------

def validate(data: dict, locs: MutableMapping[Path, Location] | None = None
             ) -> tuple[Instance, list[Problem]]:
    """Validate a dict (already read) into (Instance, warnings); raise InputError with all
    problems. `locs` (a dict or load.read_tree's LazyLocs) is looked up only for the problems."""
    plan = Plan.from_data(data, locs)
    return plan.instance, plan.warnings


def load_checked(path: str | FsPath, timings: dict[str, float] | None = None
                 ) -> tuple[Instance, list[Problem]]:
    """Read, merge includes and validate an instance file: (Instance, warnings).
    Records seconds spent in `timings['read']` and `timings['validate']` if given."""
    plan = read_file(path)
    if timings is not None:
        timings.update(plan.timings)
    return plan.instance, plan.warnings


def read_file(path: str | FsPath) -> Plan:
    """The plan of an instance file (no scenario files: see Plan.read)."""
    t0 = time.perf_counter()
    with recording_inputs() as inputs:
        data, locs, problems = read_tree(FsPath(path))
    if problems:
        raise InputError(problems)
    t1 = time.perf_counter()
    plan = Plan.from_data(data, locs)
    plan.timings = {"read": t1 - t0, "validate": time.perf_counter() - t1}
    plan.inputs = inputs
    return plan


def load(path: str | FsPath) -> Instance:
    """Read, merge includes and validate an instance file. Raises InputError."""
    return read_file(path).instance


def load_instance(file: str | FsPath, scenarios: Iterable[str | FsPath] = (),
                  sets: Iterable[str | Override] = (),
                  timings: dict[str, float] | None = None) -> tuple[Instance, list[Problem]]:
    """Like load_checked, with overlays (see Plan.read): (Instance, warnings)."""
    plan = Plan.read(file, scenarios, sets)
    if timings is not None:
        timings.update(plan.timings)
    return plan.instance, plan.warnings


def override(inst: Instance, values: dict[str, Any] | None = None, *,
             scenario: Scenario | None = None) -> Instance:
    """A new validated Instance: `inst` with `values` ({path: value}) and/or `scenario` applied.
    For tests and scripts: `override(inst, {"routes[launch].cost_per_t": 5})`."""
    data: dict = instance_data(inst)
    locs: Locs = {}
    if scenario is not None:
        data, locs = apply(data, locs, scenario)
    if values:
        data, locs = apply(data, locs, Scenario(set=[Override(p, v) for p, v in values.items()]))
    return validate(data, locs)[0]


def solve(instance: Instance, options: SolveOptions | None = None, *,
          timings: dict[str, float] | None = None) -> Solution:
    """Compile and solve a validated Instance: `Plan.of(instance).solve(options)`."""
    return Plan.of(instance).solve(options, timings=timings)


def solve_file(path: str | FsPath, options: SolveOptions | None = None) -> Solution:
    """Read, validate and solve an instance file."""
    return read_file(path).solve(options)

