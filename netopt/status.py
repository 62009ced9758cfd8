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


# why a solver stopped, in words: HiGHS's model statuses (kTimeLimit...) and Pyomo's termination
# conditions (maxTimeLimit...), as they are named
_WORDS = {
    "kTimeLimit": "the time limit was reached", "maxTimeLimit": "the time limit was reached",
    "kIterationLimit": "the iteration limit was reached",
    "maxIterations": "the iteration limit was reached",
    "kSolutionLimit": "a node or solution limit was reached",
    "maxEvaluations": "an evaluation limit was reached",
    "kInterrupt": "interrupted", "kHighsInterrupt": "interrupted", "userInterrupt": "interrupted",
    "kMemoryLimit": "the solver ran out of memory",
    "kObjectiveBound": "the objective bound was reached",
    "kObjectiveTarget": "the objective target was reached",
    "kModelError": "the solver found an error in the model",
    "kLoadError": "the solver could not load the model",
    "kPresolveError": "the solver's presolve failed", "kSolveError": "the solver failed",
    "kPostsolveError": "the solver's postsolve failed", "solverFailure": "the solver failed",
    "internalSolverError": "the solver failed", "error": "the solver failed",
    "kModelEmpty": "the model is empty", "kNotset": "the solver gave no status",
    "kUnknown": "the solver gave no reason", "unknown": "the solver gave no reason",
    "other": "the solver gave no reason", "kInfeasible": "infeasible",
    "kUnbounded": "unbounded", "kUnboundedOrInfeasible": "infeasible or unbounded",
    "kOptimal": "optimal",
}


def status_words(status: object) -> str:
    """A solver's status in words ('the time limit was reached', not kTimeLimit): `status` a
    HiGHS model status, a Pyomo termination condition, or the name of one."""
    name = str(getattr(status, "name", status))
    return _WORDS.get(name, name)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a solve before the solver had any solution: there is nothing
    to keep, so it is an interrupt like one while building (exit 130), not a limit (exit 4).
    `doing` says in which phase, for the message."""

    def __init__(self, doing: str):
        super().__init__(doing)
        self.doing = doing


# the messages netopt.highs and netopt.race give a solve that Ctrl-C or SIGTERM stopped
INTERRUPT_MESSAGES = ("interrupted (Ctrl-C)", "interrupted (SIGTERM)")


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
