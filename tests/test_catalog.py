"""The NEA catalog import (netopt/catalog.py, `netopt catalog neas`), on lines of the real JPL list
(data/benner_dv_2013-04-14.txt, "NEA Delta-V for Spacecraft Rendezvous", L. Benner, 2013-04-14)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from netopt import catalog
from netopt.catalog import Assumptions, NeaOptions
from netopt.cli import app
from netopt.plan import load, validate

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "data" / "benner_dv_2013-04-14.txt"

# The header and seven rows copied verbatim from the file: the easiest target (RADAR flag), a
# named asteroid (Itokawa, known S type), an unnamed numbered one (Ryugu's designation, C type),
# two flags (1996 FG3), a survey designation (6743 P-L) and a two-digit delta-v.
HEADER = """\
                                           PROVISIONAL  DELTA-V    DELTA-V FOR 
RANK  PERCENTILE ASTEROID NAME             DESIGNATION  (KM/S)    THE MOON MARS   H (mag) a (AU)   e     i (deg)
====  ========== =============             ===========  =======   ======== ====   ======= ======   =     =======
"""
ROWS = {
    "2006 RH120": "   1   99.99                                2006 RH120   3.813    0.635   0.605    29.5   1.033  0.025    0.6  RADAR",  # noqa: E501
    "2011 CG2": "  19   99.80                                2011 CG2     4.117    0.686   0.653    21.5   1.177  0.158    2.8",  # noqa: E501
    "1998 SF36": " 175   98.20      (25143) Itokawa           1998 SF36    4.632    0.772   0.735    19.2   1.324  0.280    1.6  RADAR",  # noqa: E501
    "1999 JU3": " 183   98.12     (162173)                   1999 JU3     4.646    0.774   0.737    19.2   1.190  0.190    5.9",  # noqa: E501
    "1996 FG3": "3317   65.90     (175706)                   1996 FG3     6.609    1.102   1.049    18.4   1.054  0.350    2.0  RADAR BINARY",  # noqa: E501
    "1898 DQ": "1900   80.46        (433) Eros              1898 DQ      6.069    1.012   0.963    11.2   1.458  0.223   10.8  RADAR",  # noqa: E501
    "2005 BT1": "9707    0.20                                2005 BT1    22.210    3.702   3.525    19.1   1.330  0.714   63.6",  # noqa: E501
}


def _parse(*designations: str) -> list[catalog.NEA]:
    text = HEADER + "\n".join(ROWS[d] for d in designations) + "\n"
    return catalog.parse_benner(text)


def test_rows_are_in_the_real_file():
    lines = set(LIST.read_text().splitlines())
    for row in ROWS.values():
        assert row in lines


def test_parse_fields():
    itokawa, ryugu, fg3, eros, far = _parse("1998 SF36", "1999 JU3", "1996 FG3", "1898 DQ",
                                            "2005 BT1")
    assert (itokawa.rank, itokawa.number, itokawa.name, itokawa.designation) == (
        175, 25143, "Itokawa", "1998 SF36")
    assert (itokawa.dv, itokawa.h, itokawa.a, itokawa.e, itokawa.i) == (4.632, 19.2, 1.324, 0.28, 1.6)
    assert itokawa.flags == ("RADAR",) and itokawa.label == "(25143) Itokawa 1998 SF36"
    assert itokawa.slug == "1998-SF36"
    assert (ryugu.number, ryugu.name, ryugu.flags) == (162173, None, ())
    assert fg3.flags == ("RADAR", "BINARY")
    assert (eros.name, eros.number, eros.h) == ("Eros", 433, 11.2)
    assert far.dv == 22.21 and far.number is None and far.name is None


def test_parse_survey_designation_and_whole_file():
    neas = catalog.read_benner(LIST)
    assert len(neas) == 9726
    assert [x.rank for x in neas] == list(range(1, 9727))
    survey = next(x for x in neas if x.designation == "6743 P-L")
    assert survey.slug == "6743-P-L"


def test_bad_row_names_its_line():
    with pytest.raises(ValueError, match=r"<text>:5: not a row"):
        catalog.parse_benner(HEADER + ROWS["2011 CG2"] + "\nthis is not a row\n")


def test_diameter_from_h():
    # D = 1329 / sqrt(p) x 10^(-H/5) km
    assert catalog.diameter_km(15.0, 0.25) == pytest.approx(1329 / 0.5 * 1e-3)  # 2.658 km
    assert catalog.diameter_km(20.0, 0.05) == pytest.approx(1329 / math.sqrt(0.05) * 1e-4)
    # Itokawa: H 19.2 at the S-type albedo 0.25: 0.384 km (measured ~0.33 km: the x2 the
    # reference warns about); five magnitudes fainter is ten times smaller
    assert catalog.diameter_km(19.2, 0.25) == pytest.approx(0.3842, abs=1e-4)
    assert catalog.diameter_km(24.2, 0.25) == pytest.approx(catalog.diameter_km(19.2, 0.25) / 10)
    # darker (C-type) means bigger for the same H: sqrt(0.25/0.05) = 2.236 times
    assert catalog.diameter_km(19.2, 0.05) / catalog.diameter_km(19.2, 0.25) == pytest.approx(
        math.sqrt(5))
    with pytest.raises(ValueError):
        catalog.diameter_km(20, 0)


def test_filters_keep_bright_easy_ones_lowest_dv_first():
    neas = _parse(*ROWS)
    kept = catalog.select(neas, max_dv=6.0, max_h=22.0)
    # RH120 (H 29.5) is too faint, FG3/Eros/BT1 need too much delta-v
    assert [x.designation for x in kept] == ["2011 CG2", "1998 SF36", "1999 JU3"]
    assert [x.designation for x in catalog.select(neas, max_dv=4.64, max_h=None)] == [
        "2006 RH120", "2011 CG2", "1998 SF36"]
    assert [x.designation for x in catalog.select(neas, max_dv=None, max_h=12)] == ["1898 DQ"]
    assert len(catalog.select(neas, max_dv=6.0, max_h=22.0, limit=2)) == 2
    # the shipped instance's filter on the whole file
    assert len(catalog.select(catalog.read_benner(LIST), max_dv=6.0, max_h=24.0)) == 716


def test_type_rule():
    cg2, itokawa, ryugu, fg3, eros = _parse("2011 CG2", "1998 SF36", "1999 JU3", "1996 FG3",
                                            "1898 DQ")
    # known types from the reference win over the orbit rule
    assert catalog.classify(itokawa) == ("S", "metal", True)
    assert catalog.classify(ryugu) == ("C", "water", True)  # a = 1.19 AU would say metal
    assert catalog.classify(fg3) == ("C", "water", True)
    # unknown type: water (C) if a >= 1.5 AU, else metal (S)
    assert catalog.classify(cg2) == ("S", "metal", False)  # a = 1.177
    assert catalog.classify(eros) == ("S", "metal", False)  # a = 1.458 < 1.5
    assert catalog.classify(eros, Assumptions(water_min_a=1.4)) == ("C", "water", False)


def test_candidate_size_resource_and_delta_v():
    (cg2,) = _parse("2011 CG2")
    c = catalog.candidate(cg2, horizon_years=50, max_capacity=1000)
    d = 1329 / math.sqrt(0.25) * 10 ** (-21.5 / 5)  # metal: albedo 0.25
    assert c.diameter_km == pytest.approx(d)
    mass = 2.7 * math.pi / 6 * (d * 1000) ** 3  # t, density 2.7 t/m3
    assert c.mass_t == pytest.approx(mass)
    assert c.capacity == pytest.approx(min(1000, 0.15 * mass * 0.5 / 50))
    assert (c.dv_out, c.dv_back) == (4.117, pytest.approx(4.117 - 3.22))


def test_water_per_t_is_the_rocket_equation_in_water():
    a = Assumptions()
    r = math.exp(1500 / (450 * 9.80665))
    assert catalog.water_per_t(1.5, a) == pytest.approx(1.28 * (r - 1) * 1.1)
    r2 = math.exp(4000 / (450 * 9.80665))
    assert catalog.water_per_t(1.5, a, 4.0) == pytest.approx(
        1.28 * ((r - 1) * 1.1 + r * 0.1 * (r2 - 1)))


def test_generated_instance_validates_and_round_trips():
    neas = _parse(*ROWS)
    opts = NeaOptions(max_dv=6.0, max_h=22.0, stages=4, min_capacity=0)
    data, cands = catalog.build_instance(neas, opts)
    assert [c.nea.designation for c in cands] == ["2011 CG2", "1998 SF36", "1999 JU3"]
    text = catalog.dump_instance(data, "# header\n")
    assert yaml.safe_load(text) == data
    inst, _ = validate(yaml.safe_load(text))
    assert len(inst.facilities) == 3 and len(inst.routes) == 1 + 2 * 3
    mine = {f.name: f for f in inst.facilities}
    assert mine["mine-1999-JU3"].produces == {"water": 1.0}
    assert mine["mine-1998-SF36"].produces == {"metals": 1.0}
    # template figures are inlined from models/facilities.yaml
    tpl = yaml.safe_load((ROOT / "models" / "facilities.yaml").read_text())["facility_templates"]
    water_tpl = next(t for t in tpl if t["name"] == "asteroid-water-extractor")
    assert mine["mine-1999-JU3"].capex == water_tpl["capex"]
    assert all(f.available_from == "s2035" for f in inst.facilities)


def test_min_capacity_drops_small_mines():
    neas = _parse(*ROWS)
    small = catalog.candidate(neas[1], 50, 1000)  # 2011 CG2, H 21.5
    _, cands = catalog.build_instance(neas, NeaOptions(min_capacity=small.capacity + 1))
    assert "2011 CG2" not in [c.nea.designation for c in cands]


def test_cli_writes_the_command_at_the_top(tmp_path):
    out = tmp_path / "neas.yaml"
    res = CliRunner().invoke(app, ["catalog", "neas", str(LIST), "--max-dv", "4.2", "--max-h", "25",
                                   "--stages", "3", "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    # the editor's schema comment first (yaml-language-server reads it), then what made the file
    schema = (ROOT / "schemas" / "instance.schema.json").resolve()
    assert text.splitlines()[0] == ("# yaml-language-server: $schema="
                                    + Path(os.path.relpath(schema, tmp_path.resolve())).as_posix())
    assert text.splitlines()[1].startswith("# GENERATED by netopt/catalog.py")
    assert "--max-dv 4.2 --max-h 25" in text.splitlines()[2]
    inst = load(out)
    assert len(inst.horizon.stages) == 3
    expected = [x for x in catalog.read_benner(LIST) if x.dv <= 4.2 and x.h <= 25]
    assert 0 < len(inst.facilities) <= len(expected)


def test_cli_missing_file_is_an_input_error(tmp_path):
    res = CliRunner().invoke(app, ["catalog", "neas", str(tmp_path / "nope.txt"),
                                   "-o", str(tmp_path / "x.yaml")])
    assert res.exit_code == 1
