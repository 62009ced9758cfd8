"""Candidate asteroid mines from the JPL list "NEA Delta-V for Spacecraft Rendezvous" (L. Benner).

`netopt catalog neas FILE ...` reads the list (data/benner_dv_2013-04-14.txt is the 2013-04-14
snapshot), keeps the asteroids that pass the filters and writes an instance with, per asteroid, a
node, a mine (water or metal) and two routes to and from the hub (LEO). Everything that is not in
the list is an assumption, stated here and in the generated file's header:

- Type (the list has no taxonomy): a few asteroids of known type (KNOWN_TYPES, from
  ../shared/reference/space-figures.md) keep it; any other asteroid with semi-major axis
  a >= `water_min_a` (1.5 AU) is taken as C-complex (water-bearing), the rest as S-complex
  (stony-iron, mined for metal). The rule follows the idea that C-complex NEAs come more often from
  the outer main belt; it is an assumed scenario rule, not data: change `water_min_a`.
- Size: D(km) = 1329 / sqrt(albedo) x 10^(-H/5), albedo 0.05 for water (C) and 0.25 for metal
  (S/M) asteroids (the reference's range); mass from an assumed bulk density.
- Resource and capacity: grade x mass is the product in the body (10 wt % water for C, CM
  chondrites 9-13 %; 15 wt % metal for S [A], 98.5 % for M). A mine may extract `extract_fraction`
  of it over the horizon, so its capacity is min(template capacity, that / horizon years).
- Delta-v: outbound LEO -> asteroid is the list's figure (Shoemaker-Helin, +-0.5 km/s); the
  return is that figure minus 3.22 km/s (LEO -> Earth escape), capture at Earth by aerobraking.
  Vehicles (hydrolox, Isp 450 s, dry mass 0.1 t per t of payload) make their LOX/LH2 from water,
  1.28 t of water per t of propellant at mixture ratio 6: routes burn `water`. The returning
  tanker is reusable and flies back to its asteroid empty, on propellant loaded there.
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .file_schemas import SCHEMA_DIR, modeline, schema_file
from .files import OutputError, write_atomic
from .parse import MAX_BYTES, read_bounded
from .rocket import propellant_per_t

LEO_ESCAPE_DV = 3.22  # km/s, LEO -> Earth escape (C3 = 0), Wikipedia "Delta-v budget"
WATER_PER_T_PROPELLANT = 1.28  # t water per t LOX/LH2 at mixture ratio 6 (stoichiometry)
DIAMETER_CONSTANT_KM = 1329.0  # D = 1329 / sqrt(p) x 10^(-H/5)

# Known taxonomic types of a few NEAs (space-figures.md, "Near-Earth asteroids"), by designation.
KNOWN_TYPES = {
    "1998 SF36": "S",  # (25143) Itokawa
    "1999 JU3": "C",  # (162173) Ryugu
    "1999 RQ36": "B",  # (101955) Bennu, hydrated
    "2008 EV5": "C",
    "1996 FG3": "C",
    "1986 DA": "M",  # metal
}
# Taxonomic type -> resource class.
TYPE_CLASS = {"C": "water", "B": "water", "S": "metal", "M": "metal"}


@dataclass(frozen=True)
class NEA:
    """One row of the JPL list."""

    rank: int
    percentile: float
    number: int | None  # catalogue number, e.g. 25143
    name: str | None  # e.g. Itokawa
    designation: str  # provisional designation, e.g. "1998 SF36"
    dv: float  # km/s, LEO -> rendezvous
    dv_moon: float  # delta-v / 6.0 km/s (the Moon's)
    dv_mars: float  # delta-v / 6.3 km/s (Mars')
    h: float  # absolute magnitude
    a: float  # AU
    e: float
    i: float  # degrees
    flags: tuple[str, ...] = ()  # RADAR, BINARY

    @property
    def label(self) -> str:
        parts = [f"({self.number})" if self.number else "", self.name or "", self.designation]
        return " ".join(p for p in parts if p)

    @property
    def slug(self) -> str:
        """A netopt name: the designation with '-' for spaces (e.g. 1998-SF36)."""
        return re.sub(r"[^A-Za-z0-9_.\-]+", "-", self.designation).strip("-")


_ROW = re.compile(
    r"^\s*(?P<rank>\d+)\s+(?P<pct>\d+\.\d+)\s+(?P<mid>.*?)\s*"
    r"(?P<des>\d{4} [A-Z0-9-]+)\s+(?P<dv>\d+\.\d+)\s+(?P<moon>\d+\.\d+)\s+(?P<mars>\d+\.\d+)\s+"
    r"(?P<h>-?\d+\.\d+)\s+(?P<a>\d+\.\d+)\s+(?P<e>\d+\.\d+)\s+(?P<i>\d+\.\d+)"
    r"(?P<flags>(?:\s+[A-Z]+)*)\s*$")
_NAME = re.compile(r"^\((?P<number>\d+)\)\s*(?P<name>.*)$")


def parse_benner(text: str, source: str = "<text>") -> list[NEA]:
    """Parse the list: header lines up to the '====' rule, then one asteroid per line."""
    lines = text.splitlines()
    start = next((n + 1 for n, line in enumerate(lines) if line.lstrip().startswith("====")), 0)
    out = []
    for n, line in enumerate(lines[start:], start + 1):
        if not line.strip():
            continue
        m = _ROW.match(line)
        if not m:
            raise ValueError(f"{source}:{n}: not a row of the NEA delta-v list: {line.strip()!r}")
        mid = m["mid"].strip()
        number, name = None, None
        if mid:
            nm = _NAME.match(mid)
            if nm:
                number, name = int(nm["number"]), nm["name"].strip() or None
            else:
                name = mid
        out.append(NEA(int(m["rank"]), float(m["pct"]), number, name, m["des"],
                       float(m["dv"]), float(m["moon"]), float(m["mars"]), float(m["h"]),
                       float(m["a"]), float(m["e"]), float(m["i"]), tuple(m["flags"].split())))
    return out


def read_benner(path: str | Path) -> list[NEA]:
    p = Path(path)  # a regular file of bounded size (a FIFO or /dev/zero is refused)
    return parse_benner(read_bounded(p, MAX_BYTES).decode("ascii", errors="replace"), str(p))


def diameter_km(h: float, albedo: float) -> float:
    """Diameter from absolute magnitude H and geometric albedo: 1329 / sqrt(p) x 10^(-H/5) km."""
    if albedo <= 0:
        raise ValueError("albedo must be positive")
    return DIAMETER_CONSTANT_KM / math.sqrt(albedo) * 10 ** (-h / 5.0)


@dataclass(frozen=True)
class Assumptions:
    """Every number the import assumes (defaults documented in the module docstring)."""

    water_min_a: float = 1.5  # AU: unknown-type asteroids with a >= this are water (C) ones
    albedo: dict[str, float] = field(default_factory=lambda: {"water": 0.05, "metal": 0.25})
    density: dict[str, float] = field(default_factory=lambda: {"water": 1.2, "metal": 2.7})  # t/m3
    grade: dict[str, float] = field(default_factory=lambda: {"water": 0.10, "metal": 0.15})
    m_type_grade: float = 0.985  # Fe ~88 + Ni ~10 + Co ~0.5 %
    extract_fraction: float = 0.5  # of the resource, over the horizon
    isp_s: float = 450.0
    dry_mass_ratio: float = 0.1
    return_offset: float = LEO_ESCAPE_DV  # return delta-v = outbound - this


def classify(nea: NEA, assume: Assumptions = Assumptions()) -> tuple[str, str, bool]:
    """(taxonomic type, resource class 'water' | 'metal', known?) by the documented type rule."""
    known = KNOWN_TYPES.get(nea.designation)
    if known:
        return known, TYPE_CLASS[known], True
    if nea.a >= assume.water_min_a:
        return "C", "water", False
    return "S", "metal", False


def select(neas: list[NEA], max_dv: float | None = None, max_h: float | None = None,
           limit: int | None = None) -> list[NEA]:
    """Asteroids with dv <= max_dv and H <= max_h (brighter, so bigger), lowest delta-v first."""
    out = [x for x in neas if (max_dv is None or x.dv <= max_dv) and (max_h is None or x.h <= max_h)]
    out.sort(key=lambda x: (x.dv, x.rank))
    return out[:limit] if limit is not None else out


def water_per_t(dv_km_s: float, assume: Assumptions, return_dv_km_s: float | None = None) -> float:
    """t of water burnt (as LOX/LH2 made from it) per t of payload over dv, by the netopt rocket
    equation phi = (R-1)(1+d) [+ R d (R_ret-1) for a reusable vehicle flying back empty]."""
    return WATER_PER_T_PROPELLANT * propellant_per_t(dv_km_s, assume.isp_s,
                                                     assume.dry_mass_ratio, return_dv_km_s)


@dataclass(frozen=True)
class Candidate:
    nea: NEA
    taxon: str
    resource: str  # water | metal
    known_type: bool
    diameter_km: float
    mass_t: float
    grade: float
    capacity: float  # t/yr of product per mine
    dv_out: float
    dv_back: float


def candidate(nea: NEA, horizon_years: int, max_capacity: float,
              assume: Assumptions = Assumptions()) -> Candidate:
    taxon, cls, known = classify(nea, assume)
    d = diameter_km(nea.h, assume.albedo[cls])
    mass = assume.density[cls] * math.pi / 6.0 * (d * 1000.0) ** 3  # t (density in t/m3)
    grade = assume.m_type_grade if taxon == "M" else assume.grade[cls]
    cap = min(max_capacity, grade * mass * assume.extract_fraction / horizon_years)
    return Candidate(nea, taxon, cls, known, d, mass, grade, cap, nea.dv,
                     max(nea.dv - assume.return_offset, 0.0))


@dataclass(frozen=True)
class NeaOptions:
    """Scenario of the generated instance (CLI options of `netopt catalog neas`)."""

    max_dv: float | None = 6.0
    max_h: float | None = 22.0
    limit: int | None = None
    min_capacity: float = 100.0  # t/yr: smaller mines are dropped
    start_year: int = 2030
    stages: int = 10
    stage_years: int = 5
    discount_rate: float = 0.05
    mining_from: int = 1  # index of the first stage in which mines can be built
    launch_price: float = 2.72  # MUSD/t to LEO (Falcon 9, Jones ICES-2018-81)
    water_price: float = 1.0  # MUSD/t sold in LEO
    metal_price: float = 1.0  # MUSD/t sold in LEO
    water_market: float = 100_000.0  # t/yr sold at most in the last stage (linear ramp)
    metal_market: float = 50_000.0  # t/yr


def _ramp(total: float, names: list[str], first: int) -> dict[str, float]:
    n = len(names) - first
    return {s: round(total * (k + 1) / n) for k, s in enumerate(names[first:])}


def _flow(item: Any) -> str:
    text = yaml.safe_dump(item, default_flow_style=True, width=100_000, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def default_models_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "models"


def _templates(models: Path) -> dict[str, dict]:
    """Facility and route templates of the catalogs, by name."""
    out: dict[str, dict] = {}
    for file, key in (("facilities.yaml", "facility_templates"), ("routes.yaml", "route_templates")):
        for t in yaml.safe_load((models / file).read_text(encoding="utf-8")).get(key, []):
            out[t["name"]] = t
    return out


def _inline(tpl: dict, item: dict) -> dict:
    """The item with its template's fields filled in (the item wins). The generated file is
    self-contained: the figures come from the catalogs at generation time."""
    merged = {k: v for k, v in tpl.items() if k not in ("name", "source", "description")}
    merged.update(item)
    return {"name": merged.pop("name"), **merged}


def build_instance(neas: list[NEA], opts: NeaOptions, assume: Assumptions = Assumptions(),
                   models_dir: Path | None = None) -> tuple[dict, list[Candidate]]:
    """Instance data (a dict) and the candidates it holds."""
    tpl = _templates(models_dir or default_models_dir())
    names = [f"s{opts.start_year + k * opts.stage_years}" for k in range(opts.stages)]
    horizon_years = opts.stages * opts.stage_years
    template = {"water": "asteroid-water-extractor", "metal": "asteroid-metal-mine"}
    product = {"water": "water", "metal": "metals"}
    cands = []
    for x in select(neas, opts.max_dv, opts.max_h, None):
        c = candidate(x, horizon_years, tpl[template[classify(x, assume)[1]]]["capacity"], assume)
        if c.capacity >= opts.min_capacity:
            cands.append(c)
        if opts.limit is not None and len(cands) >= opts.limit:
            break
    first = names[min(opts.mining_from, len(names) - 1)]
    data: dict[str, Any] = {
        "name": "neas",
        "description": (f"{len(cands)} candidate near-Earth asteroid mines around a LEO hub "
                        "(JPL NEA delta-v list, 2013-04-14)"),
        "units": {"money": "MUSD", "mass": "t"},
        "horizon": {"start_year": opts.start_year, "discount_rate": opts.discount_rate,
                    "stages": [{"name": s, "years": opts.stage_years} for s in names]},
        "commodities": [{"name": "water"}, {"name": "metals"}, {"name": "hardware"}],
        "hardware_commodity": "hardware",
        "nodes": [{"name": "earth", "kind": "surface", "body": "Earth"},
                  {"name": "leo", "kind": "orbit", "body": "Earth"}],
        "facilities": [],
        "routes": [_inline(tpl["launch"], {"name": "launch", "cost_per_t": opts.launch_price,
                                           "commodities": ["water", "metals", "hardware"]})],
        "supplies": [
            {"name": "earth-water", "node": "earth", "commodity": "water", "price_per_t": 0.0},
            {"name": "earth-metals", "node": "earth", "commodity": "metals", "price_per_t": 0.0},
            {"name": "earth-hardware", "node": "earth", "commodity": "hardware",
             "price_per_t": 0.0}],
        "demands": [
            {"name": "leo-water-market", "kind": "market", "node": "leo", "commodity": "water",
             "price_per_t": opts.water_price, "amount": _ramp(opts.water_market, names,
                                                               opts.mining_from)},
            {"name": "leo-metal-market", "kind": "market", "node": "leo", "commodity": "metals",
             "price_per_t": opts.metal_price, "amount": _ramp(opts.metal_market, names,
                                                               opts.mining_from)}],
    }
    for c in cands:
        s, x = c.nea.slug, c.nea
        node = f"nea-{s}"
        kind = "known" if c.known_type else "assumed"
        data["nodes"].append({"name": node, "kind": "other", "body": x.name or x.designation,
                              "description": f"{x.label}: a {x.a:.3f} AU, e {x.e:.3f}, "
                                             f"i {x.i:.1f} deg"})
        data["facilities"].append(_inline(tpl[template[c.resource]], {
            "name": f"mine-{s}", "node": node, "capacity": round(c.capacity),
            "available_from": first,
            "description": (f"{x.label}: dv {x.dv:.3f} km/s, H {x.h:.1f}, D {c.diameter_km:.3f} km, "
                            f"type {c.taxon} ({kind}), {c.mass_t:.3g} t, "
                            f"{c.grade:.3g} {product[c.resource]}")}))
        out_carries = ["hardware"] if c.resource == "water" else ["water", "hardware"]
        data["routes"].append(_inline(tpl["nea-outbound"], {
            "name": f"to-{s}", "to": node,
            "propellant_per_t": {"water": round(water_per_t(c.dv_out, assume), 4)},
            "commodities": out_carries, "available_from": first,
            "description": f"dv {c.dv_out:.3f} km/s"}))
        data["routes"].append(_inline(tpl["nea-return"], {
            "name": f"from-{s}", "from": node,
            "propellant_per_t": {"water": round(water_per_t(c.dv_back, assume, c.dv_out), 4)},
            "commodities": [product[c.resource]], "available_from": first,
            "description": f"dv {c.dv_back:.3f} km/s, reusable: back empty at {c.dv_out:.3f}"}))
    return data, cands


def dump_instance(data: dict, header: str) -> str:
    """YAML text: header comment, top-level keys in block style, one list item per line."""
    out = [header.rstrip() + "\n"]
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.append(f"{key}:\n")
            out += [f"  - {_flow(v)}\n" for v in value]
        elif key == "horizon":
            h = dict(value)
            stages = h.pop("stages")
            out.append("horizon:\n")
            out += [f"  {k}: {_flow(v)}\n" for k, v in h.items()]
            out.append("  stages:\n")
            out += [f"    - {_flow(s)}\n" for s in stages]
        else:
            out.append(f"{key}: {_flow(value)}\n")
    return "".join(out)


def header(command: list[str], cands: list[Candidate], opts: NeaOptions,
           assume: Assumptions) -> str:
    n_water = sum(c.resource == "water" for c in cands)
    cmd = " ".join(shlex.quote(a) for a in command)
    return f"""\
