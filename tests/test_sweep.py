"""Sweeps: sampling, the table, failures as rows, resume, summary, executors, the CLI.

The decision instance (see test_scenario.py): 10 t/yr needed at c, x free at a; `launch` a->b at
c_L per t, or a `mine` at b (capex K, capacity 10); `last-mile` b->c (capex 2, capacity 20) always
needed. Objective = min(10*c_L, K) + 2; the mine is built exactly when 10*c_L > K.
"""

import csv
import math
import statistics
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netopt.cli import app
from netopt.errors import InputError
from netopt.scenario import instance_data
from netopt.solve import SolveOptions
from netopt.sweep import (Choice, LogNormal, LogUniform, Normal, Param, SweepError, SweepSpec,
                          Triangular, Uniform, draw_u, parse_param, read_table, run_sweep,
                          split_values, summarize, sweep_from_dict)

from test_scenario import DECISION_YAML, decision

runner = CliRunner()
C_L = "routes[launch].cost_per_t"
K = "facilities[mine].capex"


def expected_objective(c_l: float, k: float = 30.0) -> float:
    return min(10 * c_l, k) + 2


def table_rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def grid(*params: tuple[str, list]) -> SweepSpec:
    return SweepSpec([Param(p, list(v)) for p, v in params])


# --- sampling ---------------------------------------------------------------------------------

def test_inverse_distribution_functions_at_known_points():
    assert Uniform(dist="uniform", low=1, high=5).ppf(0.25) == 2
    assert LogUniform(dist="loguniform", low=1, high=100).ppf(0.5) == pytest.approx(10)
    assert Normal(dist="normal", mean=3, sd=2).ppf(0.5) == pytest.approx(3)
    # the 97.5% point of a normal is mean + 1.96 sd
    assert Normal(dist="normal", mean=3, sd=2).ppf(0.975) == pytest.approx(3 + 2 * 1.959964)
    # truncated to [3, inf): the median of the upper half, mean + 0.6745 sd
    assert Normal(dist="normal", mean=3, sd=2, low=3).ppf(0.5) == pytest.approx(3 + 2 * 0.67449)
    assert LogNormal(dist="lognormal", median=2.7, sigma=0.3).ppf(0.5) == pytest.approx(2.7)
    # triangular: F(mode) = (mode - low) / (high - low)
    tri = Triangular(dist="triangular", low=1, mode=2, high=5)
    assert tri.ppf(0.25) == pytest.approx(2)
    assert tri.ppf(0.0) == 1 and tri.ppf(1.0) == 5
    ch = Choice(dist="choice", values=["a", {"s1": 1}, 3], weights=[1, 1, 2])
    assert [ch.ppf(u) for u in (0.1, 0.3, 0.6, 0.99)] == ["a", {"s1": 1}, 3, 3]


def test_draws_follow_their_distributions():
    spec = SweepSpec([Param("u", dist=Uniform(dist="uniform", low=0, high=1)),
                      Param("n", dist=Normal(dist="normal", mean=10, sd=2, low=6, high=14)),
                      Param("t", dist=Triangular(dist="triangular", low=0, mode=0, high=3))],
                     samples=4000, seed=11)
    runs = spec.runs()
    u = [r["u"] for r in runs]
    n = [r["n"] for r in runs]
    t = [r["t"] for r in runs]
    assert statistics.mean(u) == pytest.approx(0.5, abs=0.02)
    assert min(n) >= 6 and max(n) <= 14  # truncation holds exactly
    assert statistics.mean(n) == pytest.approx(10, abs=0.1)
    assert statistics.mean(t) == pytest.approx(1.0, abs=0.05)  # (0 + 0 + 3) / 3


def test_samples_are_reproducible_and_stable():
    dist = Uniform(dist="uniform", low=1, high=5)
    spec = SweepSpec([Param(C_L, dist=dist)], samples=5, seed=7)
    first = spec.runs()
    assert first == spec.runs()
    # the documented stream: draw j of P with seed S is Random("S/j/P")
    assert first[2][C_L] == 1 + 4 * draw_u(7, 2, C_L)
    assert SweepSpec([Param(C_L, dist=dist)], samples=5, seed=8).runs() != first
    # more samples keep the first ones; another parameter does not change them
    more = SweepSpec([Param(C_L, dist=dist), Param(K, dist=dist)], samples=8, seed=7).runs()
    assert [r[C_L] for r in more[:5]] == [r[C_L] for r in first]
    # a grid crossed with samples: every grid point sees the same draws
    crossed = SweepSpec([Param(K, [20, 40]), Param(C_L, dist=dist)], samples=5, seed=7).runs()
    assert len(crossed) == 10
    assert [r[C_L] for r in crossed[:5]] == [r[C_L] for r in crossed[5:]] == [
        r[C_L] for r in first]
    assert [r[K] for r in crossed] == [20] * 5 + [40] * 5


