"""Solve statuses and the command line's exit codes, in one place."""

from __future__ import annotations

from enum import Enum

SCHEMA_VERSION = 8  # of solution.json (solution_schema: the models and UPGRADES from older ones)


class Status(str, Enum):
    optimal = "optimal"
    feasible = "feasible"  # a solution, optimality not proven (time limit, gap)
    infeasible = "infeasible"
    unbounded = "unbounded"
    no_solution = "no_solution"  # a limit was reached before any solution was found

    @property
    def has_solution(self) -> bool:
        return self in (Status.optimal, Status.feasible)


class ExitCode:
    OK = 0
    INVALID_INPUT = 1
    USAGE = 2
    INFEASIBLE = 3  # infeasible or unbounded
    NO_SOLUTION = 4  # no solution within the limits


def exit_code(status: Status) -> int:
    if status.has_solution:
        return ExitCode.OK
    if status in (Status.infeasible, Status.unbounded):
        return ExitCode.INFEASIBLE
    return ExitCode.NO_SOLUTION
