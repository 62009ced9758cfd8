"""Progressive hedging over MPI ranks with mpi-sppy, for trees too large for the extensive form.

    mpiexec -n 4 netopt solve tree.yaml --decompose ph

Every rank reads and validates the file (all leaves' Plans), then compiles only its own leaves:
mpi-sppy's `scenario_creator` builds leaf i's model with compile (the same model as in the
extensive form) and attaches its tree nodes, whose nonanticipative variables are the build
variables of the node's stages (solvers.md, "Planning under uncertainty", and "Decomposition").
PH is a heuristic when build variables are integer: its plan is evaluated (builds fixed to the
rounded consensus, every leaf solved) for an inner bound, and its final weights give a Lagrangian
outer bound; the extensive form's objective, when solved too, is reported beside them.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..status import Interrupted

if TYPE_CHECKING:
    from ..compile import Extra
    from ..solve import SolveOptions
    from .plan import StochasticPlan

INSTALL = "pip install -e '.[mpi]' (mpi-sppy, mpi4py and the mpich wheel)"


@dataclass
class PHResult:
    ranks: int
    rank: int
    iterations: int
    converged: bool
    objective: float | None  # expected cost of PH's plan (inner bound); None if infeasible
    bound: float | None  # outer bound: max(trivial bound, Lagrangian bound)
    here_and_now: list[dict] = field(default_factory=list)  # root builds of PH's plan
    seconds: float = 0.0
    mpi_note: str | None = None  # why PH ran serially
    infeasible: bool = False  # a leaf is infeasible on its own (PH's iteration 0)

    def as_dict(self, extensive: float | None = None) -> dict[str, Any]:
        return {"method": "ph", "ranks": self.ranks, "objective": self.objective,
                "bound": self.bound, "iterations": self.iterations,
                "extensive_form": extensive, "note": self.note(extensive)}

    def note(self, extensive: float | None) -> str:
        """Whether PH and the extensive form agree (0.1 % of the objective)."""
        if self.infeasible:
            return "a leaf is infeasible on its own: PH stopped after its iteration 0"
        parts = [] if self.converged else [f"PH did not converge in {self.iterations} iterations"]
        if self.objective is None:
            parts.append("PH's plan is infeasible in some leaf")
        if extensive is not None and self.objective is not None:
            diff = (self.objective - extensive) / max(abs(extensive), 1e-9)
            parts.append(f"PH's plan is within {abs(diff):.2%} of the extensive form"
                         if abs(diff) <= 1e-3 else
                         f"PH's plan costs {diff:+.2%} more than the extensive form's optimum "
                         "(PH is a heuristic with integer builds)")
        if extensive is not None and self.bound is not None and self.bound > extensive + 1e-6 * max(
                1.0, abs(extensive)):
            parts.append("PH's bound exceeds the extensive form's optimum: the subproblems were "
                         "not solved to optimality (use --gap 0)")
        return "; ".join(parts) or "PH converged"


def mpi_status() -> tuple[Any, str | None]:
    """(COMM_WORLD or None, why MPI is missing)."""
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError) as e:
        return None, f"MPI is not available ({e}); running progressive hedging serially on 1 rank"
    return MPI.COMM_WORLD, None


def mpi_rank() -> int:
    """This process's MPI rank (0 without MPI): only rank 0 writes outputs."""
    comm, _ = mpi_status()
    return 0 if comm is None else int(comm.Get_rank())


def agree(verdict: str | None) -> str | None:
    """Rank 0's `verdict` (say, why the output cannot be written) on every rank: a rank that
    stopped alone would leave the others waiting for it in PH's first collective for ever."""
    comm, _ = mpi_status()
    if comm is None or comm.Get_size() == 1:
        return verdict
    return comm.bcast(verdict, root=0)


@dataclass
class _Stop:
    """Ctrl-C and SIGTERM while PH runs: the signals heard, and the HiGHS objects of this rank's
    subproblems (asked to stop when one arrives)."""

    heard: list[int] = field(default_factory=list)
    solvers: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cancel_all(self) -> None:
        with self.lock:
            for h in self.solvers:
                h.cancelSolve()


# seconds PH gets, after Ctrl-C or SIGTERM, to reach an iteration boundary before this rank is
# abandoned (os._exit 130): nothing is kept of an interrupted PH, so waiting longer gains nothing,
# and HiGHS checks for a stop only now and then (48 s apart in a roadmap leaf's root node)
PH_INTERRUPT_GRACE = 10.0


