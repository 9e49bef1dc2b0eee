"""The policy seam with a real tiny transformers model: tokenizer, build, fine-tune, sample."""

import hashlib

import pytest

torch = pytest.importorskip("torch")

from generate.rest_em.families import builtin_problems  # noqa: E402
from generate.rest_em.policy import (  # noqa: E402
    CHARS,
    build_tiny,
    char_tokenizer,
    encode_pair,
    finetune,
    load,
    render,
)
from generate.rest_em.samplers import SamplingSettings, TransformersSampler, cut  # noqa: E402


def weights_digest(path) -> str:
    return hashlib.sha1((path / "model.safetensors").read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny(tmp_path_factory.mktemp("tiny") / "base", seed=0, hidden=32, layers=2)


def test_char_tokenizer_round_trips_every_character():
    tok = char_tokenizer()
    text = "".join(CHARS) + "def f(x):\n    return x + 1\n"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert len(ids) == len(text) and tok.decode(ids) == text


def test_tiny_model_saves_and_loads(tiny):
    model, tok = load(tiny)
    assert 10_000 < model.num_parameters() < 5_000_000
    assert tok.eos_token == "<eos>" and tok.pad_token == "<pad>"
    with pytest.raises(ValueError, match="not a transformers checkpoint"):
        load(tiny.parent / "nowhere")


def test_labels_cover_the_completion_and_eos_only():
    tok = char_tokenizer()
    pair = encode_pair(tok, "Q: 1+1\nA: ", "2", 512)
    n = len("Q: 1+1\nA: ")
    assert pair["labels"][:n] == [-100] * n
    assert (
        pair["labels"][n:]
        == pair["input_ids"][n:]
        == [tok.convert_tokens_to_ids("2"), tok.eos_token_id]
    )


def test_finetune_starts_from_the_base_and_leaves_it_untouched(tiny, tmp_path):
    before = weights_digest(tiny)
    _, tok = load(tiny)
    problems = builtin_problems("math", 16, seed=1)
    rows = [(render(p, tok), p.meta["solution"]) for p in problems]
    out = finetune(tiny, rows, tmp_path / "it1", epochs=2, batch_size=8)
    assert weights_digest(tiny) == before
    assert weights_digest(out) != before
    again = finetune(tiny, rows, tmp_path / "it1b", epochs=2, batch_size=8)
    assert weights_digest(again) == weights_digest(out)  # from the base, same seed: same weights
    with pytest.raises(ValueError, match="no rows"):
        finetune(tiny, [], tmp_path / "none")


def test_trl_sft_trainer_sees_the_same_tokens_and_masks_and_trains_from_the_base(tiny, tmp_path):
    from generate.rest_em.policy import _trl_trainer  # TRL is in the dev extra

    model, tok = load(tiny)
    problems = builtin_problems("math", 4, seed=2) + builtin_problems("code", 4, seed=2)
    rows = [(render(p, tok), p.meta["solution"]) for p in problems]
    job = _trl_trainer(model, tok, rows, {"output_dir": str(tmp_path / "t"), "report_to": []}, 512)
    for (prompt, completion), seen in zip(rows, job.train_dataset, strict=True):
        ours = encode_pair(tok, prompt, completion, 512)
        assert seen["input_ids"] == ours["input_ids"]
        # TRL's completion mask is where our labels are not -100 (prompt masked, EOS learned)
        mask = seen.get("completion_mask") or [int(x != -100) for x in seen["labels"]]
        assert mask == [int(x != -100) for x in ours["labels"]]
    before = weights_digest(tiny)
    out = finetune(tiny, rows, tmp_path / "trl", epochs=1, batch_size=4, trainer="trl")
    assert weights_digest(tiny) == before and weights_digest(out) != before
    with pytest.raises(ValueError, match="trainer='sgd'"):
        finetune(tiny, rows, tmp_path / "x", trainer="sgd")


def test_sampler_gives_k_completions_greedy_is_deterministic(tiny):
    sampler = TransformersSampler(tiny)
    prompts = ["Q: Compute 1 + 2.\nA: ", "def f(x):\n"]
    settings = SamplingSettings(k=3, max_new_tokens=8, temperature=1.0)
    out = sampler.sample(prompts, settings)
    assert [len(c) for c in out] == [3, 3]
    assert all(isinstance(c, str) and len(c) <= 8 for cs in out for c in cs)
    greedy = sampler.sample(prompts, settings.greedy())
    assert greedy == sampler.sample(prompts, settings.greedy()) and [len(c) for c in greedy] == [
        1,
        1,
    ]
    # k greedy samples are the greedy answer k times (transformers refuses n > 1 greedily)
    three = sampler.sample(prompts, SamplingSettings(k=3, max_new_tokens=8, temperature=0.0))
    assert three == [[g[0]] * 3 for g in greedy]


def test_cut_and_settings_checks():
    assert cut("abc\ndef", ("\n",)) == "abc" and cut("abc", ("x",)) == "abc"
    with pytest.raises(ValueError):
        SamplingSettings(k=0)
    with pytest.raises(ValueError):
        SamplingSettings(top_p=0.0)
