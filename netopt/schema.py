"""The instance format: strict, frozen Pydantic models.

Field docstrings become the JSON Schema's descriptions (`netopt schema`). Cross-references between
elements (a route's node, a facility's commodity...) are checked in `checks.py`, which can name the
path of every offending value.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .errors import FieldError

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")]
# Numbers are strict: a boolean or a string where a number belongs is an error, not 1.0 or 400
Finite = Annotated[float, Field(allow_inf_nan=False, strict=True)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
# A number means the same value in every stage; a mapping {stage: value} lists stages, the rest are 0.
StageAmount = NonNeg | dict[Name, NonNeg]
# Prices may vary by stage; a mapping must name every stage in which the price is needed.
StagePrice = NonNeg | dict[Name, NonNeg]


def unit(symbol: str) -> Any:
    """The field's unit as `x-unit` in the JSON Schema, for editors and tools: `{money}` stands
    for the instance's `units.money` (default MUSD), `1` for a pure number (a fraction)."""
    return Field(json_schema_extra={"x-unit": symbol})


class Strict(BaseModel):
    # strict=True for every field, those added later too: no boolean from 'yes' or 'true', no
    # number from '0.5', no integer from 2.0 (a dict still validates a nested model)
    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, populate_by_name=True,
        strict=True,
    )


class Units(Strict):
    """Units of the instance's figures (informational; netopt does not convert)."""

    money: str = "MUSD"
    """Unit of every cost, price and budget."""
    mass: str = "t"
    """Unit of mass; every flow, supply and demand is this unit per year."""


DAYS_PER_YEAR = 365.25  # transit_days, step days and window days: Julian years
MAX_STEPS = 2000  # operating steps of a whole horizon (solvers.md, "Steps")


class Step(Strict):
    """One operating step of a stage, written as its length: `{days: 3}` or `{years: 0.5}`."""

    days: Annotated[Positive | None, unit("d")] = None
    """Length in days (365.25 per year)."""
    years: Annotated[Positive | None, unit("yr")] = None
    """Length in years, instead of days."""
    name: Name | None = None
    """Step name (default: the stage's name, a dot and the step's position, m1.2); unique
    among all steps."""

    @model_validator(mode="after")
    def _one_length(self) -> Step:
        if (self.days is None) == (self.years is None):
            raise ValueError("give a step's length as either days or years")
        return self

    @property
    def length(self) -> float:
        """Length in years."""
        return self.days / DAYS_PER_YEAR if self.days is not None else float(self.years or 0.0)


class Stage(Strict):
    name: Name
    """Stage name, referenced by availability windows, demands and budgets."""
    years: int = Field(ge=1, le=1000, strict=True, json_schema_extra={"x-unit": "yr"})
    """Length of the stage in years; every annual rate is constant within each of its steps."""
    resolution: Literal["stage", "year"] | None = None
    """Operating steps of this stage (default: the horizon's resolution): stage (one step) |
    year (one step per year)."""
    steps: list[Step] | None = Field(default=None, min_length=1, max_length=MAX_STEPS)
    """Explicit operating steps from the stage's start, in order ({days: 3}, {years: 0.5}, with
    an optional name); the rest of the stage, if any, is one last step. Instead of
    resolution."""

    @model_validator(mode="after")
    def _steps_or_resolution(self) -> Stage:
        if self.steps is not None and self.resolution is not None:
            raise ValueError("give a stage either steps or a resolution, not both")
        return self


class Horizon(Strict):
    start_year: int = Field(ge=1900, le=3000, strict=True)
    """Calendar year in which the first stage starts (Y_0)."""
    discount_rate: float = Field(default=0.0, ge=0, lt=1, allow_inf_nan=False,
                                 strict=True, json_schema_extra={"x-unit": "1/yr"})
    """Discount rate per year, 0 <= rate < 1."""
    stages: list[Stage] = Field(min_length=1)
    """Consecutive stages, in order."""
    resolution: Literal["stage", "year"] = "stage"
    """Operating steps: stage (one step per stage) | year (one step per year; builds stay at
    stage starts). A stage's own resolution or steps override it. Per-stage values apply to
    every step of their stage."""
    end_value: Literal["none", "linear", "annuity"] = "none"
    """Value of units left at the horizon end: none | linear (capex x remaining life / lifetime,
    credited at the end) | annuity (capex of units with a lifetime paid as equal yearly payments
    while they exist inside the horizon)."""


