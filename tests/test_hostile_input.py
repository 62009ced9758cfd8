"""Hostile input (issue 15): special files, include paths that break `resolve()`, YAML 1.1's
readings and lax numbers, catalogs that hide errors, alias guards, deep include chains and
control characters in messages. Each is refused with a message naming the file and exit 1 (or
accepted when legal) — never a traceback, a hang or a silent change of meaning."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netopt import parse
from netopt.cli import app
from netopt.status import SCHEMA_VERSION as V

HEAD = """name: t
horizon: {start_year: 2030, stages: [{name: s1, years: 1}]}
commodities: [{name: x}]
"""
# one facility of capacity C at a makes x, a route a -> b carries it to a demand of 400 t at b
BODY = """nodes: [{name: a}, {name: b}]
facilities: [{name: m, node: a, capacity: CAP, variable_cost: 1, produces: {x: 1}}]
routes: [{name: r, from: a, to: b, cost_per_t: 2}]
demands: [{node: b, commodity: x, amount: 400, shortfall_penalty_per_t: 100}]
"""


ROOT = Path(__file__).resolve().parent.parent  # this tree's netopt, also in a child process


def run(*args: str):
    r = CliRunner().invoke(app, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def netopt(*args: str, timeout: float = 60, cwd: Path | None = None
           ) -> subprocess.CompletedProcess:
    """The CLI in a child process: a hang fails the test by its timeout instead of hanging it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.run([sys.executable, "-m", "netopt", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env)


# --- cause 3: special files, bounded reads ---------------------------------------------------

def test_fifo_instance_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "in.yaml"
    os.mkfifo(fifo)
    r = netopt("validate", str(fifo), timeout=30)  # before: blocked for ever in read_bytes()
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"{fifo}: cannot read file: it is a named pipe (FIFO), not a regular file"]


def test_device_refused_without_reading_it():
    # before: /dev/zero was read to the end (never) and memory ran out
    r = netopt("validate", "/dev/zero", timeout=30)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        "/dev/zero: cannot read file: it is a character device, not a regular file"]


def test_read_stops_after_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "MAX_BYTES", 10)
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 100)  # 500 bytes
    with pytest.raises(parse.NotReadable, match="file is 500 bytes, more than the 10 allowed"):
        parse.read_bounded(big, 10)
    # and it reads limit + 1 bytes at most: a file that grows while read is still refused
    assert parse.read_text(big)[1][0].message == "file is 500 bytes, more than the 10 allowed"


@pytest.mark.parametrize("make,kind", [(os.mkdir, "a directory"),
                                       (os.mkfifo, "a named pipe (FIFO)")])
def test_include_that_is_not_a_file(tmp_path, make, kind):
    make(tmp_path / "cat.yaml")
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + "include: [cat.yaml]\n" + BODY.replace("CAP", "500"))
    r = run("validate", str(inst))  # before: "included file not found" (it is there)
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        f"{inst}:4:11: include[0]: included file is {kind}, not a file: {tmp_path / 'cat.yaml'}"]


# --- cause 4: include paths that crash resolve() ---------------------------------------------

def test_include_symlink_loop(tmp_path):
    os.symlink("loop.yaml", tmp_path / "loop.yaml")  # a link to itself
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + "include: [loop.yaml]\n" + BODY.replace("CAP", "500"))
    r = run("validate", str(inst))  # before: RuntimeError traceback
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        f"{inst}:4:11: include[0]: included file is a symlink loop: loop.yaml"]


def test_include_with_a_nul(tmp_path):
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + 'include: ["cat\\0.yaml"]\n' + BODY.replace("CAP", "500"))
    r = run("validate", str(inst))  # before: ValueError traceback
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        f"{inst}:4:11: include[0]: included file name holds a NUL character: cat\\x00.yaml"]


# --- cause 7: YAML 1.2 readings, strict numbers ----------------------------------------------

@pytest.mark.parametrize("value,got", [
    ("yes", "'yes'"),    # YAML 1.1: True, then 1.0: the objective changed silently
    ("on", "'on'"),
    ("6:40", "'6:40'"),  # YAML 1.1: base 60, 400
    ("'400'", "'400'"),  # a quoted number is text
    ("true", "True"),    # a boolean is not a number
])
def test_no_number_from_a_non_number(tmp_path, value, got):
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + BODY.replace("CAP", value))
    r = run("validate", str(inst))
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        f"{inst}:5:43: facilities[0].capacity: Input should be a valid number (got {got})"]


def test_json_boolean_is_not_a_number(tmp_path):
    inst = tmp_path / "inst.json"
    inst.write_text(json.dumps({
        "name": "t", "horizon": {"start_year": 2030, "stages": [{"name": "s1", "years": True}]},
        "commodities": [{"name": "x"}], "nodes": [{"name": "a"}]}))
    r = run("validate", str(inst))  # before: years 1
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        f"{inst}:1:82: horizon.stages[0].years: Input should be a valid integer (got True)"]


@pytest.mark.parametrize("cap", ["0400", "400", "4e2", "400.0", "+400"])
def test_decimal_numbers_as_yaml_1_2_reads_them(tmp_path, cap):
    # 400 t/yr made at cost 1 and carried at 2, all demand met: objective 400 * (1 + 2) = 1200.
    # YAML 1.1 read 0400 as octal 256 (shortfall 144 at 100 more) and 4e2 as a string
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + BODY.replace("CAP", cap))
    r = run("solve", str(inst), "-q")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "t: optimal, objective 1,200"


def test_set_value_read_as_yaml_1_2(tmp_path):
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + BODY.replace("CAP", "500"))
    r = run("validate", str(inst))
    assert r.exit_code == 0
    r = run("solve", str(inst), "-q", "--set", "facilities[m].capacity=yes")
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        "--set facilities[m].capacity=yes: facilities[0].capacity: Input should be a valid "
        "number (got 'yes')"]


