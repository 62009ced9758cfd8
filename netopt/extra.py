"""A user's `extra` function (docs/extending.md), run as the user's code: its errors are named as
theirs, and what it adds to the model is checked as an instance's numbers are.

An extra may raise, have the wrong signature, add a nonlinear row, a NaN or 1e20 coefficient, or
remove a component netopt's rows and extraction rely on. Unchecked, each of those surfaced as
"internal error (a bug in netopt)" or as a plan silently solved without netopt's rows. `guard`
wraps the function once: a signature that cannot take (compiled, prepared) is a UsageError (exit
2) when the function is loaded; anything else is an ExtraError (invalid input, exit 1) naming
the function (file:function) and, for an exception, the line of the user's file it came from.
Ctrl-C and SIGTERM pass through untouched (exit 130 as while building).
"""

from __future__ import annotations

import inspect
import math
import os
import traceback
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from .errors import InputError, Problem, UsageError, printable
from .structure import INFINITE, LARGE_MATRIX, SMALL_MATRIX

if TYPE_CHECKING:
    from .compile import Compiled, Extra
    from .params import Prepared

MAX_REPORTED = 5  # problems listed per extra: one bad rule repeated over 10k rows is one mistake


class ExtraError(InputError):
    """What a user's extra function did wrong: invalid input (exit 1), not a bug in netopt."""


def describe(func: Callable[..., Any]) -> str:
    """FILE:FUNCTION of a function, the file relative to the current folder when inside it."""
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    try:
        file = inspect.getsourcefile(func)
    except TypeError:  # a builtin or a callable object: its module is all there is
        file = None
    if file is None:
        return f"{getattr(func, '__module__', '?')}:{name}"
    return f"{_short(file)}:{name}"


def _short(file: str) -> str:
    """`file` relative to the current folder if it is inside it, else as it is."""
    try:
        rel = os.path.relpath(file)
    except ValueError:  # another drive (Windows)
        return file
    return file if rel.startswith("..") else rel


def guard(func: Extra, name: str | None = None) -> Extra:
    """`func` run as a user's extra (see the module's docstring); `name` says which (as given
    to --extra), by default its file:function. A guarded function is returned as it is."""
    if getattr(func, "__netopt_extra__", None) is not None:
        return func
    label = name or describe(func)
    try:
        sig: inspect.Signature | None = inspect.signature(func)
    except (TypeError, ValueError):  # no signature to read (some builtins): call and see
        sig = None
    if sig is not None:
        try:
            sig.bind(None, None)
        except TypeError:
            raise UsageError(f"--extra '{label}': {getattr(func, '__name__', label)}{sig} "
                             "cannot be called as extra(compiled, prepared)") from None

    def guarded(compiled: Compiled, prepared: Prepared) -> None:
        before = _snapshot(compiled)
        try:
            func(compiled, prepared)
        except (KeyboardInterrupt, MemoryError, RecursionError, ExtraError):
            # Ctrl-C: as while building; resources: the caller's last-resort message; an inner
            # guarded extra's error (plan.chain of several): named already
            raise
        except SystemExit as e:  # a sys.exit() in the user's code must not end netopt quietly
            raise ExtraError([Problem(f"--extra {label} called sys.exit({e.code!r})")]) \
                from None
        except Exception as e:  # noqa: BLE001  (the user's code: any error in it is theirs)
            raise ExtraError([Problem(f"--extra {label} raised {type(e).__name__}: "
                                      f"{_text(e)}{_where(e, func)}")]) from None
        problems = check(compiled, before)
        if problems:
            raise ExtraError([Problem(f"--extra {label}: {p}") for p in problems])

    guarded.__netopt_extra__ = label  # type: ignore[attr-defined]
    guarded.__name__ = getattr(func, "__name__", "extra")
    guarded.__doc__ = func.__doc__
    return guarded


def _text(e: BaseException) -> str:
    text = str(e)
    return printable(text if len(text) <= 500 else text[:500] + "...")


def _where(e: BaseException, func: Callable[..., Any]) -> str:
    """' (at FILE:LINE)': the deepest frame in the extra's own file, else the deepest frame."""
    frames = traceback.extract_tb(e.__traceback__)[1:]  # [0] is guarded's own call
    if not frames:
        return ""
    try:
        own = inspect.getsourcefile(func)
    except TypeError:
        own = None
    pick = frames[-1]
    if own is not None:
        mine = [f for f in frames if FsPath(f.filename) == FsPath(own)]
        pick = mine[-1] if mine else pick
    return f" (at {_short(pick.filename)}:{pick.lineno})"


class _Snapshot:
    """The model's components and cost terms before the extra ran."""

    def __init__(self, components: dict[str, tuple[int, bool]], terms: dict[Any, int],
                 objectives: set[int]):
        self.components = components  # name -> (id, active)
        self.terms = terms  # (category, step) -> number of terms
        self.objectives = objectives