class Commodity(Strict):
    name: Name
    """Commodity name (water, lox, lh2, hardware...)."""
    description: str | None = None
    """Free text."""
    boil_off_per_year: float = Field(default=0.0, ge=0, lt=1, allow_inf_nan=False,
                                     json_schema_extra={"x-unit": "1/yr"})
    """Fraction of stock held in storage lost per year (0 <= b < 1); stock kept a step of l years
    keeps (1 - b)^l of itself."""
    consumes_per_day: Annotated[dict[Name, NonNeg], unit("t/t/d")] = {}
    """Tonnes of each commodity B used up per tonne of this one per day of flight (crew
    consumables): on a route with a time of flight, B leaves with the cargo at `from` (in its
    payload and burn) and is gone on arrival."""


class Node(Strict):
    name: Name
    """Node name, referenced by facilities, routes, supplies and demands."""
    kind: Literal["surface", "orbit", "lagrange", "other"] = "other"
    """surface | orbit | lagrange | other (informational, used for layout)."""
    body: str | None = None
    """Body the node is on or orbits (Earth, Moon, Mars...)."""
    bodies: list[str] | None = None
    """For Lagrange points: the two bodies (e.g. [Earth, Moon])."""
    point: Literal["L1", "L2", "L3", "L4", "L5"] | None = None
    """For Lagrange points: which one."""
    requires_depot: list[Name] = []
    """Commodities that can arrive here only through a depot's capacity."""
    initial_stock: Annotated[dict[Name, NonNeg], unit("t")] = {}
    """Tonnes of each commodity held here at the start of the horizon (usable from the first
    step; carried on only by storage facilities)."""
    description: str | None = None
    """Free text."""


class Propulsion(Strict):
    name: Name
    """Propulsion system name, referenced by routes."""
    isp_s: Annotated[Positive, unit("s")]
    """Specific impulse in seconds."""
    g0: Annotated[Positive, unit("m/s2")] = 9.80665
    """Standard gravity the Isp is quoted with, m/s^2 (the exhaust velocity is Isp x g0)."""
    propellant: dict[Name, Positive] = Field(min_length=1, json_schema_extra={"x-unit": "1"})
    """Mass share of each propellant commodity; the shares sum to 1."""
    description: str | None = None
    """Free text."""
    source: str | None = None
    """Where the figures come from."""

    @field_validator("propellant")
    @classmethod
    def _shares_sum_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        total = sum(v.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"propellant shares must sum to 1, they sum to {total:g}")
        return v


class _Buildable(Strict):
    capex: Annotated[NonNeg | None, unit("{money}")] = None
    """Money per unit, paid (undiscounted) in the stage the unit is built."""
    opex: Annotated[NonNeg, unit("{money}/yr")] = 0.0
    """Money per year per unit online."""
    mass: Annotated[NonNeg, unit("t")] = 0.0
    """Tonnes of the hardware commodity each unit needs delivered (facility node / route origin)
    in its build stage."""
    max_units: int = Field(default=1, ge=1, le=1_000_000, strict=True)
    """Most units online at once."""
    lifetime_years: Annotated[Positive | None, unit("yr")] = None
    """Years a unit exists after its build stage starts (exactly: no rounding to stage ends);
    default: never retires."""
    commissioning_years: Annotated[NonNeg, unit("yr")] = 0.0
    """Years after the build stage starts before a unit operates (it exists and pays opex
    meanwhile); less than lifetime_years."""
    available_from: Name | None = None
    """First stage in which units can be built (for routes without capex: used)."""
    available_until: Name | None = None
    """Last stage in which units can be built (for routes without capex: used)."""
    description: str | None = None
    """Free text."""
    source: str | None = None
    """Where the figures come from."""

    @property
    def hardware_mass(self) -> float:
        """Tonnes of the hardware commodity each unit needs delivered in its build stage."""
        return self.mass

    @model_validator(mode="after")
    def _commissioning_within_life(self) -> _Buildable:
        life = self.lifetime_years
        if life is not None and self.commissioning_years >= life:
            raise FieldError("commissioning_years",
                             f"commissioning_years ({self.commissioning_years:g}) must be less "
                             f"than lifetime_years ({life:g}): the unit would never operate")
        return self


