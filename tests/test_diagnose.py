"""Infeasible plans explained, elastic solves, structural warnings, interrupted solves."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import netopt
from netopt import highs
from netopt.results import write_atomic
from netopt.status import Status
from netopt.testing import facility_location, instance, signal_at, solve_exact

DEPOT = dict(
    nodes=[{"name": "earth"}, {"name": "eml1", "requires_depot": ["lox"]}],
    commodities=[{"name": "lox"}],
    facilities=[{"name": "eml1-depot", "kind": "depot", "node": "eml1", "capacity": 120,
                 "capex": 50}],
    routes=[{"name": "up", "from": "earth", "to": "eml1"}],
    supplies=[{"node": "earth", "commodity": "lox", "price_per_t": 1.0}],
    demands=[{"node": "eml1", "commodity": "lox", "amount": 300}])


def test_infeasible_names_the_binding_depot():
    sol = solve_exact(instance(**DEPOT))
    assert sol.status is Status.infeasible
    assert sol.message == (
        "demand lox at eml1 in s1: 300 t/yr required, 120 t/yr met when as much as possible is "
        "met (the --elastic plan); limits reached: depot eml1-depot at eml1: 120 t/yr x 1 unit(s), all built and full")


def test_infeasible_names_supply_limit_and_budget():
    # Mine (capex 100, 10 t/yr) is over the 60 budget; supply gives at most 4 of the 9 needed.
    sol = solve_exact(instance(
        facilities=[{"name": "mine", "node": "b", "capacity": 10, "capex": 100,
                     "produces": {"x": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b"}],
        supplies=[{"node": "a", "commodity": "x", "max_per_year": 4}],
        demands=[{"node": "b", "commodity": "x", "amount": 9}],
        budgets={"s1": 60}))
    assert sol.status is Status.infeasible
    assert sol.message == (
        "demand x at b in s1: 9 t/yr required, 4 t/yr met when as much as possible is met (the "
        "--elastic plan); limits reached: supply a/x: at its limit 4 t/yr")


def test_elastic_meets_what_it_can_at_least_cost():
    # At most 120 of 300 t/yr can arrive: depot 50 + 120 t at 1 = 170; 180 t/yr unmet.
    sol = netopt.solve(instance(**DEPOT), netopt.SolveOptions(elastic=True, gap=0.0))
    assert sol.status is Status.optimal
    assert sol.objective == pytest.approx(170, rel=1e-6)
    assert [(s["demand"], s["rate"]) for s in sol.shortfalls] == [
        ("eml1/lox (unmet)", pytest.approx(180, rel=1e-6))]
    assert "120 t/yr met when as much as possible is met" in sol.message


@pytest.mark.parametrize("dear", ["lox", "lh2"])
def test_the_explanation_quotes_the_elastic_plan(dear):
    """Depot of 100 t/yr for lox and lh2, 80 t/yr of each required: 60 t/yr must go unmet, and
    which commodity falls short is a cost question (the dear one, 5 per t against 1). Minimising
    unmet tonnes alone may short either; the explanation must say what --elastic delivers."""
    cheap = {"lox": "lh2", "lh2": "lox"}[dear]
    data = dict(
        nodes=[{"name": "earth"}, {"name": "eml1", "requires_depot": ["lox", "lh2"]}],
        commodities=[{"name": "lox"}, {"name": "lh2"}],
        facilities=[{"name": "depot", "kind": "depot", "node": "eml1", "capacity": 100}],
        routes=[{"name": "up", "from": "earth", "to": "eml1"}],
        supplies=[{"node": "earth", "commodity": dear, "price_per_t": 5.0},
                  {"node": "earth", "commodity": cheap, "price_per_t": 1.0}],
        demands=[{"node": "eml1", "commodity": "lox", "amount": 80},
                 {"node": "eml1", "commodity": "lh2", "amount": 80}])
    infeasible = solve_exact(instance(**data))
    assert infeasible.status is Status.infeasible
    # all 80 of the cheap one, 20 of the dear one: 80 x 1 + 20 x 5 = 180; 60 t/yr unmet
    why = (f"demand {dear} at eml1 in s1: 80 t/yr required, 20 t/yr met when as much as possible "
           "is met (the --elastic plan); limits reached: depot depot at eml1: 100 t/yr x 1 unit(s), "
           "all built and full")
    assert infeasible.message == why
    elastic = netopt.solve(instance(**data), netopt.SolveOptions(elastic=True, gap=0.0))
    assert elastic.objective == pytest.approx(180)
    assert [(s["commodity"], s["rate"]) for s in elastic.shortfalls] == [(dear, 60)]
    assert elastic.message == why


def test_shortfalls_below_the_tolerance_are_noise():
    import types

    import pyomo.environ as pyo

    from netopt.diagnose import rounded, unmet_rows

    m = pyo.ConcreteModel()
    keys = [("b", "x", "s1"), ("b", "y", "s1"), ("b", "z", "s1")]
    m.unmet = pyo.Var(keys, initialize={keys[0]: 1.5e-6, keys[1]: 3.2500004, keys[2]: 0.0})
    p = types.SimpleNamespace(demand={keys[0]: 1500.0, keys[1]: 10.0, keys[2]: 5.0},
                              step={"s1": types.SimpleNamespace(stage="s1", start_year=2030)})
    # tolerance 1e-6 of the demand: 1.5e-3 t/yr of 1,500 (1.5e-6 is noise); 1e-5 of 10 (3.25)
    assert unmet_rows(p, m) == [{"node": "b", "commodity": "y", "step": "s1", "stage": "s1",
                                 "year": 2030, "required": 10.0, "rate": 3.25}]
    assert rounded(1995.60000003, 2e-3) == 1995.6
    assert rounded(-1e-9, 1e-6) == 0.0


def test_elastic_on_a_feasible_plan_changes_nothing():
    feasible = dict(DEPOT, demands=[{"node": "eml1", "commodity": "lox", "amount": 100}])
    sol = netopt.solve(instance(**feasible), netopt.SolveOptions(elastic=True, gap=0.0))
    assert sol.objective == pytest.approx(50 + 100)
    assert sol.shortfalls == []
    assert sol.message == "elastic: every required demand is met"


def test_warnings_for_elements_that_can_never_work():
    from netopt.plan import validate

    data = dict(
        name="t", horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1}]},
        commodities=[{"name": "x"}, {"name": "fuel"}, {"name": "ore"}, {"name": "hw"}],
        hardware_commodity="hw",
        nodes=[{"name": "a"}, {"name": "b"}],
        facilities=[{"name": "smelter", "node": "a", "capacity": 1, "consumes": {"ore": 1.0},
                     "produces": {"x": 1.0}},
                    {"name": "heavy", "node": "b", "capacity": 1, "mass": 5,
                     "produces": {"x": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "propellant_per_t": {"fuel": 0.1}}],
        supplies=[{"node": "a", "commodity": "x"}],
        demands=[{"node": "a", "commodity": "x", "amount": 1}])
    _, warnings = validate(data)
    assert [str(w) for w in warnings] == [
        "warning: facilities[0]: facility smelter can never run: ore is never available at a",
        "warning: facilities[1]: facility heavy can never be built: its hardware (hw) never "
        "reaches b in a stage it can be built",
        "warning: routes[0]: route ab can never be used: its propellant fuel is never "
        "available at a"]


def test_coefficient_span_warning():
    from netopt.plan import validate

    data = dict(
        name="t", horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1}]},
        commodities=[{"name": "x"}], nodes=[{"name": "a"}],
        facilities=[{"name": "f", "node": "a", "capacity": 1e7, "produces": {"x": 1e-4}}],
        demands=[{"node": "a", "commodity": "x", "amount": 1}])
    _, warnings = validate(data)
    assert [str(w) for w in warnings] == [
        "warning: facilities[0].capacity: constraint coefficients span 0.0001 "
        "(facilities[0].produces.x) to 1e+07 (facilities[0].capacity), a ratio over 1e+09: "
        "solvers lose accuracy; check the units"]


def test_ctrl_c_keeps_the_incumbent():
    # signal_at("solve") sends SIGINT once HiGHS holds an incumbent and holds HiGHS in its
    # callback until the stop is asked for: the solve cannot end first (it could with a timer)
    with signal_at("solve") as fired:
        sol = netopt.solve(facility_location(30, 60), netopt.SolveOptions(gap=0.0))
    assert fired == ["solve"]
    assert sol.status is Status.feasible
    assert sol.message == "interrupted (Ctrl-C)"
    assert sol.builds and sol.bound < sol.objective


class _StuckHighs:
    """A HiGHS stand-in that never finishes and ignores cancelSolve (as in a long presolve)."""

    cancelled = False

    def __init__(self):
        self.release = threading.Event()

    def run(self):
        self.release.wait()  # until the test ends

    def cancelSolve(self):
        self.cancelled = True


def test_watchdog_abandons_a_solver_that_overruns_its_limit():
    h = _StuckHighs()
    t0 = time.perf_counter()
    abandoned = []
    try:
        status, message = highs.run(h, time_limit=0.2, grace=0.3,
                                    abandon=lambda h, code: abandoned.append(code))
    finally:
        h.release.set()
    assert h.cancelled
    assert abandoned == [4]  # the process would end with os._exit(4): no solution
    assert status is None
    assert message.startswith("HiGHS did not stop when asked; abandoned its run after")
    assert time.perf_counter() - t0 < 5


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    path = tmp_path / "solution.json"
    path.write_text("old")

    with pytest.raises(TypeError):
        write_atomic(path, None)  # fails while writing
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["solution.json"]


def test_failed_run_does_not_clobber_existing_output(tmp_path):
    from typer.testing import CliRunner

    from netopt.cli import app

    good = tmp_path / "good.yaml"
    good.write_text(
        "name: g\nhorizon: {start_year: 2030, stages: [{name: s1, years: 1}]}\n"
        "commodities: [{name: x}]\nnodes: [{name: a}]\n"
        "supplies: [{node: a, commodity: x, price_per_t: 1, max_per_year: MAX}]\n"
        "demands: [{node: a, commodity: x, amount: 5}]\n".replace("MAX", "10"))
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["solve", str(good), "-o", str(out), "-q"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("max_per_year: 10", "max_per_year: 3"))
    r = CliRunner().invoke(app, ["solve", str(bad), "-o", str(out), "-q"])
    assert r.exit_code == 3
    assert "3 t/yr met when as much as possible is met" in r.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_killed_solve_leaves_no_partial_output(tmp_path):
    import yaml

    path = tmp_path / "big.yaml"
    inst = facility_location(30, 60)
    path.write_text(yaml.safe_dump(inst.model_dump(by_alias=True, exclude_none=True)))
    out = tmp_path / "out"
    # the child says when HiGHS holds an incumbent and is held there (no signal sent): killed
    # only then, it is mid-solve for certain (a sleep could let it finish first)
    child = ("import sys\nfrom netopt.testing import signal_at\nfrom netopt.cli import main\n"
             "sys.argv = ['netopt'] + sys.argv[1:]\n"
             "with signal_at('solve', None, announce=True):\n    main()\n")
    proc = subprocess.Popen([sys.executable, "-c", child, "solve", str(path), "-o", str(out),
                             "--gap", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stderr.readline() == "netopt-testing: at solve\n"
    proc.kill()  # SIGKILL: no chance to clean up
    proc.wait(timeout=30)
    leftovers = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert leftovers == []  # killed mid-solve: nothing written, not even a temporary file


def test_unit_slip_warnings():
    from netopt.plan import validate

    data = dict(
        name="t", horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1}]},
        commodities=[{"name": "x"}, {"name": "fuel"}], nodes=[{"name": "a"}, {"name": "b"}],
        propulsion=[{"name": "p", "isp_s": 4.5, "propellant": {"fuel": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "delta_v_km_s": 3770, "propulsion": "p"}])
    with pytest.raises(netopt.InputError) as e:
        validate(data)
    assert [str(w) for w in e.value.problems] == [
        "warning: propulsion[0].isp_s: isp_s 4.5 s is outside 100..100000 s: a unit slip?",
        "warning: routes[0].delta_v_km_s: 3770 km/s is more than 30 km/s: given in m/s?",
        "routes[0].delta_v_km_s: the rocket equation gives a mass ratio of e^8.54e+04 for "
        "3770 km/s at Isp 4.5 s: no vehicle can fly this leg"]
    data["propulsion"][0]["isp_s"] = 450
    data["routes"][0]["delta_v_km_s"] = 3.77
    data["supplies"] = [{"node": "a", "commodity": "fuel"}]
    assert validate(data)[1] == []


def test_file_size_limit(tmp_path, monkeypatch):
    import importlib

    monkeypatch.setattr(importlib.import_module("netopt.parse"), "MAX_BYTES", 100)
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n" + "# padding\n" * 20)
    with pytest.raises(netopt.InputError) as e:
        netopt.load(path)
    assert [str(p) for p in e.value.problems] == [
        f"{path}:1:1: file is 208 bytes, more than the 100 allowed"]
