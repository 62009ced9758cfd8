"""The rocket equation, in one place (solvers.md, "Routes").

With specific impulse Isp and g0, a vehicle flying Δv needs the mass ratio R = exp(Δv / (Isp g0)).
Per tonne of payload it burns φ = (R − 1)(1 + d) tonnes of propellant, d the dry mass per tonne of
payload; a reusable vehicle flying back empty (carrying its return propellant out and back) burns
φ = (R − 1)(1 + d) + R d (R_ret − 1). With tanks of s tonnes per tonne of propellant loaded, which
fly with it (both ways), φ = ((R − 1)(1 + d) + R d (R_ret − 1)) / (1 − (R R_ret − 1) s): one stage
flies the leg only while (R R_ret − 1) s < 1, i.e. Δv + Δv_ret < Isp g0 ln(1 + 1/s)."""

from __future__ import annotations

import math

G0 = 9.80665  # m/s^2, standard gravity: the default of a propulsion entry's g0


def exponent(delta_v_km_s: float, isp_s: float, g0: float = G0) -> float:
    """Δv / (Isp g0): the natural log of the mass ratio."""
    return delta_v_km_s * 1000.0 / (isp_s * g0)


def mass_ratio(delta_v_km_s: float, isp_s: float, g0: float = G0) -> float:
    """R = exp(Δv / (Isp g0))."""
    return math.exp(exponent(delta_v_km_s, isp_s, g0))


def max_delta_v_km_s(isp_s: float, tank_mass_ratio: float, g0: float = G0) -> float:
    """The largest Δv (out + return) one stage with tanks of `tank_mass_ratio` t per t of
    propellant can fly, even with no payload and no dry mass: Isp g0 ln(1 + 1/s)."""
    if tank_mass_ratio <= 0:
        return math.inf
    return isp_s * g0 * math.log1p(1.0 / tank_mass_ratio) / 1000.0


def propellant_per_t(delta_v_km_s: float, isp_s: float, dry_mass_ratio: float,
                     return_delta_v_km_s: float | None = None,
                     tank_mass_ratio: float = 0.0, g0: float = G0) -> float:
    """φ: tonnes of propellant loaded at the origin per tonne of payload (see the module's
    docstring). Raises ValueError where one stage cannot fly the leg ((R R_ret − 1) s ≥ 1)."""
    d, s = dry_mass_ratio, tank_mass_ratio
    r_out = mass_ratio(delta_v_km_s, isp_s, g0)
    r_ret = 1.0 if return_delta_v_km_s is None else mass_ratio(return_delta_v_km_s, isp_s, g0)
    lift = (r_out - 1.0) * (1.0 + d) + r_out * d * (r_ret - 1.0)
    room = 1.0 - (r_out * r_ret - 1.0) * s
    if room <= 0:
        raise ValueError(f"{delta_v_km_s:g} km/s cannot be flown by one stage with "
                         f"tank_mass_ratio {s:g} (at most {max_delta_v_km_s(isp_s, s, g0):.4g} km/s)")
    return lift / room
