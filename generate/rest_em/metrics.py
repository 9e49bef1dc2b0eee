"""pass@k and deterministic splits, by problem or by group.

`pass_at_k(n, c, k)` is the unbiased estimator of Chen et al. (2021, the HumanEval paper): of n
samples of which c are correct, the probability that at least one of k drawn without
replacement is correct, 1 - C(n-c, k) / C(n, k), computed as a product so that it stays exact
in floating point for large n. Averaging it over problems gives the data set's pass@k; it is
only defined for k <= n.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def pass_at_k(n: int, c: int, k: int) -> float:
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got {n=} {c=} {k=}")
    if n - c < k:
        return 1.0
    value = 1.0
    for i in range(n - c + 1, n + 1):
        value *= 1.0 - k / i
    return 1.0 - value


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """The mean of pass@k over problems, each given as (samples, correct)."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    if not values:
        raise ValueError("pass@k of no problems")
    return sum(values) / len(values)


def held_out(problem_id: str, fraction: float, seed: int = 0) -> bool:
    """Whether a problem is in the held-out split: a hash of (seed, id), so the split does not
    depend on the order or the number of problems, and a problem never changes sides."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"{fraction=} must be in (0, 1)")
    digest = hashlib.blake2b(f"{seed}:{problem_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < fraction


def split(
    items: Sequence[T], ids: Sequence[str], fraction: float, seed: int = 0
) -> tuple[list[T], list[T]]:
    """(train, held-out) by `held_out` on each item's id."""
    train: list[T] = []
    test: list[T] = []
    for item, item_id in zip(items, ids, strict=True):
        (test if held_out(item_id, fraction, seed) else train).append(item)
    return train, test


def by_group(items: Sequence[T], keys: Sequence[str], seed: int = 0) -> list[list[T]]:
    """Items grouped by key, the groups in the order of a hash of (seed, key) and each group's
    items in input order: a deterministic shuffle of whole groups."""
    groups: dict[str, list[T]] = {}
    for item, key in zip(items, keys, strict=True):
        groups.setdefault(key, []).append(item)
    order = sorted(groups, key=lambda k: hashlib.blake2b(f"{seed}:{k}".encode()).digest())
    return [groups[k] for k in order]


def take_groups(groups: Sequence[list[T]], n: int, leave: int = 1) -> tuple[list[T], list[list[T]]]:
    """(the items of the first whole groups, at least `n` of them unless that would leave fewer
    than `leave` groups; the groups left).

    A split by group (geometry's premise sets) moves whole groups, so a share is met at a group
    boundary rather than exactly: with few groups `held_out`'s threshold test of `split` could
    leave a side empty, which cutting an ordered list of groups cannot while groups remain."""
    first: list[T] = []
    i = 0
    while i < len(groups) - leave and len(first) < n:
        first.extend(groups[i])
        i += 1
    return first, list(groups[i:])
