"""Regex-constrained decoding for transformers' `generate`: each step allows only the tokens
that keep the completion a partial match of its prompt's pattern (`geometry_prompt.
completion_pattern`), and the end only where the completion is a full match.

    constraint = RegexConstraint(tokenizer)
    allowed = constraint.allowed(pattern, "e = midp", stop=("\\n",))   # token ids

`processor(...)` puts it into `generate` as a logits processor. The `regex` package decides
partial matches (`fullmatch(text, partial=True)`: the text could still grow into a match). The
end is the EOS token or a token carrying a stop string (the completion is cut there,
`samplers.cut`); after a stop string only EOS is left, so a finished line is not padded with
text. Tokens are tried by their text, so any tokenizer works: the character tokenizer in one
pass over ~100 tokens, a BPE vocabulary correctly but slower (the first characters are
screened once per step, then only the tokens that start with an allowed one are tried).
Answers are cached per (pattern, completion so far): samples of one prompt share their
prefixes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import regex


class RegexConstraint:
    """The tokens a pattern allows after a completion so far, for one tokenizer."""

    def __init__(self, tokenizer: Any, cache_size: int = 200_000) -> None:
        self.eos = tokenizer.eos_token_id
        special = set(tokenizer.all_special_ids)
        self.texts: dict[int, str] = {}
        # a token's text in context: decoded after an anchor token, so a SentencePiece piece
        # keeps the leading space a lone decode drops
        anchor = tokenizer("a", add_special_tokens=False)["input_ids"][-1:]
        base = tokenizer.decode(anchor)
        for token in range(len(tokenizer)):
            if token in special:
                continue
            text = tokenizer.decode(anchor + [token])
            if text.startswith(base) and len(text) > len(base):
                self.texts[token] = text[len(base) :]
        self._compiled: dict[str, Any] = {}
        self._cache: dict[tuple[str, str], list[int]] = {}
        self._cache_size = cache_size

    def _pattern(self, pattern: str) -> Any:
        compiled = self._compiled.get(pattern)
        if compiled is None:
            compiled = self._compiled[pattern] = regex.compile(pattern)
        return compiled

    def allowed(self, pattern: str, text: str, stop: Sequence[str] = ()) -> list[int]:
        """Token ids that may follow the completion `text` under `pattern` (never empty: a
        completion the pattern cannot continue may only end)."""
        key = (pattern, text)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        compiled = self._pattern(pattern)
        if any(s in text for s in stop):
            result = [self.eos]
        else:

            def ok(candidate: str) -> bool:
                cut = min((i for s in stop if (i := candidate.find(s)) >= 0), default=-1)
                if cut >= 0:  # the stop string ends the completion: it must be whole
                    return compiled.fullmatch(candidate[:cut]) is not None
                return compiled.fullmatch(candidate, partial=True) is not None

            first = {t[0] for t in self.texts.values()}
            good_first = {c for c in first if ok(text + c)}
            result = [
                token
                for token, t in self.texts.items()
                if t[0] in good_first and (len(t) == 1 or ok(text + t))
            ]
            if compiled.fullmatch(text) is not None or not result:
                result.append(self.eos)
        self._cache[key] = result
        return result

    def processor(
        self,
        patterns: Sequence[str | None],
        per_prompt: int,
        width: int,
        tokenizer: Any,
        stop: Sequence[str] = (),
    ) -> Callable[[Any, Any], Any]:
        """A logits processor for one `generate` call over `patterns` (one per prompt, None:
        unconstrained), `per_prompt` sequences each (`num_return_sequences`; transformers
        repeats each prompt's row that many times, in order), prompts left-padded to `width`
        tokens. Not a `prefix_allowed_tokens_fn`: what its batch index counts (prompts or
        sequences) changed between transformers releases."""

        def process(input_ids: Any, scores: Any) -> Any:
            import torch

            mask = torch.zeros_like(scores)
            for row in range(input_ids.shape[0]):
                pattern = patterns[row // per_prompt]
                if pattern is None:
                    continue
                text = tokenizer.decode(input_ids[row, width:].tolist(), skip_special_tokens=True)
                mask[row] = -torch.inf
                mask[row, self.allowed(pattern, text, stop)] = 0
            return scores + mask

        return process
