"""The release verdict's statistics: per-process summaries, Hodges-Lehmann ratio, its interval."""

import dataclasses
import math
import random
import statistics

import pytest

from jaxnp_results import compare
from jaxnp_results.results import Measurement
from jaxnp_results.stats import _tail_rank, mann_whitney_u, paired_ratio_interval, ratio_interval

TIME = "bench_elementwise.FusedChain.time_run"


def test_five_against_five_needs_complete_separation_for_a_99_percent_interval():
    old, new = [1.0, 1.1, 0.9, 1.05, 0.95], [1.2, 1.3, 1.25, 1.22, 1.4]
    est = ratio_interval(old, new, alpha=0.01)
    # k = 1: the interval runs from the smallest to the largest pairwise ratio, coverage 1 - 2/252
    assert est.low == pytest.approx(1.2 / 1.1) and est.high == pytest.approx(1.4 / 0.9)
    assert est.confidence == pytest.approx(1 - 2 / 252)
    assert est.p_value == pytest.approx(2 / 252) and est.excludes_one
    # the estimate is the median of the 25 pairwise ratios
    assert est.ratio == pytest.approx(math.exp(statistics.median(math.log(b / a) for a in old for b in new)))
    # one process of each side swapped in rank: no longer complete separation, the interval holds 1
    assert not ratio_interval([1.0, 1.1, 0.9, 1.05, 1.21], [1.2, 1.3, 1.25, 1.0, 1.4]).excludes_one


def test_interval_ranks_match_the_tables_and_the_normal_approximation():
    assert _tail_rank(5, 5, 0.05)[0] == 3            # Hollander & Wolfe: 96.8% for 5 vs 5
    assert _tail_rank(5, 5, 0.05)[1] == pytest.approx(0.9683, abs=1e-4)
    assert _tail_rank(3, 3, 0.01) == (0, 0.0)        # 3 vs 3 cannot reach 99%
    exact, _ = _tail_rank(20, 20, 0.01)
    sigma = math.sqrt(20 * 20 * 41 / 12)
    approx = math.floor(200 + 0.5 - statistics.NormalDist().inv_cdf(0.995) * sigma)
    assert abs(exact - approx) <= 2
    assert _tail_rank(30, 30, 0.01)[1] >= 0.99


def test_too_few_processes_give_an_unbounded_interval_and_no_verdict():
    est = ratio_interval([1.0, 1.01, 0.99], [2.0, 2.1, 1.9])
    assert (est.low, est.high) == (0.0, math.inf)
    assert compare.judge(est.low, est.high, 1.2) == compare.NO_CHANGE


def test_bad_values_are_refused():
    with pytest.raises(ValueError):
        ratio_interval([1.0, 0.0], [1.0, 1.0])
    with pytest.raises(ValueError):
        ratio_interval([1.0, math.nan], [1.0, 1.0])
    with pytest.raises(ValueError):
        ratio_interval([], [1.0])
    with pytest.raises(ValueError):
        ratio_interval([1.0], [1.0], alpha=0)


@pytest.mark.parametrize("low, high, verdict", [
    (1.06, 1.25, compare.REGRESSION),       # slower by 5% at least, and 1.2x is within the interval
    (1.30, 1.60, compare.REGRESSION),
    (1.02, 1.78, compare.NO_CHANGE),        # off 1 but not by 5%: a NumPy row's false positive before
    (1.06, 1.15, compare.NO_CHANGE),        # slower, but shown to be less than 1.2x
    (0.80, 1.30, compare.NO_CHANGE),        # no evidence either way
    (0.70, 0.94, compare.IMPROVEMENT),      # faster by 5% at least, and 1/1.2 is within the interval
    (0.60, 0.97, compare.NO_CHANGE),        # faster, but not shown by 5%
    (0.88, 0.94, compare.NO_CHANGE),        # faster, shown to be less than 1.2x
])
def test_the_rule_needs_the_interval_beyond_5_percent_and_reaching_the_threshold(low, high, verdict):
    assert compare.judge(low, high, 1.2) == verdict


def synthetic_processes(rng, level, processes=6, samples=8, between=0.15, within=0.01):
    """Per process: a level drawn with ``between`` spread, its samples tight around it."""
    out = []
    for _ in range(processes):
        process_level = level * math.exp(rng.gauss(0, between))
        out.append([process_level * math.exp(rng.gauss(0, within)) for _ in range(samples)])
    return out


def side(release, processes, session="s1"):
    summaries = tuple(statistics.median(p) for p in processes)
    return Measurement("m", "c", release, TIME, ("'jax_jit'", "'M'", "'float32'"),
                       ("implementation", "size", "dtype"), "seconds", statistics.median(summaries),
                       summaries, None, 0, session)


