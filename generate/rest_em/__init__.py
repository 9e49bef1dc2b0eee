"""ReST-EM self-training (Singh et al. 2023): sample, keep what the verifier accepts, fine-tune
the base model on it, evaluate, repeat.

    families.py   built-in procedural problems (math, code) with reference solutions
    datasets.py   where a run's problems come from: the families or a data set
    metrics.py    the unbiased pass@k estimator, deterministic hash splits
    steps.py      the shard task: sample K completions per problem and judge them
    estep.py      keep correct / distinct / capped samples; SFT rows (prompt-completion, messages)
    policy.py     the tiny default model and character tokenizer; prompts; fine-tuning
    samplers.py   the sampler seam: transformers, vLLM, an OpenAI-compatible server
    loop.py       the loop, resumable step by step; config.py: RestEMConfig
    cli.py        `python -m generate.rest_em`
"""
