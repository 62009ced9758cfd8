"""The solution.json format: Pydantic models of every row, and its published JSON Schema.

`netopt schema --solution` prints `solution_json_schema()`; a copy of each published version lives in
`schemas/solution-v{N}.schema.json` (a test keeps the current one equal to the models).
`Solution.read` validates a file against these models before loading it.

Versions:
  1  tables builds ... costs, stages, status, objective, units, solver, timings.
  2  adds `network` (nodes, facilities, routes, required demands of the instance), so a solution
     file alone can be drawn as a graph. Version-1 files still load (with an empty network).
     Cost categories may be named by an `extra` function besides the built-in ones (a widening:
     every earlier version-2 file stays valid).
  3  adds `provenance` (netopt version, input files with sha256, scenarios, --set overrides,
     solver options and versions, start and end time, host CPUs), and the economic assumptions to
     `network` (prices and costs of facilities, routes, supplies, markets; discount rate;
     budgets). Older files load without them.
  4  operating steps (issue 12): `steps`; every per-step row carries `year` (the step's start
     year) beside its `stage`; online rows carry `operating` (units operating, by share of the
     step) and capacity is theirs; new tables `stocks` and `arrivals`; cost categories `annuity`
     and `end_value`; network routes carry their transit time and launch window. Older files
     load as one step per stage.
  5  adds `stochastic` (null unless the instance has an uncertainty tree): the tree, the
     here-and-now builds, each leaf's objective, builds and costs, the expected cost and its
     spread, EVPI and VSS, a progressive hedging run (solvers.md, "Planning under
     uncertainty"). Older files load with `stochastic: null`.
  6  vehicles (issue 13): tables `trips`, `fleet` and `parked` (per step, with `year`; fleet
     rows carry `operating`), `type: vehicle` in builds and online, objective_kind `launch_mass`. Older
     files load without them.
  7  each leaf of `stochastic.leaves` carries all its tables (online, activities, flows,
     propellant, supplies, sales, shortfalls, stocks, arrivals, trips, fleet, parked) beside its
     builds and costs, so the leaves can be exported as well as the expectation; fleet has a row
     for every step a vehicle exists in, idle ones too. Older files load with leaves holding
     builds and costs only.
  8  vehicles as flows (issue 22): table `disposals` (vehicles with returns: false left at a node
     in a step) and trips' `tank_cargo` (propellant carried in the tank). Older files load with
     none.

A new version: bump status.SCHEMA_VERSION and, when older files need filling in, add a step to
UPGRADES; `netopt schema --solution > schemas/solution-v{N}.schema.json` publishes it.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .parse import MAX_BYTES as PARSE_MAX_BYTES
from .parse import read_bounded
from .status import SCHEMA_VERSION

SCHEMA_ID = f"urn:netopt:solution:v{SCHEMA_VERSION}"
# As every file netopt reads (README, "Hostile input"): 20 MB. The shipped instances' solutions
# are far below it (the roadmap's at stage grain: 0.1 MB)
MAX_BYTES = PARSE_MAX_BYTES
# Any one text in a file (a name, a message, a provenance entry): a message explaining an
# infeasible plan runs to a few kB
MAX_STRING = 100_000

Rate = Annotated[float, Field(ge=0)]
Money = float
Units = Annotated[int, Field(ge=0)]
# names that become parts of file names (network-STAGE.graphml): the instance's own pattern
FileName = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")]


class Row(BaseModel):
    # as strict as the instance format: numbers finite and not booleans, strings not numbers
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, populate_by_name=True,
                              strict=True, allow_inf_nan=False, str_max_length=MAX_STRING)


class StageRow(Row):
    name: FileName
    """Stage name."""
    start_year: int
    """Calendar year the stage starts."""
    years: int = Field(ge=1)
    """Length in years; every annual rate is constant within the stage."""
    capex_factor: float
    """Discount factor D_t of capex paid at the start of the stage."""
    annual_factor: float
    """Discount factor A_t of a constant annual amount over the stage."""


class StepRow(Row):
    name: str
    """Step name: the stage's (resolution: stage), its start year (resolution: year) or its own
    (a stage's explicit steps: the name given, or stage.N)."""
    stage: str
    """Stage the step belongs to."""
    start_year: int | float
    """Start of the step (a_s) as a calendar year: whole at stage and year grain, fractional for
    steps inside a year (2031.0082 is 3 days into 2031)."""
    years: int | float = Field(gt=0)
    """Length in years (l_s); every annual rate is constant within the step."""
    annual_factor: float
    """Discount factor A_s of a constant annual amount over the step."""
    start_date: str | None = None
    """Calendar date of the step's start, YYYY-MM-DD (a_s counted in days of 365.25 from 1
    January of its year, rounded to the day; none in files older than version 7)."""
    days: float | None = Field(default=None, gt=0)
    """Length in days (l_s x 365.25; none in files older than version 7)."""


class BuildRow(Row):
    name: str
    """Facility or route name."""
    type: Literal["facility", "route", "vehicle"]
    """facility | route | vehicle."""
    node: str
    """Facility node, or 'from->to' for a route."""
    stage: str
    """Build stage."""
    units: int = Field(ge=1)
    """Units built in the stage."""


class OnlineRow(Row):
    name: str
    """Facility or route name."""
    type: Literal["facility", "route", "vehicle"]
    """facility | route | vehicle."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    units: Units
    """Units that exist at some time in the step (built in this or earlier stages, not yet
    retired)."""
    operating: Rate
    """Units operating, by share of the step (commissioning and retirement inside the step
    count for the part of the step they cover)."""
    capacity: Rate | None
    """Operating capacity, t/yr (capacity x operating; null: unbounded route)."""


class ActivityRow(Row):
    facility: str
    """Facility name."""
    node: str
    """Facility node."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    rate: Rate
    """Activity, t/yr (a mine: t extracted; a processor: t processed; a depot: t handled)."""


class FlowRow(Row):
    route: str
    """Route name."""
    from_: str = Field(alias="from")
    """Origin node."""
    to: str
    """Destination node."""
    commodity: str
    """Commodity carried."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    rate: Rate
    """Payload departing, t/yr."""
    arrivals: Rate
    """Payload that arrives eventually, per year of departure (rate x (1 - loss); with transit
    or windows it arrives in later steps: see `arrivals`)."""


class PropellantRow(Row):
    route: str
    """Route whose vehicles burn the propellant."""
    node: str
    """Node where the propellant is drawn (the route's origin)."""
    commodity: str
    """Propellant commodity."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    rate: Rate
    """Propellant burnt, t/yr."""


class TripRow(Row):
    route: str
    """Route flown by a vehicle."""
    vehicle: str
    """Vehicle flying it."""
    from_: str = Field(alias="from")
    """Origin node."""
    to: str
    """Destination node."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    trips: float = Field(ge=0)
    """Trips per year."""
    payload: Rate
    """Payload carried, t/yr (0: empty legs, e.g. returns)."""
    propellant: Rate
    """Propellant burnt, t/yr (for the payload and the vehicle's dry mass)."""
    tank_cargo: Rate = 0.0
    """Propellant carried as cargo in the vehicle's tank, t/yr (part of payload; 0 in files
    older than version 8)."""


class FleetRow(Row):
    vehicle: str
    """Reusable vehicle."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    online: int = Field(ge=0)
    """Vehicles that exist at some time in the step (a row for every step any exists, used or
    idle)."""
    operating: float = Field(ge=0)
    """Vehicles operating, by share of the step (lifetime and commissioning): at most online."""
    vehicle_years: float = Field(ge=0)
    """Vehicle-years used per year: trips x (transit + turnaround), and vehicles waiting away
    from base (the mean of the step's start and end): at most operating."""
    utilisation: float = Field(ge=0)
    """vehicle_years / operating (0 when none operates)."""


class ParkedRow(Row):
    vehicle: str
    """Reusable vehicle."""
    node: str
    """Node other than the vehicle's base where it waits."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    vehicles: float = Field(ge=0)
    """Vehicles waiting there at the end of the step."""


class DisposalRow(Row):
    vehicle: str
    """Reusable vehicle with returns: false."""
    node: str
    """Node other than the vehicle's base where it is left."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    vehicles: float = Field(ge=0)
    """Vehicles left there for good in the step."""


class SupplyRow(Row):
    supply: str
    """Supply label (its name, or node/commodity)."""
    node: str
    """Node."""
    commodity: str
    """Commodity bought."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    rate: Rate
    """Tonnes bought per year."""


class SaleRow(Row):
    demand: str
    """Market label (its name, or node/commodity)."""
    node: str
    """Node."""
    commodity: str
    """Commodity sold."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    rate: Rate
    """Tonnes sold per year."""


class ShortfallRow(Row):
    demand: str
    """Required demand label (its name, or node/commodity)."""
    node: str
    """Node."""
    commodity: str
    """Commodity."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    rate: Rate
    """Tonnes per year not delivered (paid at the shortfall penalty)."""


class CostRow(Row):
    category: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")]
    """Cost category: capex, annuity, opex, variable, transport, supply, shortfall, revenue
    (negative), end_value (negative), or one an `extra` function of the solve named
    (docs/extending.md)."""
    stage: str
    """Stage."""
    year: int | float
    """Start of the step as a calendar year (the stage's start year with resolution: stage;
    fractional for steps inside a year, as steps.start_year)."""
    amount: Money
    """Undiscounted: capex spent in the stage, the end-of-horizon credit, or the annual amount x
    the step's years."""
    discounted: Money
    """Discounted to the first stage's start year; the column sums to the cost objective."""


class StockRow(Row):
    facility: str | None = None
    """Storage facility holding the stock (none: hardware waiting at its node for a build,
    solvers.md "Hardware")."""
    node: str
    """Its node."""
    commodity: str
    """Commodity held."""
    stage: str
    """Stage."""
    year: int | float
    """Start year of the step."""
    tonnes: Rate
    """Tonnes held at the end of the step."""


class ArrivalRow(Row):
    route: str
    """Route."""
    to: str
    """Destination node."""
    commodity: str
    """Commodity."""
    stage: str
    """Stage of the step the cargo arrives in."""
    year: int | float
    """Start year of the step the cargo arrives in."""
    rate: Rate
    """Payload arriving in the step (after loss), t/yr."""


class NetNode(Row):
    name: str
    """Node name."""
    kind: str = "other"
    """surface | orbit | lagrange | other."""
    body: str | None = None
    """Body the node is on or orbits."""
    bodies: list[str] | None = None
    """For Lagrange points: the two bodies."""
    point: str | None = None
    """For Lagrange points: L1..L5."""
    requires_depot: list[str] = []
    """Commodities that arrive here only through a depot."""


class NetFacility(Row):
    name: str
    """Facility name."""
    kind: str = "other"
    """mine | processor | depot | other."""
    node: str
    """Node."""
    capacity: Rate
    """t/yr of activity per unit."""
    max_units: int = 1
    """Most units online at once."""
    produces: dict[str, float] = {}
    """Tonnes of each commodity produced per tonne of activity."""
    consumes: dict[str, float] = {}
    """Tonnes of each commodity consumed per tonne of activity."""
    capex: Money = 0.0
    """Money per unit built (undiscounted, in the build stage)."""
    opex: Money = 0.0
    """Money per year per unit online."""
    variable_cost: Money = 0.0
    """Money per tonne of activity."""


# a price as the instance gives it: one number for every stage, or {stage: price}
StagePrice = Money | dict[str, Money]


class NetRoute(Row):
    name: str
    """Route name."""
    from_: str = Field(alias="from")
    """Origin node."""
    to: str
    """Destination node."""
    buildable: bool = False
    """True if the route has capex (built units carry its capacity)."""
    capacity: Rate | None = None
    """t/yr of payload (per unit if buildable); null: unbounded."""
    delta_v_km_s: Rate | None = None
    """One-way delta-v, km/s, if given."""
    loss: float = 0.0
    """Fraction of payload lost in transit."""
    transit_years: float = 0.0
    """Time of flight, years."""
    window_every_years: float | None = None
    """Launch window period, years (null: departures any time)."""
    window_first: float | None = None
    """Date of one launch window (fractional year)."""
    cost_per_t: StagePrice = 0.0
    """Money per tonne of payload departing (a number, or {stage: price})."""
    capex: Money | None = None
    """Money per unit built; null: not buildable."""
    opex: Money = 0.0
    """Money per year per unit online."""


class NetSupply(Row):
    supply: str
    """Supply label (as in the supplies table)."""
    node: str
    """Node."""
    commodity: str
    """Commodity."""
    price_per_t: StagePrice = 0.0
    """Money per tonne (a number, or {stage: price})."""
    max_per_year: Rate | dict[str, Rate] | None = None
    """Most t/yr (a number, or {stage: limit}); null: unbounded."""


class NetDemand(Row):
    demand: str
    """Demand label (as in sales / shortfalls)."""
    kind: Literal["required", "market"]
    """required | market."""
    node: str
    """Node."""
    commodity: str
    """Commodity."""
    stage: str
    """Stage."""
    amount: Rate
    """Tonnes per year demanded (a market: most that can be sold)."""
    price_per_t: Money | None = None
    """A market's price in the stage, money per tonne."""
    shortfall_penalty_per_t: Money | None = None
    """A required demand's penalty per tonne not delivered; null: hard."""


class Network(Row):
    """The instance's network, enough to draw the solution without the YAML file."""

    nodes: list[NetNode] = []
    facilities: list[NetFacility] = []
    routes: list[NetRoute] = []
    demands: list[NetDemand] = []
    """Demand amounts by stage (only stages with a positive amount)."""
    supplies: list[NetSupply] = []
    """Where commodities can be bought, at what price."""
    discount_rate: float | None = None
    """Discount rate per year (null in files older than version 3)."""
    budgets: dict[str, Money] = {}
    """Most capex (undiscounted) per stage."""


class InputFile(Row):
    path: str
    """The file as it was named when read (relative to the working directory, or absolute)."""
    sha256: str
    """SHA-256 of its bytes."""


class Provenance(Row):
    """Where the solution came from: enough to tell two runs apart and to repeat one."""

    netopt: str
    """netopt's version."""
    git: str | None = None
    """`git describe --tags --always --dirty` of netopt's source tree, when run from a checkout."""
    inputs: list[InputFile] = []
    """Every file read: the instance, its includes, scenario files and their bases."""
    scenarios: list[str] = []
    """Scenario files applied on top of the instance (--scenario), in order."""
    sets: list[str] = []
    """Overrides PATH=VALUE applied last (--set), in order."""
    options: dict[str, Any] = {}
    """Solve options: time_limit, gap, threads, seed, elastic, cuts, online, solver_options."""
    solver: str = ""
    """Solver name."""
    solver_version: str = ""
    """Solver version as the solver reports it."""
    highs_version: str | None = None
    """Version of the highspy package installed."""
    python: str = ""
    """Python version."""
    started: str
    """When the run started, UTC, ISO 8601."""
    finished: str
    """When the solve finished, UTC, ISO 8601."""
    host_cpus: int | None = None
    """CPU count of the machine that solved."""

    @field_validator("options")
    @classmethod
    def _texts_bounded(cls, v: dict[str, Any]) -> dict[str, Any]:
        """The options' values are free JSON: their texts are bounded as every other text."""
        todo: list[Any] = [v]
        while todo:
            x = todo.pop()
            if isinstance(x, str) and len(x) > MAX_STRING:
                raise ValueError(f"a text of {len(x):,} characters, more than {MAX_STRING:,}")
            if isinstance(x, dict):
                todo += [*x.keys(), *x.values()]
            elif isinstance(x, list):
                todo += x
        return v


class TreeBranch(Row):
    name: str
    """Branch name."""
    probability: Annotated[float, Field(gt=0, le=1)]
    """Probability of the outcome."""


class TreeBranching(Row):
    name: str
    """Branching name."""
    stage: str
    """Stage at whose start the outcome is known."""
    branches: list[TreeBranch]
    """The outcomes."""


class TreeInfo(Row):
    kind: Literal["branchings", "sampled"]
    """branchings (written in the instance) | sampled (drawn from distributions)."""
    branchings: list[TreeBranching]
    """The branchings in the order they multiply into leaves."""
    root_stages: list[str]
    """Stages before any outcome is known: their builds are the here-and-now decisions."""


class LeafRow(Row):
    name: str
    """Leaf name: its branches joined by '/'."""
    probability: Annotated[float, Field(gt=0, le=1)]
    """Product of its branches' probabilities."""
    branches: dict[str, str]
    """Branch of each branching."""
    objective: float | None = None
    """The leaf's own objective z_l in the stochastic solution."""
    builds: list[BuildRow] = []
    """The leaf's build-out (shared with the leaves of the same tree node)."""
    costs: list[CostRow] = []
    """The leaf's costs."""
    # version 7: the leaf's other tables, as the top-level ones (which hold their
    # probability-weighted expectation)
    online: list[OnlineRow] = []
    """The leaf's units online."""
    activities: list[ActivityRow] = []
    """The leaf's facility activity."""
    flows: list[FlowRow] = []
    """The leaf's flows."""
    propellant: list[PropellantRow] = []
    """The leaf's propellant burnt."""
    supplies: list[SupplyRow] = []
    """The leaf's purchases."""
    sales: list[SaleRow] = []
    """The leaf's market sales."""
    shortfalls: list[ShortfallRow] = []
    """The leaf's required demand not delivered."""
    stocks: list[StockRow] = []
    """The leaf's stocks."""
    arrivals: list[ArrivalRow] = []
    """The leaf's arrivals."""
    trips: list[TripRow] = []
    """The leaf's vehicle trips."""
    fleet: list[FleetRow] = []
    """The leaf's fleets."""
    parked: list[ParkedRow] = []
    """The leaf's vehicles waiting away from base."""


class Spread(Row):
    min: float
    """Cheapest leaf's cost."""
    max: float
    """Dearest leaf's cost."""
    std: Annotated[float, Field(ge=0)]
    """Probability-weighted standard deviation of the leaves' costs."""


class Decomposition(Row):
    method: Literal["ph"]
    """ph: progressive hedging (mpi-sppy)."""
    ranks: int
    """MPI ranks (1: serial)."""
    objective: float | None = None
    """Expected cost of the plan PH converged to (its inner bound)."""
    bound: float | None = None
    """PH's outer (lower) bound on the expected cost."""
    iterations: int | None = None
    """PH iterations run."""
    extensive_form: float | None = None
    """The extensive form's objective, when it was solved too."""
    note: str | None = None
    """Whether PH and the extensive form agree, or why one is missing."""


class Stochastic(Row):
    """Planning under uncertainty (solvers.md): the tree, the hedged plan and its figures."""

    tree: TreeInfo
    here_and_now: list[BuildRow] = []
    """Builds in the root stages, shared by every leaf."""
    leaves: list[LeafRow] = []
    expected_cost: float | None = None
    """SP: the expected cost of the stochastic solution."""
    spread: Spread | None = None
    """Of the leaves' costs."""
    wait_and_see: float | None = None
    """WS: expected cost if each leaf were known from the start."""
    evpi: float | None = None
    """SP - WS: the expected value of perfect information."""
    leaf_alone: list[float | None] = []
    """Each leaf's optimum on its own (its WS part), in leaf order."""
    mean_value: float | None = None
    """EV: the optimum of the mean-value instance."""
    eev: float | None = None
    """Expected cost with the here-and-now builds fixed to EV's."""
    eev_status: str | None = None
    """Status of the EEV solve (infeasible: the mean-value plan fits no leaf plan)."""
    vss: float | None = None
    """EEV - SP: the value of the stochastic solution."""
    note: str | None = None
    """How far the figures can be trusted (the extensive form stopped at a gap)."""
    decomposition: Decomposition | None = None
    """A decomposed solve (mpi-sppy), when asked for."""


# the tables whose rows are per operating step: `stage` and `year` (the step's start)
STEP_TABLES = ("online", "activities", "flows", "propellant", "supplies", "sales", "shortfalls",
               "costs", "stocks", "arrivals", "trips", "fleet", "parked")


class SolutionDocument(BaseModel):
    """A netopt solution (solution.json)."""

    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, title="netopt solution",
        strict=True, allow_inf_nan=False, str_max_length=MAX_STRING,
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema",
                           "$id": SCHEMA_ID})

    schema_version: Literal[SCHEMA_VERSION]  # type: ignore[valid-type]  # the one number
    """Version of this format; bumped when a field changes meaning or is removed."""
    instance: FileName
    """Instance name."""
    status: Literal["optimal", "feasible", "infeasible", "unbounded", "no_solution"]
    """optimal (proven within the gap) | feasible (a solution, not proven) | infeasible |
    unbounded | no_solution (a limit stopped the solver first). Tables are empty without a
    solution."""
    objective: float | None = None
    """Objective value: discounted cost (money), tonnes supplied or tonnes launched from Earth's
    surface (objective_kind)."""
    bound: float | None = None
    """Best bound on the objective the solver proved."""
    gap: float | None = None
    """Relative gap |objective - bound| / |objective|."""
    objective_kind: Literal["cost", "supply_mass", "launch_mass"] = "cost"
    """cost | supply_mass | launch_mass."""
    units: dict[str, str] = {}
    """Units of money and mass, e.g. {money: MUSD, mass: t}."""
    message: str | None = None
    """Why the solver stopped, when it is not obvious."""
    solver: dict[str, str] = {}
    """Solver name and version."""
    stages: list[StageRow] = []
    steps: list[StepRow] = []
    """Operating steps (one per stage with resolution: stage, one per year with year)."""
    builds: list[BuildRow] = []
    """Units built, one row per element and build stage (only non-zero)."""
    online: list[OnlineRow] = []
    """Units online and their capacity, per element and stage."""
    activities: list[ActivityRow] = []
    """Facility activity per stage."""
    flows: list[FlowRow] = []
    """Payload per route, commodity and stage."""
    propellant: list[PropellantRow] = []
    """Propellant burnt per route, commodity and stage."""
    supplies: list[SupplyRow] = []
    """Purchases per supply and stage."""
    sales: list[SaleRow] = []
    """Market sales per stage."""
    shortfalls: list[ShortfallRow] = []
    """Required demand not delivered, per stage."""
    costs: list[CostRow] = []
    """Cost per category and step."""
    stocks: list[StockRow] = []
    """Stock held at the end of each step, per storage facility and commodity."""
    arrivals: list[ArrivalRow] = []
    """Payload arriving per route, commodity and step (in the step it arrives)."""
    trips: list[TripRow] = []
    """Vehicle trips per route and step."""
    fleet: list[FleetRow] = []
    """Reusable vehicles online and used, per vehicle and step."""
    parked: list[ParkedRow] = []
    disposals: list[DisposalRow] = []
    """Reusable vehicles waiting away from their base at the end of each step, per node."""
    network: Network = Network()
    """The instance's nodes, facilities, routes and demands."""
    provenance: Provenance | None = None
    """Where the solution came from (none in files older than version 3)."""
    stochastic: Stochastic | None = None
    """With an uncertainty tree: the tree, each leaf's plan, expected cost, EVPI and VSS (none in
    files older than version 4)."""
    timings: dict[str, float] = {}
    """Seconds per phase: read, validate, compile, handover, solve, extract, write."""

    @model_validator(mode="after")
    def _stages_named(self) -> SolutionDocument:
        """Every row's stage is one of `stages`, each named once (readers index by them)."""
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stages: a stage is named twice ({', '.join(names)})")
        known = set(names)
        for table in ("steps", "builds", *STEP_TABLES):
            for i, row in enumerate(getattr(self, table)):
                if row.stage not in known:
                    raise ValueError(f"{table}.{i}.stage: '{row.stage}' is not one of stages "
                                     f"({', '.join(names) or 'none'})")
        # a per-step row's year is the start of one of its stage's steps (readers index by both)
        steps = {(s.stage, s.start_year) for s in self.steps}
        for table in STEP_TABLES if steps else ():
            for i, row in enumerate(getattr(self, table)):
                if (row.stage, row.year) not in steps:
                    starts = sorted(y for t, y in steps if t == row.stage)
                    raise ValueError(f"{table}.{i}.year: {row.year} is not the start of a step "
                                     f"of stage '{row.stage}' ({', '.join(map(str, starts))})")
        for i, d in enumerate(self.network.demands):
            if d.stage not in known:
                raise ValueError(f"network.demands.{i}.stage: '{d.stage}' is not one of stages "
                                 f"({', '.join(names) or 'none'})")
        return self


class SolutionFileError(ValueError):
    """A solution.json that does not match the schema; `problems` lists 'path: message' lines."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{source}: not a netopt solution (schema v{SCHEMA_VERSION}):\n  "
                         + "\n  ".join(problems))


def read_document(path: str | Path) -> Any:
    """A solution.json file's parsed JSON: only a regular file, at most MAX_BYTES; raises
    OSError (parse.NotReadable) if it cannot be read, SolutionFileError if it is not JSON."""
    raw = read_bounded(path, MAX_BYTES)
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as e:
        raise SolutionFileError(str(path), [f"not UTF-8 text (byte {e.start})"]) from None
    except json.JSONDecodeError as e:
        raise SolutionFileError(str(path), [f"line {e.lineno} column {e.colno}: not JSON: "
                                            f"{e.msg}"]) from None
    except (ValueError, RecursionError) as e:  # 4300+ digits; arrays nested 100,000 deep
        why = "values nested too deeply" if isinstance(e, RecursionError) else str(e)
        raise SolutionFileError(str(path), [f"not JSON netopt reads: {why}"]) from None


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


PER_STEP = ("online", "activities", "flows", "propellant", "supplies", "sales", "shortfalls",
            "costs")


def _one_step_per_stage(data: dict[str, Any]) -> dict[str, Any]:
    """Version 3 -> 4: each stage one step starting in the stage's start year; every unit
    operates the whole step (no year, operating units, stocks or arrivals before)."""
    stages = [s for s in data.get("stages") or [] if isinstance(s, dict)]
    start = {s.get("name"): s.get("start_year") for s in stages}
    data = {**data, "steps": [{"name": s.get("name"), "stage": s.get("name"),
                               "start_year": s.get("start_year"), "years": s.get("years"),
                               "annual_factor": s.get("annual_factor")} for s in stages]}
    for table in PER_STEP:
        rows = data.get(table)
        if isinstance(rows, list):
            data[table] = [{**r, "year": start.get(r.get("stage"))} if isinstance(r, dict)
                           else r for r in rows]
    if isinstance(data.get("online"), list):
        data["online"] = [{**r, "operating": r.get("units")} if isinstance(r, dict) else r
                          for r in data["online"]]
    return data


DAYS_PER_YEAR = 365.25  # as schema.DAYS_PER_YEAR (not imported: the instance models stay unloaded)


def start_date(year: float) -> str:
    """YYYY-MM-DD of a (fractional) calendar year: its fraction in days of 365.25 from 1 January,
    rounded to the day (StepRow.start_date)."""
    whole = math.floor(year)
    day = datetime.date(whole, 1, 1) + datetime.timedelta(
        days=round((year - whole) * DAYS_PER_YEAR))
    return day.isoformat()


def _dated_steps(data: dict[str, Any]) -> dict[str, Any]:
    """Version 6 -> 7: each step's start date and length in days, from its start year and years
    (steps were whole years then)."""
    steps = data.get("steps")
    if not isinstance(steps, list):
        return data
    out = []
    for s in steps:
        y, n = (s.get("start_year"), s.get("years")) if isinstance(s, dict) else (None, None)
        if type(y) is int and isinstance(n, int | float) and 1 <= y <= 9999:
            s = {**s, "start_date": start_date(y), "days": n * DAYS_PER_YEAR}
        out.append(s)
    return {**data, "steps": out}


# version N -> N + 1: fill in what version N lacked (a version that only adds an optional field
# needs no step)
UPGRADES: dict[int, Any] = {
    1: lambda d: {**d, "network": d.get("network") or {}},
    3: _one_step_per_stage,
    6: _dated_steps,
}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older solution.json up to the current version."""
    version = data.get("schema_version")
    while isinstance(version, int) and version < SCHEMA_VERSION:
        data = UPGRADES.get(version, dict)(data)
        version += 1
        data["schema_version"] = version
    return data


def validate_document(data: Any, source: str = "solution") -> dict[str, Any]:
    """Validate a parsed solution.json; return it normalized (current version, defaults filled)."""
    if not isinstance(data, dict):
        raise SolutionFileError(source, [f"top level must be an object, got {type(data).__name__}"])
    version = data.get("schema_version")
    if type(version) is not int or version not in range(1, SCHEMA_VERSION + 1):  # not `true`
        raise SolutionFileError(source, [f"schema_version: {version!r} is not a version this "
                                         f"netopt reads (1..{SCHEMA_VERSION})"])
    try:
        doc = SolutionDocument.model_validate(upgrade(data))
    except ValidationError as e:
        raise SolutionFileError(source, [
            f"{'.'.join(str(x) for x in err['loc']) or '(top)'}: {err['msg']}"
            for err in e.errors()[:20]]) from None
    return doc.model_dump(by_alias=True)


def solution_json_schema() -> dict[str, Any]:
    return SolutionDocument.model_json_schema(by_alias=True)
