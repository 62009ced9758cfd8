"""Where runs are solved: in this process, a local process pool, or a Dask cluster."""

from __future__ import annotations

import inspect
import multiprocessing as mp
import signal
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from ..session import Session
from .run import RunResult, run_one
from .spec import SweepError
from .table import BUILT, ERROR, FIXED_COLUMNS, cell

# process-pool workers get the base once, through the initializer
_WORKER_STATE: dict[str, Any] = {}


def _pool_init(base: dict, options: Any, elements: list[str], stage_order: list[str],
               start: dict | None = None, in_place: bool = False) -> None:
    # Ctrl-C at a terminal reaches the whole process group: the sweep (the parent) handles it
    # and ends the workers; a worker must not stop its solve early and report that as a result
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_STATE.update(base=base, options=options, elements=elements, stage_order=stage_order,
                         start=start, session=Session() if in_place else None)


def _pool_run(run_id: int, settings: dict[str, Any], overrides: dict | None = None) -> RunResult:
    s = _WORKER_STATE
    return run_one(s["base"], run_id, settings, s["options"], s["elements"], s["stage_order"],
                   s["start"], overrides, s["session"])


def _dask_run(payload: dict, run_id: int, settings: dict[str, Any],
              overrides: dict | None = None) -> RunResult:
    return run_one(payload["base"], run_id, settings, payload["options"], payload["elements"],
                   payload["stage_order"], payload["start"], overrides)




def _error_result(i: int, settings: dict, elements: list[str], message: str) -> RunResult:
    row = {"run": str(i), **{p: cell(v) for p, v in settings.items()},
           **{c: "" for c in FIXED_COLUMNS}, **{BUILT + e: "" for e in elements},
           "status": ERROR, "message": message}
    return RunResult(i, row, 0.0)


MAX_ATTEMPTS = 2  # a run in flight when a worker process dies is tried again once


# what a worker needs, imported once in the fork server instead of once per worker
PRELOAD = ["netopt.sweep.executors", "netopt.plan", "netopt.session", "netopt.load",
           "netopt.solve", "netopt.params", "netopt.structure", "netopt.compile",
           "netopt.results", "netopt.highs", "pyomo.environ", "highspy"]


def _mp_context() -> Any:
    """Workers are forked from a fork server that has imported netopt and the solver once (never
    from this process, whose solver threads may be running); `spawn` where there is no fork."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


@contextmanager
def interrupt_flag() -> Any:
    """An Event set when SIGINT or SIGTERM arrives (which raises KeyboardInterrupt): netopt's
    HiGHS backend turns Ctrl-C into an early stop with the incumbent, which must not be taken for a
    run's result."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        flag.set()
        raise KeyboardInterrupt

    # SIGTERM (timeout, SLURM, docker stop) as Ctrl-C: the runs done so far are kept
    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


def run_pool(pending: list[tuple[int, dict[str, Any], dict[str, Any]]], args: tuple,
             record: Callable[[RunResult], None], workers: int) -> str:
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


def run_dask(pending: list[tuple[int, dict, dict]], args: tuple, record: Callable,
              address: str | None, scheduler_file: str | None, timeout: str = "30s",
              notes: list[str] | None = None) -> str:
    try:
        from distributed import Client, as_completed  # optional: netopt[dask]
    except ImportError:
        raise SweepError("--dask needs Dask distributed: pip install 'netopt[dask]'") from None
    base, options, elements, stage_order, start = args[:5]  # Dask: no session (see driver)
    try:
        client = (Client(scheduler_file=scheduler_file, timeout=timeout) if scheduler_file
                  else Client(address, timeout=timeout))
    except (OSError, TimeoutError, ValueError) as e:
        raise SweepError(f"cannot reach the Dask scheduler "
                         f"{scheduler_file or address}: {e}") from None
    try:
        info = (client.scheduler_info(n_workers=-1) if _takes_n_workers(client)
                else client.scheduler_info())
        n = len(info.get("workers", {}))
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
    return "n_workers" in inspect.signature(client.scheduler_info).parameters
