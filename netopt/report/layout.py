"""Where each node goes in the network pictures: left (sunward) to right by system and body,
surfaces below orbits, one column per body or Lagrange point."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

# --- layout ------------------------------------------------------------------------------------
# Systems from the Sun outwards; each holds columns ordered sunward -> outward.
SYSTEMS = [("earth", "Earth–Moon system"), ("asteroids", "Asteroids"), ("mars", "Mars system"),
           ("belt", "Main belt"), ("jupiter", "Jupiter system"), ("outer", "Outer system"),
           ("other", "Other")]
_SYSTEM_RANK = {s: i for i, (s, _) in enumerate(SYSTEMS)}
# body -> (system, order within the system); a planet is 0, its moons after it
BODIES: dict[str, tuple[str, float]] = {
    "earth": ("earth", 0), "moon": ("earth", 2), "luna": ("earth", 2),
    "mars": ("mars", 0), "phobos": ("mars", 1), "deimos": ("mars", 2),
    "ceres": ("belt", 0), "vesta": ("belt", 1), "pallas": ("belt", 2), "hygiea": ("belt", 3),
    "psyche": ("belt", 4), "belt": ("belt", 5), "main belt": ("belt", 5),
    "jupiter": ("jupiter", 0), "io": ("jupiter", 1), "europa": ("jupiter", 2),
    "ganymede": ("jupiter", 3), "callisto": ("jupiter", 4),
    "saturn": ("outer", 0), "enceladus": ("outer", 1), "titan": ("outer", 2),
    "venus": ("other", 0), "mercury": ("other", 1),
}
_PLANET_OF_SYSTEM = {"earth": "earth", "mars": "mars", "jupiter": "jupiter", "outer": "saturn"}
LEVEL = {"surface": 0.0, "orbit": 1.0, "lagrange": 1.0, "other": 1.0}


def place(n: dict) -> tuple[str, float, float]:
    """(system, column order, level) of a network node."""
    level = LEVEL.get(n.get("kind") or "other", 1.0)
    bodies = [b.lower() for b in (n.get("bodies") or [])]
    point = (n.get("point") or "").upper()
    if n.get("kind") == "lagrange" and bodies:
        other = [b for b in bodies if b != "sun"]
        if "sun" in bodies and other:  # Sun-planet: L1 sunward of the system, L2.. beyond it
            system = BODIES.get(other[0], ("asteroids", 50))[0]
            order = {"L1": -10.0, "L2": 100.0, "L3": 101.0, "L4": 102.0, "L5": 103.0}.get(
                point, 104.0)
            return system, order, level
        if len(other) == 2:  # planet-moon: L1 between them, L2 beyond the moon
            planet, moon = other
            system = BODIES.get(planet, BODIES.get(moon, ("other", 0)))[0]
            m = BODIES.get(moon, (system, 1))[1]
            order = {"L1": m - 1.0, "L2": m + 1.0}.get(point, m + 1.5)
            return system, order, level
    body = (n.get("body") or (bodies[0] if bodies else "")).lower()
    if not body:
        return "other", 50.0, level
    if body in BODIES:
        return BODIES[body][0], BODIES[body][1], level
    if body == "sun":
        return "other", -100.0, level
    return "asteroids", 10.0, level  # unknown small bodies: near-Earth asteroids mostly


@dataclass
class Layout:
    pos: dict[str, tuple[float, float]] = field(default_factory=dict)
    bands: list[tuple[str, float, float, float, float]] = field(default_factory=list)  # label, box
    columns: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, body label
    width: float = 1.0
    height: float = 2.0
    crowd: set[str] = field(default_factory=set)  # nodes drawn small and unlabelled (crowds)


_LOW = ("leo", "llo", "lmo", "low", "lxo")
_HIGH = ("geo", "gto", "heo", "nrho", "halo", "high", "dro", "meo")


def _altitude_rank(name: str) -> int:
    n = name.lower()
    return 0 if any(w in n for w in _LOW) else 2 if any(w in n for w in _HIGH) else 1


def _block(system: str, keys: list[tuple[float, str]],
           cols: dict[tuple[str, float, str], list[dict]]) -> tuple[dict, list, float, float]:
    """One system's nodes relative to (0, 0): {name: (x, y)}, column labels, width, height."""
    pos: dict[str, tuple[float, float]] = {}
    labels: list[tuple[float, float, str]] = []
    many = len(keys) > 12  # a crowd of small bodies: a grid of columns, rows stacked upward
    if many:
        per_row = max(6, math.ceil(math.sqrt(len(keys) * 2.5)))
        for i, (order, kb) in enumerate(keys):
            for j, n in enumerate(sorted(cols[(system, order, kb)], key=lambda n: n["name"])):
                pos[n["name"]] = (0.4 + (i % per_row) * 0.62 + 0.2 * j, (i // per_row) * 0.8)
        width = 0.8 + (min(len(keys), per_row) - 1) * 0.62
        return pos, labels, width, max(y for _, y in pos.values()) if pos else 0.0
    x = 0.0
    height = 1.0
    for order, kb in keys:
        members = cols[(system, order, kb)]
        by_level: dict[float, list[dict]] = defaultdict(list)
        for n in members:
            by_level[place(n)[2]].append(n)
        surfaces = sorted(by_level.pop(0.0, []), key=lambda n: n["name"])
        span = 0.5 * (len(surfaces) - 1) if surfaces else 0.0
        cx = x + 0.5 + span / 2
        for j, n in enumerate(surfaces):  # surfaces side by side
            pos[n["name"]] = (cx - span / 2 + 0.5 * j, 0.0)
        for level, group in sorted(by_level.items()):  # orbits stacked upward, low first
            group.sort(key=lambda n: (_altitude_rank(n["name"]), n["name"]))
            for j, n in enumerate(group):
                pos[n["name"]] = (cx + (0.14 if j % 2 else 0.0), level + 0.6 * j)
                height = max(height, level + 0.6 * j)
        label = _column_label(members)
        if label:
            labels.append((cx, 0.0, label))
        x += 1.0 + span
    return pos, labels, x + 0.3, height  # room for the facility markers right of the last node


def layout(nodes: list[dict], max_row_width: float = 14.0) -> Layout:
    """Positions of the nodes: systems from the Sun outwards, left to right (wrapped into rows,
    top to bottom, when wider than `max_row_width`); in a system a column per body or Lagrange
    point, sunward first; in a column surfaces at the bottom and orbits above (low orbits first)."""
    cols: dict[tuple[str, float, str], list[dict]] = defaultdict(list)
    for n in nodes:
        system, order, _ = place(n)
        # columns: one per (system, order); unknown bodies get one column each, by body name
        key_body = (n.get("body") or "").lower() if order == 10.0 and system == "asteroids" else ""
        cols[(system, order, key_body)].append(n)
    by_system: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for key in sorted(cols, key=lambda k: (_SYSTEM_RANK[k[0]], k[1], k[2])):
        by_system[key[0]].append((key[1], key[2]))
    blocks = [(system, *_block(system, by_system[system], cols))
              for system, _ in SYSTEMS if system in by_system]
    limit = max([max_row_width] + [b[3] for b in blocks])
    rows: list[list[tuple]] = [[]]
    used = 0.0
    for b in blocks:  # fill rows greedily, in order from the Sun
        if rows[-1] and used + b[3] > limit:
            rows.append([])
            used = 0.0
        rows[-1].append(b)
        used += b[3] + 0.35
    lay = Layout()
    pad_below, pad_above, gap = 0.8, 0.75, 0.3
    heights = [max(b[4] for b in row) + pad_below + pad_above for row in rows]
    lay.height = sum(heights) + gap * (len(rows) - 1)
    lay.width = max(sum(b[3] for b in row) + 0.35 * (len(row) - 1) for row in rows)
    y_top = lay.height
    for row, h in zip(rows, heights):
        y0 = y_top - h
        x = 0.0
        for system, pos, labels, width, _ in row:
            for name, (px, py) in pos.items():
                lay.pos[name] = (x + px, y0 + pad_below + py)
            lay.columns += [(x + cx, y0 + 0.06, label) for cx, _, label in labels]
            label = dict(SYSTEMS)[system]
            if len(pos) > 12 and not labels:  # a crowd
                lay.crowd.update(pos)
                label += f" ({len(pos)} nodes)"
            lay.bands.append((label, x, x + width, y0, y_top))
            x += width + 0.35
        y_top = y0 - gap
    return lay


def _column_label(members: list[dict]) -> str:
    n = members[0]
    if n.get("kind") == "lagrange" and n.get("bodies"):
        return "–".join(n["bodies"]) + " " + "/".join(sorted({m.get("point") or "L?"
                                                              for m in members}))
    return n.get("body") or ""
