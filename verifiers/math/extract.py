"""Find the final answer in a model's output or a reference solution (policy rule 1).

Order: the last `\\boxed{}`/`\\fbox{}` -- boxes joined only by commas, spacing or a short
"and"/"or" are one collection, so `\\boxed{3} or \\boxed{4}` is a hedge that matches neither
3 nor 4, while "\\boxed{1} cats and \\boxed{2} dogs" is one two-part answer -- unless a
"final answer is" statement follows the last box; else the last "final answer"/"answer
is"/"Answer:" statement (also in a few other languages); else, for a bare answer, the whole
text; else the last math segment or number. Reasoning inside <think>...</think> and
chat-template tails are ignored; only the last 60k characters are read.
"""

from __future__ import annotations

import bisect
import itertools
import re

from verifiers.math.normalize import UNITS

# The final answer sits at the end; 60k characters is far more than any answer needs and
# keeps the regex passes well inside the time budget.
MAX_TEXT = 60_000
MAX_BARE = 2_000  # a bare answer is short; longer text is a solution
MAX_TAIL = 8_000  # where the last number or math segment of a solution is looked for
_BOX = re.compile(r"\\(?:boxed|fbox)\s*(\{)|\\boxed\s+([^\s$]+)")
_CUES = [
    re.compile(r"final\s+answer\s*(?:is|:)?\s*(?::)?", re.I),
    re.compile(r"(?:the\s+)?answer\s*(?:is|:|：)", re.I),
    re.compile(r"(?:réponse|respuesta|resposta|antwort|risposta|ответ)\s*(?:est|es|é|ist|è)?\s*:?",
               re.I),
    re.compile(r"答案\s*(?:是|为|：|:)?|الإجابة\s*:?"),
    re.compile(r"(?:correct\s+)?(?:option|choice)\s*(?:is\b|:)?", re.I),
]  # fmt: skip
_NOISE_TAIL = re.compile(r"<\|im_start\|>.*|<\|im_end\|>.*|<\|endoftext\|>.*", re.S)
# No leading \s*: on a long run of spaces it would rescan the run from every position.
_HOPE = re.compile(r"I hope it is correct.*", re.S | re.I)
_DELIMITER = re.compile(r"(?<!\\)\$\$|(?<!\\)\$|\\\(|\\\)|\\\[|\\\]")
_CLOSER = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}
# ASCII-only lookarounds: "有3只" holds the number 3, "AZYUK2A" holds none.
_NUMBER = re.compile(
    r"\\frac\{-?\d+\}\{\d+\}|(?<![A-Za-z0-9_.\\])[-−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    r"|\d+(?:[.,]\d+)?(?:/\d+)?|\.\d+)(?![0-9])(?:\s?\\?%)?"
)
_JOINERS = re.compile(
    r"[A-Za-z](?:_\{?\w+\}?)?\s*=|\\text\{\s*(?:and|or)?\s*\}|\\q?quad|\\[()\[\],;!]|\$|\band\b|\bor\b|和|或|[\s,;.+&]|\\\\"
)
# "\boxed{2} or maybe \boxed{5}" offers two answers: kept together, it matches neither.
_HEDGE = re.compile(r"\b(?:and|or|maybe|perhaps|possibly|either)\b", re.I)
_SENTENCE_END = re.compile(r"(?<!\d)\.(?:\s|$)|\.\s+[A-Z]|\n|。")
_COMMAND_ARG = re.compile(r"\\[a-zA-Z]+(\{[^{}]*\})?")
_SHORT_PROSE = set(
    "the is so we it are for get has was our its but you can let one two ans and then thus "
    "est la le les de et en un une es el los del que ist die der und das".split()
)
_QUOTES = re.compile(r'^\s*\\?"|\\?"\s*$')
_NEGATION = re.compile(r"(?:not|never|no longer)\b", re.I)
# Words that start a new statement: boxes on either side are not one answer.
_BREAK = re.compile(
    r"\b(?:thus|but|so|therefore|hence|however|no|not|wrong|instead|actually|correct\w*)\b", re.I
)
_WORD = re.compile(r"[^\W\d_]{2,}")
# Only words between two numbers: "0 and 3" (a two-part answer) or "0 ans 3" (no answer).
_WORDS_GAP = re.compile(r"\s+[^\W\d_]+(?:\s+[^\W\d_]+)*\s+")
# Arabic-Indic, Persian, Devanagari and full-width digits read as ASCII digits.
_DIGITS = {base + i: ord("0") + i for base in (0x0660, 0x06F0, 0x0966, 0xFF10) for i in range(10)}
_UNIT_WORDS = set(UNITS) | {"square", "pct", "percent", "percentage"}


