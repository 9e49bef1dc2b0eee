"""Are generated theorems true on fresh figures (ours and Newclid's builder, goal not resampled)?

    .venv/bin/python benchmarks/geometry_fresh.py DIR --sample 1000 --seed 0 [--json out.json]
    .venv/bin/python benchmarks/geometry_fresh.py DIR --sample 1000 --no-newclid

The question (issue 17's target: "0 of 1,000 sampled records false on 20 fresh figures drawn
without goal resampling (our realiser) and on fresh figures of Newclid's builder"): the generator
checks a theorem on the few figures its premise set was drawn on; is it true on figures drawn
afresh, where every discrete choice (which intersection, which side) is drawn again?

Sample: `--sample` records of DIR/data/*.jsonl.gz (our generator's output), drawn with `--seed`:
the records with auxiliary clauses first, all of them up to `--aux-share` of the sample (default
half), the rest from the records without. Each record's `problem` and `problem_with_aux` (one
text when they are equal) are checked, each on `--figures` K fresh figures by two builders:

- ours: `deduction.realise(parse_problem(text), seed=s, check_goal=False)` for s = seed*10**6 +
  k, k < K. A figure `realise` cannot draw (DegenerateError after its attempts) is `undrawn`;
  a text whose clauses we cannot parse is `unsupported`.
- Newclid: `benchmarks/_newclid_driver.py`, run by Newclid's own venv (`--peer-python`), one
  process per `--batch` texts. It draws each figure with Newclid's `build_newclid_problem` on
  the premises alone (Newclid's `JGEXProblemBuilder.build` would redraw until the goal holds;
  the driver does not, see its docstring), accepting the first of `--attempts` draws whose
  assumptions pass Newclid's numeric checks, else the figure is `undrawn`. A text using a
  construction Newclid has no definition for is `unsupported`, counted by construction name.
  Two forms Newclid reads differently from AlphaGeometry are rewritten first (`s_angle`'s
  degrees, `parallelogram`'s and `square`'s argument order; the driver's docstring says how);
  `--newclid-literal` passes the text unchanged.

The goal is checked on both builders' figures by our `deduction.holds(goal, points, tol)`, so
the two columns differ only in the figures. Tolerance `--tol` (default 1e-6) is the predicate's
own residual bound: angles in radians (mod pi), lengths and ratios relative to the quantities
compared (see `deduction/numeric/predicates.py`; its default is 1e-8). A degenerate goal
instance (a zero-length segment where a line is needed) counts as false. Newclid's own goal check
(`check_numerical`, absolute 4e-7 or relative 1e-3) on its figures is reported beside it
(`newclid-own`), where Newclid can state the goal.

Counted, per builder: a record is `false` if any drawn figure of any of its texts has its goal
false; `undrawable` if, not false, some text had no figure drawn at all; `unsupported` /
`error` likewise (a driver batch that crashes or times out makes its texts `error`). Printed:
those counts, figures drawn and undrawn, unsupported constructions by name, and each false
record's text with its false-figure count. `--json` writes the per-record results.

Install Newclid once (not a dependency of ours; PyPI only):

    python3 -m venv /work/peers/ncdgen-venv
    /work/peers/ncdgen-venv/bin/pip install ncdgen 'newclid[yuclid]' pyyaml
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

from deduction import DeductionError, holds, parse_problem, realise

DRIVER = Path(__file__).resolve().parent / "_newclid_driver.py"
PEER_PYTHON = "/work/peers/ncdgen-venv/bin/python"
BUILDERS = ("ours", "newclid")


def read_sample(root: Path, n: int, seed: int, aux_share: float) -> list[dict]:
    """`n` records with `seed`: every auxiliary record up to `aux_share` of them, then others."""
    files = sorted((root / "data").glob("*.jsonl.gz"))
    if not files:
        raise SystemExit(f"no {root}/data/*.jsonl.gz")
    rows = [json.loads(line) for f in files for line in gzip.open(f, "rt")]
    rng = random.Random(seed)
    aux = [r for r in rows if r.get("aux_clauses")]
    plain = [r for r in rows if not r.get("aux_clauses")]
    aux = rng.sample(aux, min(len(aux), int(n * aux_share)))
    return aux + rng.sample(plain, min(len(plain), n - len(aux)))


def texts_of(record: dict) -> list[str]:
    return list(dict.fromkeys((record["problem"], record["problem_with_aux"])))


def check_figures(text: str, figures: list[dict], tol: float) -> int:
    """How many of these coordinate sets have `text`'s goal false (0 if we cannot parse it: the
    text is then `unsupported` on our side and its goal unchecked)."""
    try:
        goal = parse_problem(text).goal
    except DeductionError:
        return 0
    return sum(not holds(goal, pts, tol) for pts in figures)


def check_ours(text: str, k: int, seed: int, tol: float) -> dict:
    """Our realiser's K fresh figures of one text, goal not resampled."""
    out = {"drawn": 0, "false": 0, "undrawn": 0, "unsupported": [], "error": None}
    try:
        problem = parse_problem(text)
    except DeductionError as exc:
        out["unsupported"] = [f"parse: {exc}"[:120]]
        return out
    for i in range(k):
        try:
            points = realise(problem, seed=seed * 10**6 + i, check_goal=False).points
        except DeductionError:
            out["undrawn"] += 1
            continue
        out["drawn"] += 1
        out["false"] += not holds(problem.goal, points, tol)
    return out