def _abandon(message: str, err_fd: int) -> None:
    """End this rank now, as HiGHS does not stop: say so on rank 0 (on the stderr PH started
    with: mpi-sppy's solver may hold the current one), exit 130 without destroying HiGHS."""
    if mpi_rank() == 0:
        try:
            os.write(err_fd, (message + "\n").encode())
        except OSError:
            pass
    os._exit(130)


@contextlib.contextmanager
def _signals_as_flags(grace: float = PH_INTERRUPT_GRACE,
                      abandon: Callable[[str, int], None] = _abandon) -> Iterator[_Stop]:
    """While PH runs, Ctrl-C and SIGTERM are noted instead of raising: a KeyboardInterrupt on one
    rank between two collectives would leave the others waiting in the next one for ever. Every
    rank learns of them at the next iteration boundary (_iteration_boundary). A subproblem's
    HiGHS is asked to stop at once: the main thread is inside it, so a thread woken by the
    signal's wakeup byte asks; if PH has not ended `grace` seconds later, the rank is abandoned
    (`abandon(message, stderr fd)`)."""
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def note(signum: int, frame: Any) -> None:
        stop.heard.append(signum)

    reader, writer = socket.socketpair()
    writer.setblocking(False)
    ended = threading.Event()
    err_fd = os.dup(2)

    def watch() -> None:
        try:
            data = reader.recv(64)
        except OSError:
            return
        if not data or ended.is_set():
            return
        stop.cancel_all()
        if not ended.wait(grace):
            abandon(f"interrupted while running progressive hedging: HiGHS did not stop within "
                    f"{grace:g} s of the signal; abandoned; nothing written", err_fd)

    before = {signum: signal.signal(signum, note) for signum in (signal.SIGINT, signal.SIGTERM)}
    old_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    watcher = threading.Thread(target=watch, daemon=True, name="netopt-ph-signals")
    watcher.start()
    try:
        yield stop
    finally:
        ended.set()
        signal.set_wakeup_fd(old_fd)
        for signum, old in before.items():
            signal.signal(signum, old)
        writer.close()  # the watcher reads b"" and ends
        watcher.join(5)
        reader.close()
        os.close(err_fd)


def _subproblem_starting(h: Any) -> None:
    """Called as each subproblem's HiGHS is about to run (netopt.testing's "subproblem" phase
    sends a signal here)."""


def _iteration_boundary(ph: Any, stop: _Stop) -> None:
    """Between two PH iterations, on every rank at once: stop every rank if any rank heard
    Ctrl-C or SIGTERM (a collective, so no rank is left waiting)."""
    comm = getattr(ph, "mpicomm", None)
    asked = len(stop.heard)
    if comm is not None and comm.Get_size() > 1:
        asked = comm.allreduce(asked)
    if asked:
        raise Interrupted(f"running progressive hedging (iteration {int(ph._PHIter)}; every "
                          "rank stopped)")


def _stopper() -> Any:
    """The mpi-sppy extension that calls _iteration_boundary after iteration 0 and each
    later iteration."""
    from mpisppy.extensions.extension import Extension

    class Stopper(Extension):
        def __init__(self, ph: Any, stop: _Stop) -> None:
            super().__init__(ph)
            self.stop = stop

        def pre_solve(self, subproblem: Any) -> None:
            # appsi_highs keeps one HiGHS per subproblem, made at its first solve: made here
            # instead, so that a signal can stop it from its first solve on
            plugin = getattr(subproblem, "_solver_plugin", None)
            if plugin is None or not hasattr(plugin, "set_instance"):
                return
            if getattr(plugin, "_solver_model", None) is None:
                plugin.set_instance(subproblem)
            h = plugin._solver_model
            if h is None:
                return
            with self.stop.lock:
                if all(h is not x for x in self.stop.solvers):
                    h.HandleUserInterrupt = True  # makes cancelSolve() stop it at its next check
                    self.stop.solvers.append(h)
            _subproblem_starting(h)
            if self.stop.heard:  # heard already: this rank stops at the boundary anyway
                h.cancelSolve()

        def post_iter0(self) -> None:
            _iteration_boundary(self.opt, self.stop)

        def enditer(self) -> None:
            _iteration_boundary(self.opt, self.stop)

    return Stopper