def strip_noise(text: str) -> str:
    s = text[-MAX_TEXT:].translate(_DIGITS)
    s = re.sub(r"\\\\(?=(?:boxed|fbox|frac|sqrt|text)\b)", "\\\\", s)
    if "</think>" in s:
        s = s.rsplit("</think>", 1)[1]
    return _NOISE_TAIL.sub("", s)


def _brace_partners(s: str) -> dict[int, int]:
    """Index of each unescaped '{' -> index just past its matching '}' (one linear pass)."""
    partners: dict[int, int] = {}
    stack: list[int] = []
    for i, ch in enumerate(s):
        if ch == "{" and (i == 0 or s[i - 1] != "\\"):
            stack.append(i)
        elif ch == "}" and (i == 0 or s[i - 1] != "\\") and stack:
            partners[stack.pop()] = i + 1
    return partners


def boxed_answer(text: str) -> str | None:
    """Content of the last box, or of the trailing run of boxes joined only by connectors."""
    boxes: list[tuple[int, int, str]] = []
    partners: dict[int, int] | None = None
    for m in _BOX.finditer(text):
        if m.group(1) is not None:
            if partners is None:
                partners = _brace_partners(text)
            end = partners.get(m.start(1))
            if end is None:
                continue
            boxes.append((m.start(), end, text[m.start(1) + 1 : end - 1]))
        else:
            boxes.append((m.start(), m.end(), m.group(2)))
    if not boxes:
        return None
    run = [boxes[-1]]
    for prev in reversed(boxes[:-1]):
        between = text[prev[1] : run[0][0]]
        hedge = len(between) < 40 and _HEDGE.search(between) and not _BREAK.search(between)
        if prev[1] > run[0][0] or (_JOINERS.sub("", between).strip() and not hedge):
            break
        run.insert(0, prev)
    return ", ".join(content.strip() for _, _, content in run)


def _last_cue(text: str) -> str | None:
    for cue in _CUES:
        matches = list(cue.finditer(text))
        if matches:
            return text[matches[-1].end() :]
    return None


def _first_sentence(seg: str) -> str:
    seg = _HOPE.sub("", seg)
    seg = seg.split("\n\n")[0]
    m = _SENTENCE_END.search(seg)
    if m and not _inside_math(seg, m.start()):
        seg = seg[: m.start()]
    return seg.strip()


def _inside_math(s: str, pos: int) -> bool:
    return s[:pos].count("$") % 2 == 1


def math_segments(text: str) -> list[tuple[int, int, str]]:
    """(start, end, content) of each $..$, $$..$$, \\(..\\), \\[..\\] segment, in order.

    One pass over the delimiters plus a binary search for each closer: a regex like
    `\\((.+?)\\)` rescans to the end for every unclosed opener, which is quadratic.
    """
    tokens = [(m.start(), m.end(), m.group()) for m in _DELIMITER.finditer(text)]
    starts: dict[str, list[int]] = {}
    for i, (_, _, tok) in enumerate(tokens):
        starts.setdefault(tok, []).append(i)
    segments, resume = [], 0
    for i, (start, end, tok) in enumerate(tokens):
        if start < resume or tok not in _CLOSER:
            continue
        candidates = starts.get(_CLOSER[tok], [])
        k = bisect.bisect_right(candidates, i)
        if k == len(candidates):
            continue
        close_start, close_end, _ = tokens[candidates[k]]
        if close_start > end:  # "$$" with nothing inside is no segment
            segments.append((start, close_end, text[end:close_start]))
            resume = close_end
    return segments


