"""Solve AlphaGeometry problem files with DD+AR.

    python -m deduction.solve [FILE|-] [--name NAME]... [--timeout S] [--jobs N]
                              [--out results.jsonl] [--proof] [--no-aux] [--no-ar]
                              [--rules ag1|proofloom]

FILE defaults to the bundled JGEX-AG-231 set; `-` reads standard input. `--name` picks problems
by their full name or any unique short form of it (`morley`, `E057-41`). A problem DD+AR does not
prove at its fixpoint is tried again with one auxiliary point at a time
(`deduction.engine.auxiliary`) until the time limit; `--no-aux` turns that off.

Each problem runs in its own process (forked, so start-up is paid once) with a hard time limit;
the output is one line per problem, `NAME solved|unsolved|error SECONDS [REASON]`, in input
order, then `solved K of N`. A problem that does not parse, has no goal, has a goal false on its
figure or crashes is an `error` line that says why, and the run goes on. `--proof` prints the
readable proof under each solved line. While a slow problem holds back the lines after it, a
progress bar on stderr (when stderr is a terminal) counts the problems finished. Ctrl-C stops
the run and prints the summary of the problems finished so far. `--out` writes one JSON object
per problem, with the traced proof of every solved one and the auxiliary clauses it used.
`--rules ag1` keeps to AlphaGeometry's 43 rules; the default adds ours (`deduction.rules`).

`run(args, make_proposer, prog)` is the same command with a proposer of auxiliary clauses (a
policy model, `deduction.engine.solver.Proposer`): `python -m generate.rest_em.solve` builds
one from a trained policy, which this package cannot import.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import signal
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from deduction.engine.solver import Proposer, solve_problem
from deduction.errors import UsageError
from deduction.problem import DEFAULT_PROBLEMS, parse_problems, problem_names, resolve_name
from deduction.rules import DEFAULT_RULE_SET, RULE_SETS
from deduction.types import Problem, ProblemLoadError

PROG = "python -m deduction.solve"
# Time a child gets beyond --timeout to trace, re-check and report before it is killed.
GRACE_SECONDS = 5.0

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EPILOG = f"""\
exit status:
  {EXIT_OK}    the run completed, whether or not every problem was solved
  {EXIT_ERRORS}    it completed, but some problems errored (the reason is on their line)
  {EXIT_USAGE}    bad flags or input: a missing, empty or non-UTF-8 file, an unknown --name,
       an unwritable --out (one line on stderr)
  {EXIT_FAILED}    the run failed: --out or stdout could not be written
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C, SIGTERM): the summary counts what finished"""

Result = dict[str, Any]
# Called in the parent with the problems about to be solved (so a model can sample for all of
# them in one batch, once); what it returns is asked for each problem's proposals in its child.
MakeProposer = Callable[[list[Problem]], Proposer]


class _Help(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows each default except None (the help says in words what no value means), and the
    epilog as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


def _child(
    problem: Problem,
    timeout: float,
    use_ar: bool,
    aux: bool,
    rules: str,
    workers: int,
    seed: int,
    conn: Any,
    proposer: Proposer | None = None,
    search: bool = True,
) -> None:
    # Ctrl-C and SIGTERM are the parent's to handle (it kills the children, prints the summary)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        result = solve_problem(
            problem,
            timeout=timeout,
            rules=rules,
            use_ar=use_ar,
            auxiliary=aux,
            workers=workers,
            seed=seed,
            proposer=proposer,
            search=search,
        ).to_json()
    except Exception as exc:  # noqa: BLE001 - reported as an error line, the run goes on
        result = _error(problem.name, f"{type(exc).__name__}: {exc}")
    conn.send(result)
    conn.close()


def _error(name: str, message: str, seconds: float = 0.0) -> Result:
    return {"name": name, "status": "error", "seconds": round(seconds, 4), "message": message}


def _needs_search(result: Result) -> bool:
    return result["status"] == "unsolved" and bool(result.get("stats", {}).get("fixpoint"))


def run_all(
    items: Sequence[Problem | ProblemLoadError],
    timeout: float,
    jobs: int,
    use_ar: bool = True,
    emit: Callable[[Result], None] | None = None,
    aux: bool = True,
    on_done: Callable[[Result], None] | None = None,
    seed: int = 0,
    rules: str = DEFAULT_RULE_SET,
    proposer: Proposer | None = None,
    search: bool = True,
) -> list[Result]:
    """Solve every item with at most `jobs` worker processes; results in input order. `on_done`
    is called with each result as it finishes (any order), `emit` as soon as it and all earlier
    ones are done (input order). `rules` names a bundled rule set (`RULE_SETS`). `proposer`
    and `search` go to `solve_problem` (the children are forked: the proposer is not pickled).

    With `aux` and `jobs` > 1 the work runs in two phases so the auxiliary search gets every
    core: first DD+AR alone on every problem, `jobs` problems at a time; then each problem left
    at its fixpoint without the goal, alone, its search's attempts spread over `jobs` forked
    workers, for what remains of its time limit. With `jobs` = 1 each problem runs its search
    straight after its closure."""
    ctx = mp.get_context("fork")
    results: dict[int, Result] = {}
    spent: dict[int, float] = {}  # phase-one seconds of a problem waiting for its search
    # a running child: (process, pipe, start, its time limit, cores it holds)
    running: dict[int, tuple[Any, Any, float, float, int]] = {}
    two_phase = aux and jobs > 1
    pending = list(enumerate(items))
    pending.reverse()
    searches: list[int] = []  # phase two, in input order
    shown = 0

    def launch(i: int, item: Problem, limit: float, with_aux: bool, cores: int) -> None:
        recv, send = ctx.Pipe(duplex=False)
        args = (item, limit, use_ar, with_aux, rules, cores, seed, send, proposer, search)
        # not a daemon: its search forks workers of its own (killed with it, see finally)
        proc = ctx.Process(target=_child, args=args, daemon=False)
        proc.start()
        send.close()
        running[i] = (proc, recv, time.monotonic(), limit, cores)

    try:
        while pending or running or searches:
            finished: list[int] = []
            busy = sum(r[4] for r in running.values())
            while pending and busy < jobs:
                i, item = pending.pop()
                if isinstance(item, ProblemLoadError):
                    results[i] = _error(item.name, item.message)
                    finished.append(i)
                    continue
                launch(i, item, timeout, not two_phase and aux, 1)
                busy += 1
            if not pending and not running and searches:
                i = searches.pop(0)
                item = items[i]
                assert isinstance(item, Problem)
                launch(i, item, max(0.1, timeout - spent[i]), True, jobs)
            for i, (proc, recv, started, limit, _cores) in list(running.items()):
                elapsed = time.monotonic() - started
                name = items[i].name
                if recv.poll():
                    try:
                        results[i] = recv.recv()
                    except EOFError:
                        results[i] = _error(name, "solver process died", elapsed)
                elif not proc.is_alive():
                    results[i] = _error(
                        name, f"solver process exited with {proc.exitcode}", elapsed
                    )
                elif elapsed > limit + GRACE_SECONDS:
                    _kill(proc)
                    results[i] = {
                        "name": name,
                        "status": "unsolved",
                        "seconds": round(elapsed + spent.get(i, 0.0), 4),
                        "message": "killed at the time limit",
                    }
                else:
                    continue
                proc.join(1)
                recv.close()
                del running[i]
                if i in spent:  # phase two: the problem's time is both phases'
                    results[i]["seconds"] = round(results[i]["seconds"] + spent[i], 4)
                elif two_phase and _needs_search(results[i]) and results[i]["seconds"] < timeout:
                    spent[i] = results.pop(i)["seconds"]
                    searches.append(i)
                    searches.sort()
                    continue
                finished.append(i)
            for i in finished:
                if on_done is not None:
                    on_done(results[i])
            while shown in results:
                if emit is not None:
                    emit(results[shown])
                shown += 1
            if running:
                time.sleep(0.005)
    finally:
        for proc, recv, *_ in running.values():
            _kill(proc)
            proc.join(1)
            recv.close()
    return [results[i] for i in sorted(results)]


def _kill(proc: Any) -> None:
    """Kill a solver child and the attempt workers it forked (they share its process group
    only if it made one, so they are found by parentage)."""
    try:
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    proc.kill()


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 1")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    # nan compares false with everything, so it would never time out; inf would never either
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds > 0")
    return value


def parser(prog: str = PROG) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Solve AlphaGeometry problems with DD+AR and print one line per problem.",
        formatter_class=_Help,
        epilog=EPILOG,
    )
    p.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="problem file (a name line, then `premises ? goal`, per problem); - reads stdin; "
        "default: the bundled JGEX-AG-231 set",
    )
    p.add_argument(
        "--name",
        action="append",
        metavar="NAME",
        help="only this problem (repeatable): its full name, basename or a unique suffix",
    )
    p.add_argument(
        "--timeout", type=_positive_seconds, default=60.0, metavar="S", help="seconds per problem"
    )
    p.add_argument(
        "--jobs",
        type=_positive_int,
        default=1,
        metavar="N",
        help="worker processes: problems closed in parallel, then each auxiliary search's "
        "attempts spread over them",
    )
    p.add_argument(
        "--seed", type=int, default=0, metavar="S", help="seed of the figures and the search"
    )
    p.add_argument("--out", metavar="FILE", help="write one JSON object per problem to this file")
    p.add_argument("--proof", action="store_true", help="print the proof under each solved line")
    p.add_argument(
        "--no-aux", action="store_true", help="no auxiliary points: stop at the DD+AR fixpoint"
    )
    p.add_argument(
        "--no-ar", action="store_true", help="DD only, every rule matched (none left to AR)"
    )
    p.add_argument(
        "--rules",
        choices=sorted(RULE_SETS),
        default=DEFAULT_RULE_SET,
        help="rule set: ag1 is AlphaGeometry's 43 rules (proofs cite only those), proofloom "
        "adds ours (deduction/data/rules_proofloom.txt), which prove more without auxiliary points",
    )
    return p


def _read(file: str) -> tuple[str, str]:
    """The text of the problem file (or stdin for '-') and the name to cite it by."""
    if file == "-":
        source = "<stdin>"
        stream = getattr(sys.stdin, "buffer", None)
        data: bytes | str = stream.read() if stream is not None else sys.stdin.read()
    else:
        path = Path(file)
        source = path.name
        if path.is_dir():
            raise UsageError(f"{file} is a directory, not a problem file")
        if not path.exists():
            raise UsageError(f"no such problem file: {file}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror}") from None
    if isinstance(data, str):
        return data, source
    try:
        return data.decode("utf-8"), source
    except UnicodeDecodeError as exc:
        where = f"byte {data[exc.start]:#04x} at offset {exc.start}"
        raise UsageError(f"{file} is not UTF-8 text ({where})") from None


def _open_out(out: str | None) -> IO[str] | None:
    if out is None:
        return None
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"--out {out} is a directory; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"--out {out}: no such directory {path.parent}")
    try:
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--out {out}: {exc.strerror}") from None


def _load(args: argparse.Namespace) -> list[Problem | ProblemLoadError]:
    text, source = _read(str(DEFAULT_PROBLEMS) if args.file is None else args.file)
    names = problem_names(text, source)
    if not names:
        raise UsageError(f"{source} holds no problems (a name line, then `premises ? goal`)")
    wanted = None
    if args.name:
        try:
            wanted = {resolve_name(query, names) for query in args.name}
        except ValueError as exc:
            raise UsageError(f"{source}: {exc}") from None
    return parse_problems(text, source, names=wanted)


def _reason(result: Result) -> str:
    message = str(result.get("message") or "")
    # a load error cites its problem, which the line already names
    return message.removeprefix(f"problem {result['name']!r}: ")


def format_result(result: Result, proof: bool = False) -> str:
    """A problem's stdout line, with its reason when it is not solved and, with `proof`, the
    readable proof of a solved one indented under it."""
    line = f"{result['name']} {result['status']} {result['seconds']:.3f}"
    if result["status"] != "solved" and _reason(result):
        line += f"  {_reason(result)}"
    # with a proposer in play (it was asked: `proposals` counted), say whose points made it
    asked = "proposals" in result.get("stats", {})
    if result["status"] == "solved" and result.get("auxiliary") and asked:
        whose = "proposed" if result.get("proposed") else "searched"
        line += f"  {whose}: " + "; ".join(result["auxiliary"])
    if proof and result["status"] == "solved" and result.get("proof_text"):
        if result.get("auxiliary"):
            line += "\n    auxiliary: " + "; ".join(result["auxiliary"])
        line += "\n" + textwrap.indent(result["proof_text"], "    ")
    return line


class Report:
    """Where results go: stdout in input order, --out as JSON lines, a progress bar on stderr
    when a person is watching it (a bar in a log file or a pipe is noise)."""

    def __init__(self, total: int, proof: bool, out: IO[str] | None) -> None:
        self.total, self.proof, self.out = total, proof, out
        self.shown: list[Result] = []
        self.bar: Any = None
        if sys.stderr.isatty():
            from tqdm import tqdm  # here: only a terminal run pays for the import

            # mininterval=0: a count that moves at each finished problem, however fast
            self.bar = tqdm(
                total=total, file=sys.stderr, unit="problem", leave=False, mininterval=0
            )

    def finished(self, result: Result) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def emit(self, result: Result) -> None:
        self.shown.append(result)
        text = format_result(result, self.proof)
        if self.bar is not None:
            self.bar.write(text, file=sys.stdout)  # clears the bar, prints, redraws it
        else:
            print(text, flush=True)
        if self.out is not None:
            self.out.write(json.dumps(result) + "\n")
            self.out.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.out is not None:
            self.out.close()

    def summary(self, interrupted: bool) -> str:
        solved = sum(r["status"] == "solved" for r in self.shown)
        notes = [f"interrupted after {len(self.shown)}"] if interrupted else []
        errors = sum(r["status"] == "error" for r in self.shown)
        if errors:
            notes.append(f"{errors} error{'s' * (errors != 1)}")
        return f"solved {solved} of {self.total}" + (f" ({', '.join(notes)})" if notes else "")


def _solve(args: argparse.Namespace, make_proposer: MakeProposer | None) -> int:
    items = _load(args)
    out = _open_out(args.out)  # a bad --out is said before a model samples for minutes
    proposer = None
    if make_proposer is not None:
        try:
            proposer = make_proposer([item for item in items if isinstance(item, Problem)])
        except BaseException:
            if out is not None:
                out.close()
            raise
    report = Report(len(items), args.proof, out)
    interrupted = False
    try:
        run_all(
            items,
            args.timeout,
            args.jobs,
            not args.no_ar,
            report.emit,
            # --no-aux with a proposer: its proposals only, no heuristic search
            aux=not args.no_aux or proposer is not None,
            on_done=report.finished,
            seed=args.seed,
            rules=args.rules,
            proposer=proposer,
            search=not args.no_aux,
        )
    except KeyboardInterrupt:
        interrupted = True
    finally:
        report.close()
    print(report.summary(interrupted), flush=True)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_ERRORS if any(r["status"] == "error" for r in report.shown) else EXIT_OK


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops a run as Ctrl-C does: children killed, summary


def _silence_stdout() -> None:
    # the interpreter flushes stdout once more at exit, which would fail again, loudly
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (a test's capture): nothing to flush
        pass


def main(argv: list[str] | None = None) -> int:
    return run(parser().parse_args(argv))


def run(
    args: argparse.Namespace, make_proposer: MakeProposer | None = None, prog: str = PROG
) -> int:
    """The command on parsed `args` (`parser()`'s flags); `make_proposer` (see MakeProposer)
    adds a proposer's auxiliary clauses; `prog` names the command in its error lines."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        return _solve(args, make_proposer)
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # before the first problem started: nothing to summarise
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader left (`| head`): nothing to say, nobody to say it to
        _silence_stdout()
        return EXIT_FAILED
    except OSError as exc:  # stdout or --out failed mid-run (a full disk)
        print(f"{prog}: failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


if __name__ == "__main__":
    sys.exit(main())
