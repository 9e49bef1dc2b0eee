"""A small recursive-descent parser from the LaTeX of final answers to expression trees.

It covers the subset answers are written in: numbers, + - * / ^ _ !, implicit products,
\\frac-family, \\sqrt[n]{}, \\binom, |x|, named functions, pi/e/i/infinity, greek letters,
unknown functions f(x), base-n numerals and matrix environments. It is not a LaTeX engine:
anything outside the subset raises `ParseError` and the caller falls back to text comparison.
Why our own: sympy's parse_latex needs antlr and costs milliseconds per call; this costs tens
of microseconds and cannot hang (input length and nesting depth are bounded).
"""

from __future__ import annotations

import re
from fractions import Fraction

from verifiers.math.types import Node

MAX_CHARS = 4000
MAX_DEPTH = 120
MAX_DIGITS = 1000
MAX_TREE_DEPTH = 200

_TOKEN = re.compile(
    r"\s*(?:(\d+\.\d*|\.\d+|\d+)|(\\\\)|(\\[a-zA-Z]+|\\[{}|])|(\S))",
)

FUNCTIONS = {
    "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "tanh", "ln", "log", "exp", "lg",
}  # fmt: skip
GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "varphi",
    "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Sigma", "Phi", "Psi", "Omega",
}  # fmt: skip
CONSTANTS = {"pi": ("const", "pi"), "infty": ("const", "inf"), "e": ("const", "e")}
# Letters read as f(x) rather than f*(x): the usual names of unknown functions.
FUNCTION_LETTERS = set("fghFGH")
ACCENTS = {"vec", "overrightarrow", "hat", "bar", "tilde", "dot", "ddot", "overline"}
MANY_ARG_FUNCTIONS = {"max", "min", "gcd", "lcm"}
MATRIX_ENVS = {"pmatrix", "bmatrix", "matrix", "array", "Bmatrix", "vmatrix", "smallmatrix"}
_OPERATORS = {"+", "-", "*", "/", "^", "_", "!", "=", ",", ")", "]", "}", "&", "<", ">", "|"}


class ParseError(ValueError):
    pass


def tokenize(text: str) -> list[str]:
    if len(text) > MAX_CHARS:
        raise ParseError(f"answer too long ({len(text)} chars)")
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            break
        tok = m.group(1) or m.group(2) or m.group(3) or m.group(4)
        if tok is None:
            break
        tokens.append(tok)
        pos = m.end()
    return tokens


def _number(tok: str) -> Node:
    if len(tok) > MAX_DIGITS:
        raise ParseError(f"number with {len(tok)} digits")
    if "." in tok:
        digits = tok.replace(".", "").lstrip("0")
        return ("num", Fraction(tok if tok[0] != "." else "0" + tok), max(len(digits), 1))
    return ("num", Fraction(int(tok)), None)


