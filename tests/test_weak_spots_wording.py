"""lib/wording/weak_spots.py: every group has words, counted nouns agree, sentences carry n and intervals."""

from __future__ import annotations

from types import SimpleNamespace

from lib.quality.weak_spots import CONFIDENCE_TRAITS, LENGTH_TRAITS, RARE_WORDS, WORD_TRAITS
from lib.wording import weak_spots as wording

EVERY_TRAIT = {*WORD_TRAITS, RARE_WORDS, *LENGTH_TRAITS, *CONFIDENCE_TRAITS}


def test_every_trait_has_a_phrase_and_a_short_name_and_nothing_else_does() -> None:
    assert set(wording.TRAIT_PHRASES) == EVERY_TRAIT
    assert set(wording.TRAIT_SHORT_NAMES) == EVERY_TRAIT
    assert all(len(name) <= 28 for name in wording.TRAIT_SHORT_NAMES.values())
    assert wording.slice_label("but", "Tweets") == "Reviews that contain “but” in “Tweets”"
    assert wording.short_label("but", "Tweets") == "Contains “but” · Tweets"


def row(**changes) -> SimpleNamespace:
    values = {
        "accuracy": 0.58,
        "low": 0.546,
        "high": 0.613,
        "n": 812,
        "rest_accuracy": 0.70,
        "rest_low": 0.69,
        "rest_high": 0.71,
        "rest_n": 4000,
        "category": None,
    }
    return SimpleNamespace(**(values | changes))


def test_a_weak_spot_sentence_says_both_figures_their_intervals_and_counts() -> None:
    assert wording.weak_spot_sentence("Reviews that contain “but”", row()) == (
        "**Reviews that contain “but”**: 58% right (95% interval 55%–61%) against 70% elsewhere (69%–71%, 4,000 reviews), from 812 reviews."
    )
    within = wording.weak_spot_sentence("X", row(category="Tweets", n=1, rest_n=1))
    assert "for the other reviews of that category (69%–71%, 1 review), from 1 review." in within


def test_headlines_count_groups_and_reviews_in_agreement() -> None:
    assert wording.headline(1, 1, 1) == "**The model is clearly weaker in 1 group of reviews** (out of 1 group tested on 1 review)."
    assert wording.headline(3, 120, 4488) == (
        "**The model is clearly weaker in 3 groups of reviews** (out of 120 groups tested on 4,488 reviews)."
    )
    assert wording.headline(0, 77, 4488).startswith("No group of reviews stands out")
    assert "none could be tested" in wording.headline(0, 0, 12)
    assert "with 77 groups tested" in wording.false_discovery_note(77) and "1 in 20" in wording.false_discovery_note(77)