# --- the tree as mpi-sppy sees it --------------------------------------------------------------

@dataclass
class Layout:
    """Depths of the tree: depth d (0: ROOT) decides the builds of stages [bounds[d],
    bounds[d+1]); the last depth's stages belong to the leaves alone. `path[i]`: leaf i's
    outcome index at each depth below ROOT; `names[i]`: its scenario name."""

    bounds: list[int]
    factors: list[int]
    path: list[tuple[int, ...]]
    cond_prob: list[list[float]]  # leaf i: conditional probability at each depth below ROOT
    order: list[int]  # leaves in scenario order


def layout(tree: Any) -> Layout:
    known = sorted({k for _, k in tree.branchings})
    outcome_index: list[dict[tuple[str, ...], int]] = [{} for _ in known]
    probs_by_name = [{b: p for b, p, _ in outcomes} for outcomes in tree.outcomes]
    path, cond = [], []
    for leaf in tree.leaves:
        idx, cp = [], []
        for d, k in enumerate(known):
            which = [j for j, (_, kk) in enumerate(tree.branchings) if kk == k]
            combo = tuple(leaf.branches[j] for j in which)
            idx.append(outcome_index[d].setdefault(combo, len(outcome_index[d])))
            cp.append(math.prod(probs_by_name[j][leaf.branches[j]] for j in which))
        path.append(tuple(idx))
        cond.append(cp)
    factors = [len(m) for m in outcome_index]
    order = sorted(range(len(tree.leaves)), key=lambda i: path[i])
    return Layout([0, *known, len(tree.stages)], factors, path, cond, order)


def node_names(lay: Layout, i: int) -> list[str]:
    """ROOT, ROOT_a, ROOT_a_b, ... for leaf i's non-leaf nodes."""
    names = ["ROOT"]
    for j in lay.path[i][:-1]:
        names.append(f"{names[-1]}_{j}")
    return names


def scenario_creator(sname: str, sp: StochasticPlan, lay: Layout, cuts: Any = None,
                     extra: Extra | None = None, online: str | None = None) -> Any:
    """Leaf `sname`'s compiled model with its tree nodes and probability attached."""
    import pyomo.core as pyo
    from mpisppy import scenario_tree

    from ..compile import Terms

    i = int(sname.removeprefix("leaf"))
    tree = sp.tree
    c = sp.leaves[i].build(cuts=cuts, extra=extra, online=online)
    m = c.model
    names = node_names(lay, i)
    group_of: dict[str, list[int]] = {}
    for j in range(len(tree.leaves)):
        for d, n in enumerate(node_names(lay, j)):
            if n in names and names[d] == n:
                group_of.setdefault(n, []).append(j)
    missing: list[tuple[str, str]] = []
    nodes = []
    for d, name in enumerate(names):
        stages = set(tree.stages[lay.bounds[d]:lay.bounds[d + 1]])
        keys = sorted({key for j in group_of[name] for key in sp.leaves[j].prepared.build_keys
                       if key[1] in stages})
        missing += [key for key in keys if key not in c.v.build]
        nodes.append((d, name, stages, keys))
    # a build variable other leaves of a node have and this one lacks is 0 here (as in the EF)
    m.ph_absent = pyo.Var(range(len(missing) + 1), bounds=(0, 0))
    absent = {key: m.ph_absent[n] for n, key in enumerate(missing)}
    node_list = []
    for d, name, stages, keys in nodes:
        nonants = [c.v.build[key] if key in c.v.build else absent[key] for key in keys]
        if not nonants:  # mpi-sppy needs a variable at every node
            nonants = [m.ph_absent[len(missing)]]
        cost = Terms()
        for (category, t), items in c.costs.terms.items():
            if t in stages:
                for coef, v in items:
                    cost.add(v, coef * c.costs.factor[(category, t)])
        setattr(m, f"ph_cost_{d}", pyo.Expression(expr=cost.expr() if cost.vars else 0.0))
        node_list.append(scenario_tree.ScenarioNode(
            name=name, cond_prob=1.0 if d == 0 else lay.cond_prob[i][d - 1], stage=d + 1,
            cost_expression=getattr(m, f"ph_cost_{d}"), nonant_list=nonants, scen_model=m,
            parent_name=None if d == 0 else names[d - 1]))
    m._mpisppy_node_list = node_list
    m._mpisppy_probability = tree.leaves[i].probability
    m._netopt_root_keys = nodes[0][3]
    return m


