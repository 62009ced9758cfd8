"""Pause Python's cyclic garbage collector while building or reading a big model.

Pyomo makes millions of small objects and no garbage cycles while netopt compiles and hands over
a model: the cyclic collector would only re-scan them, more often the bigger the model (measured:
benchmarks/scale.py, 1.23 s -> 0.53 s compile at 66k variables + rows)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
