"""One entry point for a `Problem` and a model's completion: the domain picks the verifier.

    verify_completion(problem, completion) -> Verdict

Math: the completion's final answer (`verifiers.math.extract_answer`'s rules: a boxed answer,
"the answer is ...", the last number) against `problem.answer`. Code: the program is
`problem.prefix + completion` (a model that continues a function header writes its body), unless
the completion holds a fenced code block that itself defines the entry point, which is then
the whole program (a chat model answers with a complete function). Geometry: the completion's
first non-empty line holds the auxiliary clauses (`;` between them) and the rest is ignored:
the ReST-EM loop stops sampling at a newline, and a model that explains its construction on
later lines is judged on the construction alone. Like every verifier here it never raises on
bad model output; a configuration mistake (an unknown domain) raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from verifiers.errors import VerifierConfigError
from verifiers.types import Problem, Verdict

_FENCE = re.compile(r"```[a-zA-Z0-9_+-]*\n(.*?)```", re.DOTALL)


def program_of(problem: Problem, completion: str) -> str:
    """The program a code completion stands for (see the module docstring)."""
    blocks = _FENCE.findall(completion)
    entry = getattr(problem.tests, "entry_point", "")
    if blocks and entry and re.search(rf"^\s*def\s+{re.escape(entry)}\s*\(", blocks[-1], re.M):
        return str(blocks[-1])
    return problem.prefix + completion


def _math(problem: Problem, completion: str, **options: object) -> Verdict:
    from verifiers.math import verify

    return verify(completion, problem.answer)


def _code(problem: Problem, completion: str, **options: object) -> Verdict:
    from verifiers.code import verify

    return verify(program_of(problem, completion), problem.tests, **options)  # type: ignore[arg-type]


def first_line(completion: str) -> str:
    """The first non-empty line of a completion ('' when there is none)."""
    return next((line for line in completion.splitlines() if line.strip()), "")


def _geometry(problem: Problem, completion: str, **options: object) -> Verdict:
    from verifiers.geometry import verify

    return verify(first_line(completion), problem.tests, **options)  # type: ignore[arg-type]


VERIFIERS: dict[str, Callable[..., Verdict]] = {
    "math": _math,
    "code": _code,
    "geometry": _geometry,
}


def verify_completion(problem: Problem, completion: str, **options: object) -> Verdict:
    """Judge one completion of `problem`; `options` go to the code verifier (`runner`,
    `limits`) or the geometry verifier (`seed`)."""
    verify = VERIFIERS.get(problem.domain)
    if verify is None:
        raise VerifierConfigError(f"no verifier for domain {problem.domain!r}")
    return verify(problem, completion, **options)
