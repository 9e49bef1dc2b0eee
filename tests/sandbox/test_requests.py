"""Every RunRequest is checked when it is made (issue 18, item 6): a name, a size or a limit that
no backend can place raises InvalidRequest (a ValueError) with a one-line reason, before any
runner sees it. The bad cases are the ones that reached the zygote's supervisor (and came back as
SANDBOX_ERROR) or raised inside a backend; the good edge cases run through both runners."""

import pytest

from sandbox import InvalidRequest, Limits, RunRequest, RunStatus, SandboxConfigError
from sandbox.types import MAX_FILES, MAX_FILES_BYTES, MAX_NAME_BYTES, MAX_PATH_BYTES

# (fields of RunRequest, words of the reason)
BAD = [
    ({"files": {"../../x": ""}}, "'..' component"),
    ({"files": {"a/../../b": ""}}, "'..' component"),
    ({"files": {"..": ""}}, "'..' component"),
    ({"files": {"/tmp/x": ""}}, "must be relative"),
    ({"files": {"": ""}}, "names no file"),
    ({"files": {".": ""}}, "names no file"),
    ({"files": {"./a": ""}}, "normal form"),
    ({"files": {"a//b": ""}}, "normal form"),
    ({"files": {"a/": ""}}, "normal form"),
    ({"files": {"main.py": ""}}, "'main.py' is the runner's own"),
    ({"files": {"main.py/x": ""}}, "'main.py' is a file and also the directory"),
    ({"language": "c", "files": {"main": ""}}, "'main' is the runner's own"),
    ({"language": "cpp", "files": {"main.cpp": ""}}, "runner's own"),
    ({"language": "js", "files": {"main.js": ""}}, "runner's own"),
    ({"files": {"x" * 5000: ""}}, f"over {MAX_NAME_BYTES} bytes"),
    ({"files": {"/".join(["d" * 200] * 6): ""}}, f"over {MAX_PATH_BYTES} bytes"),
    ({"files": {"é" * 128: ""}}, f"over {MAX_NAME_BYTES} bytes"),  # 256 bytes, 128 characters
    ({"files": {"a\0b": ""}}, "NUL byte"),
    ({"files": {"d": "", "d/e": ""}}, "'d' is a file and also the directory of 'd/e'"),
    ({"files": {"d/e/f": "", "d/e": ""}}, "'d/e' is a file and also the directory"),
    ({"files": {"-rf": ""}}, "starts with '-'"),
    ({"files": {f"f{i}": "" for i in range(MAX_FILES + 1)}}, f"at most {MAX_FILES}"),
    ({"files": {"big": "x" * MAX_FILES_BYTES}}, f"at most {MAX_FILES_BYTES}"),
    ({"files": {"a": "x" * (1 << 20)}, "limits": {"scratch_mb": 1}}, "scratch_mb is 1"),
    ({"argv": ("ok", "a\0b")}, "argv[1]: contains a NUL byte"),
    ({"argv": ("x" * (65 << 10),)}, "argv:"),
    ({"language": "cobol"}, "unknown language 'cobol'"),
    ({"limits": {"memory_mb": -5}}, "memory_mb"),
    ({"limits": {"wall_s": 0}}, "wall_s"),
    ({"limits": {"cpu_s": float("inf")}}, "cpu_s: Input should be a finite number"),
    ({"limits": {"wall_s": float("nan")}}, "wall_s: Input should be a finite number"),
    ({"limits": {"processes": 0}}, "processes"),
    ({"limits": {"scratch_mb": 10**9}}, "scratch_mb"),
]


@pytest.mark.parametrize("fields, words", BAD, ids=range(len(BAD)))
def test_a_bad_request_is_a_value_error_with_a_one_line_reason(fields, words):
    with pytest.raises(InvalidRequest) as caught:
        RunRequest(code="print(1)", **fields)
    reason = str(caught.value)
    assert words in reason and "\n" not in reason and len(reason) < 300, reason
    # the same rule whichever way the request is made: a ValueError, and still a SandboxConfigError
    # for callers that caught the backends' refusals before
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, SandboxConfigError)
    with pytest.raises(ValueError, match="Value error"):
        RunRequest.model_validate({"code": "print(1)", **fields})


def test_limits_alone_say_their_field():
    with pytest.raises(InvalidRequest, match=r"^memory_mb: Input should be greater than or equal"):
        Limits(memory_mb=-5)


GOOD_FILES = {
    "a/b.txt": "nested",
    "données/ü 1.txt": "unicode",
    "a/c/d.txt": "deeper",
    ".hidden": "dot",
    "x" * MAX_NAME_BYTES: "longest name",
    "/".join(c * 250 for c in "pqrs"): "a long path",  # 1,003 bytes
    "main.c": "another language's source",
}
READ_BACK = "import sys, json\nprint(json.dumps({n: open(n).read() for n in sys.argv[1:]}))"


@pytest.mark.bwrap
@pytest.mark.parametrize("which", ["bwrap_runner", "zygote_runner"])
def test_good_edge_cases_land_where_their_names_say(which, request):
    import json

    runner = request.getfixturevalue(which)
    req = RunRequest(
        code=READ_BACK, files=GOOD_FILES, argv=tuple(GOOD_FILES), limits=Limits(wall_s=20)
    )
    res = runner.run(req)
    assert res.status == RunStatus.OK, res
    assert json.loads(res.stdout) == GOOD_FILES
