"""A small, deterministic text prompt parser in English and Chinese: words -> conditioning.

The shipped models are conditioned on a digit class only, so a prompt can say which digit(s) and
which way it moves: "a 3 moving left", "the digit seven going up", "一个向左移动的3", "数字七向上".
Every word must be known: an unknown one is an error that names it (a parser that skipped it
would pretend to have understood). Chinese has no spaces, so it is cut by greedy longest match
against the same vocabulary; a run of unknown characters is reported as one word.

>>> parse_prompt("a 3 moving left")
Prompt(digits=(3,), direction='left')
>>> parse_prompt("一个向左移动的3")
Prompt(digits=(3,), direction='left')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vidgen_edu.errors import UsageError

NUMBERS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
NUMBERS.update({str(d): d for d in range(10)})
DIRECTION_WORDS = {
    "left": "left",
    "leftward": "left",
    "leftwards": "left",
    "right": "right",
    "rightward": "right",
    "rightwards": "right",
    "up": "up",
    "upward": "up",
    "upwards": "up",
    "down": "down",
    "downward": "down",
    "downwards": "down",
    "向左": "left",
    "往左": "left",
    "左": "left",
    "向右": "right",
    "往右": "right",
    "右": "right",
    "向上": "up",
    "往上": "up",
    "上": "up",
    "向下": "down",
    "往下": "down",
    "下": "down",
}
FILLER = {  # words that carry no conditioning here but are understood
    "a",
    "an",
    "the",
    "one",
    "digit",
    "number",
    "numeral",
    "moving",
    "moves",
    "move",
    "going",
    "goes",
    "travelling",
    "traveling",
    "drifting",
    "to",
    "towards",
    "toward",
    "and",
    "of",
    "that",
    "is",
    "which",
    "一个",
    "个",
    "一只",
    "数字",
    "移动",
    "运动",
    "走",
    "的",
    "和",
    "与",
    "在",
    "朝",
    "方向",
    "地",
}
VOCABULARY = set(NUMBERS) | set(DIRECTION_WORDS) | FILLER
_LONGEST = max(len(w) for w in VOCABULARY if not w.isascii())


@dataclass(frozen=True)
class Prompt:
    """What a prompt asks for: the digits (class ids) and a direction of motion (or None)."""

    digits: tuple[int, ...]
    direction: str | None


def tokenize(text: str) -> list[str]:
    """Split into words: ASCII runs by spaces and punctuation, CJK by greedy longest match."""
    words: list[str] = []
    for chunk in re.findall(r"[A-Za-z]+|[0-9]|[^\sA-Za-z0-9,.;:!?，。；：！？、]+", text):
        if chunk.isascii():
            words.append(chunk.lower())
        else:
            words += _split_cjk(chunk)
    return words


def _split_cjk(chunk: str) -> list[str]:
    """Greedy longest match; consecutive unknown characters stay together as one word."""
    words, unknown, i = [], "", 0
    while i < len(chunk):
        for n in range(min(_LONGEST, len(chunk) - i), 0, -1):
            if chunk[i : i + n] in VOCABULARY:
                if unknown:
                    words.append(unknown)
                    unknown = ""
                words.append(chunk[i : i + n])
                i += n
                break
        else:
            unknown += chunk[i]
            i += 1
    return words + ([unknown] if unknown else [])


def parse_prompt(text: str) -> Prompt:
    """Parse a prompt; raise ``UsageError`` naming the first word that is not understood.

    "one" and "一" are read as "a" before another number word or digit ("one 3" is a 3), and as
    the digit 1 otherwise ("one moving left" is a 1).
    """
    words = tokenize(text)
    if not words:
        raise UsageError('the prompt is empty: try "a 3 moving left" or "一个向左移动的3"')
    digits, directions = [], []
    for i, word in enumerate(words):
        if word not in VOCABULARY:
            raise UsageError(
                f"did not understand {word!r} in the prompt {text!r}: the model "
                "knows digits (0-9, zero-nine, 零-九) and directions (left, right, "
                "up, down, 向左, 向右, 向上, 向下)"
            )
        if word in ("one", "一") and any(
            w in NUMBERS and w not in ("one", "一") for w in words[i + 1 :]
        ):
            continue  # an article
        if word in NUMBERS:
            digits.append(NUMBERS[word])
        elif word in DIRECTION_WORDS:
            directions.append(DIRECTION_WORDS[word])
    if len(set(directions)) > 1:
        raise UsageError(
            f"the prompt {text!r} asks for several directions "
            f"({', '.join(dict.fromkeys(directions))}): give one"
        )
    return Prompt(tuple(digits), directions[0] if directions else None)
