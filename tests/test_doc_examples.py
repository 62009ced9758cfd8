"""The commands in README.md and the docs are tested examples: each runs, as written, in bash, in a
copy of the shipped files, in order (a later command reads what an earlier one wrote).

- A line `netopt ...` in a bash block, or `$ netopt ...` followed by its output: the output shown
  must be what the command prints (stdout; stderr for a failing command), line for line, trailing
  spaces aside; a last line `...` means the output goes on. `# exit N` after a command: the exit
  code it must have (default 0).
- ```python blocks run as scripts.
- `pip install` and `pytest` are what .ci/run does: not run here.
- Slow commands (a whole roadmap solve, sweeps of hundreds of runs) run with `pytest -m slow`; the
  default run runs a fast substitute of each instead (SLOW below), so every command is exercised.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# docs/tour.md's cells run in tests/test_tour.py
DOCS = ("README.md", "docs/index.md", "docs/first-instance.md", "docs/scenarios.md",
        "docs/extending.md", "instances/README.md")
SHIPPED = ("instances", "models", "docs", "data", "schemas")
# the default run's stand-in for each slow command or script: (text replaced, replacement)
SLOW: dict[str, tuple[str, str]] = {
    "netopt solve instances/roadmap-2100.yaml --gap 0.02 --time-limit 600": (
        "--gap 0.02 --time-limit 600",
        "--set horizon.resolution=stage --gap 0.5 --time-limit 60"),  # yearly: minutes to a plan
    "netopt sweep instances/cislunar-ice.yaml --param 'routes[launch].cost_per_t=0.5,1,2,4' "
    "--param horizon.discount_rate=0.03,0.07 -o runs/grid": (",2,4'", "'"),
    "netopt sweep instances/cislunar-ice.yaml --sweep docs/examples/cislunar-uncertainty.yaml "
    "--samples 200 --seed 1 -o runs/launch": ("--samples 200", "--samples 2"),
    "netopt sweep docs/examples/cislunar-uncertainty.yaml": (
        "cislunar-uncertainty.yaml", "cislunar-uncertainty.yaml --samples 2"),
    "netopt sweep docs/examples/cislunar-uncertainty.yaml -o runs/cislunar": (
        "-o runs", "--samples 2 -o runs"),
    "script:docs/scenarios.md:load_tree": ("samples=20", "samples=2"),
}


@dataclass
class Example:
    doc: str
    line: int
    command: str  # a shell command, or a Python script
    output: list[str] | None = None  # shown output; None: not shown
    exit: int = 0
    python: bool = False

    @property
    def key(self) -> str:
        if self.python:
            marker = "load_tree" if "load_tree" in self.command else "load_instance"
            return f"script:{self.doc}:{marker}" if marker in self.command else self.command
        return self.command

    @property
    def slow(self) -> bool:
        return self.key in SLOW

    def fast(self) -> Example:
        old, new = SLOW[self.key]
        assert old in self.command, (self.key, old)
        return Example(self.doc, self.line, self.command.replace(old, new), None, self.exit,
                       self.python)


def _split_comment(line: str) -> tuple[str, str]:
    """The command and its comment (` # ...`; no documented command has ' #' inside it)."""
    cmd, sep, comment = line.partition(" #")
    return cmd.strip(), comment if sep else ""


def examples(doc: str) -> list[Example]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    found: list[Example] = []
    for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.S | re.M):
        lang, body = m.group(1), m.group(2)
        first = text[:m.start()].count("\n") + 2
        if lang == "python":
            found.append(Example(doc, first, body, python=True))
            continue
        if lang not in ("", "bash"):
            continue
        lines = body.replace("\\\n", " ").splitlines()  # continuation lines joined
        i = 0
        while i < len(lines):
            raw, i = lines[i], i + 1
            shown = raw.startswith("$ ")
            cmd, comment = _split_comment(raw[2:] if shown else raw)
            parts = [p.strip() for p in cmd.split("&&")]
            runnable = [p for p in parts if p.startswith("netopt ")]
            if not runnable:
                continue
            assert all(p.startswith(("netopt ", "pip ", "pytest")) for p in parts), raw
            code = re.search(r"\bexit (\d)\b", comment)
            output = None
            if shown:
                output = []
                while i < len(lines) and not lines[i].startswith("$ "):
                    output.append(lines[i])
                    i += 1
            for p in runnable:
                found.append(Example(doc, first + i - 1, re.sub(r"\s+", " ", p), output,
                                     int(code.group(1)) if code else 0))
    return found


def _workspace(tmp: Path) -> Path:
    for name in SHIPPED:
        shutil.copytree(ROOT / name, tmp / name)
    return tmp


def _run(ex: Example, cwd: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "COLUMNS": "80"}  # rich's width without a terminal, as the outputs shown
    if ex.python:
        res = subprocess.run([sys.executable, "-c", ex.command], cwd=cwd, env=env,
                             capture_output=True, text=True, timeout=600)
    else:
        res = subprocess.run(["bash", "-c", ex.command], cwd=cwd, env=env, capture_output=True,
                             text=True, timeout=600)
    where = f"{ex.doc}:{ex.line}: {ex.command}"
    assert res.returncode == ex.exit, f"{where}: exit {res.returncode}\n{res.stdout}\n{res.stderr}"
    if ex.output is None:
        return
    got = (res.stdout if ex.exit == 0 else res.stderr).rstrip("\n").splitlines()
    want = list(ex.output)
    while want and not want[-1].strip():
        want.pop()
    got = [g.rstrip() for g in got]
    if want and want[-1] == "...":
        want.pop()
        got = got[:len(want)]
    assert got == [w.rstrip() for w in want], where


def test_every_doc_has_its_commands_found():
    found = {doc: examples(doc) for doc in DOCS}
    assert len(found["README.md"]) >= 15
    commands = [e.command for exs in found.values() for e in exs]
    # the install line's command, and the ones the issue found wrong
    assert "netopt solve instances/cislunar-ice.yaml" in commands
    assert not any("high-launch.yaml" in c or "base.yaml" in c for c in commands)
    assert set(SLOW) <= {e.key for exs in found.values() for e in exs}, "a SLOW entry went stale"


@pytest.mark.parametrize("doc", DOCS)
def test_doc_commands_run_as_written(doc, tmp_path):
    """Slow commands by their fast substitute (the originals: test_slow_doc_commands)."""
    cwd = _workspace(tmp_path)
    for ex in examples(doc):
        _run(ex.fast() if ex.slow else ex, cwd)


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS)
def test_slow_doc_commands(doc, tmp_path):
    cwd = _workspace(tmp_path)
    for ex in examples(doc):
        _run(ex, cwd)


# --- what the examples show ----------------------------------------------------------------------
def test_readme_elastic_example_falls_short(tmp_path):
    """README's --elastic line must show a shortfall (it used to meet every demand). On the
    tutorial with launches capped at 100 t/yr and 800 t/yr wanted in s2040: two plants deliver
    2 x 400 / exp(2740 / (450 g0)) = 429.97 t/yr, + 100 launched = 529.97 of 800."""
    cmd = next(e.command for e in examples("README.md") if "--elastic" in e.command)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    res = subprocess.run(["bash", "-c", cmd], cwd=_workspace(tmp_path), env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "every required demand is met" not in res.stdout
    met = 100 + 2 * 400 / math.exp(2740 / (450 * 9.80665))
    assert (f"demand propellant at leo in s2040: 800 t/yr required, {met:.6g} t/yr met"
            in res.stdout)


def test_recipes_on_the_page_are_the_files():
    """Each recipe shown on docs/first-instance.md is its file, byte for byte."""
    text = (ROOT / "docs" / "first-instance.md").read_text(encoding="utf-8")
    shown = re.findall(r"^`(docs/examples/[\w-]+\.yaml)`:\n\n```yaml\n(.*?)^```", text, re.S | re.M)
    assert [p for p, _ in shown] == [f"docs/examples/recipe-{r}.yaml"
                                     for r in ("depot", "tanker", "storage", "windows")]
    for path, body in shown:
        assert body == (ROOT / path).read_text(encoding="utf-8"), path


def _default(v: object) -> str:
    """A schema default as the page writes it."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dict) and v:
        return "{" + ", ".join(f"{k}: {x}" for k, x in v.items()) + "}"
    return str(v) if not isinstance(v, (list, dict)) else ("[]" if isinstance(v, list) else "{}")


