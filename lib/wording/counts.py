"""Counted nouns and verbs: a number and the words it counts, always in agreement ("1 review was", "2 reviews were").

Every place where a number meets a word uses :func:`counted` (or :func:`agreeing` for a verb
further along the sentence), so forms such as "1 reviews" or "1 were" cannot be written.
"""

from __future__ import annotations

IRREGULAR_NOUNS = {"person": "people", "this": "these", "it": "they"}
# Verbs are given as they go with one thing ("has", "was", "lacks"); these do not just lose an "s" with several.
IRREGULAR_VERBS = {"has": "have", "was": "were", "is": "are", "does": "do"}


def plural_noun(noun: str) -> str:
    """The plural of a noun or of a phrase ending in one ('truly neutral review' -> 'truly neutral reviews')."""
    head, _, last = noun.rpartition(" ")
    if last in IRREGULAR_NOUNS:
        plural = IRREGULAR_NOUNS[last]
    elif last.endswith("y") and last[-2:-1] not in tuple("aeiou"):
        plural = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        plural = last + "es"
    else:
        plural = last + "s"
    return f"{head} {plural}" if head else plural


def plural_verb(verb: str) -> str:
    """The form of a verb for several things ('was' -> 'were', 'lacks' -> 'lack', 'matches' -> 'match')."""
    if verb in IRREGULAR_VERBS:
        return IRREGULAR_VERBS[verb]
    if verb.endswith(("ches", "shes", "sses", "xes", "zes")):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") else verb


def agreeing(n: int | float, verb: str) -> str:
    """``verb`` (given for one thing: 'was', 'has', 'matches') as it agrees with the number n."""
    return verb if int(n) == 1 else plural_verb(verb)


def counted(n: int | float, noun: str, verb: str = "") -> str:
    """'1 review', '2 reviews', '4,712 reviews'; with a verb: '1 review was', '2 reviews were'."""
    words = f"{int(n):,} {noun if int(n) == 1 else plural_noun(noun)}"
    return f"{words} {agreeing(n, verb)}" if verb else words


def reviews(n: int | float) -> str:
    """4712 -> '4,712 reviews'; 1 -> '1 review'."""
    return counted(n, "review")


def all_counted(n: int | float, noun: str) -> str:
    """'all 4,712 reviews', 'the 1 review' (never 'all 1 review'), 'no reviews'."""
    if int(n) == 0:
        return f"no {plural_noun(noun)}"
    return f"the {counted(n, noun)}" if int(n) == 1 else f"all {counted(n, noun)}"


def sentence_start(text: str) -> str:
    """The text with its first letter in capitals, the rest untouched."""
    return text[:1].upper() + text[1:]