# --- cause 8: catalog merging ----------------------------------------------------------------

def test_duplicate_within_one_catalog(tmp_path):
    (tmp_path / "cat.yaml").write_text("nodes:\n  - {name: a}\n  - {name: a, kind: orbit}\n")
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + "include: [cat.yaml]\n" + BODY.replace("CAP", "500")
                    .replace("nodes: [{name: a}, {name: b}]", "nodes: [{name: b}]"))
    r = run("validate", str(inst))  # before: valid, the orbit node silently won
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        f"{tmp_path / 'cat.yaml'}:3:12: nodes[1].name: duplicate name 'a' (also nodes[0])"]


def test_catalog_section_of_the_wrong_type(tmp_path):
    (tmp_path / "cat.yaml").write_text("nodes: {a: 1}\n")
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + "include: [cat.yaml]\n" + BODY.replace("CAP", "500"))
    r = run("validate", str(inst))  # before: valid, the catalog's section vanished
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        f"{tmp_path / 'cat.yaml'}:1:8: nodes: Input should be a valid list"]


# --- cause 10: alias guards --------------------------------------------------------------------

def test_set_value_alias_bomb_refused(tmp_path):
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + BODY.replace("CAP", "500"))
    bomb = "[&a [0,0,0,0,0,0,0,0,0], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], " + ", ".join(
        f"&{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("bcdefg", "cdefgh")) + "]"
    r = run("validate", str(inst))
    assert r.exit_code == 0
    r = run("solve", str(inst), "--set", f"description={bomb}")  # 9**8 = 43 million values
    assert r.exit_code == 1
    assert r.output.startswith(f"--set description={bomb}: the value is not valid YAML: "
                               "aliases expand ")


def test_one_list_shared_by_every_route_is_not_a_bomb(tmp_path):
    # 600 routes share one anchored list of 200 commodities: 45 kB, 120,000 aliased values of
    # 125,000 (96 %), under go-yaml's 99 % for a document of that size; refused before
    names = [f"c{i}" for i in range(200)]
    lines = [HEAD.replace("commodities: [{name: x}]", "commodities: [" + ", ".join(
        f"{{name: {n}}}" for n in ["x", *names]) + "]"),
        "nodes: [{name: a}, {name: b}]", f"shared: &all [{', '.join(names)}]", "routes:"]
    lines += [f"  - {{name: route-{i:03d}-from-a-to-b, from: a, to: b, commodities: *all}}"
              for i in range(600)]
    inst = tmp_path / "inst.yaml"
    inst.write_text("\n".join(lines).replace("shared: &all", "description: &all") + "\n")
    text = inst.read_text()
    assert 40_000 < len(text) < 50_000
    data, _, problems = parse.yaml_with_locations(text, str(inst))
    assert problems == [] and len(data["routes"]) == 600
    assert data["routes"][599]["commodities"] == names
    assert parse.plain_yaml(text) == data


@pytest.mark.parametrize("expanded,ratio", [(1000, 0.99), (400_000, 0.99), (2_200_000, 0.545),
                                            (4_000_000, 0.10), (9_000_000, 0.10)])
def test_alias_ratio_rule(expanded, ratio):
    # go-yaml v3: 0.99 - 0.89 * (n - 400k) / 3.6M between 400k and 4M; at 2.2M: 0.99 - 0.445
    assert parse.allowed_alias_ratio(expanded) == pytest.approx(ratio)


# --- cause 12: misplaced messages --------------------------------------------------------------

def test_a_chain_of_1200_includes_is_legal(tmp_path):
    for i in range(1200):
        (tmp_path / f"c{i}.yaml").write_text(f"include: [c{i + 1}.yaml]\n" if i < 1199
                                             else "nodes: [{name: deep}]\n")
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + "include: [c0.yaml]\n" + BODY.replace("CAP", "500"))
    r = run("validate", str(inst))  # before: "values nested too deeply" in some catalog
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [f"{inst}: valid (1 facility, 1 route, 0 vehicles, 1 stage)"]


def test_newline_in_a_name_stays_on_its_line(tmp_path):
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + BODY.replace("CAP", "500") + 'budgets: {"s\\n1": 5}\n')
    r = run("validate", str(inst))
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        f"{inst}:8:19: budgets.s\\n1.[key]: a name may hold only ASCII letters, digits, '_', "
        "'.' and '-' (got 's\\n1')",
        f"{inst}:8:19: budgets.s\\n1: unknown stage 's\\n1' (did you mean 's1'?)"]


def test_complex_key_is_not_called_a_tag(tmp_path):
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + "? [a, b]\n: 1\n")
    r = run("validate", str(inst))  # before: "unsupported YAML tag key"
    assert r.exit_code == 1
    assert r.output.splitlines() == [f"{inst}:4:3: a key must be a name, not a list"]


def test_boolean_key_located_where_written(tmp_path):
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + BODY.replace("CAP", "500") + "true: 2\n")
    r = run("validate", str(inst))  # before: at 1:1 with path [1]
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        f"{inst}:8:1: true: a key must be a name, not bool true: write 'true'"]


# --- cause 6: numbers HiGHS cannot take ------------------------------------------------------

