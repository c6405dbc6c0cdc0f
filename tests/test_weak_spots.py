"""lib/quality/weak_spots.py: traits read from texts, stable slice ids, honest statistics (planted and null)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, false_discovery_control
from sklearn.metrics import accuracy_score

from lib.quality.metrics import wilson_interval
from lib.quality.weak_spots import (
    CONFIDENCE_TRAITS,
    LENGTH_TRAITS,
    MIN_GAP,
    MIN_REVIEWS,
    RARE_WORDS,
    WORD_TRAITS,
    category_slug,
    find_weak_spots,
    is_slice_id,
    labelled_correct,
    review_traits,
    search_weak_spots,
    slice_id,
    slice_mask,
)
from lib.stores import contract

LABELS = ("negative", "neutral", "positive")
FILLER = [f"w{i}" for i in range(400)] + ["the", "a", "this", "film", "product", "was", "is", "it", "very", "quite", "service", "delivery"]
MARKERS = {
    "negation": ("not", 0.15),
    "but": ("but", 0.2),
    "contrast": ("however,", 0.06),
    "question": ("why?", 0.1),
    "exclamation": ("wow!", 0.1),
    "capitals": ("GREAT", 0.05),
    "emoji": (":)", 0.06),
    "link": ("https://example.com/x", 0.03),
    "mention": ("@anna", 0.1),
    "hashtag": ("#fail", 0.05),
    "number": ("42", 0.1),
}


def synthetic_reviews(n: int, seed: int) -> pd.DataFrame:
    """Reviews of filler words with each marker word planted at its own rate, three categories, probabilities."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 30, size=n)
    words = rng.choice(FILLER, size=(n, 30), p=np.full(len(FILLER), 1 / len(FILLER)))
    texts = []
    for i in range(n):
        row = list(words[i, : lengths[i]])
        for marker, rate in MARKERS.values():
            if rng.random() < rate:
                row.insert(int(rng.integers(0, len(row) + 1)), marker)
        texts.append(" ".join(row))
    truth = rng.choice(LABELS, size=n)
    proba = rng.dirichlet(np.ones(3), size=n)
    return pd.DataFrame(
        {
            contract.REVIEW_ID: [f"r{i}" for i in range(n)],
            contract.TEXT: texts,
            contract.TRUE_LABEL: truth,
            contract.CATEGORY: rng.choice(["Tweets", "Product reviews", "News"], size=n),
            **{contract.proba_column(label): proba[:, j] for j, label in enumerate(LABELS)},
        }
    )


def with_predictions(frame: pd.DataFrame, right: np.ndarray, seed: int) -> pd.DataFrame:
    """The frame with a predicted label that is right exactly where ``right`` says."""
    rng = np.random.default_rng(seed)
    truth = frame[contract.TRUE_LABEL].to_numpy()
    wrong_label = np.array([LABELS[(LABELS.index(t) + int(rng.integers(1, 3))) % 3] for t in truth])
    return frame.assign(**{contract.PREDICTED_LABEL: np.where(right, truth, wrong_label)})


def contains_word(frame: pd.DataFrame, word: str) -> np.ndarray:
    return frame[contract.TEXT].str.split().map(lambda ws: word in ws).to_numpy(dtype=bool)


# ---- traits -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I don't like it", {"negation"}),
        ("it isnt good and never was", {"negation"}),
        ("Nothing works.", {"negation"}),
        ("Good, but slow", {"but"}),
        ("Good; however, slow", {"contrast"}),
        ("Although it is cheap", {"contrast"}),
        ("Is it good?", {"question"}),
        ("So good!!!", {"exclamation"}),
        ("This is GREAT.", {"capitals"}),
        ("Love it 😀", {"emoji"}),
        ("love it :)", {"emoji"}),
        ("See www.example.com today", {"link"}),
        ("See HTTPS://example.com/a", {"link"}),
        ("thanks @anna", {"mention"}),
        ("so #blessed", {"hashtag"}),
        ("costs 200 dollars", {"number"}),
        ("I am ok and TV is on", set()),  # "I", "ok" and two-letter capitals are not shouting
        ("Nothingness is butter", set()),  # whole words only
        ("contact me at anna@example.com", set()),  # an address is no @mention
    ],
)
def test_word_traits_are_found_in_whole_words_and_nothing_else(text: str, expected: set[str]) -> None:
    traits = review_traits(pd.DataFrame({contract.TEXT: [text]}))
    found = {name for name in WORD_TRAITS if traits.trait(name)[0]}
    assert found == expected


