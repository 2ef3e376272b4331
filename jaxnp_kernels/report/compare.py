"""Compare two JAX releases at one commit: a ratio and a verdict for every benchmark.

A benchmark is a **regression** (or an **improvement**) when both hold:

1. its value got worse (better) by at least the threshold factor (default 1.2x), in the
   direction its unit says is worse: seconds and bytes are better lower; ratios,
   throughputs and fractions are better higher;
2. the change is not noise: with recorded samples on both sides (``asv run
   --record-samples``), the two-sided Mann-Whitney U test rejects "same distribution"
   at ``alpha`` (default 0.01); without samples, asv's stored 99% confidence intervals
   must not overlap.  A figure recorded as a single value (a track benchmark) can only
   be judged when it is deterministic (bytes from XLA's memory analysis or tracemalloc,
   device counts); a single timing-derived value (compile seconds, a speedup) is never
   judged, since no test can tell its change from noise;
3. for bytes, the larger of the two values is at least ``MIN_BYTES`` (1 MiB): a temporary
   that stays smaller than a core's L2 cache on both sides costs no memory traffic worth a
   verdict, however large its ratio (16 bytes becoming 4 KiB is "4096x").

Everything else is "no change"; a benchmark skipped or failed on one side, or present
in only one release, is listed as such and never gets a verdict.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

from .results import Measurement, release_key
from .stats import mann_whitney_u

HIGHER_IS_BETTER_UNITS = {"ratio", "GB/s", "GFLOP/s", "fraction", "devices"}
#: Units whose single values are exact (no timing noise), so a single value can be judged.
DETERMINISTIC_UNITS = {"bytes", "devices"}
DEFAULT_THRESHOLD = 1.2
DEFAULT_ALPHA = 0.01
#: Byte figures below this on both sides are never judged (see the module docstring).
MIN_BYTES = 1 << 20

REGRESSION, IMPROVEMENT, NO_CHANGE = "regression", "improvement", "no change"
MISSING_OLD, MISSING_NEW = "only in newer", "only in older"
SKIPPED = "skipped or failed"


@dataclasses.dataclass(frozen=True)
class Comparison:
    old: Measurement | None
    new: Measurement | None
    ratio: float | None      # new / old value (for seconds: > 1 means slower)
    worse_factor: float | None  # > 1 when the new release is worse, in the unit's direction
    p_value: float | None
    evidence: str            # "mann-whitney", "ci-99", "single value", ""
    verdict: str

    @property
    def measurement(self) -> Measurement:
        return self.new or self.old


def higher_is_better(unit: str) -> bool:
    return unit in HIGHER_IS_BETTER_UNITS


def compare_pair(old: Measurement | None, new: Measurement | None, threshold=DEFAULT_THRESHOLD,
                 alpha=DEFAULT_ALPHA) -> Comparison:
    if old is None:
        return Comparison(old, new, None, None, None, "", MISSING_OLD)
    if new is None:
        return Comparison(old, new, None, None, None, "", MISSING_NEW)
    if old.value is None or new.value is None:
        return Comparison(old, new, None, None, None, "", SKIPPED)
    if old.value == 0:  # e.g. XLA needing no temporary buffer at all before
        ratio = 1.0 if new.value == 0 else math.inf
    else:
        ratio = new.value / old.value
    if higher_is_better(new.unit):
        worse = 1 / ratio if ratio else math.inf
    else:
        worse = ratio
    p_value, evidence, significant = None, "single value", True
    if old.samples and new.samples and len(old.samples) >= 2 and len(new.samples) >= 2:
        _, p_value = mann_whitney_u(old.samples, new.samples)
        evidence, significant = "mann-whitney", p_value < alpha
    elif old.ci_99 and new.ci_99:
        evidence = "ci-99"
        significant = old.ci_99[1] < new.ci_99[0] or new.ci_99[1] < old.ci_99[0]
    elif new.unit not in DETERMINISTIC_UNITS:
        evidence, significant = "single value, untestable", False
    if new.unit == "bytes" and max(old.value, new.value) < MIN_BYTES:
        evidence, significant = "below 1 MiB on both sides", False
    if worse >= threshold and significant:
        verdict = REGRESSION
    elif worse <= 1 / threshold and significant:
        verdict = IMPROVEMENT
    else:
        verdict = NO_CHANGE
    return Comparison(old, new, ratio, worse, p_value, evidence, verdict)


def compare_releases(measurements: Iterable[Measurement], old_release: str, new_release: str,
                     threshold=DEFAULT_THRESHOLD, alpha=DEFAULT_ALPHA) -> list[Comparison]:
    """Every benchmark of one machine and commit, ``old_release`` against ``new_release``."""
    olds, news = {}, {}
    for m in measurements:
        if m.release == old_release:
            olds[m.key] = m
        elif m.release == new_release:
            news[m.key] = m
    keys = sorted(set(olds) | set(news))
    return [compare_pair(olds.get(k), news.get(k), threshold, alpha) for k in keys]


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