class Windows(Strict):
    """Launch windows: departures only at first + k * period (k integer)."""

    every_years: float | None = Field(default=None, allow_inf_nan=False,
                                      json_schema_extra={"x-unit": "yr"})
    """Window period in years (e.g. the synodic period), > 0."""
    every_days: float | None = Field(default=None, allow_inf_nan=False,
                                     json_schema_extra={"x-unit": "d"})
    """Window period in days (365.25 per year), > 0, instead of every_years."""
    first: float | None = Field(default=None, ge=0, le=10_000, allow_inf_nan=False,
                                json_schema_extra={"x-unit": "yr"})
    """Calendar year of one window, may be fractional (2033.3); the others are a period apart
    (0 <= first <= 10000: a date, not a count; 1e300 would leave no precision for the others)."""
    first_day: float | None = Field(default=None, ge=-3_652_500, le=3_652_500,
                                    allow_inf_nan=False, json_schema_extra={"x-unit": "d"})
    """Day of one window counted from the horizon's start (day 0: 1 January of start_year,
    365.25 days a year), instead of first."""

    @field_validator("every_years", "every_days")
    @classmethod
    def _positive_period(cls, v: float | None, info: ValidationInfo) -> float | None:
        if v is not None and v <= 0:
            unit = "days" if info.field_name == "every_days" else "years"
            raise ValueError(f"a window period must be > 0 {unit}")
        return v

    @model_validator(mode="after")
    def _one_each(self) -> Windows:
        if (self.every_years is None) == (self.every_days is None):
            raise ValueError("give the window period as either every_years or every_days")
        if (self.first is None) == (self.first_day is None):
            raise ValueError("give one window's date as either first (a year) or first_day")
        return self

    @property
    def period(self) -> float:
        """P in years."""
        if self.every_days is not None:
            return self.every_days / DAYS_PER_YEAR
        return float(self.every_years or 0.0)

    def first_year(self, start_year: int) -> float:
        """Y of one window as a (fractional) calendar year; start_year is the horizon's Y_0."""
        if self.first_day is not None:
            return start_year + self.first_day / DAYS_PER_YEAR
        return float(self.first or 0.0)


class Facility(_Buildable):
    name: Name
    """Facility name; unique among facilities and routes."""
    template: Name | None = None
    """Name of a facility_templates entry whose fields this facility inherits (its own win)."""
    kind: Literal["mine", "processor", "depot", "other"] = "other"
    """mine | processor | depot | other. A depot's capacity is throughput of its node's
    requires_depot commodities."""
    node: Name
    """Node where the facility stands."""
    capacity: Annotated[Positive, unit("t/yr")]
    """Tonnes per year of activity per unit (for a depot: t/yr of arrivals handled)."""
    capex: Annotated[NonNeg, unit("{money}")] = 0.0
    """Money per unit, paid (undiscounted) in the stage the unit is built."""
    variable_cost: Annotated[NonNeg, unit("{money}/t")] = 0.0
    """Money per tonne of activity."""
    produces: Annotated[dict[Name, Positive], unit("t/t")] = {}
    """Tonnes of each commodity produced per tonne of activity."""
    consumes: Annotated[dict[Name, Positive], unit("t/t")] = {}
    """Tonnes of each commodity consumed per tonne of activity."""
    storage: Annotated[NonNeg, unit("t")] = 0.0
    """Tonnes a unit can hold, summed over the commodities it stores (stock between steps)."""
    stores: list[Name] | None = None
    """Commodities a unit can hold; default all (needs storage)."""

    @model_validator(mode="after")
    def _depot_is_pure_throughput(self) -> Facility:
        if self.kind == "depot" and (self.produces or self.consumes):
            raise FieldError("produces" if self.produces else "consumes",
                             "a depot neither produces nor consumes; model a processor beside it")
        return self

    @model_validator(mode="after")
    def _stores_needs_storage(self) -> Facility:
        if self.stores is not None and not self.storage:
            raise FieldError("stores", "stores needs storage (tonnes a unit can hold)")
        if self.storage and self.stores == []:
            raise FieldError("stores", "storage with stores: [] has nothing to store")
        return self