def test_grid_order_first_parameter_slowest():
    spec = grid((C_L, [1, 4]), (K, [20, 50]))
    assert spec.runs() == [{C_L: 1, K: 20}, {C_L: 1, K: 50}, {C_L: 4, K: 20}, {C_L: 4, K: 50}]
    assert len(spec) == 4


def test_parse_param_values():
    assert parse_param("a.b=0.5,1,2").values == [0.5, 1, 2]
    assert parse_param("a.b=[1, 2]").values == [1, 2]
    assert parse_param("a.b={s1: 1, s2: 2},{s1: 3, s2: 4}").values == [{"s1": 1, "s2": 2},
                                                                       {"s1": 3, "s2": 4}]
    assert split_values("'a,b',c") == ["'a,b'", "c"]
    with pytest.raises(InputError, match="is not PATH=v1,v2"):
        parse_param("a.b")


def test_sweep_file_errors_have_locations(tmp_path):
    from netopt.sweep import read_sweep_file

    f = tmp_path / "s.yaml"
    f.write_text("samples: 3\ndistributions:\n  a.b: {dist: gamma, k: 1}\n"
                 "  c.d: {dist: uniform, low: 2, high: 1}\ngird: {}\n")
    with pytest.raises(InputError) as e:
        read_sweep_file(f)
    msgs = [str(p) for p in e.value.problems]
    assert f"{f}:3:15: distributions.a.b.dist: unknown distribution; one of uniform, loguniform, " \
           "normal, lognormal, triangular, choice" in msgs[0]
    assert any("low (2) must be below high (1)" in m and f"{f}:4:8" in m for m in msgs)
    assert any(m.startswith(f"{f}:5:1: gird: unknown key 'gird' (did you mean 'grid'?)")
               for m in msgs)


def test_spec_checks():
    with pytest.raises(InputError, match="nothing to sweep"):
        SweepSpec().check()
    with pytest.raises(InputError, match="distributions need a number of samples"):
        SweepSpec([Param("a", dist=Uniform(dist="uniform", low=0, high=1))]).check()
    with pytest.raises(InputError, match="swept twice"):
        SweepSpec([Param("a", [1]), Param("a", [2])]).check()


# --- runs, the table, failures ----------------------------------------------------------------

def test_grid_flips_the_build_decision_at_the_threshold(tmp_path):
    # c_L = 1, 2: launch (12, 22); c_L = 4, 5: 10*c_L > 30, the mine (32 both)
    base = instance_data(decision())
    table = tmp_path / "s.csv"
    res = run_sweep(base, grid((C_L, [1, 2, 4, 5])), table, plot=False)
    rows = table_rows(table)
    assert [r["run"] for r in rows] == ["0", "1", "2", "3"]
    assert [float(r["objective"]) for r in rows] == pytest.approx([12, 22, 32, 32])
    assert [r["built:mine"] for r in rows] == ["", "", "s1:1", "s1:1"]
    assert [r["built:last-mile"] for r in rows] == ["s1:1"] * 4
    assert {r["status"] for r in rows} == {"optimal"}
    assert list(rows[0]) == ["run", C_L, "status", "objective", "bound", "gap", "shortfall_t",
                             "built:mine", "built:last-mile", "message"]
    assert [r["shortfall_t"] for r in rows] == ["0"] * 4
    s = summarize(res.rows, res.spec.paths, res.elements)
    assert [e.name for e in s.robust] == ["last-mile"]
    [mine] = s.varying
    assert mine.name == "mine" and mine.built_in == 2 and mine.solved == 4
    assert mine.depends[0].param == C_L and mine.depends[0].accuracy == 1.0
    assert mine.depends[0].rule == f"built when {C_L} >= 4, not when <= 2"
    text = "\n".join(s.lines())
    assert "robust (built in all 4 runs with a solution):\n  last-mile: always s1:1" in text
    assert f"mine: built in 2 of 4 runs (always s1:1)\n    built when {C_L} >= 4" in text