def _rho_setter(scale: float) -> Callable[[Any], list[tuple[int, float]]]:
    def rho(model: Any) -> list[tuple[int, float]]:
        """rho_i = scale x |objective coefficient of x_i| (Watson & Woodruff's cost-proportional
        rule; at least 1e-3)."""
        from pyomo.core import Objective
        from pyomo.repn.standard_repn import generate_standard_repn

        obj = next(o for o in model.component_data_objects(Objective, active=True))
        repn = generate_standard_repn(obj.expr, quadratic=False)
        coef = {id(v): abs(float(c)) for v, c in zip(repn.linear_vars, repn.linear_coefs)}
        out = []
        for node in model._mpisppy_node_list:
            for v in node.nonant_vardata_list:
                out.append((id(v), max(scale * coef.get(id(v), 0.0), 1e-3)))
        return out
    return rho


# --- running -----------------------------------------------------------------------------------

def run_ph(sp: StochasticPlan, opts: SolveOptions, iterations: int = 50, rho: float = 1.0,
           convthresh: float = 1e-4, extra: Extra | None = None) -> PHResult:
    """Progressive hedging on every rank of COMM_WORLD (or serially without MPI)."""
    chatter = io.StringIO()  # mpi-sppy prints its progress and warnings on stdout
    try:
        with contextlib.redirect_stdout(chatter):
            import mpisppy  # noqa: F401
    except ImportError:
        raise UsageError(f"--decompose ph needs mpi-sppy: {INSTALL}") from None
    import pyomo.core as pyo
    from mpisppy.opt.ph import PH
    from mpisppy.utils import sputils

    comm, note = mpi_status()
    size = 1 if comm is None else comm.Get_size()
    if size > len(sp.tree.leaves):  # mpi-sppy gives every rank a leaf at least
        raise UsageError(f"{size} MPI ranks for {len(sp.tree.leaves)} leaves: progressive "
                         "hedging gives each rank one leaf or more; run with mpiexec -n "
                         f"{len(sp.tree.leaves)} or fewer")
    lay = layout(sp.tree)
    names = [f"leaf{i}" for i in lay.order]
    nodenames = sputils.create_nodenames_from_branching_factors(lay.factors)
    solver_options: dict[str, Any] = {"mip_rel_gap": 1e-4 if opts.gap is None else opts.gap}
    if opts.threads is not None:
        solver_options["threads"] = opts.threads
    options = {"solver_name": "appsi_highs", "PHIterLimit": iterations, "defaultPHrho": rho,
               "convthresh": convthresh, "verbose": False, "display_progress": False,
               "display_timing": False,
               "solver_options_layers": [sputils.solver_options_layer("default", solver_options)],
               "linearize_proximal_terms": True, "proximal_linearization_tolerance": 1e-1,
               "toc": False}
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(chatter), _signals_as_flags() as stop:
        kwargs: dict[str, Any] = {"sp": sp, "lay": lay, "cuts": opts.cuts, "extra": extra,
                                  "online": opts.online}
        ph = PH(options, names, scenario_creator, scenario_creator_kwargs=kwargs,
                all_nodenames=nodenames if len(lay.factors) > 1 else None,
                rho_setter=_rho_setter(rho), extensions=_stopper(),
                extension_kwargs={"stop": stop},
                **({"mpicomm": comm} if comm is not None else {}))
        try:
            conv, _, trivial = ph.ph_main(finalize=False)
        except RuntimeError as e:
            # iteration 0 solves every leaf alone; mpi-sppy raises on every rank (the feasible
            # probability is summed over all) when one is infeasible: the plan is infeasible
            if not str(e).startswith("Infeasibility detected"):
                raise
            _iteration_boundary(ph, stop)  # or a signal stopped a leaf's solve: every rank
            rank = 0 if comm is None else comm.Get_rank()
            return PHResult(size, rank, 0, False, None, None, seconds=time.perf_counter() - t0,
                            mpi_note=note, infeasible=True)
        lagrangian = ph.post_solve_bound(solver_options=solver_options)
        bound = max(b for b in (trivial, lagrangian) if b is not None)
        # PH's plan: builds fixed to the rounded consensus (xbar), W and prox off, every leaf
        ph.disable_W_and_prox()
        root: dict[tuple[str, str], float] = {}
        for s in ph.local_scenarios.values():
            keys = s._netopt_root_keys
            for (ndn, j), x in s._mpisppy_data.nonant_indices.items():
                xbar = pyo.value(s._mpisppy_model.xbars[(ndn, j)])
                x.fix(round(xbar) if x.is_integer() else xbar)
                if ndn == "ROOT" and j < len(keys):
                    root[keys[j]] = round(xbar)
        ph.solve_loop(solver_options=solver_options, gripe=False)
        feasible = ph.incumbent_prob() > 1 - 1e-9
        objective = ph.Eobjective() if feasible else None
        _iteration_boundary(ph, stop)  # a signal during the evaluation: every rank stops
    rank = 0 if comm is None else comm.Get_rank()
    here = [{"name": e, "stage": t, "units": u} for (e, t), u in sorted(root.items()) if u]
    return PHResult(size, rank, int(ph._PHIter), bool(conv is not None and conv < convthresh),
                    None if objective is None else float(objective), float(bound), here,
                    time.perf_counter() - t0, note)


