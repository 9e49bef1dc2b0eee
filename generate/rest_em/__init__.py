"""ReST-EM self-training (Singh et al. 2023): sample, keep what the verifier accepts, fine-tune
the base model on it, evaluate, repeat. Built so far: the built-in problem families
(`families`), pass@k and deterministic splits (`metrics`)."""
