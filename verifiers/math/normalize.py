"""String-level normalisation of an extracted answer: spacing commands, fraction and relation
spellings, delimiters, thousands separators, and the decorations the policy lets a reader
drop (units, currency, degrees, percent) -- remembered so that a *different* unit or a percent
can still be told apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Units a reader may drop, by canonical name. A unit on both sides must agree (5 cm vs 5 m).
_UNIT_SPELLINGS = {
    "cm": "cm centimeter centimeters centimetre centimetres",
    "m": "m meter meters metre metres",
    "km": "km kilometer kilometers kilometres",
    "mm": "mm millimeter millimeters",
    "mile": "mile miles mi",
    "mph": "mph",
    "kmh": "km/h kmh",
    "inch": "inch inches in",
    "foot": "foot feet ft",
    "yard": "yard yards yd",
    "hour": "hour hours hr hrs h",
    "minute": "minute minutes min mins",
    "second": "second seconds sec secs s",
    "day": "day days",
    "week": "week weeks",
    "month": "month months",
    "year": "year years yr yrs",
    "dollar": "dollar dollars usd",
    "cent": "cent cents",
    "yuan": "yuan",
    "euro": "euro euros",
    "degree": "degree degrees deg",
    "kg": "kg kilogram kilograms",
    "g": "g gram grams",
    "l": "l liter liters litre litres",
    "ml": "ml milliliter milliliters",
    "unit": "unit units",
    "squnit": "square units",
}
UNITS = {word: canon for canon, words in _UNIT_SPELLINGS.items() for word in words.split()}
# Generic words that carry no unit information.
NEUTRAL_UNITS = {"unit", "squnit"}

_SPACING = re.compile(
    r"(?<!\\)\\[,;: ]|\\quad|\\qquad|\\displaystyle|\\limits|\\left|\\right|\\big+l?r?"
)
_DOUBLE_BACKSLASH_CMD = re.compile(r"(?<!\\)\\\\(?=[a-zA-Z])")
# (substrings that must occur for the pattern to apply, pattern, replacement): the cheap
# substring test skips most regex passes on plain answers.
_REPLACEMENTS = [
    (("\\",), r"\\(?:mathrm|mathit|mathbf|text|textbf|operatorname)\{([A-Za-z])\}", r"\1"),
    (("frac",), r"\\[dtc]frac", r"\\frac"),
    (("binom",), r"\\[dt]binom", r"\\binom"),
    (("{",), r"\s*\{\s*,\s*\}\s*", ","),
    (("\\l", "<", "≤"), r"\\(?:leq?slant|leq|le)(?![a-zA-Z])|<=|≤|=<", "≤"),
    (("\\g", ">=", "=>", "≥"), r"\\(?:geq?slant|geq|ge)(?![a-zA-Z])|>=|≥|=>", "≥"),
    (("\\ne", "!=", "≠", "=/="), r"\\(?:neq|ne)(?![a-zA-Z])|!=|≠|=/=", "≠"),
    (("\\lt",), r"\\lt(?![a-zA-Z])", "<"),
    (("\\gt",), r"\\gt(?![a-zA-Z])", ">"),
    (("\\", "×", "·"), r"\\(?:cdot|times|ast)(?![a-zA-Z])|×|·", "*"),
    (("\\div", "÷"), r"\\div(?![a-zA-Z])|÷", "/"),
    (("\\langle", "⟨"), r"\\langle(?![a-zA-Z])|⟨", "⟨"),
    (("\\rangle", "⟩"), r"\\rangle(?![a-zA-Z])|⟩", "⟩"),
    (("\\infin", "∞"), r"\\infty|∞|\\infinity", r"\\infty"),
    (("\\",),
     r"\\(?:mathrm|mathit|mathbf|textbf|textit|textnormal|textrm|mbox|operatorname)\{",
     r"\\text{"),
    (("\\", "∅"), r"\\(?:emptyset|varnothing|O)(?![a-zA-Z])|∅", r"\\{\\}"),
    (("−", "–"), r"−|–", "-"),
    (("√",), r"√", r"\\sqrt"),
    (("π",), r"π", r"\\pi"),
]  # fmt: skip
_COMPILED = [(triggers, re.compile(p), r) for triggers, p, r in _REPLACEMENTS]
_THIN_SPACE = re.compile(r"(?<!\\)\\!\s*")
_INNER_DELIMITERS = re.compile(r"(?<!\\)\$+|\\[()\[\]]")
_WHOLE_TEXT = re.compile(r"\\text\{([^{}]*)\}")
_TRAILING_TEXT = re.compile(r"^(.*?\S)\s*\\text\{([^{}]*)\}\s*(\^\s*\{?[23]\}?)?$")
_UNIT_POWER = re.compile(r"\^\s*\{?\s*([23])\s*\}?\s*$|([²³])\s*$")
_SUPERSCRIPTS = str.maketrans("²³", "23")
_UNIT_JUNK = re.compile(r"[\^{}²³0-9]")
_SCIENTIFIC = re.compile(r"(?<![A-Za-z\\])(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?![\d.])")
_REPEATING = re.compile(r"(\d*)\.(\d*)\\overline\{(\d+)\}")
_TRIG = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc)(?![a-z])")
_DEGREE_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:\^\s*\{?\s*\\circ\s*\}?|°|\\degree|\^\s*\{\\text\{o\}\})"
)
_SYSTEM = re.compile(r"\\begin\{(?:cases|aligned)\}(.*?)\\end\{(?:cases|aligned)\}", re.S)
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|\\circ|°|\\degree|\^\s*\{\\text\{o\}\}")
_PERCENT = re.compile(
    r"(?:\\%|%|\\text\{\s*percent\s*\}|(?<![A-Za-z])(?:percentage|percent|pct))\s*$"
)
_CURRENCY = re.compile(r"\\\$|\$|€|£|¥|\\euro|\\pounds|USD\b|Rs\.?")
_TEXT_CMD = re.compile(r"\\text\{([^{}]*)\}")
# A leading 0 cannot start a thousands group: 0,111 is a decimal comma.
_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")
_SPACED_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}(?: \d{3})+(?:\.\d+)?$")
# Possessive quantifiers: no backtracking blow-up on long runs of letters.
_TRAILING_WORDS = re.compile(r"^(.*?[\d}).])(\s*+)((?:[A-Za-z]++\.?\s*+)++(?:\^?\{?[23]\}?|²|³)?)$")
MAX_DECORATED = 300


def unwrap_math(text: str) -> str:
    """Remove outer math delimiters and surrounding blank space and punctuation."""
    s = text.strip()
    changed = True
    while changed and s:
        changed = False
        for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
            if s.startswith(left) and s.endswith(right) and len(s) >= len(left) + len(right):
                s = s[len(left) : len(s) - len(right)].strip()
                changed = True
        stripped = s.rstrip(".;:\\ 。，；：！").lstrip(": ")
        if stripped != s and not stripped.endswith("\\"):
            s, changed = stripped, True
    return s


@lru_cache(maxsize=65536)
def clean(text: str) -> str:
    """Canonical spelling of LaTeX constructs; keeps the meaning, loses the typography."""
    s = text
    if "\\" in s:
        s = _DOUBLE_BACKSLASH_CMD.sub(r"\\", s)
        s = s.replace("\\\\\\\\", "\\\\")
        s = _THIN_SPACE.sub("", s)  # 123,\!456 is one number
        s = _SPACING.sub(" ", s)
    for triggers, pattern, repl in _COMPILED:
        if any(t in s for t in triggers):
            s = pattern.sub(repl, s)
    s = s.replace("**", "")
    if "\\begin{cases}" in s or "aligned}" in s:
        s = _SYSTEM.sub(_system_as_list, s)  # a system of equations is a list of them
    if "e" in s or "E" in s:
        s = _SCIENTIFIC.sub(r"\1*10^{\2}", s)  # 1.2e5
    if "overline" in s:
        s = _REPEATING.sub(_repeating_fraction, s)  # 0.\overline{3}
    s = unwrap_math(s)
    if "$" in s or "\\" in s:
        # Inner delimiters left by joining pieces ("$21,16$ or $11$") carry no meaning.
        s = _INNER_DELIMITERS.sub(" ", s)
    return " ".join(s.split())


def _repeating_fraction(m: re.Match[str]) -> str:
    whole, fixed, cycle = m.group(1) or "0", m.group(2), m.group(3)
    shift, period = 10 ** len(fixed), 10 ** len(cycle) - 1
    num = (int(whole) * shift + int(fixed or 0)) * period + int(cycle)
    return f"\\frac{{{num}}}{{{shift * period}}}"


def _system_as_list(m: re.Match[str]) -> str:
    rows = [r.replace("&", " ").strip() for r in m.group(1).split("\\\\")]
    return ", ".join(r for r in rows if r)


def strip_decorations(text: str) -> tuple[str, bool, str | None]:
    """Split off percent, currency, degrees and units: returns (core, percent, unit)."""
    s = text.strip()
    unit = None
    if _DEGREES.search(s) and _TRIG.search(s):
        s = _DEGREE_NUMBER.sub(r"(\1\\pi/180)", s)  # \sin(90^\circ - x): degrees are radians
    if _DEGREES.search(s):
        s = _DEGREES.sub("", s).strip()
        unit = "degree"
    percent = False
    m = _PERCENT.search(s)
    if m:
        s = s[: m.start()].strip()
        percent = True
    s = _CURRENCY.sub("", s).strip()
    whole = _WHOLE_TEXT.fullmatch(s)
    if whole and whole.group(1).strip()[:1].isdigit():
        s = whole.group(1).strip()  # \text{5 cm} is the number 5 with a unit
    elif whole or len(s) > MAX_DECORATED:
        return s, percent, unit
    # Trailing \text{...} is a unit or a label in an answer, never part of the value.
    m = _TRAILING_TEXT.search(s)
    if m and not re.fullmatch(r"\s*(and|or)\s*", m.group(2)):
        s, unit = m.group(1).strip(), _unit_name(m.group(2) + (m.group(3) or ""), unit)
    else:
        m = _TRAILING_WORDS.match(s)
        # "7 ways" drops a label; "3abc" glued to its number is algebra unless a known unit
        if m and _is_unit_words(m.group(3), spaced=bool(m.group(2))):
            s, unit = m.group(1).strip(), _unit_name(m.group(3), unit)
    m = _PERCENT.search(s)
    if m:
        s, percent = s[: m.start()].strip(), True
    return s, percent, unit


def _is_unit_words(words: str, *, spaced: bool) -> bool:
    """Trailing words after a number that are a unit or a label ("7 ways"), not variables."""
    w = _UNIT_JUNK.sub("", words).strip().lower().rstrip(".")
    parts = w.split()
    if not parts:
        return False
    known = w in UNITS or parts[-1] in UNITS
    return known or (spaced and all(len(p) >= 3 for p in parts))


def _unit_name(words: str, default: str | None) -> str | None:
    """Canonical unit of `words` with its power (cm^2 is not cm), or `default` for labels."""
    power = _UNIT_POWER.search(words)
    name = _unit_base(words, default)
    if power is None or name is None or name == default:
        return name
    return f"{name}^{(power.group(1) or power.group(2)).translate(_SUPERSCRIPTS)}"


def _unit_base(words: str, default: str | None) -> str | None:
    w = _UNIT_JUNK.sub("", words).strip().lower().rstrip(".")
    w = re.sub(r"\s+", " ", w)
    if w in ("", "p.m", "a.m", "pm", "am"):
        return default
    if w in UNITS:
        canon = UNITS[w]
        return default if canon in NEUTRAL_UNITS else canon
    first = w.split(" ")[-1]
    if first in UNITS and UNITS[first] not in NEUTRAL_UNITS:
        return UNITS[first]
    # An unknown word is a label ("17 \text{ any text}"): droppable, not comparable.
    return default if " " in w or len(w) > 2 else None


def normalize_number_text(s: str) -> str:
    """`1,000.99` -> `1000.99`; `1 000` -> `1000`; `.5` stays (the parser reads it)."""
    t = s.strip()
    if _THOUSANDS.match(t) or _SPACED_THOUSANDS.match(t):
        return t.replace(",", "").replace(" ", "")
    return t


def text_key(text: str) -> str:
    """Case-insensitive comparison key for text answers, after \\text{} removal."""
    s = _TEXT_CMD.sub(r"\1", text)
    s = re.sub(r"\\[a-zA-Z]+", lambda m: m.group(0)[1:], s)
    s = re.sub(r"[{}$\s.]+", " ", s)
    return s.strip().lower()