class _Parser:
    def __init__(self, tokens: list[str]):
        self.toks = tokens
        self.i = 0
        self.depth = 0
        self.abs_open = 0

    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise ParseError(f"expected {expected!r}, got {tok!r}")
        self.i += 1
        return tok

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError("nesting too deep")

    # expr := term (('+'|'-') term)*
    def expr(self) -> Node:
        self.enter()
        terms = [self.term()]
        while self.peek() in ("+", "-"):
            op = self.take()
            t = self.term()
            terms.append(("neg", t) if op == "-" else t)
        self.depth -= 1
        return terms[0] if len(terms) == 1 else ("add", *terms)

    def term(self) -> Node:
        factors = [self.unary()]
        while True:
            tok = self.peek()
            if tok == "*":
                self.take()
                factors.append(self.unary())
            elif tok in ("\\bmod", "\\mod"):
                self.take()
                factors = [("mod", _product(factors), self.unary())]
            elif tok == "/":
                self.take()
                denominator = self.unary()
                factors = [("div", _product(factors), denominator)]
            elif self.starts_primary(tok):
                nxt = self.power()
                if _is_mixed_number(factors, tok, nxt):
                    # 3\frac12 is three and a half (the policy's mixed numbers), not 3/2.
                    factors = [("add", factors[0], nxt)]
                else:
                    factors.append(nxt)
            else:
                break
        return _product(factors)

    def starts_primary(self, tok: str | None) -> bool:
        if tok is None or tok in _OPERATORS and tok != "|":
            return False
        if tok == "|":
            return self.abs_open == 0
        return tok not in ("\\\\", "\\end", "\\right", "\\pm", "\\mp", "\\rfloor", "\\rceil")

    def unary(self) -> Node:
        tok = self.peek()
        if tok == "-":
            self.take()
            return ("neg", self.unary())
        if tok == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            return ("pow", base, self.exponent())
        return base

    def exponent(self) -> Node:
        if self.peek() == "-":
            self.take()
            return ("neg", self.exponent())
        tok = self.peek()
        if tok is not None and tok.isdigit() and len(tok) > 1:
            # x^23 in LaTeX is x^2 3: only the first digit is raised.
            self.toks[self.i] = tok[1:]
            return ("num", Fraction(int(tok[0])), None)
        return self.power_operand()

    def power_operand(self) -> Node:
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            return ("pow", base, self.exponent())
        return base

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            tok = self.peek()
            if tok == "!":
                self.take()
                node = ("fact", node)
            elif tok == "'":
                self.take()
                if node[0] != "sym":
                    raise ParseError("prime on a non-symbol")
                node = ("sym", node[1] + "'")
            elif tok == "_":
                self.take()
                sub = self.subscript_text()
                if node[0] == "sym":
                    node = ("sym", f"{node[1]}_{sub}")
                elif node[0] == "num" and node[2] is None and sub.isdigit():
                    node = ("base", str(node[1].numerator), int(sub))
                else:
                    raise ParseError("subscript on an expression")
            else:
                return node

    def subscript_text(self) -> str:
        if self.peek() == "{":
            self.take()
            parts = []
            level = 1
            while True:
                tok = self.take()
                if tok == "{":
                    level += 1
                elif tok == "}":
                    level -= 1
                    if level == 0:
                        break
                parts.append(tok)
            return "".join(parts)
        tok = self.take()
        if tok.isdigit() and len(tok) > 1:
            self.toks.insert(self.i, tok[1:])
            return tok[0]
        return tok.lstrip("\\")

    def group(self) -> Node:
        """A command argument: {expr} or a single token (\\frac12, \\sqrt2)."""
        tok = self.peek()
        if tok == "{":
            self.take()
            node = self.expr()
            self.take("}")
            return node
        if tok is not None and tok.isdigit() and len(tok) > 1:
            self.toks[self.i] = tok[1:]
            return ("num", Fraction(int(tok[0])), None)
        return self.postfix()

    def primary(self) -> Node:
        self.enter()
        try:
            return self._primary()
        finally:
            self.depth -= 1

    def _primary(self) -> Node:
        tok = self.take()
        if tok[0].isdigit() or tok[0] == ".":
            return _number(tok)
        if tok in ("(", "[", "{"):
            node = self.expr()
            self.take({"(": ")", "[": "]", "{": "}"}[tok])
            return node
        if tok == "|":
            self.abs_open += 1
            node = self.expr()
            self.abs_open -= 1
            self.take("|")
            return ("abs", node)
        if tok.isalpha() and len(tok) == 1:
            return self.letter(tok)
        if tok in ("π",):
            return ("const", "pi")
        if tok == "∞":
            return ("const", "inf")
        if tok.startswith("\\"):
            return self.command(tok[1:])
        raise ParseError(f"unexpected token {tok!r}")

    def letter(self, tok: str) -> Node:
        if tok in ("i", "I"):
            return ("const", "i")
        if tok == "e":
            return ("const", "e")
        if tok in FUNCTION_LETTERS and self.peek() == "(":
            self.take()
            arg = self.expr()
            self.take(")")
            return ("app", tok, arg)
        return ("sym", tok)

    def command(self, name: str) -> Node:
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            num = self.group()
            return ("div", num, self.group())
        if name == "sqrt":
            index: Node = ("num", Fraction(2), None)
            if self.peek() == "[":
                self.take()
                index = self.expr()
                self.take("]")
            return ("root", self.group(), index)
        if name in ("binom", "dbinom", "tbinom"):
            n = self.group()
            return ("binom", n, self.group())
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            return self.function(name)
        if name in GREEK:
            return ("sym", name)
        if name in ("mathrm", "mathit", "mathbf", "operatorname", "text", "textbf", "boldsymbol"):
            return self.group()
        if name in ACCENTS:  # \vec{v}, \hat{x}: a named quantity of its own
            inner = self.group()
            if inner[0] != "sym":
                raise ParseError(f"\\{name} over an expression")
            return ("sym", f"{name}:{inner[1]}")
        if name == "begin":
            return self.matrix()
        if name in ("sum", "prod"):
            return self.big_operator(name)
        if name in MANY_ARG_FUNCTIONS:
            return self.many(name)
        if name in ("lfloor", "lceil"):
            return self.delimited(name[1:], "\\r" + name[1:])
        raise ParseError(f"unsupported command \\{name}")

    def function(self, name: str) -> Node:
        power = None
        base = None
        if name == "log" and self.peek() == "_":
            self.take()
            base = self.group()
        if self.peek() == "^":
            self.take()
            power = self.exponent()
        if self.peek() in ("(", "{"):
            opener = self.take()
            arg = self.expr()
            self.take(")" if opener == "(" else "}")
        else:
            # \sin 2x is sin(2x): the argument runs over an implicit product.
            factors = [self.power()]
            while (
                self.starts_primary(self.peek())
                and (self.peek() or "").removeprefix("\\") not in FUNCTIONS
            ):
                factors.append(self.power())
            arg = _product(factors)
        if name == "lg":
            base = ("num", Fraction(10), None)
        if power == ("neg", ("num", Fraction(1), None)) and name in ("sin", "cos", "tan"):
            return ("fn", "arc" + name, arg)  # \tan^{-1} x is arctan x
        node: Node = ("log", arg, base) if name in ("log", "lg") else ("fn", name, arg)
        return ("pow", node, power) if power is not None else node

    def many(self, name: str) -> Node:
        r"""\max(a, b, ...), \gcd(a, b): comma-separated arguments in parentheses."""
        self.take("(")
        args = [self.expr()]
        while self.peek() == ",":
            self.take()
            args.append(self.expr())
        self.take(")")
        return ("many", name, *args)

    def delimited(self, name: str, closer: str) -> Node:
        node = self.expr()
        self.take(closer)
        return (name, node)

    def big_operator(self, name: str) -> Node:
        """\\sum_{k=a}^{b} body: the body runs over an implicit product, like a function's."""
        self.take("_")
        self.take("{")
        var = self.take()
        self.take("=")
        lo = self.expr()
        self.take("}")
        self.take("^")
        hi = self.group()
        factors = [self.power()]
        while self.starts_primary(self.peek()):
            factors.append(self.power())
        return (name, var, lo, hi, _product(factors))

    def env_name(self) -> str:
        self.take("{")
        parts = []
        while self.peek() != "}":
            parts.append(self.take())
        self.take("}")
        return "".join(parts)

    def matrix(self) -> Node:
        env = self.env_name()
        if env not in MATRIX_ENVS:
            raise ParseError(f"unsupported environment {env}")
        if env == "array" and self.peek() == "{":
            while self.take() != "}":
                pass
        rows: list[list[Node]] = [[]]
        while True:
            if self.peek() == "\\end":
                self.take()
                self.env_name()
                break
            if self.peek() == "\\\\":
                self.take()
                rows.append([])
                continue
            if self.peek() == "&":
                self.take()
                continue
            rows[-1].append(self.expr())
        rows = [r for r in rows if r]
        if not rows or len({len(r) for r in rows}) != 1:
            raise ParseError("ragged or empty matrix")
        return ("mat", tuple(tuple(r) for r in rows))


