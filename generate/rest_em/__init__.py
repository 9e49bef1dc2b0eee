"""ReST-EM self-training (Singh et al. 2023): sample, keep what the verifier accepts, fine-tune
the base model on it, evaluate, repeat.

Built so far (issue 9, in slices):

    families.py   built-in procedural problems (math, code) with reference solutions
    metrics.py    the unbiased pass@k estimator, deterministic hash splits
    estep.py      keep correct / distinct / capped samples; SFT rows (prompt-completion, messages)
    policy.py     the tiny default model and character tokenizer; prompts; fine-tuning (Trainer)
    samplers.py   the sampler seam; transformers' batched generate

Still to come: the loop and its CLI (`python -m generate.rest_em`), resumable steps on the
executor seam, the OpenAI-compatible and vLLM samplers, evaluation per iteration with the
plot, data set loaders, the benchmark.
"""