def test_length_bands_count_words_and_every_review_with_words_has_exactly_one() -> None:
    texts = ["one", "a b c d e", "a b c d e f", " ".join(["w"] * 20), " ".join(["w"] * 21), " ".join(["w"] * 41), "", "!!!"]
    traits = review_traits(pd.DataFrame({contract.TEXT: texts}))
    bands = np.stack([traits.trait(name) for name in LENGTH_TRAITS])
    assert [LENGTH_TRAITS[i] for i in bands[:, :6].argmax(axis=0)] == [
        "length-1-5",
        "length-1-5",
        "length-6-10",
        "length-11-20",
        "length-21-40",
        "length-41-plus",
    ]
    assert (bands[:, :6].sum(axis=0) == 1).all()
    assert not bands[:, 6:].any()  # no words (only punctuation): in no band


def test_rare_words_are_words_used_at_most_twice_in_the_run() -> None:
    common = ["good film"] * 10
    texts = [*common, "good zyx", "good film zyx qwv", "film film film abc", "Good, FILM!"]
    traits = review_traits(pd.DataFrame({contract.TEXT: texts}))
    # "zyx" twice and "qwv" once are rare; "abc" is 1 word in 4 (25%); punctuation and case do not make a word new.
    assert traits.trait(RARE_WORDS).tolist() == [False] * 10 + [True, True, True, False]


def test_confidence_bands_come_from_the_top_probability_and_need_probabilities() -> None:
    frame = pd.DataFrame(
        {contract.TEXT: ["a", "b", "c", "d"], "proba_negative": [0.4, 0.5, 0.1, np.nan], "proba_positive": [0.3, 0.2, 0.9, np.nan]}
    )
    traits = review_traits(frame)
    assert [[bool(traits.trait(t)[i]) for t in CONFIDENCE_TRAITS] for i in range(4)] == [
        [True, False, False],
        [False, True, False],
        [False, False, True],
        [False, False, False],
    ]
    assert not set(CONFIDENCE_TRAITS) & set(review_traits(frame[[contract.TEXT]]).names)


def test_missing_and_non_text_values_are_read_as_empty_or_as_text() -> None:
    traits = review_traits(pd.DataFrame({contract.TEXT: pd.Series([None, 42, "not bad"], dtype=object)}))
    assert traits.trait("negation").tolist() == [False, False, True]
    assert traits.trait("number").tolist() == [False, True, False]


# ---- slice ids --------------------------------------------------------------------------


def test_slice_ids_are_stable_url_safe_and_tell_similar_category_names_apart() -> None:
    assert slice_id("negation") == "negation"
    assert slice_id("negation", "Tweets") == "negation.in.tweets-" + category_slug("Tweets")[-8:]
    assert category_slug("Tweets") == "tweets-d79ccfd7"  # the same in every process: no salted hash()
    assert category_slug("tweets") != category_slug("Tweets")
    for name in ["Tweets", "Product reviews", "<script>&?=#", "日本語", "", "x" * 300]:
        made = slice_id("but", name)
        assert re.fullmatch(r"[a-z0-9.-]+", made) and is_slice_id(made) and len(made) < 60
    assert not is_slice_id("negation&x=1") and not is_slice_id("../etc")


def test_slice_mask_returns_exactly_the_reviews_of_the_slice() -> None:
    frame = synthetic_reviews(600, seed=3)
    tweets = (frame[contract.CATEGORY] == "Tweets").to_numpy()
    assert np.array_equal(slice_mask(frame, "but"), contains_word(frame, "but"))
    assert np.array_equal(slice_mask(frame, slice_id("but", "Tweets")), contains_word(frame, "but") & tweets)
    for unknown in ["no-such-trait", slice_id("but", "Movies"), "bad id!"]:
        with pytest.raises(KeyError):
            slice_mask(frame, unknown)
    with pytest.raises(KeyError):
        slice_mask(frame[[contract.TEXT]], CONFIDENCE_TRAITS[0])


# ---- statistics -------------------------------------------------------------------------


def test_every_slice_tried_agrees_with_scikit_learn_scipy_and_its_rest() -> None:
    frame = synthetic_reviews(3000, seed=5)
    right = np.random.default_rng(6).random(len(frame)) < np.where(contains_word(frame, "not"), 0.6, 0.8)
    predictions = with_predictions(frame, right, seed=7)
    predictions.loc[:9, contract.TRUE_LABEL] = None  # unlabelled reviews are left out
    search = find_weak_spots(predictions)
    labelled = predictions[contract.TRUE_LABEL].notna().to_numpy()
    y_true, y_pred = predictions[contract.TRUE_LABEL], predictions[contract.PREDICTED_LABEL]
    assert search.reviews == labelled.sum() and search.tried == len(search.table) > 40
    for row in search.table.itertuples():
        inside = slice_mask(predictions, row.slice_id) & labelled
        if row.category is None:
            rest = ~inside & labelled
        else:
            rest = (predictions[contract.CATEGORY] == row.category).to_numpy() & labelled & ~inside
        assert (row.n, row.rest_n) == (inside.sum(), rest.sum())
        assert row.n >= MIN_REVIEWS and row.rest_n >= MIN_REVIEWS
        assert row.accuracy == pytest.approx(accuracy_score(y_true[inside], y_pred[inside]))
        assert row.rest_accuracy == pytest.approx(accuracy_score(y_true[rest], y_pred[rest]))
        low, high = wilson_interval(np.array([row.right]), np.array([row.n]))
        assert (row.low, row.high) == pytest.approx((low[0], high[0]))
        table = [[row.right, row.n - row.right], [row.rest_right, row.rest_n - row.rest_right]]
        assert row.p_value == pytest.approx(chi2_contingency(table, correction=False).pvalue, rel=1e-6)
    assert np.allclose(search.table["p_adjusted"], false_discovery_control(search.table["p_value"], method="bh"))
    reported = search.weak_spots()
    assert (reported["p_adjusted"] < 0.05).all() and (reported["gap"] >= MIN_GAP).all() and (reported["n"] >= MIN_REVIEWS).all()
    assert reported["accuracy"].is_monotonic_increasing
    assert "negation" in set(reported["slice_id"])


