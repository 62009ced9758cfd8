"""The rocket equation, in one place (solvers.md, "Routes").

With specific impulse Isp and g0, a vehicle flying Δv needs the mass ratio R = exp(Δv / (Isp g0)).
Per tonne of payload it burns φ = (R − 1)(1 + d) tonnes of propellant, d the dry mass per tonne of
payload; a reusable vehicle flying back empty (carrying its return propellant out and back) burns
φ = (R − 1)(1 + d) + R d (R_ret − 1)."""

from __future__ import annotations

import math

G0 = 9.80665  # m/s^2, standard gravity


def exponent(delta_v_km_s: float, isp_s: float) -> float:
    """Δv / (Isp g0): the natural log of the mass ratio."""
    return delta_v_km_s * 1000.0 / (isp_s * G0)


def mass_ratio(delta_v_km_s: float, isp_s: float) -> float:
    """R = exp(Δv / (Isp g0))."""
    return math.exp(exponent(delta_v_km_s, isp_s))


def propellant_per_t(delta_v_km_s: float, isp_s: float, dry_mass_ratio: float,
                     return_delta_v_km_s: float | None = None) -> float:
    """φ: tonnes of propellant burnt per tonne of payload (see the module's docstring)."""
    r_out = mass_ratio(delta_v_km_s, isp_s)
    d = dry_mass_ratio
    phi = (r_out - 1.0) * (1.0 + d)
    if return_delta_v_km_s is not None:
        phi += r_out * d * (mass_ratio(return_delta_v_km_s, isp_s) - 1.0)
    return phi