def _strip_math(text: str) -> str:
    out, last = [], 0
    for start, end, _ in math_segments(text):
        out.append(text[last:start])
        last = end
    out.append(text[last:])
    return " ".join(out)


def is_bare(text: str) -> bool:
    """A bare answer: short, with no prose outside math (unit words aside)."""
    if len(text) > MAX_BARE:
        return False
    outside = _strip_math(text)
    outside = _COMMAND_ARG.sub(" ", outside)
    return not any(_is_prose(w) for w in _WORD.findall(outside))


def _is_prose(word: str) -> bool:
    """A word of a sentence rather than an answer: "abc", "odd", "no", "cm" are answers."""
    w = word.lower()
    if w in _UNIT_WORDS:
        return False
    return len(w) >= 4 or w in _SHORT_PROSE or not word.isascii()


def last_math_or_number(text: str) -> str | None:
    """The last $...$ segment or stand-alone number, whichever ends later."""
    if len(text) > MAX_TAIL:
        # The answer is near the end; cut at a line break so $...$ pairs stay paired.
        cut = text.find("\n", len(text) - MAX_TAIL)
        text = text[cut + 1 :] if cut != -1 else text[-MAX_TAIL:]
    best: tuple[int, str] | None = None
    segments = math_segments(text)
    for _, end, content in segments:
        if content.strip():
            best = (end, content)
    seg_starts = [start for start, _, _ in segments]
    for m in _NUMBER.finditer(text):
        k = bisect.bisect_right(seg_starts, m.start()) - 1
        if k >= 0 and m.start() < segments[k][1]:
            continue  # inside a math segment, already considered
        if best is None or m.end() > best[0]:
            best = (m.end(), m.group(0))
    return best[1] if best else None


def _from_segment(seg: str) -> str:
    seg = _QUOTES.sub("", _first_sentence(seg.lstrip(" :*\n\t")))
    if not seg or _NEGATION.match(seg):
        return seg  # "the answer is not 0" keeps its "not", and then matches nothing
    segments = math_segments(seg)
    if len(segments) > 1 and not _JOINERS.sub("", _strip_math(seg)).strip():
        return ", ".join(content for _, _, content in segments)  # "$12$ and $13$"
    if segments and segments[0][0] == 0:
        return segments[0][2]
    if is_bare(seg):
        return seg
    numbers = [] if segments else list(_NUMBER.finditer(seg))
    gaps = [seg[a.end() : b.start()] for a, b in itertools.pairwise(numbers)]
    if gaps and all(_WORDS_GAP.fullmatch(g) for g in gaps):
        # the last number alone would pay "The answer is 0 ans 3" (a sampled model wrote it)
        if all(not _JOINERS.sub("", g).strip() for g in gaps):
            return ", ".join(m.group(0) for m in numbers)
        return seg
    found = last_math_or_number(seg)
    return found if found is not None else seg


def extract_answer(text: str, *, reference: bool = False) -> str:
    """The final-answer text of `text` (a solution or a bare answer)."""
    return extract_with_cue(text, reference=reference)[0]


def extract_with_cue(text: str, *, reference: bool = False) -> tuple[str, str]:
    """(final answer, the sentence after the last answer cue or "") in one pass over `text`;
    the cue sentence is where a multiple-choice letter hides ("the answer is D, not A")."""
    s = strip_noise(text)
    seg = _last_cue(s)
    cue = "" if seg is None else _first_sentence(seg.lstrip(" :*\n\t"))
    boxed = boxed_answer(s) if "box" in s else None
    if boxed is not None and s.lower().rfind("final answer is") < s.rfind("\\boxed"):
        return boxed, cue
    if seg is not None:
        answer = _from_segment(seg)
        if answer:
            return answer, cue
    s = _HOPE.sub("", s).strip()
    if reference or is_bare(s):
        return s, cue
    found = last_math_or_number(s)
    return (found if found is not None else s), cue