def check_newclid(texts: list[str], args: argparse.Namespace) -> dict[str, dict]:
    """Newclid's K fresh figures of each text, one driver process per batch, run in turn."""
    out: dict[str, dict] = {}
    for start in range(0, len(texts), args.batch):
        batch = texts[start : start + args.batch]
        request = {
            "problems": [{"key": t, "text": t} for t in batch],
            "figures": args.figures,
            "seed": args.seed,
            "attempts": args.attempts,
            "literal": args.newclid_literal,
        }
        try:
            done = subprocess.run(
                [args.peer_python, str(DRIVER)],
                input=json.dumps(request),
                capture_output=True,
                text=True,
                timeout=args.batch_timeout,
            )
            results = json.loads(done.stdout.strip().splitlines()[-1])["results"]
        except (subprocess.TimeoutExpired, IndexError, json.JSONDecodeError) as exc:
            reason = f"driver batch failed: {type(exc).__name__}"
            for t in batch:
                out[t] = {"drawn": 0, "false": 0, "undrawn": 0, "unsupported": []}
                out[t] |= {"error": reason, "newclid_own_false": None}
            continue
        for res in results:
            figs = res["figures"]
            out[res["key"]] = {
                "drawn": len(figs),
                "false": check_figures(res["key"], figs, args.tol) if figs else 0,
                "undrawn": res["undrawn"],
                "unsupported": res["unsupported"],
                "error": res["error"],
                "newclid_own_false": res["newclid_false"],
            }
        print(f"  newclid: {min(start + args.batch, len(texts))}/{len(texts)} texts", flush=True)
    return out


def record_status(per_text: list[dict]) -> str:
    """One word per (record, builder): false beats the reasons a text went unchecked."""
    if any(r["false"] for r in per_text):
        return "false"
    if any(r["unsupported"] for r in per_text):
        return "unsupported"
    if any(r["error"] for r in per_text):
        return "error"
    if any(r["drawn"] == 0 for r in per_text):
        return "undrawable"
    return "true"


def summarise(records: list[dict], results: dict[str, dict[str, dict]], builders) -> list[dict]:
    rows = []
    for rec in records:
        texts = texts_of(rec)
        row = {"id": rec["id"], "aux": bool(rec.get("aux_clauses")), "texts": {}}
        for b in builders:
            per_text = [results[b][t] for t in texts]
            row[b] = record_status(per_text)
            row["texts"][b] = dict(zip(texts, per_text, strict=True))
        rows.append(row)
    return rows


