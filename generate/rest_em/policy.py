"""The policy: a transformers causal LM in a directory, its prompts, and supervised fine-tuning.

- `build_tiny(path, seed)`: the built-in default, since no model can be downloaded here: a
  Llama config of a few hundred thousand parameters and a character-level tokenizer (every
  printable ASCII character is a token), both saved with `save_pretrained`, so every later step
  loads it like any checkpoint.
- `render(problem, tokenizer)`: the text the model continues. A tokenizer with a chat template
  gets the problem as a user turn; otherwise math and geometry read `Q: ...\\nA: ` and code is the
  function header itself (the model writes the body).
- `finetune(base, rows, out, ...)`: transformers' `Trainer` from the weights in `base` on
  (prompt, completion) rows, the loss on the completion tokens only (the prompt's labels are
  -100), the completion closed by the EOS token so the model learns to stop. ReST-EM's M-step
  always starts from the base checkpoint, never from the previous iterate.

torch and transformers are imported inside the functions (the `train` extra), so the rest of
the package imports without them.
"""

from __future__ import annotations

import logging
import math
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verifiers import Problem

logger = logging.getLogger(__name__)

SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
# printable ASCII without the vertical tab, form feed and carriage return
CHARS = [c for c in string.printable if c not in "\x0b\x0c\r"]


def _require() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError:
        raise RuntimeError(
            "ReST-EM needs torch and transformers: pip install 'proofloom[train]'"
        ) from None
    # their per-file progress bars and notices would drown the run's own progress
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    return torch, transformers


def char_tokenizer() -> Any:
    """A character-level `PreTrainedTokenizerFast` (decoding joins the characters back)."""
    _require()
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(list(SPECIALS) + CHARS)}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    core.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="<pad>",
        bos_token="<bos>",
        eos_token="<eos>",
        unk_token="<unk>",
    )


def build_tiny(path: str | Path, seed: int = 0, hidden: int = 128, layers: int = 4) -> Path:
    """Save a freshly initialised tiny Llama and its character tokenizer to `path`."""
    torch, transformers = _require()
    tokenizer = char_tokenizer()
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = transformers.LlamaForCausalLM(config)
    path = Path(path)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    logger.info("tiny model: %d parameters in %s", model.num_parameters(), path)
    return path


def load(path: str | Path) -> tuple[Any, Any]:
    """(model, tokenizer) from a checkpoint directory, on the CPU unless a GPU is there."""
    torch, transformers = _require()
    path = Path(path)
    if not (path / "config.json").is_file():
        raise ValueError(f"--model {path}: not a transformers checkpoint (no config.json)")
    tokenizer = transformers.AutoTokenizer.from_pretrained(path)
    model = transformers.AutoModelForCausalLM.from_pretrained(path)
    if torch.cuda.is_available():
        model = model.to("cuda")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def load_tokenizer(path: str | Path) -> Any:
    """The tokenizer of a local checkpoint, or None (a served model known only by name): the
    prompt is then rendered without a chat template."""
    if not (Path(path) / "config.json").is_file():
        return None
    _, transformers = _require()
    return transformers.AutoTokenizer.from_pretrained(path)


def render(problem: Problem, tokenizer: Any) -> str:
    """The prompt text for `problem` (see the module docstring)."""
    return render_text(problem.prompt, problem.domain, tokenizer)


def render_text(prompt: str, domain: str, tokenizer: Any) -> str:
    """`render` of a prompt text and its domain (a geometry prompt is rendered as a math one:
    `generate.rest_em.geometry_prompt`)."""
    if getattr(tokenizer, "chat_template", None):
        messages = [{"role": "user", "content": prompt}]
        return str(
            tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        )
    if domain == "code":
        return prompt
    return f"Q: {prompt}\nA: "


TRAINERS = ("transformers", "trl")
SMALL_MODEL = 10_000_000  # parameters; below this `finetune` trains on one CPU thread


