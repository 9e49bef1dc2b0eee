"""Every program of ../shared/code/attacks through the real sandbox and the code verifier, on both
runners (a fresh bwrap sandbox per run, and the pre-forked zygote that `default_runner()` gives
verify() for Python), with every expectation and host check of its manifest (see
tests/attack_corpus.py). Each runner gets a private uid range per pytest worker, so "no process of
the run survives" is checked exactly: nothing else on the machine runs under those uids, and the
runner names its own processes there (the zygote's workers and standby launchers).
"""

import json

import pytest

from sandbox import BwrapRunner
from sandbox.slots import UidPool
from sandbox.zygote import ZygoteRunner
from tests.attack_corpus import Canaries, corpus_limits, load_corpus, problem_tests, run_entry
from tests.conftest import SHARED
from tests.sandbox.corpus import private_uids
from verifiers.code.judge import judge

pytestmark = pytest.mark.bwrap

# ids at collection time (tests/conftest.py has checked that ../shared is there); the tests
# themselves read the corpus through the shared_dir fixture
_MANIFEST = SHARED / "code" / "attacks" / "manifest.json"
_ENTRIES = json.loads(_MANIFEST.read_text())["entries"]
CASES = [(kind, e["id"]) for kind in ("bwrap", "zygote") for e in _ENTRIES]


@pytest.fixture(scope="module")
def corpus(shared_dir):
    return load_corpus(shared_dir / "code" / "attacks")


@pytest.fixture(scope="module")
def runners():
    made = {}

    def get(kind: str):
        if kind not in made:
            pool = UidPool(private_uids(f"verifiers-{kind}"))
            base = BwrapRunner(uids=pool)
            made[kind] = (base if kind == "bwrap" else ZygoteRunner(2, base=base), set(pool.uids))
        return made[kind]

    yield get
    for runner, _ in made.values():
        if isinstance(runner, ZygoteRunner):
            runner.close()


@pytest.fixture(scope="module")
def env(corpus, tmp_path_factory):
    limits = corpus_limits(corpus.conventions)
    c01 = next(e for e in corpus.entries if e["id"] == "c01")
    control_code = (corpus.root / c01["file"]).read_text()
    control_tests = problem_tests(corpus, c01["problem"], limits)

    def control(runner) -> bool:
        return judge(control_code, control_tests, runner=runner, limits=limits).failure is None

    with Canaries(tmp_path_factory.mktemp("service")) as canaries:
        yield canaries, control


@pytest.mark.parametrize("kind, entry_id", CASES)
def test_corpus_entry(corpus, env, runners, kind, entry_id):
    canaries, control_on = env
    runner, uids = runners(kind)

    def control() -> bool:
        return control_on(runner)

    entry = next(e for e in corpus.entries if e["id"] == entry_id)
    out = run_entry(corpus, entry, runner, canaries, sandbox_uids=uids, control=control)
    assert out.passed, f"{entry_id} ({entry['attack']}): {out.problems}"
    unexpected = [n for n in out.notes if "canary listener unavailable" not in n]
    assert not unexpected, unexpected


def test_corpus_covers_every_function_cheat_with_tests(corpus):
    # the cheats judged as function calls must have real call cases with expected values
    limits = corpus_limits(corpus.conventions)
    for entry in corpus.entries:
        tests = problem_tests(corpus, entry["problem"], limits)
        assert len(tests.cases) >= 2, entry["id"]