def test_two_parameters_each_flip_the_decision():
    # mine iff 10*c_L > K: (1, 20) no, (1, 50) no, (4, 20) yes, (4, 50) no (40 < 50).
    # c_L 1 -> 4 at K = 20 flips it; K 20 -> 50 at c_L = 4 flips it back: both matter.
    res = run_sweep(instance_data(decision()), grid((C_L, [1, 4]), (K, [20, 50])))
    assert [float(r["objective"]) for r in res.rows] == pytest.approx([12, 12, 22, 42])
    assert [r["built:mine"] for r in res.rows] == ["", "", "s1:1", ""]
    [mine] = summarize(res.rows, res.spec.paths, res.elements).varying
    # each flips it in 1 of the 2 settings of the other
    assert {d.param: (d.flips, d.settings) for d in mine.depends} == {C_L: (1, 2), K: (1, 2)}
    text = "\n".join(summarize(res.rows, res.spec.paths, res.elements).lines())
    assert "changing it alone flips it in 1 of 2 settings of the other parameters" in text


def test_how_many_units_depends_on_demand():
    # launch at 4/t (40 per 10 t) loses to a mine unit (30 per 10 t): one mine unit per 10 t of
    # demand, up to 3 units; objective 30 * n + 2. The mine is built in every run (robust), but
    # how many units depends on the demand: rank correlation +1.
    base = instance_data(decision(4.0))
    base["facilities"][0]["max_units"] = 3
    base["routes"][1]["capacity"] = 40
    res = run_sweep(base, grid(("demands[c/x].amount", [10, 20, 30])))
    assert [float(r["objective"]) for r in res.rows] == pytest.approx([32, 62, 92])
    assert [r["built:mine"] for r in res.rows] == ["s1:1", "s1:2", "s1:3"]
    s = summarize(res.rows, res.spec.paths, res.elements)
    mine = next(e for e in s.robust if e.name == "mine")
    [d] = mine.schedule_depends
    assert d.param == "demands[c/x].amount" and d.rho == pytest.approx(1.0) and d.flips == 1
    assert ("when and how many varies with: demands[c/x].amount (more units when higher, rank "
            "correlation +1.00; changing it alone changes it)") in "\n".join(s.lines())


def test_failed_and_infeasible_runs_are_rows_and_never_abort(tmp_path):
    # c_L = -1 fails validation; last-mile capacity 5 < the 10 t needed: infeasible
    table = tmp_path / "s.csv"
    res = run_sweep(instance_data(decision()),
                    grid((C_L, [-1, 1]), ("routes[last-mile].capacity", [5, 20])), table,
                    plot=False)
    rows = table_rows(table)
    assert [(r[C_L], r["routes[last-mile].capacity"], r["status"]) for r in rows] == [
        ("-1", "5", "invalid"), ("-1", "20", "invalid"), ("1", "5", "infeasible"),
        ("1", "20", "optimal")]
    assert "Input should be greater than or equal to 0 (got -1)" in rows[0]["message"]
    assert float(rows[3]["objective"]) == pytest.approx(12)
    assert rows[2]["objective"] == ""
    assert res.complete
    # a solver error is a row too (here the check before the sweep is skipped to get one)
    res = run_sweep(instance_data(decision()), grid((C_L, [1])),
                    options=SolveOptions(solver="no-such-solver"), check_solver=False)
    assert res.rows[0]["status"] == "error"
    assert "no-such-solver" in res.rows[0]["message"]


def test_missing_solver_or_bad_option_fails_before_any_run(tmp_path):
    base = instance_data(decision())
    with pytest.raises(SweepError, match="solver 'no-such-solver' is not available"):
        run_sweep(base, grid((C_L, [1])), tmp_path / "a.csv",
                  options=SolveOptions(solver="no-such-solver"))
    with pytest.raises(SweepError, match="HiGHS rejects option"):
        run_sweep(base, grid((C_L, [1])), tmp_path / "a.csv",
                  options=SolveOptions(solver_options={"mip_max_nodez": 5}))
    assert not (tmp_path / "a.csv").exists()


def test_elastic_runs_report_the_unmet_demand():
    # last-mile capacity 5 < the 10 t needed: infeasible; elastic: 5 t met (launch at 1 plus the
    # last-mile's 2: 7), 5 t unmet, and the message says which limit binds
    spec = grid((C_L, [1]), ("routes[last-mile].capacity", [5]))
    [row] = run_sweep(instance_data(decision()), spec).rows
    assert row["status"] == "infeasible" and row["shortfall_t"] == ""
    assert "5 t/yr met when as much as possible is met" in row["message"] and "\n" not in row["message"]
    [row] = run_sweep(instance_data(decision()), spec, options=SolveOptions(elastic=True)).rows
    assert row["status"] == "optimal"
    assert float(row["objective"]) == pytest.approx(7)
    assert float(row["shortfall_t"]) == pytest.approx(5)


