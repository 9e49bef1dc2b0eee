"""Built-in problem families: procedurally generated, verifiable, with a difficulty knob.

The default ReST-EM run needs no data set: these families make as many problems as asked, each
with a reference solution (for the seed training that gives a tiny model its starting skill)
and the verifier's own reference (a math answer, or function-call tests run in the sandbox).

Math (answers are integers or reduced fractions, judged by `verifiers.math`):
- `arithmetic`: evaluate an expression of difficulty+1 small numbers with + - *;
- `fractions`: add or subtract two fractions, answer reduced;
- `linear`: solve a*x + b = c for an integer x.

Code (a function header with a docstring and two examples; the model writes the body; judged
by calls in the sandbox):
- `arith`: an affine map of an integer (x + k, x * k, (x + k) * m at difficulty 2);
- `strings`: reverse, repeat, last character, count a character;
- `lists`: sum, largest, shift every element, keep the even ones.

The solutions are short on purpose: a model of a few hundred thousand parameters has to learn
them on a CPU in minutes. Everything comes from `random.Random(seed)`, so (family, seed,
difficulty) always gives the same problem.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from random import Random
from typing import Any

from verifiers import Problem
from verifiers.code import CallCase, CodeTests, TestKind

Family = Callable[[Random, int], tuple[str, str, str, dict[str, Any]]]
# (rng, difficulty) -> (prompt, reference answer or "", solution text, extra fields)


def _arithmetic(rng: Random, difficulty: int) -> tuple[str, str, str, dict[str, Any]]:
    numbers = [rng.randint(1, 12 if difficulty < 2 else 20) for _ in range(difficulty + 1)]
    ops = [rng.choice("+-*") for _ in range(difficulty)]
    expression = str(numbers[0])
    for op, n in zip(ops, numbers[1:], strict=True):
        expression += f" {op} {n}"
    value = eval(expression, {"__builtins__": {}})  # noqa: S307 - our own digits and + - *
    return (
        f"Compute {expression}.",
        str(value),
        f"{expression} = {value}. The answer is {value}.",
        {},
    )


def _fractions(rng: Random, difficulty: int) -> tuple[str, str, str, dict[str, Any]]:
    top = 5 + 4 * difficulty
    a = Fraction(rng.randint(1, top), rng.randint(2, top))
    b = Fraction(rng.randint(1, top), rng.randint(2, top))
    op = rng.choice("+-")
    value = a + b if op == "+" else a - b
    answer = str(value)
    prompt = f"Compute {a} {op} {b} as a reduced fraction."
    return prompt, answer, f"{a} {op} {b} = {answer}. The answer is {answer}.", {}


def _linear(rng: Random, difficulty: int) -> tuple[str, str, str, dict[str, Any]]:
    a = rng.randint(2, 3 + 3 * difficulty)
    x = rng.randint(-5 * difficulty, 5 * difficulty)
    b = rng.randint(-10, 10)
    c = a * x + b
    sign = "+" if b >= 0 else "-"
    prompt = f"Solve for x: {a}x {sign} {abs(b)} = {c}."
    solution = f"{a}x = {c - b}, so x = {x}. The answer is {x}."
    return prompt, str(x), solution, {}


# code tasks: (docstring, body, argument name, argument maker, python function)
CodeTask = tuple[str, str, str, Callable[[Random], Any], Callable[[Any], Any]]


def _arith_task(rng: Random, difficulty: int) -> CodeTask:
    k, m = rng.randint(1, 9), rng.randint(2, 5)
    tasks: list[CodeTask] = [
        (
            f"Return x plus {k}.",
            f"return x + {k}",
            "x",
            lambda r: r.randint(-20, 20),
            lambda x: x + k,
        ),
        (
            f"Return x times {m}.",
            f"return x * {m}",
            "x",
            lambda r: r.randint(-20, 20),
            lambda x: x * m,
        ),
        (
            f"Return x minus {k}.",
            f"return x - {k}",
            "x",
            lambda r: r.randint(-20, 20),
            lambda x: x - k,
        ),
    ]
    if difficulty >= 2:
        tasks = [
            (
                f"Return x plus {k}, times {m}.",
                f"return (x + {k}) * {m}",
                "x",
                lambda r: r.randint(-20, 20),
                lambda x: (x + k) * m,
            )
        ]
    return rng.choice(tasks)


def _word(r: Random) -> str:
    return "".join(r.choice("abcde") for _ in range(r.randint(1, 6)))


def _strings_task(rng: Random, difficulty: int) -> CodeTask:
    k = rng.randint(2, 3)
    c = rng.choice("abcde")
    tasks: list[CodeTask] = [
        ("Return s reversed.", "return s[::-1]", "s", _word, lambda s: s[::-1]),
        (f"Return s repeated {k} times.", f"return s * {k}", "s", _word, lambda s: s * k),
        ("Return the last character of s.", "return s[-1]", "s", _word, lambda s: s[-1]),
        (
            f"Return how many times '{c}' occurs in s.",
            f"return s.count('{c}')",
            "s",
            _word,
            lambda s: s.count(c),
        ),
    ]
    return rng.choice(tasks[: 2 + 2 * min(difficulty, 1)])


def _numbers(r: Random) -> list[int]:
    return [r.randint(-9, 9) for _ in range(r.randint(1, 5))]


def _lists_task(rng: Random, difficulty: int) -> CodeTask:
    k = rng.randint(1, 9)
    tasks: list[CodeTask] = [
        ("Return the sum of xs.", "return sum(xs)", "xs", _numbers, sum),
        ("Return the largest element of xs.", "return max(xs)", "xs", _numbers, max),
        (
            f"Return xs with {k} added to every element.",
            f"return [v + {k} for v in xs]",
            "xs",
            _numbers,
            lambda xs: [v + k for v in xs],
        ),
        (
            "Return the even elements of xs.",
            "return [v for v in xs if v % 2 == 0]",
            "xs",
            _numbers,
            lambda xs: [v for v in xs if v % 2 == 0],
        ),
    ]
    return rng.choice(tasks[: 2 + 2 * min(difficulty, 1)])


TESTS_PER_PROBLEM = 5


def _code_family(make: Callable[[Random, int], CodeTask]) -> Family:
    def family(rng: Random, difficulty: int) -> tuple[str, str, str, dict[str, Any]]:
        doc, body, arg, draw, fn = make(rng, difficulty)
        examples = [draw(rng) for _ in range(2)]
        shown = "".join(f"    >>> f({v!r})\n    {fn(v)!r}\n" for v in examples)
        prompt = f'def f({arg}):\n    """{doc}\n{shown}    """\n'
        inputs = examples + [draw(rng) for _ in range(TESTS_PER_PROBLEM)]
        cases = [CallCase((v,), fn(v)) for v in inputs]
        tests = CodeTests(TestKind.FUNCTION, tuple(cases), entry_point="f")
        return prompt, "", f"    {body}\n", {"tests": tests}

    return family


MATH_FAMILIES: dict[str, Family] = {
    "arithmetic": _arithmetic,
    "fractions": _fractions,
    "linear": _linear,
}
CODE_FAMILIES: dict[str, Family] = {
    "arith": _code_family(_arith_task),
    "strings": _code_family(_strings_task),
    "lists": _code_family(_lists_task),
}
FAMILIES = {"math": MATH_FAMILIES, "code": CODE_FAMILIES}


def make_problem(domain: str, family: str, seed: int, difficulty: int = 1) -> Problem:
    """The problem (domain, family, seed, difficulty) names; its reference solution is in
    `meta["solution"]`."""
    table = FAMILIES.get(domain)
    if table is None:
        raise ValueError(f"unknown domain {domain!r} (choose from {', '.join(FAMILIES)})")
    make = table.get(family)
    if make is None:
        raise ValueError(f"unknown {domain} family {family!r} (choose from {', '.join(table)})")
    if difficulty < 1:
        raise ValueError(f"{difficulty=} must be >= 1")
    prompt, answer, solution, extra = make(
        Random(f"{domain}/{family}/{seed}/{difficulty}"), difficulty
    )
    meta = {"family": family, "difficulty": difficulty, "seed": seed, "solution": solution}
    tests = extra.get("tests")
    return Problem(
        id=f"{domain}/{family}/d{difficulty}/{seed}",
        domain=domain,
        prompt=prompt,
        answer=answer,
        tests=tests,
        prefix=prompt if tests is not None else "",
        meta=meta,
    )


def builtin_problems(domain: str, n: int, seed: int = 0, difficulty: int = 1) -> list[Problem]:
    """`n` problems of `domain` with distinct prompts (a repeated prompt would sit on both sides
    of a train / held-out split), the families taking turns, seeds derived from `seed`."""
    if n < 1:
        raise ValueError(f"{n=} must be >= 1")
    families = sorted(FAMILIES.get(domain, {})) or [""]
    out: list[Problem] = []
    prompts: set[str] = set()
    for i in range(50 * n):
        family = families[i % len(families)]  # by attempt: a family that runs dry is passed
        problem = make_problem(domain, family, seed * 1_000_003 + i, difficulty)
        if problem.prompt not in prompts:
            prompts.add(problem.prompt)
            out.append(problem)
            if len(out) == n:
                return out
    raise ValueError(f"{domain} at difficulty {difficulty} has fewer than {n} distinct problems")
