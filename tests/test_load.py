"""Reading YAML: includes, templates, locations of errors."""

from pathlib import Path

import pytest

import netopt
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
        "route_templates, routes, source, supplies, units; 'horizon' belongs in the instance"]


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
