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
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from deduction import Clause, Problem
from generate.rest_em.policy import render_text

DOMAIN = "geometry"
STOP = ("\n",)


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