@pytest.mark.parametrize("cap,loss,amount,line", [
    ("1.0e308", "0", "400", "5:43: facilities[0].capacity: makes a constraint coefficient of "
     "1e+308; HiGHS refuses values above 1e+15 (check the units)"),
    ("1.0e-300", "0", "400", "5:43: facilities[0].capacity: makes a constraint coefficient of "
     "1e-300; HiGHS treats values at or below 1e-09 as zero (check the units)"),
    ("500", "0", "1.0e300", "7:43: demands[0].amount: makes a constraint coefficient of 1e+300; "
     "HiGHS refuses values above 1e+15 (check the units)"),
    # 1 - loss = 1e-10 multiplies the arrivals
    ("500", "0.9999999999", "400", "6:57: routes[0].loss: makes a constraint coefficient of "
     "1e-10; HiGHS treats values at or below 1e-09 as zero (check the units)"),
])
def test_numbers_highs_cannot_take_are_invalid_input(tmp_path, cap, loss, amount, line):
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + BODY.replace("CAP", cap).replace(
        "cost_per_t: 2}", f"cost_per_t: 2, loss: {loss}}}").replace("amount: 400", f"amount: {amount}"))
    r = run("validate", str(inst))  # before: valid, then `solve` said "HiGHS refuses", exit 2
    assert r.exit_code == 1
    assert r.output.splitlines() == [f"{inst}:{line}"]


def test_budget_taken_as_infinite(tmp_path):
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + BODY.replace("CAP", "500") + "budgets: {s1: 1.0e20}\n")
    r = run("validate", str(inst))
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        f"{inst}:8:15: budgets.s1: 1e+20 is a limit HiGHS takes as infinite (from 1e+20): leave "
        "it out for no limit"]


def test_a_model_highs_refuses_is_an_input_error_not_a_missing_solver(monkeypatch):
    from netopt import structure
    from netopt.errors import InputError
    from netopt.testing import instance, solve_exact

    monkeypatch.setattr(structure, "check_limits", lambda p: [])  # as if a value slipped by
    inst = instance(facilities=[{"name": "m", "node": "a", "capacity": 1e300,
                                 "produces": {"x": 1}}])
    with pytest.raises(InputError, match="HiGHS refuses the model"):
        solve_exact(inst)  # before: SolverUnavailable, "usage error", exit 2


# --- cause 5: solution.json readers ----------------------------------------------------------

@pytest.fixture(scope="module")
def good_solution() -> dict:
    from netopt.testing import instance, solve_exact

    return solve_exact(instance(
        horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1},
                                                {"name": "s2", "years": 1}]},
        facilities=[{"name": "m", "node": "a", "capacity": 50, "variable_cost": 1,
                     "produces": {"x": 1}}],
        routes=[{"name": "r", "from": "a", "to": "b", "cost_per_t": 2}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])).to_dict()


def _with(doc: dict, **changes) -> dict:
    return {**json.loads(json.dumps(doc)), **changes}


@pytest.mark.parametrize("text,reason", [
    # before: tracebacks from json.loads
    ('{"schema_version": 2, "objective": ' + "9" * 5000 + "}",
     "not JSON netopt reads: Exceeds the limit (4300 digits) for integer string conversion: "
     "value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit"),
    ("[" * 100_000 + "]" * 100_000, "not JSON netopt reads: values nested too deeply"),
    ('{"objective": NaN}', "not JSON netopt reads: NaN is not a JSON number"),
])
def test_solution_that_is_not_json_netopt_reads(tmp_path, text, reason):
    path = tmp_path / "solution.json"
    path.write_text(text)
    for command in (["report", str(path), "-o", str(tmp_path / "r")],
                    ["compare", str(path), str(path)],
                    ["export", str(path), "-o", str(tmp_path / "out")]):
        r = run(*command)
        assert r.exit_code == 1
        assert r.output.splitlines() == [
            f"{path}: not a netopt solution (schema v{V}):", f"  {reason}"]
    assert not (tmp_path / "out").exists() and not (tmp_path / "r").exists()


@pytest.mark.parametrize("change,reason", [
    ({"schema_version": True}, f"schema_version: True is not a version this netopt reads (1..{V})"),
    ({"gap": 1e999}, "gap: Input should be a finite number"),       # json writes Infinity
    ({"objective": True}, "objective: Input should be a valid number"),
    ({"stages": [{"name": "a/b", "start_year": 2030, "years": 1, "capex_factor": 1.0,
                  "annual_factor": 1.0}], "builds": [], "online": [], "activities": [],
      "flows": [], "costs": [], "network": {}},
     "stages.0.name: String should match pattern '^[A-Za-z0-9_.\\-]+$'"),
])
def test_solution_values_checked_as_strictly_as_instances(tmp_path, good_solution, change,
                                                          reason):
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(_with(good_solution, **change)).replace("Infinity", "1e999"))
    r = run("export", str(path), "-o", str(tmp_path / "out"))
    assert r.exit_code == 1
    assert r.output.splitlines() == [f"{path}: not a netopt solution (schema v{V}):", f"  {reason}"]
    assert not (tmp_path / "out").exists()  # before: 14 CSVs, then a traceback


def test_solution_rows_name_known_stages(tmp_path, good_solution):
    doc = _with(good_solution)
    doc["stages"] = doc["stages"][:1]  # the rows still name s2
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(doc))
    r = run("report", str(path), "-o", str(tmp_path / "r"))  # before: "'s2' is not in list"
    assert r.exit_code == 1
    lines = r.output.splitlines()
    assert lines[0] == f"{path}: not a netopt solution (schema v{V}):"
    # the steps are checked first: s2's step names it too
    assert lines[1] == "  (top): Value error, steps.1.stage: 's2' is not one of stages (s1)"


def test_solution_from_a_device(tmp_path):
    r = run("report", "/dev/zero", "-o", str(tmp_path / "r"))  # before: memory ran out
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        "/dev/zero: cannot read file: it is a character device, not a regular file"]


def test_nan_objective_is_not_equal_to_anything(tmp_path, good_solution):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(good_solution))
    b.write_text(json.dumps(_with(good_solution, objective=float("nan"))))
    r = run("compare", str(a), str(b))  # before: "No differences", exit 0
    assert r.exit_code == 1
    assert "No differences" not in r.output