def infeasible_solution(sp: StochasticPlan, res: PHResult, opts: SolveOptions,
                        extra: Extra | None = None) -> Any:
    """PH's iteration 0 found a leaf infeasible on its own: an infeasible Solution whose message
    names the leaves and their reasons, as the extensive form's does (each leaf solved alone)."""
    from dataclasses import replace

    from ..status import Status

    sol = ph_solution(sp, res)
    quiet = replace(opts, progress=None, tee=False)
    why = []
    for leaf, plan in zip(sp.tree.leaves, sp.leaves):
        alone = plan.solve(quiet, extra)
        if alone.status is Status.infeasible:
            why.append(f"leaf {leaf.name} is infeasible on its own"
                       + (f"\n{alone.message}" if alone.message else ""))
    sol.message = "\n".join(why) or ("progressive hedging (mpi-sppy): a leaf is infeasible in "
                                     "its first iteration")
    return sol


def warn(message: str) -> None:
    print(message, file=sys.stderr)


def ph_solution(sp: StochasticPlan, res: PHResult, solver_version: str = "") -> Any:
    """A Solution from PH alone (no extensive form): status, expected cost of PH's plan, its
    bound, the here-and-now builds; no tables (each leaf's plan stays on its rank)."""
    from ..results import Solution, network_of
    from ..status import Status
    from .extensive import tree_record

    inst, p = sp.base.instance, sp.base.prepared
    facilities = {f.name: f for f in inst.facilities}

    def row(b: dict) -> dict:
        e: Any = p.buildable[b["name"]]
        kind = "facility" if b["name"] in facilities else "route"
        return {"name": b["name"], "type": kind,
                "node": e.node if kind == "facility" else f"{e.from_}->{e.to}",
                "stage": b["stage"], "units": b["units"]}

    ok = res.objective is not None
    gap = (None if res.objective is None or res.bound is None else
           abs(res.objective - res.bound) / max(abs(res.objective), 1e-10))
    sol = Solution(instance=inst.name, status=Status.feasible if ok else Status.infeasible,
                   objective=res.objective, bound=res.bound, gap=gap,
                   objective_kind=inst.objective, units=inst.units.model_dump(),
                   message="progressive hedging (mpi-sppy): a plan and bounds, optimality not "
                           "proven", solver={"name": "mpi-sppy PH + appsi_highs",
                                             "version": solver_version},
                   stages=[{"name": s.name, "start_year": s.start_year, "years": s.years,
                            "capex_factor": s.capex_factor, "annual_factor": s.annual_factor}
                           for s in p.stages], network=network_of(p))
    sol.builds = [row(b) for b in res.here_and_now]
    tree = sp.tree
    sol.stochastic = {
        "tree": tree_record(sp),
        "here_and_now": [dict(b) for b in sol.builds],
        "leaves": [{"name": leaf.name, "probability": leaf.probability,
                    "branches": dict(zip((n for n, _ in tree.branchings), leaf.branches))}
                   for leaf in tree.leaves],
        "expected_cost": res.objective, "decomposition": res.as_dict()}
    return sol
