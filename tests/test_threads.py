"""Plans solved in several threads of one process give the answers they give in series."""

from __future__ import annotations

import gc
import threading

import pytest

from netopt.plan import Plan
from netopt.solve import SolveOptions
from netopt.testing import facility_location

from test_scenario import decision


def _answer(sol):
    return (sol.status, sol.objective, sol.builds, sol.flows, sol.costs)


@pytest.mark.parametrize("threads", [(1, 1), (1, 2)])
def test_two_threads_give_the_serial_answers(threads):
    """Two different instances, each solved in its own thread, started together (a barrier);
    with different HiGHS thread counts the second waits for the pool (highs._Scheduler)."""
    plans = [Plan.of(facility_location(10, 16)), Plan.of(decision())]
    opts = [SolveOptions(gap=0.0, threads=n) for n in threads]
    serial = [_answer(p.solve(o)) for p, o in zip(plans, opts)]
    gc_before = gc.isenabled()
    start = threading.Barrier(2)
    got: list = [None, None]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            start.wait()
            for _ in range(3):  # overlap several times
                got[i] = _answer(plans[i].solve(opts[i]))
                assert got[i] == serial[i]
        except BaseException as e:  # noqa: BLE001  (reported in the main thread)
            errors.append(e)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    assert got == serial
    assert serial[1][1] == pytest.approx(22)  # launch 2 x 10 t + last mile 2 (test_scenario)
    assert gc.isenabled() == gc_before  # the collector's pause is counted across threads


def test_one_plan_solved_in_two_threads_at_once():
    """A Plan is not changed by solving it: one plan, two threads, the same answer."""
    plan = Plan.of(facility_location(10, 16))
    opts = SolveOptions(gap=0.0, threads=1)
    serial = _answer(plan.solve(opts))
    start = threading.Barrier(2)
    got: list = []

    def work() -> None:
        start.wait()
        got.append(_answer(plan.solve(opts)))

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert got == [serial, serial]
