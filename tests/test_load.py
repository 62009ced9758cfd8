"""Reading YAML: includes, templates, locations of errors."""

from pathlib import Path

import pytest

import netopt
from netopt import parse
from netopt.errors import InputError

BASE = """\
name: inc
include: [catalog.yaml]
horizon: {start_year: 2030, stages: [{name: s1, years: 1}]}
commodities: [{name: x}]
nodes: [{name: a}, {name: b}]
"""

CATALOG = """\
propulsion:
  - {name: chem, isp_s: 450, propellant: {x: 1.0}}
facility_templates:
  - name: mine-tpl
    kind: mine
    capacity: 10
    capex: 7
    produces: {x: 1.0}
facilities:
  - {name: m1, node: a, capacity: 5, produces: {x: 1.0}}
"""


def files(tmp_path: Path, main: str, **others: str) -> Path:
    for name, text in others.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    path = tmp_path / "main.yaml"
    path.write_text(main, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as e:
        netopt.load(path)
    return [str(p) for p in e.value.problems]


def test_include_merges_by_name_and_instance_wins(tmp_path):
    main = BASE + "facilities:\n  - {name: m1, node: b, capacity: 9, produces: {x: 1.0}}\n"
    inst = netopt.load(files(tmp_path, main, catalog=CATALOG))
    assert [p.name for p in inst.propulsion] == ["chem"]
    assert [(f.name, f.node, f.capacity) for f in inst.facilities] == [("m1", "b", 9.0)]


def test_template_fills_fields_and_overrides_win(tmp_path):
    main = BASE + "facilities:\n  - {name: m2, template: mine-tpl, node: b, capex: 3}\n"
    inst = netopt.load(files(tmp_path, main, catalog=CATALOG))
    m2 = next(f for f in inst.facilities if f.name == "m2")
    assert (m2.kind, m2.capacity, m2.capex, m2.produces) == ("mine", 10.0, 3.0, {"x": 1.0})


def test_error_in_template_value_points_at_the_template(tmp_path):
    catalog = CATALOG.replace("capacity: 10", "capacity: -10")
    main = BASE + "facilities:\n  - {name: m2, template: mine-tpl, node: b}\n"
    path = files(tmp_path, main, catalog=catalog)
    assert problems(path) == [
        f"{tmp_path / 'catalog.yaml'}:6:15: facilities[1].capacity: Input should be greater "
        "than 0 (got -10)"]


def test_unknown_template_and_template_typo(tmp_path):
    catalog = CATALOG.replace("    capex: 7", "    capexx: 7")
    main = BASE + "facilities:\n  - {name: m2, template: mine-tp, node: b}\n"
    path = files(tmp_path, main, catalog=catalog)
    assert problems(path) == [
        f"{tmp_path / 'catalog.yaml'}:7:5: facility_templates[0].capexx: unknown key 'capexx' "
        "(did you mean 'capex'?)",
        f"{path}:7:26: facilities[1].template: unknown template 'mine-tp' (did you mean "
        "'mine-tpl'?)"]


def test_include_cycle_and_missing_include(tmp_path):
    path = files(tmp_path, BASE, catalog="include: [main.yaml]\n")
    msgs = problems(path)
    assert len(msgs) == 1 and "include cycle:" in msgs[0]
    missing = files(tmp_path, BASE.replace("catalog.yaml", "nope.yaml"))
    assert problems(missing) == [
        f"{missing}:2:11: include[0]: included file not found: {tmp_path / 'nope.yaml'}"]


def test_catalog_may_not_hold_instance_keys(tmp_path):
    path = files(tmp_path, BASE, catalog="horizon: {start_year: 2030}\n")
    assert problems(path) == [
        f"{tmp_path / 'catalog.yaml'}:1:1: horizon: a catalog may hold only commodities, demands, "
        "description, facilities, facility_templates, include, name, nodes, propulsion, "
        "route_templates, routes, source, supplies, units, vehicle_templates, vehicles; "
        "'horizon' belongs in the instance"]


@pytest.mark.parametrize("text,message", [
    ("", "main.yaml:1:1: the file is empty"),
    ("- a\n- b\n", "main.yaml:1:1: the file must be a mapping of keys (name, horizon, ...), "
                   "not a list"),
    ("name: a\nname: b\n", "main.yaml:2:1: name: duplicate key 'name' (first at line 1)"),
    ("a: [1,\n", "main.yaml:2:1: YAML syntax error: while parsing a flow node did not find "
                 "expected node content"),
])
def test_malformed_yaml(tmp_path, text, message):
    path = files(tmp_path, text)
    assert problems(path) == [str(tmp_path / message)]


def test_wrong_encoding(tmp_path):
    path = tmp_path / "main.yaml"
    path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    assert problems(path) == [f"{path}:1:1: not UTF-8 text (byte 9: 0xe9)"]


def test_no_object_construction_from_tags(tmp_path):
    path = files(tmp_path, "name: !!python/object/apply:os.system ['echo hacked']\n")
    assert problems(path) == [f"{path}:1:7: unsupported YAML tag "
                              "'tag:yaml.org,2002:python/object/apply:os.system': netopt reads "
                              "plain data only"]


def test_instance_round_trips_through_model_dump(tmp_path):
    # A validated instance written back (every field, template: null included) loads again.
    import yaml

    inst = netopt.load(Path(__file__).parent / "data" / "issue-example.yaml")
    path = tmp_path / "again.yaml"
    path.write_text(yaml.safe_dump(inst.model_dump(by_alias=True)))
    assert netopt.load(path) == inst


# JSON instances, and locations read lazily (only when a problem or warning needs one)

EXAMPLE = Path(__file__).parent / "data" / "issue-example.yaml"


def as_json(path: Path, data: object, indent: int | None = 2) -> Path:
    import json

    path.write_text(json.dumps(data, indent=indent), encoding="utf-8")
    return path


def example_data() -> dict:
    import yaml

    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def test_json_instance_loads_equal_to_the_yaml_one(tmp_path):
    inst = netopt.load(EXAMPLE)
    assert netopt.load(as_json(tmp_path / "example.json", example_data())) == inst
    assert netopt.load(as_json(tmp_path / "compact.json", example_data(), None)) == inst


def test_json_syntax_error_names_file_line_column_with_exit_code_1(tmp_path):
    from typer.testing import CliRunner

    from netopt.cli import app

    path = tmp_path / "x.json"
    path.write_text('{\n  "name": "x",\n  "horizon": {"start_year": 2030,}\n}\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["validate", str(path)])
    assert (r.exit_code, r.output) == (1, f"{path}:3:34: JSON syntax error: Expecting property "
                                          "name enclosed in double quotes\n")


@pytest.mark.parametrize("text,message", [
    ("", "main.json:1:1: the file is empty"),
    (" \n", "main.json:1:1: the file is empty"),
    ('{"name": "a",\n "name": "b"}', "main.json:2:2: name: duplicate key 'name' (first at line 1)"),
    ('{"nodes": [{"name": "a", "name": "a"}]}',
     "main.json:1:26: nodes[0].name: duplicate key 'name' (first at line 1)"),
    ("[1, 2]", "main.json:1:1: the file must be a mapping of keys (name, horizon, ...), not a list"),
    ('{"a": [1, 2}', "main.json:1:12: JSON syntax error: Expecting ',' delimiter"),
    ("[" * 5000 + "]" * 5000, "main.json:1:1: JSON error: values nested too deeply"),
])
def test_malformed_json(tmp_path, text, message):
    path = tmp_path / "main.json"
    path.write_text(text, encoding="utf-8")
    assert problems(path) == [str(tmp_path / message)]


def test_json_too_big_or_not_utf8_refused_as_yaml(tmp_path, monkeypatch):
    path = tmp_path / "main.json"
    path.write_bytes('{"name": "caf\u00e9"}'.encode("latin-1"))
    assert problems(path) == [f"{path}:1:1: not UTF-8 text (byte 13: 0xe9)"]
    monkeypatch.setattr(parse, "MAX_BYTES", 10)
    path.write_text('{"name": "cafe"}', encoding="utf-8")
    assert problems(path) == [f"{path}:1:1: file is 16 bytes, more than the 10 allowed"]


def test_json_catalog_included_from_yaml(tmp_path):
    import yaml

    as_json(tmp_path / "catalog.json", yaml.safe_load(CATALOG))
    main = BASE.replace("catalog.yaml", "catalog.json") + (
        "facilities:\n  - {name: m2, template: mine-tpl, node: b, capex: 3}\n")
    inst = netopt.load(files(tmp_path, main))
    assert [(f.name, f.capacity, f.capex) for f in inst.facilities] == [("m1", 5.0, 0.0),
                                                                         ("m2", 10.0, 3.0)]
    # an error in a value that came from the JSON template points into the JSON file
    bad = yaml.safe_load(CATALOG)
    bad["facility_templates"][0]["capacity"] = -10
    as_json(tmp_path / "catalog.json", bad)
    assert problems(tmp_path / "main.yaml") == [
        f"{tmp_path / 'catalog.json'}:15:19: facilities[1].capacity: Input should be greater "
        "than 0 (got -10)"]


def big_instance(n: int, bad: int | None = None) -> dict:
    """One mine and n routes to n customer nodes; route `bad` has capacity -1."""
    return {
        "name": "big", "horizon": {"start_year": 2030, "stages": [{"name": "s1", "years": 1}]},
        "commodities": [{"name": "x"}],
        "nodes": [{"name": "m"}] + [{"name": f"c{j}"} for j in range(n)],
        "facilities": [{"name": "m", "node": "m", "capacity": n, "produces": {"x": 1.0}}],
        "routes": [{"name": f"r{j}", "from": "m", "to": f"c{j}", "cost_per_t": 1.0,
                    **({"capacity": -1} if j == bad else {})} for j in range(n)],
        "demands": [{"node": f"c{j}", "commodity": "x", "amount": 1.0} for j in range(n)],
    }


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_locations_are_read_only_when_a_problem_needs_them(tmp_path, suffix):
    import yaml

    from netopt.load import LazyLocs, read_tree
    from netopt.plan import validate

    def write(data: dict) -> Path:
        path = tmp_path / f"big{suffix}"
        if suffix == ".json":
            return as_json(path, data)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    data, locs, found = read_tree(write(big_instance(500)))
    assert isinstance(locs, LazyLocs) and not locs.loaded and found == []
    inst, warnings = validate(data, locs)
    assert len(inst.routes) == 500 and warnings == [] and not locs.loaded
    path = write(big_instance(500, bad=321))
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, s in enumerate(lines, 1) if "-1" in s)
    assert problems(path) == [f"{path}:{line}:{lines[line - 1].index('-1') + 1}: "
                              "routes[321].capacity: Input should be greater than 0 (got -1)"]


def test_scenario_overlays_keep_locations_unread(tmp_path):
    """`--set` on a big instance reads no locations while all is valid; a bad value set on the
    command line is named as such, and a bad value of the base still points into its file."""
    import yaml

    from netopt.load import LazyLocs
    from netopt.plan import validate
    from netopt.scenario import load_tree

    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(big_instance(500), sort_keys=False), encoding="utf-8")
    data, locs, _ = load_tree(path, (), ["routes[r7].capacity=2.5"])
    assert isinstance(locs, LazyLocs) and not locs.loaded
    inst, _ = validate(data, locs)
    assert inst.routes[7].capacity == 2.5 and not locs.loaded
    data, locs, _ = load_tree(path, (), ["routes[r7].capacity=-1"])
    with pytest.raises(InputError) as e:
        validate(data, locs)
    assert [str(p) for p in e.value.problems] == [
        "--set routes[r7].capacity=-1: routes[7].capacity: Input should be greater than 0 "
        "(got -1)"]
    path.write_text(yaml.safe_dump(big_instance(500, bad=321), sort_keys=False),
                    encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, s in enumerate(lines, 1) if "-1" in s)
    data, locs, _ = load_tree(path, (), ["routes[r7].capacity=2.5"])
    with pytest.raises(InputError) as e:
        validate(data, locs)
    assert [str(p) for p in e.value.problems] == [
        f"{path}:{line}:{lines[line - 1].index('-1') + 1}: routes[321].capacity: Input should be "
        "greater than 0 (got -1)"]


