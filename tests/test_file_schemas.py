"""The editor schemas of files as written (netopt/file_schemas.py, schemas/*.schema.json): they
accept every shipped file, stay as strict as the models elsewhere, and the committed copies equal
what the models generate."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from netopt.file_schemas import KINDS, MODELINE, file_schema, kind_of, modeline, schema_file
from netopt.schema import instance_json_schema

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted([*ROOT.glob("instances/*.yaml"), *ROOT.glob("instances/stochastic/*.yaml"),
                  *ROOT.glob("models/*.yaml"),
                  *ROOT.glob("docs/examples/*.yaml")])
EXPECTED_KINDS = {"instances": "instance", "models": "catalog"}


def _errors(kind: str, data: object) -> list[str]:
    v = jsonschema.Draft7Validator(file_schema(kind))
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(data))


@pytest.mark.parametrize("kind", KINDS)
def test_the_committed_schema_is_what_the_models_generate(kind):
    """Drift: a model changed without regenerating the published schema. The test writes the
    new one, so committing it is the fix."""
    path = ROOT / "schemas" / schema_file(kind)
    want = file_schema(kind)
    jsonschema.Draft7Validator.check_schema(want)
    have = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    if have != want:
        path.write_text(json.dumps(want, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        pytest.fail(f"{path.relative_to(ROOT)} drifted from the models: regenerated, commit it")
    # draft-07, which yaml-language-server supports fully (2020-12: "not yet fully supported")
    assert want["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in json.dumps(want)
    assert want["$id"] == f"urn:netopt:{kind}-file"


@pytest.mark.parametrize("kind", KINDS)
def test_each_schema_accepts_its_own_examples(kind):
    s = file_schema(kind)
    assert s["examples"]
    for example in s["examples"]:
        assert _errors(kind, example) == []


def test_every_shipped_yaml_file_names_its_schema_and_follows_it():
    assert len(SHIPPED) >= 10
    for f in SHIPPED:
        text = f.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        kind = kind_of(data, f)
        if f.parent.name in EXPECTED_KINDS:
            assert kind == EXPECTED_KINDS[f.parent.name], f
        first = text.splitlines()[0]
        assert first == modeline(kind, f.parent), f
        # the modeline's relative path leads to the published schema
        assert (f.parent / first.removeprefix(MODELINE)).resolve() == (
            ROOT / "schemas" / schema_file(kind)).resolve()
        assert _errors(kind, data) == [], f


def test_the_sweep_and_scenario_examples_are_recognised():
    kinds = {f.name: kind_of(yaml.safe_load(f.read_text()), f) for f in SHIPPED}
    assert kinds["high-launch-cost.yaml"] == "scenario"
    assert kinds["cislunar-uncertainty.yaml"] == "sweep"


def test_the_merged_schema_rejects_a_shipped_file_the_file_schema_accepts():
    """The problem these schemas solve: `netopt schema` describes the merged instance, so a file
    whose templates supply capacities fails against it."""
    data = yaml.safe_load((ROOT / "instances" / "cislunar-ice.yaml").read_text())
    merged = jsonschema.Draft202012Validator(instance_json_schema())
    messages = {e.message for e in merged.iter_errors(data)}
    assert "'capacity' is a required property" in messages
    assert _errors("instance", data) == []


TINY = {
    "name": "t", "horizon": {"start_year": 2030, "stages": [{"name": "s1", "years": 5}]},
    "commodities": [{"name": "w"}], "nodes": [{"name": "a"}, {"name": "b"}],
    "facilities": [{"name": "m", "node": "a", "capacity": 10, "produces": {"w": 1}}],
    "routes": [{"name": "r", "from": "a", "to": "b"}],
}


def test_the_file_schema_is_as_strict_as_the_models_where_nothing_is_inherited():
    assert _errors("instance", TINY) == []
    bad = copy.deepcopy(TINY)
    del bad["facilities"][0]["capacity"]  # no template: capacity must be there
    bad["routes"][0]["capcity"] = 3
    del bad["commodities"]  # no include: commodities must be there
    bad["horizon"]["discount_rate"] = 1.5
    assert _errors("instance", bad) == [
        ": 'commodities' is a required property",
        "facilities/0: 'capacity' is a required property",
        "horizon/discount_rate: 1.5 is greater than or equal to the maximum of 1",
        "routes/0: Additional properties are not allowed ('capcity' was unexpected)",
    ]


def test_templates_and_includes_may_supply_fields():
    data = copy.deepcopy(TINY)
    del data["commodities"], data["nodes"]
    data["include"] = ["../models/routes.yaml"]
    data["facilities"] = [{"name": "m", "template": "lunar-ice-mine"}]
    data["routes"] = [{"name": "launch", "template": "launch", "cost_per_t": {"s1": 2.7}}]
    data["facility_templates"] = [{"name": "mine", "capacity": 5, "kind": "mine"}]
    assert _errors("instance", data) == []
    data["facility_templates"] = [{"name": "mine", "capasity": 5}, {"capacity": 5}]
    assert _errors("instance", data) == [
        "facility_templates/0: Additional properties are not allowed ('capasity' was unexpected)",
        "facility_templates/1: 'name' is a required property",
    ]


def test_scenario_and_sweep_schemas_reject_unknown_keys_and_distributions():
    assert _errors("scenario", {"base": "b.yaml", "sett": {}}) == [
        ": Additional properties are not allowed ('sett' was unexpected)"]
    assert _errors("scenario", {"set": {"horizon.discount_rate": 0.07}}) == [
        ": 'base' is a required property"]
    assert _errors("scenario", {"base": "b.yaml", "remove": {"routes": ["launch", 2]},
                                "add": {"routes": [{"name": "x", "from": "a", "to": "b"}]}}) == []
    errors = _errors("sweep", {"distributions": {"p": {"dist": "gauss", "mean": 1}}})
    assert len(errors) == 1 and errors[0].startswith("distributions/p: ")


def _numbers(node: dict) -> bool:
    types = [node.get("type")] + [a.get("type") for a in node.get("anyOf", [])]
    return "number" in types


def test_every_number_in_the_instance_formats_has_a_unit():
    """x-unit: machine-readable units on every real-valued figure of instances and catalogs."""
    defs = file_schema("instance")["definitions"]
    without = sorted(f"{d}.{p}" for d, body in defs.items()
                     for p, prop in body.get("properties", {}).items()
                     if _numbers(prop) and "x-unit" not in prop)
    assert without == []
    assert defs["Facility"]["properties"]["capacity"]["x-unit"] == "t/yr"
    assert defs["Route"]["properties"]["cost_per_t"]["x-unit"] == "{money}/t"
    assert defs["Route"]["properties"]["delta_v_km_s"]["x-unit"] == "km/s"
    assert defs["Horizon"]["properties"]["discount_rate"]["x-unit"] == "1/yr"


def test_yaml_examples_in_the_docs_follow_their_schema():
    import re

    blocks = []
    for doc in ("README.md", "docs/scenarios.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        blocks += [(doc, b) for b in re.findall(r"^```yaml\n(.*?)^```", text, re.S | re.M)]
    assert len(blocks) >= 2
    kinds = []
    for doc, block in blocks:
        data = yaml.safe_load(block)
        kind = kind_of(data, ROOT / doc)
        kinds.append(kind)
        assert _errors(kind, data) == [], (doc, block[:60])
    assert {"scenario", "sweep"} <= set(kinds)


def test_netopt_schema_file_prints_the_published_schema():
    from typer.testing import CliRunner

    from netopt.cli import app

    for kind in KINDS:
        r = CliRunner().invoke(app, ["schema", "--file", kind])
        assert r.exit_code == 0
        assert json.loads(r.output) == json.loads((ROOT / "schemas" / schema_file(kind))
                                                  .read_text(encoding="utf-8"))
    r = CliRunner().invoke(app, ["schema", "--file", "solution"])
    assert r.exit_code == 2
    assert "--file takes one of instance, catalog, scenario, sweep, not 'solution'" in r.output
