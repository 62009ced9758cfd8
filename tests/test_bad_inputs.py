"""Every file under tests/data/bad/ (.yaml, or .json) is refused with exit code 1 and exactly the
messages in its .expected file (paths relative to the repository), never a traceback."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from netopt.cli import app

ROOT = Path(__file__).resolve().parent.parent
BAD = sorted((ROOT / "tests" / "data" / "bad").glob("*.expected"))


@pytest.mark.parametrize("expected", BAD, ids=[p.stem for p in BAD])
def test_bad_input_message(expected, monkeypatch):
    monkeypatch.chdir(ROOT)
    json = expected.with_suffix(".json")
    instance = (json if json.is_file() else expected.with_suffix(".yaml")).relative_to(ROOT)
    r = CliRunner().invoke(app, ["validate", str(instance)])
    assert r.exit_code == 1
    assert r.exception is None or isinstance(r.exception, SystemExit)
    got = r.output.replace(f"{ROOT}/", "").splitlines()
    assert got == expected.read_text(encoding="utf-8").splitlines()


def test_every_bad_file_has_its_expected_messages():
    bad = ROOT / "tests" / "data" / "bad"
    stems = {p.stem for p in (*bad.glob("*.yaml"), *bad.glob("*.json"))}
    assert stems - {p.stem for p in BAD} == {"cycle-a", "cycle-b"}  # parts of include-cycle
