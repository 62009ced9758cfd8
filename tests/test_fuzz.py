"""Property-based fuzzing: mutated valid instances and mangled YAML text never produce a
traceback, and the exit code is always one of netopt's (0, 1, 3, 4)."""

import copy
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from netopt.cli import app

EXAMPLE = Path(__file__).parent / "data" / "issue-example.yaml"
BASE = yaml.safe_load(EXAMPLE.read_text())
TEXT = EXAMPLE.read_text()
CODES = {0, 1, 3, 4}
FILE = Path(tempfile.mkdtemp(prefix="netopt-fuzz-")) / "fuzz.yaml"
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**9, 10**9),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
    st.sampled_from(["earth", "eml1", "lox", "s2035", "hydrolox", "depot", "market", "-1"]),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.sampled_from(["s2030", "lox", "x", "name"]), st.integers(-5, 500),
                    max_size=2))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _mutate(data, doc: dict) -> dict:
    for _ in range(data.draw(st.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]
        path = data.draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        op = data.draw(st.sampled_from(["set", "delete", "add", "copy"]))
        last = path[-1]
        if op == "set":
            parent[last] = data.draw(VALUES)
        elif op == "delete":
            del parent[last]
        elif op == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(min_size=1, max_size=8))] = data.draw(VALUES)
        elif op == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return doc


def _run(args: list[str]):
    r = CliRunner().invoke(app, args)
    assert r.exit_code in CODES, (r.exit_code, r.output)
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


@settings(max_examples=600, **SETTINGS)
@given(st.data())
def test_mutated_instances_validate_cleanly(data):
    doc = _mutate(data, copy.deepcopy(BASE))
    FILE.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    _run(["validate", str(FILE)])


@settings(max_examples=60, **SETTINGS)
@given(st.data())
def test_mutated_instances_solve_cleanly(data):
    doc = _mutate(data, copy.deepcopy(BASE))
    FILE.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    _run(["solve", str(FILE), "-q", "--time-limit", "20"])


@settings(max_examples=600, **SETTINGS)
@given(st.data())
def test_mangled_yaml_text_is_refused_cleanly(data):
    text = TEXT
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["insert", "delete", "swap"]))
        if op == "insert":
            text = text[:i] + data.draw(st.sampled_from(
                ["{", "}", "[", "]", ":", "- ", "\n", "  ", "&a ", "*a", "!!str ", "'", '"',
                 "\t", "#", "\x00", "é", "1e999", ".nan", "<<: *a\n"])) + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + data.draw(st.integers(1, 40)):]
        else:
            j = data.draw(st.integers(0, len(text)))
            text = text[:i] + text[j:j + 20] + text[i + 20:]
    FILE.write_bytes(text.encode("utf-8", "surrogatepass"))
    _run(["validate", str(FILE)])


@pytest.mark.slow
@settings(max_examples=5000, **{**SETTINGS, "derandomize": False})
@given(st.data())
def test_mutated_instances_validate_cleanly_long(data):
    test_mutated_instances_validate_cleanly.hypothesis.inner_test(data)


@pytest.mark.slow
@settings(max_examples=2000, **{**SETTINGS, "derandomize": False})
@given(st.data())
def test_mutated_instances_solve_cleanly_long(data):
    test_mutated_instances_solve_cleanly.hypothesis.inner_test(data)


@pytest.mark.slow
@settings(max_examples=5000, **{**SETTINGS, "derandomize": False})
@given(st.data())
def test_mangled_yaml_text_is_refused_cleanly_long(data):
    test_mangled_yaml_text_is_refused_cleanly.hypothesis.inner_test(data)


# --- issue 15: solution.json readers, --set/--param values, catalogs ---------------------------
# Each has a small share in the default run and 10,000 cases under `pytest -m slow`.

def _good_solution() -> dict:
    from netopt.testing import instance, solve_exact

    return solve_exact(instance(
        horizon={"start_year": 2030, "stages": [{"name": "s1", "years": 1},
                                                {"name": "s2", "years": 2}]},
        facilities=[{"name": "m", "node": "a", "capacity": 50, "capex": 5,
                     "variable_cost": 1, "produces": {"x": 1}}],
        routes=[{"name": "r", "from": "a", "to": "b", "cost_per_t": 2}],
        demands=[{"node": "b", "commodity": "x", "amount": 10}])).to_dict()


SOLUTION = _good_solution()
SOLUTION_FILE = FILE.with_name("solution.json")
SOLUTION_VALUES = st.one_of(VALUES, st.sampled_from(
    [True, 1e999, -1e999, "<5000 digits>", "s3", "a/b", "", [[[]]], {"stage": "s9"}]))


