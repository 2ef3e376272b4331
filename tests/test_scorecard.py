"""The claims scorecard: a figure within the noise margin of its rule's limit decides nothing."""

import pytest

from jaxnp_kernels.report import scorecard
from jaxnp_kernels.report.build import FigureTable
from jaxnp_results.results import Measurement

SPEEDUP = "bench_speedup.Speedup.track_vs_numpy"


def speedup(case, value, dtype="float32"):
    return Measurement("m", "c", "0.10.2", SPEEDUP, (f"'{case}'", f"'{dtype}'"), ("case", "dtype"), "ratio",
                       value, None, None, 0)


@pytest.mark.parametrize("value, limit, expected", [
    (1.01, 1.0, None), (1.09, 1.0, None), (0.95, 1.0, None), (1.1, 1.0, True), (1.5, 1.0, True),
    (0.9, 1.0, False), (0.85, 0.8, None), (0.9, 0.8, True), (10.5, 10, None), (11.5, 10, True),
])
def test_beyond_needs_a_margin_of_1_1x(value, limit, expected):
    assert scorecard.beyond(value, limit) is expected


@pytest.mark.parametrize("value, expected", [(1.0, True), (0.8, True), (0.7, None), (1.4, None), (1.6, None), (2.0, False),
                                             (0.5, False)])
def test_within_a_band_is_decided_only_clearly_inside_or_outside(value, expected):
    assert scorecard.within(value, 1.5) is expected


def test_a_1_01x_speedup_is_neither_support_nor_against():
    marginal = [speedup("fused_chain/jax_jit", 1.01), speedup("fused_chain/jax_jit", 1.02, "float64")]
    fusion = {v.claim: v for v in scorecard.score(marginal)}["fusion"]
    assert [e.supports for e in fusion.evidence] == [None, None]
    assert fusion.verdict == scorecard.INCONCLUSIVE and fusion.support_fraction is None
    clear = [speedup("fused_chain/jax_jit", 1.5), speedup("fused_chain/jax_jit", 1.02, "float64")]
    fusion = {v.claim: v for v in scorecard.score(clear)}["fusion"]
    assert fusion.verdict == scorecard.CONFIRMED and fusion.support_fraction == 1.0
    assert [scorecard.mark(e) for e in fusion.evidence] == ["+", "~"]


def test_a_fraction_above_100_percent_is_explained_not_shown_quietly():
    table = FigureTable("Fraction of the machine's copy bandwidth", "fraction",
                        {"elementwise/jax_jit": {"0.10.2": 5.02}, "matmul/numpy": {"0.10.2": 0.4}})
    assert "elementwise/jax_jit" in table.note() and "matmul/numpy" not in table.note()
    assert FigureTable("t", "fraction", {"a": {"r": 0.9}}).note() == ""