class Route(_Buildable):
    name: Name
    """Route name; unique among facilities and routes."""
    template: Name | None = None
    """Name of a route_templates entry whose fields this route inherits (its own win)."""
    from_: Name = Field(alias="from")
    """Origin node; propellant is drawn here."""
    to: Name
    """Destination node."""
    cost_per_t: Annotated[StagePrice, unit("{money}/t")] = 0.0
    """Money per tonne of payload departing (a number, or {stage: price})."""
    delta_v_km_s: Annotated[NonNeg | None, unit("km/s")] = None
    """One-way delta-v in km/s (needs `propulsion`)."""
    return_delta_v_km_s: Annotated[NonNeg | None, unit("km/s")] = None
    """Delta-v of the empty return trip of a reusable vehicle, km/s."""
    propulsion: Name | None = None
    """Propulsion system burning propellant on this route."""
    dry_mass_ratio: Annotated[NonNeg, unit("t/t")] = 0.0
    """Vehicle dry mass per tonne of payload."""
    delta_v_reserve: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False,
                                   json_schema_extra={"x-unit": "1"})
    """Reserve on delta_v_km_s and return_delta_v_km_s, as a fraction (0.05: fly 5 % more)."""
    tank_mass_ratio: Annotated[NonNeg, unit("t/t")] = 0.0
    """Inert tank mass per tonne of propellant loaded (f/(1-f) for an inert fraction f of the
    stage's inert + propellant mass); the tanks fly with the propellant (solvers.md)."""
    tanks_expended: bool | None = None
    """Whether the stage's tanks (tank_mass_ratio) are used up on the leg: s phi t of the
    hardware_commodity per t of payload drawn at `from` when it departs (solvers.md, "Routes").
    Default: true without return_delta_v_km_s (an expendable stage), false with it (the stage
    flies back with its tanks); false for tanks that are hardware already counted elsewhere."""
    propellant_per_t: Annotated[NonNeg | dict[Name, NonNeg] | None, unit("t/t")] = None
    """Tonnes of propellant per tonne of payload, instead of delta-v: a number (shares from
    `propulsion`) or {commodity: t per t}."""
    loss: float = Field(default=0.0, ge=0, lt=1, allow_inf_nan=False,
                        strict=True, json_schema_extra={"x-unit": "1"})
    """Fraction of payload lost in transit (boil-off...), 0 <= loss < 1."""
    capacity: Annotated[Positive | None, unit("t/yr")] = None
    """Tonnes of payload per year (per unit when the route has capex); default unbounded."""
    commodities: list[Name] | None = None
    """Commodities the route may carry; default all."""
    vehicle: Name | None = None
    """Vehicle (a `vehicles` entry) that flies this route: trips, dry mass, tank, fleet
    (solvers.md, "Vehicles"); instead of propulsion and the per-tonne ratios."""
    transit_years: Annotated[NonNeg | None, unit("yr")] = None
    """Time of flight in years: cargo departing at time x arrives at x + transit (default 0)."""
    transit_days: Annotated[NonNeg | None, unit("d")] = None
    """Time of flight in days (365.25 per year), instead of transit_years."""
    windows: Windows | None = None
    """Launch windows: departures only at these dates, and capacity is tonnes per window (per
    unit); default: departures spread over every step."""

    @property
    def expends_tanks(self) -> bool:
        """The stage's tanks are used up on the leg: `tanks_expended`, by default true unless the
        stage flies back (return_delta_v_km_s)."""
        if self.tanks_expended is not None:
            return self.tanks_expended and self.tank_mass_ratio > 0
        return self.return_delta_v_km_s is None and self.tank_mass_ratio > 0

    @property
    def transit(self) -> float:
        """Time of flight in years."""
        if self.transit_days is not None:
            return self.transit_days / DAYS_PER_YEAR
        return self.transit_years or 0.0

    @model_validator(mode="after")
    def _one_transit(self) -> Route:
        if self.transit_years is not None and self.transit_days is not None:
            raise FieldError("transit_days", "give either transit_years or transit_days, not both")
        return self

    @model_validator(mode="after")
    def _propellant_spec(self) -> Route:
        if self.vehicle is not None:
            return _vehicle_route(self)
        if self.delta_v_km_s is not None and self.propellant_per_t is not None:
            raise FieldError("propellant_per_t",
                             "give either delta_v_km_s or propellant_per_t, not both")
        if self.delta_v_km_s is not None and self.propulsion is None:
            raise FieldError("delta_v_km_s", "delta_v_km_s needs a propulsion (or a vehicle)")
        if isinstance(self.propellant_per_t, float) and self.propellant_per_t > 0:
            if self.propulsion is None:
                raise FieldError(
                    "propellant_per_t", "a number propellant_per_t needs a propulsion for its shares "
                    "(or give {commodity: t per t})"
                )
        if self.return_delta_v_km_s is not None and self.delta_v_km_s is None:
            raise FieldError("return_delta_v_km_s", "return_delta_v_km_s needs delta_v_km_s")
        if self.tank_mass_ratio and self.delta_v_km_s is None:
            raise FieldError("tank_mass_ratio", "tank_mass_ratio needs delta_v_km_s")
        if self.delta_v_reserve and self.delta_v_km_s is None:
            raise FieldError("delta_v_reserve", "delta_v_reserve needs delta_v_km_s")
        if self.capex is None:
            given = [f for f in ("opex", "mass", "lifetime_years") if getattr(self, f)]
            given += ["max_units"] if self.max_units != 1 else []
            if given:
                raise FieldError(given[0], "opex, mass, lifetime_years and max_units need capex "
                                 "(built units)")
            if self.commissioning_years:
                raise FieldError("commissioning_years",
                                 "commissioning_years needs capex (built units)")
        return self


