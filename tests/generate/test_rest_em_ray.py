"""One ReST-EM E-step on a real local Ray cluster: the same judged samples as in one process."""

from functools import partial

import pytest

pytest.importorskip("torch")
pytest.importorskip("ray")

from generate.executors import RayExecutor, SerialExecutor  # noqa: E402
from generate.rest_em.datasets import load_problems, spec_of  # noqa: E402
from generate.rest_em.policy import build_tiny  # noqa: E402
from generate.rest_em.samplers import SamplingSettings  # noqa: E402
from generate.rest_em.steps import SampleAndJudge, judged_path, read_judged  # noqa: E402
from generate.shards import Shard, is_done, run_once  # noqa: E402
from verifiers import Status, verify_completion  # noqa: E402

pytestmark = pytest.mark.timeout(180)  # Ray's start-up alone takes ~10 s here


def test_an_e_step_on_a_ray_cluster_matches_one_process(tmp_path):
    model = build_tiny(tmp_path / "base", seed=0, hidden=32, layers=2)
    # both domains: math is judged in the worker, code in the sandbox the Ray worker starts
    problems = load_problems("math", "builtin", 10, 1, 1)[:3]
    problems += load_problems("code", "builtin", 10, 1, 1)[:3]
    task = SampleAndJudge(
        str(model),
        tuple(spec_of(p) for p in problems),
        size=2,
        # greedy: every sample repeated, each repeat taking the verdict of its first copy
        settings=SamplingSettings(k=3, temperature=0.0, max_new_tokens=24),
    )
    judged, distinct = {}, {}
    for name, executor in (("ray", RayExecutor(2)), ("serial", SerialExecutor())):
        step = tmp_path / name
        shards = [Shard(rank, 7, str(step)) for rank in range(task.shards())]
        stats = list(executor.map_unordered(partial(run_once, task), shards))
        assert sorted(s.rank for s in stats) == [0, 1, 2]
        assert all(is_done(step, rank) for rank in range(3))
        judged[name] = read_judged(step, 3)
        distinct[name] = sum(s.counters["distinct"] for s in stats)
    assert len(judged["ray"]) == len(problems) * 3

    def seen(j):  # all but the judging time
        return j.sample.problem_id, j.sample.completion, j.verdict.status, j.verdict.reason

    assert [seen(j) for j in judged["ray"]] == [seen(j) for j in judged["serial"]]
    code = [j for j in judged["ray"] if j.sample.problem_id.startswith("code/")]
    # the sandbox ran every program in the Ray workers: judged, not ERROR (could not run)
    assert len(code) == 9 and {j.verdict.status for j in code} <= {Status.CORRECT, Status.WRONG}
    assert judged_path(tmp_path / "ray", 0).exists()
    pairs = {(j.sample.problem_id, j.sample.completion) for j in judged["serial"]}
    assert distinct["ray"] == distinct["serial"] == len(pairs) < len(judged["serial"])
    by_id = {p.id: p for p in problems}
    for j in judged["serial"]:  # a repeat's verdict is the one it would have got
        assert verify_completion(by_id[j.sample.problem_id], j.sample.completion).status is (
            j.verdict.status
        )
