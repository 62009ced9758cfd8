"""Every shipped instance validates, solves within the time instances/README.md documents, and
gives a result a domain expert would call plausible.

Fast by default (validation of all, solves of the small ones); the roadmap and the 716-asteroid
instance are behind `-m slow`: `pytest -m slow tests/test_instances.py`.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

import netopt
from netopt.load import read_tree
from netopt.plan import load, validate

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"

# Documented in instances/README.md: the solve options and the time (s, compile + solve, 2 threads)
# each instance must solve within on this 2-core machine.
DOCUMENTED = {
    "tutorial.yaml": dict(seconds=10, gap=None, slow=False),
    "cislunar-ice.yaml": dict(seconds=30, gap=None, slow=False),
    "cislunar-ice-no-isru.yaml": dict(seconds=30, gap=None, slow=False),
    "roadmap-2100.yaml": dict(seconds=1800, gap=0.02, slow=True),  # yearly steps: BENCHMARKS.md
    "neas-700.yaml": dict(seconds=120, gap=0.01, slow=True),
}


def _files() -> list[str]:
    return sorted(p.name for p in INSTANCES.glob("*.yaml"))


def _raw(name: str) -> dict:
    data, _, problems = read_tree(INSTANCES / name)
    assert not problems
    return data


def _solve(inst, name: str):
    doc = DOCUMENTED[name]
    opts = netopt.SolveOptions(time_limit=doc["seconds"], gap=doc["gap"], threads=2)
    t0 = time.perf_counter()
    sol = netopt.solve(inst, opts)
    return sol, time.perf_counter() - t0


def _launch_mass(inst, sol, route: str = "launch") -> float:
    """Tonnes launched from Earth over the horizon (rate x years of each step)."""
    years = {(s["stage"], s["start_year"]): s["years"] for s in sol.steps}
    return sum(f["rate"] * years[(f["stage"], f["year"])] for f in sol.flows if f["route"] == route)


def _units(sol, name: str) -> int:
    return sum(sol.build_units(name).values())


def assert_builds_respect_windows(inst, sol) -> None:
    """Nothing is built before its available_from stage (or after its available_until)."""
    order = [s.name for s in inst.horizon.stages]
    elems = {e.name: e for e in [*inst.facilities, *inst.routes, *inst.vehicles]}
    for b in sol.builds:
        e, i = elems[b["name"]], order.index(b["stage"])
        if e.available_from:
            assert i >= order.index(e.available_from), b
        if e.available_until:
            assert i <= order.index(e.available_until), b


def test_every_instance_is_documented():
    assert _files() == sorted(DOCUMENTED)
    readme = (INSTANCES / "README.md").read_text()
    for name in DOCUMENTED:
        assert f"`{name}`" in readme, f"{name} missing from instances/README.md"


@pytest.mark.parametrize("name", _files())
def test_validates(name):
    inst = load(INSTANCES / name)
    assert inst.facilities and inst.routes and inst.demands


@pytest.mark.parametrize("name", [
    n if not DOCUMENTED[n]["slow"] else pytest.param(n, marks=pytest.mark.slow) for n in DOCUMENTED])
def test_solves_within_documented_time(name):
    inst = load(INSTANCES / name)
    sol, seconds = _solve(inst, name)
    doc = DOCUMENTED[name]
    assert sol.status.value == "optimal", (sol.status, sol.message)
    assert sol.gap is not None and sol.gap <= (doc["gap"] or 1e-4) + 1e-9
    assert seconds <= doc["seconds"] + 30  # the solver's own limit, plus compile and slack
    assert_builds_respect_windows(inst, sol)


# ---- tutorial: the hand derivation at the top of instances/tutorial.yaml ----------------------

def test_tutorial_hand_derived_optimum():
    inst = load(INSTANCES / "tutorial.yaml")
    sol = netopt.solve(inst)
    assert sol.status.value == "optimal"
    assert sol.objective == pytest.approx(3400.0, abs=1e-3)
    assert sol.build_units("lunar-plant") == {"s2030": 1, "s2040": 1}
    assert sol.flow("tanker", "propellant", "s2030") == pytest.approx(50)
    assert sol.flow("tanker", "propellant", "s2040") == pytest.approx(300)
    assert sol.flow("launch", "propellant", "s2040") == pytest.approx(0, abs=1e-6)
    # the cost split of the derivation: capex 2,000, opex 300, hardware 400 + tanker 700
    assert sol.cost_total("capex") == pytest.approx(2000)
    assert sol.cost_total("opex") == pytest.approx(300)
    assert sol.cost_total("transport") == pytest.approx(1100)


def test_tutorial_one_plant_covers_only_the_first_stage():
    """Doubling the early demand beyond one plant's 214.98 t/yr forces both plants in s2030."""
    data = _raw("tutorial.yaml")
    data["demands"][0]["amount"] = {"s2030": 250, "s2040": 300}
    sol = netopt.solve(validate(data)[0])
    assert sol.build_units("lunar-plant") == {"s2030": 2}


