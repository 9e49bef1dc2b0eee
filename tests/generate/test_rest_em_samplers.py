"""The OpenAI-compatible sampler against a real completions server on 127.0.0.1 (our tiny model
behind it), its faults, a loop whose E-step and evaluation go through it, and the request
building of the vLLM sampler (vLLM itself needs a GPU)."""

import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("torch")
pytest.importorskip("httpx")

from generate.errors import SamplerError  # noqa: E402
from generate.executors import SerialExecutor  # noqa: E402
from generate.rest_em.config import RestEMConfig  # noqa: E402
from generate.rest_em.loop import RestEMRun  # noqa: E402
from generate.rest_em.policy import build_tiny  # noqa: E402
from generate.rest_em.samplers import (  # noqa: E402
    OpenAISampler,
    SamplerSpec,
    SamplingSettings,
    TransformersSampler,
    completions_request,
    vllm_params,
)


class CompletionsServer(ThreadingHTTPServer):
    """`POST /v1/completions` as OpenAI defines it, sampling with TransformersSampler from the
    checkpoint directory the request names. `faults` is a list of status codes to answer first."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[dict] = []
        self.faults: list[int] = []
        self.samplers: dict[str, TransformersSampler] = {}
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(BaseHTTPRequestHandler):
    server: CompletionsServer

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server = self.server
        with server.lock:
            server.requests.append({**body, "auth": self.headers.get("Authorization")})
            fault = server.faults.pop(0) if server.faults else None
            if fault is not None or self.path != "/v1/completions":
                return self._answer(fault or 404, {"error": {"message": "injected"}})
            sampler = server.samplers.get(body["model"])
            if sampler is None:
                sampler = server.samplers[body["model"]] = TransformersSampler(body["model"])
            settings = SamplingSettings(
                k=body.get("n", 1),
                temperature=body.get("temperature", 1.0),
                top_k=body.get("top_k", 0),
                top_p=body.get("top_p", 1.0),
                max_new_tokens=body.get("max_tokens", 16),
                stop=tuple(body.get("stop") or ()),
                seed=body.get("seed", 0),
            )
            # vLLM's guided_regex extension: every prompt of the request held to the pattern
            patterns = [body.get("guided_regex")] * len(body["prompt"])
            texts = sampler.sample(body["prompt"], settings, patterns)
        choices = [
            {"index": i * settings.k + j, "text": t, "finish_reason": "stop"}
            for i, ts in enumerate(texts)
            for j, t in enumerate(ts)
        ]
        self._answer(200, {"object": "text_completion", "choices": choices[::-1]})  # any order

    def _answer(self, status: int, doc: dict) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 503:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server():
    srv = CompletionsServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny(tmp_path_factory.mktemp("tiny") / "model", seed=0, hidden=32, layers=2)


def test_served_samples_equal_local_ones(server, tiny, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "k-123")
    remote = SamplerSpec("openai", server.base_url).build(tiny)
    prompts = ["Q: Compute 1 + 2.\nA: ", "Q: Compute 3 * 4.\nA: ", "Q: Solve x + 1 = 2.\nA: "]
    greedy = SamplingSettings(k=1, temperature=0.0, max_new_tokens=12, stop=("\n",))
    assert remote.sample(prompts, greedy) == TransformersSampler(tiny).sample(prompts, greedy)
    sampled = SamplingSettings(k=3, temperature=1.0, top_k=5, max_new_tokens=8, seed=7)
    texts = remote.sample(prompts, sampled)
    assert [len(t) for t in texts] == [3, 3, 3]
    assert texts == TransformersSampler(tiny).sample(prompts, sampled)  # choices re-ordered
    last = server.requests[-1]
    assert last["auth"] == "Bearer k-123" and last["model"] == str(tiny)
    assert (last["n"], last["top_k"], last["seed"]) == (3, 5, 7)


def test_patterns_go_one_prompt_a_request_as_guided_regex(server, tiny):
    import regex

    sampler = OpenAISampler(server.base_url, str(tiny), batch_size=8)
    prompts = ["Q: 1\nA: ", "Q: 2\nA: ", "Q: 3\nA: "]
    patterns = ["(?:ab|ba)c", None, "x(?:yz)?"]
    settings = SamplingSettings(k=3, temperature=1.0, max_new_tokens=6, stop=("\n",), seed=1)
    before = len(server.requests)
    texts = sampler.sample(prompts, settings, patterns)
    sent = server.requests[before:]
    assert [r["prompt"] for r in sent] == [[p] for p in prompts]
    assert [r.get("guided_regex") for r in sent] == patterns
    assert all(regex.fullmatch(patterns[0], t) for t in texts[0])
    assert all(regex.fullmatch(patterns[2], t) for t in texts[2])
    # no pattern: the prompts share requests as before
    sampler.sample(prompts, settings)
    assert len(server.requests) - before == 4


def test_overload_is_retried_and_client_errors_are_one_line(server, tiny):
    sampler = OpenAISampler(server.base_url, str(tiny), retries=2)
    settings = SamplingSettings(k=2, max_new_tokens=4)
    server.faults[:] = [503, 429]
    before = len(server.requests)
    assert [len(t) for t in sampler.sample(["Q: 1\nA: "], settings)] == [2]
    assert len(server.requests) - before == 3
    server.faults[:] = [400]
    with pytest.raises(SamplerError, match=r"/v1/completions: HTTP 400: .*injected"):
        sampler.sample(["Q: 1\nA: "], settings)
    server.faults[:] = [500, 500, 500]
    with pytest.raises(SamplerError, match=r"HTTP 500.*after 3 attempts"):
        sampler.sample(["Q: 1\nA: "], settings)


def test_a_server_that_is_not_there(tiny):
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sampler = OpenAISampler(f"http://127.0.0.1:{port}/v1", str(tiny), retries=1)
    with pytest.raises(SamplerError, match=r"ConnectError.*after 2 attempts"):
        sampler.sample(["x"], SamplingSettings(k=1))


def test_a_loop_samples_through_the_server(server, tmp_path):
    config = RestEMConfig(
        "math",
        str(tmp_path / "run"),
        n_problems=40,
        seed_problems=20,
        seed_epochs=2,
        iterations=1,
        k=2,
        eval_k=2,
        cap=1,
        epochs=1,
        shard_size=20,
        max_new_tokens=16,
        sampler="openai",
        base_url=server.base_url,
    )
    before = len(server.requests)
    summary = RestEMRun(config, SerialExecutor()).run(progress=False)
    asked = {r["model"] for r in server.requests[before:]}
    assert asked >= {str(tmp_path / "run" / "base")}  # the base served for E-step and eval
    assert [row["iteration"] for row in summary["iterations"]][0] == 0
    greedy = [r for r in server.requests[before:] if r["temperature"] == 0]
    assert greedy and all(r["n"] == 1 and "top_p" not in r for r in greedy)


def test_request_building():
    settings = SamplingSettings(k=4, temperature=0.7, top_k=40, top_p=0.9, max_new_tokens=32,
                                stop=("\n\n", "```", "a", "b", "c"), seed=3)  # fmt: skip
    body = completions_request("m", ["p1", "p2"], settings)
    assert body == {
        "model": "m", "prompt": ["p1", "p2"], "n": 4, "max_tokens": 32, "temperature": 0.7,
        "seed": 3, "top_p": 0.9, "top_k": 40, "stop": ["\n\n", "```", "a", "b"],
    }  # fmt: skip
    assert vllm_params(settings) == {
        "n": 4, "temperature": 0.7, "top_k": 40, "top_p": 0.9, "max_tokens": 32,
        "stop": ["\n\n", "```", "a", "b", "c"], "seed": 3,
    }  # fmt: skip
    greedy = vllm_params(settings.greedy())
    assert (greedy["n"], greedy["temperature"], greedy["top_k"], greedy["top_p"]) == (1, 0, -1, 1)
    assert vllm_params(SamplingSettings(top_k=0))["top_k"] == -1
    assert completions_request("m", ["p"], settings, "e = .*")["guided_regex"] == "e = .*"
    assert vllm_params(settings, "e = .*")["guided_regex"] == "e = .*"
    assert "guided_regex" not in completions_request("m", ["p"], settings)


def test_vllm_takes_the_pattern_as_its_guided_decoding():
    pytest.importorskip("vllm")  # a GPU machine's; not installed here
    from vllm import SamplingParams

    from generate.rest_em.samplers import _vllm_guided

    params = SamplingParams(**_vllm_guided(vllm_params(SamplingSettings(), "e = .*")))
    guided = getattr(params, "structured_outputs", None) or params.guided_decoding
    assert guided.regex == "e = .*"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sampler": "openai"}, "needs --base-url"),
        ({"sampler": "llama.cpp"}, "unknown sampler 'llama.cpp'"),
    ],
)
def test_bad_sampler_settings(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        RestEMConfig("math", str(tmp_path), **kwargs)


def test_vllm_missing_is_one_line(tiny):
    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vLLM is installed here: this message is for machines without it")
    with pytest.raises(SamplerError, match=r"^--sampler vllm needs vLLM \(pip install vllm\)"):
        SamplerSpec("vllm").build(tiny)
