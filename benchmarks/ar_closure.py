"""Micro-benchmark of AR closure: how fast the angle chaser absorbs facts and derives everything.

The workload imitates the generator's: a random figure of N lines, each free or constructed
from earlier ones (parallel, perpendicular, at a fixed angle, or copying an angle: one defining
fact each), and a stream of TRUE facts: the defining ones interleaved with random eqangles among
numerically equal angles (what DD would add), fed in batches with `derive()` after every batch,
as the engine does after each DD round. Measured side by side in the same run:

- `pruned`: AngleChaser as shipped (normal forms, numeric clustering of candidate pairs);
- `unpruned`: the same exact algebra but every representative pair is a candidate (no numeric
  clustering), i.e. what the pruning saves.

Prints per-figure medians: facts fed, facts derived, seconds, and the unpruned/pruned time ratio.
Run: .venv/bin/python benchmarks/ar_closure.py [--figures 10] [--lines 40] [--facts 400]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deduction.algebra import AngleChaser  # noqa: E402
from deduction.algebra.chase import Pair  # noqa: E402


class UnprunedAngleChaser(AngleChaser):
    """Every pair of class representatives is a candidate: no numeric clustering."""

    def _candidate_groups(self, reps):  # type: ignore[no-untyped-def]
        pairs = []
        for i, a in enumerate(reps):
            for b in reps[i + 1 :]:
                pair, d, _ = self._orient(a, b)
                pairs.append((pair, d))
        # Hash every pair's normal form; the same exact test, on all O(n^2) pairs.
        yield from [pairs]

    def _const_candidate(self, value: float) -> bool:
        return True


def figure(rng: random.Random, n: int) -> tuple[dict[str, float], list[tuple]]:
    """Lines built one from another like constructions; returns directions (units of pi) and
    the defining facts (one per non-free line)."""
    dirs: dict[str, float] = {}
    defining: list[tuple] = []
    for i in range(n):
        name, lines = f"l{i}", list(dirs)
        r = rng.random()
        if len(lines) < 3 or r < 0.25:
            dirs[name] = rng.random()
        elif r < 0.45:
            a = rng.choice(lines)
            dirs[name] = dirs[a]
            defining.append(("para", (a, name), None))
        elif r < 0.65:
            a = rng.choice(lines)
            dirs[name] = (dirs[a] + 0.5) % 1.0
            defining.append(("perp", (a, name), None))
        elif r < 0.9:
            a, b, c = rng.sample(lines, 3)
            dirs[name] = (dirs[c] + dirs[b] - dirs[a]) % 1.0
            defining.append(("eqangle", (a, b, c, name), None))
        else:
            a = rng.choice(lines)
            v = Fraction(rng.randrange(1, 12), 12)
            dirs[name] = (dirs[a] + float(v)) % 1.0
            defining.append(("aconst", (a, name), v))
    return dirs, defining


def facts(rng: random.Random, dirs: dict[str, float], defining: list, count: int) -> list[tuple]:
    """The defining facts, shuffled into a stream of other TRUE facts (as DD would derive)."""
    lines = list(dirs)
    by_angle: dict[int, list[Pair]] = {}
    for a in lines:
        for b in lines:
            if a != b:
                by_angle.setdefault(round(((dirs[b] - dirs[a]) % 1.0) * 1e7), []).append((a, b))
    groups = [g for g in by_angle.values() if len(g) > 1]
    extra: list[tuple] = []
    while groups and len(extra) + len(defining) < count:
        (p, q), (s, t) = rng.sample(rng.choice(groups), 2)
        extra.append(("eqangle", (p, q, s, t), None))
    out = list(defining)
    for fact in extra:  # DD facts arrive interleaved with the construction facts
        out.insert(rng.randrange(len(out) + 1), fact)
    return out


def run(cls: type[AngleChaser], dirs: dict, stream: list, batch: int) -> tuple[float, int]:
    start = time.perf_counter()
    ch = cls()
    for line, d in dirs.items():
        ch.add_line(line, d * math.pi)
    derived = 0
    for i, (kind, args, value) in enumerate(stream):
        ch.add(kind, args, (kind, args, i), value=value)
        if (i + 1) % batch == 0:
            derived += len(ch.derive())
    derived += len(ch.derive())
    return time.perf_counter() - start, derived


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--figures", type=int, default=10)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--facts", type=int, default=400)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows = []
    for k in range(args.figures):
        rng = random.Random(args.seed * 1000 + k)
        dirs, defining = figure(rng, args.lines)
        stream = facts(rng, dirs, defining, args.facts)
        t_pruned, n_pruned = run(AngleChaser, dirs, stream, args.batch)
        t_plain, n_plain = run(UnprunedAngleChaser, dirs, stream, args.batch)
        rows.append((t_pruned, t_plain, n_pruned, n_plain))
    med = statistics.median
    print(
        f"AR angle closure: {args.figures} figures, {args.lines} lines, {args.facts} facts in, "
        f"derive() every {args.batch}"
    )
    print(f"{'variant':<10} {'median s':>9} {'facts/s in':>11} {'derived':>8}")
    for name, t, n in (("pruned", 0, 2), ("unpruned", 1, 3)):
        secs = med(r[t] for r in rows)
        print(f"{name:<10} {secs:>9.3f} {args.facts / secs:>11.0f} {med(r[n] for r in rows):>8.0f}")
    print(f"unpruned/pruned time ratio (median per figure): {med(r[1] / r[0] for r in rows):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