def test_unknown_path_is_an_input_error_before_any_run():
    with pytest.raises(InputError) as e:
        run_sweep(instance_data(decision()), grid(("routes[lanch].cost_per_t", [1])))
    assert "did you mean 'routes[launch].cost_per_t'?" in str(e.value)


def test_monte_carlo_rows_match_the_hand_derived_optimum(tmp_path):
    spec = SweepSpec([Param(C_L, dist=Uniform(dist="uniform", low=1, high=5))], samples=12,
                     seed=3)
    table = tmp_path / "mc.csv"
    res = run_sweep(instance_data(decision()), spec, table, plot=False)
    rows = table_rows(table)
    assert len(rows) == 12
    for r in rows:
        c = float(r[C_L])
        assert float(r["objective"]) == pytest.approx(expected_objective(c))
        assert (r["built:mine"] == "s1:1") == (10 * c > 30)
    # the summary finds the threshold: built iff c_L above 3 (between the nearest draws)
    [mine] = summarize(res.rows, res.spec.paths, res.elements).varying
    assert mine.depends[0].accuracy == 1.0
    below = max(float(r[C_L]) for r in rows if float(r[C_L]) < 3)
    above = min(float(r[C_L]) for r in rows if float(r[C_L]) > 3)
    assert mine.depends[0].rule == f"built when {C_L} >= {above:g}, not when <= {below:g}"


def test_same_sweep_same_seed_same_table(tmp_path):
    spec = lambda: SweepSpec([Param(C_L, dist=LogNormal(dist="lognormal", median=3, sigma=0.4)),  # noqa: E731
                              Param(K, [25, 35])], samples=3, seed=5)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    run_sweep(instance_data(decision()), spec(), a, plot=False)
    run_sweep(instance_data(decision()), spec(), b, plot=False)
    assert a.read_bytes() == b.read_bytes()


def test_existing_table_needs_resume_or_overwrite(tmp_path):
    table = tmp_path / "s.csv"
    run_sweep(instance_data(decision()), grid((C_L, [1])), table, plot=False)
    with pytest.raises(SweepError, match="exists: --resume to finish that sweep, or --overwrite"):
        run_sweep(instance_data(decision()), grid((C_L, [1])), table)
    # resuming a different sweep into it is refused
    with pytest.raises(SweepError, match="different sweep"):
        run_sweep(instance_data(decision()), grid((C_L, [2])), table, resume=True)
    with pytest.raises(SweepError, match="different sweep"):
        run_sweep(instance_data(decision()), grid((K, [1])), table, resume=True)


def test_interrupted_sweep_resumes_without_redoing_finished_runs(tmp_path):
    base = instance_data(decision())
    spec = grid((C_L, [1, 2, 3.5, 4, 5, 6]))
    full = tmp_path / "full.csv"
    run_sweep(base, spec, full, plot=False)

    table = tmp_path / "s.csv"
    seen = []

    def stop_after_two(row, done, total):
        seen.append(row["run"])
        if len(seen) == 2:
            raise KeyboardInterrupt

    res = run_sweep(base, spec, table, on_result=stop_after_two, plot=False)
    assert res.interrupted and res.ran == 2
    assert [r["run"] for r in table_rows(table)] == ["0", "1"]  # written as they finished
    # a row cut off half-way (the process killed while writing) and an error row are redone
    with open(table, "a") as f:
        f.write("2,3.5,error,,,,,,boom\n3,4,opti")
    res = run_sweep(base, spec, table, resume=True, plot=False)
    assert res.ran == 4  # runs 2..5, not 0 and 1
    assert sorted(res.seconds) == [2, 3, 4, 5]
    # the timings of all six runs: two from the interrupted call, four from this one
    import json
    assert sorted(json.loads((tmp_path / "s.json").read_text())["seconds"]) == list("012345")
    assert table.read_bytes() == full.read_bytes()
    # resuming a finished sweep solves nothing
    assert run_sweep(base, spec, table, resume=True, plot=False).ran == 0


