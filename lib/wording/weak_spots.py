"""Plain words for the weak spots found automatically (lib/quality/weak_spots.py).

As everywhere in lib/wording/, sentences are plain text with Markdown's **bold**; a
category name from data is escaped by the caller, who knows where the sentence goes
(``escape_markdown`` for a page, nothing for a chart label).
"""

from __future__ import annotations

from lib.quality.weak_spots import FALSE_DISCOVERY_RATE, MIN_GAP, MIN_REVIEWS, RARE_WORD_SHARE
from lib.wording.counts import reviews
from lib.wording.numbers import count, percent

TRAIT_PHRASES = {
    "negation": "Reviews with a negation (not, never, don't…)",
    "but": "Reviews that contain “but”",
    "contrast": "Reviews with another contrast word (however, although, yet…)",
    "question": "Reviews with a question mark",
    "exclamation": "Reviews with an exclamation mark",
    "capitals": "Reviews with a word in capitals (such as GREAT)",
    "emoji": "Reviews with an emoji or a smiley such as :-)",
    "link": "Reviews with a web link",
    "mention": "Reviews that mention someone (@name)",
    "hashtag": "Reviews with a hashtag (#word)",
    "number": "Reviews with a number",
    "rare-words": f"Reviews where at least 1 word in {round(1 / RARE_WORD_SHARE)} is rare here (names, typos, slang)",
    "length-1-5": "Very short reviews (1 to 5 words)",
    "length-6-10": "Short reviews (6 to 10 words)",
    "length-11-20": "Reviews of 11 to 20 words",
    "length-21-40": "Long reviews (21 to 40 words)",
    "length-41-plus": "Very long reviews (more than 40 words)",
    "confidence-0-50": "Reviews the model was unsure about (less than 50% sure of its answer)",
    "confidence-50-80": "Reviews the model was fairly sure about (50% to 80% sure)",
    "confidence-80-plus": "Reviews the model was very sure about (80% sure or more)",
}

# Short names for chart axes, where a whole phrase would be cut off.
TRAIT_SHORT_NAMES = {
    "negation": "Negation (not, never…)",
    "but": "Contains “but”",
    "contrast": "Other contrast word",
    "question": "Question mark",
    "exclamation": "Exclamation mark",
    "capitals": "Word in capitals",
    "emoji": "Emoji or smiley",
    "link": "Web link",
    "mention": "@mention",
    "hashtag": "#hashtag",
    "number": "Number",
    "rare-words": "Many rare words",
    "length-1-5": "1 to 5 words",
    "length-6-10": "6 to 10 words",
    "length-11-20": "11 to 20 words",
    "length-21-40": "21 to 40 words",
    "length-41-plus": "Over 40 words",
    "confidence-0-50": "Model unsure (under 50%)",
    "confidence-50-80": "Model fairly sure (50–80%)",
    "confidence-80-plus": "Model very sure (80%+)",
}

EXPLANATION = (
    "We split the reviews into groups anyone can check by reading them (short reviews, reviews with a negation, "
    "with “but”, with a question, with an emoji, …) and, where reviews have categories, into the same groups within "
    "each category. Each group is compared with the reviews outside it; a group within a category is compared with "
    "the other reviews of that category."
)


def groups(n: int) -> str:
    """'1 group' / '12 groups'."""
    return f"{count(n)} group{'' if n == 1 else 's'}"


def slice_label(trait: str, category: str | None = None) -> str:
    """The group in words: 'Reviews that contain “but”', or '… in “Tweets”' (category escaped by the caller)."""
    phrase = TRAIT_PHRASES.get(trait, trait)
    return phrase if category is None else f"{phrase} in “{category}”"


def short_label(trait: str, category: str | None = None) -> str:
    """The group in a few words for a chart axis: 'Contains “but” · Tweets'."""
    name = TRAIT_SHORT_NAMES.get(trait, trait)
    return name if category is None else f"{name} · {category}"


def weak_spot_sentence(label: str, row) -> str:
    """'**Reviews that contain “but”**: 58% right (95% interval 55%–61%) against 70% elsewhere (69%–71%), from 812 reviews.'

    ``row`` has accuracy, low, high, n, rest_accuracy, rest_low, rest_high, rest_n and category.
    """
    elsewhere = "elsewhere" if row.category is None else "for the other reviews of that category"
    return (
        f"**{label}**: {percent(row.accuracy)} right (95% interval {percent(row.low)}–{percent(row.high)}) "
        f"against {percent(row.rest_accuracy)} {elsewhere} ({percent(row.rest_low)}–{percent(row.rest_high)}, "
        f"{reviews(row.rest_n)}), from {reviews(row.n)}."
    )


def headline(found: int, tried: int, searched: int) -> str:
    """How many weak spots there are, out of how many groups tested on how many reviews."""
    basis = f"out of {groups(tried)} tested on {reviews(searched)}"
    if tried == 0:
        return f"None of the groups has at least {MIN_REVIEWS} reviews inside and outside it, so none could be tested."
    if found == 0:
        return f"No group of reviews stands out: none is clearly weaker than the rest ({basis})."
    return f"**The model is clearly weaker in {groups(found)} of reviews** ({basis})."


def false_discovery_note(tried: int) -> str:
    """One line on why the bar is high: false discovery control in plain words."""
    return (
        f"Why so strict: with {groups(tried)} tested, some would look weak by luck alone. A group is shown only when the "
        f"evidence is strong enough that at most 1 in {round(1 / FALSE_DISCOVERY_RATE)} of the groups shown is expected "
        f"to be such a fluke (false discovery control), and when it is at least {round(MIN_GAP * 100)} points worse "
        f"than the rest, with at least {MIN_REVIEWS} reviews."
    )


def no_search_reason(has_predictions: bool, has_texts: bool) -> str:
    """Why a run's weak spots cannot be looked for."""
    if not has_predictions:
        return "This run has no predictions file, so its reviews cannot be split into groups."
    if not has_texts:
        return "This run's predictions keep no review texts, so there is nothing to read groups from."
    return "This run's reviews have no true labels, so it cannot be told where the model is right or wrong."


TEXT_SECTION = "In what the reviews say"
CONFIDENCE_SECTION = "Where the model itself hesitates"
CONFIDENCE_EXPLANATION = (
    "Reviews the model is unsure about are expected to be wrong more often; how much more shows how far its "
    "confidence can be trusted, and which categories make it hesitate."
)


def show_all(n: int) -> str:
    """Label of the switch that shows every weak spot rather than the weakest few."""
    return f"Show all {n} of them"


CHART_CAPTION = "Orange bars: how often the model is right in the group, with its 95% interval; black ticks: the reviews outside it."
MISTAKES_LINK = "See these mistakes"
MISTAKES_NEED_ANNOTATOR = "People who may annotate can open each group's mistakes on the Mistakes page."


def filter_note(label: str) -> str:
    """Caption of the Mistakes page while it shows one weak spot only."""
    return f"Showing only the mistakes among: {label}."


UNKNOWN_WEAK_SPOT = "This link points to a group of reviews this run does not have, so all its mistakes are shown."
