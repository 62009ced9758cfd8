"""Command line: netopt validate | solve | schema | export | compare | report | sweep | catalog.

One module per group of commands; common.py holds what they share (consoles, option aliases,
problem printing, exception -> exit code)."""

from __future__ import annotations

import codecs
import gc
import logging
import os
import signal
import sys
from typing import Annotated, Any

import typer

from . import bug, catalog, instance, pareto, solution, sweep
from ..provenance import git_describe, netopt_version
from .common import INTERRUPTED, err

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Declarative optimizer for space-resources infrastructure.")


def _version(show: bool) -> None:
    if show:
        git = git_describe()
        print(f"netopt {netopt_version()}" + (f" ({git})" if git else ""))
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print netopt's version (and git describe of a source checkout) and exit.")] = False,
          debug: Annotated[bool, typer.Option(
              "--debug", help="Show the traceback of an internal error (a bug in netopt) instead "
                              "of one line; may be given anywhere on the command line.")] = False,
          ) -> None:
    """Declarative optimizer for space-resources infrastructure."""


app.command()(instance.validate)
app.command()(instance.solve)
app.command()(instance.schema)
app.command()(solution.export)
app.command()(solution.compare)
app.command()(solution.report)
app.add_typer(catalog.catalog_app, name="catalog")
app.command("sweep")(sweep.sweep)
app.command("pareto")(pareto.pareto)


# what a console that cannot show a character (Windows' cp1252 behind a redirect) gets instead
_PLAIN = {"→": "->", "←": "<-", "–": "-", "—": "-", "─": "-", "│": "|", "×": "x", "≤": "<=",
          "≥": ">=", "…": "...", "≈": "~", "−": "-", "±": "+/-", "━": "-", "·": "."}


def _plain(e: UnicodeError) -> tuple[str, int]:
    assert isinstance(e, UnicodeEncodeError)
    return "".join(_PLAIN.get(c, "?") for c in e.object[e.start:e.end]), e.end


def _safe_streams() -> None:
    """Never crash on a character the console's encoding lacks: print a plain stand-in."""
    codecs.register_error("netopt-plain", _plain)
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or ""
        if not encoding.lower().replace("-", "").startswith("utf") and hasattr(stream,
                                                                                "reconfigure"):
            stream.reconfigure(errors="netopt-plain")


class _Reader:
    """stdout that stops writing, silently, once its reader has gone (`netopt ... | head`): the
    command still finishes its work (a solve still writes -o) and exits with its own code; the
    text after the reader left goes to /dev/null instead of ending in a BrokenPipeError."""

    def __init__(self, stream: Any):
        self._stream = stream

    def _gone(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())  # what is still buffered drains there too
        os.close(devnull)

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _quiet_pipe() -> None:
    try:
        sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        return
    sys.stdout = _Reader(sys.stdout)


def main() -> None:
    """The `netopt` console script. SIGTERM (timeout, SLURM, docker stop) is taken as Ctrl-C.
    An exception no command expected is a bug: one line says so (the traceback with --debug)."""
    _safe_streams()
    _quiet_pipe()
    debug = "--debug" in sys.argv[1:]
    if debug:
        sys.argv.remove("--debug")
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # Pyomo logs "Constructing component ... failed: KeyboardInterrupt" before passing on an
    # interrupt that lands while it builds a component: the one line below says it instead
    logging.getLogger("pyomo.core").addFilter(
        lambda r: "KeyboardInterrupt" not in r.getMessage())
    try:
        app()
    except KeyboardInterrupt:  # outside a solve (a solve keeps its best solution instead)
        err.print("interrupted; nothing written")
        raise SystemExit(INTERRUPTED) from None
    except Exception as e:  # noqa: BLE001  (the one place that sees every unexpected error)
        if debug:
            raise
        bug.report(e)  # a line that cannot fail, a MemoryError's too
        raise SystemExit(1) from None
    finally:
        # the exit would collect a solved model's millions of objects one by one (1 s at 100k
        # routes) for memory the OS frees anyway: frozen objects are not collected
        gc.freeze()
