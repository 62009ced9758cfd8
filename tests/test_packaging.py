"""Runtime dependencies are what netopt's code imports: no more (scipy was listed for a Pyomo
path netopt no longer takes), no less; optional ones are extras."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# import name -> distribution name, where they differ
DIST = {"yaml": "pyyaml", "mpisppy": "mpi-sppy"}
OPTIONAL = {"pandas": "pandas", "pyarrow": "parquet", "distributed": "dask", "xarray": "netcdf",
            "h5netcdf": "netcdf", "mpisppy": "mpi", "mpi4py": "mpi"}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    return requirement.split(">")[0].split("=")[0].split("[")[0].split("<")[0].strip().lower()


def _imported() -> set[str]:
    mods: set[str] = set()
    for f in (ROOT / "netopt").rglob("*.py"):
        for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Import):
                mods |= {a.name.split(".")[0] for a in n.names}
            elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module:
                mods.add(n.module.split(".")[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m != "netopt"}


def test_runtime_dependencies_are_what_the_code_imports():
    runtime = {_name(r) for r in _project()["dependencies"]}
    imported = _imported()
    required = {DIST.get(m, m) for m in imported if m not in OPTIONAL}
    assert runtime == required
    assert "scipy" not in runtime
    extras = _project()["optional-dependencies"]
    for module, extra in OPTIONAL.items():
        if module in imported:
            assert DIST.get(module, module) in {_name(r) for r in extras[extra]}, (module, extra)


def test_solve_report_and_export_run_without_scipy(tmp_path):
    """Pyomo imports scipy lazily when a path needs it: block it and run the user's commands."""
    script = f"""
import sys
sys.modules["scipy"] = None  # any import of scipy now fails
from netopt.cli import main
for args in (["solve", {str(ROOT / "instances" / "cislunar-ice.yaml")!r}, "-q", "-o", "out"],
             ["report", "out/solution.json", "-o", "r.html"],
             ["export", "out/solution.json", "-o", "tables"]):
    sys.argv = ["netopt", *args]
    try:
        main()
    except SystemExit as e:
        assert e.code in (0, None), (args, e.code)
print("scipy" in sys.modules and sys.modules["scipy"] is not None)
"""
    res = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "False"
    assert (tmp_path / "r.html").is_file() and (tmp_path / "tables" / "flows.csv").is_file()