def _snapshot(c: Compiled) -> _Snapshot:
    import pyomo.core as pyo

    m = c.model
    return _Snapshot(
        {comp.local_name: (id(comp), comp.active) for comp in m.component_objects(
            descend_into=False)},
        {key: len(terms) for key, terms in c.costs.terms.items()},
        {id(o) for o in m.component_objects(pyo.Objective, descend_into=True)})


def check(c: Compiled, before: _Snapshot) -> list[str]:
    """What the extra did to `c` that netopt cannot solve or report: netopt's components removed,
    replaced or deactivated, objectives of its own, nonlinear rows, numbers HiGHS cannot take in
    its rows, bounds and cost terms."""
    import pyomo.core as pyo

    m = c.model
    out: list[str] = []
    now = {comp.local_name: comp for comp in m.component_objects(descend_into=False)}
    for name, (ident, active) in before.components.items():
        comp = now.get(name)
        if comp is None:
            out.append(f"removed netopt's component '{name}'")
        elif id(comp) != ident:
            out.append(f"replaced netopt's component '{name}' (give yours a name of its own)")
        elif active and not comp.active:
            out.append(f"deactivated netopt's component '{name}'")
    own = {ident for ident, _ in before.components.values()}
    for o in m.component_objects(pyo.Objective, descend_into=True):
        if id(o) not in before.objectives:
            out.append(f"added an objective '{o.name}': add cost terms with compiled.add_cost "
                       "instead")
    for con in m.component_objects(pyo.Constraint, active=True, descend_into=True):
        if id(con) in own:
            continue
        for row in con.values():
            if row.active:
                out += _row_problems(row)
            if len(out) >= MAX_REPORTED:
                return out[:MAX_REPORTED]
    for var in m.component_objects(pyo.Var, descend_into=True):
        if id(var) in own:
            continue
        for x in var.values():
            for which, bound in (("lower", x.lb), ("upper", x.ub)):
                if bound is not None and not _finite_below(bound, INFINITE):
                    out.append(f"variable {x.name} has a {which} bound of {bound:.3g}; HiGHS "
                               f"takes bounds from {INFINITE:.0e} as infinite (leave it out "
                               "for no bound)")
            if len(out) >= MAX_REPORTED:
                return out[:MAX_REPORTED]
    for key, terms in c.costs.terms.items():
        for coef, var in terms[before.terms.get(key, 0):]:
            category, step = key
            if not _finite_below(coef, INFINITE):
                out.append(f"add_cost('{category}', '{step}', {coef!r}, {_name(var)}): a cost "
                           f"coefficient must be a finite number below {INFINITE:.0e}")
            elif not getattr(var, "is_variable_type", lambda: False)():
                out.append(f"add_cost('{category}', '{step}', {coef!r}, {_name(var)}): the "
                           "last argument must be one variable of the model")
            if len(out) >= MAX_REPORTED:
                return out[:MAX_REPORTED]
    return out


def _finite_below(x: Any, limit: float) -> bool:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return False
    return math.isfinite(v) and abs(v) < limit


def _name(x: Any) -> str:
    return printable(str(getattr(x, "name", x)))[:80]


def _row_problems(row: Any) -> list[str]:
    """A new row's problems: not linear, a coefficient HiGHS refuses or drops, a bound it takes
    as infinite (or NaN)."""
    from pyomo.repn import generate_standard_repn

    name = _name(row)
    try:
        repn = generate_standard_repn(row.body, compute_values=True, quadratic=False)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError) as e:
        return [f"row {name} cannot be read as a linear row: {_text(e)}"]
    if repn.nonlinear_expr is not None or repn.quadratic_vars:
        return [f"row {name} is not linear ({printable(str(row.body))[:80]}); HiGHS takes linear rows only"]
    out = []
    for x, a in zip(repn.linear_vars, repn.linear_coefs):
        a = float(a)
        if not math.isfinite(a):
            out.append(f"row {name} has a coefficient of {a} on {x.name}")
        elif abs(a) > LARGE_MATRIX:
            out.append(f"row {name} has a coefficient of {a:.3g} on {x.name}; HiGHS refuses "
                       f"values above {LARGE_MATRIX:.0e} (check the units)")
        elif 0 < abs(a) <= SMALL_MATRIX:
            out.append(f"row {name} has a coefficient of {a:.3g} on {x.name}; HiGHS treats "
                       f"values at or below {SMALL_MATRIX:.0e} as zero (check the units)")
    constant = float(repn.constant)
    for which, bound in (("lower", row.lower), ("upper", row.upper)):
        if bound is None:
            continue
        try:
            b = float(pyo_value(bound)) - constant
        except (TypeError, ValueError):
            out.append(f"row {name} has a {which} bound that is not a number")
            continue
        if not _finite_below(b, INFINITE):
            out.append(f"row {name} has a {which} bound of {b:.3g}; HiGHS takes bounds from "
                       f"{INFINITE:.0e} as infinite")
    return out


def pyo_value(x: Any) -> Any:
    from pyomo.core import value

    return value(x)