# ---- cislunar-ice and its no-ISRU twin --------------------------------------------------------

LUNAR = {"nodes": {"moon"}, "facilities": {"moon-ice-mine", "moon-electrolysis"},
         "routes": {"leo-moon", "moon-eml1", "moon-leo", "eml1-moon-lander", "leo-moon-lander"},
         "vehicles": {"lander"}}


def test_twin_differs_only_in_the_lunar_parts():
    base, twin = _raw("cislunar-ice.yaml"), _raw("cislunar-ice-no-isru.yaml")
    for key in set(base) | set(twin):
        if key in ("name", "description"):
            continue
        if key in LUNAR:
            kept = [x for x in base[key] if x["name"] not in LUNAR[key]]
            assert kept == twin.get(key, []), key
        else:
            assert base[key] == twin[key], key


@pytest.fixture(scope="module")
def cislunar():
    out = {}
    for name in ("cislunar-ice.yaml", "cislunar-ice-no-isru.yaml"):
        inst = load(INSTANCES / name)
        out[name] = (inst, netopt.solve(inst))
    return out


def test_lunar_isru_is_chosen_and_cuts_earth_launch_mass_and_cost(cislunar):
    inst, sol = cislunar["cislunar-ice.yaml"]
    twin_inst, twin = cislunar["cislunar-ice-no-isru.yaml"]
    assert _units(sol, "moon-ice-mine") >= 2 and _units(sol, "moon-electrolysis") >= 2
    # the same depot demand is met in both
    assert [d.model_dump() for d in inst.demands] == [d.model_dump() for d in twin_inst.demands]
    launched, launched_twin = _launch_mass(inst, sol), _launch_mass(twin_inst, twin)
    assert launched < 0.1 * launched_twin  # lunar ISRU cuts Earth launch mass by > 90 %
    # costs, without the LEO market revenue that only the lunar case earns
    cost = sol.objective - sol.cost_total("revenue")
    assert cost < 0.5 * twin.objective
    assert twin.cost_total("revenue") == 0


def test_cheaper_launch_builds_fewer_isru_plants(cislunar):
    _, sol = cislunar["cislunar-ice.yaml"]
    data = _raw("cislunar-ice.yaml")
    launch = next(r for r in data["routes"] if r["name"] == "launch")
    launch["cost_per_t"] = 0.3  # Starship-class instead of Falcon 9 / Falcon Heavy
    cheap = netopt.solve(validate(data)[0])
    assert cheap.status.value == "optimal"
    assert _units(cheap, "moon-ice-mine") < _units(sol, "moon-ice-mine")
    assert _units(cheap, "moon-electrolysis") < _units(sol, "moon-electrolysis")


def test_cislunar_builds_respect_windows_and_demand_start(cislunar):
    for inst, sol in cislunar.values():
        assert_builds_respect_windows(inst, sol)
        # a plant built before the first demand (2035) is not idle: it runs before 2035 (since
        # vehicles and hardware may wait, the optimum stockpiles lunar propellant at the EML1
        # depot over 2031-34 for the demand of 2035)
        early = {b["name"] for b in sol.builds if b["stage"] == "s2030" and b["type"] == "facility"}
        ran = {a["facility"] for a in sol.activities if a["year"] < 2035 and a["rate"] > 1e-6}
        assert early <= ran


# ---- roadmap-2100 -----------------------------------------------------------------------------

ISRU_BODY = {"moon": "Moon", "ryugu": "NEA", "bennu": "NEA", "ev5": "NEA", "itokawa": "NEA",
             "da86": "NEA", "mars": "Mars", "phobos": "Phobos", "deimos": "Deimos",
             "ceres": "Ceres", "vesta": "Vesta", "callisto": "Callisto", "ganymede": "Ganymede",
             "europa": "Europa"}


@pytest.fixture(scope="module")
def roadmap():
    inst = load(INSTANCES / "roadmap-2100.yaml")
    sol, _ = _solve(inst, "roadmap-2100.yaml")
    return inst, sol


