"""Every configuration of a problem: figures over all the discrete choices its clauses leave open.

A few random figures only sample the discrete choices (which of two intersections, which root,
which side, mirrored or not; see numeric/branches.py): a statement true on one branch passes
when all the draws happen to land on it. `configurations` instead

1. realises the problem once with `seed`, and DISCOVER - 1 (or `draws - 1`) times more from
   derived seeds,
   recording each choice point any of these figures meets (the first figure is the one
   `realise(problem, seed, check_goal=False)` gives);
2. enumerates the combinations of their branches (all of them up to `limit`; beyond it the
   recorded one, every single-choice flip of it, then distinct random ones from the seed);
3. realises each combination with its branches forced and the same seed: the random stream
   is the recorded figure's, so the free points and other continuous parameters stay the same
   up to the first clause the flip changes and the figures differ in their branches only
   (a branch is defined relative to the figure, so keeping it fixed keeps branches
   comparable). A combination that cannot be drawn within `max_attempts` (the other
   intersection is an existing point, a later precondition fails on that branch) is
   reported in `unrealisable`;
4. keeps as many of the random figures of step 1 after the forced ones as make `draws`
   figures in all (their choices are in the combinations anyway).

The goal is never checked: no figure is redrawn because a statement fails on it. A choice
point met by none of the first `draws` figures, only on a forced one, is not in the
combinations: it is drawn at random there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product
from random import Random
from typing import NamedTuple

from deduction.errors import DegenerateError
from deduction.numeric.branches import Brancher, Key
from deduction.numeric.geometry import Point
from deduction.numeric.realise import DEFAULT_ATTEMPTS, realise_with
from deduction.types import ConstructionDef, Problem

# Forced combinations get fewer restarts than realise's 200: a branch that cannot exist is
# common (a precondition fails on it), and the random figures cover continuous bad luck.
FORCED_ATTEMPTS = 50
# Figures drawn to find the choice points, however few are asked for: a choice met on one
# figure in 4 (an intersection with a second viable point only there) is missed by 8 draws
# one time in 10.
DISCOVER = 8


class Choice(NamedTuple):
    """A discrete choice point of a problem's figure."""

    clause: int  # index in problem.clauses
    point: str  # the point the sketch places (the first, for multi-point sketches)
    ordinal: int  # which choice of that sketch (0: every sketch has at most one today)
    options: int  # how many branches


@dataclass(frozen=True)
class Configurations:
    """Figures of a problem over its discrete choices.

    `figures[k]` took the branches `branches[k]` (aligned with `choices`; None where that
    choice did not arise). The first `forced` figures are the forced combinations that could be
    drawn (the first is the recorded figure), the rest plain random draws. `combinations` counts
    all combinations of the choices (more than were tried when above `limit`).
    """

    choices: tuple[Choice, ...]
    figures: tuple[dict[str, Point], ...]
    branches: tuple[tuple[int | None, ...], ...]
    forced: int
    combinations: int
    unrealisable: tuple[tuple[int, ...], ...]

    def covered(self) -> set[tuple[int | None, ...]]:
        """The branch combinations some figure took."""
        return set(self.branches)


def _combinations(
    options: list[int], base: tuple[int, ...], limit: int, rng: Random
) -> list[tuple[int, ...]]:
    """All combinations (base first) if at most `limit`, else base, its single flips and random
    distinct others, `limit` in all."""
    if math.prod(options) <= limit:
        every = list(product(*(range(n) for n in options)))
        every.remove(base)
        return [base, *every]
    chosen = {base: None}
    for i, n in enumerate(options):
        for b in range(n):
            chosen.setdefault(base[:i] + (b,) + base[i + 1 :], None)
    while len(chosen) < limit:
        chosen.setdefault(tuple(rng.randrange(n) for n in options), None)
    return list(chosen)[:limit]


def configurations(
    problem: Problem,
    seed: int = 0,
    limit: int = 32,
    draws: int = 8,
    max_attempts: int = FORCED_ATTEMPTS,
    constructions: Mapping[str, ConstructionDef] | None = None,
) -> Configurations:
    """Figures of `problem` covering every combination of its discrete choices (up to `limit`
    combinations), then random ones up to `draws` figures. DegenerateError when the problem
    cannot be realised at all (realise's own attempts for the first figure)."""
    if limit < 1:
        raise ValueError(f"{limit=} must be >= 1")
    clause_of = {p: i for i, clause in enumerate(problem.clauses) for p in clause.points}

    def draw(rng: Brancher, attempts: int = DEFAULT_ATTEMPTS) -> dict[str, Point]:
        return realise_with(problem, rng, 0, attempts, constructions, check_goal=False).points

    recorder = Brancher(seed)
    first = draw(recorder)
    # Plain random figures first: a choice point some of them meet and the recorded one does
    # not (an intersection with one viable point on this figure, two on another) joins the
    # combinations too, so every choice any figure met is enumerated.
    spawn = Random(f"configurations:{seed}")
    plain: list[tuple[dict[str, Point], Brancher]] = []
    wanted = max(draws, DISCOVER)
    for _ in range(2 * wanted):  # a problem that rarely draws gets up to twice as many tries
        if len(plain) + 1 >= wanted:
            break
        rng = Brancher(spawn.getrandbits(63))
        try:
            plain.append((draw(rng), rng))
        except DegenerateError:
            continue
    options: dict[Key, int] = {}
    for rng in [recorder] + [r for _, r in plain]:
        for key, (_, n) in rng.taken.items():
            options.setdefault(key, n)
    keys: list[Key] = sorted(options, key=lambda k: (clause_of.get(k[0], -1), k))
    choices = tuple(Choice(clause_of.get(k[0], -1), k[0], k[1], options[k]) for k in keys)

    def taken(rng: Brancher) -> tuple[int | None, ...]:
        return tuple(rng.taken[k][0] if k in rng.taken else None for k in keys)

    recorded = taken(recorder)
    base = tuple(0 if b is None else b for b in recorded)
    figures, branches = [first], [recorded]
    unrealisable = []
    pick = Random(seed)
    combos = _combinations([c.options for c in choices], base, limit, pick)
    for combination in combos[1:] if base == recorded else combos:
        forcer = Brancher(seed, dict(zip(keys, combination, strict=True)))
        try:
            figures.append(draw(forcer, max_attempts))
        except DegenerateError:
            unrealisable.append(combination)
            continue
        branches.append(taken(forcer))
    forced = len(figures)
    for points, rng in plain[: max(0, draws - forced)]:
        figures.append(points)
        branches.append(taken(rng))
    return Configurations(
        choices,
        tuple(figures),
        tuple(branches),
        forced,
        math.prod(c.options for c in choices),
        tuple(unrealisable),
    )