def test_warnings_keep_their_locations(tmp_path):
    # a unit slip (netopt/checks.py) and the structure warnings it causes (netopt/structure.py)
    from netopt.plan import load_checked

    text = EXAMPLE.read_text(encoding="utf-8").replace("delta_v_km_s: 3.77", "delta_v_km_s: 37.7")
    path = tmp_path / "slip.yaml"
    path.write_text(text, encoding="utf-8")
    messages = [
        "routes[1].delta_v_km_s: 37.7 km/s is more than 30 km/s: given in m/s?",
        "facilities[0]: facility shackleton-mine can never be built: its hardware (hardware) "
        "never reaches moon-sp in a stage it can be built",
        "facilities[1]: facility sp-electrolysis can never run: water is never available at "
        "moon-sp",
        "routes[2]: route moon-eml1 can never be used: its propellant lox, lh2 is never "
        "available at moon-sp"]
    assert [str(w) for w in load_checked(path)[1]] == [
        f"{path}:{where}: warning: {m}" for where, m in zip(("43:57", "26:5", "38:5", "44:5"),
                                                             messages)]
    data = example_data()
    data["routes"][1]["delta_v_km_s"] = 37.7
    jpath = as_json(tmp_path / "slip.json", data, None)  # all on line 1
    jtext = jpath.read_text(encoding="utf-8")
    cols = [jtext.index("37.7") + 1, jtext.index('{"name": "shackleton-mine"') + 1,
            jtext.index('{"name": "sp-electrolysis"') + 1, jtext.index('{"name": "moon-eml1"') + 1]
    assert [str(w) for w in load_checked(jpath)[1]] == [
        f"{jpath}:1:{c}: warning: {m}" for c, m in zip(cols, messages)]