# --- cause 10 (--param) and cause 11: sweep and catalog edges -----------------------------------

def test_param_value_alias_bomb_refused(tmp_path):
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + BODY.replace("CAP", "500"))
    bomb = "[&a [0,0,0,0,0,0,0,0,0], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], " + ", ".join(
        f"&{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("bcdefg", "cdefgh")) + "]"
    r = run("sweep", str(inst), "--param", f"description={bomb}", "-o", str(tmp_path / "s"))
    assert r.exit_code == 1  # before: MemoryError expanding it into the table
    assert "aliases expand " in r.output and "alias bomb" in r.output


def test_resume_ignores_a_run_id_that_is_not_ascii_digits(tmp_path):
    from netopt.sweep.table import read_table

    t = tmp_path / "t.csv"
    t.write_text("run,x,status\n0,1,optimal\n\u00b9,2,optimal\n")  # '¹'.isdigit() is True
    assert read_table(t) == (["run", "x", "status"],
                             [{"run": "0", "x": "1", "status": "optimal"}])


BENNER = ROOT_DATA = Path(__file__).resolve().parent.parent / "data" / "benner_dv_2013-04-14.txt"


@pytest.mark.parametrize("args,message", [
    (["--start-year", "1800"], "--start-year"),  # typer: "... greater than or equal to 1900"
    (["--stage-years", "5000"], "--stage-years"),
    (["--max-dv", "nan"], "Invalid value for --max-dv: nan is not a finite number"),
])
def test_catalog_options_that_would_write_an_invalid_instance(tmp_path, args, message):
    out = tmp_path / "neas.yaml"
    r = run("catalog", "neas", str(BENNER), "-o", str(out), *args)  # before: exit 0
    assert r.exit_code == 2
    assert message in " ".join(r.output.replace("│", " ").split())
    assert "Invalid value" in r.output
    assert not out.exists()


@pytest.mark.parametrize("text,message", [
    ("", "no asteroid rows (is it the JPL NEA delta-v list?)"),
    ("just a header\n====\n", "no asteroid rows (is it the JPL NEA delta-v list?)")])
def test_catalog_of_nothing_is_an_error(tmp_path, text, message):
    src, out = tmp_path / "list.txt", tmp_path / "neas.yaml"
    src.write_text(text)
    r = run("catalog", "neas", str(src), "-o", str(out))  # before: "0 candidate asteroids"
    assert r.exit_code == 1
    assert r.output.splitlines() == [f"error: {src}: {message}"]
    assert not out.exists()


def test_catalog_with_no_candidate_is_an_error(tmp_path):
    out = tmp_path / "neas.yaml"
    r = run("catalog", "neas", str(BENNER), "-o", str(out), "--max-dv", "0.1")
    assert r.exit_code == 1
    assert r.output.startswith(f"error: {BENNER}: none of its ")
    assert not out.exists()


# --- issue 24: a user's --extra hook is the user's code ---------------------------------------

HOOKS = '''import os
import signal
import sys

import pyomo.environ as pyo


def raises(compiled, prepared):
    raise ValueError("boom")


def one_arg(compiled):
    pass


def nonlinear(compiled, prepared):
    f = compiled.v.flow["launch", "x", "s1"]
    compiled.model.mine = pyo.Constraint(expr=f * f <= 4)


def nan_cost(compiled, prepared):
    compiled.add_cost("carbon", "s1", float("nan"), compiled.v.flow["launch", "x", "s1"])


def huge_cost(compiled, prepared):
    compiled.add_cost("carbon", "s1", 1e20, compiled.v.flow["launch", "x", "s1"])


def huge_coefficient(compiled, prepared):
    f = compiled.v.flow["launch", "x", "s1"]
    compiled.model.mine = pyo.Constraint(expr=1e20 * f <= 4)


def nan_coefficient(compiled, prepared):
    f = compiled.v.flow["launch", "x", "s1"]
    compiled.model.mine = pyo.Constraint(expr=float("nan") * f <= 4)


def infinite_bound(compiled, prepared):
    compiled.model.y = pyo.Var(bounds=(0, 1e20))


def removes(compiled, prepared):
    compiled.model.del_component(compiled.model.balance)


def replaces(compiled, prepared):
    compiled.model.balance = pyo.Constraint(expr=compiled.v.flow["launch", "x", "s1"] >= 0)


def objective(compiled, prepared):
    compiled.model.mine = pyo.Objective(expr=compiled.v.flow["launch", "x", "s1"])


def unknown_step(compiled, prepared):
    compiled.add_cost("carbon", "s9", 1.0, compiled.v.flow["launch", "x", "s1"])


def exits(compiled, prepared):
    sys.exit(0)


def interrupted(compiled, prepared):
    os.kill(os.getpid(), signal.SIGINT)  # handled at the next bytecode: no race
    signal.pause()  # not reached
'''
# decision.yaml's instance (docs/extending.md): launch 2/t from a to b or build a mine; optimum 22
DECISION = """name: decision
horizon: {start_year: 2030, stages: [{name: s1, years: 1}]}
commodities: [{name: x}]
nodes: [{name: a}, {name: b}, {name: c}]
facilities: [{name: mine, node: b, capacity: 10, capex: 30, produces: {x: 1.0}}]
routes:
  - {name: launch, from: a, to: b, cost_per_t: 2}
  - {name: last-mile, from: b, to: c, capex: 2, capacity: 20}
supplies: [{node: a, commodity: x}]
demands: [{node: c, commodity: x, amount: 10}]
"""
_FLOW = "flow[launch,x,s1]"


