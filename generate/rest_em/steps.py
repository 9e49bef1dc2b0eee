"""The ReST-EM shard task: sample K completions per problem from a checkpoint and judge them.

The E-step and the evaluation are the same work on different problems and settings, so they
are one task: shard `rank` takes its slice of the problems, samples with its own seed (run
seed, rank; the step's name in the seed too), judges every completion with the project's
verifier (`verifiers.verify_completion`: math and geometry in-process, bounded by the
geometry task's DD+AR time limit; code in the sandbox), once per distinct completion of a
problem, and writes `judged/{rank:05d}.jsonl.gz`. `generate.shards.run_once` adds the stats
and the completion marker, so a killed step resumes shard by shard on the same executor seam
as the geometry generator (local pool, Ray).

Problems travel as their specs and are rebuilt in the worker (`datasets.problem_of`). With
`constrain`, a geometry problem's completions are held to its grammar
(`geometry_prompt.completion_pattern`): every sample is a well-formed auxiliary clause.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generate.rest_em.datasets import Spec, problem_of
from generate.rest_em.estep import Judged, tally
from generate.rest_em.geometry_prompt import completion_pattern
from generate.rest_em.policy import render
from generate.rest_em.samplers import SamplerSpec, SamplingSettings
from generate.shards import Shard, read_jsonl_gz, write_jsonl_gz
from sandbox import HttpRunner
from verifiers import Sample, Verdict, verify_completion

logger = logging.getLogger(__name__)


def judge_options(domain: str, sandbox_url: str | None) -> dict[str, Any]:
    """The code verifier's runner: a remote service's (`--sandbox-url`, token from
    $SANDBOX_TOKEN) or, by default, the sandbox in this process."""
    if domain != "code" or sandbox_url is None:
        return {}
    return {"runner": HttpRunner(sandbox_url, token=os.environ.get("SANDBOX_TOKEN") or None)}


def judged_path(step_dir: str | Path, rank: int) -> Path:
    return Path(step_dir) / "judged" / f"{rank:05d}.jsonl.gz"


def read_judged(step_dir: str | Path, shards: int) -> list[Judged]:
    """Every judged sample of a finished step, in shard and sample order."""
    return [
        Judged.from_json(row)
        for rank in range(shards)
        for row in read_jsonl_gz(judged_path(step_dir, rank))
    ]


@dataclass(frozen=True, slots=True)
class SampleAndJudge:
    """Shard task: `specs[rank * size : (rank + 1) * size]`, K samples each, judged."""

    model: str
    specs: tuple[Spec, ...]
    size: int
    settings: SamplingSettings
    stop: tuple[str, ...] = ()
    sampler: SamplerSpec = SamplerSpec()
    sandbox_url: str | None = None  # code judged by a sandbox service instead of in the worker
    constrain: bool = False  # geometry: completions held to the problem's clause grammar

    def shards(self) -> int:
        return -(-len(self.specs) // self.size)

    def __call__(self, shard: Shard) -> Counter:
        if self.sampler.kind == "transformers":
            import torch

            torch.set_num_threads(1)  # one worker a core; also keeps sampling reproducible
        problems = [problem_of(s) for s in self.specs[shard.rank * self.size :][: self.size]]
        sampler = self.sampler.build(self.model)
        prompts = [render(p, sampler.tokenizer) for p in problems]
        settings = replace(self.settings, seed=shard.rng_seed(), stop=self.stop)
        patterns = [
            completion_pattern(p.prompt) if self.constrain and p.domain == "geometry" else None
            for p in problems
        ]
        completions = sampler.sample(prompts, settings, patterns)
        remote = judge_options("code", self.sandbox_url)
        # A trained policy repeats itself: in the tiny code model's held-out samples 1,304 of
        # 4,400 were distinct. The tests are deterministic, so a repeat takes its verdict; so
        # does geometry's (the figure is drawn at a fixed seed), where a construction that
        # parses costs a DD+AR run of up to the task's time limit.
        verdicts: dict[tuple[str, str], Verdict] = {}
        judged = []
        try:
            for p, texts in zip(problems, completions, strict=True):
                for i, text in enumerate(texts):
                    verdict = verdicts.get((p.id, text))
                    if verdict is None:
                        verdict = verdicts[p.id, text] = verify_completion(
                            p, text, **(remote if p.domain == "code" else {})
                        )
                    judged.append(Judged(Sample(p.id, text, {"index": i}), verdict))
        finally:
            if "runner" in remote:
                remote["runner"].close()  # the shard's HTTP connections
        write_jsonl_gz(judged_path(shard.out_dir, shard.rank), (j.to_json() for j in judged))
        counts = tally(judged)
        counts["distinct"] = len(verdicts)
        counts["repeats"] = len(judged) - len(verdicts)  # judged once, verdict copied
        logger.info("%s shard %d: %s", Path(shard.out_dir).name, shard.rank, dict(counts))
        return counts
