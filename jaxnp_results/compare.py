"""Compare two JAX releases at one commit: a ratio, its interval and a verdict per benchmark.

Timings, and every figure derived from them (speedups, rates), are compared only when the
two releases were **measured side by side**: in one session of ``jaxnp-releases run``, on
one machine in the same minutes (:mod:`.sessions`).  A session measures each combination
in *rounds*: one process per release alive together, their samples taken in turn.  Each
round gives one ratio new/old (the median over turns of the two processes' sample ratios),
and the ratio is their one-sample Hodges-Lehmann estimate with its distribution-free
``1 - alpha`` interval (:func:`.stats.paired_ratio_interval`); the process, paired by its
round, stays the unit.  (Sessions measured one process after another are judged process
against process: :func:`.stats.ratio_interval`.)  With ``worse`` the ratio turned so that
above 1 means worse in the unit's direction (seconds and bytes are better lower; ratios,
throughputs and fractions better higher), a benchmark is a

- **regression** when the whole interval of ``worse`` lies above ``MIN_CHANGE`` (1.05: the
  rounds show the new release worse, signed-rank significant at ``alpha``, and by at least
  5%) *and* the interval reaches the threshold (default 1.2x): a change at least that large
  is consistent with the data;
- **improvement** symmetrically (interval below 1/1.05, reaching 1/threshold);
- **no change** otherwise: no evidence of a change, or a change shown to be smaller than
  the threshold (its whole interval lies between 1 and the threshold).

With the default alpha of 0.05 and 10 rounds, the 95% interval runs from the 9th smallest to
the 9th largest of the 55 Walsh averages (coverage 1 - 50/1024); 5 rounds or fewer never give
a verdict.  (Until 2026-12-06 the alpha was 0.005: the A/A runs then flagged none of 328
rows, and the JAX rows' intervals were too wide to resolve 20%; at 0.05 they flag at most
1% of rows, docs/measurement.md.)  A block still *unresolved* after its
rounds (:func:`resolved`: neither a verdict nor an interval inside the threshold and at most as
wide as it, i.e. one that tells a change of the threshold's size from none) is extended by the
runner, 5 rounds at a time up to 20, and each extension is judged at the same alpha
(:func:`look_alpha`, ``LOOK_STEP``): the A/A runs, which replay any such rule look by look on
sessions measured at 20 rounds, put its false positives at about 0.5% of rows; halving the alpha
at each look (a Bonferroni bound of ``2 * alpha``, the rule until 2026-12-07) left the JAX rows
beside a busy neighbour too wide to resolve 20%.

Values measured at different times (two asv result files, no common session) are never
judged, however far apart: they are "measured apart", with their ratio shown.  The one
exception is exact figures (bytes from XLA's memory analysis or tracemalloc, device
counts), judged from single values; for bytes only when one side reaches ``MIN_BYTES``
(1 MiB): a temporary that stays smaller than a core's L2 cache on both sides is not worth
a verdict however large its ratio.  A benchmark skipped or failed on one side, or present
in only one release, is listed as such and never gets a verdict.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Iterable

from .versions import release_key

from .results import Measurement
from .stats import paired_ratio_interval, ratio_interval

HIGHER_IS_BETTER_UNITS = {"ratio", "GB/s", "GFLOP/s", "fraction", "devices"}
#: Units whose single values are exact (no timing noise), so a single value can be judged.
DETERMINISTIC_UNITS = {"bytes", "devices"}
DEFAULT_THRESHOLD = 1.2
#: The first look's alpha (95% intervals), chosen by the A/A calibration: docs/measurement.md, section 4.
DEFAULT_ALPHA = 0.05
#: Byte figures below this on both sides are never judged (see the module docstring).
MIN_BYTES = 1 << 20

REGRESSION, IMPROVEMENT, NO_CHANGE = "regression", "improvement", "no change"
APART = "measured apart"
MISSING_OLD, MISSING_NEW = "only in newer", "only in older"
SKIPPED = "skipped or failed"          # on one side; measured on the other
NOT_MEASURED = "not measured"          # skipped, failed or never selected on both sides
SIDE_BY_SIDE = "side by side"


@dataclasses.dataclass(frozen=True)
class Comparison:
    old: Measurement | None
    new: Measurement | None
    ratio: float | None      # new / old (side by side: Hodges-Lehmann over processes)
    worse_factor: float | None  # > 1 when the new release is worse, in the unit's direction
    p_value: float | None
    evidence: str            # SIDE_BY_SIDE, "single value", "measured apart", ...
    verdict: str
    interval: tuple[float, float] | None = None   # of ``ratio`` (side by side only)

    @property
    def measurement(self) -> Measurement:
        return self.new or self.old

    @property
    def processes(self) -> tuple[int, int] | None:
        """Processes per side (side by side only)."""
        if self.evidence != SIDE_BY_SIDE:
            return None
        return len(self.old.samples), len(self.new.samples)

    @property
    def rounds(self) -> int | None:
        """Rounds both sides were measured in (a session measured in rounds only)."""
        if self.evidence != SIDE_BY_SIDE or self.old.rounds is None or self.new.rounds is None:
            return None
        return len(set(self.old.rounds) & set(self.new.rounds))


def higher_is_better(unit: str) -> bool:
    return unit in HIGHER_IS_BETTER_UNITS


#: The near end of a verdict's interval must lie beyond this factor.  Intervals whose near end
#: sits between 1 and 1.05 came only from NumPy rows in two real main jobs (2 of 102, e.g.
#: a 6.5 us NumPy gather "1.36x [1.01, 1.78]"); replayed on the stored calibration sessions the
#: margin changes nothing there (A/A 0 of 204, quiet and with the hog; every injected 20%
#: slowdown caught before is caught, its nearest end 1.08): docs/measurement.md, section 3.
MIN_CHANGE = 1.05


def judge(worse_low: float, worse_high: float, threshold: float) -> str:
    """The verdict of an interval of the ``worse`` factor (see the module docstring)."""
    if worse_low > MIN_CHANGE and worse_high >= threshold:
        return REGRESSION
    if worse_high < 1 / MIN_CHANGE and worse_low <= 1 / threshold:
        return IMPROVEMENT
    return NO_CHANGE


#: Each extension of a block is judged at the previous look's alpha times this: 1, every look at
#: the first look's alpha (docs/measurement.md, section 4: what the A/A replay measured for 0.5,
#: 0.75 and 1).
LOOK_STEP = 1.0


def look_alpha(alpha: float, look: int, step: float = LOOK_STEP) -> float:
    """The alpha of a block's ``look``-th extension: ``alpha`` at the first look, the previous
    look's times ``step`` at each later one."""
    return alpha * step ** max(0, look)