def test_fast_reader_gives_the_location_reader_s_data():
    # every YAML file of the repository: the same data with and without locations, or (for the
    # bad inputs) handed to the location-tracking reader
    root = Path(__file__).resolve().parent.parent
    paths = [p for d in ("instances", "models", "tests/data", "docs")
             for p in sorted((root / d).rglob("*.yaml"))]
    assert len(paths) > 30
    handed_over = []
    for p in paths:
        text = p.read_bytes().decode("utf-8-sig", errors="replace")
        data, _, found = parse.yaml_with_locations(text, str(p))
        try:
            assert parse.plain_yaml(text) == data and not found, p
        except parse.NeedsLocations:
            handed_over.append(p.name)
    assert sorted(handed_over) == ["billion-laughs.yaml", "duplicate-key.yaml", "empty.yaml",
                                   "python-tag.yaml", "syntax.yaml"]


HANDED_OVER = parse.NeedsLocations


@pytest.mark.parametrize("text,fast", [
    ("a: &x {b: [1]}\nc: *x\nd: R&D\n", {"a": {"b": [1]}, "c": {"b": [1]}, "d": "R&D"}),
    ("x: .inf\ny: 0x1F\nz: 1_000\nw: yes\nv: ~\nu: !!float 5\nt: !!str 1\ns: true\n",
     {"x": float("inf"), "y": 31, "z": "1_000", "w": "yes", "v": None, "u": 5.0, "t": "1",
      "s": True}),
    # YAML 1.2 core schema: 1.1's booleans, octal and base 60 are strings or decimals
    ("a: on\nb: 0400\nc: 6:40\nd: 1e3\ne: 0o17\nf: -0400\ng: N\nh: .NaN\n",
     {"a": "on", "b": 400, "c": "6:40", "d": 1000.0, "e": 15, "f": -400, "g": "N",
      "h": parse._NAN}),
    ("2030: a\n", {2030: "a"}),
    ("base: &b {x: 1}\nd: {<<: *b, y: 2}\n", HANDED_OVER),  # merge keys
    ("1: a\n'1': b\n", HANDED_OVER),  # a duplicate key as written (_walk's rule)
    ("1: a\n1.0: b\n", HANDED_OVER),  # the same key once constructed
    ("d: !!timestamp 2030-01-01\n", HANDED_OVER),  # tags other than those of plain data
    ("b: !!binary aGVsbG8=\n", HANDED_OVER),
    ("? [1, 2]\n: x\n", HANDED_OVER),  # a key that is not a scalar
    ("a: &r [*r]\n", HANDED_OVER),  # recursive alias
    ("# only a comment\n", HANDED_OVER),
])
def test_fast_reader_edge_cases(text, fast):
    # the fast reader gives the location-tracking reader's data, or hands the file over to it
    data, _, found = parse.yaml_with_locations(text, "f")
    if fast is HANDED_OVER:
        with pytest.raises(parse.NeedsLocations):
            parse.plain_yaml(text)
        return
    assert parse.plain_yaml(text) == data == fast and found == []
    if "*x" in text:  # an alias is the same object, as SafeConstructor makes it
        got = parse.plain_yaml(text)
        assert got["a"] is got["c"]


