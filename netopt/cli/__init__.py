"""Command line: netopt validate | solve | schema | export | compare | report | sweep | catalog.

One module per group of commands; common.py holds what they share (consoles, option aliases,
problem printing, exception -> exit code)."""

from __future__ import annotations

import gc

import typer

from . import catalog, instance, solution, sweep
from .common import INTERRUPTED, err

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Declarative optimizer for space-resources infrastructure.")
app.command()(instance.validate)
app.command()(instance.solve)
app.command()(instance.schema)
app.command()(solution.export)
app.command()(solution.compare)
app.command()(solution.report)
app.add_typer(catalog.catalog_app, name="catalog")
app.command("sweep")(sweep.sweep)


def main() -> None:
    """The `netopt` console script. SIGTERM (timeout, SLURM, docker stop) is taken as Ctrl-C.
    An exception no command expected is a bug: one line says so (the traceback with --debug)."""
    import signal
    import sys

    debug = "--debug" in sys.argv[1:]
    if debug:
        sys.argv.remove("--debug")
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        app()
    except KeyboardInterrupt:  # outside a solve (a solve keeps its best solution instead)
        err.print("interrupted; nothing written")
        raise SystemExit(INTERRUPTED) from None
    except Exception as e:  # noqa: BLE001  (the one place that sees every unexpected error)
        if debug:
            raise
        err.print(f"internal error (a bug in netopt): {type(e).__name__}: {e}; run again with "
                  "--debug for the traceback", markup=False)
        raise SystemExit(1) from None
    finally:
        # the exit would collect a solved model's millions of objects one by one (1 s at 100k
        # routes) for memory the OS frees anyway: frozen objects are not collected
        gc.freeze()
