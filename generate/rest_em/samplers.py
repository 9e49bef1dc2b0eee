"""Samplers: K completions per prompt from a policy.

One seam, `Sampler.sample(prompts, settings) -> list[list[str]]` (K completions per prompt, in
order). Built so far: `TransformersSampler`, batched `generate` with `num_return_sequences`.
Settings follow ReST-EM: sampling at temperature 0.7 / top-k 40 for the E-step, greedy for
pass@1 (`SamplingSettings.greedy()`), temperature 1.0 / top-p 0.95 for pass@k. A completion is
cut at the first stop string and at the EOS token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from generate.rest_em.policy import load


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
    def sample(self, prompts: Sequence[str], settings: SamplingSettings) -> list[list[str]]: ...


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

    def sample(self, prompts: Sequence[str], settings: SamplingSettings) -> list[list[str]]:
        import torch

        torch.manual_seed(settings.seed)
        tok = self.tokenizer
        out: list[list[str]] = []
        per_batch = max(1, self.batch_size // settings.k)
        for start in range(0, len(prompts), per_batch):
            chunk = list(prompts[start : start + per_batch])
            encoded = [tok(p, add_special_tokens=False)["input_ids"] for p in chunk]
            width = max(len(e) for e in encoded)
            # left padding: every prompt ends where generation starts
            ids = [[tok.pad_token_id] * (width - len(e)) + e for e in encoded]
            mask = [[0] * (width - len(e)) + [1] * len(e) for e in encoded]
            kwargs: dict[str, Any] = {
                "max_new_tokens": settings.max_new_tokens,
                "num_return_sequences": settings.k,
                "pad_token_id": tok.pad_token_id,
                "eos_token_id": tok.eos_token_id,
            }
            if settings.temperature > 0:
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
                out.append(
                    [cut(t, settings.stop) for t in texts[i * settings.k : (i + 1) * settings.k]]
                )
        return out
