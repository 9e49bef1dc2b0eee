"""C, C++ and JavaScript through the per-run sandbox (skipped where the toolchain is missing)."""

import pytest

from sandbox import LANGUAGES, Limits, RunRequest, RunStatus, SandboxConfigError, get_language
from sandbox.languages import available

pytestmark = pytest.mark.bwrap

PROGRAMS = {
    "c": '#include <stdio.h>\nint main(){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}',
    "cpp": "#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}",
    "javascript": "const [a,b]=require('fs').readFileSync(0,'utf8').trim().split(/\\s+/)"
    ".map(Number);console.log(a+b);",
}
OOM = {
    "c": "#include <stdlib.h>\n#include <string.h>\n"
    "int main(){for(;;){char*p=malloc(1<<20);if(!p)return 3;memset(p,1,1<<20);}}",
    "cpp": "#include <vector>\nint main(){std::vector<std::vector<char>> v;"
    "for(;;)v.emplace_back(1<<20, 1);}",
    "javascript": "const a=[];for(;;)a.push(new Array(1e6).fill(1.5));",
}


def need(lang):
    if not available(LANGUAGES[lang]):
        pytest.skip(f"{lang} toolchain not installed")


@pytest.mark.parametrize("lang", sorted(PROGRAMS))
def test_sum(bwrap_runner, lang):
    need(lang)
    res = bwrap_runner.run(
        RunRequest(code=PROGRAMS[lang], language=lang, stdin="20 22\n", limits=Limits(wall_s=20))
    )
    assert res.status == RunStatus.OK, res
    assert res.stdout == "42\n"


@pytest.mark.parametrize("lang", sorted(OOM))
def test_memory_limit(bwrap_runner, lang):
    need(lang)
    limits = Limits(wall_s=20, cpu_s=20, memory_mb=128)
    res = bwrap_runner.run(RunRequest(code=OOM[lang], language=lang, limits=limits))
    if lang == "c":  # malloc returns NULL under RLIMIT_AS: the program decides what happens
        assert res.status == RunStatus.RUNTIME_ERROR and res.exit_code == 3, res
    else:
        assert res.status == RunStatus.MEMORY_LIMIT, res


def test_compile_error_is_reported(bwrap_runner):
    need("c")
    res = bwrap_runner.run(RunRequest(code="int main( {", language="c", limits=Limits(wall_s=20)))
    assert res.status == RunStatus.RUNTIME_ERROR and res.detail == "compile error"
    assert "error" in res.stderr


def test_compiler_sees_the_sandbox_not_the_host(bwrap_runner):
    need("c")
    code = '#include "/etc/shadow"\nint main(){}'
    res = bwrap_runner.run(RunRequest(code=code, language="c", limits=Limits(wall_s=20)))
    assert res.detail == "compile error" and "No such file" in res.stderr
    assert "root:" not in res.stderr


def test_aliases_and_unknown():
    assert get_language("C++").name == "cpp" and get_language("py").name == "python"
    with pytest.raises(SandboxConfigError):
        get_language("brainfuck")
