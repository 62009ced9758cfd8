"""Templates: a facility or route says `template: NAME` and overrides a few fields.

`facility_templates` and `route_templates` are lists of partial items (usually in a catalog under
models/). Expansion happens on the raw data, before validation, so an error in a value that came
from a template points at the template's line.
"""

from __future__ import annotations

from collections import defaultdict

from .errors import KEY, Location, Locs, Path, Problem, closest

SECTIONS = {"facilities": "facility_templates", "routes": "route_templates",
            "vehicles": "vehicle_templates"}


def _fields(section: str) -> set[str]:
    # pydantic (the instance models): imported only when validating
    from .schema import Facility, Route, Vehicle

    models: dict[str, type[Facility] | type[Route] | type[Vehicle]] = {
        "facilities": Facility, "routes": Route, "vehicles": Vehicle}
    model = models[section]
    return {f.alias or n for n, f in model.model_fields.items()} - {"name", "template"}


def expand(data: dict, locs: dict[Path, Location]) -> tuple[dict, dict[Path, Location],
                                                            list[Problem]]:
    """Return data with every `template:` item filled in from its template, and the locations."""
    problems: list[Problem] = []
    def uses_templates(section: str) -> bool:
        items = data.get(section)
        return isinstance(items, list) and any(isinstance(x, dict) and x.get("template")
                                               is not None for x in items)

    if not any(data.get(t) for t in SECTIONS.values()) and not any(map(uses_templates, SECTIONS)):
        return data, locs, problems
    data, locs = dict(data), dict(locs)
    for section, tsection in SECTIONS.items():
        templates: dict[str, tuple[int, dict]] = {}
        allowed = _fields(section)
        raw = data.get(tsection) or []
        if not isinstance(raw, list):
            problems.append(Problem("must be a list of templates", (tsection,), locs.get((tsection,))))
            continue
        tpl_locs: dict[int, Locs] = defaultdict(dict)  # template index -> locations inside it
        for p, loc in locs.items():
            if len(p) >= 3 and p[0] == tsection and isinstance(p[1], int):
                tpl_locs[p[1]][p[2:]] = loc
        for j, tpl in enumerate(raw):
            here: Path = (tsection, j)
            if not isinstance(tpl, dict) or not isinstance(tpl.get("name"), str):
                problems.append(Problem("a template is a mapping with a name", here, locs.get(here)))
                continue
            for key in tpl:
                if key != "name" and key not in allowed:
                    where = locs.get(here + (key, KEY)) or locs.get(here + (key,))
                    problems.append(Problem(f"unknown key '{key}'{closest(str(key), allowed)}",
                                            here + (key,), where))
            templates[tpl["name"]] = (j, tpl)
        items = data.get(section)
        if not isinstance(items, list):
            continue
        items = list(items)
        for i, item in enumerate(items):
            if not isinstance(item, dict) or item.get("template") is None:
                continue
            here = (section, i, "template")
            name = item["template"]
            if name not in templates:
                problems.append(Problem(f"unknown template '{name}'"
                                        f"{closest(str(name), list(templates))}", here,
                                        locs.get(here)))
                continue
            j, tpl = templates[name]
            inherited = {k: v for k, v in tpl.items() if k != "name" and k not in item}
            items[i] = {**inherited, **item}
            for sub, loc in tpl_locs[j].items():
                if sub[0] in inherited:
                    locs[(section, i, *sub)] = loc
        data[section] = items
    return data, locs, problems
