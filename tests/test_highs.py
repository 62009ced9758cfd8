"""netopt.highs: reading a Pyomo model into arrays and solving it (beyond netopt's own shapes)."""

import numpy as np
import pyomo.environ as pyo
import pytest

from netopt import highs
from netopt.compile import Terms
from pyomo.core.expr.numeric_expr import LinearExpression
from netopt.status import Status


def _model() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 10))
    m.y = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 3))
    m.z = pyo.Var()
    return m


def test_reads_netopt_rows_exactly():
    """Rows written as netopt writes them (LinearExpression vs constants) come out as written:
    column order = declaration order, >= rows keep their sense, ranges and equalities both bounds."""
    m = _model()
    m.a = pyo.Constraint(expr=(None, Terms([(m.x, 1.0), (m.y, -2.0)]).expr(), 4.0))
    m.b = pyo.Constraint(expr=(1.5, Terms([(m.z, 1.0)]).expr(), None))
    m.c = pyo.Constraint(expr=(-1.0, Terms([(m.x, 3.0), (m.z, 1.0)]).expr(), 7.0))
    m.o = pyo.Objective(expr=Terms([(m.y, 5.0), (m.x, 1.0)]).expr())
    mat = highs.to_matrices(m)
    assert [v.name for v in mat.columns] == ["x", "y", "z"]
    assert mat.cost.tolist() == [1.0, 5.0, 0.0]
    inf = highs._highs_inf()
    assert mat.row_lower.tolist() == [-inf, 1.5, -1.0]
    assert mat.row_upper.tolist() == [4.0, inf, 7.0]
    assert mat.start.tolist() == [0, 2, 3, 5]
    assert mat.index.tolist() == [0, 1, 2, 0, 2]
    assert mat.value.tolist() == [1.0, -2.0, 1.0, 3.0, 1.0]
    assert mat.col_lower.tolist() == [0.0, 0.0, -inf]
    assert mat.col_upper.tolist() == [10.0, 3.0, inf]
    assert mat.integer.tolist() == [1]
    assert not mat.maximize


def test_general_expressions_constants_repeats_fixed_and_maximize():
    """Any linear Pyomo model: x + 2y written with operators, a constant in the body (moved to the
    bounds), a variable twice in one row (summed), an equality, a fixed variable, maximize.

    max 3x + 2y + 1  s.t.  x + 2y + 1 <= 9 (so x + 2y <= 8),  x + x <= 12 (x <= 6),  z == 2,
    z fixed at 2; x in [0, 10], y integer in [0, 3].
    Also y + y <= 3 written as one LinearExpression naming y twice (y <= 1.5).
    Optimum: x = 6, then 2y <= 2 -> y = 1: 3*6 + 2*1 + 1 = 21."""
    m = _model()
    m.a = pyo.Constraint(expr=m.x + 2 * m.y + 1 <= 9)
    m.b = pyo.Constraint(expr=m.x + m.x <= 12)
    m.c = pyo.Constraint(expr=m.z == 2)
    m.z.fix(2)
    m.o = pyo.Objective(expr=3 * m.x + 2 * m.y + 1, sense=pyo.maximize)
    m.d = pyo.Constraint(expr=(None, LinearExpression(
        constant=0.0, linear_coefs=[1.0, 1.0], linear_vars=[m.y, m.y]), 3.0))  # y twice: 2y <= 3
    mat = highs.to_matrices(m)
    assert mat.row_upper.tolist() == [8.0, 12.0, 0.0, 3.0]
    # x + x -> 2x and the fixed z in row c -> the constant 2 (Pyomo's doing, for expressions
    # written with operators); y, y in a LinearExpression as netopt writes them stays two
    # entries, which `build` sums for HiGHS (the solve below goes through that)
    assert mat.start.tolist() == [0, 2, 3, 3, 5]
    assert mat.value.tolist()[2:] == [2.0, 1.0, 1.0]
    assert mat.index.tolist()[3:] == [1, 1]
    assert mat.row_lower.tolist()[2] == 0.0
    assert (mat.col_lower[2], mat.col_upper[2]) == (2.0, 2.0)
    assert mat.maximize and mat.offset == 1.0
    status, info = highs.solve(m, {"output_flag": False}, None)
    assert status is Status.optimal
    assert info["objective"] == pytest.approx(21.0)
    assert (pyo.value(m.x), pyo.value(m.y)) == pytest.approx((6.0, 1.0))


def test_refuses_nonlinear_and_objective_count():
    m = _model()
    m.a = pyo.Constraint(expr=m.x * m.y <= 1)
    m.o = pyo.Objective(expr=m.x)
    with pytest.raises(ValueError, match="HiGHS takes linear models only; not linear: x\\*y"):
        highs.to_matrices(m)
    m2 = _model()
    with pytest.raises(ValueError, match="the model has 0 active objectives; HiGHS needs one"):
        highs.to_matrices(m2)


def test_sum_repeated_keeps_row_starts():
    idx = np.array([0, 2, 0, 1, 1, 1], dtype=np.int32)
    val = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    ptr = np.array([0, 3, 3, 6])  # row 0: x0, x2, x0; row 1 empty; row 2: x1 three times
    i, v, p = highs._sum_repeated(idx, val, ptr)
    assert (i.tolist(), v.tolist(), p.tolist()) == ([0, 2, 1], [4.0, 2.0, 15.0], [0, 2, 2, 3])


def test_build_sums_entries_repeated_in_a_row():
    """HiGHS refuses a row naming a column twice; `build` sums them (min x0 + x1 s.t.
    x0 + x1 + 2 x0 >= 3, i.e. 3 x0 + x1 >= 3, x in [0, 1]: x0 = 1, x1 = 0, objective 1)."""
    m = _model()
    inf = highs._highs_inf()
    mat = highs.Matrices([m.x, m.z], np.array([1.0, 1.0]), 0.0, False, np.zeros(2), np.ones(2),
                         np.array([], dtype=np.int64), np.array([3.0]), np.array([inf]),
                         np.array([0, 3], dtype=np.int32), np.array([0, 1, 0], dtype=np.int32),
                         np.array([1.0, 1.0, 2.0]))
    h, is_mip = highs.build(mat)
    assert not is_mip
    a = h.getLp().a_matrix_
    assert sorted(a.value_) == [1.0, 3.0]  # two entries: 3 x0 and x1
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(1.0)


def test_mip_start_goes_to_highs_for_mips_only():
    """min -x - y, x + 2y <= 8, y integer <= 3: the start (x=2, y=3) is feasible; HiGHS takes it
    and still proves the optimum x = 8, y = 0 (objective -8). An LP takes no start."""
    m = _model()
    m.a = pyo.Constraint(expr=(None, Terms([(m.x, 1.0), (m.y, 2.0)]).expr(), 8.0))
    m.o = pyo.Objective(expr=Terms([(m.x, -1.0), (m.y, -1.0)]).expr())
    m.x.set_value(2.0)
    m.y.set_value(3)
    status, info = highs.solve(m, {"output_flag": False}, None, mip_start=True)
    assert info["mip_start"] is True
    assert status is Status.optimal and info["objective"] == pytest.approx(-8.0)
    m.y.domain = pyo.NonNegativeReals
    status, info = highs.solve(m, {"output_flag": False}, None, mip_start=True)
    assert info["mip_start"] is False
    assert "mip_start" not in highs.solve(m, {"output_flag": False}, None)[1]
