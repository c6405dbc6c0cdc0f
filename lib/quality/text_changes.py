"""Realistic changes to a review's text, each one of CheckList's three kinds of behavioural test.

CheckList (Ribeiro et al., ACL 2020) tests a model by changing its input in ways whose effect
on the right answer is known:

* ``invariance``: the answer should not change (typos, case, punctuation, an emoji agreeing
  with the review's sentiment, an irrelevant sentence, another name);
* ``direction``: the answer should move in a known direction (a negation before the word that
  carries the sentiment, a strong opposite clause);
* ``stay_or_stronger``: the answer should stay or move further the same way (an intensifier).

Each change is ``fn(text, sentiment, rng) -> Changed | None``: ``sentiment`` is the review's
sentiment (negative / neutral / positive) that emoji and negations refer to, ``rng`` a seeded
``numpy.random.Generator`` (so the same seed gives the same texts, in any thread), and None
means the change does not apply to this review (nothing to negate, no name to swap, nothing
would change). ``Changed.direction`` is +1 (towards positive) or -1 (towards negative) for the
two directional kinds, 0 for invariance.

These are small functions rather than ``nlpaug``: its last release is from 2022, it pulls in a
file downloader, and it is seeded through the global ``random`` and ``numpy.random`` state,
which the threads of one Streamlit server share.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

INVARIANCE = "invariance"
DIRECTION = "direction"
STAY_OR_STRONGER = "stay_or_stronger"

# About one word in twenty mistyped (at least one per review): noisy social-media text has a few
# misspellings per hundred words; CheckList's typo test swaps one pair of letters.
TYPO_RATE = 0.05
_TYPO_WORD = re.compile(r"[A-Za-z]{3,}")
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")
_SPACES = re.compile(r"[ \t]{2,}")
_EXCLAIMS = re.compile(r"[!?]+")
EMOJI = {"positive": ("😊", "👍", "😍"), "negative": ("😠", "👎", "😞"), "neutral": ("😐",)}
IRRELEVANT_SENTENCES = (
    "I bought it on a Tuesday.",
    "My neighbour has a blue car.",
    "It was raining when I wrote this.",
    "I read this on my phone during lunch.",
    "The parcel came in a brown box.",
)
PERSON_NAMES = (
    "John", "Mary", "James", "Linda", "Michael", "Sarah", "David", "Emma", "Robert", "Anna",
    "Peter", "Laura", "Paul", "Julia", "Mark", "Kate", "Tom", "Lisa", "Steve", "Maria",
    "Chris", "Susan", "Daniel", "Karen", "George", "Alice", "Frank", "Helen", "Jack", "Emily",
)  # fmt: skip
PRODUCT_NAMES = (
    "Apple", "Samsung", "Sony", "Nokia", "Canon", "Nikon", "Amazon", "Kindle", "iPod", "iPhone",
    "Motorola", "Panasonic", "Philips", "Toshiba", "Dell", "Microsoft", "Google", "Netflix",
)  # fmt: skip
POSITIVE_WORDS = (
    "good", "great", "excellent", "wonderful", "amazing", "fantastic", "brilliant", "awesome", "nice",
    "beautiful", "perfect", "enjoyable", "funny", "happy", "impressive", "pleasant", "fun", "lovely",
    "superb", "charming", "delightful", "solid", "fine", "satisfying", "clever", "entertaining", "best",
    "useful", "easy", "reliable", "compelling", "moving", "smart", "touching", "glad", "helpful",
)  # fmt: skip
NEGATIVE_WORDS = (
    "bad", "terrible", "awful", "horrible", "poor", "boring", "dull", "disappointing", "worst", "ugly",
    "stupid", "annoying", "sad", "weak", "useless", "painful", "mediocre", "bland", "lame", "pathetic",
    "tedious", "dreadful", "unpleasant", "broken", "slow", "cheap", "difficult", "unfunny", "flat",
    "angry", "pointless", "ridiculous", "silly", "messy", "confusing", "frustrating", "wrong",
)  # fmt: skip
SENTIMENT_WORDS = {"positive": POSITIVE_WORDS, "negative": NEGATIVE_WORDS}
POLARITY = {"negative": -1, "positive": 1}
NEGATORS = ("not", "no", "never", "hardly", "barely", "nothing", "without")
INTENSIFIERS = ("very", "really")
OPPOSITE_CLAUSES = {
    "positive": ("But all in all it was terrible and I hated it.", "But honestly, it was awful."),
    "negative": ("But all in all it was wonderful and I loved it.", "But honestly, it was excellent."),
}


@dataclass(frozen=True)
class Changed:
    """A changed text and the way the model's answer should move (+1 positive, -1 negative, 0 not at all)."""

    text: str
    direction: int = 0


