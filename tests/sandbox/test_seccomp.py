"""The seccomp filter, for real in both backends: refused syscalls fail with EPERM, ordinary
programs (threads, subprocesses, compilers) still work."""

import struct

import pytest

from sandbox import RunRequest, RunStatus
from sandbox.seccomp import DENIED_X86_64, program

pytestmark = pytest.mark.bwrap

PROBE = r"""
import ctypes, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
def call(*args):
    r = libc.syscall(*args)
    return r, ctypes.get_errno() if r == -1 else 0
print("ptrace", call(101, 0x4206, 1, 0, 0))
print("unshare_user", call(272, 0x10000000))
print("unshare_ipc", call(272, 0x08000000))
print("keyctl", call(250, 0, 0, 0, 0))
print("bpf", call(321, 0, 0, 0))
print("io_uring", call(425, 1, 0))
print("clone3", call(435, 0, 0))
t = threading.Thread(target=print, args=("thread", "ok"))
t.start(); t.join()
print("sub", subprocess.run(["echo", "ok"], capture_output=True, text=True).stdout.strip())
"""


@pytest.fixture(params=["bwrap", "zygote"])
def runner(request):
    return request.getfixturevalue(f"{request.param}_runner")


def test_filter_shape():
    prog = program()
    if prog is None:
        pytest.skip("the filter is defined for x86_64 only")
    assert len(prog) % 8 == 0 and len(prog) // 8 < 4096  # BPF_MAXINSNS
    codes = [struct.unpack("=HBBI", prog[i : i + 8]) for i in range(0, len(prog), 8)]
    assert codes[-1] == (0x06, 0, 0, 0x7FFF0000)  # default: allow
    assert {k for _, _, _, k in codes} >= set(DENIED_X86_64.values())


def test_refused_syscalls_and_working_programs(runner):
    if program() is None:
        pytest.skip("the filter is defined for x86_64 only")
    res = runner.run(RunRequest(code=PROBE))
    assert res.status == RunStatus.OK, res
    out = dict(line.split(" ", 1) for line in res.stdout.splitlines())
    for name in ("ptrace", "unshare_user", "keyctl", "bpf", "io_uring"):
        assert out[name] == "(-1, 1)", (name, out[name])  # EPERM
    assert out["clone3"] == "(-1, 38)"  # ENOSYS: glibc falls back to clone
    assert out["unshare_ipc"] != "(-1, 38)"  # other unshare flags reach the kernel (EPERM: no caps)
    assert out["thread"] == "ok" and out["sub"] == "ok"