def round_ratios(old: Measurement, new: Measurement) -> list[float]:
    """new/old per round measured on both sides: the median of the ratios of the two processes'
    samples turn by turn (samples of one turn were taken back to back, so a change of the
    machine's speed between turns cancels), or of their summaries when no samples were kept."""
    def turns(m: Measurement):
        return [t if t else (s,) for t, s in zip(m.turns or [()] * len(m.samples), m.samples)]

    olds = dict(zip(old.rounds, turns(old)))
    return [statistics.median(b / a for a, b in zip(olds[r], samples))
            for r, samples in zip(new.rounds, turns(new)) if r in olds]


def estimate(old: Measurement, new: Measurement, alpha=DEFAULT_ALPHA, step=LOOK_STEP):
    """The ratio new/old with its interval: paired by round when both were measured in rounds
    (:func:`.stats.paired_ratio_interval`), otherwise process against process
    (:func:`.stats.ratio_interval`)."""
    if old.rounds is not None and new.rounds is not None:
        return paired_ratio_interval(round_ratios(old, new), look_alpha(alpha, max(old.look, new.look), step))
    return ratio_interval(old.samples, new.samples, alpha)


def resolved(old: Measurement, new: Measurement, threshold=DEFAULT_THRESHOLD, alpha=DEFAULT_ALPHA,
             step=LOOK_STEP, widest=None) -> bool:
    """Whether the pair's interval decides: a verdict, or a change shown smaller than ``threshold``
    (the whole interval between 1/threshold and threshold) by an interval at most ``widest`` wide
    (high over low; by default the threshold itself: an interval that narrow cannot hold both 1
    and a change of the threshold's size, so the row resolves such a change).  The runner
    measures more rounds of a block while a pair of its releases is not resolved."""
    e = estimate(old, new, alpha, step)
    if judge(*worse_interval(e, new.unit), threshold) != NO_CHANGE:
        return True
    return shown_smaller(e.low, e.high, threshold, widest)


def shown_smaller(low: float, high: float, threshold=DEFAULT_THRESHOLD, widest=None) -> bool:
    """Whether an interval of a ratio shows the change smaller than ``threshold``: wholly between
    1/threshold and threshold, and at most ``widest`` wide (high over low; by default the threshold)."""
    widest = threshold if widest is None else widest
    return 1 / threshold < low and high < threshold and high / low <= widest


def worse_interval(e, unit: str) -> tuple[float, float]:
    """The interval of the ``worse`` factor (above 1 is worse in the unit's direction)."""
    if higher_is_better(unit):
        return 1 / e.high, (1 / e.low if e.low else math.inf)
    return e.low, e.high