ChangeFunction = Callable[[str, "str | None", np.random.Generator], "Changed | None"]


@dataclass(frozen=True)
class TextChange:
    """One kind of change: its name in metric names, its CheckList kind and the function making it."""

    key: str
    kind: str
    make: ChangeFunction


def _unless_same(text: str, changed: str, direction: int = 0) -> Changed | None:
    return None if changed == text else Changed(changed, direction)


def _typo(word: str, rng: np.random.Generator) -> str:
    """One swapped, dropped or doubled letter; a swap of two equal letters becomes a drop instead."""
    kind = rng.integers(3)
    if kind == 0:
        i = int(rng.integers(1, len(word) - 1))  # keeps the first letter, like most real typos
        if word[i] != word[i + 1]:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        kind = 1
    if kind == 1:
        i = int(rng.integers(1, len(word)))
        return word[:i] + word[i + 1 :]
    i = int(rng.integers(0, len(word)))
    return word[: i + 1] + word[i] + word[i + 1 :]


def typos(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """About one word of three letters or more in twenty gets a swapped, dropped or doubled letter (at least one)."""
    words = list(_TYPO_WORD.finditer(text))
    if not words:
        return None
    chosen = np.flatnonzero(rng.random(len(words)) < TYPO_RATE)
    if len(chosen) == 0:
        chosen = [int(rng.integers(len(words)))]
    pieces, cursor = [], 0
    for index in chosen:
        match = words[index]
        pieces += [text[cursor : match.start()], _typo(match.group(), rng)]
        cursor = match.end()
    return _unless_same(text, "".join(pieces) + text[cursor:])


def lower_case(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """The whole review in lower case."""
    return _unless_same(text, text.lower())


def upper_case(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """The whole review in CAPITALS."""
    return _unless_same(text, text.upper())


def punctuation_removed(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """Every punctuation mark removed (spaces left doubled by it closed up)."""
    return _unless_same(text, _SPACES.sub(" ", _PUNCTUATION.sub("", text)).strip())


def punctuation_repeated(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """Every ``!`` or ``?`` made at least three (``!!!``); a review with none ends in ``!!!`` instead of its full stop."""
    if _EXCLAIMS.search(text):
        return _unless_same(text, _EXCLAIMS.sub(lambda m: m.group() + m.group()[-1] * max(3 - len(m.group()), 0), text))
    return Changed(text.rstrip().removesuffix(".") + "!!!")


def emoji_added(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """An emoji agreeing with the review's sentiment at the end."""
    if sentiment not in EMOJI:
        return None
    options = EMOJI[sentiment]
    return Changed(f"{text.rstrip()} {options[int(rng.integers(len(options)))]}")


def irrelevant_sentence(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """A sentence that says nothing about the product ("I bought it on a Tuesday.") appended."""
    body = text.rstrip()
    if body and body[-1].isalnum():
        body += "."
    return Changed(f"{body} {IRRELEVANT_SENTENCES[int(rng.integers(len(IRRELEVANT_SENTENCES)))]}")


_NAME_LISTS = (PERSON_NAMES, PRODUCT_NAMES)
_NAMES = re.compile(r"\b(" + "|".join(sorted(PERSON_NAMES + PRODUCT_NAMES, key=len, reverse=True)) + r")\b")


def name_swapped(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """Every person or product name from the lists replaced by another of the same list (the same one each time)."""
    found = list(dict.fromkeys(match.group() for match in _NAMES.finditer(text)))
    if not found:
        return None
    swaps = {}
    for name in found:
        names = next(names for names in _NAME_LISTS if name in names)
        others = [other for other in names if other not in found]
        swaps[name] = others[int(rng.integers(len(others)))]
    return _unless_same(text, _NAMES.sub(lambda m: swaps[m.group()], text))


_SENTIMENT_PATTERNS = {
    sentiment: re.compile(r"\b(" + "|".join(words) + r")\b", flags=re.IGNORECASE) for sentiment, words in SENTIMENT_WORDS.items()
}
_LAST_WORD = re.compile(r"([\w']+)\W*$")


def _sentiment_word(text: str, sentiment: str | None) -> re.Match | None:
    """The first word carrying the review's sentiment that is not already negated or intensified."""
    if sentiment not in _SENTIMENT_PATTERNS:
        return None
    for match in _SENTIMENT_PATTERNS[sentiment].finditer(text):
        before = _LAST_WORD.search(text[max(0, match.start() - 40) : match.start()])  # the word just before
        word = before.group(1).lower() if before else ""
        if word not in NEGATORS + INTENSIFIERS and not word.endswith("n't"):
            return match
    return None


_AN_BEFORE = re.compile(r"\b([Aa])n(\s+)$")


def _inserted_before(text: str, match: re.Match, word: str) -> str:
    """``word`` inserted before the matched word; "an" before it becomes "a" ("an excellent" -> "a not excellent")."""
    before = text[: match.start()]
    if word[:1].lower() not in "aeiou":
        before = _AN_BEFORE.sub(r"\1\2", before)
    return f"{before}{word} {text[match.start() :]}"


def negation(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """ "not" before the first word carrying the review's sentiment ("good" -> "not good"); the answer should move away from it."""
    match = _sentiment_word(text, sentiment)
    if match is None:
        return None
    return Changed(_inserted_before(text, match, "not"), -POLARITY[sentiment])


def opposite_clause(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """A strong clause of the opposite sentiment appended; the answer should move towards it."""
    if sentiment not in OPPOSITE_CLAUSES:
        return None
    clauses = OPPOSITE_CLAUSES[sentiment]
    body = text.rstrip()
    if body and body[-1].isalnum():
        body += "."
    return Changed(f"{body} {clauses[int(rng.integers(len(clauses)))]}", -POLARITY[sentiment])


def intensifier(text: str, sentiment: str | None, rng: np.random.Generator) -> Changed | None:
    """ "very" or "really" before the first word carrying the review's sentiment; the answer should stay or get stronger."""
    match = _sentiment_word(text, sentiment)
    if match is None:
        return None
    return Changed(_inserted_before(text, match, INTENSIFIERS[int(rng.integers(len(INTENSIFIERS)))]), POLARITY[sentiment])


TEXT_CHANGES = (
    TextChange("typos", INVARIANCE, typos),
    TextChange("lower_case", INVARIANCE, lower_case),
    TextChange("upper_case", INVARIANCE, upper_case),
    TextChange("punctuation_removed", INVARIANCE, punctuation_removed),
    TextChange("punctuation_repeated", INVARIANCE, punctuation_repeated),
    TextChange("emoji_added", INVARIANCE, emoji_added),
    TextChange("irrelevant_sentence", INVARIANCE, irrelevant_sentence),
    TextChange("name_swapped", INVARIANCE, name_swapped),
    TextChange("negation", DIRECTION, negation),
    TextChange("opposite_clause", DIRECTION, opposite_clause),
    TextChange("intensifier", STAY_OR_STRONGER, intensifier),
)
CHANGES_BY_KEY = {change.key: change for change in TEXT_CHANGES}