@pytest.mark.slow
def test_roadmap_builds_outward_from_the_moon(roadmap):
    inst, sol = roadmap
    assert sol.status.value == "optimal" and sol.gap <= DOCUMENTED["roadmap-2100.yaml"]["gap"]
    assert_builds_respect_windows(inst, sol)
    order = [s.name for s in inst.horizon.stages]
    node = {f.name: f.node for f in inst.facilities}
    isru = [b for b in sol.builds if b["type"] == "facility" and node[b["name"]] in ISRU_BODY]
    first = min(order.index(b["stage"]) for b in isru)
    assert {ISRU_BODY[node[b["name"]]] for b in isru if order.index(b["stage"]) == first} == {"Moon"}
    # ISRU spreads beyond cislunar space: at least Mars-system, main-belt and Jupiter-system sites
    # (NEAs are no longer required: with their launch windows a plant's hardware can land in a
    # build year only for Ryugu in 2070 and Bennu in 2080, and since the tankers are vehicles each
    # empty return out of LEO burns propellant that must be in LEO first; instances/README.md)
    bodies = {ISRU_BODY[node[b["name"]]] for b in isru}
    assert bodies & {"Mars", "Phobos", "Deimos"} and bodies & {"Ceres", "Vesta"}
    assert bodies & {"Callisto", "Ganymede", "Europa"}
    # the lunar tankers are a fleet, flown from the first lunar stage on
    assert sol.by_stage().online_units("moon-tanker").get(order[first], 0) >= 1


@pytest.mark.slow
def test_roadmap_no_plant_produces_before_its_hardware_can_have_arrived(roadmap):
    from netopt.testing import hardware_arrival_problems

    inst, sol = roadmap
    assert inst.horizon.resolution == "year"
    assert hardware_arrival_problems(inst, sol) == []


@pytest.mark.slow
def test_roadmap_earth_launch_is_a_minor_source_by_2090(roadmap):
    inst, sol = roadmap
    demanded = sum(d.amount.get("s2090", 0) for d in inst.demands if isinstance(d.amount, dict))
    launched = sum(f["rate"] for f in sol.by_stage().flows  # mean t/yr over the stage
                   if f["route"] == "launch" and f["stage"] == "s2090")
    assert launched < 0.5 * demanded


def test_roadmap_leo_to_jupiter_is_beyond_one_stage():
    # models/routes.yaml's leo-sjl1: 11.93 km/s x 1.05 reserve = 12.53 km/s at Isp 450 s with tanks
    # of 0.107 t/t; one stage flies at most 4.41299 km/s x ln(1 + 1/0.107) = 10.31 km/s.
    from netopt.errors import InputError

    data = _raw("roadmap-2100.yaml")
    data["routes"] = [*data["routes"], {"name": "leo-sjl1", "template": "leo-sjl1"}]
    with pytest.raises(InputError) as e:
        validate(data)
    assert [p.message for p in e.value.problems] == [
        "route 'leo-sjl1' cannot be flown by one stage: 12.53 km/s (with its 5% reserve) at Isp "
        "450 s with tank_mass_ratio 0.107; the largest delta-v it allows is Isp g0 ln(1 + 1/s) "
        "= 10.31 km/s"]


# ---- neas-700 ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def neas():
    inst = load(INSTANCES / "neas-700.yaml")
    sol, _ = _solve(inst, "neas-700.yaml")
    return inst, sol


@pytest.mark.slow
def test_neas_the_bigger_asteroids_are_mined(neas):
    inst, sol = neas
    assert sol.status.value == "optimal" and sol.gap <= DOCUMENTED["roadmap-2100.yaml"]["gap"]
    assert_builds_respect_windows(inst, sol)
    built = {b["name"] for b in sol.builds if b["name"].startswith("mine-")}
    water = [f for f in inst.facilities if "water" in f.produces]
    assert 50 <= len(built) <= 400
    # the mined ones are the bigger and the easier to reach (less propellant per t carried out)
    fuel = {r.name: r.propellant_per_t["water"] for r in inst.routes if r.name.startswith("to-")}

    def mean(key, chosen):
        return statistics.mean(key(f) for f in water if (f.name in built) == chosen)

    assert mean(lambda f: f.capacity, True) > mean(lambda f: f.capacity, False)
    assert mean(lambda f: fuel["to-" + f.name[5:]], True) < mean(
        lambda f: fuel["to-" + f.name[5:]], False)


@pytest.mark.slow
def test_neas_a_higher_water_price_mines_more_asteroids(neas):
    inst, sol = neas
    data = _raw("neas-700.yaml")
    market = next(d for d in data["demands"] if d["name"] == "leo-water-market")
    market["price_per_t"] = market["price_per_t"] * 1.5
    richer = netopt.solve(validate(data)[0], netopt.SolveOptions(time_limit=180, gap=0.01,
                                                                 threads=2))

    def mines(s):
        return {b["name"] for b in s.builds if b["name"].startswith("mine-")}

    assert len(mines(richer)) > len(mines(sol))