@pytest.mark.parametrize("hook,code,message", [
    # before: "internal error (a bug in netopt): ValueError: boom", exit 1
    ("raises", 1, "--extra hooks.py:raises raised ValueError: boom (at hooks.py:9)"),
    # before: internal error, TypeError
    ("one_arg", 2, "error: --extra 'hooks.py:one_arg': one_arg(compiled) cannot be called as "
     "extra(compiled, prepared)"),
    # before: internal error, "HiGHS takes linear models only"
    ("nonlinear", 1, f"--extra hooks.py:nonlinear: row mine is not linear ({_FLOW}*{_FLOW}); "
     "HiGHS takes linear rows only"),
    # before: exit 4, "no solution found: kSolveError"
    ("nan_cost", 1, f"--extra hooks.py:nan_cost: add_cost('carbon', 's1', nan, {_FLOW}): a cost "
     "coefficient must be a finite number below 1e+20"),
    ("huge_cost", 1, f"--extra hooks.py:huge_cost: add_cost('carbon', 's1', 1e+20, {_FLOW}): a "
     "cost coefficient must be a finite number below 1e+20"),
    ("huge_coefficient", 1, f"--extra hooks.py:huge_coefficient: row mine has a coefficient of "
     f"1e+20 on {_FLOW}; HiGHS refuses values above 1e+15 (check the units)"),
    # before: solved, objective 22, as if the row were not there
    ("nan_coefficient", 1, f"--extra hooks.py:nan_coefficient: row mine has a coefficient of nan "
     f"on {_FLOW}"),
    ("infinite_bound", 1, "--extra hooks.py:infinite_bound: variable y has a upper bound of 1e+20; "
     "HiGHS takes bounds from 1e+20 as infinite (leave it out for no bound)"),
    # before: "optimal, objective 0": every demand dropped with netopt's balance rows
    ("removes", 1, "--extra hooks.py:removes: removed netopt's component 'balance'"),
    ("replaces", 1, "--extra hooks.py:replaces: replaced netopt's component 'balance' (give "
     "yours a name of its own)"),
    ("objective", 1, "--extra hooks.py:objective: added an objective 'mine': add cost terms with "
     "compiled.add_cost instead"),
    # before: internal error
    ("unknown_step", 1, "--extra hooks.py:unknown_step raised ValueError: no operating step 's9' "
     "(steps: s1) (at hooks.py:56)"),
    # before: exit 0 and nothing printed
    ("exits", 1, "--extra hooks.py:exits called sys.exit(0)"),
    ("interrupted", 130, "interrupted while building the model (the solver had not started); "
     "nothing written"),
])
def test_extra_hook_errors_are_the_users(tmp_path, hook, code, message):
    (tmp_path / "hooks.py").write_text(HOOKS)
    (tmp_path / "decision.yaml").write_text(DECISION)
    r = netopt("solve", "decision.yaml", "--extra", f"hooks.py:{hook}", "-q", "-o", "out",
               cwd=tmp_path)
    assert r.returncode == code, r.stderr
    assert r.stderr.splitlines()[-1] == message
    assert "internal error" not in r.stderr + r.stdout
    assert "optimal" not in r.stdout and not (tmp_path / "out").exists()


def test_the_hook_named_is_the_one_of_several_that_failed(tmp_path):
    (tmp_path / "hooks.py").write_text(HOOKS)
    (tmp_path / "decision.yaml").write_text(DECISION)
    r = netopt("solve", "decision.yaml", "--extra", "hooks.py:objective", "--extra",
               "hooks.py:raises", "-q", cwd=tmp_path)
    assert r.returncode == 1
    # objective's own mistake is found when it returns, before raises runs
    assert r.stderr.splitlines() == ["--extra hooks.py:objective: added an objective 'mine': add "
                                     "cost terms with compiled.add_cost instead"]
    r = netopt("solve", "decision.yaml", "--extra", "hooks.py:nan_coefficient", "--extra",
               "hooks.py:raises", "-q", cwd=tmp_path)
    assert r.stderr.splitlines() == ["--extra hooks.py:nan_coefficient: row mine has a "
                                     "coefficient of nan on flow[launch,x,s1]"]


def _decision_plan():
    import yaml

    from netopt.plan import Plan, validate

    return Plan.of(validate(yaml.safe_load(DECISION))[0])


def test_a_good_hook_still_solves():
    import pyomo.environ as pyo

    from netopt.solve import SolveOptions

    def cap(compiled, prepared):
        compiled.model.cap = pyo.Constraint(expr=compiled.v.flow["launch", "x", "s1"] <= 4)

    # launch capped at 4 of the 10 t: the mine is built, capex 30 + last mile 2 = 32
    assert _decision_plan().solve(SolveOptions(gap=0), cap).objective == pytest.approx(32)


def test_extra_from_python_is_checked_too():
    from netopt.errors import InputError
    from netopt.solve import SolveOptions

    def removes(compiled, prepared):
        compiled.model.del_component(compiled.model.balance)

    with pytest.raises(InputError) as e:
        _decision_plan().solve(SolveOptions(gap=0), removes)  # before: optimal, objective 0
    [problem] = e.value.problems
    assert str(problem).startswith("--extra ") and str(problem).endswith(
        "test_hostile_input.py:test_extra_from_python_is_checked_too.<locals>.removes: "
        "removed netopt's component 'balance'")


# --- issue 24: hangs and blow-ups ----------------------------------------------------------------

