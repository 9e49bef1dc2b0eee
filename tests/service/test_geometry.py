"""/verify/geometry over real HTTP on 127.0.0.1: the reward, the caller's mistakes, and the
worker processes (a check that overruns its bound is stopped without wedging the route)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from service import ServiceSettings
from service.__main__ import main
from service.geometry import make_job
from tests.service.conftest import serving
from verifiers import Status, Verdict

pytestmark = [pytest.mark.bwrap, pytest.mark.timeout(120)]

# needs an auxiliary point: the midpoint h of ef (see tests/verifiers/test_geometry.py)
FEET = (
    "c d = segment c d; a = free a; b = free b; e = foot e a c d; f = foot f b c d; "
    "g = midpoint g a b ? cong g e g f"
)
# IMO 2011 P6 (AlphaGeometry's translation): its figure takes ~0.3 s to fail on a degenerate
# auxiliary clause (200 draws, not bounded by the time limit), far past a 0.02 s bound
IMO_2011_P6 = (
    "a b c = triangle a b c; o = circle o a b c; p = on_circle p o a; q = on_tline q p o p; "
    "pa = reflect pa p b c; pb = reflect pb p c a; pc = reflect pc p a b; qa = reflect qa q b c; "
    "qb = reflect qb q c a; qc = reflect qc q a b; a1 = on_line a1 pb qb, on_line a1 pc qc; "
    "b1 = on_line b1 pa qa, on_line b1 pc qc; c1 = on_line c1 pa qa, on_line c1 pb qb; "
    "o1 = circle o1 a1 b1 c1; x = on_circle x o a, on_circle x o1 a1 ? coll x o o1"
)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    # one geometry worker, so the overrun test also shows the pool recovers; a tiny slack, so a
    # check is stopped as soon as it passes its own limit
    settings = ServiceSettings(
        workers=2, geometry_workers=1, geometry_slack_s=0.01, geometry_max_timeout_s=30
    )
    with serving(settings) as base:
        yield base


def geometry(url: str, **body: object) -> httpx.Response:
    return httpx.post(f"{url}/verify/geometry", json=body, timeout=60)


def metrics(url: str) -> str:
    return httpx.get(f"{url}/metrics").text


def test_a_useful_construction_is_paid_and_a_useless_one_is_not(url):
    paid = geometry(url, problem=FEET, completion="h = midpoint h e f")
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "correct" and paid.json()["reward"] == 1
    # the shape of every /verify route
    assert set(paid.json()) == set(Verdict(Status.CORRECT).to_json())
    useless = geometry(url, problem=FEET, completion="h = midpoint h a c", timeout_s=5)
    assert useless.status_code == 200 and useless.json()["reward"] == 0
    assert "fixpoint" in useless.json()["reason"]
    assert 'proofloom_requests_total{route="/verify/geometry",status="200"}' in metrics(url)
    existing = geometry(url, problem=FEET, completion="e = midpoint e a b", rules="ag1")
    assert existing.json()["status"] == "wrong" and "existing point" in existing.json()["reason"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"problem": "a b c = triangle a b c", "completion": "d = midpoint d a b"}, "no goal"),
        ({"problem": "a b = segmnt a b ? cong a b a b", "completion": "x"}, "does not parse"),
        ({"problem": FEET, "completion": "h = midpoint h e f", "timeout_s": 31}, "maximum 30"),
        ({"problem": FEET, "completion": "h = midpoint h e f", "rules": "r"}, "rules"),
        ({"problem": FEET}, "completion"),
    ],
)
def test_the_callers_mistakes_are_a_400_with_one_line(url, body, words):
    response = geometry(url, **body)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert words in detail and "\n" not in detail


def test_a_lone_surrogate_is_refused(url):
    body = b'{"problem": "a b = segment a b ? cong a b a b", "completion": "\\ud800"}'
    response = httpx.post(
        f"{url}/verify/geometry", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and "completion" in response.json()["detail"]


def test_an_overrun_is_a_timeout_and_the_worker_is_replaced(url):
    late = geometry(url, problem=IMO_2011_P6, completion="x9 = midpoint x9 a a", timeout_s=0.01)
    assert late.status_code == 200 and late.json()["status"] == "timeout"
    assert "overran" in late.json()["reason"] and late.json()["reward"] == 0
    # the only worker was killed: the next check gets a new one and is judged as usual
    again = geometry(url, problem=FEET, completion="h = foot h g c d")
    assert again.json()["status"] == "correct", again.text
    recycled = re.search(r"^proofloom_geometry_recycled_total (\S+)$", metrics(url), re.M)
    assert recycled and float(recycled[1]) >= 1


def test_other_routes_answer_while_a_check_runs(url):
    # a heavy check (IMO 2011 P6 closing for 2 s) holds the geometry worker, not the event loop
    done: list[httpx.Response] = []
    heavy = threading.Thread(
        target=lambda: done.append(
            geometry(url, problem=IMO_2011_P6, completion="x9 = midpoint x9 a b", timeout_s=2)
        )
    )
    heavy.start()
    time.sleep(0.5)
    start = time.monotonic()
    assert httpx.get(f"{url}/health").status_code == 200
    math = httpx.post(f"{url}/verify/math", json={"prediction": "1/2", "reference": "0.5"})
    waited = time.monotonic() - start
    heavy.join(30)
    assert math.json()["reward"] == 1 and waited < 1.0
    assert done and done[0].status_code == 200 and done[0].json()["status"] in ("wrong", "timeout")


def test_a_batch_takes_geometry_items(url):
    items = [
        {"kind": "geometry", "problem": FEET, "completion": "h = midpoint h e f"},
        {"kind": "math", "prediction": "7", "reference": "8"},
        {"kind": "geometry", "problem": FEET, "completion": "h = midpont h e f"},
    ]
    response = httpx.post(f"{url}/verify/batch", json={"items": items}, timeout=60)
    assert [v["status"] for v in response.json()["verdicts"]] == ["correct", "wrong", "wrong"]
    bad = {"kind": "geometry", "problem": "a b c = triangle a b c", "completion": "x"}
    response = httpx.post(f"{url}/verify/batch", json={"items": [bad]}, timeout=60)
    assert response.status_code == 400 and "no goal" in response.json()["detail"]


@pytest.mark.parametrize(
    "flags",
    [["--geometry-workers", "0"], ["--geometry-max-timeout", "0"], ["--geometry-slack", "nan"]],
)
def test_geometry_flags_out_of_range_are_refused_in_one_line(capsys, flags):
    assert main(flags) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{flags[0]} " in err[0] and "out of range" in err[0]


def test_without_timeout_s_a_job_gets_the_verifiers_default_within_the_maximum():
    assert make_job(FEET, "h = midpoint h e f", None, "ag1", 60).timeout_s == 20
    assert make_job(FEET, "h = midpoint h e f", None, "ag1", 5).timeout_s == 5
    with pytest.raises(ValueError, match="over the service's maximum 5"):
        make_job(FEET, "h = midpoint h e f", 6, "ag1", 5)
