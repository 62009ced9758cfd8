"""JSON Schemas of the files as written, for editors: instance, catalog, scenario, sweep.

`netopt schema` describes the *merged* instance, which is what validation checks; a file as
written may leave out what its includes (`include:`) or templates (`template:`) supply. These
schemas accept exactly that: a facility or route naming a template needs only its name, an
instance with includes needs no commodities or nodes of its own. Everything else (types, ranges,
unknown keys) is as strict as the merged format, from the same Pydantic models.

The published copies live in `schemas/<kind>.schema.json` (a test regenerates them and fails when
they drift). Every shipped YAML file names its schema in a first-line modeline that
yaml-language-server (VS Code's YAML extension) reads: `modeline(kind, folder)`.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path as FsPath
from typing import Any

from .load import CATALOG_KEYS, LIST_SECTIONS
from .scenario import SCENARIO_KEYS, is_scenario

KINDS = ("instance", "catalog", "scenario", "sweep")
# draft-07: what yaml-language-server (VS Code's YAML extension) supports fully; it warns that
# 2020-12 is "not yet fully supported". Pydantic writes 2020-12's $defs: renamed to definitions.
DRAFT = "http://json-schema.org/draft-07/schema#"
MODELINE = "# yaml-language-server: $schema="
# where the published schemas live: the repository's schemas/ folder
SCHEMA_DIR = FsPath(__file__).resolve().parents[1] / "schemas"

_UNITS_NOTE = ("x-unit gives each figure's unit: {money} is the instance's units.money (default "
               "MUSD), t is tonnes, 1 a pure number.")


def schema_file(kind: str) -> str:
    return f"{kind}.schema.json"


def file_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of file as written (see KINDS)."""
    if kind not in KINDS:
        raise ValueError(f"unknown file kind '{kind}'; one of {', '.join(KINDS)}")
    builder = {"instance": _instance, "catalog": _catalog, "scenario": _scenario,
               "sweep": _sweep}[kind]
    body = _draft7(builder())
    head = {"$schema": DRAFT, "$id": f"urn:netopt:{kind}-file", "title": f"netopt {kind} file"}
    return {**head, **{k: v for k, v in body.items() if k not in head}}


