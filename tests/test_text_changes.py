"""Each text change: what it changes, what it never changes, and the same texts under the same seed."""

from __future__ import annotations

import re
import string

import numpy as np
import pandas as pd
import pytest

from lib.config import DEMO_DATA_FILE
from lib.quality import text_changes as tc

TEXTS = [
    "The battery life is great and the screen is good.",
    "Terrible service, awful food. Never again!",
    "Is this the right cable?",
    "Michael said the Canon takes sharp photos; Michael was right.",
    "ok",
    "",
    "It's not good, but the price is fine",
]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def demo_texts(n: int = 400) -> list[tuple[str, str]]:
    frame = pd.read_parquet(DEMO_DATA_FILE, columns=["text", "label"]).sample(n, random_state=3)
    return list(zip(frame["text"], frame["label"], strict=True))


def letters(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


@pytest.mark.parametrize("change", tc.TEXT_CHANGES, ids=lambda c: c.key)
def test_same_seed_same_text_and_changed_means_different(change: tc.TextChange) -> None:
    for text, label in demo_texts(150) + [(t, "positive") for t in TEXTS]:
        first, second = change.make(text, label, rng(7)), change.make(text, label, rng(7))
        assert first == second
        if first is not None:
            assert first.text != text
            assert first.direction == 0 if change.kind == tc.INVARIANCE else first.direction in (-1, 1)


def test_typos_change_letters_only_one_edit_per_word_and_keep_every_word() -> None:
    changed_any = 0
    for text, label in demo_texts():
        made = tc.typos(text, label, rng(1))
        if made is None:
            assert not re.search(r"[A-Za-z]{3}", text)
            continue
        changed_any += 1
        before, after = text.split(" "), made.text.split(" ")
        assert len(before) == len(after)
        edited = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
        assert len(edited) >= 1
        for b, a in edited:
            assert abs(len(b) - len(a)) <= 1
            assert set(a) <= set(b)  # swapped, dropped or doubled: no new letter
        assert re.sub(r"[A-Za-z]", "", text) == re.sub(r"[A-Za-z]", "", made.text)  # punctuation, digits, spaces untouched
    assert changed_any > 350


def test_typo_rate_is_realistic() -> None:
    pairs = [(text, tc.typos(text, label, rng(2))) for text, label in demo_texts()]
    words = sum(len(re.findall(r"[A-Za-z]{3,}", t)) for t, m in pairs if m)
    edited = sum(sum(b != a for b, a in zip(t.split(" "), m.text.split(" "), strict=True)) for t, m in pairs if m)
    assert 0.04 < edited / words < 0.15  # about one word in twenty, and at least one per review


def test_typo_kinds_each_occur() -> None:
    kinds = set()
    for seed in range(60):
        word = tc._typo("sentiment", rng(seed))
        kinds.add("double" if len(word) == 10 else "drop" if len(word) == 8 else "swap")
        assert word != "sentiment" and word[0] in "se"
    assert kinds == {"double", "drop", "swap"}


def test_case_changes() -> None:
    assert tc.lower_case("Great PHONE!", None, rng()).text == "great phone!"
    assert tc.upper_case("Great phone!", None, rng()).text == "GREAT PHONE!"
    assert tc.lower_case("already lower", None, rng()) is None
    assert tc.upper_case("123 !!", None, rng()) is None


def test_punctuation_removed_keeps_words_and_removes_every_mark() -> None:
    for text, label in demo_texts():
        made = tc.punctuation_removed(text, label, rng())
        if made is None:
            assert not any(ch in string.punctuation for ch in text)
            continue
        assert not any(ch in string.punctuation for ch in made.text)
        assert letters(made.text) == letters(text)
    assert tc.punctuation_removed("Great - really.", None, rng()).text == "Great really"


def test_punctuation_repeated() -> None:
    assert tc.punctuation_repeated("Love it! Why?", None, rng()).text == "Love it!!! Why???"
    assert tc.punctuation_repeated("Love it!!!!!", None, rng()) is None  # already repeated: nothing would change
    assert tc.punctuation_repeated("Fine, I guess.", None, rng()).text == "Fine, I guess!!!"
    assert tc.punctuation_repeated("no mark", None, rng()).text == "no mark!!!"


@pytest.mark.parametrize("label", ["negative", "neutral", "positive"])
def test_emoji_agrees_with_the_label_and_text_is_kept(label: str) -> None:
    made = tc.emoji_added("The delivery was on time. ", label, rng())
    assert made.text.startswith("The delivery was on time. ")
    assert made.text.split(" ")[-1] in tc.EMOJI[label]
    assert tc.emoji_added("text", None, rng()) is None


def test_irrelevant_sentence_is_appended_after_a_full_stop() -> None:
    made = tc.irrelevant_sentence("Works well", "positive", rng())
    sentence = made.text.removeprefix("Works well. ")
    assert sentence in tc.IRRELEVANT_SENTENCES
    assert tc.irrelevant_sentence("Works well!", "positive", rng()).text.startswith("Works well! ")


def test_name_swapped_replaces_names_consistently_within_their_list() -> None:
    text = "Michael said the Canon takes sharp photos; Michael was right."
    made = tc.name_swapped(text, "positive", rng(4))
    names = re.findall(r"\b[A-Z]\w+", made.text)
    assert names[0] in tc.PERSON_NAMES and names[0] != "Michael" and names[-1] == names[0]
    assert names[1] in tc.PRODUCT_NAMES and names[1] != "Canon"
    assert re.sub(r"\b[A-Z]\w+", "X", made.text) == re.sub(r"\b[A-Z]\w+", "X", text)
    assert tc.name_swapped("A phone without a brand name.", "positive", rng()) is None
    assert tc.name_swapped("Johnson wrote it", "positive", rng()) is None  # whole words only


def test_negation_goes_before_the_first_sentiment_word_of_the_label() -> None:
    made = tc.negation("The battery life is great and the screen is good.", "positive", rng())
    assert made == tc.Changed("The battery life is not great and the screen is good.", -1)
    made = tc.negation("Terrible service, awful food.", "negative", rng())
    assert made == tc.Changed("not Terrible service, awful food.", 1)
    assert tc.negation("It's not good, but the price is fine", "positive", rng()).text == "It's not good, but the price is not fine"
    assert tc.negation("The screen is good.", "neutral", rng()) is None
    assert tc.negation("The screen is good.", "negative", rng()) is None  # no negative word to negate
    assert tc.negation("It isn't good", "positive", rng()) is None  # already negated
    assert tc.negation("goodness me", "positive", rng()) is None  # whole words only
    # The article agrees with the word that now follows it.
    assert tc.negation("Bought it at an excellent price", "positive", rng()).text == "Bought it at a not excellent price"
    assert tc.negation("An awful film", "negative", rng()).text == "A not awful film"
    assert tc.negation("Plan an  awful trip", "negative", rng()).text == "Plan a  not awful trip"
    assert tc.negation("The caravan excellent", "positive", rng()).text == "The caravan not excellent"  # "an" inside a word stays


def test_opposite_clause_points_to_the_other_sentiment() -> None:
    made = tc.opposite_clause("Lovely hotel", "positive", rng())
    assert made.direction == -1 and made.text.removeprefix("Lovely hotel. ") in tc.OPPOSITE_CLAUSES["positive"]
    assert tc.opposite_clause("Dirty room.", "negative", rng()).direction == 1
    assert tc.opposite_clause("A hotel.", "neutral", rng()) is None


def test_intensifier_inserted_before_the_sentiment_word_only() -> None:
    made = tc.intensifier("The screen is good.", "positive", rng())
    assert made.direction == 1
    assert re.fullmatch(r"The screen is (very|really) good\.", made.text)
    assert tc.intensifier("The screen is very good.", "positive", rng()) is None
    assert re.fullmatch(r"An? (very|really) awful film", tc.intensifier("An awful film", "negative", rng()).text)
    assert tc.intensifier("An awful film", "negative", rng()).text.startswith("A ")
    assert tc.intensifier("A boring film", "negative", rng()).direction == -1