@pytest.mark.parametrize("text,messages", [
    # libyaml as bundled with PyYAML 6.0.4 stops at its own nesting limit (a syntax error at
    # the 1001st level); with 6.0.3 the parse succeeds and netopt's own guard speaks
    ("x: " + "[" * 3000 + "]" * 3000 + "\n",
     ("1:1: YAML error: values nested too deeply",
      "1:1003: YAML syntax error: while increasing flow level exceeded maximum nesting depth")),
    ("x: !!timestamp 2030-02-30\n", ("1:1: YAML error: day is out of range for month",)),
])
def test_yaml_that_used_to_raise_a_traceback(tmp_path, text, messages):
    path = files(tmp_path, text)
    (found,) = problems(path)
    assert found in [f"{path}:{m}" for m in messages]


@pytest.mark.parametrize("name,text", [
    ("main.yaml", "a: [1, 2, 3]\nb: {c: 4}\n"),
    ("main.json", '{"a": [1, 2, 3], "b": {"c": 4}}'),
])
def test_value_count_alone_never_refuses_a_file(tmp_path, monkeypatch, name, text):
    # issue 15 cause 10: without anchors the size limit bounds a file; an 18 MB file of plain
    # routes was refused after 33 s "(alias expansion?)". 7 values here, over a limit of 5
    monkeypatch.setattr(parse, "MAX_NODES", 5)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:  # read; refused later by validation
        netopt.load(path)
    assert "refusing" not in str(e.value) and "alias" not in str(e.value)


def test_alias_expansion_over_the_limit_refused(tmp_path, monkeypatch):
    # nodes, keys included: root 1, keys a and b 2, the list and its items 4, their copy 4
    monkeypatch.setattr(parse, "MAX_NODES", 10)
    path = tmp_path / "main.yaml"
    path.write_text("a: &x [1, 2, 3]\nb: *x\n", encoding="utf-8")
    assert problems(path) == [
        f"{path}:1:1: YAML error: aliases expand 7 values into 11: refusing the file (alias bomb?)"]