def _is_mixed_number(factors: list[Node], tok: str | None, nxt: Node) -> bool:
    def is_int(n: Node) -> bool:
        return n[0] == "num" and n[2] is None

    return (
        len(factors) == 1
        and is_int(factors[0])
        and tok in ("\\frac", "\\dfrac", "\\tfrac")
        and nxt[0] == "div"
        and is_int(nxt[1])
        and is_int(nxt[2])
    )


def _product(factors: list[Node]) -> Node:
    return factors[0] if len(factors) == 1 else ("mul", *factors)


def parse_expression(text: str) -> Node:
    """Parse one expression (no relations, no top-level commas); raise ParseError otherwise."""
    tokens = tokenize(text)
    if not tokens:
        raise ParseError("empty expression")
    parser = _Parser(tokens)
    node = parser.expr()
    if parser.peek() is not None:
        raise ParseError(f"unexpected {parser.peek()!r} after expression")
    if _depth(node) > MAX_TREE_DEPTH:
        # x!!!...! or 1/1/1/... nest without brackets; deep trees would exhaust the stack later
        raise ParseError("expression nested too deeply")
    return node


def _depth(node: Node) -> int:
    deepest, stack = 0, [(node, 1)]
    while stack:
        cur, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in cur[1:] if isinstance(c, tuple))
    return deepest