# GENERATED by netopt/catalog.py -- do not edit by hand; regenerate with:
#   {cmd}
#
# {len(cands)} candidate asteroid mines ({n_water} water, {len(cands) - n_water} metal) from the JPL list
# "NEA Delta-V for Spacecraft Rendezvous" (L. Benner, snapshot 2013-04-14, data/benner_dv_2013-04-14.txt):
# delta-v from LEO <= {opts.max_dv} km/s, H <= {opts.max_h}, mine capacity >= {opts.min_capacity:g} t/yr.
# Hub: LEO. Earth launch {opts.launch_price} MUSD/t (Falcon 9, Jones ICES-2018-81). Markets in LEO:
# water {opts.water_price} MUSD/t, metals {opts.metal_price} MUSD/t, ramping to {opts.water_market:,.0f} and
# {opts.metal_market:,.0f} t/yr (scenario). The question: how many asteroids are worth mining at these prices?
# Assumptions (see netopt/catalog.py): type = known type if listed, else water (C) if a >= {assume.water_min_a} AU,
# metal (S) otherwise; D(km) = 1329/sqrt(albedo) 10^(-H/5), albedo {assume.albedo['water']} (C) /
# {assume.albedo['metal']} (S/M); density {assume.density['water']} / {assume.density['metal']} t/m3; grade
# {assume.grade['water']} water (CM 9-13 wt %), {assume.grade['metal']} metal (S), {assume.m_type_grade} (M);
# {assume.extract_fraction:.0%} of the resource extractable over the horizon; return delta-v = outbound - {assume.return_offset}
# km/s (aerobraking at Earth); vehicles burn LOX/LH2 made from water ({WATER_PER_T_PROPELLANT} t water per t,
# Isp {assume.isp_s:g} s, dry mass {assume.dry_mass_ratio} t per t payload).
# Mines, routes and launch are filled in from the templates of models/facilities.yaml
# (asteroid-water-extractor, asteroid-metal-mine) and models/routes.yaml (launch, nea-outbound,
# nea-return), whose `source:` fields give the origin of every figure; the file is self-contained.
"""


def generate(path: str | Path, opts: NeaOptions, out: str | Path, command: list[str],
             assume: Assumptions = Assumptions(), models_dir: Path | None = None
             ) -> list[Candidate]:
    """Read the list, build the instance, write it to `out` (include paths made relative)."""
    models = (models_dir or default_models_dir()).resolve()
    if not (models / "facilities.yaml").is_file():
        raise FileNotFoundError(f"no models/facilities.yaml under {models}: pass --models DIR")
    try:
        neas = read_benner(path)
    except OSError as e:  # the input: invalid input (1), unlike a write error below (2)
        raise ValueError(f"{path}: cannot read: {e.strerror or e}") from None
    if not neas:
        raise ValueError(f"{path}: no asteroid rows (is it the JPL NEA delta-v list?)")
    data, cands = build_instance(neas, opts, assume, models)
    if not cands:
        raise ValueError(f"{path}: none of its {len(neas)} asteroids passes the filters "
                         "(--max-dv, --max-h, --min-capacity)")
    from .plan import validate  # pydantic (the instance models): only when generating

    try:  # never write an instance that does not validate
        validate(data)
    except InputError as e:
        raise ValueError("the generated instance would not validate:\n  " + "\n  ".join(
            str(p) for p in e.problems)) from None
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        text = dump_instance(data, header(command, cands, opts, assume))
        write_atomic(out, _modeline(out) + text)
    except OSError as e:
        raise OutputError(f"cannot write {out}: {e.strerror or e}") from None
    return cands


def _modeline(out: Path) -> str:
    """The editor's schema comment, when the schemas are there to point at (a source tree)."""
    if not (SCHEMA_DIR / schema_file("instance")).is_file():
        return ""
    return modeline("instance", out.parent.resolve()) + "\n"


__all__ = ["NEA", "Assumptions", "Candidate", "NeaOptions", "KNOWN_TYPES", "parse_benner",
           "read_benner", "diameter_km", "classify", "select", "candidate", "water_per_t",
           "build_instance", "dump_instance", "generate"]