def test_a_planted_weak_spot_is_reported() -> None:
    frame = synthetic_reviews(3000, seed=11)
    has_but = contains_word(frame, "but")
    right = np.random.default_rng(12).random(len(frame)) < np.where(has_but, 0.65, 0.80)  # 15 points worse
    search = find_weak_spots(with_predictions(frame, right, seed=13))
    reported = search.weak_spots().set_index("slice_id")
    assert reported.loc["but", "gap"] == pytest.approx(0.15, abs=0.05)
    # Anything else reported ("but" within a category) must be mostly made of "but" reviews, not a fluke elsewhere.
    for other in reported.index:
        assert has_but[slice_mask(frame, other)].mean() > 0.5, other


def test_without_a_weak_spot_at_most_one_run_in_twenty_reports_any() -> None:
    simulations, reviews = 200, 2000
    frame = synthetic_reviews(reviews, seed=21)
    traits = review_traits(frame)  # the texts stay; only whether the model is right is drawn again
    rng = np.random.default_rng(22)
    reporting = [search_weak_spots(traits, rng.random(reviews) < 0.8).weak_spots().shape[0] > 0 for _ in range(simulations)]
    share = np.mean(reporting)
    simulation_error = np.sqrt(0.05 * 0.95 / simulations)
    assert share <= 0.05 + 2 * simulation_error, share


def test_no_true_labels_or_no_texts_means_no_search_and_no_categories_means_traits_only() -> None:
    frame = synthetic_reviews(500, seed=31)
    predictions = with_predictions(frame, np.ones(len(frame), dtype=bool), seed=32)
    assert find_weak_spots(predictions.drop(columns=contract.TRUE_LABEL)) is None
    assert find_weak_spots(predictions.assign(**{contract.TRUE_LABEL: None})) is None
    assert find_weak_spots(predictions.drop(columns=contract.TEXT)) is None
    search = find_weak_spots(predictions.drop(columns=contract.CATEGORY))
    assert search.table["category"].isna().all() and not search.weak_spots().shape[0]  # always right: nothing is weak


def test_labelled_correct_ignores_missing_labels_and_mixed_dtypes() -> None:
    frame = pd.DataFrame(
        {
            contract.TRUE_LABEL: pd.Series(["positive", None, "negative", "neutral"], dtype="category"),
            contract.PREDICTED_LABEL: ["positive", "positive", "neutral", None],
        }
    )
    labelled, correct = labelled_correct(frame)
    assert labelled.tolist() == [True, False, True, False]
    assert correct.tolist() == [True, False, False, False]


def test_too_few_reviews_means_nothing_is_tried_and_no_reviews_means_no_search() -> None:
    few = pd.DataFrame(
        {
            contract.TEXT: ["good", "bad but ok"] * 20,
            contract.TRUE_LABEL: ["positive"] * 40,
            contract.PREDICTED_LABEL: ["positive", "negative"] * 20,
            contract.CATEGORY: ["a", "b"] * 20,
        }
    )
    search = find_weak_spots(few)
    assert (search.tried, search.reviews, len(search.weak_spots())) == (0, 40, 0)  # no group has 30 reviews on both sides
    assert find_weak_spots(few.iloc[:0]) is None
    assert review_traits(few.iloc[:0]).matrix.shape[1] == 0


def test_splitting_in_chunks_on_threads_gives_the_same_traits(monkeypatch: pytest.MonkeyPatch) -> None:
    from lib.quality import weak_spots

    frame = synthetic_reviews(500, seed=51)
    frame[contract.TEXT] = [f"{text} unique{i}" if i % 10 == 0 else text for i, text in enumerate(frame[contract.TEXT])]
    whole = review_traits(frame)
    monkeypatch.setattr(weak_spots, "SPLIT_CHUNK", 7)  # 72 chunks, each with its own dictionary of words
    chunked = review_traits(frame)
    assert chunked.names == whole.names and np.array_equal(chunked.matrix, whole.matrix)
    assert whole.trait(RARE_WORDS).any() and whole.trait("but").any()