def _trl_trainer(
    model: Any, tokenizer: Any, rows: Sequence[tuple[str, str]], common: dict, max_length: int
) -> Any:
    """TRL's SFTTrainer on prompt-completion rows: it masks the prompt (completion-only loss)
    and closes each completion with the EOS token, as `encode_pair` does."""
    try:
        import datasets
        from trl import SFTConfig, SFTTrainer
    except ImportError:
        raise RuntimeError("--trainer trl needs TRL: pip install 'proofloom[trl]'") from None
    datasets.disable_progress_bars()  # one bar per preprocessing pass, on every M-step
    import torch

    data = datasets.Dataset.from_list([{"prompt": p, "completion": c} for p, c in rows])
    config = SFTConfig(
        **common,
        # TRL defaults to bf16, which a CPU refuses
        bf16=torch.cuda.is_available() and torch.cuda.is_bf16_supported(),
        completion_only_loss=True,
        max_length=max_length,
        eos_token=tokenizer.eos_token,
        dataset_num_proc=None,
    )
    return SFTTrainer(model=model, args=config, train_dataset=data, processing_class=tokenizer)


def encode_pair(tokenizer: Any, prompt: str, completion: str, limit: int) -> dict[str, list[int]]:
    """input_ids and labels for one (prompt, completion): labels -100 on the prompt."""
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
    ids = (prompt_ids + completion_ids + [tokenizer.eos_token_id])[:limit]
    labels = ([-100] * len(prompt_ids) + completion_ids + [tokenizer.eos_token_id])[:limit]
    return {"input_ids": ids, "labels": labels}


def finetune(
    base: str | Path,
    rows: Sequence[tuple[str, str]],
    out: str | Path,
    *,
    epochs: float = 3.0,
    batch_size: int = 16,
    learning_rate: float = 1e-3,
    seed: int = 0,
    max_length: int = 512,
    trainer: str = "transformers",
) -> Path:
    """Fine-tune the checkpoint `base` on (prompt, completion) rows; save to `out`.

    `trainer="trl"` hands the same rows and schedule to TRL's `SFTTrainer` (prompt-completion
    rows, `completion_only_loss`) instead of transformers' `Trainer` with our own collator.
    A model under SMALL_MODEL parameters trains on one CPU thread, and the process keeps that
    setting (torch's thread count is per process)."""
    torch, transformers = _require()
    if not rows:
        raise ValueError("nothing to fine-tune on: no rows")
    if trainer not in TRAINERS:
        raise ValueError(f"trainer={trainer!r} must be one of {', '.join(TRAINERS)}")
    model, tokenizer = load(base)
    if model.num_parameters() < SMALL_MODEL and not torch.cuda.is_available():
        # A small model's matrices are too small to split across cores, and on a shared
        # machine OpenMP's threads spin waiting for one: the built-in model's 40 steps took
        # 85 s with 2 threads and 21 s with 1 on 2 cores at load 5.
        torch.set_num_threads(1)
    pad = tokenizer.pad_token_id

    def collate(batch: list[dict[str, list[int]]]) -> dict[str, Any]:
        width = max(len(b["input_ids"]) for b in batch)
        ids = [b["input_ids"] + [pad] * (width - len(b["input_ids"])) for b in batch]
        labels = [b["labels"] + [-100] * (width - len(b["labels"])) for b in batch]
        mask = [[1] * len(b["input_ids"]) + [0] * (width - len(b["input_ids"])) for b in batch]
        return {
            "input_ids": torch.tensor(ids),
            "labels": torch.tensor(labels),
            "attention_mask": torch.tensor(mask),
        }

    common: dict[str, Any] = dict(
        output_dir=str(Path(out) / "trainer"),
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        learning_rate=learning_rate,
        lr_scheduler_type="cosine",
        # 5% of the steps; none for a run of a few steps, whose first step would have no rate
        warmup_steps=int(0.05 * math.ceil(len(rows) / batch_size) * epochs),
        logging_steps=50,
        save_strategy="no",
        report_to=[],
        seed=seed,
        disable_tqdm=True,
        dataloader_pin_memory=torch.cuda.is_available(),
    )
    if trainer == "trl":
        job = _trl_trainer(model, tokenizer, rows, common, max_length)
    else:
        job = transformers.Trainer(
            model=model,
            args=transformers.TrainingArguments(**common),
            train_dataset=[encode_pair(tokenizer, p, c, max_length) for p, c in rows],
            data_collator=collate,  # type: ignore[arg-type]
        )
    job.remove_callback(transformers.trainer_callback.PrinterCallback)  # prints to stdout
    result = job.train()
    logger.info("fine-tuned %s on %d rows: loss %.4f", base, len(rows), result.training_loss)
    out = Path(out)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
