"""What the commands share: the consoles, option aliases, problem printing, and the one mapping
from the exceptions netopt raises to exit codes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn, Optional

import typer
from rich.console import Console

from ..files import OutputError, keep_somewhere
from ..errors import InputError, Problem, UsageError
from ..status import ExitCode

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

INTERRUPTED = 130  # the shell's code for Ctrl-C

# options that solve and sweep share (the sweep applies them to every run)
TimeLimit = Annotated[Optional[float], typer.Option("--time-limit", min=0, help="Seconds (per run in a sweep).")]  # noqa: E501
Gap = Annotated[Optional[float], typer.Option("--gap", min=0, help="Relative MIP gap (default: solver's, HiGHS 1e-4).")]  # noqa: E501
Solver = Annotated[str, typer.Option("--solver", help="highs, or any solver Pyomo knows.")]
Threads = Annotated[Optional[int], typer.Option("--threads", min=1, help="Threads the solver may use (HiGHS option threads; default: HiGHS's own choice from the machine's cores).")]  # noqa: E501
SolverOption = Annotated[Optional[list[str]], typer.Option("--option", help="Solver option KEY=VALUE (repeatable), e.g. mip_max_nodes=100.")]  # noqa: E501
Sets = Annotated[Optional[list[str]], typer.Option("--set", help="Override PATH=VALUE (repeatable; VALUE is YAML), e.g. routes[launch].cost_per_t=1.4.")]  # noqa: E501


def print_problems(problems: Iterable[Problem]) -> None:
    """Every problem (error or warning) on stderr, one a line, as str(Problem) has it."""
    for p in problems:
        err.print(str(p), markup=False)


@contextmanager
def exit_codes(doing: str = "") -> Iterator[None]:
    """Turn netopt's exceptions into their exit codes: InputError (every problem printed) -> 1,
    UsageError (solver unavailable, sweep usage, an output location...) and any other OSError
    (a file that cannot be read or written) -> 2 ('error: ...'); Ctrl-C or SIGTERM while
    `doing` -> 130, saying so."""
    try:
        yield
    except InputError as e:
        print_problems(e.problems)
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    except UsageError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(ExitCode.USAGE) from None
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        err.print(f"error: {where}{e.strerror or e}", markup=False)
        raise typer.Exit(ExitCode.USAGE) from None
    except KeyboardInterrupt as e:
        doing = getattr(e, "doing", None) or doing  # status.Interrupted knows its phase
        err.print(f"interrupted{' while ' + doing if doing else ''}; nothing written",
                  markup=False)
        raise typer.Exit(INTERRUPTED) from None


def write_solution(sol: Any, folder: Any) -> list:
    """Write a solved solution's outputs into `folder` (files.OutputFolder, prepared before the
    solve); if that fails or is interrupted, keep solution.json elsewhere and say where before
    exiting 2 (or 130): a finished solve is never lost to an output problem."""
    try:
        return sol.write(folder.target, folder=folder)
    except (OutputError, KeyboardInterrupt) as e:
        kept = keep_somewhere(sol.instance, sol.to_json())
        exit_unwritten(e, folder.target, "solution", kept)


def exit_unwritten(e: BaseException, target: object, what: str, kept: object) -> NoReturn:
    """After a write into `target` failed (OutputError) or was interrupted: say so and where
    `what` (the solution, the front) is kept instead, then exit 2 (or 130)."""
    keep = (f"the {what} is kept in {kept}" if kept else
            f"the {what} could not be kept anywhere either")
    if isinstance(e, KeyboardInterrupt):
        err.print(f"interrupted while writing {target}; it is left as it was; {keep}",
                  markup=False)
        raise typer.Exit(INTERRUPTED) from None
    err.print(f"error: {e}; {keep}", markup=False)
    raise typer.Exit(ExitCode.USAGE) from None


def note_cleaned(folder: Any) -> None:
    """Say which temporary files of a netopt killed while writing (SIGKILL) were removed."""
    for path in folder.cleaned:
        err.print(f"note: removed {path}, left by a netopt that was stopped while writing",
                  markup=False)


def parse_options(items: list[str]) -> dict[str, object]:
    """--option KEY=VALUE items -> {KEY: int, float or text}."""
    options: dict[str, object] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"'{item}' is not KEY=VALUE", param_hint="--option")
        value: object = raw
        for convert in (int, float):
            try:
                value = convert(raw)
                break
            except ValueError:
                continue
        options[key.strip()] = value
    return options


def parse_cuts(text: str | None) -> tuple[str, ...] | None:
    """--cuts a,b | none -> the names (None: the defaults)."""
    if text is None:
        return None
    from ..compile import CUTS  # Pyomo: only when asked

    names = tuple(c.strip() for c in text.split(",") if c.strip() and c.strip() != "none")
    unknown = [c for c in names if c not in CUTS]
    if unknown:
        raise typer.BadParameter(f"unknown cut(s) {', '.join(unknown)}; known: "
                                 f"{', '.join(CUTS)}, none", param_hint="--cuts")
    return names


def parse_online(text: str | None) -> str | None:
    """--online expression | variable (None: the default)."""
    if text is None:
        return None
    from ..compile import ONLINE_FORMS  # Pyomo: only when asked

    if text not in ONLINE_FORMS:
        raise typer.BadParameter(f"unknown form '{text}'; known: {', '.join(ONLINE_FORMS)}",
                                 param_hint="--online")
    return text


def progress_printer(start_after: float = 2.0, every_plain: float = 10.0
                     ) -> Callable[[Any], None]:
    """Live progress on stderr: one updating line on a terminal, a line every 10 s otherwise."""
    last = [0.0]

    def show(p: Any) -> None:
        if p.elapsed < start_after:
            return
        fmt = (lambda x: "-" if x is None else f"{x:,.6g}")
        line = (f"  {p.elapsed:6.0f} s  incumbent {fmt(p.incumbent)}  bound {fmt(p.bound)}  "
                f"gap {'-' if p.gap is None else f'{p.gap:.2%}'}")
        if err.is_terminal:
            err.file.write("\r" + line.ljust(78))
            err.file.flush()
        elif p.elapsed - last[0] >= every_plain:
            last[0] = p.elapsed
            err.print(line, markup=False)

    return show
