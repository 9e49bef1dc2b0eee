"""The record: one unique theorem with its proof, as a generator writes it and a trainer reads it.

Points are re-named for the reader: the statement's points a, b, c, ... in construction order,
then the auxiliary points after them. The statement's clauses come first and the auxiliary
clauses after (an auxiliary clause never builds a statement point, so that order is a valid
construction order), which is how AlphaGeometry lays out a problem and its auxiliary
constructions. `problem` parses with `deduction.parse_problem` and AlphaGeometry's own parser;
`problem_with_aux` is what DD+AR alone proves.

`text` is the serialisation a language model trains on:

    <problem> a b c = triangle a b c; d = midpoint d a b ? cong d a d b
    <aux> e = foot e c a b            (the line is absent when there is no auxiliary point)
    <proof> cong a d b d [AR:ratio: midp d a b] ; ...    (each step: conclusion [rule: premises])

Every field is typed, and the types are the one source of the Arrow schema (`arrow_schema`)
that every Parquet shard is written with and that `features()` gives `datasets` for JSON lines:
adding a field is one edit of `GeometryRecord` (or of a TypedDict it holds). Shards therefore
agree on their schema even when one holds no auxiliary point (an empty list of strings is still
a list of strings). `coordinates` is a list of named points rather than a dict keyed by point
names, whose keys a columnar reader would turn into a different struct per shard.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any, TypedDict, cast, get_args, get_origin, get_type_hints, is_typeddict

from deduction import Proof, ProofStep, proof_text
from generate.geometry.language import describe
from generate.geometry.subproblem import (
    ClauseGraph,
    point_names,
    relabel,
    relabel_clause,
    relabel_problem,
)
from generate.geometry.theorems import Found


class NamedPoint(TypedDict):
    name: str
    x: float
    y: float


class Step(TypedDict):
    """A proof step as `deduction.ProofStep.to_json` writes it."""

    conclusion: str
    rule: str
    premises: list[str]


class Difficulty(TypedDict):
    """How hard a theorem is, by counts: a curriculum or a filter reads this."""

    proof_length: int
    aux_points: int
    distinct_rules: int  # distinct rule names among the proof's steps


@dataclass(frozen=True, slots=True)
class GeometryRecord:
    """One unique theorem (see the module docstring for the layout of its texts)."""

    id: str
    problem: str
    aux_clauses: list[str]
    problem_with_aux: str
    goal: str
    statement: str
    proof: list[Step]
    proof_text: str
    proof_length: int
    points: int
    aux_points: int
    difficulty: Difficulty
    coordinates: list[NamedPoint]
    seed: int
    shard: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GeometryRecord:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


@cache
def arrow_schema() -> Any:
    """The `pyarrow.Schema` of a record, derived from `GeometryRecord`'s field types."""
    import pyarrow as pa

    scalars = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}

    def arrow_type(hint: Any) -> Any:
        if hint in scalars:
            return scalars[hint]
        if get_origin(hint) is list:
            return pa.list_(arrow_type(get_args(hint)[0]))
        if is_typeddict(hint):
            return pa.struct([(k, arrow_type(t)) for k, t in get_type_hints(hint).items()])
        raise TypeError(f"no Arrow type for {hint!r}: use str, int, float, bool, list, TypedDict")

    return pa.schema([(k, arrow_type(t)) for k, t in get_type_hints(GeometryRecord).items()])


def features() -> Any:
    """The same schema as `datasets.Features`: JSON lines carry no types, so a shard whose
    records all have an empty list would read as a list of nulls without it:
    `datasets.load_dataset("json", data_files=..., features=features())`."""
    try:
        import datasets
    except ImportError:
        raise ImportError("features() needs datasets: pip install datasets") from None
    return datasets.Features.from_arrow_schema(arrow_schema())


def build_record(
    found: Found,
    graph: ClauseGraph,
    points: dict[str, tuple[float, float]],
    seed: int,
    shard: int,
) -> GeometryRecord:
    """Re-name a theorem of one premise set and lay it out as a record."""
    statement = [graph.clauses[i] for i in graph.indices(found.statement)]
    aux = [graph.clauses[i] for i in graph.indices(found.aux)]
    order = [p for clause in statement + aux for p in clause.points]
    fresh = point_names()[: len(order)]
    names = dict(zip(order, fresh, strict=True))
    problem = relabel_problem(statement, found.goal, names)
    with_aux = relabel_problem(statement + aux, found.goal, names)
    aux_text = [str(relabel_clause(c, names)) for c in aux]
    proof = _relabel_proof(found.proof, names)
    n_statement = len([p for c in statement for p in c.points])
    text = f"<problem> {problem.text}\n"
    if aux_text:
        text += "<aux> " + "; ".join(aux_text) + "\n"
    text += "<proof> " + " ; ".join(_step_text(proof, i) for i in range(len(proof.steps)))
    return GeometryRecord(
        id=found.key.hex(),
        problem=problem.text,
        aux_clauses=aux_text,
        problem_with_aux=with_aux.text,
        goal=str(proof.goal),
        statement=describe(problem),
        proof=[cast(Step, s.to_json()) for s in proof.steps],
        proof_text=proof_text(proof),
        proof_length=len(proof.steps),
        points=n_statement,
        aux_points=len(order) - n_statement,
        difficulty=Difficulty(
            proof_length=len(proof.steps),
            aux_points=len(order) - n_statement,
            distinct_rules=len({s.rule for s in proof.steps}),
        ),
        coordinates=[
            NamedPoint(name=names[p], x=float(points[p][0]), y=float(points[p][1])) for p in order
        ],
        seed=seed,
        shard=shard,
        text=text,
    )


def _relabel_proof(proof: Proof, names: dict[str, str]) -> Proof:
    steps = tuple(
        ProofStep(
            relabel(s.conclusion, names), s.rule, tuple(relabel(p, names) for p in s.premises)
        )
        for s in proof.steps
    )
    premises = tuple(relabel(p, names) for p in proof.premises)
    return Proof(relabel(proof.goal, names), premises, steps)


def _step_text(proof: Proof, i: int) -> str:
    step = proof.steps[i]
    return f"{step.conclusion} [{step.rule}: " + ", ".join(str(p) for p in step.premises) + "]"
