"""Counted nouns and verbs: a number and the words it counts, always in agreement ("1 review was", "2 reviews were")."""

from __future__ import annotations

# Irregular plurals; every other noun takes an "s".
PLURALS = {"category": "categories", "person": "people", "this": "these", "it": "they", "has": "have", "was": "were", "is": "are"}


def plural(word: str) -> str:
    """The plural of a noun or verb of this app's wording ('review' -> 'reviews', 'was' -> 'were')."""
    if word in PLURALS:
        return PLURALS[word]
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


def agreeing(n: int | float, word: str) -> str:
    """``word`` (given in the singular) as it agrees with the number n: 1 -> singular, anything else -> plural."""
    return word if int(n) == 1 else plural(word)


def counted(n: int | float, noun: str, verb: str = "") -> str:
    """'1 review', '2 reviews', '4,712 reviews'; with a verb: '1 review was', '2 reviews were'."""
    words = f"{int(n):,} {agreeing(n, noun)}"
    return f"{words} {agreeing(n, verb)}" if verb else words


def reviews(n: int | float) -> str:
    """4712 -> '4,712 reviews'; 1 -> '1 review'."""
    return counted(n, "review")
