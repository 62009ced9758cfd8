"""The last-resort message for an exception no command expected: one line on stderr that cannot
itself fail (issue 24: a MemoryError's message, printed through rich, raised a second MemoryError
and a traceback).

It formats with plain str operations inside a guard, writes bytes straight to file descriptor 2
(no console, no buffer to grow), and drops the traceback's frames first so that what filled the
memory can be freed before anything is allocated.
"""

from __future__ import annotations

import os
import sys

from ..errors import printable

FALLBACK = b"internal error (a bug in netopt); run again with --debug for the traceback\n"
MAX_DETAIL = 500  # characters of the exception's text: a message can be as large as its input


def message(e: BaseException) -> str:
    """The line for `e`: out of memory is the input's size, anything else a bug in netopt."""
    detail = str(e)
    if len(detail) > MAX_DETAIL:
        detail = detail[:MAX_DETAIL] + "..."
    if isinstance(e, MemoryError):
        return ("error: out of memory" + (f" ({detail})" if detail else "")
                + ": the input is too large for this machine; run again with --debug for the "
                "traceback")
    return (f"internal error (a bug in netopt): {type(e).__name__}: {detail}; run again with "
            "--debug for the traceback")


def report(e: BaseException) -> None:
    """Print `e`'s line on stderr; never raises (if even that fails, a fixed line, or nothing)."""
    try:
        e.__traceback__ = None  # the frames hold what filled the memory: free them first
        line = (printable(message(e)) + "\n").encode("utf-8", "replace")
    except BaseException:  # noqa: BLE001  (another MemoryError, a __str__ that raises...)
        line = FALLBACK
    try:
        sys.stderr.flush()  # what was printed before comes before
    except BaseException:  # noqa: BLE001
        pass
    try:
        os.write(2, line)
    except BaseException:  # noqa: BLE001  (a closed stderr: there is nowhere left to say it)
        pass