def test_first_instance_page_states_every_default():
    """Every field with a default in the instance schema is on the page with that default (the
    page's tables: `field` | `default` | ..., and the shared table of facilities, routes and
    vehicles with one default column each)."""
    from netopt.schema import instance_json_schema

    text = (ROOT / "docs" / "first-instance.md").read_text(encoding="utf-8")
    rows = {m.group(1): [c.strip().strip("`") for c in m.group(2).split("|")]
            for m in re.finditer(r"^\| `([\w.\[\]]+)` \|(.*)\|$", text, re.M)}
    schema = instance_json_schema()
    defs = schema["$defs"]
    sections = {"Commodity": "commodities[]", "Node": "nodes[]", "Supply": "supplies[]",
                "Demand": "demands[]", "Propulsion": "propulsion[]", "Facility": "facilities[]",
                "Route": "routes[]", "Vehicle": "vehicles[]", "Horizon": "horizon",
                "Units": "units", "Stage": "horizon.stages[]", "Step": "horizon.stages[].steps[]",
                "Windows": "routes[].windows", "Uncertainty": "uncertainty",
                "Branching": "uncertainty.branchings[]",
                "Branch": "uncertainty.branchings[].branches[]", "SampledTree": "uncertainty.sampled"}
    shared = {"Facility": 0, "Route": 1, "Vehicle": 2}  # columns of the shared table
    missing = []
    for name, prop in schema["properties"].items():
        if "default" in prop and rows.get(name, [None])[0] != _default(prop["default"]):
            missing.append((name, prop["default"], rows.get(name)))
    checked = 0
    for model, prefix in sections.items():
        for name, prop in defs[model]["properties"].items():
            if "default" not in prop:
                continue
            checked += 1
            want = _default(prop["default"])
            key = f"{prefix}.{name}"
            if model in shared and name in rows and f"{prefix}.{name}" not in rows:
                got = rows[name][shared[model]]
            else:
                got = (rows.get(f"{prefix}.{name}") or [None])[0]
            if got != want:
                missing.append((key, want, got))
    assert missing == []
    assert checked > 90
    # and no model with defaults is left out of the page
    assert {n for n, d in defs.items() if any("default" in p for p in d.get("properties", {})
                                              .values())} <= set(sections) | {"Instance"}