def test_tight_within_wide_between_processes_no_true_change_no_verdict():
    """Samples of one process agree to 1% while whole processes differ by 15%: the process is the
    unit, so an A/A comparison almost never gets a verdict, where pooling the samples would."""
    rng = random.Random(20261202)
    rows, judged, pooled_significant = 400, 0, 0
    for _ in range(rows):
        a, b = synthetic_processes(rng, 1.0), synthetic_processes(rng, 1.0)
        c = compare.compare_pair(side("0.4.31", a), side("0.10.2", b))
        judged += c.verdict in (compare.REGRESSION, compare.IMPROVEMENT)
        _, p = mann_whitney_u([s for p in a for s in p], [s for p in b for s in p])
        pooled_significant += p < 0.01
    assert judged / rows <= 0.02
    assert pooled_significant / rows > 0.3   # the same data, samples treated as independent


def test_a_true_change_beyond_the_threshold_is_found_and_named():
    rng = random.Random(7)
    found = 0
    for _ in range(200):
        a, b = synthetic_processes(rng, 1.0, between=0.04), synthetic_processes(rng, 1.3, between=0.04)
        c = compare.compare_pair(side("0.4.31", a), side("0.10.2", b))
        found += c.verdict == compare.REGRESSION
        assert c.evidence == compare.SIDE_BY_SIDE and c.processes == (6, 6)
        assert c.interval[0] <= c.ratio <= c.interval[1]
    assert found / 200 >= 0.95


def test_values_from_different_sessions_or_files_are_never_judged():
    rng = random.Random(3)
    a, b = synthetic_processes(rng, 1.0, between=0.01), synthetic_processes(rng, 3.0, between=0.01)
    apart = compare.compare_pair(side("0.4.31", a, session="s1"), side("0.10.2", b, session="s2"))
    assert apart.verdict == compare.APART and apart.ratio == pytest.approx(3.0, rel=0.1)
    files = compare.compare_pair(side("0.4.31", a, session=None), side("0.10.2", b, session=None))
    assert files.verdict == compare.APART


# -- sessions measured in rounds: one ratio per round ------------------------------------------

def test_signed_rank_intervals_match_the_tables():
    from jaxnp_results.stats import _signed_rank_tail

    # two-sided 0.005 (Wilcoxon signed-rank tables): n=9 reaches it only with every sign alike,
    # n=10 tolerates one smallest rank out of line; n=8 never reaches it
    assert _signed_rank_tail(8, 0.005) == (0, 0.0)
    assert _signed_rank_tail(9, 0.005) == (1, pytest.approx(1 - 2 / 512))
    assert _signed_rank_tail(10, 0.005) == (2, pytest.approx(1 - 4 / 1024))
    assert _signed_rank_tail(12, 0.05)[0] == 14          # T <= 13 is the tabled 5% critical value
    k_exact, coverage = _signed_rank_tail(60, 0.01)
    m, sigma = 60 * 61 / 2, math.sqrt(60 * 61 * 121 / 24)
    k_normal = math.floor(m / 2 + 0.5 - statistics.NormalDist().inv_cdf(0.995) * sigma)
    assert coverage >= 0.99 and abs(k_exact - k_normal) <= 0.005 * m     # 568 exact, 565 normal
    assert _signed_rank_tail(61, 0.01)[1] == pytest.approx(0.99, abs=0.001)   # beyond 60: the normal one


def test_paired_interval_is_the_walsh_average_order_statistics():
    ratios = [1.02, 0.97, 1.05, 1.01, 0.99, 1.03, 1.00, 0.98, 1.04, 1.06]
    logs = [math.log(r) for r in ratios]
    walsh = sorted((logs[i] + logs[j]) / 2 for i in range(10) for j in range(i, 10))
    est = paired_ratio_interval(ratios)
    assert est.ratio == pytest.approx(math.exp(statistics.median(walsh)))
    assert (est.low, est.high) == (pytest.approx(math.exp(walsh[1])), pytest.approx(math.exp(walsh[-2])))
    assert not est.excludes_one
    shifted = paired_ratio_interval([r * 1.3 for r in ratios])
    assert shifted.excludes_one and shifted.ratio == pytest.approx(est.ratio * 1.3)
    assert shifted.p_value == pytest.approx(2 / 1024)     # all ten rounds slower: the exact tail
    assert (paired_ratio_interval(ratios[:8]).low, paired_ratio_interval(ratios[:8]).high) == (0.0, math.inf)
    for bad in ([], [1.0, 0.0], [1.0, math.inf]):
        with pytest.raises(ValueError):
            paired_ratio_interval(bad)


