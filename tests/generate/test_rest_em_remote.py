"""`--sandbox-url`: the E-step's code judged by a real sandbox service on 127.0.0.1."""

from functools import partial

import httpx
import pytest

pytest.importorskip("torch")

from generate.errors import VerifierUnavailable  # noqa: E402
from generate.executors import SerialExecutor  # noqa: E402
from generate.rest_em.datasets import load_problems, spec_of  # noqa: E402
from generate.rest_em.loop import check_verifier  # noqa: E402
from generate.rest_em.policy import build_tiny  # noqa: E402
from generate.rest_em.samplers import SamplingSettings  # noqa: E402
from generate.rest_em.steps import SampleAndJudge, read_judged  # noqa: E402
from generate.shards import Shard, run_once  # noqa: E402
from service import ServiceSettings  # noqa: E402
from tests.service.conftest import serving  # noqa: E402

pytestmark = [pytest.mark.bwrap, pytest.mark.timeout(120)]


def test_code_judged_on_a_service_matches_judging_in_the_worker(tmp_path):
    model = build_tiny(tmp_path / "base", seed=0, hidden=32, layers=2)
    problems = load_problems("code", "builtin", 10, 3, 1)[:4]
    settings = SamplingSettings(k=2, temperature=0.7, top_k=40, max_new_tokens=24)
    specs = tuple(spec_of(p) for p in problems)
    with serving(ServiceSettings(workers=2)) as url:
        check_verifier(problems[0], url)  # the reference solution passes through the service
        judged = {}
        for name, remote in (("local", None), ("remote", url)):
            task = SampleAndJudge(str(model), specs, 2, settings, sandbox_url=remote)
            step = tmp_path / name
            list(
                SerialExecutor().map_unordered(
                    partial(run_once, task), [Shard(0, 1, str(step)), Shard(1, 1, str(step))]
                )
            )
            judged[name] = [(j.sample.completion, j.verdict.status) for j in read_judged(step, 2)]
        metrics = httpx.get(f"{url}/metrics").text
    assert judged["remote"] == judged["local"] and len(judged["local"]) == 8
    served = [
        line
        for line in metrics.splitlines()
        if line.startswith('proofloom_requests_total{route="/run"')
    ]
    assert served and float(served[0].rsplit(" ", 1)[1]) >= 2  # the service did the judging
    with pytest.raises(VerifierUnavailable, match="service unreachable"):
        check_verifier(problems[0], "http://127.0.0.1:9")  # nothing listens on the discard port
