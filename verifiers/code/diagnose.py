"""What a failed program's stderr says went wrong, as one line for a verdict's reason.

A stdio run that dies reports only an exit code; the cause (a SyntaxError, an exception, a
compiler's first error) is in its stderr. Function-call tests already name it, from inside the
harness ("SyntaxError: '(' was never closed (candidate.py, line 1)"); this gives stdio runs the
same words from the traceback the interpreter printed:

    >>> cause('  File "/tmp/main.py", line 1\\n    def f(:\\n'
    ...       '          ^\\nSyntaxError: invalid syntax\\n')
    'SyntaxError: invalid syntax (main.py, line 1)'
    >>> cause("main.c:1:20: error: expected expression before '}' token\\n")
    "main.c:1:20: error: expected expression before '}' token"

What it reads: the last unindented `NameError: ...`-style line (Python and JavaScript print
the exception last, or before an indented stack), with the file and line of the innermost
Python frame before it; else a compiler's first `file:line:col: error:` line. The stderr is the
program's own, so a program can print a misleading line here: it only words a reason, it never
decides a verdict.
"""

from __future__ import annotations

import re

MAX_CAUSE = 200
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b(?::.*)?$")
_PYTHON_FRAME = re.compile(r'^\s*File "(?:.*/)?([^/"]+)", line (\d+)')
_COMPILER_ERROR = re.compile(r"^\S+:\d+:\d+: (?:fatal )?error: ")


def cause(stderr: str) -> str | None:
    """The line of `stderr` that names why the program failed, or None when there is none."""
    lines = stderr.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].rstrip()
        if _EXCEPTION.match(line):
            frame = next(
                (m for m in map(_PYTHON_FRAME.match, reversed(lines[:i])) if m is not None), None
            )
            where = f" ({frame.group(1)}, line {frame.group(2)})" if frame else ""
            return _short(line) + where
    compiler = next((ln for ln in lines if _COMPILER_ERROR.match(ln)), None)
    return _short(compiler.rstrip()) if compiler else None


def _short(text: str) -> str:
    return text if len(text) <= MAX_CAUSE else text[: MAX_CAUSE - 3] + "..."
