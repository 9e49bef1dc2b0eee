"""The request bodies of `/verify/*`, and how they become the verifiers' own types."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from verifiers.code import MISSING, CallCase, CodeTests, StdioCase, TestKind


class CaseSpec(BaseModel):
    """One test: `stdin`/`stdout` (stdio) or `args` and, unless a reference fills it, `expected`."""

    model_config = ConfigDict(extra="forbid")

    stdin: str | None = None
    stdout: str | None = None
    args: list[Any] | None = None
    expected: Any = None


class TestsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["stdio", "function"]
    cases: list[CaseSpec] = Field(min_length=1)
    entry_point: str = ""
    reference: str | None = None
    atol: float = Field(0.0, ge=0)
    per_test_s: float = Field(4.0, gt=0, le=60)

    def to_tests(self) -> CodeTests:
        if self.kind == "stdio":
            cases: list[Any] = [StdioCase(c.stdin or "", c.stdout or "") for c in self.cases]
        else:
            cases = [
                CallCase(
                    tuple(c.args or ()), c.expected if "expected" in c.model_fields_set else MISSING
                )
                for c in self.cases
            ]
        return CodeTests(
            TestKind(self.kind),
            tuple(cases),
            entry_point=self.entry_point,
            reference=self.reference,
            atol=self.atol,
            per_test_s=self.per_test_s,
        )


class CodeVerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["code"] = "code"
    code: str
    tests: TestsSpec
    language: str = "python"


class MathVerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["math"] = "math"
    prediction: str
    reference: str
    timeout: float = Field(1.0, gt=0, le=60)  # the symbolic fallback's bound


class GeometryVerifyRequest(BaseModel):
    """`problem` is `clauses ? goal` in AlphaGeometry's language, without auxiliary clauses;
    `completion` the auxiliary clauses to judge. `timeout_s` defaults to the verifier's 20 s,
    or the service's maximum if that is lower; a larger one is refused (a reward judged with
    less time than asked for would mean something else)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["geometry"] = "geometry"
    problem: str
    completion: str
    timeout_s: float | None = Field(None, gt=0, allow_inf_nan=False)
    rules: Literal["proofloom", "ag1"] = "proofloom"


VerifyItem = CodeVerifyRequest | MathVerifyRequest | GeometryVerifyRequest


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Annotated[VerifyItem, Field(discriminator="kind")]] = Field(min_length=1)