def _last_resort(tmp_path, raised: str, printer_fails: bool) -> subprocess.CompletedProcess:
    """`netopt validate` in a child whose reader raises `raised` (a MemoryError from inside the
    command) and, with `printer_fails`, whose console raises MemoryError too."""
    inst = tmp_path / "inst.yaml"
    inst.write_text(HEAD + BODY.replace("CAP", "500"))
    script = textwrap.dedent(f"""
        import sys
        import netopt.parse
        from netopt.cli import common, main
        class Weird(Exception):
            def __str__(self):
                raise MemoryError()
        def boom(*a, **k):
            raise {raised}
        def no_memory(*a, **k):
            raise MemoryError()
        netopt.parse.read_bounded = boom
        if {printer_fails}:
            common.err.print = no_memory  # the console the old printer used
        sys.argv = ["netopt", "validate", {str(inst)!r}]
        main()
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("raised,printer_fails,line", [
    # before: the printer's own MemoryError, with a traceback
    ("MemoryError()", True, "error: out of memory: the input is too large for this machine; run "
     "again with --debug for the traceback"),
    ("MemoryError('planted')", False, "error: out of memory (planted): the input is too large "
     "for this machine; run again with --debug for the traceback"),
    ("Weird()", True, "internal error (a bug in netopt); run again with --debug for the "
     "traceback"),  # even formatting the message fails: a fixed line
])
def test_the_last_resort_printer_cannot_fail(tmp_path, raised, printer_fails, line):
    r = _last_resort(tmp_path, raised, printer_fails)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [line]


def test_a_tree_too_large_is_refused_before_it_is_built(tmp_path):
    inst = tmp_path / "inst.yaml"
    branchings = "".join(
        f"    - {{name: b{i}, stage: s1, branches: [{{name: lo, probability: 0.5}}, "
        f"{{name: hi, probability: 0.5}}]}}\n" for i in range(20))
    inst.write_text(HEAD + BODY.replace("CAP", "500") + "uncertainty:\n  branchings:\n"
                    + branchings)
    r = netopt("validate", str(inst), timeout=60)  # before: no answer in minutes, then MemoryError
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"{inst}:10:5: uncertainty.branchings: the 20 branchings make 1,048,576 leaves (the "
        "product of their numbers of branches), more than the 100,000 netopt takes (a sampled "
        "tree of fewer leaves may stand for them)"]


WINDOWED = HEAD.replace("years: 1}]", "years: 4}]") + BODY.replace("CAP", "500").replace(
    "cost_per_t: 2}", "cost_per_t: 2, windows: {every_years: EVERY, first: FIRST}}")


@pytest.mark.parametrize("every,first,line", [
    # before: both ran for minutes and ate memory making window dates
    ("1.0e-9", "2030.5", "6:74: routes[0].windows.every_years: a window every 1e-09 years makes "
     "4,000,000,000 launch windows in the horizon (2030-2034), more than the 10,000 netopt "
     "accepts per route: leave windows out for departures at any time"),
    ("1", "1.0e300", "6:84: routes[0].windows.first: Input should be less than or equal to 10000 "
     "(got 1e+300)"),
])
def test_windows_that_cannot_be_are_refused(tmp_path, every, first, line):
    inst = tmp_path / "inst.yaml"
    inst.write_text(WINDOWED.replace("EVERY", every).replace("FIRST", first))
    r = netopt("solve", str(inst), "-q", timeout=60)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"{inst}:{line}"]


def test_many_windows_still_solve(tmp_path):
    # 10,000 windows in 4 years (every 0.0004 years): the most netopt takes. 400 t/yr at b made
    # at a for 1 + carried for 2 = 3 per t: 3 x 400 x 4 years = 4,800
    inst = tmp_path / "inst.yaml"
    inst.write_text(WINDOWED.replace("EVERY", "0.0004").replace("FIRST", "2030"))
    r = netopt("solve", str(inst), "-q", timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["t: optimal, objective 4,800"]


# --- issue 24: strictness and locations on the new fields ----------------------------------------

# every feature added lately: vehicles, storage, initial stock, boil-off, windows, commissioning,
# a tree; each case below changes one value (block style: one field a line)
FULL = """name: t
horizon:
  start_year: 2030
  stages: [{name: s1, years: 2}, {name: s2, years: 2}]
commodities:
  - name: x
    boil_off_per_year: 0.1
  - name: fuel
  - name: hw
hardware_commodity: hw
nodes:
  - name: a
    initial_stock: {x: 5}
  - name: b
propulsion: [{name: chem, isp_s: 450, propellant: {fuel: 1.0}}]
vehicles:
  - name: v
    propulsion: chem
    dry_mass: 1
    payload: 10
    tank: 20
    reusable: true
    integer_trips: false
    turnaround_days: 30
    base: a
    lifetime_years: 10
    commissioning_years: 1
facilities:
  - name: m
    node: a
    capacity: 100
    produces: {x: 1}
    lifetime_years: 10
    commissioning_years: 1
  - name: tank
    node: b
    capacity: 100
    storage: 50
    stores: [x]
routes:
  - name: r
    from: a
    to: b
    cost_per_t: 2
    windows: {every_years: 1, first: 2030.5}
  - {name: out, from: a, to: b, vehicle: v, delta_v_km_s: 1}
  - {name: back, from: b, to: a, vehicle: v, delta_v_km_s: 1}
supplies: [{node: a, commodity: fuel, price_per_t: 1}, {node: a, commodity: hw}]
demands: [{node: b, commodity: x, amount: 40, shortfall_penalty_per_t: 100}]
uncertainty:
  branchings:
    - name: cost
      stage: s2
      branches:
        - name: lo
          probability: 0.5
          set: {"routes[r].cost_per_t": 1}
        - name: hi
          probability: 0.5
          set: {"routes[r].cost_per_t": 3}
"""
SAMPLED = FULL[:FULL.index("uncertainty:")] + """uncertainty:
  sampled:
    stage: s2
    scenarios: 3
    seed: 1
    params: {"routes[r].cost_per_t": {dist: uniform, low: 1, high: 3}}
"""


def _at(text: str, old: str, new: str) -> tuple[str, str]:
    """`text` with `old` (written once) replaced by `new`, and the line:col of the new value
    (the one after the last ': ' of new's first line)."""
    assert text.count(old) == 1, old
    i = text.index(old)
    before = text[:i]
    first = new.split("\n", 1)[0]
    value = i + first.rfind(": ") + 2  # the value after the first line's last key
    line = before.count("\n") + 1
    changed = text.replace(old, new)
    return changed, f"{line}:{value - changed.rfind(chr(10), 0, value)}"


@pytest.mark.parametrize("base,old,new,field,message", [
    # strictness (before: each accepted, 'yes' and 'true' as True, '0.5' as 0.5, 2.0 as 2)
    (FULL, "reusable: true", "reusable: yes", "vehicles[0].reusable",
     "Input should be a valid boolean (got 'yes')"),
    (FULL, "integer_trips: false", "integer_trips: 'true'", "vehicles[0].integer_trips",
     "Input should be a valid boolean (got 'true')"),
    (FULL, "probability: 0.5\n          set: {\"routes[r].cost_per_t\": 1}",
     "probability: '0.5'\n          set: {\"routes[r].cost_per_t\": 1}",
     "uncertainty.branchings[0].branches[0].probability", "Input should be a valid number (got "
     "'0.5')"),
    (FULL, "boil_off_per_year: 0.1", "boil_off_per_year: '0.1'",
     "commodities[0].boil_off_per_year", "Input should be a valid number (got '0.1')"),
    (FULL, "first: 2030.5", "first: '2030.5'", "routes[0].windows.first",
     "Input should be a valid number (got '2030.5')"),
    (FULL, "every_years: 1,", "every_years: '1',", "routes[0].windows.every_years",
     "Input should be a valid number (got '1')"),
    (SAMPLED, "scenarios: 3", "scenarios: 2.5", "uncertainty.sampled.scenarios",
     "Input should be a valid integer (got 2.5)"),
    (SAMPLED, "seed: 1", "seed: '1'", "uncertainty.sampled.seed",
     "Input should be a valid integer (got '1')"),
    # the sampled tree's distributions (before: '1' read as 1, 'yes' as True)
    (SAMPLED, "low: 1,", "low: '1',", "uncertainty.sampled.params.routes[r].cost_per_t.low",
     "not a distribution's value: Input should be a valid number (got '1')"),
    (SAMPLED, "high: 3}", "high: 3, scale: yes}",
     "uncertainty.sampled.params.routes[r].cost_per_t.scale",
     "not a distribution's value: Input should be a valid boolean (got 'yes')"),
    # numbers HiGHS cannot take (before: valid; the solve said "HiGHS refuses the model")
    (FULL, "initial_stock: {x: 5}", "initial_stock: {x: 1.0e300}", "nodes[0].initial_stock.x",
     "makes a constraint coefficient of 1e+300; HiGHS refuses values above 1e+15 (check the "
     "units)"),
    (FULL, "payload: 10", "payload: 1.0e16", "vehicles[0].payload",
     "makes a constraint coefficient of 1e+16; HiGHS refuses values above 1e+15 (check the "
     "units)"),
    # (1 - b)^2 kept over a 2-year step: (1e-10)^2 = 1e-20
    (FULL, "boil_off_per_year: 0.1", "boil_off_per_year: 0.9999999999",
     "commodities[0].boil_off_per_year", "makes a constraint coefficient of 1e-20; HiGHS treats "
     "values at or below 1e-09 as zero (check the units)"),
    # model validators, now at the field (before: at the element's first line)
    (FULL, "commissioning_years: 1\n  - name: tank", "commissioning_years: 10\n  - name: tank",
     "facilities[0].commissioning_years", "commissioning_years (10) must be less than "
     "lifetime_years (10): the unit would never operate"),
    (FULL, "commissioning_years: 1\nfacilities", "commissioning_years: 12\nfacilities",
     "vehicles[0].commissioning_years", "commissioning_years (12) must be less than "
     "lifetime_years (10): the unit would never operate"),
    (FULL, "storage: 50\n    stores: [x]", "stores: [x]", "facilities[1].stores",
     "stores needs storage (tonnes a unit can hold)"),
    (FULL, "stores: [x]", "stores: []", "facilities[1].stores",
     "storage with stores: [] has nothing to store"),
], ids=lambda v: {id(FULL): "full", id(SAMPLED): "sampled"}.get(id(v)))
def test_new_fields_strict_and_located(tmp_path, base, old, new, field, message):
    text, where = _at(base, old, new)
    inst = tmp_path / "inst.yaml"
    inst.write_text(text)
    r = run("validate", str(inst))
    assert r.exit_code == 1
    assert r.output.splitlines() == [f"{inst}:{where}: {field}: {message}"]


@pytest.mark.parametrize("base", [FULL, SAMPLED])
def test_the_full_instance_is_valid(tmp_path, base):
    inst = tmp_path / "inst.yaml"
    inst.write_text(base)
    r = run("validate", str(inst))
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [f"{inst}: valid (2 facilities, 3 routes, 1 vehicle, 2 stages, "
                                     f"{2 if base is FULL else 3} leaves)"]


def test_a_leafs_rule_is_located_at_the_branch_that_breaks_it(tmp_path):
    text, where = _at(FULL, 'set: {"routes[r].cost_per_t": 3}',
                      'set: {"facilities[m].commissioning_years": 10}')
    inst = tmp_path / "inst.yaml"
    inst.write_text(text)
    r = run("validate", str(inst))  # before: at facilities[0]'s first line
    assert r.exit_code == 1
    col = text.splitlines()[int(where.split(":")[0]) - 1].index("10}") + 1
    assert r.output.splitlines() == [
        f"{inst}:{where.split(':')[0]}:{col}: facilities[0].commissioning_years: in leaf 'hi': "
        "commissioning_years (10) must be less than lifetime_years (10): the unit would never "
        "operate"]


# --- issue 24: solution.json readers -------------------------------------------------------------

@pytest.fixture(scope="module")
def vehicle_solution() -> dict:
    """FULL without its tree, at year grain: steps 2030..2033, trips, fleet and arrivals."""
    import yaml

    from netopt.plan import Plan, validate
    from netopt.solve import SolveOptions

    data = yaml.safe_load(FULL)
    del data["uncertainty"]
    data["horizon"]["resolution"] = "year"
    sol = Plan.of(validate(data)[0]).solve(SolveOptions(gap=0))
    assert sol.status.has_solution
    return sol.to_dict()


ROWS = {  # one valid row of the tables the fixture leaves empty
    "stocks": {"facility": "tank", "node": "b", "commodity": "x", "stage": "s1", "year": 2030,
               "tonnes": 1.0},
    "parked": {"vehicle": "v", "node": "b", "stage": "s1", "year": 2030, "vehicles": 1.0},
}


@pytest.mark.parametrize("table", ["trips", "fleet", "stocks", "arrivals", "steps", "parked"])
def test_every_table_names_known_stages(tmp_path, vehicle_solution, table):
    doc = _with(vehicle_solution)
    if not doc[table]:
        doc[table] = [dict(ROWS[table])]
    doc[table][0]["stage"] = "s9"
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(doc))
    for command in (["report", str(path), "-o", str(tmp_path / "r.md"), "--format", "md"],
                    ["export", str(path), "-o", str(tmp_path / "out")],
                    ["compare", str(path), str(path)]):
        r = run(*command)  # before: a KeyError in report's tables, exit 0 in the others
        assert r.exit_code == 1, (command, r.output)
        assert r.output.splitlines() == [
            f"{path}: not a netopt solution (schema v{V}):",
            f"  (top): Value error, {table}.0.stage: 's9' is not one of stages (s1, s2)"]
    assert not (tmp_path / "out").exists() and not (tmp_path / "r.md").exists()


def test_a_rows_year_is_one_of_its_stages_steps(tmp_path, vehicle_solution):
    doc = _with(vehicle_solution)
    doc["trips"][0]["year"] = 1999
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(doc))
    r = run("export", str(path), "-o", str(tmp_path / "out"))
    assert r.exit_code == 1
    stage = doc["trips"][0]["stage"]
    starts = ", ".join(str(s["start_year"]) for s in doc["steps"] if s["stage"] == stage)
    assert r.output.splitlines()[1] == (
        f"  (top): Value error, trips.0.year: 1999 is not the start of a step of stage "
        f"'{stage}' ({starts})")