def _vehicle_route(route: Route) -> Route:
    """A route flown by a vehicle takes its propulsion, dry mass and tank from the vehicle."""
    given = [f for f in ("propulsion", "return_delta_v_km_s", "propellant_per_t", "tanks_expended")
             if getattr(route, f) is not None]
    given += [f for f in ("dry_mass_ratio", "tank_mass_ratio") if getattr(route, f)]
    if given:
        raise FieldError(given[0], f"a route flown by a vehicle takes these from the vehicle: "
                         f"{', '.join(given)} (an empty return is its own route)")
    if route.delta_v_km_s is None:
        raise FieldError("delta_v_km_s", "a route flown by a vehicle needs delta_v_km_s")
    return route


class Maintenance(Strict):
    commodity: Name
    """Commodity drawn at a trip's origin for maintenance (spares, supplies)."""
    per_trip: Annotated[NonNeg, unit("1")]
    """Tonnes of it per tonne of the vehicle's dry mass, every trip (0.01: 1 % per flight)."""


class Vehicle(_Buildable):
    """A vehicle design that routes name with `vehicle:` (solvers.md, "Vehicles")."""

    name: Name
    """Vehicle name; unique among facilities, routes and vehicles."""
    template: Name | None = None
    """Name of a vehicle_templates entry whose fields this vehicle inherits (its own win)."""
    propulsion: Name
    """Propulsion system (Isp, propellant shares)."""
    dry_mass: Annotated[Positive, unit("t")]
    """Tonnes of the empty vehicle, tanks included: flown on every trip, full or not."""
    payload: Annotated[Positive, unit("t")]
    """Most tonnes of payload per trip."""
    tank: Annotated[Positive, unit("t")]
    """Most tonnes of propellant loaded per trip."""
    reusable: bool = True
    """Reusable vehicles return (circulation) and form a fleet; expendable ones are used up on
    each trip (their dry mass as hardware at the origin, capex per trip)."""
    turnaround_days: Annotated[Positive | None, unit("d")] = None
    """Days a reusable vehicle is busy per trip besides the transit (loading, refuelling,
    refurbishment); required for reusable vehicles."""
    integer_trips: bool = False
    """Whole trips per year (integer variables) instead of an average rate."""
    tank_cargo: bool | None = None
    """Propellant of its propulsion carried as cargo rides in the tank (with the propellant the
    trip burns, up to `tank`), not in the payload: true (the default when not given) or false
    (all cargo in the payload). Given as true, some route it flies must carry that propellant."""
    returns: bool = True
    """Reusable vehicles only: every vehicle comes home by the end of the horizon (true), or may
    stay at or be disposed of at any node (false: disposals are reported per node and step)."""
    maintenance: Maintenance | None = None
    """Maintenance per trip: per_trip x dry_mass tonnes of `commodity` drawn at the origin and
    used up in flight (it flies as payload)."""
    capex: Annotated[NonNeg, unit("{money}")] = 0.0
    """Money per vehicle built (reusable) or per trip (expendable)."""
    mass: Annotated[NonNeg | None, unit("t")] = None  # type: ignore[assignment]
    """Tonnes of hardware each vehicle built needs delivered at `base`; default dry_mass."""
    base: Name | None = None
    """Node where reusable vehicles are delivered (their hardware `mass`) when built, and where
    they wait between trips without counting in the fleet's use (required for reusable ones)."""

    @model_validator(mode="after")
    def _fleet_fields(self) -> Vehicle:
        if self.reusable:
            if self.turnaround_days is None:
                raise FieldError("turnaround_days",
                                 "a reusable vehicle needs turnaround_days (> 0): each trip "
                                 "takes a vehicle that long, and the fleet is sized by it")
            if self.base is None:
                raise FieldError("base", "a reusable vehicle needs a base: the node where it is "
                                 "delivered when built (its hardware mass, default dry_mass) "
                                 "and comes home to between trips")
        elif not self.returns:
            raise FieldError("returns", "returns: false is for reusable vehicles: an expendable "
                             "one is used up on every trip")
        elif given := [f for f in ("opex", "lifetime_years", "commissioning_years", "max_units",
                                   "base", "available_from", "available_until")
                       if (self.max_units != 1 if f == "max_units" else getattr(self, f))]:
            raise FieldError(given[0], "an expendable vehicle is not built as a fleet: no opex, "
                             "lifetime_years, commissioning_years, max_units, base or "
                             "availability window")
        return self

    @property
    def hardware_mass(self) -> float:
        return self.dry_mass if self.mass is None else self.mass

    @property
    def node(self) -> str | None:  # where its build's hardware goes, like a facility's node
        return self.base

    @property
    def capacity(self) -> None:  # no t/yr capacity of its own: payload per trip x trips
        return None


