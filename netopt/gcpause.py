"""Pause Python's cyclic garbage collector while building or reading a big model.

Pyomo makes millions of small objects and no garbage cycles while netopt compiles and hands over
a model: the cyclic collector would only re-scan them, more often the bigger the model (measured:
benchmarks/scale.py, 1.23 s -> 0.53 s compile at 66k variables + rows).

The collector is one per process, so the pause is counted across threads: the first phase to
enter pauses it (if it was running), the last to leave lets it run again. Two solves in two
threads never turn it back on under each other, and a host that keeps the collector off (the
`netopt solve` command does) finds it off afterwards."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False  # whether the collector ran when the first pause began

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._resume:
                    gc.enable()


paused_gc = _Pause()  # one per process, as the collector is
