"""Samplers: K completions per prompt from a policy.

One seam, `Sampler.sample(prompts, settings) -> list[list[str]]` (K completions per prompt, in
order), three samplers (`--sampler`):
- `transformers`: batched `generate` with `num_return_sequences`, on the worker's CPU or GPU;
- `vllm`: vLLM's offline engine, `LLM.generate(prompts, SamplingParams(n=K, ...))` (GPU only);
- `openai`: any OpenAI-compatible `/v1/completions` server (vLLM's, SGLang's, TGI's, ...);
  the request's `model` is the policy's checkpoint directory unless `--served-model` names it,
  so a server that cannot load the M-step's new checkpoint serves the base model's samples
  only for the first iteration (say `--iterations 1`, or restart the server per iteration).
Settings follow ReST-EM: sampling at temperature 0.7 / top-k 40 for the E-step, greedy for
pass@1 (`SamplingSettings.greedy()`), temperature 1.0 / top-p 0.95 for pass@k. A completion is
cut at the first stop string and at the EOS token.

`patterns`, optional, one regular expression per prompt (None: free), constrains what each
prompt's completions may say (geometry: `geometry_prompt.completion_pattern`, a well-formed
auxiliary clause): transformers through a logits processor (`constrain.py`), vLLM
through its guided decoding (`guided_decoding`, or `structured_outputs` in releases that renamed
it), an OpenAI-compatible vLLM server through the request's `guided_regex` (one prompt per
request then, each with its own pattern). Without a GPU here, the vLLM paths are tested on the
arguments and request bodies they build, not on a running engine.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from generate.errors import SamplerError
from generate.rest_em.policy import load, load_tokenizer


@dataclass(frozen=True, slots=True)
class SamplingSettings:
    k: int = 8
    temperature: float = 0.7
    top_k: int = 40
    top_p: float = 1.0
    max_new_tokens: int = 64
    stop: tuple[str, ...] = ()
    seed: int = 0

    def __post_init__(self) -> None:
        if self.k < 1 or self.max_new_tokens < 1:
            raise ValueError(f"k={self.k} and max_new_tokens={self.max_new_tokens} must be >= 1")
        if self.temperature < 0 or not 0 < self.top_p <= 1 or self.top_k < 0:
            raise ValueError(
                f"temperature={self.temperature} >= 0, 0 < top_p={self.top_p} <= 1 and "
                f"top_k={self.top_k} >= 0 are needed"
            )

    def greedy(self) -> SamplingSettings:
        """One greedy completion (pass@1 as ReST-EM measures it)."""
        return replace(self, k=1, temperature=0.0)


class Sampler(Protocol):
    tokenizer: Any  # renders prompts (a chat template); None: plain text

    def sample(
        self,
        prompts: Sequence[str],
        settings: SamplingSettings,
        patterns: Sequence[str | None] | None = None,
    ) -> list[list[str]]: ...


def _patterns(prompts: Sequence[str], patterns: Sequence[str | None] | None) -> list[str | None]:
    if patterns is None:
        return [None] * len(prompts)
    if len(patterns) != len(prompts):
        raise ValueError(f"{len(patterns)} patterns for {len(prompts)} prompts")
    return list(patterns)


def cut(text: str, stops: Sequence[str]) -> str:
    """`text` up to the first stop string (not included)."""
    end = min((i for s in stops if (i := text.find(s)) >= 0), default=len(text))
    return text[:end]


class TransformersSampler:
    """Batched sampling with transformers' `generate` from a checkpoint directory."""

    def __init__(self, path: str | Path, batch_size: int = 32) -> None:
        self.model, self.tokenizer = load(path)
        self.model.eval()
        self.batch_size = batch_size
        self._constraint: Any = None  # built on the first constrained call

    def sample(
        self,
        prompts: Sequence[str],
        settings: SamplingSettings,
        patterns: Sequence[str | None] | None = None,
    ) -> list[list[str]]:
        import torch
        from transformers import LogitsProcessorList

        torch.manual_seed(settings.seed)
        tok = self.tokenizer
        wanted = _patterns(prompts, patterns)
        if any(wanted) and self._constraint is None:
            from generate.rest_em.constrain import RegexConstraint

            self._constraint = RegexConstraint(tok)
        out: list[list[str]] = []
        greedy = settings.temperature <= 0
        # greedy decoding gives one answer per prompt: made once, repeated k times
        n = 1 if greedy else settings.k
        per_batch = max(1, self.batch_size // n)
        for start in range(0, len(prompts), per_batch):
            chunk = list(prompts[start : start + per_batch])
            encoded = [tok(p, add_special_tokens=False)["input_ids"] for p in chunk]
            width = max(len(e) for e in encoded)
            # left padding: every prompt ends where generation starts
            ids = [[tok.pad_token_id] * (width - len(e)) + e for e in encoded]
            mask = [[0] * (width - len(e)) + [1] * len(e) for e in encoded]
            kwargs: dict[str, Any] = {
                "max_new_tokens": settings.max_new_tokens,
                "num_return_sequences": n,
                "pad_token_id": tok.pad_token_id,
                "eos_token_id": tok.eos_token_id,
            }
            mine_patterns = wanted[start : start + per_batch]
            if any(mine_patterns):
                constrained = self._constraint.processor(
                    mine_patterns, n, width, tok, settings.stop
                )
                kwargs["logits_processor"] = LogitsProcessorList([constrained])
            if not greedy:
                kwargs.update(
                    do_sample=True,
                    temperature=settings.temperature,
                    top_k=settings.top_k or None,
                    top_p=settings.top_p,
                )
            else:
                kwargs.update(do_sample=False)
            with torch.no_grad():
                generated = self.model.generate(
                    input_ids=torch.tensor(ids, device=self.model.device),
                    attention_mask=torch.tensor(mask, device=self.model.device),
                    **kwargs,
                )
            texts = tok.batch_decode(generated[:, width:], skip_special_tokens=True)
            for i in range(len(chunk)):
                mine = [cut(t, settings.stop) for t in texts[i * n : (i + 1) * n]]
                out.append(mine * (settings.k // n))
        return out


def _vllm_top_k(top_k: int) -> int:
    return top_k if top_k > 0 else -1  # vLLM's "off" (0 is also accepted by newer releases)


def vllm_params(settings: SamplingSettings, pattern: str | None = None) -> dict[str, Any]:
    """Keyword arguments of vLLM's `SamplingParams` for `settings`; `pattern` constrains the
    completions (`guided_regex`: `VLLMSampler` turns it into the release's guided-decoding
    parameters)."""
    greedy = settings.temperature == 0
    params: dict[str, Any] = {
        "n": settings.k,
        "temperature": settings.temperature,
        "top_k": -1 if greedy else _vllm_top_k(settings.top_k),
        "top_p": 1.0 if greedy else settings.top_p,
        "max_tokens": settings.max_new_tokens,
        "stop": list(settings.stop) or None,
        "seed": settings.seed,
    }
    if pattern is not None:
        params["guided_regex"] = pattern
    return params


def _vllm_guided(params: dict[str, Any]) -> dict[str, Any]:
    """`guided_regex` as the installed vLLM takes it: `structured_outputs=
    StructuredOutputsParams(regex=...)` (0.10.2 on) or `guided_decoding=GuidedDecodingParams(
    regex=...)` (0.6 to 0.10)."""
    pattern = params.pop("guided_regex", None)
    if pattern is None:
        return params
    try:
        from vllm.sampling_params import StructuredOutputsParams  # type: ignore[attr-defined]

        return {**params, "structured_outputs": StructuredOutputsParams(regex=pattern)}
    except ImportError:
        from vllm.sampling_params import GuidedDecodingParams

        return {**params, "guided_decoding": GuidedDecodingParams(regex=pattern)}


class VLLMSampler:
    """vLLM's offline engine (`pip install vllm`, a GPU). One engine per sampler: run the E-step
    with `--workers 1` per GPU, or vLLM's own tensor parallelism."""

    def __init__(self, path: str | Path, **engine: Any) -> None:
        try:
            from vllm import LLM
        except ImportError as exc:
            raise SamplerError(f"--sampler vllm needs vLLM (pip install vllm): {exc}") from None
        self.llm = LLM(model=str(path), seed=0, **engine)
        self.tokenizer = self.llm.get_tokenizer()

    def sample(
        self,
        prompts: Sequence[str],
        settings: SamplingSettings,
        patterns: Sequence[str | None] | None = None,
    ) -> list[list[str]]:
        from vllm import SamplingParams

        # one SamplingParams per prompt: each carries its own pattern
        params = [
            SamplingParams(**_vllm_guided(vllm_params(settings, p)))
            for p in _patterns(prompts, patterns)
        ]
        outputs = self.llm.generate(list(prompts), params)
        return [[cut(c.text, settings.stop) for c in out.outputs] for out in outputs]


def completions_request(
    model: str, prompts: Sequence[str], settings: SamplingSettings, pattern: str | None = None
) -> dict[str, Any]:
    """The JSON body of one OpenAI `/v1/completions` request for `prompts` (a batch); `pattern`
    constrains every completion of it (vLLM's `guided_regex` extension of the request)."""
    body: dict[str, Any] = {
        "model": model,
        "prompt": list(prompts),
        "n": settings.k,
        "max_tokens": settings.max_new_tokens,
        "temperature": settings.temperature,
        "seed": settings.seed,
    }
    if settings.temperature > 0:
        body["top_p"] = settings.top_p
        if settings.top_k > 0:
            body["top_k"] = settings.top_k  # an extension vLLM and SGLang accept
    if settings.stop:
        body["stop"] = list(settings.stop)[:4]  # OpenAI's limit; cut() applies them all
    if pattern is not None:
        body["guided_regex"] = pattern
    return body


class OpenAISampler:
    """An OpenAI-compatible completions server. Batches of prompts go in one request each;
    429 and 5xx answers are retried with backoff; anything else is a `SamplerError` naming the
    server and its answer in one line."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 600.0,
        batch_size: int = 8,
        retries: int = 4,
    ) -> None:
        import httpx

        self.url = base_url.rstrip("/") + "/completions"
        self.model = model
        self.batch_size = batch_size
        self.retries = retries
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout_s, headers=headers)
        self.tokenizer = load_tokenizer(model)  # the chat template, when the path is local

    def sample(
        self,
        prompts: Sequence[str],
        settings: SamplingSettings,
        patterns: Sequence[str | None] | None = None,
    ) -> list[list[str]]:
        out: list[list[str]] = []
        wanted = _patterns(prompts, patterns)
        # a request has one guided_regex: constrained prompts go one per request
        size = 1 if any(wanted) else self.batch_size
        for start in range(0, len(prompts), size):
            chunk = prompts[start : start + size]
            body = completions_request(self.model, chunk, settings, wanted[start])
            choices = self._post(body)["choices"]
            texts: list[list[str]] = [[] for _ in chunk]
            try:
                for c in sorted(choices, key=lambda c: c["index"]):
                    texts[c["index"] // settings.k].append(cut(c["text"], settings.stop))
            except (KeyError, TypeError, IndexError) as exc:
                raise SamplerError(f"{self.url}: malformed choices ({exc!r})") from None
            if any(len(t) != settings.k for t in texts):
                raise SamplerError(
                    f"{self.url}: expected {settings.k} choices per prompt, got "
                    f"{[len(t) for t in texts]}"
                )
            out.extend(texts)
        return out

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        delay = 0.5
        for attempt in range(self.retries + 1):
            try:
                answer = self.client.post(self.url, json=body)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if answer.status_code == 200:
                    try:
                        return dict(answer.json())
                    except ValueError:
                        raise SamplerError(f"{self.url}: the answer is not JSON") from None
                problem = f"HTTP {answer.status_code}: {answer.text[:200]}"
                if answer.status_code != 429 and answer.status_code < 500:
                    raise SamplerError(f"{self.url}: {problem}")
                delay = max(delay, float(answer.headers.get("Retry-After", 0) or 0))
            if attempt < self.retries:
                time.sleep(delay)
                delay *= 2
        raise SamplerError(f"{self.url}: {problem} (after {self.retries + 1} attempts)")


SAMPLERS = ("transformers", "vllm", "openai")


@dataclass(frozen=True, slots=True)
class SamplerSpec:
    """Which sampler a worker builds (it travels to workers; the API key stays in the
    environment, `OPENAI_API_KEY`, and never reaches config.json)."""

    kind: str = "transformers"
    base_url: str | None = None
    served_model: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in SAMPLERS:
            raise ValueError(f"unknown sampler {self.kind!r} (choose from {', '.join(SAMPLERS)})")
        if self.kind == "openai" and not self.base_url:
            raise ValueError("--sampler openai needs --base-url (e.g. http://127.0.0.1:8000/v1)")

    def build(self, model: str | Path) -> Sampler:
        if self.kind == "vllm":
            return VLLMSampler(model)
        if self.kind == "openai":
            assert self.base_url is not None
            api_key = os.environ.get("OPENAI_API_KEY")
            return OpenAISampler(self.base_url, self.served_model or str(model), api_key=api_key)
        return TransformersSampler(model)
