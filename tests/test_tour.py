"""docs/tour.md's Python cells run in order and say what the page says."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_tour_runs(tmp_path, monkeypatch):
    cells = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "tour.md").read_text(), re.S)
    assert len(cells) == 6
    # a shipped instance, read as the page says (from the repository's root)
    (tmp_path / "instances").mkdir()
    shutil.copy(ROOT / "instances" / "tutorial.yaml", tmp_path / "instances")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    for cell in cells:
        exec(compile(cell, "tour.md", "exec"), scope)  # noqa: S102  (the page's own code)
    assert scope["plan"].warnings == []  # the tour's instance is clean
    sol = scope["sol"]
    assert sol.status.value == "optimal"
    assert sol.objective == pytest.approx(3400)  # instances/tutorial.yaml's derivation
    # the what-if: capex 3,000: plan 1+0 = 2030: 3,000 + 200 hardware + 100 opex + 100 transport;
    # 2040: 100 opex + 214.986 x 10 x 0.2 + (300 - 214.986) x 10 x 2.72 (tutorial.yaml's R)
    delivered = 400 / math.exp(2740 / (450 * 9.80665))
    assert scope["netopt"].solve(scope["dear"]).objective == pytest.approx(
        3400 + 100 + delivered * 2 + (300 - delivered) * 27.2, rel=1e-6)
    assert (tmp_path / "out" / "solution.json").is_file()
    # the levy cell: 0.5 per t shipped by the tanker per year, discounted with each stage's annual
    # factor (tutorial: no discounting, 10-year stages: 0.5 x 10 x (50 + 300) = 1,750)
    netopt = scope["netopt"]
    with_levy = scope["plan"].solve(netopt.SolveOptions(gap=0.0), extra=scope["levy"])
    factor = {s["name"]: s["annual_factor"] for s in with_levy.stages}
    shipped = sum(f["rate"] * factor[f["stage"]] for f in with_levy.flows
                  if f["route"] == "tanker")
    assert with_levy.cost_total("levy") == pytest.approx(0.5 * shipped)
    assert with_levy.cost_total("levy") == pytest.approx(1750)
