"""A seccomp filter (classic BPF, built here without libseccomp) for both bwrap backends.

Namespaces, rlimits and dropped capabilities already contain a program; the filter narrows the
*kernel* surface it can poke at: syscalls no judged program needs and that have a history of
exploits or of cross-process reach. They fail with EPERM (never kill: a program that probes them
gets an error it can handle):

- debugging and memory access of other processes: ptrace, process_vm_readv/writev, and the fd
  reach of pidfd_getfd and kcmp (with pidfd_getfd a program took bwrap's exit-status eventfd
  from its PID 1 and forged a clean exit);
- namespace and mount machinery: unshare/clone with CLONE_NEWUSER (new user namespaces, a large
  kernel surface), setns, mount and the new mount API, pivot_root;
- memory no rlimit counts: SysV shared memory and message queues (a fresh IPC namespace allows
  gigabytes of detached segments), memfds (written, never mapped: outside RLIMIT_AS);
- kernel keyrings (their user keyring outlives a run), bpf, perf_event_open, userfaultfd,
  io_uring, kernel modules, kexec, reboot, swap, clock setting, iopl/ioperm, syslog, acct.

clone3 returns ENOSYS so that glibc falls back to clone, whose flags the filter can read. Calls
through the x32 ABI and any non-x86_64 audit arch (i386 `int 0x80`) are refused. On machines that
are not x86_64 `program()` returns None and no filter is installed (stated, not hidden).
"""

from __future__ import annotations

import errno
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
CLONE_NEWUSER = 0x10000000

# struct sock_filter opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06
RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
RET_EPERM = 0x00050000 | errno.EPERM
RET_ENOSYS = 0x00050000 | errno.ENOSYS

# seccomp_data: nr at 0, arch at 4, instruction pointer at 8, args[0] at 16 (low word first)
_NR, _ARCH, _ARG0_LO = 0, 4, 16

DENIED_X86_64 = {
    "shmget": 29,
    "msgget": 68,
    "ptrace": 101,
    "syslog": 103,
    "uselib": 134,
    "pivot_root": 155,
    "adjtimex": 159,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "iopl": 172,
    "ioperm": 173,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "lookup_dcookie": 212,
    "clock_settime": 227,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "perf_event_open": 298,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "clock_adjtime": 305,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "finit_module": 313,
    "memfd_create": 319,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_getfd": 438,
    "mount_setattr": 442,
}
_CLONE, _UNSHARE, _CLONE3 = 56, 272, 435


def _ins(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program() -> bytes | None:
    """The filter as the bytes of a `struct sock_filter[]` (what bwrap's --seccomp reads and what
    prctl(PR_SET_SECCOMP) takes), or None where it is not defined (non-x86_64)."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    out = [
        _ins(_LD_W_ABS, _ARCH),
        _ins(_JEQ_K, AUDIT_ARCH_X86_64, jt=1),
        _ins(_RET_K, RET_KILL_PROCESS),
        _ins(_LD_W_ABS, _NR),
        _ins(_JGE_K, X32_SYSCALL_BIT, jf=1),
        _ins(_RET_K, RET_EPERM),
        _ins(_JEQ_K, _CLONE3, jf=1),
        _ins(_RET_K, RET_ENOSYS),
    ]
    for nr in sorted(DENIED_X86_64.values()):
        out += [_ins(_JEQ_K, nr, jf=1), _ins(_RET_K, RET_EPERM)]
    # clone(flags, ...) and unshare(flags): refuse CLONE_NEWUSER
    out += [
        _ins(_JEQ_K, _CLONE, jt=1),
        _ins(_JEQ_K, _UNSHARE, jf=3),
        _ins(_LD_W_ABS, _ARG0_LO),
        _ins(_JSET_K, CLONE_NEWUSER, jf=1),
        _ins(_RET_K, RET_EPERM),
        _ins(_RET_K, RET_ALLOW),
    ]
    return b"".join(out)