def test_a_huge_text_in_a_solution_is_refused(tmp_path, good_solution):
    doc = _with(good_solution)
    doc["provenance"]["git"] = "x" * 200_000  # below the file bound, above the text bound
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(doc))
    r = run("report", str(path), "-o", str(tmp_path / "r.html"))  # before: a 200 kB report line
    assert r.exit_code == 1
    assert r.output.splitlines() == [f"{path}: not a netopt solution (schema v{V}):",
                                     "  provenance.git: String should have at most 100000 "
                                     "characters"]
    doc["provenance"]["git"] = None
    doc["provenance"]["options"]["note"] = ["x" * 200_000]  # free JSON: bounded too
    path.write_text(json.dumps(doc))
    r = run("report", str(path), "-o", str(tmp_path / "r.html"))
    assert r.exit_code == 1
    assert r.output.splitlines()[1] == (
        "  provenance.options: Value error, a text of 200,000 characters, more than 100,000")


def test_a_solution_larger_than_20_mb_is_not_read(tmp_path, good_solution):
    doc = _with(good_solution)
    doc["provenance"]["git"] = "x" * (25 << 20)  # README: files are read up to 20 MB
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(doc))
    size = path.stat().st_size
    r = netopt("report", str(path), "-o", str(tmp_path / "r.html"), timeout=60)
    assert r.returncode == 1  # before: read, validated and written into the report
    assert r.stderr.splitlines() == [
        f"{path}: cannot read file: file is {size} bytes, more than the {20 << 20} allowed"]
    assert not (tmp_path / "r.html").exists()


