"""OR-Library capacitated warehouse location ("cap") instances -> netopt instances.

Format (Beasley 1988; see orlib-cap/README.md), whitespace separated:

    m n                          candidate warehouses, customers
    capacity_i fixed_i           m lines (capa/b/c: the literal word `capacity`)
    d_j  c_1j ... c_mj           n times: demand, then the cost of serving ALL of j from each i

Mapping to netopt (single stage of 1 year, discount 0, one commodity `good`):

- warehouse i -> node `w<i>` and facility `w<i>` (kind other, capacity_i, capex = fixed_i,
  max_units 1, produces {good: 1});
- customer j  -> node `c<j>` with a required demand d_j of `good`;
- every pair  -> route `w<i>-c<j>` from `w<i>` to `c<j>` with cost_per_t = c_ij / d_j.

Shipping x_ij tonnes costs c_ij * x_ij / d_j, i.e. c_ij times the fraction of j served by i, which is
the splittable objective the published optima are for. A customer with zero demand (none in the
OR-Library set) is dropped: it costs nothing and needs nothing.

    python -m benchmarks.orlib cap41 -o /tmp/cap41.yaml
    python -m benchmarks.orlib capa-8000 -o /tmp/capa-8000.yaml
    python -m benchmarks.orlib capa-8000 -o /tmp/capa-8000.json    # JSON, by the suffix
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
# Small instances live in the repo; capa/b/c (1.2 MB each) are looked up in the shared folder too.
DATA_DIRS = [HERE / "orlib-cap", HERE.parent.parent / "shared" / "benchmarks" / "orlib-cap"]
if os.environ.get("NETOPT_ORLIB_DIR"):
    DATA_DIRS.insert(0, Path(os.environ["NETOPT_ORLIB_DIR"]))

CAPACITIES = {  # values that replace the word `capacity` in capa/capb/capc
    "capa": (8000, 10000, 12000, 14000),
    "capb": (5000, 6000, 7000, 8000),
    "capc": (5000, 5750, 6500, 7250),
}
SMALL = [f"cap{g}{k}" for g in (4, 6, 7, 8, 9, 10, 11, 12, 13) for k in (1, 2, 3, 4)]
SMALL.insert(4, "cap51")  # 37 instances, in the README's order
LARGE = [f"{base}-{c}" for base, caps in CAPACITIES.items() for c in caps]  # 12
COMMODITY = "good"


@dataclass(frozen=True)
class CapData:
    """One capacitated warehouse location instance, as arrays."""

    name: str
    capacity: np.ndarray  # (m,)
    fixed: np.ndarray  # (m,)
    demand: np.ndarray  # (n,)
    cost: np.ndarray  # (m, n): cost of serving all of customer j's demand from warehouse i

    @property
    def m(self) -> int:
        return len(self.capacity)

    @property
    def n(self) -> int:
        return len(self.demand)

    @property
    def unit_cost(self) -> np.ndarray:
        """(m, n) cost per tonne c_ij / d_j (the netopt route's cost_per_t)."""
        return self.cost / self.demand[None, :]


def parse(text: str, name: str = "cap", capacity: float | None = None) -> CapData:
    """Parse the OR-Library text. `capacity` replaces the word `capacity` (capa/b/c)."""
    tok = text.split()
    if len(tok) < 2:
        raise ValueError(f"{name}: empty or truncated file")
    m, n = int(tok[0]), int(tok[1])
    need = 2 + 2 * m + n * (1 + m)
    if len(tok) != need:
        raise ValueError(f"{name}: {len(tok)} numbers, expected {need} for m={m}, n={n}")
    head = tok[2:2 + 2 * m]
    caps = head[0::2]
    if any(c == "capacity" for c in caps):
        if capacity is None:
            raise ValueError(f"{name}: capacities are the word 'capacity'; give a value")
        caps = [capacity if c == "capacity" else c for c in caps]
    elif capacity is not None:
        raise ValueError(f"{name}: capacities are numbers; no capacity value expected")
    body = np.array(tok[2 + 2 * m:], dtype=float).reshape(n, 1 + m)
    d = body[:, 0]
    keep = d > 0
    return CapData(name, np.array(caps, dtype=float), np.array(head[1::2], dtype=float),
                   d[keep].copy(), np.ascontiguousarray(body[keep, 1:].T))


def split_name(name: str) -> tuple[str, float | None]:
    """'cap41' -> ('cap41', None); 'capa-8000' or 'capa_8000' -> ('capa', 8000.0)."""
    mt = re.fullmatch(r"(cap[a-z]+)[-_](\d+(?:\.\d+)?)", name)
    if mt:
        return mt.group(1), float(mt.group(2))
    return name, None


def find_file(base: str) -> Path:
    for d in DATA_DIRS:
        for cand in (d / f"{base}.txt",):
            if cand.is_file():
                return cand
    raise FileNotFoundError(f"{base}.txt not found in " + ", ".join(map(str, DATA_DIRS)))


def load(name: str) -> CapData:
    """Load an instance by name (cap41 ... cap134, capa-8000 ... capc-7250)."""
    base, cap = split_name(name)
    return parse(find_file(base).read_text(), name, cap)


def known_optima() -> dict[str, float]:
    """Published optima (optima.tsv), keyed by our names (capa_8000 -> capa-8000)."""
    for d in DATA_DIRS:
        f = d / "optima.tsv"
        if f.is_file():
            out = {}
            for line in f.read_text().splitlines():
                if line.strip():
                    name, opt = line.split()[:2]
                    out[name.replace("_", "-")] = float(opt)
            return out
    raise FileNotFoundError("optima.tsv")


def to_instance(data: CapData, name: str | None = None) -> dict:
    """The netopt instance dict (see module docstring)."""
    w = [f"w{i + 1}" for i in range(data.m)]
    c = [f"c{j + 1}" for j in range(data.n)]
    unit = data.unit_cost
    return {
        "name": name or data.name,
        "description": f"OR-Library capacitated warehouse location {data.name} "
                       f"({data.m} warehouses x {data.n} customers), Beasley 1988",
        "units": {"money": "cost", "mass": "unit"},
        "horizon": {"start_year": 2000, "discount_rate": 0.0,
                    "stages": [{"name": "s1", "years": 1}]},
        "commodities": [{"name": COMMODITY}],
        "nodes": [{"name": x} for x in w] + [{"name": x} for x in c],
        "facilities": [{"name": w[i], "kind": "other", "node": w[i],
                        "capacity": float(data.capacity[i]), "capex": float(data.fixed[i]),
                        "max_units": 1, "produces": {COMMODITY: 1.0}} for i in range(data.m)],
        "routes": [{"name": f"{w[i]}-{c[j]}", "from": w[i], "to": c[j],
                    "cost_per_t": float(unit[i, j])}
                   for i in range(data.m) for j in range(data.n)],
        "demands": [{"node": c[j], "commodity": COMMODITY, "amount": float(data.demand[j])}
                    for j in range(data.n)],
    }


def write_yaml(inst: dict, path: str | Path) -> Path:
    import yaml

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with open(path, "w", encoding="utf-8") as fh:
        yaml.dump(inst, fh, Dumper=dumper, sort_keys=False, default_flow_style=None, width=200)
    return path


def write_json(inst: dict, path: str | Path) -> Path:
    """JSON with one list item per line (error messages then name a line, not a column)."""
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = []
    for key, value in inst.items():
        if isinstance(value, list):
            items = ",\n".join(f"    {json.dumps(x)}" for x in value)
            parts.append(f"  {json.dumps(key)}: [\n{items}\n  ]")
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    path.write_text("{\n" + ",\n".join(parts) + "\n}\n", encoding="utf-8")
    return path


def write_instance(inst: dict, path: str | Path) -> Path:
    """JSON if `path` ends in .json, else YAML."""
    return (write_json if str(path).lower().endswith(".json") else write_yaml)(inst, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.orlib", description=__doc__.split("\n")[0])
    ap.add_argument("name", help="cap41 ... cap134, capa-8000 ... capc-7250, or a file path")
    ap.add_argument("-o", "--output", help="file to write: JSON if it ends in .json, else YAML "
                    "(default: YAML to stdout)")
    ap.add_argument("--capacity", type=float, help="value for the word 'capacity' (file paths)")
    a = ap.parse_args(argv)
    if Path(a.name).is_file():
        data = parse(Path(a.name).read_text(), Path(a.name).stem, a.capacity)
    else:
        data = load(a.name)
    inst = to_instance(data)
    if a.output:
        write_instance(inst, a.output)
    else:
        import yaml

        yaml.dump(inst, sys.stdout, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                  sort_keys=False, default_flow_style=None, width=200)
    return 0


if __name__ == "__main__":
    sys.exit(main())