def test_validate_knows_a_sweep_file(tmp_path):
    """`netopt validate docs/examples/*.yaml` takes the sweep file among the scenarios: checked
    with its base and its swept paths (exit 0); a swept path the base lacks is named at its
    line (exit 1); a sweep without a base is valid on its own."""
    cwd = _workspace(tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "COLUMNS": "200"}

    def validate(*files: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "netopt", "validate", *files], cwd=cwd,
                              env=env, capture_output=True, text=True, timeout=600)

    res = validate(*sorted(str(p.relative_to(cwd)) for p in (cwd / "docs" / "examples")
                           .glob("*.yaml")))
    assert res.returncode == 0, res.stdout + res.stderr
    assert ("docs/examples/cislunar-uncertainty.yaml: valid sweep of "
            "docs/examples/../../instances/cislunar-ice.yaml (5 parameters, 40 samples)"
            in res.stdout.splitlines())
    (cwd / "bad.yaml").write_text(
        "base: instances/cislunar-ice.yaml\nsamples: 2\ndistributions:\n"
        "  facilities[moon-ice-mne].capacity: {dist: uniform, low: 1, high: 2}\n")
    res = validate("bad.yaml")
    assert res.returncode == 1
    assert res.stderr.strip() == ("bad.yaml:4:3: facilities has no item named 'moon-ice-mne'; "
                                  "did you mean 'facilities[moon-ice-mine].capacity'?")
    (cwd / "alone.yaml").write_text("grid:\n  horizon.discount_rate: [0.1, 0.2]\n")
    res = validate("alone.yaml")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("alone.yaml: valid sweep file (1 parameters); it names no base")