@settings(max_examples=40, **SETTINGS)
@given(st.data())
def test_mutated_solutions_are_read_cleanly(data):
    import json

    doc = copy.deepcopy(SOLUTION)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = data.draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        op = data.draw(st.sampled_from(["set", "delete", "copy"]))
        if op == "set":  # a copy: sampled values are shared between examples
            parent[path[-1]] = copy.deepcopy(data.draw(SOLUTION_VALUES))
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    # an integer of 5000 digits (Python's json cannot write one): put in as text
    text = json.dumps(doc).replace('"<5000 digits>"', "9" * 5000)
    if data.draw(st.booleans()):  # and sometimes mangled text
        i = data.draw(st.integers(0, len(text)))
        text = text[:i] + data.draw(st.sampled_from(
            ["[" * 3000, "NaN", "Infinity", "9" * 5000, "\x00", "}", '"', ",", "\ud800"])) + text[i:]
    SOLUTION_FILE.write_bytes(text.encode("utf-8", "surrogatepass"))
    r = _run(["compare", str(SOLUTION_FILE), str(SOLUTION_FILE)])
    assert r.exit_code in (0, 1)


CLI_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["yes", "on", "0400", "6:40", "1e999", ".nan", "[&a [1], *a]", "{a: *b}",
                     "&a [" + "*a," * 5 + "]", "[" * 2000, "9" * 5000, "!!python/object:os.system",
                     "'400'", "true", "null", "{s1: 3, s2: x}", "- 1\n- 2", "\x00"]),
    st.builds(lambda parts: ",".join(parts), st.lists(st.sampled_from(
        ["1", "2.5", "x", "", "[1,2]", "{a: 1}", "&x 1", "*x"]), max_size=5)))
CLI_PATHS = st.sampled_from(["routes[launch].cost_per_t", "horizon.discount_rate",
                             "demands[eml1/lox].amount", "facilities[0].capacity", "budgets.s2030",
                             "horizon.stages[s2030].years", "description", "nodes", "x[", ""])


@settings(max_examples=150, **SETTINGS)
@given(CLI_PATHS, CLI_VALUES, st.booleans())
def test_set_and_param_values_are_refused_cleanly(path, value, param):
    from netopt.errors import InputError
    from netopt.plan import Plan
    from netopt.sweep.spec import parse_param

    text = f"{path}={value}"
    try:
        if param:
            parse_param(text)
        else:
            Plan.read(EXAMPLE, [], [text])
    except InputError as e:
        assert e.problems and all(str(p) for p in e.problems)


CATALOG = {k: BASE[k] for k in ("nodes", "propulsion", "facilities", "routes") if k in BASE}
INSTANCE = {k: v for k, v in BASE.items() if k not in CATALOG}
CATALOG_FILE = FILE.with_name("catalog.yaml")


@settings(max_examples=40, **SETTINGS)
@given(st.data())
def test_mutated_catalogs_validate_cleanly(data):
    cat = _mutate(data, copy.deepcopy(CATALOG))
    inst = {**INSTANCE, "include": ["catalog.yaml"]}
    if data.draw(st.booleans()):  # the instance redefines part of the catalog
        section = data.draw(st.sampled_from(sorted(CATALOG)))
        inst[section] = copy.deepcopy(CATALOG[section])[:1]
    CATALOG_FILE.write_text(yaml.safe_dump(cat, allow_unicode=True), encoding="utf-8")
    FILE.write_text(yaml.safe_dump(inst, allow_unicode=True), encoding="utf-8")
    _run(["validate", str(FILE)])


@pytest.mark.slow
@settings(max_examples=10_000, **{**SETTINGS, "derandomize": False})
@given(st.data())
def test_mutated_solutions_are_read_cleanly_long(data):
    test_mutated_solutions_are_read_cleanly.hypothesis.inner_test(data)


@pytest.mark.slow
@settings(max_examples=10_000, **{**SETTINGS, "derandomize": False})
@given(CLI_PATHS, CLI_VALUES, st.booleans())
def test_set_and_param_values_are_refused_cleanly_long(path, value, param):
    test_set_and_param_values_are_refused_cleanly.hypothesis.inner_test(path, value, param)


@pytest.mark.slow
@settings(max_examples=10_000, **{**SETTINGS, "derandomize": False})
@given(st.data())
def test_mutated_catalogs_validate_cleanly_long(data):
    test_mutated_catalogs_validate_cleanly.hypothesis.inner_test(data)