class Supply(Strict):
    node: Name
    """Node where the commodity can be bought."""
    commodity: Name
    """Commodity supplied."""
    price_per_t: Annotated[StagePrice, unit("{money}/t")] = 0.0
    """Money per tonne (a number, or {stage: price})."""
    max_per_year: Annotated[StageAmount | None, unit("t/yr")] = None
    """Most tonnes per year (a number, or {stage: limit}; stages not listed get 0); default unbounded."""
    name: Name | None = None
    """Optional label used in results (default node/commodity)."""


class Demand(Strict):
    kind: Literal["required", "market"] = "required"
    """required: must be met (or pay shortfall_penalty_per_t); market: optional sale up to amount."""
    node: Name
    """Node where the commodity is delivered."""
    commodity: Name
    """Commodity demanded."""
    amount: Annotated[StageAmount, unit("t/yr")]
    """Tonnes per year (a number for every stage, or {stage: amount}; stages not listed get 0)."""
    shortfall_penalty_per_t: Annotated[NonNeg | None, unit("{money}/t")] = None
    """For required demands: money per tonne not delivered; without it the demand is hard."""
    price_per_t: Annotated[StagePrice | None, unit("{money}/t")] = None
    """For markets: money earned per tonne sold."""
    name: Name | None = None
    """Optional label used in results (default node/commodity)."""

    @model_validator(mode="after")
    def _kind_fields(self) -> Demand:
        if self.kind == "market":
            if self.price_per_t is None:
                raise FieldError("price_per_t", "a market needs price_per_t")
            if self.shortfall_penalty_per_t is not None:
                raise FieldError("shortfall_penalty_per_t",
                                 "a market has no shortfall_penalty_per_t")
        elif self.price_per_t is not None:
            raise FieldError("price_per_t", "price_per_t is for markets (kind: market)")
        return self


class Branch(Strict):
    """One outcome of a branching: its probability and the changes it makes to the instance."""

    name: Name
    """Branch name (leaf names join the branch names of each branching with '/')."""
    probability: float = Field(gt=0, le=1, allow_inf_nan=False, json_schema_extra={"x-unit": "1"})
    """Probability of this outcome; a branching's probabilities sum to 1."""
    set: dict[str, Any] = {}
    """Paths (as in --set and scenario files) to the values they take in this outcome."""
    scale: dict[str, Positive] = Field(default={}, json_schema_extra={"x-unit": "1"})
    """Paths to factors: every number of the value there is multiplied (applied before set)."""
    description: str | None = None
    """Free text."""