def _draft7(node: Any) -> Any:
    """Pydantic's 2020-12 output in draft-07 terms: $defs -> definitions (and every $ref to one);
    the other keywords it writes (const, if/then, propertyNames, examples) are draft-07 too."""
    if isinstance(node, dict):
        return {"definitions" if k == "$defs" else k: _draft7(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_draft7(x) for x in node]
    if isinstance(node, str) and node.startswith("#/$defs/"):  # a $ref, or a discriminator's
        return "#/definitions/" + node[len("#/$defs/"):]
    return node


def modeline(kind: str, folder: str | FsPath, schema_dir: FsPath = SCHEMA_DIR) -> str:
    """The yaml-language-server comment for a file of `kind` in `folder` (a relative path)."""
    rel = os.path.relpath(schema_dir / schema_file(kind), FsPath(folder).resolve())
    return MODELINE + FsPath(rel).as_posix()


def kind_of(data: Any, path: FsPath) -> str:
    """Which schema a parsed file follows: scenario (names a base), sweep, catalog (no horizon:
    what includes merge in), else instance."""
    from .sweep import is_sweep_file  # pydantic: only when a file's kind is asked for

    if is_scenario(data) and not is_sweep_file(data) and "horizon" not in data:
        return "scenario"
    if is_sweep_file(data):
        return "sweep"
    if isinstance(data, dict) and "horizon" not in data:
        return "catalog"
    return "instance"


# ---------------------------------------------------------------------------------------------


def _as_written() -> dict[str, Any]:
    """The merged instance schema with the fields that includes and templates supply optional."""
    from .schema import instance_json_schema  # pydantic: only when a schema is asked for

    s = copy.deepcopy(instance_json_schema())
    defs = s["$defs"]
    for name, needs in (("Facility", ["node", "capacity"]), ("Route", ["from", "to"]),
                        ("Vehicle", ["propulsion", "dry_mass", "payload", "tank"])):
        d = defs[name]
        missing = [f for f in d.get("required", []) if f not in ("name", *needs)]
        assert not missing, f"{name}: required fields not handled: {missing}"
        d["required"] = ["name"]
        # without a template the element must say it all itself
        d["if"] = {"not": {"required": ["template"]}}
        d["then"] = {"required": needs}
        template = copy.deepcopy(d)
        for key in ("if", "then", "title", "description"):
            template.pop(key, None)
        template["properties"].pop("template", None)
        template["title"] = f"{name}Template"
        template["description"] = (f"A partial {name.lower()} that {name.lower()}s name with "
                                   "`template:`; any field but node-specific ones is typical.")
        defs[f"{name}Template"] = template
    props = s["properties"]
    props["facility_templates"]["items"] = {"$ref": "#/$defs/FacilityTemplate"}
    props["route_templates"]["items"] = {"$ref": "#/$defs/RouteTemplate"}
    props["vehicle_templates"]["items"] = {"$ref": "#/$defs/VehicleTemplate"}
    # an instance with includes may take every commodity and node from them
    included = [k for k in s["required"] if k in CATALOG_KEYS and k != "name"]
    s["required"] = [k for k in s["required"] if k not in included]
    s["if"] = {"not": {"required": ["include"]}}
    s["then"] = {"required": included}
    s["description"] = (s.get("description", "") + " As written: fields that `include:` or "
                        "`template:` supply may be left out. " + _UNITS_NOTE)
    return s


def _instance() -> dict[str, Any]:
    s = _as_written()
    s["examples"] = [_EXAMPLE_INSTANCE]
    return s


def _catalog() -> dict[str, Any]:
    inst = _as_written()
    props = {k: v for k, v in inst["properties"].items() if k in CATALOG_KEYS}
    props["source"] = {"type": "string", "description": "Where the catalog's figures come from."}
    props["name"]["description"] = "Catalog name."
    for v in props.values():
        v.pop("minItems", None)
    return {
        "type": "object", "additionalProperties": False, "properties": props,
        "description": ("A catalog (models/*.yaml): commodities, nodes, propulsion systems and "
                        "facility/route/vehicle templates that instances pull in with `include:`, merged "
                        "by name (the instance wins). " + _UNITS_NOTE),
        "$defs": inst["$defs"], "examples": [_EXAMPLE_CATALOG]}


def _scenario() -> dict[str, Any]:
    inst = _as_written()
    item = {k: inst["properties"][k]["items"] for k in LIST_SECTIONS}
    props: dict[str, Any] = {
        "base": {"type": "string", "minLength": 1,
                 "description": "Base instance (or scenario) file, relative to this file."},
        "name": {"type": "string", "description": "Name of the scenario's instance (default: "
                                                  "the base's)."},
        "description": {"type": "string", "description": "Free text."},
        "set": {"type": "object", "description": "Paths to values, applied last "
                "(routes[launch].cost_per_t: 5.4; horizon.discount_rate: 0.07)."},
        "add": {"type": "object", "additionalProperties": False,
                "description": "New elements by section, as in an instance.",
                "properties": {k: {"type": "array", "items": item[k]} for k in LIST_SECTIONS}},
        "remove": {"type": "object", "additionalProperties": False,
                   "description": "Elements to remove by section: a name, an index, or "
                                  "node/commodity for supplies and demands.",
                   "properties": {k: {"type": "array", "items": {"type": ["string", "integer"]}}
                                  for k in (*LIST_SECTIONS, "budgets")}},
    }
    assert set(props) == set(SCENARIO_KEYS), "scenario keys drifted from scenario.SCENARIO_KEYS"
    return {"type": "object", "additionalProperties": False, "required": ["base"],
            "properties": props, "$defs": inst["$defs"],
            "description": "A scenario overlay: a base instance and the changes to it "
                           "(docs/scenarios.md). Removals, then additions, then settings.",
            "examples": [_EXAMPLE_SCENARIO]}


def _sweep() -> dict[str, Any]:
    from .sweep.spec import SweepFileModel  # pydantic: only when a schema is asked for

    s = copy.deepcopy(SweepFileModel.model_json_schema())
    s["examples"] = [_EXAMPLE_SWEEP]
    return s


_EXAMPLE_INSTANCE: dict[str, Any] = {
    "name": "tiny",
    "include": ["../models/propulsion.yaml"],
    "horizon": {"start_year": 2030, "discount_rate": 0.05,
                "stages": [{"name": "s2030", "years": 10}]},
    "commodities": [{"name": "water"}],
    "nodes": [{"name": "moon", "kind": "surface", "body": "Moon"},
              {"name": "leo", "kind": "orbit", "body": "Earth"}],
    "facilities": [{"name": "mine", "kind": "mine", "node": "moon", "capacity": 500,
                    "capex": 800, "produces": {"water": 1.0}}],
    "routes": [{"name": "moon-leo", "from": "moon", "to": "leo", "cost_per_t": 0.5}],
    "demands": [{"node": "leo", "commodity": "water", "amount": {"s2030": 100}}],
}
_EXAMPLE_CATALOG: dict[str, Any] = {
    "name": "catalog", "source": "where the figures come from",
    "route_templates": [{"name": "moon-leo", "from": "moon", "to": "leo",
                         "delta_v_km_s": 2.74, "propulsion": "hydrolox"}],
}
_EXAMPLE_SCENARIO: dict[str, Any] = {
    "base": "../../instances/cislunar-ice.yaml", "description": "launch twice as dear",
    "set": {"routes[launch].cost_per_t": 5.4, "horizon.discount_rate": 0.07},
}
_EXAMPLE_SWEEP: dict[str, Any] = {
    "base": "../../instances/cislunar-ice.yaml", "samples": 20, "seed": 1,
    "grid": {"horizon.discount_rate": [0.03, 0.07]},
    "distributions": {"routes[launch].cost_per_t": {"dist": "lognormal", "median": 2.7,
                                                     "sigma": 0.4}},
}
