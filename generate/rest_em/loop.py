"""The ReST-EM loop: base, then E-step, M-step, evaluation, while held-out pass@1 improves.

A run directory holds

    config.json                       how the run was made (a resumed run must agree)
    problems.json                     the problems' ids by split (seed / pool / held-out)
    base/                             the base checkpoint every M-step starts from
    problems/                         geometry's built-in set (the generator's run directory)
    iter_NNN/estep/judged/*.jsonl.gz  every E-step sample with its verdict (shards + markers)
    iter_NNN/sft.jsonl, sft_messages.jsonl   the kept set (prompt/completion, messages)
    iter_NNN/model/                   the M-step's checkpoint
    eval_NNN/{greedy,sampled}/...     held-out samples with verdicts
    metrics.jsonl                     one row per iteration (0 is the base), with `pass@1`
    summary.json, pass_at_k.png       the end of the run

Each step finishes with a marker (shards: `completions/`, a checkpoint: `.complete`, an
iteration: its metrics row), so a rerun after kill -9 skips what is done and redoes only the
unfinished shard or step. The E-step samples from the latest policy; the M-step fine-tunes the
base, never the previous iterate (ReST-EM); the run stops after `patience` iterations without
a better held-out pass@1, and `--iterations` is a maximum.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from generate.errors import UsageError, VerifierUnavailable
from generate.executors import Executor, make_executor
from generate.rest_em.config import GEOMETRY_BUILTIN_N, RESUMABLE, RestEMConfig
from generate.rest_em.datasets import BUILTIN, load_problems, spec_of
from generate.rest_em.estep import Judged, keep, sft_rows
from generate.rest_em.geometry_data import generate_default
from generate.rest_em.metrics import by_group, mean_pass_at_k, split, take_groups
from generate.rest_em.policy import build_tiny, finetune, load, render
from generate.rest_em.samplers import SamplerSpec, SamplingSettings
from generate.rest_em.steps import SampleAndJudge, judge_options, read_judged
from generate.rundir import RunDir
from generate.shards import DONE, Shard, atomic_write, run_once
from sandbox import BwrapRunner, SandboxError
from verifiers import Problem, Status, verify_completion

logger = logging.getLogger(__name__)


def check_verifier(problem: Problem, sandbox_url: str | None = None) -> None:
    """Judge one sample before any work: a sandbox or verifier that cannot start here is one
    clear error now, not a traceback from every worker or a run of ERROR verdicts."""
    options = judge_options(problem.domain, sandbox_url)
    try:
        if problem.domain == "code" and not options:
            # one per-run sandbox, which probes itself; no zygote kept in this process
            options["runner"] = BwrapRunner()
        solution = problem.meta.get("solution")
        verdict = verify_completion(problem, "" if solution is None else str(solution), **options)
    except SandboxError as exc:
        raise VerifierUnavailable(f"the sandbox cannot run code here: {exc}") from None
    if verdict.status is Status.ERROR:
        raise VerifierUnavailable(
            f"the {problem.domain} verifier cannot judge here: {verdict.reason}"
        )


class RestEMRun:
    """The parent of `python -m generate.rest_em` (see the module docstring)."""

    def __init__(self, config: RestEMConfig, executor: Executor | None = None) -> None:
        self.config = config
        self.out = Path(config.out)
        self.executor = executor or make_executor(
            config.executor, config.workers, config.ray_address
        )
        self.stop = ("\n\n",) if config.domain == "code" else ("\n",)

    # ------------------------------------------------------------------ the run
    def run(self, progress: bool | None = None) -> dict[str, Any]:
        with RunDir(self.out, self.config.to_json(), RESUMABLE):
            self.progress = progress
            return self._run()

    def _run(self) -> dict[str, Any]:
        config = self.config
        seed_set, pool, held = self._problems()
        check_verifier(held[0], config.sandbox_url)
        base = self._base(seed_set)
        rows = self._metrics()
        if 0 not in rows:
            rows[0] = self._evaluate(base, 0, held, {})
        policy = base
        for it in range(1, config.iterations + 1):
            if it in rows:
                policy = self.out / f"iter_{it:03d}" / "model"
                continue
            if self._stale(rows) >= config.patience:
                logger.warning(
                    "held-out pass@1 stopped improving: stopping before iteration %d", it
                )
                break
            seconds: dict[str, float] = {}
            start = time.monotonic()
            judged = self._step(f"iter_{it:03d}/estep", policy, pool, self._e_settings())
            seconds["estep"] = round(time.monotonic() - start, 1)
            kept = keep(judged, config.cap)
            if not kept:
                logger.warning(
                    "iteration %d: none of %d samples was correct, nothing to learn from: "
                    "stopping (a stronger base, more samples or easier problems would help)",
                    it,
                    len(judged),
                )
                break
            start = time.monotonic()
            model = self._mstep(it, base, kept, pool)
            seconds["mstep"] = round(time.monotonic() - start, 1)
            extra = {
                "kept": sum(len(v) for v in kept.values()),
                "kept_problems": len(kept),
                "estep_samples": len(judged),
                "estep_correct": sum(j.verdict.reward for j in judged),
                "seconds": seconds,
            }
            rows[it] = self._evaluate(model, it, held, extra)
            policy = model
        best_it = max(rows, key=lambda i: (rows[i]["pass@1"], -i))
        best = rows[best_it]["pass@1"]
        summary = {
            "domain": config.domain,
            "base": str(base),
            "best_iteration": best_it,
            "best_pass@1": best,
            "best_model": str(base if best_it == 0 else self.out / f"iter_{best_it:03d}" / "model"),
            "iterations": [rows[i] for i in sorted(rows)],
        }
        atomic_write(self.out / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
        self._plot([rows[i] for i in sorted(rows)])
        return summary

    # ------------------------------------------------------------------ pieces
    def _problems(self) -> tuple[list[Problem], list[Problem], list[Problem]]:
        config = self.config
        if config.domain == "geometry":
            seed_set, pool, held = self._geometry_problems()
        else:
            problems = load_problems(
                config.domain, config.problems, config.n_problems, config.seed, config.difficulty
            )
            train, held = split(problems, [p.id for p in problems], config.held_out, config.seed)
            if len(train) <= config.seed_problems:
                raise UsageError(
                    f"--seed-problems {config.seed_problems} leaves no problem for the E-step "
                    f"({len(train)} training problems)"
                )
            seed_set, pool = train[: config.seed_problems], train[config.seed_problems :]
        listing = {
            "seed": [p.id for p in seed_set],
            "pool": [p.id for p in pool],
            "held_out": [p.id for p in held],
        }
        atomic_write(self.out / "problems.json", (json.dumps(listing, indent=1) + "\n").encode())
        return seed_set, pool, held

    def _geometry_problems(self) -> tuple[list[Problem], list[Problem], list[Problem]]:
        """Seed, pool and held-out sets of whole premise sets (`geometry_data`): one figure's
        theorems never straddle two splits. The built-in set is generated into OUT/problems."""
        config = self.config
        source, n = config.problems, config.n_problems
        if source == BUILTIN:
            source = str(
                generate_default(
                    self.out / "problems",
                    n or GEOMETRY_BUILTIN_N,
                    config.seed,
                    config.generate_seconds,
                    config.workers,
                )
            )
            n = None  # what the generator made (a shard boundary can pass its target)
        problems = load_problems("geometry", source, n, timeout_s=config.timeout)
        keys = [str(p.meta["premise_set"]) for p in problems]
        groups = by_group(problems, keys, config.seed)
        if len(groups) < 3:
            raise UsageError(
                f"{len(problems)} geometry problems from {len(groups)} premise sets: seed, "
                "pool and held-out sets need 3 at least (whole premise sets each); give more "
                "problems"
            )
        # a small set (the built-in one is cut by time) keeps a premise set for each later side,
        # and the seed set takes at most about half of what is left, so the E-step keeps a pool
        held, rest = take_groups(groups, math.ceil(config.held_out * len(problems)), leave=2)
        half = sum(len(g) for g in rest) // 2
        seed_set, pool_groups = take_groups(rest, min(config.seed_problems, half), leave=1)
        pool = [p for group in pool_groups for p in group]
        logger.info(
            "geometry: %d seed, %d pool, %d held-out problems from %d premise sets",
            len(seed_set),
            len(pool),
            len(held),
            len(groups),
        )
        return seed_set, pool, held

    def _base(self, seed_set: list[Problem]) -> Path:
        """The base checkpoint: `--model` as given, or the tiny model after seed training."""
        if self.config.model is not None:
            load(self.config.model)  # a clear error now, not in every worker
            return Path(self.config.model)
        base = self.out / "base"
        if (base / DONE).exists():
            return base
        init = build_tiny(self.out / "init", seed=self.config.seed)
        _, tokenizer = load(init)
        rows = [(render(p, tokenizer), str(p.meta["solution"])) for p in seed_set]
        logger.info("training the tiny base model on %d seed problems", len(rows))
        finetune(
            init,
            rows,
            base,
            epochs=self.config.seed_epochs,
            seed=self.config.seed,
            trainer=self.config.trainer,
        )
        (base / DONE).write_text("")
        return base

    def _mstep(self, it: int, base: Path, kept: dict, pool: list[Problem]) -> Path:
        model = self.out / f"iter_{it:03d}" / "model"
        if (model / DONE).exists():
            return model
        by_id = {p.id: p for p in pool}
        plain, chat = sft_rows(kept, by_id)
        folder = model.parent
        for name, rows in (("sft.jsonl", plain), ("sft_messages.jsonl", chat)):
            body = "".join(json.dumps(r) + "\n" for r in rows)
            atomic_write(folder / name, body.encode())
        _, tokenizer = load(base)
        pairs = [
            (render(by_id[pid], tokenizer), sample.completion)
            for pid in sorted(kept)
            for sample in kept[pid]
        ]
        config = self.config
        finetune(
            base,
            pairs,
            model,
            epochs=config.epochs,
            learning_rate=config.learning_rate,
            batch_size=config.batch_size,
            seed=config.seed + it,
            trainer=config.trainer,
        )
        (model / DONE).write_text("")
        return model

    def _e_settings(self) -> SamplingSettings:
        c = self.config
        return SamplingSettings(
            k=c.k,
            temperature=c.temperature,
            top_k=c.top_k,
            top_p=c.top_p,
            max_new_tokens=c.max_new_tokens,
        )

    def _evaluate(
        self, model: Path, it: int, held: list[Problem], extra: dict[str, Any]
    ) -> dict[str, Any]:
        """Greedy pass@1 and sampled pass@k (temperature 1.0, top-p 0.95) on the held-out set;
        the row is appended to metrics.jsonl (which marks the iteration done)."""
        c = self.config
        start = time.monotonic()
        greedy = SamplingSettings(k=1, temperature=0.0, max_new_tokens=c.max_new_tokens)
        sampled = SamplingSettings(
            k=c.eval_k, temperature=1.0, top_k=0, top_p=0.95, max_new_tokens=c.max_new_tokens
        )
        first = self._step(f"eval_{it:03d}/greedy", model, held, greedy)
        many = self._step(f"eval_{it:03d}/sampled", model, held, sampled)
        per_problem: dict[str, list[int]] = {}
        for j in many:
            per_problem.setdefault(j.sample.problem_id, []).append(j.verdict.reward)
        counts = [(len(v), sum(v)) for v in per_problem.values()]
        row = {
            "iteration": it,
            "pass@1": round(sum(j.verdict.reward for j in first) / len(first), 4),
            f"pass@{c.eval_k}": round(mean_pass_at_k(counts, c.eval_k), 4),
            "sampled_pass@1": round(mean_pass_at_k(counts, 1), 4),
            "held_out": len(held),
            "model": str(model),
            **extra,
        }
        row.setdefault("seconds", {})["eval"] = round(time.monotonic() - start, 1)
        with open(self.out / "metrics.jsonl", "a") as fh:
            fh.write(json.dumps(row) + "\n")
        logger.info(
            "iteration %d: held-out pass@1 %.3f, pass@%d %.3f",
            it,
            row["pass@1"],
            c.eval_k,
            row[f"pass@{c.eval_k}"],
        )
        return row

    def _step(
        self, name: str, model: Path, problems: list[Problem], settings: SamplingSettings
    ) -> list[Judged]:
        """Sample and judge `problems` with `model` in shards under OUT/name; every judged
        sample, in order."""
        step_dir = self.out / name
        task = SampleAndJudge(
            str(model),
            tuple(spec_of(p) for p in problems),
            self.config.shard_size,
            settings,
            self.stop,
            SamplerSpec(self.config.sampler, self.config.base_url, self.config.served_model),
            self.config.sandbox_url,
            constrain=self.config.domain == "geometry" and self.config.constrain,
        )
        step_seed = int.from_bytes(
            hashlib.blake2b(f"{self.config.seed}/{name}".encode(), digest_size=8).digest(), "big"
        )
        shards = [Shard(rank, step_seed, str(step_dir)) for rank in range(task.shards())]
        bar = tqdm(total=len(shards), desc=name, unit="shard", disable=self._quiet())
        for _ in self.executor.map_unordered(partial(run_once, task), shards):
            bar.update(1)
        bar.close()
        return read_judged(step_dir, len(shards))

    def _quiet(self) -> bool | None:
        return None if self.progress is None else not self.progress

    def _metrics(self) -> dict[int, dict[str, Any]]:
        path = self.out / "metrics.jsonl"
        rows: dict[int, dict[str, Any]] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    row = json.loads(line)
                    rows[int(row["iteration"])] = row
        return rows

    def _stale(self, rows: dict[int, dict[str, Any]]) -> int:
        """Iterations since the best held-out pass@1 (ties do not count as better)."""
        order = sorted(rows)
        best, since = rows[order[0]]["pass@1"], 0
        for i in order[1:]:
            if rows[i]["pass@1"] > best:
                best, since = rows[i]["pass@1"], 0
            else:
                since += 1
        return since

    def _plot(self, rows: list[dict[str, Any]]) -> None:
        try:
            from matplotlib.figure import Figure
        except ImportError:
            logger.warning("no plot: matplotlib is missing (pip install 'proofloom[draw]')")
            return
        k = self.config.eval_k
        figure = Figure(figsize=(5, 3.2))
        ax = figure.add_subplot()
        its = [r["iteration"] for r in rows]
        ax.plot(its, [r["pass@1"] for r in rows], "o-", label="pass@1 (greedy)")
        ax.plot(its, [r[f"pass@{k}"] for r in rows], "s--", label=f"pass@{k} (T=1.0, top-p 0.95)")
        ax.set_xlabel("iteration (0: base)")
        ax.set_ylabel("held-out")
        ax.set_xticks(its)
        ax.set_ylim(0, 1)
        ax.legend(loc="best", fontsize=8)
        ax.set_title(f"ReST-EM, {self.config.domain}")
        figure.tight_layout()
        figure.savefig(self.out / "pass_at_k.png", dpi=120)
