"""The order in which a block's processes run: every environment sees the same machine moods.

A *block* is one benchmark combination measured in every environment of a session, with
``rounds`` processes per environment, one after another.  Within a round each environment
runs one process; the order of the environments is a random permutation for each block,
reversed every other round (for two environments: ABBA ABBA A... or BAAB BAAB B...), so
that neither side always runs first, and a drift of the machine during the block (a
linear trend, a neighbour starting up) falls on both sides alike.  Each process of an
environment runs in a different parent (a fresh pre-imported interpreter, see
:mod:`.runner`), chosen by a random permutation per block, so what a parent process
carries (its memory layout) varies between the processes being compared.
"""

from __future__ import annotations

import dataclasses
import random


@dataclasses.dataclass(frozen=True)
class Slot:
    """One process of a block: its position, round, environment and parent."""

    position: int
    round: int
    environment: int     # index into the session's environments
    parent: int          # index into that environment's parents


def block_order(n_environments: int, rounds: int, rng: random.Random) -> list[Slot]:
    """The slots of one block: ``rounds`` processes per environment, interleaved."""
    if n_environments < 1 or rounds < 1:
        raise ValueError("a block needs at least one environment and one round")
    first = list(range(n_environments))
    rng.shuffle(first)
    parents = []
    for _ in range(n_environments):
        order = list(range(rounds))
        rng.shuffle(order)
        parents.append(order)
    slots = []
    for r in range(rounds):
        for env in (first if r % 2 == 0 else first[::-1]):
            slots.append(Slot(len(slots), r, env, parents[env][r]))
    return slots
