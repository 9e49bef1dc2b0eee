"""One ReST-EM E-step on a real local Ray cluster: the same judged samples as in one process."""

from functools import partial

import pytest

pytest.importorskip("torch")
pytest.importorskip("ray")

from generate.executors import RayExecutor, SerialExecutor  # noqa: E402
from generate.rest_em.datasets import spec_of  # noqa: E402
from generate.rest_em.families import builtin_problems  # noqa: E402
from generate.rest_em.policy import build_tiny  # noqa: E402
from generate.rest_em.samplers import SamplingSettings  # noqa: E402
from generate.rest_em.steps import SampleAndJudge, judged_path, read_judged  # noqa: E402
from generate.shards import Shard, is_done, run_once  # noqa: E402
from verifiers import Status  # noqa: E402

pytestmark = pytest.mark.timeout(180)  # Ray's start-up alone takes ~10 s here


def test_an_e_step_on_a_ray_cluster_matches_one_process(tmp_path):
    model = build_tiny(tmp_path / "base", seed=0, hidden=32, layers=2)
    # both domains: math is judged in the worker, code in the sandbox the Ray worker starts
    problems = builtin_problems("math", 3, seed=1) + builtin_problems("code", 3, seed=1)
    task = SampleAndJudge(
        str(model),
        tuple(spec_of(p) for p in problems),
        size=2,
        settings=SamplingSettings(k=3, temperature=0.7, top_k=40, max_new_tokens=24),
    )
    judged = {}
    for name, executor in (("ray", RayExecutor(2)), ("serial", SerialExecutor())):
        step = tmp_path / name
        shards = [Shard(rank, 7, str(step)) for rank in range(task.shards())]
        stats = list(executor.map_unordered(partial(run_once, task), shards))
        assert sorted(s.rank for s in stats) == [0, 1, 2]
        assert all(is_done(step, rank) for rank in range(3))
        judged[name] = read_judged(step, 3)
    assert len(judged["ray"]) == len(problems) * 3
    assert [j.to_json() for j in judged["ray"]] == [j.to_json() for j in judged["serial"]]
    code = [j for j in judged["ray"] if j.sample.problem_id.startswith("code/")]
    # the sandbox ran every program in the Ray workers: judged, not ERROR (could not run)
    assert len(code) == 9 and {j.verdict.status for j in code} <= {Status.CORRECT, Status.WRONG}
    assert judged_path(tmp_path / "ray", 0).exists()
