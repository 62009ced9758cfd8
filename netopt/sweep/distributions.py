"""Distributions of a Monte-Carlo sweep: each maps u in (0, 1) to a value through its inverse
distribution function; `draw_u` gives each (seed, sample, path) its own reproducible u."""

from __future__ import annotations

import copy
import math
import random
from statistics import NormalDist
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# ---------------------------------------------------------------------------------------------
# Distributions: each maps u in (0, 1) to a value through its inverse distribution function


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)  # as schema.Strict
    scale: bool = False
    """Draws are factors of the base's value (a number, or every number of a mapping)."""

    def ppf(self, u: float) -> Any:
        raise NotImplementedError


def _check_range(low: float | None, high: float | None) -> None:
    if low is not None and high is not None and not low < high:
        raise ValueError(f"low ({low:g}) must be below high ({high:g})")


class Uniform(_Dist):
    """Every value in [low, high] equally likely."""

    dist: Literal["uniform"]
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> Uniform:
        _check_range(self.low, self.high)
        return self

    def ppf(self, u: float) -> float:
        return self.low + u * (self.high - self.low)


class LogUniform(_Dist):
    """log(value) uniform in [log low, log high]: each decade equally likely."""

    dist: Literal["loguniform"]
    low: float = Field(gt=0, allow_inf_nan=False)
    high: float = Field(gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> LogUniform:
        _check_range(self.low, self.high)
        return self

    def ppf(self, u: float) -> float:
        return math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))


class Normal(_Dist):
    """Normal(mean, sd), truncated to [low, high] when given (draws never fall outside)."""

    dist: Literal["normal"]
    mean: float = Field(allow_inf_nan=False)
    sd: float = Field(gt=0, allow_inf_nan=False)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> Normal:
        _check_range(self.low, self.high)
        return self

    def ppf(self, u: float) -> float:
        d = NormalDist(self.mean, self.sd)
        lo = d.cdf(self.low) if self.low is not None else 0.0
        hi = d.cdf(self.high) if self.high is not None else 1.0
        if hi - lo < 1e-12:
            raise ValueError("the truncation range [low, high] has no probability")
        x = d.inv_cdf(min(max(lo + u * (hi - lo), 1e-15), 1 - 1e-15))
        return min(max(x, self.low if self.low is not None else x),
                   self.high if self.high is not None else x)


class LogNormal(_Dist):
    """ln(value) ~ Normal(ln median, sigma): median and the spread of the log; truncated to
    [low, high] when given."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0, allow_inf_nan=False)
    sigma: float = Field(gt=0, allow_inf_nan=False)
    low: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    high: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> LogNormal:
        _check_range(self.low, self.high)
        return self

    def ppf(self, u: float) -> float:
        n = Normal(dist="normal", mean=math.log(self.median), sd=self.sigma,
                   low=math.log(self.low) if self.low else None,
                   high=math.log(self.high) if self.high else None)
        return math.exp(n.ppf(u))


class Triangular(_Dist):
    """Triangular on [low, high] with its peak at mode."""

    dist: Literal["triangular"]
    low: float = Field(allow_inf_nan=False)
    mode: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> Triangular:
        _check_range(self.low, self.high)
        if not self.low <= self.mode <= self.high:
            raise ValueError("mode must lie in [low, high]")
        return self

    def ppf(self, u: float) -> float:
        a, c, b = self.low, self.mode, self.high
        f = (c - a) / (b - a)
        if u < f:
            return a + math.sqrt(u * (b - a) * (c - a))
        return b - math.sqrt((1 - u) * (b - a) * (b - c))


class Choice(_Dist):
    """One of `values` (any YAML values: numbers, mappings...), with optional weights."""

    dist: Literal["choice"]
    values: list[Any] = Field(min_length=1)
    weights: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values")
            if not sum(self.weights) > 0:
                raise ValueError("the weights sum to 0")
        return self

    def ppf(self, u: float) -> Any:
        w = self.weights or [1.0] * len(self.values)
        total, acc = sum(w), 0.0
        for v, wi in zip(self.values, w):
            acc += wi
            if u * total < acc:
                return copy.deepcopy(v)
        return copy.deepcopy(self.values[-1])


Distribution = Annotated[Uniform | LogUniform | Normal | LogNormal | Triangular | Choice,
                         Field(discriminator="dist")]
DIST_NAMES = ("uniform", "loguniform", "normal", "lognormal", "triangular", "choice")


def draw_u(seed: int, sample: int, path: str) -> float:
    """The uniform number behind draw `sample` of `path`: its own stream, same everywhere."""
    return random.Random(f"{seed}/{sample}/{path}").random()