# --- issue 24: injection --------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>\n# owned [x](http://e.example) ![p](http://e.example/p.png)"


def test_provenance_is_text_in_the_markdown_report(tmp_path, good_solution):
    doc = _with(good_solution)
    doc["provenance"]["git"] = HOSTILE
    doc["provenance"]["sets"] = ["a|b"]
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(doc))
    r = run("report", str(path), "-o", str(tmp_path / "r.md"), "--format", "md")
    assert r.exit_code == 0, r.output
    md = (tmp_path / "r.md").read_text()
    # before: the script tag, a heading line and a live link and image, as written
    assert "<script>" not in md and "\n# owned" not in md and "\\](http" in md
    assert (f"- **netopt**: {doc['provenance']['netopt']} (\\<script\\>alert(1)\\</script\\> "
            "\\# owned \\[x\\](http://e.example) \\!\\[p\\](http://e.example/p.png))") in md
    assert "- **Overrides (--set)**: a\\|b" in md


def test_compare_prints_no_terminal_escapes_from_a_file(tmp_path, good_solution):
    a, b = _with(good_solution), _with(good_solution)
    a["provenance"]["git"] = "\x1b[2J\x1b]0;owned\x07red\x9b31m"
    b["provenance"]["git"] = "plain"
    pa, pb = tmp_path / "a.json", tmp_path / "b.json"
    pa.write_text(json.dumps(a))
    pb.write_text(json.dumps(b))
    r = netopt("compare", str(pa), str(pb), timeout=60)
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\x9b" not in r.stdout
    assert "\\x1b[2J\\x1b]0;owned\\x07red\\x9b31m" in r.stdout  # before: sent to the terminal