class Branching(Strict):
    """An uncertain outcome that becomes known at the start of `stage`."""

    name: Name
    """Branching name."""
    stage: Name
    """Stage at whose start the outcome is known: its builds, and later ones, may depend on it."""
    branches: list[Branch] = Field(min_length=1)
    """The possible outcomes."""
    description: str | None = None
    """Free text."""


class SampledTree(Strict):
    """N equally likely leaves drawn from distributions (those of `netopt sweep`), known at `stage`."""

    name: Name = "sample"
    """Name of the branching the draws form."""
    stage: Name
    """Stage at whose start the draw is known."""
    scenarios: int = Field(ge=1, le=100_000)
    """Number of leaves drawn (each of probability 1/scenarios)."""
    seed: int = 0
    """Seed of the draws: the same seed gives the same tree."""
    params: dict[str, dict[str, Any]] = Field(min_length=1)
    """Paths to distributions, e.g. {routes[launch].cost_per_t: {dist: uniform, low: 1, high: 3}};
    `scale: true` makes the draws factors of the base's value."""


class Uncertainty(Strict):
    """A scenario tree: branchings by stage (their outcomes multiply into leaves), or a sampled tree."""

    branchings: list[Branching] = []
    """Uncertain outcomes and the stages at which they become known."""
    sampled: SampledTree | None = None
    """Instead of branchings: leaves drawn from distributions."""

    @model_validator(mode="after")
    def _one_kind(self) -> Uncertainty:
        if bool(self.branchings) == (self.sampled is not None):
            raise FieldError("sampled" if self.sampled is not None else "branchings",
                             "give either branchings or sampled (one of them)")
        return self


class Instance(Strict):
    """A netopt problem instance: candidates, demands and economics over a staged horizon."""

    name: Name
    """Instance name."""
    description: str | None = None
    """Free text."""
    units: Units = Units()
    """Units of money and mass (informational)."""
    include: list[str] = []
    """Catalog files (relative paths) whose items merge in by name; the instance wins."""
    horizon: Horizon
    """Planning horizon: start year, discount rate and stages."""
    objective: Literal["cost", "supply_mass", "launch_mass"] = "cost"
    """cost: discounted total cost; supply_mass: tonnes bought from supplies over the horizon;
    launch_mass: tonnes bought at nodes on Earth's surface (kind surface, body Earth)."""
    commodities: list[Commodity] = Field(min_length=1)
    """Commodities that flow through the network."""
    hardware_commodity: Name | None = None
    """Commodity that carries facility and vehicle mass (needed if any element has mass)."""
    nodes: list[Node] = Field(min_length=1)
    """Places: surfaces, orbits, Lagrange points."""
    propulsion: list[Propulsion] = []
    """Propulsion systems routes can use."""
    facility_templates: list[dict[str, Any]] = []
    """Partial facilities (any Facility field but node-specific ones are typical) that
    facilities name with `template:`; usually from an included catalog."""
    route_templates: list[dict[str, Any]] = []
    """Partial routes that routes name with `template:`."""
    vehicle_templates: list[dict[str, Any]] = []
    """Partial vehicles that vehicles name with `template:` (models/vehicles.yaml)."""
    vehicles: list[Vehicle] = []
    """Vehicle designs that routes name with `vehicle:`."""
    facilities: list[Facility] = []
    """Candidate mines, processors, depots."""
    routes: list[Route] = []
    """Candidate transport routes (directed)."""
    supplies: list[Supply] = []
    """Purchasable sources of commodities (Earth launch...)."""
    demands: list[Demand] = []
    """Required demands and optional markets."""
    budgets: Annotated[dict[Name, NonNeg], unit("{money}")] = {}
    """Most capex (undiscounted) spent in a stage."""
    uncertainty: Uncertainty | None = None
    """A scenario tree: `netopt solve` then finds the build-out that is best in expectation
    (solvers.md, "Planning under uncertainty")."""


def instance_json_schema() -> dict:
    return Instance.model_json_schema(by_alias=True)