def test_read_table_drops_a_cut_off_last_line(tmp_path):
    t = tmp_path / "t.csv"
    t.write_text("run,x,status\n0,1,optimal\n1,2,opt")
    header, rows = read_table(t)
    assert header == ["run", "x", "status"] and [r["run"] for r in rows] == ["0"]


def test_reports_beside_the_table(tmp_path):
    import json

    table = tmp_path / "out" / "launch.csv"
    res = run_sweep(instance_data(decision()), grid((C_L, [1, 4])), table, meta={"base": "mem"})
    side = {k: p.name for k, p in res.files.items()}
    assert side["table"] == "launch.csv" and side["summary"] == "launch-summary.md"
    assert side["json"] == "launch.json"
    doc = json.loads((tmp_path / "out" / "launch.json").read_text())
    assert doc["runs"] == 2 and doc["summary"]["robust"] == ["last-mile"]
    assert sorted(doc["seconds"]) == ["0", "1"]
    md = (tmp_path / "out" / "launch-summary.md").read_text()
    assert "mine: built in 1 of 2 runs" in md
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "plot" not in side and any("matplotlib" in n for n in res.notes)
    else:
        png = tmp_path / "out" / "launch-objective.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "![objective versus each parameter](launch-objective.png)" in md


def test_warm_start_from_the_base_solution_same_answers():
    # the base (c_L = 2: launch, no mine) is solved once; its values are HiGHS's MIP start in
    # every run. The optimum of each run is unique, so the table is the cold one.
    base = instance_data(decision())
    spec = grid((C_L, [1, 2, 4, 5]))
    cold = run_sweep(base, spec)
    warm = run_sweep(base, spec, warm_start=True)
    assert warm.rows == cold.rows
    assert warm.started == {0: True, 1: True, 2: True, 3: True}
    assert cold.started == {}
    assert any(n.startswith("warm start: base solved") and "objective 22" in n
               for n in warm.notes)
    # with another solver there is no start, and a note says so
    other = run_sweep(base, grid((C_L, [1])), warm_start=True,
                      options=SolveOptions(solver="appsi_highs"))
    assert other.started == {} and "warm start: only with HiGHS" in other.notes[0]


def test_warm_start_run_takes_the_options_cuts_and_solves_once(monkeypatch):
    """A warm-started run compiles with the run's valid inequalities, and an infeasible one
    (last-mile capacity 5 < the 10 t needed) is solved once, with its reason, not again cold."""
    import importlib

    from netopt.plan import Plan, override

    def solve_from(inst, options, start):
        sol, outcome = Plan.of(inst).solve_outcome(options, start=start)
        return sol, outcome.mip_start

    comp = importlib.import_module("netopt.compile")
    core = importlib.import_module("netopt.plan")
    diagnose = importlib.import_module("netopt.diagnose")
    seen_cuts, solves = [], []  # solves: mip_start of each solver run
    compile_model, run_solver = comp.compile_model, core.run_solver
    monkeypatch.setattr(comp, "compile_model",
                        lambda p, **kw: seen_cuts.append(kw.get("cuts")) or compile_model(p, **kw))
    for module in (core, diagnose):
        monkeypatch.setattr(module, "run_solver",
                            lambda m, o: solves.append(o.mip_start) or run_solver(m, o))
    start = {("build", ("mine", "s1")): 0.0}
    sol, started = solve_from(decision(), SolveOptions(cuts=()), start)
    assert sol.objective == pytest.approx(22) and started is True
    assert seen_cuts == [()] and solves == [True]
    seen_cuts.clear(), solves.clear()
    bad = override(decision(), {"routes[last-mile].capacity": 5})
    sol, _ = solve_from(bad, SolveOptions(cuts=()), start)
    assert sol.status.value == "infeasible" and "10 t/yr required" in sol.message
    # the warm run, then the explanation's elastic ones, fewest unmet then least cost (no start)
    assert solves == [True, False, False]


# --- executors --------------------------------------------------------------------------------

def test_process_pool_gives_the_serial_table(tmp_path):
    base = instance_data(decision())
    spec = grid((C_L, [1, 2, 4, 5]), (K, [25, 45]))
    serial, pool = tmp_path / "serial.csv", tmp_path / "pool.csv"
    run_sweep(base, spec, serial, plot=False, workers=1)
    res = run_sweep(base, spec, pool, plot=False, workers=2)
    assert res.executor == "process pool (2 workers)"
    assert pool.read_bytes() == serial.read_bytes()


