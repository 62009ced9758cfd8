"""Two `extra` functions for netopt (docs/extending.md): a cost term and a constraint of your own.

    netopt solve instance.yaml --extra docs/examples/launch_rules.py:carbon_price
    netopt solve instance.yaml --extra docs/examples/launch_rules.py:launch_cap
"""

import pyomo.environ as pyo

LAUNCH = "launch"  # the name of the route from Earth in your instance
CARBON_PER_T = 0.5  # money per tonne launched (an assumption, for the example)
LAUNCH_CAP = 4.0  # most tonnes per year launched in any stage (an assumption)


def carbon_price(compiled, prepared):
    """A cost category of its own, "carbon": CARBON_PER_T for every tonne per year carried on
    the launch route, paid every year of each stage (discounted like transport)."""
    for (route, commodity, stage), flow in compiled.v.flow.items():
        if route == LAUNCH:
            compiled.add_cost("carbon", stage, CARBON_PER_T, flow)


def launch_cap(compiled, prepared):
    """A constraint of its own: at most LAUNCH_CAP t/yr launched in each stage, all
    commodities together."""
    launched = {}  # stage -> flow variables of the launch route
    for (route, commodity, stage), flow in compiled.v.flow.items():
        if route == LAUNCH:
            launched.setdefault(stage, []).append(flow)
    compiled.model.launch_cap = pyo.Constraint(
        sorted(launched), rule=lambda m, t: sum(launched[t]) <= LAUNCH_CAP)