def report(rows: list[dict], results: dict[str, dict[str, dict]], builders, k: int) -> None:
    n_texts = len({t for r in rows for t in r["texts"][builders[0]]})
    n_aux = sum(r["aux"] for r in rows)
    print(
        f"\n{len(rows)} records checked ({n_aux} with auxiliary clauses), {n_texts} texts, "
        f"{k} fresh figures each"
    )
    print(
        f"{'builder':8} {'false':>6} {'undrawable':>10} {'unsupported':>11} {'error':>6} "
        f"{'true':>6} {'figures drawn':>14} {'undrawn':>8}"
    )
    for b in builders:
        c = Counter(r[b] for r in rows)
        drawn = sum(v["drawn"] for v in results[b].values())
        undrawn = sum(v["undrawn"] for v in results[b].values())
        print(
            f"{b:8} {c['false']:6} {c['undrawable']:10} {c['unsupported']:11} {c['error']:6} "
            f"{c['true']:6} {drawn:14} {undrawn:8}"
        )
    if "newclid" in builders:
        own = [v["newclid_own_false"] for v in results["newclid"].values()]
        stated = [x for x in own if x is not None]
        print(
            f"newclid-own check: goal false on some figure for {sum(x > 0 for x in stated)} "
            f"of {len(stated)} texts it can state"
        )
        names = Counter(n for v in results["newclid"].values() for n in v["unsupported"])
        if names:
            print(
                "newclid unsupported constructions (texts):",
                ", ".join(f"{n} {c}" for n, c in names.most_common()),
            )
        errors = Counter(v["error"] for v in results["newclid"].values() if v["error"])
        for e, c in errors.most_common(5):
            print(f"newclid error ({c} texts): {e}")
    for b in builders:
        for r in rows:
            if r[b] != "false":
                continue
            for text, v in r["texts"][b].items():
                if v["false"]:
                    others = "; ".join(
                        f"{o} {r['texts'][o][text]['false']}/{r['texts'][o][text]['drawn']}"
                        for o in builders
                        if o != b
                    )
                    print(f"FALSE {b} {v['false']}/{v['drawn']} [{others}] {r['id']}: {text}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    ap.add_argument("run_dir", type=Path, help="a generator run directory (DIR/data/*.jsonl.gz)")
    ap.add_argument("--sample", type=lambda s: int(float(s)), default=1000)
    ap.add_argument(
        "--aux-share",
        type=float,
        default=0.5,
        help="at most this share of the sample is auxiliary records (all, if fewer)",
    )
    ap.add_argument("--seed", type=int, default=0, help="the sample's and the figures' seed")
    ap.add_argument("--figures", type=int, default=20, help="fresh figures per text and builder")
    ap.add_argument("--tol", type=float, default=1e-6, help="residual bound of deduction.holds")
    ap.add_argument("--no-newclid", action="store_true", help="our realiser only")
    ap.add_argument("--peer-python", default=PEER_PYTHON, help="Newclid venv's python")
    ap.add_argument("--batch", type=int, default=100, help="texts per Newclid driver process")
    ap.add_argument("--batch-timeout", type=float, default=1800.0)
    ap.add_argument("--attempts", type=int, default=100, help="Newclid draws tried per figure")
    ap.add_argument(
        "--newclid-literal", action="store_true", help="no rewrite into Newclid's forms"
    )
    ap.add_argument("--json", type=Path, help="write the per-record results here")
    args = ap.parse_args(argv)
    if args.sample < 1 or args.figures < 1 or not 0 <= args.aux_share <= 1:
        ap.error("--sample and --figures must be >= 1, --aux-share in [0, 1]")

    records = read_sample(args.run_dir, args.sample, args.seed, args.aux_share)
    texts = list(dict.fromkeys(t for r in records for t in texts_of(r)))
    builders = BUILDERS[:1] if args.no_newclid else BUILDERS
    results: dict[str, dict[str, dict]] = {
        "ours": {t: check_ours(t, args.figures, args.seed, args.tol) for t in texts}
    }
    print(f"ours: {len(texts)} texts done", flush=True)
    if not args.no_newclid:
        results["newclid"] = check_newclid(texts, args)
    rows = summarise(records, results, builders)
    report(rows, results, builders, args.figures)
    if args.json:
        config = {k: str(v) for k, v in vars(args).items()}
        args.json.write_text(json.dumps({"config": config, "records": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