def rounds_side(release, turns, session="s1", look=0):
    """A measurement of a session in rounds: ``turns[r]`` is round r's process's samples."""
    summaries = tuple(statistics.median(t) for t in turns)
    return Measurement("m", "c", release, TIME, ("'jax_jit'", "'M'", "'float32'"),
                       ("implementation", "size", "dtype"), "seconds", statistics.median(summaries),
                       summaries, None, 0, session, rounds=tuple(range(len(turns))),
                       turns=tuple(tuple(t) for t in turns), look=look)


def test_rounds_cancel_the_machine_speed_that_processes_measured_one_by_one_carry():
    """Each round runs at its own machine speed (1.6x apart, as this project's CPUs flip), shared by
    the two processes of the round: judged by round, a 25% slowdown is found with an interval as
    narrow as the samples' own noise; the same values judged process against process carry the
    machine's speeds in a wider interval."""
    rng = random.Random(11)
    old_turns, new_turns = [], []
    for _ in range(10):
        speed = rng.choice([1.0, 1.6])
        old_turns.append([speed * math.exp(rng.gauss(0, 0.01)) for _ in range(7)])
        new_turns.append([1.25 * speed * math.exp(rng.gauss(0, 0.01)) for _ in range(7)])
    old, new = rounds_side("0.4.31", old_turns), rounds_side("0.10.2", new_turns)
    c = compare.compare_pair(old, new)
    assert c.verdict == compare.REGRESSION and c.rounds == 10 and c.ratio == pytest.approx(1.25, rel=0.02)
    unpaired = dataclasses.replace(old, rounds=None, turns=None), dataclasses.replace(new, rounds=None, turns=None)
    paired, apart = compare.estimate(old, new), compare.estimate(*unpaired)
    assert paired.high / paired.low < 1.01 and paired.high / paired.low < apart.high / apart.low


def test_a_round_ratio_pairs_the_samples_of_one_turn():
    # the machine slows down during the round: turn by turn the ratio stays 1.1
    old = rounds_side("a", [[1.0, 1.0, 2.0, 2.0, 2.0]] * 10)
    new = rounds_side("b", [[1.1, 1.1, 2.2, 2.2, 2.2]] * 10)
    assert compare.round_ratios(old, new) == [pytest.approx(1.1)] * 10


def test_each_extension_of_a_block_is_judged_at_the_previous_alpha_times_the_step():
    assert [compare.look_alpha(0.005, k, step=0.5) for k in range(3)] == [0.005, 0.0025, 0.00125]
    assert [compare.look_alpha(0.05, k, step=1) for k in range(3)] == [0.05, 0.05, 0.05]
    assert compare.look_alpha(0.05, 2) == pytest.approx(0.05 * compare.LOOK_STEP ** 2)
    # 15 rounds, one look beyond the first: the interval is the wider one of alpha 0.0025
    turns = [[1.0 + 0.01 * ((r * 7) % 5)] * 3 for r in range(15)]
    first = compare.estimate(rounds_side("a", turns), rounds_side("b", turns[::-1]))
    later = compare.estimate(rounds_side("a", turns, look=1), rounds_side("b", turns[::-1], look=1), step=0.5)
    assert later.low <= first.low and later.high >= first.high and later.confidence > first.confidence


@pytest.mark.parametrize("level, spread, resolved", [
    (1.0, 0.01, True),     # no change, and the interval shows it smaller than 1.2x
    (1.5, 0.01, True),     # a clear regression
    (1.0, 0.40, False),    # too noisy to tell: measure more
])
def test_a_pair_is_resolved_by_a_verdict_or_an_interval_inside_the_threshold(level, spread, resolved):
    rng = random.Random(5)
    old = rounds_side("a", [[1.0] for _ in range(10)])
    new = rounds_side("b", [[level * math.exp(rng.gauss(0, spread))] for _ in range(10)])
    assert compare.resolved(old, new) is resolved


def test_a_no_change_wider_than_the_resolution_aimed_for_is_measured_on():
    """An interval inside the threshold but wider than ``widest`` cannot yet resolve a change of the
    threshold's size: with the width rule the block is extended, without it the block stops."""
    rng = random.Random(6)
    old = rounds_side("a", [[1.0] for _ in range(10)])
    new = rounds_side("b", [[math.exp(rng.gauss(0, 0.1))] for _ in range(10)])
    e = compare.estimate(old, new)
    assert 1 / 1.2 < e.low and e.high < 1.2 and 1.15 < e.high / e.low < 1.2   # inside the threshold, not narrow
    assert compare.resolved(old, new)                       # at most as wide as the threshold, 1.2x
    assert not compare.resolved(old, new, threshold=1.15)   # wider than a 1.15x threshold
    assert not compare.resolved(old, new, widest=1.08)
    assert compare.resolved(old, new, widest=math.inf)
