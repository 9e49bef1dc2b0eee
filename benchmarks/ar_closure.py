"""Micro-benchmark of AR closure: how fast the angle chaser absorbs facts and derives everything.

The workload imitates the generator's: a random figure of N lines, each free or constructed
from earlier ones (parallel, perpendicular, at a fixed angle, or copying an angle: one defining
fact each), and a stream of TRUE facts: the defining ones interleaved with random eqangles among
numerically equal angles (what DD would add), fed in batches with `derive()` after every batch,
as the engine does after each DD round. Measured side by side in the same run:

- `pruned`: AngleChaser as shipped (normal forms, numeric clustering of candidate pairs);
- `unpruned`: the same exact algebra but every representative pair is a candidate (no numeric
  clustering), i.e. what the pruning saves;
- `lazy`: AngleChaser with `derive(with_why=False)`, the whys left for `explain()`.

A second table times the exact core against the obvious exact peer: entailment of a random
equation by a random rational system, `LinearSystem.implies` (incremental echelon form, built
once) against a sympy rank test (`rank([A; t]) == rank(A)`), same systems and queries.

Prints per-figure medians: facts fed, facts derived, seconds, and the time ratios.
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


def run(
    cls: type[AngleChaser], dirs: dict, stream: list, batch: int, with_why: bool = True
) -> tuple[float, int]:
    start = time.perf_counter()
    ch = cls()
    for line, d in dirs.items():
        ch.add_line(line, d * math.pi)
    derived = 0
    for i, (kind, args, value) in enumerate(stream):
        ch.add(kind, args, (kind, args, i), value=value)
        if (i + 1) % batch == 0:
            derived += len(ch.derive(with_why=with_why))
    derived += len(ch.derive(with_why=with_why))
    return time.perf_counter() - start, derived


def implication_peer(rng: random.Random, n: int, m: int, queries: int) -> tuple[float, float]:
    """Seconds for LinearSystem (build + queries) and for sympy rank tests, same inputs."""
    import sympy

    from deduction.algebra import LinearSystem

    rows = [[rng.randint(-2, 2) if rng.random() < 0.3 else 0 for _ in range(n)] for _ in range(m)]
    targets = []
    for _ in range(queries):
        if rng.random() < 0.5:
            w = [rng.randint(-2, 2) for _ in rows]
            targets.append([sum(c * r[j] for c, r in zip(w, rows, strict=True)) for j in range(n)])
        else:
            targets.append([rng.randint(-2, 2) for _ in range(n)])
    start = time.perf_counter()
    system = LinearSystem()
    for i, row in enumerate(rows):
        system.add({j: c for j, c in enumerate(row) if c}, 0, i)
    ours = [system.implies({j: c for j, c in enumerate(t) if c}) for t in targets]
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    base = sympy.Matrix(rows)
    rank = base.rank()
    theirs = [sympy.Matrix(rows + [t]).rank() == rank for t in targets]
    t_peer = time.perf_counter() - start
    if ours != theirs:
        raise AssertionError("LinearSystem.implies disagrees with sympy")
    return t_ours, t_peer


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
        t_lazy, n_lazy = run(AngleChaser, dirs, stream, args.batch, with_why=False)
        t_plazy, n_plazy = run(UnprunedAngleChaser, dirs, stream, args.batch, with_why=False)
        rows.append((t_pruned, t_plain, n_pruned, n_plain, t_lazy, n_lazy, t_plazy, n_plazy))
    med = statistics.median
    print(
        f"AR angle closure: {args.figures} figures, {args.lines} lines, {args.facts} facts in, "
        f"derive() every {args.batch}"
    )
    print(f"{'variant':<10} {'median s':>9} {'facts/s in':>11} {'derived':>8}")
    variants = (("pruned", 0, 2), ("unpruned", 1, 3), ("lazy", 4, 5), ("unpr.lazy", 6, 7))
    for name, t, n in variants:
        secs = med(r[t] for r in rows)
        print(f"{name:<10} {secs:>9.3f} {args.facts / secs:>11.0f} {med(r[n] for r in rows):>8.0f}")
    print(f"unpruned/pruned time ratio (median per figure): {med(r[1] / r[0] for r in rows):.2f}")
    print(f"same, whys deferred: {med(r[6] / r[4] for r in rows):.2f}")
    print(f"pruned/lazy time ratio (median per figure): {med(r[0] / r[4] for r in rows):.2f}")
    peer = [implication_peer(random.Random(args.seed + k), 30, 25, 50) for k in range(5)]
    print("entailment, 30 variables, 25 equations, 50 queries (5 systems):")
    print(
        f"  LinearSystem median {med(p[0] for p in peer):.4f} s, sympy rank median "
        f"{med(p[1] for p in peer):.4f} s, sympy/ours ratio {med(p[1] / p[0] for p in peer):.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
