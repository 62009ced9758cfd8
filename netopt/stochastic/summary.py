"""What `netopt solve` prints for a stochastic solution: here-and-now builds, leaves, figures."""

from __future__ import annotations

from typing import Any


def _money(x: float | None, unit: str) -> str:
    from ..summary import money_text  # rich: only when printing

    return "n/a" if x is None else f"{money_text(x)} {unit}"


def _builds(rows: list[dict], most: int = 6) -> str:
    """'a x1 s1, b x2 s2' for a few builds, else a count (solution.json has them all)."""
    if not rows:
        return "nothing"
    if len(rows) <= most:
        return ", ".join(f"{b['name']} x{b['units']} {b['stage']}" for b in rows)
    return (f"{sum(b['units'] for b in rows)} units of {len({b['name'] for b in rows})} "
            "elements (solution.json lists them)")


def stochastic_lines(sol: Any) -> list[str]:
    """Plain lines: the tree, here-and-now decisions, each leaf, expected cost, EVPI, VSS."""
    st = sol.stochastic
    if not st:
        return []
    unit = sol.units.get("money", "") if sol.objective_kind == "cost" else "t"
    tree = st["tree"]
    lines = [f"Uncertainty: {len(st['leaves'])} leaves from "
             + ", ".join(f"{b['name']} (known {b['stage']}: "
                         + " / ".join(f"{x['name']} {x['probability']:g}" for x in b['branches'])
                         + ")" if len(b['branches']) <= 6 else
                         f"{b['name']} ({len(b['branches'])} draws, known {b['stage']})"
                         for b in tree["branchings"])]
    root = ", ".join(tree["root_stages"]) or "none"
    here = ", ".join(f"{b['name']} x{b['units']} in {b['stage']}" for b in st["here_and_now"])
    lines.append(f"Here and now (stages {root}): {here or 'build nothing'}")
    for leaf in st["leaves"][:20] if "objective" in (st["leaves"] or [{}])[0] else []:
        lines.append(f"  leaf {leaf['name']} (p {leaf['probability']:.4g}): "
                     f"{_money(leaf['objective'], unit)}; builds {_builds(leaf['builds'])}")
    if len(st["leaves"]) > 20 and "objective" in st["leaves"][0]:
        lines.append(f"  ... {len(st['leaves']) - 20} more leaves in solution.json")
    sp = st.get("spread")
    from ..summary import money_text  # rich: only when printing

    lines.append(f"Expected cost {_money(st.get('expected_cost'), unit)} (probability-weighted "
                 "over the leaves)"
                 + (f"; leaves {money_text(sp['min'])} .. {money_text(sp['max'])}, sd "
                    f"{money_text(sp['std'], 4)}" if sp else ""))
    if "evpi" in st:
        lines.append(f"EVPI {_money(st.get('evpi'), unit)} (wait-and-see "
                     f"{_money(st.get('wait_and_see'), unit)})")
        vss = st.get("vss")
        lines.append(f"VSS {_money(vss, unit)} (mean-value plan {_money(st.get('mean_value'), unit)}"
                     f"; its here-and-now builds cost {_money(st.get('eev'), unit)} in expectation)"
                     if vss is not None else
                     f"VSS n/a: the mean-value plan's here-and-now builds: {st.get('eev_status')}")
    if st.get("note"):
        lines.append(f"Note: {st['note']}")
    dec = st.get("decomposition")
    if dec:
        lines.append(f"PH ({dec['ranks']} rank(s), {dec.get('iterations')} iterations): "
                     f"objective {_money(dec.get('objective'), unit)}, bound "
                     f"{_money(dec.get('bound'), unit)}" + (f"; {dec['note']}" if dec.get("note")
                                                           else ""))
    return lines
