"""Markdown tables from the JSON that `run_orlib --json` writes (used for BENCHMARKS.md).

    python -m benchmarks.tables small.json [large.json ...]
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from .run_orlib import BASE_GROUPS, GROUPS, group


def _g(x: float | None, spec: str) -> str:
    return "–" if x is None else format(x, spec)


def table(records: list[dict]) -> str:
    head = ("| instance | status | objective | known optimum | rel. diff | gap | netopt total s "
            "(cpu) | HiGHS solve s | overhead | baseline total s | ratio total | ratio build "
            "| ratio solve |")
    lines = [head, "|" + "---|" * 13]
    for r in records:
        t = r["netopt"]["median"]
        b = r.get("baseline", {}).get("median")
        gap = None
        if r["objective"] is not None and r["bound"] is not None:
            gap = abs(r["objective"] - r["bound"]) / max(abs(r["objective"]), 1e-10)
        over = (t["total"] - t["solve"]) / t["total"]
        row = [r["name"], r["status"], _g(r["objective"], ",.3f"), _g(r["optimum"], ",.3f"),
               _g(r["rel_diff"], ".1e"), _g(gap, ".2%"),
               f"{t['total']:.2f} ({t.get('cpu', float('nan')):.2f})", f"{t['solve']:.2f}",
               f"{100 * over:.0f} %"]
        if b:
            gn, gb = group(t, GROUPS), group(b, BASE_GROUPS)
            row += [f"{b['total']:.2f}", f"{t['total'] / b['total']:.2f}",
                    f"{gn['build'] / gb['build']:.0f}", f"{t['solve'] / b['solve']:.2f}"]
        else:
            row += ["–"] * 4
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def phases(records: list[dict]) -> str:
    """One row per instance: netopt's phases (medians), and `other` = total minus the phases
    (writing solution.json, which timings.write does not cover, and glue)."""
    from .run_orlib import NETOPT_PHASES

    cols = [*NETOPT_PHASES, "other", "total"]
    lines = ["| instance | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for r in records:
        t = dict(r["netopt"]["median"])
        t["other"] = t["total"] - sum(t[k] for k in NETOPT_PHASES)
        lines.append(f"| {r['name']} | " + " | ".join(f"{t[c]:.2f}" for c in cols) + " |")
    return "\n".join(lines)


def totals(records: list[dict]) -> str:
    tn = sum(r["netopt"]["median"]["total"] for r in records)
    sn = sum(r["netopt"]["median"]["solve"] for r in records)
    cn = sum(r["netopt"]["median"].get("cpu", 0.0) for r in records)
    out = [(f"netopt: total {tn:.1f} s (cpu {cn:.1f} s), HiGHS solve {sn:.1f} s, "
            f"overhead {100 * (tn - sn) / tn:.1f} %")]
    if all("baseline" in r for r in records):
        tb = sum(r["baseline"]["median"]["total"] for r in records)
        cb = sum(r["baseline"]["median"].get("cpu", 0.0) for r in records)
        sb = sum(r["baseline"]["median"]["solve"] for r in records)
        ratios = [r["netopt"]["median"]["total"] / r["baseline"]["median"]["total"]
                  for r in records]
        out.append(f"baseline: total {tb:.1f} s (cpu {cb:.1f} s), HiGHS solve {sb:.1f} s; "
                   f"netopt/baseline: total {tn / tb:.2f}x (cpu {cn / cb:.2f}x, geometric mean "
                   f"per instance {statistics.geometric_mean(ratios):.2f}x), solve "
                   f"{sn / sb:.2f}x")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    for f in argv if argv is not None else sys.argv[1:]:
        recs = json.loads(Path(f).read_text())
        print(f"### {f}\n\n{table(recs)}\n\n{phases(recs)}\n\n{totals(recs)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