def test_dask_local_cluster_gives_the_serial_table(tmp_path):
    distributed = pytest.importorskip("distributed")
    base = instance_data(decision())
    spec = grid((C_L, [1, 2, 4, 5]), (K, [25, 45]))
    serial, remote = tmp_path / "serial.csv", tmp_path / "dask.csv"
    run_sweep(base, spec, serial, plot=False, workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        res = run_sweep(base, spec, remote, plot=False, dask=cluster.scheduler_address)
        assert res.executor.startswith("dask (") and "2 workers" in res.executor
        assert remote.read_bytes() == serial.read_bytes()
        # a scheduler file works the same way
        sched = tmp_path / "scheduler.json"
        sched.write_text('{"address": "%s"}' % cluster.scheduler_address)
        res = run_sweep(base, grid((C_L, [4])), None, dask_scheduler_file=str(sched))
        assert float(res.rows[0]["objective"]) == pytest.approx(32)


def test_dask_worker_threads_give_the_serial_table(tmp_path):
    # solves are thread-safe (test_threads.py): three tasks at once in threads of one worker,
    # which here is this very process (processes=False), give the serial rows
    distributed = pytest.importorskip("distributed")
    base = instance_data(decision())
    spec = grid((C_L, [1, 2, 4, 5]), (K, [25, 45]))
    serial = run_sweep(base, spec, workers=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=3, processes=False,
                                  dashboard_address=None) as cluster:
        res = run_sweep(base, spec, dask=cluster.scheduler_address)
    assert res.rows == serial.rows
    assert not any("threads" in n for n in res.notes)


def test_unreachable_dask_scheduler_is_a_usage_error():
    pytest.importorskip("distributed")
    with pytest.raises(SweepError, match="cannot reach the Dask scheduler"):
        run_sweep(instance_data(decision()), grid((C_L, [1])), dask="tcp://127.0.0.1:9",
                  dask_timeout="2s")


# --- command line -----------------------------------------------------------------------------

def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_cli_grid_sweep(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(DECISION_YAML)
    out = tmp_path / "s"  # a directory, as for solve -o
    r = run("sweep", base, "-p", f"{C_L}=1,2,4,5", "-o", out, "-j", "1", "-q", "--no-plot")
    assert r.exit_code == 0, r.output
    assert "4 runs: 4 optimal" in r.output
    assert f"built when {C_L} >= 4, not when <= 2 (100% of runs)" in r.output
    assert [float(x["objective"]) for x in table_rows(out / "sweep.csv")] == pytest.approx(
        [12, 22, 32, 32])
    assert sorted(p.name for p in out.iterdir()) == ["sweep-summary.md", "sweep.csv",
                                                     "sweep.json"]
    assert r.output.rstrip().endswith(f"wrote {out / 'sweep.csv'}, {out / 'sweep-summary.md'}, "
                                      f"{out / 'sweep.json'}")
    # a table cut short (a killed sweep): --resume solves only the missing runs
    lines = (out / "sweep.csv").read_text().splitlines(keepends=True)
    (out / "sweep.csv").write_text("".join(lines[:3]))
    r = run("sweep", base, "-p", f"{C_L}=1,2,4,5", "-o", out, "-j", "1", "-q", "--no-plot",
            "--resume")
    assert r.exit_code == 0 and "2 runs solved" in r.output, r.output
    assert [float(x["objective"]) for x in table_rows(out / "sweep.csv")] == pytest.approx(
        [12, 22, 32, 32])
    # -o names a directory: a file, or a name ending in .csv, is refused (usage error)
    r = run("sweep", base, "-p", f"{C_L}=1,2", "-o", tmp_path / "t.csv")
    assert r.exit_code == 2 and "-o names a directory" in r.output
    r = run("sweep", base, "-p", f"{C_L}=1,2", "-o", base)
    assert r.exit_code == 2 and "is a file" in r.output
    # again: refused without --resume / --overwrite (usage error), then resumed: nothing to do
    r = run("sweep", base, "-p", f"{C_L}=1,2,4,5", "-o", out, "-j", "1", "-q", "--no-plot")
    assert r.exit_code == 2 and "--resume" in r.output
    r = run("sweep", base, "-p", f"{C_L}=1,2,4,5", "-o", out, "-j", "1", "-q", "--no-plot",
            "--resume")
    assert r.exit_code == 0 and "0 runs solved" in r.output, r.output


def test_cli_sweep_file_with_samples_and_seed(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(DECISION_YAML)
    sweep = tmp_path / "mc.yaml"
    sweep.write_text("base: base.yaml\nsamples: 2\nseed: 1\ndistributions:\n"
                     f"  {C_L}: {{dist: uniform, low: 1, high: 5}}\n"
                     f"grid:\n  {K}: [25, 45]\n")
    out = tmp_path / "mc"
    # the sweep file given as the file: its base is used; --samples overrides its samples
    r = run("sweep", sweep, "--samples", "3", "-o", out, "-j", "1", "-q", "--no-plot")
    assert r.exit_code == 0, r.output
    rows = table_rows(out / "sweep.csv")
    assert len(rows) == 6
    for row in rows:
        c, k = float(row[C_L]), float(row[K])
        assert float(row["objective"]) == pytest.approx(expected_objective(c, k))
    # the same draws with the same seed (and --seed changes them)
    out2 = tmp_path / "mc2"
    r = run("sweep", base, "--sweep", sweep, "--samples", "3", "-o", out2, "-j", "1", "-q",
            "--no-plot")
    assert r.exit_code == 0, r.output
    assert (out2 / "sweep.csv").read_bytes() == (out / "sweep.csv").read_bytes()
    r = run("sweep", base, "--sweep", sweep, "--samples", "3", "--seed", "2", "-o",
            tmp_path / "mc3", "-j", "1", "-q", "--no-plot")
    assert [x[C_L] for x in table_rows(tmp_path / "mc3" / "sweep.csv")] != [
        x[C_L] for x in rows]


def test_cli_sweep_errors(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(DECISION_YAML)
    r = run("sweep", base, "-p", "routes[lanch].cost_per_t=1,2", "-o", tmp_path / "x")
    assert r.exit_code == 1
    assert r.output.strip() == (
        "--param routes[lanch].cost_per_t=1,2: routes has no item named 'lanch'; did you mean "
        "'routes[launch].cost_per_t'?")
    r = run("sweep", base, "-o", tmp_path / "x")
    assert r.exit_code == 1 and "nothing to sweep" in r.output
    r = run("sweep", base, "-p", f"{C_L}=1", "--samples", "3", "-o", tmp_path / "x")
    assert r.exit_code == 1 and "samples need distributions" in r.output


def test_sweep_file_fixed_overrides_apply_to_every_run(tmp_path):
    sf = sweep_from_dict({"set": {K: 50}, "grid": {C_L: [4]}})
    from netopt.scenario import Scenario, apply
    data, _ = apply(instance_data(decision()), {}, Scenario(set=sf.sets))
    res = run_sweep(data, sf.spec)
    # K = 50: launch at 4 costs 40 < 50: 42
    assert float(res.rows[0]["objective"]) == pytest.approx(42)
    assert math.isclose(float(res.rows[0]["objective"]), expected_objective(4, 50))


def test_docs_examples_stay_valid():
    # docs/scenarios.md runs these on instances/cislunar-ice.yaml
    from netopt.plan import load_instance
    from netopt.scenario import load_tree
    from netopt.sweep import check_paths, read_sweep_file

    docs = Path(__file__).parent.parent / "docs" / "examples"
    inst, _ = load_instance(docs / "high-launch-cost.yaml")
    assert inst.routes[0].cost_per_t == 2.72
    sf = read_sweep_file(docs / "cislunar-uncertainty.yaml")
    assert sf.spec.samples == 40 and len(sf.spec.sampled) == 5
    data, _, _ = load_tree(sf.base)
    check_paths(data, sf.spec)


def test_rank_correlation():
    from netopt.sweep import rank_correlation

    assert rank_correlation([1, 2, 3], [10, 20, 30]) == pytest.approx(1)
    assert rank_correlation([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert rank_correlation([1, 1, 2, 2], [1, 2, 3, 4]) == pytest.approx(0.8944, abs=1e-4)
    assert rank_correlation([1, 2, 3], [5, 5, 5]) is None


def test_ctrl_c_during_a_serial_solve_records_nothing_for_that_run(tmp_path):
    # netopt's HiGHS backend turns Ctrl-C into an early stop that returns the incumbent; a sweep
    # must not take that for the run's result: it stops, and the run is redone on --resume.
    from netopt.testing import facility_location, signal_at

    base = instance_data(facility_location())
    spec = grid(("facilities[w0].capex", [100, 200]))
    table = tmp_path / "s.csv"
    with signal_at("solve") as fired:  # once the first run's HiGHS holds an incumbent
        res = run_sweep(base, spec, table, plot=False)
    assert fired == ["solve"]
    assert res.interrupted
    assert res.rows == [] and table_rows(table) == []


def test_without_matplotlib_the_plot_is_skipped_with_a_note(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    table = tmp_path / "s.csv"
    res = run_sweep(instance_data(decision()), grid((C_L, [1, 4])), table)
    assert "plot" not in res.files and not (tmp_path / "s-objective.png").exists()
    assert res.notes == ["matplotlib is not installed: no plot (pip install matplotlib)"]
    assert "Note: matplotlib is not installed" in (tmp_path / "s-summary.md").read_text()


def test_scale_factors_of_the_base_value():
    # base c_L = 2: factors 0.5 and 2 give c_L = 1 (launch: 12) and 4 (mine: 32)
    res = run_sweep(instance_data(decision()), SweepSpec([Param(C_L, [0.5, 2], scale=True)]))
    assert [r[f"scale:{C_L}"] for r in res.rows] == ["0.5", "2"]
    assert [float(r["objective"]) for r in res.rows] == pytest.approx([12, 32])
    # the summary speaks of the factor
    [mine] = summarize(res.rows, res.spec.paths, res.elements).varying
    assert mine.depends[0].rule == f"built when scale:{C_L} >= 2, not when <= 0.5"


def test_scale_a_per_stage_price_and_a_template_value():
    # the route's price comes from its template and is given by stage: {s1: 1, s2: 3};
    # 2 t/yr in each 1-year stage: 2 * 1 + 2 * 3 = 8 at factor 1, 4 at 0.5, 16 at 2
    data = {"name": "t", "horizon": {"start_year": 2030, "stages": [{"name": "s1", "years": 1},
                                                                    {"name": "s2", "years": 1}]},
            "commodities": [{"name": "x"}], "nodes": [{"name": "a"}, {"name": "b"}],
            "route_templates": [{"name": "cargo", "cost_per_t": {"s1": 1, "s2": 3}}],
            "routes": [{"name": "ab", "template": "cargo", "from": "a", "to": "b"}],
            "supplies": [{"node": "a", "commodity": "x"}],
            "demands": [{"node": "b", "commodity": "x", "amount": 2}]}
    res = run_sweep(data, SweepSpec([Param("routes[ab].cost_per_t", [0.5, 1, 2], scale=True)]))
    assert [float(r["objective"]) for r in res.rows] == pytest.approx([4, 8, 16])


def test_scale_errors():
    base = instance_data(decision())
    # the launch route has no capacity (unbounded): nothing to scale
    with pytest.raises(InputError, match=r"'routes\[launch\].capacity' is None in the base: only"):
        run_sweep(base, SweepSpec([Param("routes[launch].capacity", [2], scale=True)]))
    with pytest.raises(InputError, match="scale factors are numbers"):
        run_sweep(base, SweepSpec([Param(C_L, ["a"], scale=True)]))


def test_sweep_file_scale_grid_and_scaled_distribution(tmp_path):
    sf = sweep_from_dict({"scale": {C_L: [0.5, 2]}, "samples": 3, "seed": 4,
                          "distributions": {K: {"dist": "uniform", "low": 0.5, "high": 1.5,
                                                "scale": True}}})
    assert [p.column for p in sf.spec.params] == [f"scale:{C_L}", f"scale:{K}"]
    res = run_sweep(instance_data(decision()), sf.spec)
    assert len(res.rows) == 6
    for r in res.rows:
        c, k = 2 * float(r[f"scale:{C_L}"]), 30 * float(r[f"scale:{K}"])
        assert float(r["objective"]) == pytest.approx(expected_objective(c, k))


def test_cli_scale(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(DECISION_YAML)
    out = tmp_path / "s"
    r = run("sweep", base, "--scale", f"{C_L}=0.5,2", "-o", out, "-j", "1", "-q", "--no-plot")
    assert r.exit_code == 0, r.output
    assert [float(x["objective"]) for x in table_rows(out / "sweep.csv")] == pytest.approx(
        [12, 32])


def test_sweep_summary_money_without_exponents():
    # objectives of 1.5e8 .. 2.5e8 MUSD printed as people write them (`,.6g` gave 1.5e+08)
    from netopt.sweep.analysis import Summary

    s = Summary(runs=3, statuses={"optimal": 3}, solved=3,
                objective={"min": 1.5e8, "median": 2e8, "max": 2.5e8 + 0.25}, elements=[],
                params=[])
    assert s.lines()[1] == "objective: min 150,000,000, median 200,000,000, max 250,000,000"