def _side_by_side(old: Measurement, new: Measurement, threshold, alpha) -> Comparison:
    e = estimate(old, new, alpha)
    worse = 1 / e.ratio if higher_is_better(new.unit) else e.ratio
    verdict = judge(*worse_interval(e, new.unit), threshold)
    return Comparison(old, new, e.ratio, worse, e.p_value, SIDE_BY_SIDE, verdict, (e.low, e.high))


def compare_pair(old: Measurement | None, new: Measurement | None, threshold=DEFAULT_THRESHOLD,
                 alpha=DEFAULT_ALPHA) -> Comparison:
    if old is None:
        return Comparison(old, new, None, None, None, "", MISSING_OLD)
    if new is None:
        return Comparison(old, new, None, None, None, "", MISSING_NEW)
    if old.value is None and new.value is None:
        return Comparison(old, new, None, None, None, "", NOT_MEASURED)
    if old.value is None or new.value is None:
        return Comparison(old, new, None, None, None, "", SKIPPED)
    if old.session is not None and old.session == new.session and old.value > 0 and new.value > 0:
        return _side_by_side(old, new, threshold, alpha)
    if old.value == 0:  # e.g. XLA needing no temporary buffer at all before
        ratio = 1.0 if new.value == 0 else math.inf
    else:
        ratio = new.value / old.value
    if higher_is_better(new.unit):
        worse = 1 / ratio if ratio else math.inf
    else:
        worse = ratio
    if new.unit not in DETERMINISTIC_UNITS:
        return Comparison(old, new, ratio, worse, None, APART, APART)
    if new.unit == "bytes" and max(old.value, new.value) < MIN_BYTES:
        return Comparison(old, new, ratio, worse, None, "below 1 MiB on both sides", NO_CHANGE)
    verdict = REGRESSION if worse >= threshold else IMPROVEMENT if worse <= 1 / threshold else NO_CHANGE
    return Comparison(old, new, ratio, worse, None, "single value", verdict)


def _newest_session_pair(measurements: Iterable[Measurement], old_release: str, new_release: str):
    """key -> (old, new) from the newest session that measured the key in both releases."""
    by_session: dict[tuple, dict[str, Measurement]] = {}
    for m in measurements:
        if m.session is not None and m.release in (old_release, new_release):
            by_session.setdefault((m.key, m.session), {})[m.release] = m
    best: dict[tuple, tuple[Measurement, Measurement]] = {}
    for (key, _), sides in by_session.items():
        if len(sides) == 2:
            pair = (sides[old_release], sides[new_release])
            if key not in best or pair[0].date > best[key][0].date:
                best[key] = pair
    return best


def compare_releases(measurements: Iterable[Measurement], old_release: str, new_release: str,
                     threshold=DEFAULT_THRESHOLD, alpha=DEFAULT_ALPHA) -> list[Comparison]:
    """Every benchmark of one machine and commit, ``old_release`` against ``new_release``.

    A benchmark measured side by side in both releases is compared from its newest such
    session; any other from the asv result files (judged only when exact).
    """
    measurements = list(measurements)
    paired = _newest_session_pair(measurements, old_release, new_release)
    olds, news = {}, {}
    for m in latest_per_key(m for m in measurements if m.session is None):
        if m.release == old_release:
            olds[m.key] = m
        elif m.release == new_release:
            news[m.key] = m
    session_keys = {m.key for m in measurements if m.session is not None
                    and m.release in (old_release, new_release)}
    comparisons = []
    for key in sorted(set(olds) | set(news) | set(paired) | session_keys):
        if key in paired:
            comparisons.append(compare_pair(*paired[key], threshold, alpha))
        else:
            comparisons.append(compare_pair(olds.get(key), news.get(key), threshold, alpha))
    return comparisons


def release_pairs(releases: Iterable[str]) -> list[tuple[str, str]]:
    """Consecutive releases in version order, plus oldest vs newest when there are 3+."""
    ordered = sorted(set(releases), key=release_key)
    pairs = list(zip(ordered, ordered[1:]))
    if len(ordered) > 2:
        pairs.append((ordered[0], ordered[-1]))
    return pairs


def latest_per_key(measurements: Iterable[Measurement]) -> list[Measurement]:
    """If a release was measured several times at one commit, keep the newest result."""
    best: dict[tuple, Measurement] = {}
    for m in measurements:
        k = (m.machine, m.commit, m.release, m.key)
        if k not in best or m.date > best[k].date:
            best[k] = m
    return list(best.values())
