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
