"""The clause graph of a premise set: which clauses a set of points needs, and the sub-problem
those clauses make, re-labelled.

A clause depends on the clauses that introduce the points its constructions name, so the
clauses a point needs are its clause and that clause's ancestors. Sets of clauses are bit masks
over clause indices: a theorem's statement is the mask of its goal's points, the clauses its
proof uses add the premises' clauses, and the difference is its auxiliary construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from deduction import CONSTRUCTIONS, Clause, ConstructionCall, Problem, Statement, clause_statements

Mask = int


def point_names() -> list[str]:
    """a..z, then a1..z1, a2..: AlphaGeometry's single-letter names while they last."""
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    return letters + [f"{x}{i}" for i in range(1, 10) for x in letters]


def point_args(st: Statement) -> tuple[str, ...]:
    """The points a statement names (aconst/rconst carry a value last)."""
    return st.args[:-1] if st.predicate in ("aconst", "rconst") else st.args


def relabel(st: Statement, names: Mapping[str, str]) -> Statement:
    args = point_args(st)
    rest = st.args[len(args) :]
    return Statement(st.predicate, tuple(names[a] for a in args) + rest)


@dataclass(frozen=True, slots=True)
class SubProblem:
    """Some clauses of a premise set, with the names they had there (`original`) and in
    construction order (`problem`, points a, b, c, ... as a reader expects)."""

    mask: Mask
    original: Problem
    names: Mapping[str, str]  # original name -> construction-order name


class ClauseGraph:
    """Dependency masks of one premise set's clauses; sub-problems by mask."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.clauses = problem.clauses
        self.clause_of: dict[str, int] = {}
        for i, clause in enumerate(self.clauses):
            for p in clause.points:
                self.clause_of[p] = i
        self.ancestors: list[Mask] = []
        for i, clause in enumerate(self.clauses):
            mask = 1 << i
            for call in clause.constructions:
                cdef = CONSTRUCTIONS[call.name]
                for formal, actual in zip(cdef.args, call.args, strict=True):
                    if formal in cdef.values or actual in clause.points:
                        continue
                    mask |= self.ancestors[self.clause_of[actual]]
            self.ancestors.append(mask)
        self.statements = [clause_statements(c) for c in self.clauses]
        # each premise statement -> the first clause that states it
        self.premise_clause: dict[Statement, int] = {}
        for i, stated in enumerate(self.statements):
            for st in stated:
                self.premise_clause.setdefault(st, i)

    def needs(self, points: Iterable[str]) -> Mask:
        """The clauses these points are built from (their own and every ancestor)."""
        mask = 0
        for p in points:
            mask |= self.ancestors[self.clause_of[p]]
        return mask

    def needs_premises(self, premises: Iterable[Statement]) -> Mask:
        mask = 0
        for st in premises:
            mask |= self.ancestors[self.premise_clause[st]]
        return mask

    def indices(self, mask: Mask) -> list[int]:
        return [i for i in range(len(self.clauses)) if mask >> i & 1]

    def points(self, mask: Mask) -> list[str]:
        return [p for i in self.indices(mask) for p in self.clauses[i].points]

    def premises_of(self, mask: Mask) -> list[Statement]:
        """The defining statements of the masked clauses, each once, in clause order: the DD
        premises of the sub-problem (`deduction.premise_statements` of it)."""
        out = {st: None for i in self.indices(mask) for st in self.statements[i]}
        return list(out)

    def sub(self, mask: Mask, goal: Statement | None = None) -> SubProblem:
        clauses = tuple(self.clauses[i] for i in self.indices(mask))
        original = Problem(name="", clauses=clauses, goal=goal, text="")
        fresh = point_names()
        names = {p: fresh[i] for i, p in enumerate(original.points)}
        return SubProblem(mask, original, names)


def relabel_clause(clause: Clause, names: Mapping[str, str]) -> Clause:
    calls = tuple(
        ConstructionCall(call.name, tuple(names.get(a, a) for a in call.args))
        for call in clause.constructions
    )
    return Clause(tuple(names[p] for p in clause.points), calls)


def relabel_problem(
    clauses: Sequence[Clause], goal: Statement | None, names: Mapping[str, str]
) -> Problem:
    """Clauses and goal under new names; the text is the problem's canonical spelling."""
    new = tuple(relabel_clause(c, names) for c in clauses)
    problem = Problem(
        name="", clauses=new, goal=None if goal is None else relabel(goal, names), text=""
    )
    return Problem(name="", clauses=new, goal=problem.goal, text=str(problem))
