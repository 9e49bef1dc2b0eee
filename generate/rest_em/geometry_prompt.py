"""The prompt contract between a geometry problem and the policy: one place, imported by the
ReST-EM loop's geometry domain (what the policy is trained on) and by `generate.rest_em.solve`
(what the solver asks it), so the two cannot drift apart.

- The prompt is the problem without auxiliary clauses, in AlphaGeometry's syntax exactly as
  deduction prints it, `"; ".join(clauses) + " ? " + goal` (`problem_text`):

      a b c = triangle a b c; d = on_tline d b a c, on_tline d c a b ? perp a d b c

  rendered like a math prompt (`Q: {text}\\nA: `, or the tokenizer's chat template: `render`).
- The completion is one line, one or more auxiliary clauses joined by "; "
  (`completion_text`), sampled up to the first newline (`STOP`):

      e = on_line e a c, on_line e b d

- `completion_pattern(text)` is the grammar of that line for one problem, a regular expression:
  each clause introduces the next free point name (AlphaGeometry's order, a..z then a1..z1, as
  the generator names auxiliary points) with one or two constructions of it, whose other
  arguments are points the problem (or an earlier clause) already has. The samplers constrain
  decoding to it (`generate.rest_em.constrain` for transformers, guided decoding for vLLM).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from deduction import CONSTRUCTIONS, Clause, Problem, parse_problem
from generate.geometry.subproblem import point_names
from generate.rest_em.policy import render_text

DOMAIN = "geometry"
STOP = ("\n",)
# Clauses per completion the grammar allows: the generator's records carry 1 to 3 (95, 3 and 9
# of the 107 in three built-in runs' problem sets).
MAX_CLAUSES = 3
# Constructions per clause: AlphaGeometry writes an intersection as two ("e = on_line e a c,
# on_line e b d"); a point fixed by more is over-determined.
MAX_CALLS = 2


def aux_constructions() -> tuple[str, ...]:
    """The constructions an auxiliary clause may use, read off deduction's table (defs.txt):
    those that introduce exactly one point and take no numeric value (`s_angle`'s degrees are
    not a point name), but `free`, a point nothing ties to the figure. Every construction of the
    generator's auxiliary records is one of them (its candidates and pruned premise clauses)."""
    return tuple(
        sorted(
            name
            for name, c in CONSTRUCTIONS.items()
            if len(c.points) == 1 and not c.values and name != "free"
        )
    )


def _alternatives(options: Iterable[str]) -> str:
    # longest first, so a regex engine that takes the first alternative still reads "a1" whole
    return "(?:" + "|".join(re.escape(o) for o in sorted(options, key=lambda o: (-len(o), o))) + ")"


@lru_cache(maxsize=1024)
def completion_pattern(
    text: str, max_clauses: int = MAX_CLAUSES, constructions: tuple[str, ...] | None = None
) -> str:
    """The regular expression every well-formed completion for the problem `text` (`clauses ?
    goal`) matches in full: up to `max_clauses` clauses joined by "; ", clause i introducing the
    i-th point name the problem does not use with one or `MAX_CALLS` constructions from
    `constructions` (default `aux_constructions()`), their other arguments being points already
    there. Plain syntax (groups, alternation, `?`) only, so vLLM's guided-decoding engines and
    the `regex` package read it alike; arguments may repeat (distinctness needs backreferences,
    which those engines lack): DD+AR judges such a clause degenerate."""
    if max_clauses < 1:
        raise ValueError(f"{max_clauses=} must be >= 1")
    problem = parse_problem(text)
    names = constructions or aux_constructions()
    unknown = [n for n in names if n not in CONSTRUCTIONS]
    if unknown:
        raise ValueError(f"unknown constructions {unknown}")
    used = set(problem.points)
    new = [n for n in point_names() if n not in used][:max_clauses]
    if len(new) < max_clauses:
        raise ValueError(f"problem {text!r}: no free point names left")
    clauses = []
    for i, point in enumerate(new):
        existing = _alternatives([*problem.points, *new[:i]])
        calls = []
        for name in names:
            c = CONSTRUCTIONS[name]
            args = [re.escape(point) if a in c.points else existing for a in c.args]
            calls.append(re.escape(name) + " " + " ".join(args))
        call = "(?:" + "|".join(calls) + ")"
        more = f"(?:, {call})" + ("?" if MAX_CALLS == 2 else f"{{0,{MAX_CALLS - 1}}}")
        clauses.append(f"{re.escape(point)} = {call}{more}")
    pattern = clauses[-1]
    for clause in reversed(clauses[:-1]):
        pattern = f"{clause}(?:; {pattern})?"
    return pattern


def problem_text(problem: Problem) -> str:
    """The problem as the policy sees it: its clauses and goal, canonically spelled."""
    if problem.goal is None:
        raise ValueError(f"problem {problem.name!r} has no goal: nothing to prompt for")
    return str(problem)


def completion_text(clauses: Iterable[Clause | str]) -> str:
    """Auxiliary clauses as the policy writes them (what it is trained on)."""
    return "; ".join(str(c) for c in clauses)


def render(problem: Problem, tokenizer: Any) -> str:
    """The text the policy continues for `problem` (`policy.render` of a geometry prompt)."""
    return render_text(problem_text(problem), DOMAIN, tokenizer)


def normalise(completion: str) -> str:
    """A sampled completion as a proposal: its first line, each clause's whitespace collapsed,
    clauses joined by "; " (empty clauses dropped); "" when nothing is left."""
    line = completion.split("\n", 1)[0]
    clauses = (" ".join(part.split()) for part in line.split(";"))
    return "; ".join(c for c in clauses if c)
