"""docs/tour.md's Python cells run in order and say what the page says."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_tour_runs(tmp_path, monkeypatch):
    cells = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "tour.md").read_text(), re.S)
    assert len(cells) == 6
    (tmp_path / "tests" / "data").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "data" / "issue-example.yaml", tmp_path / "tests" / "data")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    for cell in cells:
        exec(compile(cell, "tour.md", "exec"), scope)  # noqa: S102  (the page's own code)
    sol = scope["sol"]
    assert sol.status.value == "optimal"
    assert (tmp_path / "out" / "solution.json").is_file()
    # the carbon cell: 0.5 per t launched per year, discounted with each stage's annual factor
    netopt = scope["netopt"]
    with_carbon = scope["plan"].solve(netopt.SolveOptions(gap=0.0), extra=scope["carbon"])
    factor = {s["name"]: s["annual_factor"] for s in with_carbon.stages}
    launched = sum(f["rate"] * factor[f["stage"]] for f in with_carbon.flows
                   if f["route"] == "launch")
    assert launched > 0
    assert with_carbon.cost_total("carbon") == pytest.approx(0.5 * launched)
